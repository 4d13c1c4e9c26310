"""Callbacks: hook order and counts, EarlyStopping, TerminateOnNaN, ModelCheckpoint,
LambdaCallback, and a clean stop on Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ConfigError


def _data(m: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.float32)
    return X, y


def _model(seed: int = 0, lr: float = 0.1) -> gn.Sequential:
    model = gn.Sequential([gn.layers.Input(shape=(3,)), gn.layers.Dense(4, "tanh"),
                           gn.layers.Dense(1, "sigmoid")], seed=seed)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(lr),
                  metrics=["accuracy"])
    return model


class Events(gn.Callback):
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.events.append(("train_begin",))

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.events.append(("train_end", dict(logs or {})))

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.events.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.events.append(("epoch_end", epoch, sorted(logs or {})))

    def on_batch_begin(self, step: int, logs: dict[str, Any] | None = None) -> None:
        self.events.append(("batch_begin", step))

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        self.events.append(("batch_end", step))


class Scripted(gn.Callback):
    """Writes a made-up monitored value into the epoch logs, and keeps the weights of
    every epoch, so that stopping and checkpointing can be checked exactly."""

    def __init__(self, values: Sequence[float], key: str = "score") -> None:
        self.values = list(values)
        self.key = key
        self.weights: list[list[np.ndarray]] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        assert logs is not None
        logs[self.key] = self.values[epoch]
        self.weights.append(self.model.get_weights())


# ----------------------------------------------------------------------------- hooks


def test_hooks_are_called_in_order_with_the_right_counts() -> None:
    X, y = _data(10)
    ev = Events()
    model = _model()
    model.fit(X, y, epochs=2, batch_size=4, validation_split=0.2, callbacks=[ev], verbose=0)
    keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    expected: list[tuple[Any, ...]] = [("train_begin",)]
    for epoch in range(2):
        expected.append(("epoch_begin", epoch))
        for step in range(2):  # 8 training examples in batches of 4
            expected += [("batch_begin", step), ("batch_end", step)]
        expected.append(("epoch_end", epoch, keys))
    expected.append(("train_end", {"interrupted": False}))
    assert ev.events == expected
    assert ev.model is model
    assert ev.params["epochs"] == 2 and ev.params["steps"] == 2 and ev.params["samples"] == 8


def test_batch_logs_carry_size_seen_and_running_means() -> None:
    X, y = _data(10)
    seen: list[dict[str, Any]] = []
    cb = gn.LambdaCallback(on_batch_end=lambda step, logs: seen.append(dict(logs)))
    _model().fit(X, y, epochs=1, batch_size=4, shuffle=False, callbacks=[cb], verbose=0)
    assert [logs["size"] for logs in seen] == [4, 4, 2]
    assert [logs["seen"] for logs in seen] == [4, 8, 10]
    running = np.cumsum([logs["batch_loss"] * logs["size"] for logs in seen]) / [4, 8, 10]
    np.testing.assert_allclose([logs["loss"] for logs in seen], running, rtol=1e-12)
    assert all(0 <= logs["accuracy"] <= 1 for logs in seen)


def test_lambda_callback_rejects_unknown_hooks() -> None:
    with pytest.raises(ConfigError, match="on_epoch_end"):
        gn.LambdaCallback(on_epoch_finish=lambda e, logs: None)


def test_stop_training_in_epoch_end_stops_after_that_epoch() -> None:
    X, y = _data()

    def stop(epoch: int, logs: dict[str, Any]) -> None:
        if epoch == 1:
            model.stop_training = True

    model = _model()
    history = model.fit(X, y, epochs=10, callbacks=[gn.LambdaCallback(on_epoch_end=stop)],
                        verbose=0)
    assert history.epoch == [0, 1]


# ----------------------------------------------------------------------------- EarlyStopping


def test_early_stopping_waits_patience_epochs_without_improvement() -> None:
    X, y = _data()
    #        epoch: 0    1    2    3    4    5    6
    script = Scripted([5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 2.0, 1.0])
    stopper = gn.EarlyStopping(monitor="score", patience=2)
    history = _model().fit(X, y, epochs=8, callbacks=[script, stopper], verbose=0)
    # best at epoch 2; epochs 3 and 4 do not improve: two epochs without improvement -> stop
    assert history.epoch == [0, 1, 2, 3, 4]
    assert stopper.best_epoch == 2 and stopper.best == 3.0
    assert stopper.stopped_epoch == 4


def test_early_stopping_patience_0_stops_at_the_first_epoch_without_improvement() -> None:
    X, y = _data()
    stopper = gn.EarlyStopping(monitor="score", patience=0)
    history = _model().fit(X, y, epochs=6,
                           callbacks=[Scripted([3.0, 2.0, 2.5, 1.0, 0.5, 0.1]), stopper],
                           verbose=0)
    assert history.epoch == [0, 1, 2]


def test_early_stopping_min_delta() -> None:
    X, y = _data()
    values = [1.0, 0.95, 0.92, 0.91, 0.5]
    strict = gn.EarlyStopping(monitor="score", patience=2, min_delta=0.1)
    history = _model().fit(X, y, epochs=5, callbacks=[Scripted(values), strict], verbose=0)
    assert history.epoch == [0, 1, 2]  # improvements of < 0.1 do not count
    assert strict.best_epoch == 0
    loose = gn.EarlyStopping(monitor="score", patience=2)
    history = _model().fit(X, y, epochs=5, callbacks=[Scripted(values), loose], verbose=0)
    assert history.epoch == [0, 1, 2, 3, 4]


def test_early_stopping_maximizes_accuracy_like_monitors() -> None:
    X, y = _data()
    stopper = gn.EarlyStopping(monitor="val_accuracy", patience=1)
    assert stopper.mode == "max"
    script = Scripted([0.5, 0.7, 0.6, 0.65, 0.9], key="val_accuracy")
    history = _model().fit(X, y, epochs=5, validation_split=0.25, callbacks=[script, stopper],
                           verbose=0)
    assert history.epoch == [0, 1, 2]
    assert stopper.best == 0.7


def test_restore_best_weights_puts_back_the_best_epoch() -> None:
    X, y = _data()
    script = Scripted([5.0, 4.0, 1.0, 3.0, 2.0, 2.5, 0.1])
    stopper = gn.EarlyStopping(monitor="score", patience=3, restore_best_weights=True)
    model = _model(lr=0.5)
    history = model.fit(X, y, epochs=7, callbacks=[script, stopper], verbose=0)
    assert history.epoch == [0, 1, 2, 3, 4, 5]
    assert stopper.best_epoch == 2
    for best, now in zip(script.weights[2], model.get_weights()):
        np.testing.assert_array_equal(best, now)
    assert not np.array_equal(script.weights[-1][0], model.get_weights()[0])


def test_without_restore_the_last_weights_stay() -> None:
    X, y = _data()
    script = Scripted([5.0, 4.0, 1.0, 3.0, 2.0])
    model = _model(lr=0.5)
    model.fit(X, y, epochs=5, callbacks=[script, gn.EarlyStopping(monitor="score", patience=1)],
              verbose=0)
    for last, now in zip(script.weights[-1], model.get_weights()):
        np.testing.assert_array_equal(last, now)


def test_early_stopping_on_real_validation_loss() -> None:
    X, y = _data(40)
    stopper = gn.EarlyStopping(patience=2, restore_best_weights=True)
    model = _model(lr=0.5)
    history = model.fit(X, y, epochs=200, batch_size=8, validation_split=0.25,
                        callbacks=[stopper], verbose=0, seed=0)
    val = history.history["val_loss"]
    assert len(val) < 200
    assert stopper.best == min(val)
    scores = model.evaluate(X[30:], y[30:], return_dict=True)
    assert scores["loss"] == pytest.approx(min(val), rel=1e-5)


def test_early_stopping_names_the_missing_key() -> None:
    X, y = _data()
    with pytest.raises(ConfigError, match=r"'val_loss'.*validation_split"):
        _model().fit(X, y, epochs=2, callbacks=[gn.EarlyStopping()], verbose=0)


# ----------------------------------------------------------------------------- TerminateOnNaN


class PoisonAt(gn.Callback):
    """Puts a NaN into the first weight at the end of one step."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        if step == self.step:
            self.model.weights[0][0, 0] = np.nan


def test_terminate_on_nan_stops_at_the_first_nan_loss(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = _data(20)
    steps: list[int] = []
    counter = gn.LambdaCallback(on_batch_end=lambda step, logs: steps.append(step))
    stop = gn.TerminateOnNaN()
    history = _model().fit(X, y, epochs=3, batch_size=2, shuffle=False,
                           callbacks=[PoisonAt(3), stop, counter], verbose=0)
    assert stop.terminated_at == 4  # the step after the poisoned one
    assert steps == [0, 1, 2, 3, 4]
    assert history.epoch == []  # the first epoch never completed
    assert "TerminateOnNaN" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_stops_a_diverging_run() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 3))
    y = rng.normal(size=(32, 1)) * 100

    def diverging() -> gn.Sequential:
        model = gn.Sequential([gn.layers.Input(shape=(3,)), gn.layers.Dense(8, "relu"),
                               gn.layers.Dense(1)], seed=0, dtype="float64")
        model.compile(loss="mse", optimizer=gn.optimizers.SGD(learning_rate=10.0))
        return model

    unchecked = diverging().fit(X, y, epochs=30, batch_size=8, verbose=0)
    assert len(unchecked.epoch) == 30
    assert not np.isfinite(unchecked.history["loss"][-1])
    stop = gn.TerminateOnNaN()
    history = diverging().fit(X, y, epochs=30, batch_size=8, callbacks=[stop], verbose=0)
    assert stop.terminated_at is not None
    assert len(history.epoch) < 30
    assert all(np.isfinite(history.history["loss"]))


# ----------------------------------------------------------------------------- ModelCheckpoint


def test_model_checkpoint_writes_one_loadable_file_per_epoch(tmp_path: Path) -> None:
    X, y = _data()
    script = Scripted([0.0] * 3)
    ckpt = gn.ModelCheckpoint(tmp_path / "ckpt-{epoch:02d}-{loss:.3f}.gn")
    model = _model()
    history = model.fit(X, y, epochs=3, callbacks=[script, ckpt], verbose=0)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [n[:8] for n in names] == ["ckpt-01-", "ckpt-02-", "ckpt-03-"]
    assert names[1] == f"ckpt-02-{history.history['loss'][1]:.3f}.gn"
    assert ckpt.saved == [str(tmp_path / n) for n in names]
    for epoch, name in enumerate(names):
        loaded = gn.load_model(tmp_path / name)
        for a, b in zip(script.weights[epoch], loaded.get_weights()):
            np.testing.assert_array_equal(a, b)
        at_epoch = gn.Sequential.from_config(model.get_config())
        at_epoch.set_weights(script.weights[epoch])
        np.testing.assert_array_equal(loaded.predict(X), at_epoch.predict(X))


def test_model_checkpoint_save_best_only(tmp_path: Path) -> None:
    X, y = _data()
    script = Scripted([3.0, 2.0, 2.5, 1.0, 1.5])
    ckpt = gn.ModelCheckpoint(tmp_path / "best-{epoch}.gn", monitor="score", save_best_only=True)
    _model().fit(X, y, epochs=5, callbacks=[script, ckpt], verbose=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best-1.gn", "best-2.gn", "best-4.gn"]
    loaded = gn.load_model(tmp_path / "best-4.gn")
    for a, b in zip(script.weights[3], loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_overwrites_one_fixed_path(tmp_path: Path) -> None:
    X, y = _data()
    script = Scripted([3.0, 2.0, 2.5])
    ckpt = gn.ModelCheckpoint(tmp_path / "best.gn", monitor="score", save_best_only=True)
    _model().fit(X, y, epochs=3, callbacks=[script, ckpt], verbose=0)
    assert [p.name for p in tmp_path.iterdir()] == ["best.gn"]
    for a, b in zip(script.weights[1], gn.load_model(tmp_path / "best.gn").get_weights()):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- Ctrl-C


class CtrlCAt(gn.Callback):
    """Sends this process SIGINT (what Ctrl-C does) at the end of one step, or asks the
    model to stop there; remembers the weights at that moment."""

    def __init__(self, epoch: int, step: int, use_signal: bool) -> None:
        self.at = (epoch, step)
        self.use_signal = use_signal
        self.epoch = -1
        self.weights: list[np.ndarray] | None = None
        self.steps_after = 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch = epoch

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        if self.weights is not None:
            self.steps_after += 1
        if (self.epoch, step) == self.at:
            self.weights = self.model.get_weights()
            if self.use_signal:
                os.kill(os.getpid(), signal.SIGINT)
            else:
                self.model.stop_training = True


def test_ctrl_c_stops_cleanly_at_a_step_boundary(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = _data(12)
    handler_before = signal.getsignal(signal.SIGINT)
    ctrl_c = CtrlCAt(epoch=1, step=3, use_signal=True)
    model = _model(seed=4)
    history = model.fit(X, y, epochs=5, batch_size=2, seed=1, callbacks=[ctrl_c], verbose=0)
    # fit returned normally, said why, and kept what it had
    assert history.interrupted
    assert history.epoch == [0]
    assert len(history.history["loss"]) == 1
    assert ctrl_c.steps_after == 0  # no step ran after the signal
    weights = model.get_weights()
    assert all(np.all(np.isfinite(w)) for w in weights)
    assert ctrl_c.weights is not None
    for a, b in zip(ctrl_c.weights, weights):
        np.testing.assert_array_equal(a, b)
    # the same run stopped by the model at the same step ends with the same weights
    stopper = CtrlCAt(epoch=1, step=3, use_signal=False)
    twin = _model(seed=4)
    twin_history = twin.fit(X, y, epochs=5, batch_size=2, seed=1, callbacks=[stopper],
                            verbose=0)
    assert not twin_history.interrupted
    assert twin_history.history["loss"] == history.history["loss"]
    for a, b in zip(twin.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    # the previous Ctrl-C handler is back, and the model trains again normally
    assert signal.getsignal(signal.SIGINT) is handler_before
    again = model.fit(X, y, epochs=2, batch_size=2, verbose=0)
    assert not again.interrupted and again.epoch == [0, 1]
    assert capsys.readouterr().out == ""


def test_ctrl_c_with_progress_output_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = _data(12)
    history = _model().fit(X, y, epochs=3, batch_size=4,
                           callbacks=[CtrlCAt(epoch=0, step=1, use_signal=True)], verbose=2)
    assert history.interrupted and history.epoch == []
    assert "Interrupted" in capsys.readouterr().out


def _fit_into(stream: Any, verbose: int = 1, batch_size: int = 3) -> None:
    X, y = _data(40)
    model = _model()
    model.fit(X, y, epochs=2, batch_size=batch_size, validation_split=0.25,
              callbacks=[gn.callbacks.ProgressBar(verbose, file=stream)], verbose=0)


def _pty_output(columns: int, rows: int = 24, **kwargs: Any) -> str:
    """What the progress line writes to a pseudo-terminal of the given size."""
    import fcntl
    import os
    import pty
    import re
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    stream = os.fdopen(slave, "w", encoding="utf-8", closefd=True)
    os.set_blocking(master, False)
    chunks: list[bytes] = []
    try:
        _fit_into(stream, **kwargs)
        stream.flush()
        while True:
            try:
                chunk = os.read(master, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        stream.close()
        os.close(master)
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize("columns", [80, 60, 44])
def test_progress_line_fits_the_terminal_and_its_counts_agree(columns: int) -> None:
    import re

    text = _pty_output(columns)
    lines = [line for line in text.split("\n") if line.strip()]
    assert lines and max(len(line) for line in lines) <= columns
    pairs = re.findall(r"step (\d+)/(\d+), samples ([\d,]+)/([\d,]+)", text)
    assert pairs  # the live line was drawn
    for n, _steps, seen, total in pairs:
        # 30 training samples in batches of 3: the samples shown belong to the step shown
        assert int(seen.replace(",", "")) == min(int(n) * 3, int(total.replace(",", "")))
    assert "val_accuracy" in text or "val_loss" in text  # metrics wrap, never cut
    assert text.count("val_loss") == 2


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_0x0_terminal_gets_plain_epoch_lines() -> None:
    text = _pty_output(0, rows=0)
    lines = [line for line in text.split("\n")]
    assert "" not in lines[:-1]  # no blank lines
    assert [line for line in lines if line.startswith("Epoch")] == [
        line for line in lines if line.startswith("Epoch") and "steps" in line]
    assert sum(line.startswith("Epoch ") for line in lines) == 2


def test_a_log_file_gets_one_plain_line_per_epoch_within_80_columns() -> None:
    import io

    stream = io.StringIO()
    _fit_into(stream)
    lines = stream.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80 and "" not in lines
    epochs = [line for line in lines if line.startswith("Epoch ")]
    assert epochs == [f"Epoch {e}/2: 10 steps, 30 samples, " + epochs[e - 1].split(", ")[-1]
                      for e in (1, 2)]
    assert "\r" not in stream.getvalue() and "█" not in stream.getvalue()


def test_hooks_a_callback_sets_while_getting_ready_are_called() -> None:
    """fit skips the hooks no callback has; one a callback sets on itself in
    on_train_begin (e.g. depending on the model) must still be called, alone and in a
    population."""
    from glassnet.population import Population

    class Late(gn.callbacks.Callback):
        def __init__(self) -> None:
            self.epochs: list[int] = []
            self.steps = 0

        def on_train_begin(self, logs: Any = None) -> None:
            self.on_epoch_end = lambda epoch, logs=None: self.epochs.append(epoch)
            self.on_batch_end = lambda step, logs=None: setattr(self, "steps", self.steps + 1)

    X = np.random.default_rng(0).standard_normal((40, 3))
    y = (X[:, 0] > 0).astype(int)

    def model() -> gn.Sequential:
        m = gn.Sequential([gn.Input((3,)), gn.Dense(2, "softmax")], seed=0)
        m.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
        return m

    late = Late()
    model().fit(X, y, epochs=3, batch_size=10, verbose=0, callbacks=[late])
    assert late.epochs == [0, 1, 2] and late.steps == 12
    late = Late()
    Population([model(), model()]).fit(X, y, epochs=3, batch_size=10, callbacks=[[late], []])
    assert late.epochs == [0, 1, 2] and late.steps == 12


def test_a_recorder_subclass_keeps_its_own_step_hook() -> None:
    from glassnet.inspect import NeuronRecorder

    class Counting(NeuronRecorder):
        batches = 0

        def on_batch_end(self, step: int, logs: Any = None) -> None:
            self.batches += 1
            super().on_batch_end(step, logs)

    X = np.random.default_rng(0).standard_normal((64, 3))
    y = (X[:, 0] > 0).astype(int)
    m = gn.Sequential([gn.Input((3,)), gn.Dense(4, "relu"), gn.Dense(2, "softmax")], seed=0)
    m.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    per_step = Counting(probe=X, every_steps=2)
    m.fit(X, y, epochs=2, batch_size=16, verbose=0, callbacks=[per_step])
    assert per_step.batches == 8 and list(per_step.steps) == [2, 4, 6, 8]
    per_epoch = Counting(probe=X)
    m.fit(X, y, epochs=2, batch_size=16, verbose=0, callbacks=[per_epoch])
    assert per_epoch.batches == 8 and list(per_epoch.steps) == [4, 8]
