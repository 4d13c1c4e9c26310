"""Activations: forward values against their formulas, derivatives against finite
differences, stability at extreme inputs, and dtype preservation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from glassnet import activations
from glassnet.activations import LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh

ELEMENTWISE = ["linear", "sigmoid", "tanh", "relu", "leaky_relu"]
ALL = [*ELEMENTWISE, "softmax"]


def _direct(name: str, z: np.ndarray) -> np.ndarray:
    """Each activation written straight from its textbook formula, in float64."""
    z = z.astype(np.float64)
    if name == "linear":
        return z
    if name == "sigmoid":
        # 1 / (1 + e^-z) for z >= 0 and e^z / (1 + e^z) for z < 0: the same function,
        # each branch evaluated where it cannot overflow.
        out = np.empty_like(z)
        pos = z >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
        out[~pos] = np.exp(z[~pos]) / (1.0 + np.exp(z[~pos]))
        return out
    if name == "tanh":
        return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise AssertionError(name)


def _points(rng: np.random.Generator) -> np.ndarray:
    """A (6, 5) batch of z values kept away from the ReLU kink at 0."""
    z = rng.uniform(-4.0, 4.0, size=(6, 5))
    z[np.abs(z) < 0.05] += 0.1
    return z


def test_registry_resolves_every_name_to_its_class() -> None:
    expected = {"linear": Linear, "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU,
                "leaky_relu": LeakyReLU, "softmax": Softmax}
    for name, cls in expected.items():
        assert type(activations.get(name)) is cls
        assert name in activations.names()
    assert type(activations.get(None)) is Linear
    assert type(activations.get("ReLU")) is ReLU  # names are case-insensitive
    obj = LeakyReLU(alpha=0.2)
    assert activations.get(obj) is obj
    assert activations.get(obj.to_config()) == obj


@pytest.mark.parametrize("name", ALL)
def test_forward_matches_the_formula(name: str, rng: np.random.Generator) -> None:
    z = _points(rng)
    a = activations.get(name)(z.copy())
    np.testing.assert_allclose(a, _direct(name, z), rtol=1e-13, atol=1e-15)


def test_known_values() -> None:
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(ReLU()(z), [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(LeakyReLU(alpha=0.1)(z), [[-0.2, 0.0, 3.0]], rtol=1e-15)
    np.testing.assert_allclose(Sigmoid()(np.array([[0.0]])), [[0.5]], rtol=0)
    np.testing.assert_allclose(Tanh()(z), np.tanh(z), rtol=1e-15)
    sm = Softmax()(z)
    np.testing.assert_allclose(sm, np.exp(z) / np.exp(z).sum(), rtol=1e-14)


def test_sigmoid_is_accurate_far_into_both_tails() -> None:
    """Relative accuracy holds where the values are tiny, not only near 0."""
    z = np.linspace(-700.0, 700.0, 2801).reshape(1, -1)
    np.testing.assert_allclose(Sigmoid()(z.copy()), _direct("sigmoid", z), rtol=1e-13, atol=0)
    # float32 keeps its own ~1e-7 relative precision down to the smallest normal numbers
    z32 = np.linspace(-80.0, 80.0, 1601, dtype=np.float32).reshape(1, -1)
    np.testing.assert_allclose(Sigmoid()(z32.copy()), _direct("sigmoid", z32), rtol=2e-6, atol=0)
    assert Sigmoid()(np.array([[-30.0]]))[0, 0] == pytest.approx(9.357622968840175e-14, rel=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_extremes_give_exact_limits_without_warnings(dtype: type) -> None:
    z = np.array([[-1e4, -1e3, 1e3, 1e4]], dtype=dtype)
    s = Sigmoid()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            a = s(z.copy())
            d = s.derivative(z, a)
            g = s.backward(np.ones_like(z), z, a)
    np.testing.assert_array_equal(a, [[0.0, 0.0, 1.0, 1.0]])
    np.testing.assert_array_equal(d, 0.0)
    np.testing.assert_array_equal(g, 0.0)
    assert np.all((a >= 0) & (a <= 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_for_huge_logits(dtype: type) -> None:
    z = np.array([[1000.0, 1001.0, 1002.0], [-1e4, 0.0, 1e4], [1e30, 1e30, -1e30]],
                 dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            a = Softmax()(z.copy())
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(a[0], _direct("softmax", np.array([[0.0, 1.0, 2.0]]))[0],
                               rtol=1e-6)
    np.testing.assert_array_equal(a[1], [0.0, 0.0, 1.0])
    np.testing.assert_allclose(a[2], [0.5, 0.5, 0.0], atol=1e-7)


def test_softmax_is_shift_invariant(rng: np.random.Generator) -> None:
    z = rng.normal(size=(4, 6))
    np.testing.assert_allclose(Softmax()(z.copy()), Softmax()(z + 500.0), rtol=1e-12)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_finite_differences(name: str, rng: np.random.Generator) -> None:
    g = activations.get(name)
    z = _points(rng)
    h = 1e-6
    numeric = (_direct(name, z + h) - _direct(name, z - h)) / (2 * h)
    a = g(z.copy())
    np.testing.assert_allclose(g.derivative(z, a), numeric, rtol=1e-7, atol=1e-9)
    # backward multiplies the incoming gradient by g'(z), element by element
    grad_a = rng.normal(size=z.shape)
    np.testing.assert_allclose(g.backward(grad_a.copy(), z, a), grad_a * numeric,
                               rtol=1e-7, atol=1e-9)


def test_softmax_backward_matches_finite_differences(rng: np.random.Generator) -> None:
    """grad_z_j = d/dz_j sum_i grad_a_i softmax(z)_i, computed numerically."""
    z = rng.normal(size=(5, 4))
    grad_a = rng.normal(size=z.shape)
    sm = Softmax()
    a = sm(z.copy())
    analytic = sm.backward(grad_a.copy(), z, a)
    h = 1e-6
    numeric = np.zeros_like(z)
    for j in range(z.shape[1]):
        dz = np.zeros_like(z)
        dz[:, j] = h
        up = np.sum(grad_a * _direct("softmax", z + dz), axis=1)
        down = np.sum(grad_a * _direct("softmax", z - dz), axis=1)
        numeric[:, j] = (up - down) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)
    # a constant added to every logit of a row changes nothing, so grad_z sums to 0 per row
    np.testing.assert_allclose(analytic.sum(axis=1), 0.0, atol=1e-12)


def test_relu_derivative_at_zero_is_zero() -> None:
    z = np.array([[0.0, -0.0, 1e-300, -1e-300]])
    np.testing.assert_array_equal(ReLU().derivative(z, ReLU()(z)), [[0.0, 0.0, 1.0, 0.0]])
    lr = LeakyReLU(alpha=0.3)
    np.testing.assert_array_equal(lr.derivative(z, lr(z)), [[0.3, 0.3, 1.0, 0.3]])


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(name: str, dtype: type, rng: np.random.Generator) -> None:
    g = activations.get(name)
    z = _points(rng).astype(dtype)
    a = g(z.copy())
    assert a.dtype == dtype
    grad = g.backward(np.ones_like(z), z, a)
    assert grad.dtype == dtype
    if name != "softmax":
        assert g.derivative(z, a).dtype == dtype


@pytest.mark.parametrize("name", ALL)
def test_forward_does_not_modify_its_input(name: str, rng: np.random.Generator) -> None:
    z = _points(rng)
    before = z.copy()
    activations.get(name)(z)
    np.testing.assert_array_equal(z, before)


def test_config_round_trip_and_equality() -> None:
    lr = LeakyReLU(alpha=0.25)
    assert lr.to_config() == {"name": "leaky_relu", "config": {"alpha": 0.25}}
    assert activations.get(lr.to_config()) == lr
    assert LeakyReLU(alpha=0.25) != LeakyReLU(alpha=0.3)
    assert activations.get("sigmoid") == Sigmoid()
    assert "alpha=0.25" in repr(lr)
