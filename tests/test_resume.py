"""Training that replays from its seeds and resumes bit for bit: split fits, checkpoints,
optimizer state, BackupAndRestore, callbacks checked before the first step."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ArgumentTypeError, ConfigError, ModelFileError, ShapeError

OPTIMIZERS: dict[str, Callable[[], gn.optimizers.Optimizer]] = {
    "sgd": lambda: gn.optimizers.SGD(0.1),
    "momentum": lambda: gn.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop": lambda: gn.optimizers.RMSprop(0.01),
    "adam": lambda: gn.optimizers.Adam(0.01),
}


def _data(m: int = 46) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(m, 6)).astype(np.float32)
    return X, (X[:, 0] + X[:, 1] > 0).astype(np.int64)


def _model(optimizer: str = "adam", seed: int = 5) -> gn.Sequential:
    model = gn.Sequential([gn.layers.Input(shape=(6,)), gn.layers.Dense(8, "relu"),
                           gn.layers.Dropout(0.25), gn.layers.BatchNormalization(),
                           gn.layers.Dense(2)], seed=seed)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=OPTIMIZERS[optimizer](), metrics=["accuracy"])
    return model


def _same(a: gn.Sequential, b: gn.Sequential) -> bool:
    return all(u.tobytes() == v.tobytes() for u, v in zip(a.get_weights(), b.get_weights()))


# ----------------------------------------------------------------------------- replay


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_a_fit_split_in_two_equals_the_fit_in_one(optimizer: str) -> None:
    X, y = _data()
    whole = _model(optimizer)
    whole.fit(X, y, epochs=10, batch_size=8, verbose=0)
    split = _model(optimizer)
    split.fit(X, y, epochs=4, batch_size=8, verbose=0)
    assert split.epochs_trained == 4
    split.fit(X, y, epochs=6, batch_size=8, verbose=0)
    assert split.epochs_trained == whole.epochs_trained == 10
    assert _same(whole, split)
    # shuffling really happened: another data order gives other weights
    other = _model(optimizer)
    other.fit(X, y, epochs=10, batch_size=8, verbose=0, seed=99)
    assert not _same(whole, other)


def test_seeds_are_recorded_and_a_fit_seed_replays_the_start() -> None:
    X, y = _data()
    a, b = _model(seed=5), _model(seed=5)
    assert _same(a, b)
    history = a.fit(X, y, epochs=2, batch_size=8, verbose=0)
    p = history.params
    assert p["seed"] == 5 and p["model_seed"] == 5 and p["layer_seeds"] == {}
    assert p["initial_epoch"] == 0 and p["global_epoch"] == 0 and p["initial_step"] == 0
    history = a.fit(X, y, epochs=1, batch_size=8, verbose=0, seed=7)
    assert history.params["seed"] == 7 and history.params["global_epoch"] == 2
    assert history.params["initial_step"] == 12
    own = gn.Sequential([gn.layers.Input(shape=(6,)), gn.layers.Dropout(0.5, seed=42),
                         gn.layers.Dense(2)], seed=1)
    own.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="sgd")
    assert own.fit(X, y, verbose=0).params["layer_seeds"] == {"dropout": 42}


_PROCESS = textwrap.dedent("""
    import sys
    import numpy as np
    import glassnet as gn
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    m = gn.Sequential([gn.layers.Input(shape=(6,)), gn.layers.Dense(8, "relu"),
                       gn.layers.Dropout(0.3), gn.layers.Dense(2)], seed=11)
    m.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="adam")
    m.fit(X, y, epochs=3, batch_size=8, verbose=0)
    sys.stdout.write(b"".join(w.tobytes() for w in m.get_weights()).hex())
""")


def test_two_processes_with_the_same_model_seed_give_the_same_weights() -> None:
    runs = [subprocess.run([sys.executable, "-c", _PROCESS], capture_output=True, text=True,
                           check=True, timeout=120).stdout for _ in range(2)]
    assert runs[0] == runs[1] and len(runs[0]) > 100


def test_initial_epoch_is_keras_resume() -> None:
    X, y = _data()
    whole = _model("momentum")
    whole.fit(X, y, epochs=5, batch_size=8, verbose=0)
    part = _model("momentum")
    part.fit(X, y, epochs=2, batch_size=8, verbose=0)
    history = part.fit(X, y, epochs=5, initial_epoch=2, batch_size=8, verbose=0)
    assert history.epoch == [2, 3, 4] and history.params["epochs"] == 5
    assert _same(whole, part)
    with pytest.raises(ConfigError, match="initial_epoch: 5 leaves nothing to train"):
        part.fit(X, y, epochs=5, initial_epoch=5, verbose=0)


# ----------------------------------------------------------------------------- optimizer state


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_optimizer_state_round_trips(optimizer: str) -> None:
    X, y = _data()
    model = _model(optimizer)
    model.fit(X, y, epochs=1, batch_size=8, verbose=0)
    opt = model.optimizer
    assert opt is not None
    state = opt.get_state()
    assert state["iterations"] == 6
    assert sorted(state["slots"]) == sorted(opt.slot_names())
    fresh = OPTIMIZERS[optimizer]()
    fresh.set_state(state, model.trainable_weights)
    again = fresh.get_state()
    assert again["iterations"] == 6
    assert sorted(again["slots"]) == sorted(state["slots"])
    for name, arrays in state["slots"].items():
        assert len(arrays) == len(again["slots"][name]) == len(model.trainable_weights)
        assert all(np.array_equal(a, b) for a, b in zip(arrays, again["slots"][name]))


def test_a_refused_state_changes_nothing() -> None:
    X, y = _data()
    model = _model("adam")
    model.fit(X, y, epochs=1, batch_size=8, verbose=0)
    opt = model.optimizer
    assert opt is not None
    before = opt.get_state()
    bad = opt.get_state()
    bad["slots"]["v"][-1] = np.zeros(3, np.float32)  # the last array has the wrong shape
    bad["slots"]["m"][0][:] = 123.0
    with pytest.raises(ShapeError, match=r"\['v'\]\[\d+\]: expected shape"):
        opt.set_state(bad)
    after = opt.get_state()
    assert after["iterations"] == before["iterations"]
    assert np.array_equal(after["slots"]["m"][0], before["slots"]["m"][0])
    with pytest.raises(ShapeError, match="expected \\['m', 'v'\\]"):
        opt.set_state({"iterations": 1, "slots": {"velocity": before["slots"]["m"]}})


# ----------------------------------------------------------------------------- checkpoints


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_a_checkpoint_continues_exactly(optimizer: str, tmp_path: Path) -> None:
    X, y = _data()
    whole = _model(optimizer)
    whole.fit(X, y, epochs=6, batch_size=8, verbose=0, validation_split=0.2)
    first = _model(optimizer)
    first.fit(X, y, epochs=2, batch_size=8, verbose=0, validation_split=0.2)
    gn.save_checkpoint(first, tmp_path / "c.gnc")
    loaded = gn.load_model(tmp_path / "c.gnc")
    assert loaded.epochs_trained == 2 and loaded.optimizer is not None
    assert loaded.optimizer.iterations == first.optimizer.iterations  # type: ignore[union-attr]
    assert loaded.history is not None and loaded.history.epoch == [0, 1]
    assert first.history is not None
    assert loaded.history.history["loss"] == first.history.history["loss"]
    loaded.fit(X, y, epochs=4, batch_size=8, verbose=0, validation_split=0.2)
    assert _same(whole, loaded)


def test_model_checkpoint_with_optimizer_state(tmp_path: Path) -> None:
    X, y = _data()
    whole = _model("rmsprop")
    whole.fit(X, y, epochs=5, batch_size=8, verbose=0)
    ckpt = gn.ModelCheckpoint(tmp_path / "ep{epoch}.gnc", save_optimizer=True)
    _model("rmsprop").fit(X, y, epochs=3, batch_size=8, verbose=0, callbacks=[ckpt])
    assert ckpt.saved == [str(tmp_path / f"ep{i}.gnc") for i in (1, 2, 3)]
    resumed = gn.load_model(tmp_path / "ep3.gnc")
    resumed.fit(X, y, epochs=2, batch_size=8, verbose=0)
    assert _same(whole, resumed)
    # read_checkpoint also gives the file's training entries
    model, info = gn.read_checkpoint(tmp_path / "ep3.gnc")
    assert info["epoch"] == 3 and info["model_seed"] == 5


class _Crash(gn.Callback):
    def __init__(self, at_epoch: int) -> None:
        self.at_epoch = at_epoch

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if epoch == self.at_epoch:
            raise RuntimeError("the machine went down")


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_backup_and_restore_resumes_an_interrupted_fit(optimizer: str, tmp_path: Path) -> None:
    X, y = _data()
    kwargs: dict[str, Any] = dict(epochs=7, batch_size=8, verbose=0, validation_split=0.2)
    whole = _model(optimizer)
    reference = whole.fit(X, y, **kwargs)
    backup = gn.BackupAndRestore(tmp_path / "backup")
    with pytest.raises(RuntimeError):
        # the crash comes after BackupAndRestore saved epoch 3 (index 3: four epochs done)
        _model(optimizer).fit(X, y, callbacks=[backup, _Crash(3)], **kwargs)
    assert os.path.exists(backup.path)
    fresh = _model(optimizer)  # a new process would start from scratch like this
    history = fresh.fit(X, y, callbacks=[backup], **kwargs)
    assert backup.restored_epoch == 4
    assert _same(whole, fresh)
    assert history.epoch == reference.epoch == list(range(7))
    assert history.history == reference.history
    assert not os.path.exists(backup.path)  # deleted once the fit completed


def test_a_backup_from_another_run_is_refused_before_anything_changes(tmp_path: Path) -> None:
    X, y = _data()
    backup = gn.BackupAndRestore(tmp_path / "b")
    with pytest.raises(RuntimeError):
        _model().fit(X, y, epochs=4, batch_size=8, verbose=0, callbacks=[backup, _Crash(1)])
    other = _model(seed=6)
    before = other.get_weights()
    with pytest.raises(ConfigError, match="another model"):
        other.fit(X, y, epochs=4, batch_size=8, verbose=0, callbacks=[backup])
    with pytest.raises(ConfigError, match="other settings"):
        _model().fit(X, y, epochs=4, batch_size=4, verbose=0, callbacks=[backup])
    assert all(np.array_equal(a, b) for a, b in zip(before, other.get_weights()))
    (tmp_path / "b" / "backup.gnc").write_bytes(b"PK junk")
    with pytest.raises(ModelFileError, match="backup.gnc"):
        _model().fit(X, y, epochs=4, batch_size=8, verbose=0, callbacks=[backup])


# ----------------------------------------------------------------------------- atomic fit


@pytest.mark.parametrize("callback,match", [
    (lambda d: gn.EarlyStopping(), r"EarlyStopping watches 'val_loss'.*validation_split"),
    (lambda d: gn.EarlyStopping(monitor="los"), r"watches 'los' but .* loss, accuracy"),
    (lambda d: gn.ModelCheckpoint(d / "afile" / "m.gn"), "cannot be created"),
    (lambda d: gn.ModelCheckpoint(d / "m-{val_loss:.3f}.gn"), r"names 'val_loss:.3f'|val_loss"),
    (lambda d: gn.ModelCheckpoint(d / "m-{epoch:q}.gn"), "cannot be formatted"),
    (lambda d: gn.ModelCheckpoint(d / "m.gn", save_best_only=True), "watches 'val_loss'"),
    (lambda d: gn.BackupAndRestore(d / "no" / "such" / "dir"), "does not exist"),
])
def test_callback_mistakes_are_caught_before_the_first_step(
        callback: Callable[[Path], gn.Callback], match: str, tmp_path: Path) -> None:
    X, y = _data()
    model = _model()
    before = model.get_weights()
    (tmp_path / "afile").write_text("a file where a directory would go")
    with pytest.raises(ConfigError, match=match):
        model.fit(X, y, epochs=2, batch_size=8, verbose=0, callbacks=[callback(tmp_path)])
    assert model.optimizer is not None and model.optimizer.iterations == 0
    assert model.epochs_trained == 0
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_backup_and_restore_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ArgumentTypeError, match="backup_dir: expected a path .* got int"):
        gn.BackupAndRestore(3)  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="delete_checkpoint: expected True or False"):
        gn.BackupAndRestore(tmp_path, delete_checkpoint="no")  # type: ignore[arg-type]


def test_keys_added_by_a_users_callback_may_be_monitored(tmp_path: Path) -> None:
    class Score(gn.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            assert logs is not None
            logs["score"] = float(epoch)

    X, y = _data()
    ckpt = gn.ModelCheckpoint(tmp_path / "s{score:.0f}.gn", monitor="score", mode="max",
                              save_best_only=True)
    _model().fit(X, y, epochs=2, batch_size=8, verbose=0, callbacks=[Score(), ckpt])
    assert sorted(os.listdir(tmp_path)) == ["s0.gn", "s1.gn"]
