"""Metrics over a leading member axis: ``metric.member_values(y, out)`` on stacked outputs
``(P, m, K)`` gives each member's value bit for bit as ``metric(y[p], out[p])``, for every
mean metric, shared (broadcast) or per-member targets, member-major or batch-major outputs."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from glassnet import metrics as M
from glassnet.activations import Sigmoid, Softmax

#: (metric, kind of targets, kind of outputs)
CASES = [
    (M.Accuracy(), "labels", "probs"), (M.Accuracy(), "onehot", "probs"),
    (M.Accuracy(), "binary", "sigmoid1"), (M.Accuracy(), "binary_labels", "sigmoid1"),
    (M.SparseCategoricalAccuracy(), "labels", "probs"),
    (M.CategoricalAccuracy(), "onehot", "probs"),
    (M.BinaryAccuracy(), "multi", "sigmoid"), (M.BinaryAccuracy(0.2), "multi", "sigmoid"),
    (M.MeanSquaredErrorMetric(), "onehot", "probs"), (M.MeanAbsoluteError(), "onehot", "probs"),
    (M.BinaryCrossentropyMetric(), "multi", "sigmoid"),
    (M.BinaryCrossentropyMetric(from_logits=True), "multi", "logits"),
    (M.CategoricalCrossentropyMetric(), "onehot", "probs"),
    (M.CategoricalCrossentropyMetric(from_logits=True), "onehot", "logits"),
    (M.SparseCategoricalCrossentropyMetric(), "labels", "probs"),
    (M.SparseCategoricalCrossentropyMetric(from_logits=True), "labels", "logits"),
]


def _data(kind: str, out_kind: str, P: int, m: int, k: int, dtype: Any,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if out_kind.endswith("1"):
        k = 1
    labels = rng.integers(0, k, size=(P, m))
    y = {"labels": labels, "onehot": np.eye(k, dtype=dtype)[labels],
         "multi": (rng.random((P, m, k)) > 0.5).astype(dtype),
         "binary": (rng.random((P, m, 1)) > 0.5).astype(dtype),
         "binary_labels": rng.integers(0, 2, size=(P, m))}[kind]
    z = rng.normal(size=(P, m, k)).astype(dtype)
    out = {"probs": Softmax().forward(z), "logits": z, "sigmoid": Sigmoid().forward(z),
           "sigmoid1": Sigmoid().forward(z)}[out_kind]
    return y, out


def _batch_major(a: np.ndarray) -> np.ndarray:
    P, m, k = a.shape
    view = np.empty((m, P, k), dtype=a.dtype).transpose(1, 0, 2)
    view[...] = a
    return view


@pytest.mark.parametrize("metric,kind,out_kind", CASES,
                         ids=[f"{type(c[0]).__name__}-{c[1]}-{c[2]}" for c in CASES])
def test_member_values_equal_each_members_call_bit_for_bit(metric: M.Metric, kind: str,
                                                           out_kind: str) -> None:
    assert metric.member_axis  # computed over the member axis, not member by member
    rng = np.random.default_rng(0)
    for dtype, (P, m, k), shared, batch_major in itertools.product(
            (np.float32, np.float64), [(3, 9, 4), (2, 9000, 3), (4, 20000, 1)],
            (False, True), (False, True)):
        y, out = _data(kind, out_kind, P, m, k, dtype, rng)
        if shared:
            y = np.broadcast_to(y[0], y.shape)
        stacked = _batch_major(out) if batch_major else out
        values = metric.member_values(y, stacked)
        assert values.shape == (P,) and values.dtype == np.float64
        for p in range(P):
            one = metric(np.ascontiguousarray(y[p]), out[p].copy())
            assert type(one) is float
            assert values[p].tobytes() == np.float64(one).tobytes(), (dtype, m, shared, p)


def test_a_metric_for_one_model_is_called_member_by_member() -> None:
    seen = []

    class Largest(M.Metric):
        name = "largest"

        def __call__(self, y: np.ndarray, out: np.ndarray) -> float:
            seen.append(out.shape)
            return float(out.max())

    out = np.arange(24.0).reshape(3, 4, 2)
    values = Largest().member_values(np.zeros((3, 4, 2)), out)
    assert values.tolist() == [7.0, 15.0, 23.0] and seen == [(4, 2)] * 3
