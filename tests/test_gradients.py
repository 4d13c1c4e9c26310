"""Backpropagation against finite differences, in float64, for every hidden activation x
every loss (fused and non-fused output pairs) x a shallow and a deep network."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import losses
from glassnet.activations import Sigmoid
from glassnet.initializers import RandomNormal
from glassnet.inspect import gradient_check

HIDDEN = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"]

# name -> (output activation, loss factory, output units, target kind, fused path expected)
OUTPUTS: dict[str, tuple[str, Any, int, str, bool]] = {
    "mse_linear": ("linear", losses.MeanSquaredError, 2, "real", False),
    "mse_sigmoid": ("sigmoid", losses.MeanSquaredError, 2, "unit", False),
    "bce_sigmoid": ("sigmoid", losses.BinaryCrossentropy, 2, "binary", True),
    "bce_logits": ("linear", lambda: losses.BinaryCrossentropy(from_logits=True), 2, "binary",
                   False),
    "bce_softmax": ("softmax", losses.BinaryCrossentropy, 3, "binary", False),
    "cce_softmax": ("softmax", losses.CategoricalCrossentropy, 3, "onehot", True),
    "cce_logits": ("linear", lambda: losses.CategoricalCrossentropy(from_logits=True), 3,
                   "onehot", False),
    "cce_sigmoid": ("sigmoid", losses.CategoricalCrossentropy, 3, "onehot", False),
    "scce_softmax": ("softmax", losses.SparseCategoricalCrossentropy, 3, "labels", True),
    "scce_logits": ("linear", lambda: losses.SparseCategoricalCrossentropy(from_logits=True), 3,
                    "labels", False),
    "scce_sigmoid": ("sigmoid", losses.SparseCategoricalCrossentropy, 3, "labels", False),
}

DEPTHS = {"shallow": [4], "deep": [5, 4, 3]}
M, N_IN = 6, 3
KINKED = {"relu", "leaky_relu"}


def _targets(kind: str, k: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "real":
        return rng.normal(size=(M, k))
    if kind == "unit":
        return rng.uniform(size=(M, k))
    if kind == "binary":
        return rng.integers(0, 2, size=(M, k)).astype(np.float64)
    if kind == "onehot":
        return np.eye(k)[np.arange(M) % k]
    return np.arange(M) % k  # every class present


def _model(hidden: str, widths: list[int], out_act: str, k: int, seed: int) -> gn.Sequential:
    layers: list[Any] = [gn.layers.Input(shape=(N_IN,))]
    for i, w in enumerate(widths):
        layers.append(gn.layers.Dense(w, activation=hidden, name=f"h{i + 1}",
                                      bias_initializer=RandomNormal(0.0, 0.5)))
    layers.append(gn.layers.Dense(k, activation=out_act, name="out",
                                  bias_initializer=RandomNormal(0.0, 0.5)))
    return gn.Sequential(layers, seed=seed, dtype="float64")


def _away_from_kinks(model: gn.Sequential, X: np.ndarray, hidden: str) -> bool:
    """True when no ReLU pre-activation is within reach of a finite-difference step
    (steps of up to 2 eps = 2e-3 move z by a few 1e-3 at most)."""
    if hidden not in KINKED:
        return True
    return all(np.abs(t.z).min() > 3e-2 for t in model.trace(X)[:-1])


@pytest.mark.parametrize("depth", sorted(DEPTHS))
@pytest.mark.parametrize("output", sorted(OUTPUTS))
@pytest.mark.parametrize("hidden", HIDDEN)
def test_backprop_matches_finite_differences(hidden: str, output: str, depth: str) -> None:
    out_act, make_loss, k, kind, fused = OUTPUTS[output]
    rng = np.random.default_rng(zlib.crc32(f"{hidden}-{output}-{depth}".encode()))
    X = rng.normal(size=(M, N_IN))
    y = _targets(kind, k, rng)
    for seed in range(50):
        model = _model(hidden, DEPTHS[depth], out_act, k, seed)
        if _away_from_kinks(model, X, hidden):
            break
    else:
        pytest.fail("no seed keeps the ReLU pre-activations away from 0")
    model.compile(loss=make_loss(), optimizer="sgd")
    assert model.fused_output is fused  # both the fused and the composed paths are exercised
    before = model.get_weights()
    # eps = 1e-3: the fourth-order difference's truncation error is still ~1e-13 here, and
    # the rounding floor (~1e-16 / eps) stays far below the smallest gradient entries of a
    # deep sigmoid stack (some are ~1e-7); with eps = 1e-4 those entries read as 2e-6.
    result = gradient_check(model, X, y, eps=1e-3)
    assert result.checked == model.count_params()
    assert result.max_relative_error < 1e-6, str(result)
    # the check restores every weight exactly
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_the_check_catches_a_wrong_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1% error in one activation's backward rule is far above the tolerance."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(M, N_IN)), rng.normal(size=(M, 2))
    model = _model("sigmoid", [4], "linear", 2, seed=0)
    model.compile(loss="mse", optimizer="sgd")
    assert gradient_check(model, X, y).passed
    original = Sigmoid.backward

    def off_by_one_percent(self: Sigmoid, grad_a: Any, z: Any, a: Any) -> Any:
        return original(self, grad_a, z, a) * 1.01

    monkeypatch.setattr(Sigmoid, "backward", off_by_one_percent)
    bad = gradient_check(model, X, y)
    assert not bad.passed
    assert bad.per_parameter["W1"] > 1e-3
    assert bad.per_parameter["W2"] < 1e-6  # the output layer's gradient is still right


def test_gradients_in_float32_are_close_to_float64() -> None:
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(M, N_IN)), np.arange(M) % 3
    m64 = _model("tanh", [5, 4], "linear", 3, seed=3)
    m32 = gn.Sequential.from_config({**m64.get_config(), "dtype": "float32"})
    m32.set_weights(m64.get_weights())
    for m in (m64, m32):
        m.compile(loss=losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="sgd")
    for g32, g64 in zip(m32.gradients(X, y), m64.gradients(X, y)):
        assert g32.dtype == np.float32
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-6)


def _kinked_relu_model() -> tuple[gn.Sequential, np.ndarray, np.ndarray]:
    """A ReLU net in which example 0 puts hidden unit 0 at z = 1e-4, right beside the kink."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 2, size=6)
    model = gn.Sequential([gn.Input((3,)), gn.Dense(4, "relu"), gn.Dense(1, "sigmoid")],
                          seed=5, dtype="float64")
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    W1, b1, W2, b2 = model.get_weights()
    b1[0] = 1e-4 - X[0] @ W1[:, 0]
    model.set_weights([W1, b1, W2 + 0.5, b2])
    return model, X, y


def test_a_step_across_a_relu_kink_is_retried_smaller_not_reported_as_an_error() -> None:
    model, X, y = _kinked_relu_model()
    assert abs(model.trace(X)[0].z[0, 0] - 1e-4) < 1e-12
    result = gradient_check(model, X, y, eps=1e-3)
    assert result.passed, str(result)
    assert result.kinks == 0 and result.checked == model.count_params()


def test_an_entry_that_always_crosses_a_kink_is_counted_and_left_out() -> None:
    model, X, y = _kinked_relu_model()
    W1, b1, W2, b2 = model.get_weights()
    b1[0] -= 1e-4  # exactly on the kink: every step crosses it
    model.set_weights([W1, b1, W2, b2])
    result = gradient_check(model, X, y, eps=1e-3)
    assert result.kinks >= 1
    assert result.checked == model.count_params() - result.kinks
    assert "kink" in str(result)
