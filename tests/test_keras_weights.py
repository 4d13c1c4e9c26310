"""``model.save_weights`` / ``load_weights``: Keras 3's ``.weights.h5`` layout (written by
glassnet, read by real Keras, and the reverse), glassnet's own weights archive for other
names, and every bad file a glassnet error naming it, the model unchanged."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ArgumentTypeError, DataError, MissingFileError, ModelFileError

h5py = pytest.importorskip("h5py")


def _ours(seed: int = 0, dtype: str = "float32") -> gn.Sequential:
    return gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(6, activation="relu"),
                          gn.layers.Dropout(0.2), gn.layers.BatchNormalization(),
                          gn.layers.Dense(5, activation="tanh"), gn.layers.Dense(3)],
                         seed=seed, dtype=dtype)


def _theirs(keras: Any) -> Any:
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="relu"),
                             keras.layers.Dropout(0.2), keras.layers.BatchNormalization(),
                             keras.layers.Dense(5, activation="tanh"), keras.layers.Dense(3)])


def _trained(seed: int = 0) -> gn.Sequential:
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, size=40)
    model = _ours(seed)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam")
    model.fit(X, y, epochs=2, verbose=0)  # BatchNormalization's moving statistics move
    return model


@pytest.fixture(scope="module")
def keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def test_keras_reads_what_glassnet_writes(keras: Any, tmp_path: Path) -> None:
    model = _trained()
    path = tmp_path / "cp.weights.h5"
    model.save_weights(path)
    theirs = _theirs(keras)
    theirs.compile(optimizer="adam", loss="mse")
    theirs.load_weights(path)
    for a, b in zip(model.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    X = np.random.default_rng(1).normal(size=(7, 4)).astype(np.float32)
    np.testing.assert_allclose(model.predict(X), np.asarray(theirs.predict(X, verbose=0)),
                               rtol=1e-5, atol=1e-6)
    # the layout Keras writes: the same groups, names and shapes
    keras_path = tmp_path / "k.weights.h5"
    theirs.save_weights(keras_path)

    def layout(p: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        with h5py.File(p, "r") as f:
            f["layers"].visititems(lambda name, obj: out.__setitem__(
                name, getattr(obj, "shape", None)))
            out["vars"] = None if "vars" in f else "missing"
        return out

    assert layout(path) == layout(keras_path)


def test_glassnet_reads_what_keras_writes(keras: Any, tmp_path: Path) -> None:
    theirs = _theirs(keras)
    theirs.build((None, 4))
    rng = np.random.default_rng(2)
    theirs.set_weights([rng.normal(size=w.shape).astype(np.float32) ** 2 + 0.1
                        for w in theirs.get_weights()])
    path = tmp_path / "k.weights.h5"
    theirs.save_weights(path)
    model = _ours(seed=5)
    model.load_weights(path)
    for a, b in zip(model.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_normalization_layer_round_trip(keras: Any, tmp_path: Path) -> None:
    X = np.random.default_rng(3).normal(size=(30, 4)).astype(np.float32) * 3 + 1
    norm = gn.layers.Normalization()
    norm.adapt(X)
    model = gn.Sequential([gn.layers.Input((4,)), norm, gn.layers.Dense(2)], seed=0)
    model.save_weights(tmp_path / "n.weights.h5")
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Normalization(),
                               keras.layers.Dense(2)])
    theirs.load_weights(tmp_path / "n.weights.h5")
    np.testing.assert_allclose(model.predict(X), np.asarray(theirs.predict(X, verbose=0)),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["w.npz", "my_checkpoint", "w.gn"])
def test_glassnet_format_for_other_names(tmp_path: Path, name: str) -> None:
    model = _trained()
    path = tmp_path / name
    model.save_weights(path)
    other = _ours(seed=9)
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    # a model file and a checkpoint give their weights too
    model.save(tmp_path / "m.npz")
    gn.save_checkpoint(model, tmp_path / "c.gnc")
    for source in ("m.npz", "c.gnc"):
        again = _ours(seed=11)
        again.load_weights(tmp_path / source)
        assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(),
                                                         again.get_weights()))


def test_float64_weights_round_trip(tmp_path: Path) -> None:
    model = _ours(dtype="float64")
    model.save_weights(tmp_path / "d.weights.h5")
    other = _ours(seed=3, dtype="float64")
    other.load_weights(tmp_path / "d.weights.h5")
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), other.get_weights()))


def test_bad_files_are_glassnet_errors_and_change_nothing(tmp_path: Path) -> None:
    model = _ours()
    before = model.get_weights()
    small = gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(2)], seed=0)
    small.save_weights(tmp_path / "small.weights.h5")
    small.save_weights(tmp_path / "small.npz")
    (tmp_path / "junk.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    (tmp_path / "text.weights.h5").write_text("hello")
    with h5py.File(tmp_path / "nan.weights.h5", "w") as f:
        g = f.create_group("layers/dense/vars")
        g.create_dataset("0", data=np.full((4, 2), np.nan, dtype=np.float32))
        g.create_dataset("1", data=np.zeros(2, dtype=np.float32))
    tiny = gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(2)], seed=0)
    for name in ("small.weights.h5", "small.npz", "junk.weights.h5", "text.weights.h5"):
        with pytest.raises(ModelFileError, match=name.split(".")[0]):
            model.load_weights(tmp_path / name)
    with pytest.raises((ModelFileError, DataError)):
        tiny.load_weights(tmp_path / "nan.weights.h5")
    with pytest.raises(MissingFileError, match="nothing"):
        model.load_weights(tmp_path / "nothing.weights.h5")
    with pytest.raises(ArgumentTypeError, match="filepath"):
        model.load_weights(3)  # type: ignore[arg-type]
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    # never a partial file: a refused save writes nothing
    bad = _ours()
    bad.layers[0].params[0][0, 0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        bad.save_weights(tmp_path / "bad.weights.h5")
    assert not any(p.name.startswith(("bad", ".bad")) for p in tmp_path.iterdir())
    with pytest.raises(ModelFileError, match="overwrite"):
        model.save_weights(tmp_path / "small.weights.h5", overwrite=False)
    # a directory that is not there: the error names the file
    with pytest.raises(ModelFileError, match="nowhere"):
        model.save_weights(tmp_path / "nowhere" / "x.weights.h5")
