"""fit: steps per epoch, history, validation, shuffling, progress output, and
reproducibility (within a process and across two processes)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn


class Recorder(gn.Callback):
    """Counts optimizer steps and keeps each batch's input rows and logs."""

    def __init__(self) -> None:
        self.steps: list[tuple[int, int]] = []
        self.rows: dict[int, list[np.ndarray]] = {}
        self.batch_logs: list[dict[str, Any]] = []
        self._epoch = -1

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch
        self.rows[epoch] = []

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        self.steps.append((self._epoch, step))
        self.rows[self._epoch].append(self.model.layers[0].x.copy())
        self.batch_logs.append(dict(logs or {}))

    def epoch_rows(self, epoch: int) -> np.ndarray:
        return np.concatenate(self.rows[epoch])


def _data(m: int = 10, n: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n)).astype(np.float32)
    # the row index is stored in the first feature, so a batch tells which rows it holds
    X[:, 0] = np.arange(m)
    y = (X[:, 1] > 0).astype(np.float32)
    return X, y


def _model(seed: int = 0, n: int = 3, metrics: list[str] | None = None) -> gn.Sequential:
    model = gn.Sequential([gn.layers.Input(shape=(n,)), gn.layers.Dense(4, "tanh"),
                           gn.layers.Dense(1, "sigmoid")], seed=seed)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(0.05),
                  metrics=metrics if metrics is not None else ["accuracy"])
    return model


# ----------------------------------------------------------------------------- steps


@pytest.mark.parametrize("batch_size,steps", [(None, 1), (1, 10), (4, 3), (10, 1), (32, 1)])
def test_steps_per_epoch(batch_size: int | None, steps: int) -> None:
    X, y = _data(10)
    rec = Recorder()
    history = _model().fit(X, y, epochs=2, batch_size=batch_size, callbacks=[rec], verbose=0)
    assert rec.steps == [(e, s) for e in range(2) for s in range(steps)]
    assert history.params["steps"] == steps
    sizes = [logs["size"] for logs in rec.batch_logs[:steps]]
    assert sum(sizes) == 10
    assert [logs["seen"] for logs in rec.batch_logs[:steps]] == list(np.cumsum(sizes))


def test_full_batch_is_one_gradient_descent_step_per_epoch() -> None:
    X, y = _data(10)
    model = _model()
    before = model.get_weights()
    grads = model.gradients(X, y)
    model.fit(X, y, epochs=1, batch_size=None, verbose=0)
    for w0, g, w1 in zip(before, grads, model.get_weights()):
        np.testing.assert_allclose(w1, w0 - 0.05 * g, rtol=1e-6, atol=1e-7)


def test_epoch_loss_is_the_mean_of_the_batch_losses() -> None:
    X, y = _data(10)
    rec = Recorder()
    history = _model().fit(X, y, epochs=1, batch_size=4, shuffle=False, callbacks=[rec],
                           verbose=0)
    per_batch = np.array([logs["batch_loss"] for logs in rec.batch_logs])
    sizes = np.array([logs["size"] for logs in rec.batch_logs])
    assert history.history["loss"][0] == pytest.approx(np.sum(per_batch * sizes) / 10, rel=1e-6)


# ----------------------------------------------------------------------------- history


def test_history_has_one_entry_per_epoch_for_every_key() -> None:
    X, y = _data(20)
    model = _model()
    history = model.fit(X, y, epochs=3, batch_size=5, validation_split=0.25, verbose=0)
    assert isinstance(history, gn.History)
    assert model.history is history
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in history.history.values())
    assert history.epoch == [0, 1, 2]
    assert not history.interrupted
    assert all(0.0 <= a <= 1.0 for a in history.history["accuracy"])
    assert history.params["samples"] == 15 and history.params["val_samples"] == 5


def test_without_metrics_or_validation_only_loss_is_recorded() -> None:
    X, y = _data(8)
    history = _model(metrics=[]).fit(X, y, epochs=2, verbose=0)
    assert list(history.history) == ["loss"]


def test_validation_split_holds_out_the_last_examples() -> None:
    X, y = _data(10)
    model = _model()
    rec = Recorder()
    history = model.fit(X, y, epochs=2, batch_size=3, validation_split=0.2, callbacks=[rec],
                        verbose=0, seed=0)
    for epoch in (0, 1):
        assert sorted(rec.epoch_rows(epoch)[:, 0]) == list(range(8))  # rows 8, 9 never train
    final = model.evaluate(X[8:], y[8:], return_dict=True)
    assert history.history["val_loss"][-1] == pytest.approx(final["loss"], rel=1e-6)
    assert history.history["val_accuracy"][-1] == final["accuracy"]


def test_validation_data() -> None:
    X, y = _data(12)
    Xv, yv = _data(5, seed=1)
    model = _model()
    rec = Recorder()
    history = model.fit(X, y, epochs=2, batch_size=4, validation_data=(Xv, yv),
                        callbacks=[rec], verbose=0)
    assert sorted(rec.epoch_rows(1)[:, 0]) == list(range(12))  # all of X trains
    final = model.evaluate(Xv, yv, return_dict=True)["loss"]
    assert history.history["val_loss"][-1] == pytest.approx(final, rel=1e-6)
    assert history.params["val_samples"] == 5


# ----------------------------------------------------------------------------- shuffling


def test_shuffle_false_keeps_the_order() -> None:
    X, y = _data(10)
    rec = Recorder()
    _model().fit(X, y, epochs=2, batch_size=3, shuffle=False, callbacks=[rec], verbose=0)
    for epoch in (0, 1):
        np.testing.assert_array_equal(rec.epoch_rows(epoch), X)


def test_shuffle_visits_every_example_once_per_epoch_in_a_new_order() -> None:
    X, y = _data(10)
    rec = Recorder()
    _model().fit(X, y, epochs=3, batch_size=3, shuffle=True, seed=5, callbacks=[rec],
                 verbose=0)
    orders = [rec.epoch_rows(e)[:, 0].astype(int) for e in range(3)]
    for order in orders:
        assert sorted(order) == list(range(10))
    assert not np.array_equal(orders[0], np.arange(10))
    assert not np.array_equal(orders[0], orders[1])
    # the rows travel with their own features and labels
    for e in range(3):
        np.testing.assert_array_equal(rec.epoch_rows(e), X[orders[e]])


def test_fit_does_not_modify_the_data() -> None:
    X, y = _data(10)
    X0, y0 = X.copy(), y.copy()
    _model().fit(X, y, epochs=2, batch_size=3, verbose=0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


# ----------------------------------------------------------------------------- output


def test_verbose_0_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = _data(10)
    _model().fit(X, y, epochs=2, batch_size=3, validation_split=0.2, verbose=0)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


@pytest.mark.parametrize("verbose", [1, 2])
def test_progress_shows_steps_and_samples_apart(verbose: int,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """50 samples in batches of 8: 7 steps. Both numbers must be printed, and apart."""
    X, y = _data(50)
    _model().fit(X, y, epochs=2, batch_size=8, verbose=verbose)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Training on 50 samples" in text
    assert "7 steps" in text
    # captured output is not a terminal: plain per-epoch lines for both verbosities (the live
    # line on a terminal is tested on pseudo-terminals in test_callbacks.py)
    assert "Epoch 2/2: 7 steps, 50 samples" in text
    assert "Epoch 1/2" in text and "loss" in text and "accuracy" in text


# ----------------------------------------------------------------------------- reproducibility


def test_same_seeds_give_identical_weights_in_one_process() -> None:
    X, y = _data(30)
    runs = []
    for _ in range(2):
        model = _model(seed=3)
        model.fit(X, y, epochs=3, batch_size=4, seed=9, verbose=0)
        runs.append(model.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_init_seed_and_shuffle_seed_are_separate() -> None:
    X, y = _data(30)
    a, b = _model(seed=3), _model(seed=3)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)  # same initial weights
    a.fit(X, y, epochs=2, batch_size=4, seed=1, verbose=0)
    b.fit(X, y, epochs=2, batch_size=4, seed=2, verbose=0)
    assert not np.array_equal(a.get_weights()[0], b.get_weights()[0])


def test_an_unseeded_fit_records_its_seed_for_replay() -> None:
    X, y = _data(30)
    a = _model(seed=3)
    history = a.fit(X, y, epochs=2, batch_size=4, verbose=0)
    seed = history.params["seed"]
    assert isinstance(seed, int)
    b = _model(seed=3)
    b.fit(X, y, epochs=2, batch_size=4, seed=seed, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import glassnet as gn

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1)
    model = gn.Sequential([gn.layers.Input(shape=(5,)),
                           gn.layers.Dense(8, activation="relu", kernel_initializer="he_normal"),
                           gn.layers.Dense(3)], seed=int(sys.argv[1]))
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam", metrics=["accuracy"])
    model.fit(X, y, epochs=3, batch_size=16, seed=int(sys.argv[2]), verbose=0)
    np.savez(sys.argv[3], *model.get_weights())
""")


def _run_in_subprocess(tmp_path: Path, name: str, init_seed: int, fit_seed: int) -> list[Any]:
    out = tmp_path / f"{name}.npz"
    subprocess.run([sys.executable, "-c", _SCRIPT, str(init_seed), str(fit_seed), str(out)],
                   check=True, cwd=tmp_path, timeout=120)
    with np.load(out) as f:
        return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]


def test_same_seeds_give_bit_identical_weights_in_two_processes(tmp_path: Path) -> None:
    first = _run_in_subprocess(tmp_path, "a", 7, 11)
    second = _run_in_subprocess(tmp_path, "b", 7, 11)
    assert len(first) == 4
    for a, b in zip(first, second):
        assert a.dtype == np.float32
        assert a.tobytes() == b.tobytes()
    other_fit = _run_in_subprocess(tmp_path, "c", 7, 12)
    assert not np.array_equal(first[0], other_fit[0])


def test_validation_split_on_sorted_labels_says_the_rule() -> None:
    """validation_split holds out the last examples (Keras' rule): on labels sorted by class
    that is a different set of classes, and fit says so; on mixed labels it stays quiet."""
    import warnings

    X, y = gn.datasets.load_digits(return_X_y=True)
    order = np.argsort(y, kind="stable")

    def model() -> gn.Sequential:
        m = gn.Sequential([gn.layers.Input(shape=(64,)), gn.layers.Dense(10)], seed=0)
        m.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam")
        return m

    with pytest.warns(UserWarning, match=r"LAST 359 of 1,797 examples.*look sorted"):
        model().fit(X[order], y[order], epochs=1, validation_split=0.2, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model().fit(X, y, epochs=1, validation_split=0.2, verbose=0)
        model().fit(X[order], y[order], epochs=1, verbose=0)  # no split: nothing to say
