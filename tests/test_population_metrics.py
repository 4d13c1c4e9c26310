"""Stateful metrics (RMSE, precision, recall, the confusion counts, AUC) in populations: each
member's epoch and batch values equal, bit for bit, what ``Sequential.fit`` reports for the
member's model alone, whatever the member's shuffling order, and also after a member stopped
early (masked, then compacted)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.population import Population

STATEFUL = ["auc", "precision", "recall", "true_positives", "false_negatives"]


def _data(n: int = 150) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + 0.3 * rng.normal(size=n) > 0).astype(np.int64)
    return X, y


def _binary(seed: int, dtype: str, metrics: list[Any]) -> gn.Sequential:
    model = gn.Sequential([gn.Input((5,)), gn.Dense(7, "tanh"), gn.Dense(1, "sigmoid")],
                          seed=seed, dtype=dtype)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(0.05),
                  metrics=metrics)
    return model


class BatchLog(gn.callbacks.Callback):
    """Keeps every batch's logs."""

    def __init__(self) -> None:
        self.logs: list[dict[str, Any]] = []

    def on_batch_end(self, batch: int, logs: Any = None) -> None:
        self.logs.append(dict(logs))


class StopAt(gn.callbacks.Callback):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if epoch == self.epoch:
            self.model.stop_training = True


def _alone(seed: int, dtype: str, metrics: list[Any], X: np.ndarray, y: np.ndarray,
           order: int, callbacks: list[Any], epochs: int = 4) -> gn.Sequential:
    model = _binary(seed, dtype, metrics)
    model.fit(X, y, epochs=epochs, batch_size=32, seed=order, verbose=0,
              validation_data=(X[:40], y[:40]), callbacks=callbacks)
    return model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shared", [True, False])
def test_stateful_metrics_equal_each_model_alone(dtype: str, shared: bool) -> None:
    X, y = _data()
    seeds = [0, 1, 2]
    orders: Any = 7 if shared else [7, 8, 9]
    metrics: list[Any] = [*STATEFUL, "accuracy"]
    pop = Population([_binary(s, dtype, metrics) for s in seeds])
    logs = [[BatchLog()] for _ in seeds]
    hist = pop.fit(X, y, epochs=4, batch_size=32, seed=orders,
                   validation_data=(X[:40], y[:40]), callbacks=logs)
    for k, s in enumerate(seeds):
        mine = BatchLog()
        model = _alone(s, dtype, metrics, X, y, orders if shared else orders[k], [mine])
        assert hist[k].history == model.history.history, k
        assert logs[k][0].logs == mine.logs, k
        for a, b in zip(pop[k].get_weights(), model.get_weights()):
            np.testing.assert_array_equal(a, b)
    # the values move over training (a test of real statistics, not of zeros)
    auc = hist[0].history["auc"]
    assert len(set(auc)) > 1 and 0.5 < auc[-1] <= 1.0
    assert hist[0].history["true_positives"][-1] > 0


def test_rmse_and_stopped_member_compacted() -> None:
    """RMSE (a sum of squares read as a root) in a regression population where two of three
    members stop early: the population compacts, and the running member's values are still
    its model's alone."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(120, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.normal(size=120)

    def net(seed: int) -> gn.Sequential:
        model = gn.Sequential([gn.Input((4,)), gn.Dense(6, "relu"), gn.Dense(1)], seed=seed)
        model.compile(loss="mse", optimizer=gn.optimizers.SGD(0.02),
                      metrics=["root_mean_squared_error", "mae"])
        return model

    pop = Population([net(s) for s in (0, 1, 2)])
    stops = [[StopAt(0)], [StopAt(1)], []]
    hist = pop.fit(X, y, epochs=5, batch_size=16, seed=[3, 4, 5], callbacks=stops)
    for k, s in enumerate((0, 1, 2)):
        model = net(s)
        model.fit(X, y, epochs=5, batch_size=16, seed=3 + k, verbose=0,
                  callbacks=[StopAt(0)] if k == 0 else [StopAt(1)] if k == 1 else [])
        assert hist[k].history == model.history.history, k
    assert len(hist[2].history["root_mean_squared_error"]) == 5
    assert len(hist[0].history["root_mean_squared_error"]) == 1


def test_population_evaluate_reports_stateful_metrics_as_evaluate() -> None:
    X, y = _data()
    pop = Population([_binary(s, "float64", STATEFUL) for s in (0, 1)])
    pop.fit(X, y, epochs=2, batch_size=32, seed=1)
    got = pop.evaluate(X, y, batch_size=50)
    for k in range(2):
        want = pop[k].evaluate(X, y, batch_size=50, verbose=0, return_dict=True)
        assert got[k] == pytest.approx(want, rel=0, abs=0), k
