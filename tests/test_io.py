"""Save and load: bit-identical round trips, atomic writes, and files that are malformed
or hostile (they get ModelFileError and run no code)."""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import io as gio
from glassnet.errors import GlassnetError, ModelFileError


def _model(dtype: str = "float32", seed: int = 0) -> gn.Sequential:
    model = gn.Sequential([gn.layers.Input(shape=(4,)),
                           gn.layers.Dense(5, activation="relu", name="hidden",
                                           kernel_initializer="he_normal"),
                           gn.layers.Dense(3, activation=gn.activations.LeakyReLU(0.2)),
                           gn.layers.Dense(3, activation="softmax", name="out")],
                          seed=seed, dtype=dtype)
    model.compile(loss="categorical_crossentropy",
                  optimizer=gn.optimizers.SGD(learning_rate=0.3, momentum=0.5),
                  metrics=["accuracy"])
    return model


def _trained(dtype: str) -> tuple[gn.Sequential, np.ndarray]:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 4))
    Y = np.eye(3)[np.arange(30) % 3]
    model = _model(dtype)
    model.fit(X, Y, epochs=3, batch_size=8, verbose=0, seed=0)
    return model, X


def _contents(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _config_doc(path: Path) -> dict[str, Any]:
    return json.loads(_contents(path)["__glassnet__"].tobytes().decode("utf-8"))


def _write(path: Path, arrays: dict[str, Any], *, allow_pickle: bool = False) -> Path:
    with open(path, "wb") as fh:
        np.savez(fh, allow_pickle=allow_pickle, **arrays)
    return path


def _with_doc(source: Path, target: Path, doc: Any) -> Path:
    arrays: dict[str, Any] = _contents(source)
    arrays["__glassnet__"] = np.frombuffer(json.dumps(doc).encode("utf-8"), dtype=np.uint8)
    return _write(target, arrays)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "model.gn"
    _model("float64").save(path)
    return path


# ----------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_is_bit_identical(dtype: str, tmp_path: Path) -> None:
    model, X = _trained(dtype)
    path = tmp_path / "trained.gn"
    model.save(path)
    loaded = gn.load_model(path)
    assert loaded.get_config() == model.get_config()
    assert loaded.dtype == np.dtype(dtype)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        assert a.dtype == b.dtype == np.dtype(dtype)
        assert a.tobytes() == b.tobytes()
    assert model.predict(X).tobytes() == loaded.predict(X).tobytes()
    # it comes back compiled, with the same loss, optimizer settings and metrics
    assert loaded.loss is not None and loaded.loss.to_config() == model.loss.to_config()
    assert loaded.optimizer is not None
    assert loaded.optimizer.get_config() == {"learning_rate": 0.3, "momentum": 0.5,
                                             "nesterov": False}
    assert loaded.evaluate(X, np.eye(3)[np.arange(30) % 3], return_dict=True) == model.evaluate(
        X, np.eye(3)[np.arange(30) % 3], return_dict=True)
    assert [layer.name for layer in loaded.layers] == ["hidden", "dense", "out"]


def test_save_model_and_str_paths(tmp_path: Path) -> None:
    model = _model()
    gn.save_model(model, str(tmp_path / "a.gn"))
    loaded = gn.load_model(str(tmp_path / "a.gn"))
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


def test_an_uncompiled_model_round_trips(tmp_path: Path) -> None:
    model = gn.Sequential([gn.layers.Input(shape=(2,)), gn.layers.Dense(1, "sigmoid")], seed=4)
    model.save(tmp_path / "m.gn")
    loaded = gn.load_model(tmp_path / "m.gn")
    assert loaded.loss is None and "compile" not in loaded.get_config()
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


def test_the_file_holds_json_and_plain_arrays_only(saved: Path) -> None:
    with zipfile.ZipFile(saved) as zf:
        assert sorted(zf.namelist()) == ["__glassnet__.npy"] + [f"w{i}.npy" for i in range(6)]
    doc = _config_doc(saved)
    assert doc["format"] == "glassnet-model" and doc["version"] == 1
    assert [layer["class"] for layer in doc["model"]["layers"]] == ["Dense"] * 3


# ----------------------------------------------------------------------------- atomic


def test_save_leaves_no_temporary_file_and_replaces_an_existing_one(tmp_path: Path) -> None:
    path = tmp_path / "m.gn"
    first, second = _model(seed=1), _model(seed=2)
    first.save(path)
    second.save(path)
    assert os.listdir(tmp_path) == ["m.gn"]
    np.testing.assert_array_equal(gn.load_model(path).get_weights()[0],
                                  second.get_weights()[0])


def test_a_failed_save_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.gn"
    old = _model(seed=1)
    old.save(path)
    before = path.read_bytes()

    def disk_full(fh: Any, *args: Any, **kwargs: Any) -> None:
        fh.write(b"PK\x03\x04 half a file")
        raise OSError("No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space"):
        _model(seed=2).save(path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["m.gn"]
    assert path.read_bytes() == before
    np.testing.assert_array_equal(gn.load_model(path).get_weights()[0], old.get_weights()[0])


# ----------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no model file"):
        gn.load_model(tmp_path / "nothing.gn")


@pytest.mark.parametrize("content", [b"", b"\x00" * 10, np.random.default_rng(0).bytes(4096),
                                     b"PK\x03\x04 not really a zip"])
def test_random_bytes(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "junk.gn"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match="junk.gn"):
        gn.load_model(path)


def test_a_bare_npy_array(tmp_path: Path) -> None:
    path = tmp_path / "array.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ModelFileError, match="bare array"):
        gn.load_model(path)


def test_a_zip_without_config(saved: Path, tmp_path: Path) -> None:
    arrays = _contents(saved)
    del arrays["__glassnet__"]
    with pytest.raises(ModelFileError, match="no __glassnet__"):
        gn.load_model(_write(tmp_path / "noconf.gn", arrays))
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ModelFileError):
        gn.load_model(plain)


def test_bad_json(saved: Path, tmp_path: Path) -> None:
    arrays = _contents(saved)
    arrays["__glassnet__"] = np.frombuffer(b'{"format": "glassnet-model", "version": 1,',
                                           dtype=np.uint8)
    with pytest.raises(ModelFileError, match="not valid JSON"):
        gn.load_model(_write(tmp_path / "badjson.gn", arrays))
    arrays["__glassnet__"] = np.frombuffer(b"\xff\xfe\x00", dtype=np.uint8)
    with pytest.raises(ModelFileError, match="not valid JSON"):
        gn.load_model(_write(tmp_path / "badutf.gn", arrays))
    arrays["__glassnet__"] = np.array([1.5, 2.5])
    with pytest.raises(ModelFileError, match="byte string"):
        gn.load_model(_write(tmp_path / "floatconf.gn", arrays))


def _edit(doc: dict[str, Any], change: str) -> Any:
    model = doc["model"]
    dense = model["layers"][0]
    if change == "layer_class":
        dense["class"] = "os.system"
    elif change == "activation_name":
        dense["config"]["activation"] = {"name": "os.system", "config": {"command": "true"}}
    elif change == "activation_string":
        dense["config"]["activation"] = "os.system"
    elif change == "initializer":
        dense["config"]["kernel_initializer"] = {"name": "__import__", "config": {}}
    elif change == "loss":
        model["compile"]["loss"] = {"name": "eval", "config": {}}
    elif change == "optimizer":
        model["compile"]["optimizer"] = "subprocess.run"
    elif change == "layer_kwargs":
        dense["config"]["__class__"] = "x"
    elif change == "units":
        dense["config"]["units"] = "5; rm -rf /"
    elif change == "dtype":
        model["dtype"] = "object"
    elif change == "format":
        doc["format"] = "something-else"
    elif change == "version":
        doc["version"] = 99
    elif change == "no_model":
        del doc["model"]
    elif change == "layers_not_list":
        model["layers"] = "Dense"
    elif change == "not_a_dict":
        return ["glassnet-model", 1]
    else:
        raise AssertionError(change)
    return doc


@pytest.mark.parametrize("change", [
    "layer_class", "activation_name", "activation_string", "initializer", "loss", "optimizer",
    "layer_kwargs", "units", "dtype", "format", "version", "no_model", "layers_not_list",
    "not_a_dict",
])
def test_configs_naming_anything_unknown_are_refused(change: str, saved: Path,
                                                     tmp_path: Path) -> None:
    doc = _edit(_config_doc(saved), change)
    with pytest.raises(ModelFileError):
        gn.load_model(_with_doc(saved, tmp_path / f"{change}.gn", doc))


def test_unknown_names_are_quoted_in_the_message(saved: Path, tmp_path: Path) -> None:
    doc = _edit(_config_doc(saved), "activation_name")
    with pytest.raises(ModelFileError, match=r"unknown activation 'os.system'; expected one of"):
        gn.load_model(_with_doc(saved, tmp_path / "act.gn", doc))


def test_wrong_weight_shapes_and_missing_weights(saved: Path, tmp_path: Path) -> None:
    arrays = _contents(saved)
    arrays["w2"] = arrays["w2"].T
    with pytest.raises(ModelFileError, match=r"w2 does not match its SHA-256"):
        gn.load_model(_write(tmp_path / "digest.gn", arrays))
    # the shape check, on a file whose digests fit (or one written before there were any)
    doc = _config_doc(saved)
    doc["sha256"][2] = gio.array_digest(arrays["w2"])
    arrays["__glassnet__"] = np.frombuffer(json.dumps(doc).encode("utf-8"), dtype=np.uint8)
    with pytest.raises(ModelFileError, match=r"do not fit.*\(5, 3\)"):
        gn.load_model(_write(tmp_path / "shape.gn", arrays))
    arrays = _contents(saved)
    del arrays["w5"]
    with pytest.raises(ModelFileError, match="w5"):
        gn.load_model(_write(tmp_path / "missing.gn", arrays))
    arrays = _contents(saved)
    arrays["w0"] = arrays["w0"].astype(np.int64)
    with pytest.raises(ModelFileError, match="not a float array"):
        gn.load_model(_write(tmp_path / "ints.gn", arrays))


class _Payload:
    """Unpickling this creates a file: the smallest proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.path, "w"))


def test_the_pickle_payload_really_runs_when_unpickled(tmp_path: Path) -> None:
    """A control: the payload used below does create its marker when unpickled."""
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(_Payload(control))).close()
    assert control.exists()


@pytest.mark.parametrize("where", ["weight", "config", "whole_file", "npy"])
def test_pickles_are_never_loaded(where: str, saved: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    evil = np.array([_Payload(marker)], dtype=object)
    path = tmp_path / f"evil-{where}.gn"
    if where == "weight":
        arrays: dict[str, Any] = _contents(saved)
        arrays["w0"] = evil
        _write(path, arrays, allow_pickle=True)
    elif where == "config":
        arrays = _contents(saved)
        arrays["__glassnet__"] = evil
        _write(path, arrays, allow_pickle=True)
    elif where == "whole_file":
        path.write_bytes(pickle.dumps(_Payload(marker)))
    else:
        with open(path, "wb") as fh:
            np.save(fh, evil, allow_pickle=True)
    with pytest.raises(ModelFileError):
        gn.load_model(path)
    assert not marker.exists()


def test_load_errors_are_glassnet_and_value_errors(tmp_path: Path) -> None:
    path = tmp_path / "junk.gn"
    path.write_bytes(b"junk")
    with pytest.raises(GlassnetError):
        gn.load_model(path)
    with pytest.raises(ValueError):
        gn.load_model(path)


def test_a_document_the_reader_would_refuse_is_not_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every writer (model files, checkpoints, populations) goes through write_archive, which
    refuses a JSON document beyond the reader's cap instead of writing a file no one can load."""
    import glassnet.io as io

    model = gn.Sequential([gn.Input((3,)), gn.Dense(2)], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    model.fit(np.ones((8, 3)), np.zeros((8, 2)), epochs=3, verbose=0)
    monkeypatch.setattr(io, "MAX_JSON_BYTES", 300)
    with pytest.raises(gn.errors.ModelFileError, match="more than a glassnet file holds"):
        gn.save_checkpoint(model, tmp_path / "c.gnet")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    gn.save_checkpoint(model, tmp_path / "c.gnet")  # the same file under the real cap
    assert gn.load_model(tmp_path / "c.gnet").get_config() == model.get_config()
