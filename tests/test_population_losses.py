"""Every loss trains in a population: each member equals, bit for bit, the model trained alone.

A population computes its loss with the loss object's own functions over the member axis
(see :mod:`glassnet.losses`), so each loss, its ``from_logits`` form, and its pairings with
output activations (fused with the matching sigmoid/softmax, or through the activation's
backward pass) give every member exactly the weights, history and evaluation of its own fit.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits

import glassnet as gn
from glassnet.population import Population


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    X, y = load_digits(return_X_y=True)
    X, y = X[:240] / 16.0, y[:240]
    onehot = np.eye(10)[y]
    col = X[:, 20:23]
    return {
        "X": X,
        "labels": y,
        "onehot": onehot,
        "dist": 0.85 * onehot + 0.015,  # a smoothed distribution over the 10 classes
        "real": np.stack([y / 9.0 - 0.5, np.sin(y), col[:, 0] - col[:, 1]], axis=1),
        "positive": np.stack([y % 4, y % 3, (y > 5) * 2.0], axis=1).astype(float),
        "away_from_zero": np.stack([1.0 + y / 9.0, -2.0 + col[:, 0], 0.5 + col[:, 2]], axis=1),
        "plus_minus_one": np.where(np.stack([y > 4, y % 2 == 0, y < 3], axis=1), 1.0, -1.0),
        "multi_label": np.stack([y > 4, y % 2 == 0, y < 3], axis=1).astype(float),
        "binary": (y > 4).astype(float)[:, None],
    }


L = gn.losses
#: (id, the loss's factory, output activation, targets, output units)
CASES = [
    ("mse", L.MeanSquaredError, "linear", "real", 3),
    ("mse-softmax", L.MeanSquaredError, "softmax", "onehot", 10),
    ("mae", L.MeanAbsoluteError, "linear", "real", 3),
    ("mape", L.MeanAbsolutePercentageError, "linear", "away_from_zero", 3),
    ("msle", L.MeanSquaredLogarithmicError, "softplus", "positive", 3),
    ("huber", lambda: L.Huber(delta=0.5), "linear", "real", 3),
    ("log_cosh", L.LogCosh, "tanh", "real", 3),
    ("hinge", L.Hinge, "tanh", "plus_minus_one", 3),
    ("hinge-0-1-targets-one-unit", L.Hinge, "linear", "binary", 1),
    ("poisson", L.Poisson, "softplus", "positive", 3),
    ("kl_divergence", L.KLDivergence, "softmax", "dist", 10),
    ("bce-sigmoid", L.BinaryCrossentropy, "sigmoid", "multi_label", 3),
    ("bce-sigmoid-one-unit", L.BinaryCrossentropy, "sigmoid", "binary", 1),
    ("bce-logits", lambda: L.BinaryCrossentropy(from_logits=True), "linear", "multi_label", 3),
    ("bce-tanh", L.BinaryCrossentropy, "hard_sigmoid", "multi_label", 3),
    ("cce-softmax", L.CategoricalCrossentropy, "softmax", "dist", 10),
    ("cce-logits", lambda: L.CategoricalCrossentropy(from_logits=True), "linear", "dist", 10),
    ("cce-sigmoid", L.CategoricalCrossentropy, "sigmoid", "onehot", 10),
    ("scce-softmax", L.SparseCategoricalCrossentropy, "softmax", "labels", 10),
    ("scce-logits", lambda: L.SparseCategoricalCrossentropy(from_logits=True), "linear",
     "labels", 10),
    ("scce-sigmoid", L.SparseCategoricalCrossentropy, "sigmoid", "labels", 10),
    # logits through a non-linear output: the loss reads the activation's output as logits
    ("scce-logits-after-tanh", lambda: L.SparseCategoricalCrossentropy(from_logits=True),
     "tanh", "labels", 10),
    ("bce-logits-after-elu", lambda: L.BinaryCrossentropy(from_logits=True), "elu",
     "multi_label", 3),
]


def _member(seed: int, loss: Any, activation: str, units: int, dtype: str) -> gn.Sequential:
    model = gn.Sequential([gn.Input((64,)), gn.Dense(12, "tanh"), gn.Dense(units, activation)],
                          seed=seed, dtype=dtype)
    model.compile(loss=loss(), optimizer=gn.optimizers.Adam(0.01))
    return model


def _bits(a: Any) -> bytes:
    return np.ascontiguousarray(a).tobytes()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_loss_trains_each_member_as_alone(data: dict[str, Any], case: Any,
                                                dtype: str) -> None:
    _, loss, activation, targets, units = case
    X, Y = data["X"], data[targets]
    X_val, Y_val = X[:60], Y[:60]
    seeds = [3, 4, 5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gn.errors.GlassnetWarning)  # odd pairings warn
        alone = [_member(s, loss, activation, units, dtype) for s in seeds]
        start = [m.get_weights() for m in alone]
        pop = Population([_member(s, loss, activation, units, dtype) for s in seeds])
        # own shuffling orders: per-member targets; the validation pass: shared targets
        ph = pop.fit(X, Y, epochs=2, batch_size=32, seed=[7, 8, 9],
                     validation_data=(X_val, Y_val))
        evaluated = pop.evaluate(X_val, Y_val, batch_size=25)
        for k, model in enumerate(alone):
            model.fit(X, Y, epochs=2, batch_size=32, seed=7 + k, verbose=0,
                      validation_data=(X_val, Y_val))
            assert ph[k].history == model.history.history  # every loss value, bit for bit
            assert evaluated[k] == model.evaluate(X_val, Y_val, batch_size=25,
                                                  return_dict=True)
            for a, b, a0 in zip(model.get_weights(), pop[k].get_weights(), start[k]):
                assert a.dtype == b.dtype == np.dtype(dtype)
                assert _bits(a) == _bits(b)
                assert _bits(a) != _bits(a0)  # the member did move


def test_shared_batches_with_a_loss_of_its_own_targets(data: dict[str, Any]) -> None:
    """One shuffling order for all: the targets of a batch are shared by every member."""
    X, Y = data["X"], data["real"]
    alone = [_member(s, lambda: L.Huber(0.3), "linear", 3, "float64") for s in (1, 2)]
    pop = Population([_member(s, lambda: L.Huber(0.3), "linear", 3, "float64")
                      for s in (1, 2)])
    ph = pop.fit(X, Y, epochs=2, batch_size=50, seed=11)
    for k, model in enumerate(alone):
        model.fit(X, Y, epochs=2, batch_size=50, seed=11, verbose=0)
        assert ph[k].history == model.history.history
        assert all(_bits(a) == _bits(b)
                   for a, b in zip(model.get_weights(), pop[k].get_weights()))


class _FirstOutputMean(gn.metrics.Metric):
    """A user's metric that knows one model's arrays only (``out[:, 0]``): a population calls
    it member by member."""

    name = "first_output_mean"

    def __call__(self, y: np.ndarray, out: np.ndarray) -> float:
        assert out.ndim == 2
        return float(np.mean(out[:, 0] * (1 + np.arange(out.shape[0]) % 3)))


M = gn.metrics
#: (id, loss, output activation, targets, units, metrics)
METRIC_CASES = [
    ("scce", "sparse_categorical_crossentropy", "softmax", "labels", 10,
     ["accuracy", "sparse_categorical_accuracy", "sparse_categorical_crossentropy"]),
    ("scce-logits", L.SparseCategoricalCrossentropy(from_logits=True), "linear", "labels", 10,
     ["acc", M.SparseCategoricalCrossentropyMetric(from_logits=True), _FirstOutputMean()]),
    ("cce", "categorical_crossentropy", "softmax", "onehot", 10,
     ["accuracy", "categorical_accuracy", "categorical_crossentropy", "mse", "mae"]),
    ("cce-logits", L.CategoricalCrossentropy(from_logits=True), "linear", "dist", 10,
     [M.CategoricalCrossentropyMetric(from_logits=True), "accuracy"]),
    ("bce", "binary_crossentropy", "sigmoid", "multi_label", 3,
     ["accuracy", "binary_accuracy", M.BinaryAccuracy(threshold=0.3, name="acc_0.3"),
      "binary_crossentropy", "mae"]),
    ("bce-one-unit", "binary_crossentropy", "sigmoid", "binary", 1,
     ["accuracy", "binary_crossentropy", "mean_squared_error"]),
    ("bce-logits", L.BinaryCrossentropy(from_logits=True), "linear", "multi_label", 3,
     [M.BinaryCrossentropyMetric(from_logits=True), "accuracy"]),
    ("mse", "mse", "linear", "real", 3, ["mse", "mae", _FirstOutputMean()]),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shared", [True, False], ids=["shared-batches", "own-orders"])
@pytest.mark.parametrize("case", METRIC_CASES, ids=[c[0] for c in METRIC_CASES])
def test_metrics_of_each_member_equal_its_own_fit(data: dict[str, Any], case: Any,
                                                  shared: bool, dtype: str) -> None:
    """Each metric over the member axis (the metric object's own code; a user's 2-D metric
    member by member) gives every member its own fit's history and evaluation, bit for bit."""
    _, loss, activation, targets, units, metrics = case
    X, Y = data["X"], data[targets]

    def member(seed: int) -> gn.Sequential:
        model = gn.Sequential([gn.Input((64,)), gn.Dense(12, "tanh"),
                               gn.Dense(units, activation)], seed=seed, dtype=dtype)
        model.compile(loss=loss, optimizer="adam", metrics=list(metrics))
        return model

    seeds = [1, 2, 3]
    alone = [member(s) for s in seeds]
    pop = Population([member(s) for s in seeds])
    order = 5 if shared else [5, 6, 7]
    ph = pop.fit(X, Y, epochs=2, batch_size=40, seed=order, validation_data=(X[:50], Y[:50]))
    evaluated = pop.evaluate(X[50:120], Y[50:120], batch_size=30)
    for k, model in enumerate(alone):
        model.fit(X, Y, epochs=2, batch_size=40, verbose=0, seed=order if shared else order[k],
                  validation_data=(X[:50], Y[:50]))
        assert ph[k].history == model.history.history
        assert len(ph[k].history) == 2 * (1 + len(metrics))  # every metric, and val_ too
        assert evaluated[k] == model.evaluate(X[50:120], Y[50:120], batch_size=30,
                                              return_dict=True)
