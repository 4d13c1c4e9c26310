"""One training loop (glassnet.fitloop.FitLoop) for a model and for a population: a member's
callbacks see the same events, in the same order, with the same logs, as the callbacks of the
member's model trained alone; Ctrl-C stops a population as cleanly as a model."""

from __future__ import annotations

import os
import signal
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import fitloop
from glassnet.population import Population


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(8)
    X = rng.normal(size=(70, 5))
    y = rng.integers(0, 3, size=70)
    return X, y


def _net(seed: int, dtype: str = "float64") -> gn.Sequential:
    model = gn.Sequential([gn.Input((5,)), gn.Dense(9, "relu", kernel_regularizer="l2"),
                           gn.Dense(3, "softmax")], seed=seed, dtype=dtype)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=gn.optimizers.Adam(0.03),
                  metrics=["accuracy", "auc"])
    return model


class Events(gn.callbacks.Callback):
    """Every hook call, with its logs, in order; asks to stop at one step if told."""

    def __init__(self, stop_at: tuple[int, int] | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.stop_at = stop_at
        self.epoch = -1

    def on_train_begin(self, logs: Any = None) -> None:
        self.calls.append(("train_begin", dict(logs or {})))

    def on_train_end(self, logs: Any = None) -> None:
        self.calls.append(("train_end", dict(logs or {})))

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.epoch = epoch
        self.calls.append(("epoch_begin", epoch, dict(logs or {})))

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.calls.append(("epoch_end", epoch, dict(logs or {}),
                           int(self.model.epochs_trained)))

    def on_batch_begin(self, step: int, logs: Any = None) -> None:
        self.calls.append(("batch_begin", step, dict(logs or {})))

    def on_batch_end(self, step: int, logs: Any = None) -> None:
        self.calls.append(("batch_end", step, dict(logs or {})))
        if (self.epoch, step) == self.stop_at:
            self.model.stop_training = True


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_member_sees_the_events_its_model_sees_alone(dtype: str) -> None:
    X, y = _data()
    stops: list[tuple[int, int] | None] = [(1, 2), None, (2, 4)]  # mid-epoch, none, last step
    pop = Population([_net(s, dtype) for s in range(3)])
    events = [Events(stop) for stop in stops]
    plateau = [gn.callbacks.ReduceLROnPlateau("val_loss", patience=1, factor=0.5)
               for _ in range(3)]
    hist = pop.fit(X, y, epochs=4, batch_size=14, seed=[5, 6, 7],
                   validation_data=(X[:20], y[:20]),
                   callbacks=[[events[k], plateau[k]] for k in range(3)])
    for k in range(3):
        mine = Events(stops[k])
        model = _net(k, dtype)
        model.fit(X, y, epochs=4, batch_size=14, seed=5 + k, verbose=0,
                  validation_data=(X[:20], y[:20]),
                  callbacks=[mine, gn.callbacks.ReduceLROnPlateau("val_loss", patience=1,
                                                                  factor=0.5)])
        assert events[k].calls == mine.calls, k
        assert hist[k].history == model.history.history
    assert len(hist[0].epoch) == 1  # stopped in epoch 1: only epoch 0 recorded
    assert len(hist[1].epoch) == 4
    assert len(hist[2].epoch) == 3  # stopped at epoch 2's last step: epoch 2 recorded
    assert [c[0] for c in events[0].calls].count("train_end") == 1


def test_model_and_population_run_the_same_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[tuple[str, int]] = []
    original = fitloop.FitLoop.run

    def spy(self: fitloop.FitLoop, first: int, epochs: int) -> bool:
        runs.append((type(self).__name__, self.K))
        return original(self, first, epochs)

    monkeypatch.setattr(fitloop.FitLoop, "run", spy)
    X, y = _data()
    _net(0).fit(X, y, epochs=1, verbose=0)
    Population([_net(s) for s in range(4)]).fit(X, y, epochs=1)
    assert runs == [("_ModelLoop", 1), ("_PopulationLoop", 4)]


class SigintAt(gn.callbacks.Callback):
    """Sends this process SIGINT (what Ctrl-C does) at one step's end, or asks its model to
    stop there."""

    def __init__(self, at: tuple[int, int], use_signal: bool) -> None:
        self.at, self.use_signal, self.epoch = at, use_signal, -1
        self.after = 0
        self.fired = False

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.epoch = epoch

    def on_batch_end(self, step: int, logs: Any = None) -> None:
        if self.fired:
            self.after += 1
        if (self.epoch, step) == self.at:
            self.fired = True
            if self.use_signal:
                os.kill(os.getpid(), signal.SIGINT)
            else:
                self.model.stop_training = True


def test_ctrl_c_stops_a_population_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = _data()
    handler_before = signal.getsignal(signal.SIGINT)
    ctrl_c = SigintAt((1, 2), use_signal=True)
    pop = Population([_net(s) for s in range(3)])
    hist = pop.fit(X, y, epochs=4, batch_size=14, seed=[1, 2, 3],
                   callbacks=[[ctrl_c], [], []], verbose=0)
    assert ctrl_c.after == 0  # no step after the signal
    for k in range(3):
        assert hist[k].interrupted
        assert hist[k].epoch == [0]  # the interrupted epoch is not recorded
        # each member equals its model alone stopped at the same step
        model = _net(k)
        model.fit(X, y, epochs=4, batch_size=14, seed=1 + k, verbose=0,
                  callbacks=[SigintAt((1, 2), use_signal=False)])
        assert hist[k].history == model.history.history
        for a, b in zip(pop.get_weights(k), model.get_weights()):
            np.testing.assert_array_equal(a, b)
        assert int(pop.iterations[k]) == model.optimizer.iterations
    assert signal.getsignal(signal.SIGINT) is handler_before
    assert capsys.readouterr().out == ""
    again = pop.fit(X, y, epochs=1, batch_size=14)
    assert not any(h.interrupted for h in again)
    # in a log (no terminal for a progress bar) verbose fit says in one line what it did
    pop.fit(X, y, epochs=2, verbose=1)
    said = capsys.readouterr().out
    assert said.startswith("3 members: 2 epoch(s) of 2 in ") and "interrupted" not in said
    assert all(len(line) <= 80 for line in said.splitlines())
    pop.fit(X, y, epochs=4, batch_size=14, verbose=1, callbacks=[[SigintAt((1, 2), True)], [], []])
    said = capsys.readouterr().out
    assert said.startswith("3 members: 1 epoch(s) of 4 in ") and "interrupted" in said
    assert all(len(line) <= 80 for line in said.splitlines()), said


def test_hooks_an_instance_sets_of_its_own_are_found() -> None:
    """CallbackList finds the hooks a class overrides, and those an instance sets of its own
    (as LambdaCallback does, or a callback in set_model, found again at on_train_begin)."""
    calls: list[int] = []

    class Quiet(gn.callbacks.Callback):
        pass

    plain, own = Quiet(), Quiet()
    assert not gn.callbacks.CallbackList([plain]).wants_batch_logs
    own.on_batch_end = lambda step, logs=None: calls.append(step)  # type: ignore[method-assign]
    both = gn.callbacks.CallbackList([plain, own])
    assert both.wants_batch_logs and not gn.callbacks.CallbackList([Quiet()]).wants_batch_logs
    both.on_batch_end(3, {})
    assert calls == [3]
    X, y = _data()
    later = Quiet()

    class SetsLater(gn.callbacks.Callback):
        def set_model(self, model: Any) -> None:
            super().set_model(model)
            later.on_batch_end = (  # type: ignore[method-assign]
                lambda step, logs=None: calls.append(100 + step))

    _net(0).fit(X, y, epochs=1, batch_size=35, verbose=0, callbacks=[later, SetsLater()])
    assert calls[1:] == [100, 101]
