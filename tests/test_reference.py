"""Tests for glassnet.reference: the course's loops and the vectorized form agree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from glassnet.errors import ArgumentTypeError, ConfigError, ShapeError
from glassnet.reference import (
    dense,
    dense_loop,
    dense_per_example,
    dense_per_unit_per_example,
    linear,
    relu,
    sequential,
    sigmoid,
    softmax,
    tanh,
)

ELEMENTWISE = ["sigmoid", "relu", "tanh", "linear"]


def _layer(
    rng: np.random.Generator, m: int = 7, n: int = 5, units: int = 4
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return rng.normal(size=(m, n)), rng.normal(size=(n, units)), rng.normal(size=units)


def test_activations_follow_the_textbook_formulas() -> None:
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(
        sigmoid(z),
        [1 / (1 + np.e**2), 0.3775406687981454, 0.5, 0.6224593312018546, 1 / (1 + np.e**-2)],
        rtol=1e-12,
    )
    np.testing.assert_array_equal(relu(z), [0, 0, 0, 0.5, 2.0])
    np.testing.assert_allclose(tanh(z), np.tanh(z))
    np.testing.assert_array_equal(linear(z), z)
    s = softmax(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(s.sum(axis=1), 1.0)
    np.testing.assert_allclose(s[1], [1 / 3] * 3)
    np.testing.assert_allclose(s[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())


@pytest.mark.parametrize("g", ELEMENTWISE)
def test_dense_loop_equals_dense(rng: np.random.Generator, g: str) -> None:
    A, W, b = _layer(rng)
    for a_in in A:
        loop = dense_loop(a_in, W, b, g)
        assert loop.shape == (4,) and loop.dtype == np.float64
        np.testing.assert_allclose(loop, dense(a_in, W, b, g), rtol=1e-12, atol=1e-12)


def test_dense_loop_is_the_per_unit_formula(rng: np.random.Generator) -> None:
    _, W, b = _layer(rng)
    a_in = rng.normal(size=5)
    out = dense_loop(a_in, W, b, sigmoid)
    for j in range(4):
        z_j = sum(W[k, j] * a_in[k] for k in range(5)) + b[j]
        assert out[j] == pytest.approx(1 / (1 + np.exp(-z_j)), rel=1e-12)


@pytest.mark.parametrize("g", [*ELEMENTWISE, np.tanh])
def test_all_four_dense_variants_agree(rng: np.random.Generator, g: Any) -> None:
    A, W, b = _layer(rng, m=9, n=6, units=3)
    expected = dense(A, W, b, g)
    assert expected.shape == (9, 3)
    np.testing.assert_allclose(dense_per_example(A, W, b, g), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        dense_per_unit_per_example(A, W, b, g), expected, rtol=1e-12, atol=1e-12
    )
    stacked = np.stack([dense_loop(a, W, b, g) for a in A])
    np.testing.assert_allclose(stacked, expected, rtol=1e-12, atol=1e-12)


def test_dense_matches_matrix_formula_and_softmax_rows(rng: np.random.Generator) -> None:
    A, W, b = _layer(rng)
    np.testing.assert_allclose(dense(A, W, b, "relu"), np.maximum(0, A @ W + b), rtol=1e-12)
    probs = dense(A, W, b, "softmax")
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(dense_per_example(A, W, b, "softmax"), probs, rtol=1e-12)


def test_single_example_dense_shape(rng: np.random.Generator) -> None:
    _, W, b = _layer(rng)
    x = rng.normal(size=5)
    out = dense(x, W, b, "sigmoid")
    assert out.shape == (4,)
    np.testing.assert_allclose(out, dense(x[None, :], W, b, "sigmoid")[0], rtol=1e-12)


def test_float32_stays_float32(rng: np.random.Generator) -> None:
    A, W, b = (arr.astype(np.float32) for arr in _layer(rng))
    assert dense(A, W, b, "relu").dtype == np.float32
    assert dense_loop(A[0], W, b, "relu").dtype == np.float32
    assert dense_per_example(A, W, b, "relu").dtype == np.float32
    assert dense_per_unit_per_example(A, W, b, "relu").dtype == np.float32


def test_sequential_with_dense_loop_on_one_example() -> None:
    # The shape of the course's coffee network: 2 inputs, Dense(3, sigmoid), Dense(1, sigmoid).
    W1 = np.array([[-8.93, 0.29, 12.9], [-0.1, -7.32, 10.81]])
    b1 = np.array([-9.82, -9.28, 0.96])
    W2 = np.array([[-31.18], [-27.59], [-32.56]])
    b2 = np.array([15.41])
    x = np.array([0.6, 1.2])
    a1 = 1 / (1 + np.exp(-(x @ W1 + b1)))
    a2 = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    out = sequential(x, [W1, b1, W2, b2], ["sigmoid", "sigmoid"], dense_fn=dense_loop)
    np.testing.assert_allclose(out, a2, rtol=1e-12)


@pytest.mark.parametrize("dense_fn", [dense, dense_per_example, dense_per_unit_per_example])
def test_sequential_matches_manual_chain(
    rng: np.random.Generator, dense_fn: Callable[..., np.ndarray]
) -> None:
    X = rng.normal(size=(6, 4))
    W1, b1 = rng.normal(size=(4, 5)), rng.normal(size=5)
    W2, b2 = rng.normal(size=(5, 3)), rng.normal(size=3)
    W3, b3 = rng.normal(size=(3, 2)), rng.normal(size=2)
    manual = np.tanh(X @ W1 + b1)
    manual = np.maximum(0, manual @ W2 + b2)
    manual = manual @ W3 + b3
    out = sequential(X, [W1, b1, W2, b2, W3, b3], ["tanh", relu, "linear"], dense_fn=dense_fn)
    assert out.shape == (6, 2)
    np.testing.assert_allclose(out, manual, rtol=1e-12, atol=1e-12)


def test_shape_errors_name_what_was_expected(rng: np.random.Generator) -> None:
    W = rng.normal(size=(4, 2))
    b = np.zeros(2)
    with pytest.raises(ShapeError) as info:
        dense_loop(np.zeros(3), W, b, "relu")
    assert str(info.value) == "a_in has 3 features but W expects 4 (W has shape (4, 2))"
    with pytest.raises(ShapeError, match=r"A_in has 3 features but W expects 4"):
        dense(np.zeros((5, 3)), W, b, "relu")
    with pytest.raises(ShapeError, match=r"b has shape \(3,\) but W has 2 units"):
        dense(np.zeros((5, 4)), W, np.zeros(3), "relu")
    with pytest.raises(ShapeError, match=r"b has shape \(1, 2\)"):
        dense(np.zeros((5, 4)), W, np.zeros((1, 2)), "relu")
    with pytest.raises(ShapeError, match=r"W must be 2-D"):
        dense(np.zeros((5, 4)), np.zeros(4), b, "relu")
    with pytest.raises(ShapeError, match=r"a_in must be one example of shape \(n,\)"):
        dense_loop(np.zeros((5, 4)), W, b, "relu")
    with pytest.raises(ShapeError, match=r"A_in must be a batch of shape \(m, n\)"):
        dense_per_example(np.zeros(4), W, b, "relu")


def test_sequential_reports_the_failing_layer(rng: np.random.Generator) -> None:
    weights = [rng.normal(size=(4, 3)), np.zeros(3), rng.normal(size=(2, 1)), np.zeros(1)]
    with pytest.raises(ShapeError, match=r"layer 2: A_in has 3 features but W expects 2"):
        sequential(np.zeros((5, 4)), weights, ["relu", "sigmoid"])
    with pytest.raises(ConfigError, match="pairs"):
        sequential(np.zeros((5, 4)), weights[:3], ["relu", "sigmoid"])
    with pytest.raises(ConfigError, match="activations: expected 2"):
        sequential(np.zeros((5, 4)), weights, ["relu"])
    with pytest.raises(ArgumentTypeError, match="activations"):
        sequential(np.zeros((5, 4)), weights, "relu")


def test_activation_names_are_checked(rng: np.random.Generator) -> None:
    A, W, b = _layer(rng)
    with pytest.raises(ConfigError, match=r"unknown activation 'swish'.*sigmoid"):
        dense(A, W, b, "swish")
    with pytest.raises(ArgumentTypeError, match="g"):
        dense(A, W, b, 3)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="softmax"):
        dense_loop(A[0], W, b, "softmax")
    with pytest.raises(ArgumentTypeError, match="numbers"):
        dense(np.array([["a", "b", "c", "d", "e"]]), W, b, "relu")
