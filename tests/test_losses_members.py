"""Losses over a leading member axis: stacked ``(P, m, K)`` outputs give each member's value and
gradient bit for bit as the one-model call on its ``(m, K)`` block, for every loss, with shared
or per-member targets, in member-major or batch-major layout, in float32 and float64; the
stacked gradients also match finite differences of the stacked values."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from glassnet import losses as L
from glassnet.activations import Sigmoid, Softmax

LOSSES = [L.MeanSquaredError(), L.BinaryCrossentropy(), L.BinaryCrossentropy(from_logits=True),
          L.CategoricalCrossentropy(), L.CategoricalCrossentropy(from_logits=True),
          L.SparseCategoricalCrossentropy(), L.SparseCategoricalCrossentropy(from_logits=True),
          L.MeanAbsoluteError(), L.MeanAbsolutePercentageError(),
          L.MeanSquaredLogarithmicError(), L.Huber(0.7), L.LogCosh(), L.Hinge(), L.Poisson(),
          L.KLDivergence()]
IDS = [repr(loss) for loss in LOSSES]
# (P, m, K): tiny; one output unit; sums longer than NumPy's 8192-value casting chunks
SHAPES = [(3, 7, 4), (2, 33, 1), (3, 4000, 3), (2, 9000, 1), (1, 50, 5)]


def _targets(loss: L.Loss, shape: tuple[int, ...], k: int, dtype: Any,
             rng: np.random.Generator) -> np.ndarray:
    if isinstance(loss, L.SparseCategoricalCrossentropy):
        return rng.integers(0, k, size=shape)
    full = shape + (k,)
    if isinstance(loss, (L.CategoricalCrossentropy, L.KLDivergence)):
        t = rng.random(full)
        return (t / t.sum(-1, keepdims=True)).astype(dtype)
    if isinstance(loss, L.BinaryCrossentropy):
        return (rng.random(full) > 0.5).astype(dtype)
    if isinstance(loss, L.Hinge):
        return np.where(rng.random(full) > 0.5, 1.0, -1.0).astype(dtype)
    if isinstance(loss, (L.Poisson, L.MeanSquaredLogarithmicError)):
        return (3 * rng.random(full)).astype(dtype)
    return rng.normal(size=full).astype(dtype)


def _outputs(loss: L.Loss, shape: tuple[int, int, int], dtype: Any,
             rng: np.random.Generator) -> np.ndarray:
    z = (3 * rng.normal(size=shape)).astype(dtype)
    if loss.from_logits:
        return z
    if isinstance(loss, (L.SparseCategoricalCrossentropy, L.CategoricalCrossentropy,
                         L.KLDivergence)):
        return Softmax().forward(z)
    if isinstance(loss, L.BinaryCrossentropy):
        return Sigmoid().forward(z)
    if isinstance(loss, (L.Poisson, L.MeanSquaredLogarithmicError)):
        return np.exp(z / 3).astype(dtype)
    return z


def _batch_major(a: np.ndarray) -> np.ndarray:
    """``a`` as a view of an ``(m, P, K)`` buffer (the population's layout)."""
    P, m, k = a.shape
    view = np.empty((m, P, k), dtype=a.dtype).transpose(1, 0, 2)
    view[...] = a
    return view


def _call(loss: L.Loss, y: np.ndarray, out: np.ndarray, need_grad: bool) -> tuple[Any, Any]:
    if loss.from_logits:
        return loss.logits_value_and_grad(y, out, need_grad=need_grad)
    return loss.value_and_grad(y, out) if need_grad else (loss.value(y, out), None)


@pytest.mark.parametrize("loss", LOSSES, ids=IDS)
def test_each_member_equals_its_own_call_bit_for_bit(loss: L.Loss) -> None:
    rng = np.random.default_rng(0)
    for dtype, shape, per_member, batch_major, need_grad in itertools.product(
            (np.float32, np.float64), SHAPES, (False, True), (False, True), (True, False)):
        P, m, k = shape
        y = _targets(loss, (P, m) if per_member else (m,), k, dtype, rng)
        out = _outputs(loss, shape, dtype, rng)
        stacked = _batch_major(out) if batch_major else out.copy()
        values, grads = _call(loss, y, stacked, need_grad)
        assert isinstance(values, np.ndarray) and values.shape == (P,)
        assert values.dtype == np.float64
        if need_grad:
            assert grads.shape == out.shape and grads.dtype == out.dtype
        for p in range(P):
            value, grad = _call(loss, y[p] if per_member else y, out[p].copy(), need_grad)
            assert type(value) is float  # the one-model call still gives a float
            assert values[p].tobytes() == np.float64(value).tobytes(), (dtype, shape, p)
            if need_grad:
                assert np.ascontiguousarray(grads[p]).tobytes() == grad.tobytes(), (
                    dtype, shape, per_member, batch_major, p)


@pytest.mark.parametrize("loss", LOSSES, ids=IDS)
def test_gradient_member_by_member_matches_finite_differences(loss: L.Loss) -> None:
    """d(values[p])/d(out[p]) is grads[p], and members do not touch each other's values."""
    rng = np.random.default_rng(1)
    P, m, k = 3, 4, 3
    y = _targets(loss, (P, m), k, np.float64, rng)
    out = _outputs(loss, (P, m, k), np.float64, rng)
    if isinstance(loss, (L.MeanAbsoluteError, L.MeanAbsolutePercentageError)):
        out = out + 0.5  # away from the kinks |y_hat - y| = 0
    if isinstance(loss, L.Huber):
        out = np.where(np.abs(np.abs(out - y) - loss.delta) < 1e-3, out + 0.01, out)
    if isinstance(loss, L.Hinge):
        out = np.where(np.abs(1 - y * out) < 1e-3, out + 0.01, out)
    # inside the probability forms' clipping, where the gradient is the formula's
    if not loss.from_logits and isinstance(loss, (L.BinaryCrossentropy,
                                                  L.CategoricalCrossentropy,
                                                  L.SparseCategoricalCrossentropy,
                                                  L.KLDivergence)):
        out = np.clip(out, 1e-3, 1 - 1e-3)
    values, grads = _call(loss, y, _batch_major(out), True)
    h = 1e-6
    numeric = np.zeros_like(out)
    for idx in np.ndindex(out.shape):
        up, down = out.copy(), out.copy()
        up[idx] += h
        down[idx] -= h
        vu, vd = _call(loss, y, up, False)[0], _call(loss, y, down, False)[0]
        others = [q for q in range(P) if q != idx[0]]
        assert np.array_equal(vu[others], values[others])  # only member idx[0] moved
        numeric[idx] = (vu[idx[0]] - vd[idx[0]]) / (2 * h)
    np.testing.assert_allclose(grads, numeric, rtol=1e-5, atol=1e-7)


def test_sparse_labels_shared_or_per_member_pick_their_own_rows() -> None:
    """The flat rows of a stack carry the right labels in both layouts: a member's value
    from the stack equals a hand-computed cross-entropy of its own labels."""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(2, 5, 4))
    y = np.array([[0, 1, 2, 3, 0], [3, 3, 1, 0, 2]])
    loss = L.SparseCategoricalCrossentropy(from_logits=True)
    for stacked in (z.copy(), _batch_major(z)):
        values, grads = loss.logits_value_and_grad(y, stacked)
        log_p = z - np.log(np.exp(z).sum(-1, keepdims=True))
        expected = -np.take_along_axis(log_p, y[..., None], -1)[..., 0].mean(axis=1)
        np.testing.assert_allclose(values, expected, rtol=1e-13)
        onehot = np.eye(4)[y]
        np.testing.assert_allclose(grads, (np.exp(log_p) - onehot) / 5, atol=1e-15)
