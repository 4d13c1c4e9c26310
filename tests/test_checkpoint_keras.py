"""ModelCheckpoint as the "Save and load models" tutorial uses it: weights-only files in
Keras' layout, directories created, ``{epoch:04d}`` names, ``save_freq`` in batches,
``save_best_only`` with ``initial_value_threshold``, Keras' printed lines; checked against
real Keras 3 (torch backend) running the same calls."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ArgumentTypeError, ConfigError

pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(np.int64)


def _pair(keras: Any) -> tuple[gn.Sequential, Any]:
    # no Dropout: Keras' masks are not seeded here, and the printed values must agree
    ours = gn.Sequential([gn.layers.Input((5,)), gn.layers.Dense(8, activation="relu"),
                          gn.layers.Dense(2)], seed=1)
    theirs = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                               keras.layers.Dense(2)])
    theirs.set_weights(ours.get_weights())
    ours.compile(optimizer="adam", loss=gn.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    theirs.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    return ours, theirs


def _run(tmp: Path, model: Any, make_cb: Any, capsys: Any, **fit: Any) -> tuple[list[str], str]:
    cwd = os.getcwd()
    tmp.mkdir()
    os.chdir(tmp)
    try:
        X, y = _data()
        capsys.readouterr()
        model.fit(X, y, callbacks=[make_cb()], verbose=0, **fit)
        said = capsys.readouterr().out
        files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
    finally:
        os.chdir(cwd)
    return files, said


@pytest.mark.parametrize("case", ["weights_only", "every_5_batches", "best_only"])
def test_checkpoint_files_and_lines_as_keras(keras: Any, tmp_path: Path, capsys: Any,
                                             case: str) -> None:
    def ours_cb() -> Any:
        return _callback(gn.keras.callbacks, case)

    def theirs_cb() -> Any:
        return _callback(keras.callbacks, case)

    ours, theirs = _pair(keras)
    fit: dict[str, Any] = dict(epochs=4, batch_size=8, shuffle=False,
                               validation_data=(_data()[0][:10], _data()[1][:10]))
    files, said = _run(tmp_path / "ours", ours, ours_cb, capsys, **fit)
    k_files, k_said = _run(tmp_path / "theirs", theirs, theirs_cb, capsys, **fit)
    assert files == k_files
    assert said.split() == k_said.split()
    # every file holds Keras' layout: a Keras model of the same layers loads it
    for name in files:
        fresh = _pair(keras)[1]
        fresh.load_weights(tmp_path / "ours" / name)
        back = _pair(keras)[0]
        back.load_weights(tmp_path / "ours" / name)
        for a, b in zip(back.get_weights(), fresh.get_weights()):
            np.testing.assert_array_equal(a, b)


def _callback(module: Any, case: str) -> Any:
    if case == "weights_only":
        return module.ModelCheckpoint("training_1/cp.weights.h5", save_weights_only=True,
                                      verbose=1)
    if case == "every_5_batches":
        return module.ModelCheckpoint("training_2/cp-{epoch:04d}.weights.h5", verbose=1,
                                      save_weights_only=True, save_freq=5 * 5)
    return module.ModelCheckpoint("best/cp-{epoch:02d}-{val_loss:.2f}.weights.h5",
                                  save_weights_only=True, save_best_only=True, verbose=1,
                                  monitor="val_accuracy", initial_value_threshold=0.55)


def test_the_latest_checkpoint_is_the_last_epochs(keras: Any, tmp_path: Path) -> None:
    """The tutorial's pattern: save every epoch's weights, load the latest into a fresh model,
    and it predicts as the trained one."""
    ours, _ = _pair(keras)
    X, y = _data()
    cb = gn.keras.callbacks.ModelCheckpoint(str(tmp_path / "cp-{epoch:04d}.weights.h5"),
                                            save_weights_only=True)
    ours.fit(X, y, epochs=3, batch_size=8, verbose=0, callbacks=[cb])
    assert [os.path.basename(p) for p in cb.saved] == [
        "cp-0001.weights.h5", "cp-0002.weights.h5", "cp-0003.weights.h5"]
    fresh = _pair(keras)[0]
    fresh.load_weights(cb.saved[-1])
    np.testing.assert_array_equal(fresh.predict(X), ours.predict(X))


def test_bad_arguments_name_themselves(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="save_freq"):
        gn.ModelCheckpoint(tmp_path / "m.gn", save_freq=0)
    with pytest.raises(ArgumentTypeError, match="save_freq"):
        gn.ModelCheckpoint(tmp_path / "m.gn", save_freq="batch")
    with pytest.raises(ArgumentTypeError, match="initial_value_threshold"):
        gn.ModelCheckpoint(tmp_path / "m.gn", initial_value_threshold="low")
    with pytest.raises(ConfigError, match="save_optimizer"):
        gn.ModelCheckpoint(tmp_path / "m.gn", save_optimizer=True, save_weights_only=True)
    X, y = _data()
    model = gn.Sequential([gn.layers.Input((5,)), gn.layers.Dense(2)], seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    for cb, match in ((gn.ModelCheckpoint(tmp_path / "m-{val_loss}.gn", save_freq=3),
                       "val_loss"),
                      (gn.ModelCheckpoint(tmp_path / "m-{batch}.gn"), "batch")):
        with pytest.raises(ConfigError, match=match):
            model.fit(X, y, epochs=1, verbose=0, callbacks=[cb])
    assert model.optimizer.iterations == 0
    # {batch} is fine with save_freq in batches
    cb = gn.ModelCheckpoint(tmp_path / "m-{epoch}-{batch}-{loss:.1f}.gn", save_freq=2)
    model.fit(X, y, epochs=1, batch_size=10, verbose=0, callbacks=[cb])
    assert [os.path.basename(p)[:6] for p in cb.saved] == ["m-1-2-", "m-1-4-"]
