"""Losses: values against hand-computed formulas, gradients against finite differences,
the fused logits forms against the composition, and targets that do not fit."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pytest

from glassnet import losses
from glassnet.activations import Sigmoid, Softmax
from glassnet.errors import DataError, GlassnetError, ShapeError
from glassnet.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        grad[idx] = (f(up) - f(down)) / (2 * h)
    return grad


# ----------------------------------------------------------------------------- values


def test_registry_names() -> None:
    assert type(losses.get("mse")) is MeanSquaredError
    assert type(losses.get("mean_squared_error")) is MeanSquaredError
    assert type(losses.get("binary_crossentropy")) is BinaryCrossentropy
    assert type(losses.get("categorical_crossentropy")) is CategoricalCrossentropy
    assert type(losses.get("sparse_categorical_crossentropy")) is SparseCategoricalCrossentropy
    loss = SparseCategoricalCrossentropy(from_logits=True)
    assert losses.get(loss) is loss
    rebuilt = losses.get(loss.to_config())
    assert type(rebuilt) is SparseCategoricalCrossentropy and rebuilt.from_logits


def test_mse_value_by_hand() -> None:
    y = np.array([[1.0, 0.0], [0.0, 2.0]])
    y_hat = np.array([[0.5, 0.0], [0.25, 1.0]])
    # ((0.5)^2 + 0^2 + 0.25^2 + 1^2) / 4
    assert MeanSquaredError()(y, y_hat) == pytest.approx((0.25 + 0.0625 + 1.0) / 4, rel=1e-15)
    # a 1-D target for one output unit
    assert MeanSquaredError()(np.array([1.0, 3.0]), np.array([[2.0], [1.0]])) == 2.5


def test_bce_value_by_hand() -> None:
    y = np.array([[1.0], [0.0], [1.0]])
    p = np.array([[0.8], [0.3], [0.5]])
    expected = -(math.log(0.8) + math.log(0.7) + math.log(0.5)) / 3
    assert BinaryCrossentropy()(y, p) == pytest.approx(expected, rel=1e-14)
    z = np.log(p / (1 - p))  # the logits of the same probabilities
    assert BinaryCrossentropy(from_logits=True)(y, z) == pytest.approx(expected, rel=1e-12)


def test_cce_and_sparse_values_by_hand() -> None:
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    onehot = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    expected = -(math.log(0.2) + math.log(0.8)) / 2
    labels = np.array([1, 2])
    assert CategoricalCrossentropy()(onehot, p) == pytest.approx(expected, rel=1e-14)
    assert SparseCategoricalCrossentropy()(labels, p) == pytest.approx(expected, rel=1e-14)
    z = np.log(p) + 3.0  # logits of p, shifted: softmax(z) == p
    cce, scce = CategoricalCrossentropy(True), SparseCategoricalCrossentropy(True)
    assert cce(onehot, z) == pytest.approx(expected, rel=1e-12)
    assert scce(labels, z) == pytest.approx(expected, rel=1e-12)


def test_sparse_accepts_integer_valued_floats_and_column_vectors() -> None:
    p = np.array([[0.7, 0.3], [0.4, 0.6]])
    loss = SparseCategoricalCrossentropy()
    a = loss(np.array([0, 1]), p)
    assert loss(np.array([0.0, 1.0]), p) == a
    assert loss(np.array([[0], [1]]), p) == a


@pytest.mark.parametrize("kind", ["bce", "cce", "scce"])
def test_from_logits_value_equals_probability_version(kind: str, rng: np.random.Generator) -> None:
    m, K = 7, (1 if kind == "bce" else 4)
    z = rng.normal(scale=2.0, size=(m, K))
    if kind == "bce":
        y = rng.integers(0, 2, size=(m, K)).astype(float)
        prob, logit, p = BinaryCrossentropy(), BinaryCrossentropy(from_logits=True), _sigmoid(z)
    elif kind == "cce":
        y = np.eye(K)[rng.integers(0, K, size=m)]
        prob, logit = CategoricalCrossentropy(), CategoricalCrossentropy(from_logits=True)
        p = _softmax(z)
    else:
        y = rng.integers(0, K, size=m)
        prob = SparseCategoricalCrossentropy()
        logit = SparseCategoricalCrossentropy(from_logits=True)
        p = _softmax(z)
    assert logit(y, z) == pytest.approx(prob(y, p), rel=1e-12)


def test_logit_forms_stay_exact_and_finite_for_extreme_logits() -> None:
    """log(1 + e^1000) is 1000 and log(sigmoid(-1000)) is -1000: no inf, no warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bce = BinaryCrossentropy(from_logits=True)
        assert bce(np.array([[0.0]]), np.array([[1000.0]])) == pytest.approx(1000.0, rel=1e-15)
        assert bce(np.array([[1.0]]), np.array([[-1000.0]])) == pytest.approx(1000.0, rel=1e-15)
        assert bce(np.array([[1.0]]), np.array([[1000.0]])) == 0.0
        cce = SparseCategoricalCrossentropy(from_logits=True)
        assert cce(np.array([0]), np.array([[0.0, 1000.0]])) == pytest.approx(1000.0, rel=1e-15)
        cat = CategoricalCrossentropy(from_logits=True)
        assert cat(np.array([[1.0, 0.0]]), np.array([[-500.0, 500.0]])) == pytest.approx(1000.0)


def test_probability_forms_are_clipped_not_infinite() -> None:
    value = BinaryCrossentropy()(np.array([[1.0]]), np.array([[0.0]]))
    assert math.isfinite(value)
    assert value == pytest.approx(-math.log(1e-7), rel=1e-6)


# ----------------------------------------------------------------------------- gradients


def _cases(rng: np.random.Generator) -> list[tuple[str, losses.Loss, np.ndarray, np.ndarray]]:
    m = 5
    z2 = rng.normal(size=(m, 2))
    z3 = rng.normal(size=(m, 3))
    return [
        ("mse", MeanSquaredError(), rng.normal(size=(m, 2)), rng.normal(size=(m, 2))),
        ("bce", BinaryCrossentropy(), rng.integers(0, 2, (m, 2)).astype(float), _sigmoid(z2)),
        ("bce_soft_targets", BinaryCrossentropy(), rng.uniform(size=(m, 2)), _sigmoid(z2)),
        ("cce", CategoricalCrossentropy(), np.eye(3)[rng.integers(0, 3, m)], _softmax(z3)),
        ("scce", SparseCategoricalCrossentropy(), rng.integers(0, 3, m), _softmax(z3)),
    ]


def test_gradients_match_finite_differences(rng: np.random.Generator) -> None:
    for name, loss, y, y_hat in _cases(rng):
        t = loss.prepare_targets(y, y_hat.shape[1], np.float64)
        analytic = loss.gradient(t, y_hat.copy())
        numeric = _numeric_grad(lambda p, loss=loss, t=t: loss.value(t, p), y_hat)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9, err_msg=name)


def test_mse_gradient_formula(rng: np.random.Generator) -> None:
    y, y_hat = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    grad = MeanSquaredError().gradient(y, y_hat.copy())
    np.testing.assert_allclose(grad, 2 * (y_hat - y) / 12, rtol=1e-15)


@pytest.mark.parametrize("kind", ["bce", "cce", "scce"])
def test_fused_logits_gradient_equals_the_composition(kind: str, rng: np.random.Generator) -> None:
    """dL/dz from the fused form == g'(z)^T dL/da from the activation and the loss."""
    m = 6
    if kind == "bce":
        z = rng.normal(size=(m, 2))
        y = rng.integers(0, 2, size=(m, 2)).astype(float)
        loss, act = BinaryCrossentropy(), Sigmoid()
    elif kind == "cce":
        z = rng.normal(size=(m, 4))
        y = np.eye(4)[rng.integers(0, 4, m)]
        loss, act = CategoricalCrossentropy(), Softmax()
    else:
        z = rng.normal(size=(m, 4))
        y = rng.integers(0, 4, size=m)
        loss, act = SparseCategoricalCrossentropy(), Softmax()
    t = loss.prepare_targets(y, z.shape[1], np.float64)
    a = act.forward(z.copy())
    composed = act.backward(loss.gradient(t, a), z, a)
    value, fused = loss.logits_value_and_grad(t, z.copy())
    assert fused is not None
    np.testing.assert_allclose(fused, composed, rtol=1e-10, atol=1e-14)
    assert value == pytest.approx(loss.value(t, a), rel=1e-12)
    # and both equal the closed form (p - y) / (m K) or (softmax - onehot) / m
    onehot = np.eye(4)[y] if kind == "scce" else y
    denom = m * z.shape[1] if kind == "bce" else m
    np.testing.assert_allclose(fused, (a - onehot) / denom, rtol=1e-12, atol=1e-15)
    # from_logits=True uses the same gradient with respect to the (linear) output
    logit_loss = type(loss)(from_logits=True)
    _, g2 = logit_loss.value_and_grad(t, z.copy())
    np.testing.assert_allclose(g2, fused, rtol=1e-15)


@pytest.mark.parametrize("name", ["mse", "bce", "cce", "scce"])
def test_float32_stays_float32(name: str, rng: np.random.Generator) -> None:
    z = rng.normal(size=(5, 3)).astype(np.float32)
    loss = losses.get({"mse": "mse", "bce": "binary_crossentropy",
                       "cce": "categorical_crossentropy",
                       "scce": "sparse_categorical_crossentropy"}[name])
    if name in ("mse", "bce"):
        y = rng.integers(0, 2, size=(5, 3))
        out = _sigmoid(z).astype(np.float32)
    elif name == "cce":
        y = np.eye(3)[rng.integers(0, 3, 5)]
        out = _softmax(z).astype(np.float32)
    else:
        y = rng.integers(0, 3, size=5)
        out = _softmax(z).astype(np.float32)
    t = loss.prepare_targets(y, 3, np.float32)
    if name != "scce":
        assert t.dtype == np.float32
    _, grad = loss.value_and_grad(t, out.copy())
    assert grad.dtype == np.float32
    if name != "mse":
        _, g = loss.logits_value_and_grad(t, z.copy())
        assert g is not None and g.dtype == np.float32


# ----------------------------------------------------------------------------- bad targets


def test_sparse_label_out_of_range() -> None:
    loss = SparseCategoricalCrossentropy(from_logits=True)
    z = np.zeros((3, 10))
    with pytest.raises(DataError, match=r"0\.\.9 .*10 output units.*0 to 10"):
        loss(np.array([0, 3, 10]), z)
    with pytest.raises(DataError, match=r"-1 to"):
        loss(np.array([-1, 3, 2]), z)


def test_sparse_rejects_non_integer_labels() -> None:
    loss = SparseCategoricalCrossentropy()
    with pytest.raises(DataError, match="integer class labels"):
        loss(np.array([0.0, 1.5]), np.full((2, 3), 1 / 3))
    with pytest.raises(DataError, match="integer class labels"):
        loss(np.array(["a", "b"]), np.full((2, 3), 1 / 3))


def test_sparse_rejects_one_hot_targets() -> None:
    with pytest.raises(ShapeError, match=r"shape \(m,\).*one-hot"):
        SparseCategoricalCrossentropy()(np.eye(3), np.full((3, 3), 1 / 3))


def test_categorical_rejects_integer_labels() -> None:
    with pytest.raises(ShapeError, match="SparseCategoricalCrossentropy"):
        CategoricalCrossentropy()(np.array([0, 2, 1]), np.full((3, 3), 1 / 3))


def test_categorical_rejects_wrong_width_and_negative_targets() -> None:
    with pytest.raises(ShapeError, match=r"\(m, 3\).*\(2, 4\)"):
        CategoricalCrossentropy()(np.eye(4)[:2], np.full((2, 3), 1 / 3))
    with pytest.raises(DataError, match="non-negative"):
        CategoricalCrossentropy()(np.array([[1.0, -1.0, 1.0]]), np.full((1, 3), 1 / 3))


def test_bce_targets_outside_0_1() -> None:
    with pytest.raises(DataError, match=r"\[0, 1\].*0 to 2"):
        BinaryCrossentropy()(np.array([0.0, 1.0, 2.0]), np.full((3, 1), 0.5))
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        BinaryCrossentropy(from_logits=True)(np.array([-1.0]), np.zeros((1, 1)))


def test_nan_and_non_numeric_targets() -> None:
    with pytest.raises(DataError, match="NaN"):
        MeanSquaredError()(np.array([1.0, np.nan]), np.zeros((2, 1)))
    with pytest.raises(DataError, match="numeric"):
        MeanSquaredError()(np.array(["x", "y"]), np.zeros((2, 1)))


def test_mse_shape_mismatch() -> None:
    with pytest.raises(ShapeError, match=r"\(m, 2\).*2 output unit"):
        MeanSquaredError()(np.zeros((3, 3)), np.zeros((3, 2)))


def test_target_errors_are_glassnet_and_value_errors() -> None:
    with pytest.raises(GlassnetError):
        SparseCategoricalCrossentropy()(np.array([5]), np.full((1, 3), 1 / 3))
    with pytest.raises(ValueError):
        SparseCategoricalCrossentropy()(np.array([5]), np.full((1, 3), 1 / 3))
