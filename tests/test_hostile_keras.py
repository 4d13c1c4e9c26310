"""Hostile Keras files (issue 20): each damage the fuzzers found is a ModelFileError naming
the file, inside one error boundary (``glassnet.interop.keras.file_boundary``), and a
rejected ``load_keras_weights`` leaves the model as it was."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.interop import from_keras, load_keras_weights
from glassnet.interop.keras import file_boundary

h5py = pytest.importorskip("h5py")

KERAS_DIR = Path(__file__).resolve().parent / "data" / "keras"
NAME = "dense_relu_tanh_softmax"


def _rezip(src: Path, dst: Path, config: Callable[[bytes], bytes] | None = None,
           weights: Callable[[bytes], bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "config.json" and config is not None:
                data = config(data)
            if name == "model.weights.h5" and weights is not None:
                data = weights(data)
            out.writestr(name, data)
    return dst


def _edit_h5(data: bytes, edit: Callable[[Any], None]) -> bytes:
    buf = io.BytesIO(data)
    with h5py.File(buf, "r+") as f:
        edit(f)
    return buf.getvalue()


def _replace(path: str, value: Any) -> Callable[[Any], None]:
    def edit(f: Any) -> None:
        del f[path]
        f[path] = value
    return edit


def _expect_file_error(fn: Callable[[], Any], path: Path, match: str = "") -> str:
    with pytest.raises(gn.ModelFileError) as info:
        fn()
    message = str(info.value)
    assert str(path) in message, message
    assert re.search(match, message), message
    return message


def test_the_boundary_turns_library_errors_into_model_file_errors() -> None:
    for exc in (KeyError("x"), OverflowError("big"), RecursionError("deep"), OSError("h5"),
                RuntimeError("h5py"), TypeError("t"), MemoryError()):
        with pytest.raises(gn.ModelFileError, match=r"^f\.h5: cannot be read \("), \
                file_boundary("f.h5"):
            raise exc
    with pytest.raises(gn.ConfigError, match=r"^f\.h5: layer 'x'"), file_boundary("f.h5"):
        raise gn.ConfigError("layer 'x': no")
    with pytest.raises(gn.ModelFileError, match=r"^f\.h5: weights: bad shape"), \
            file_boundary("f.h5"):
        raise gn.ShapeError("weights: bad shape")
    with pytest.raises(ImportError), file_boundary("f.h5"):
        raise ImportError("h5py missing")


@pytest.mark.parametrize("cut", [0, 1, 30, 200, 1000, -500, -22, -1])
def test_truncated_keras_files(tmp_path: Path, cut: int) -> None:
    data = (KERAS_DIR / f"{NAME}.keras").read_bytes()
    path = tmp_path / "t.keras"
    path.write_bytes(data[:cut])
    _expect_file_error(lambda: from_keras(path), path)
    wpath = tmp_path / "t.weights.h5"
    wpath.write_bytes((KERAS_DIR / f"{NAME}.weights.h5").read_bytes()[:cut])
    model = from_keras(KERAS_DIR / f"{NAME}.keras")
    _expect_file_error(lambda: load_keras_weights(model, wpath), wpath)


def test_huge_units_and_deep_json_in_config(tmp_path: Path) -> None:
    src = KERAS_DIR / f"{NAME}.keras"
    huge = _rezip(src, tmp_path / "huge.keras", config=lambda b: re.sub(
        rb'"units": \d+', b'"units": 1' + b"0" * 400, b, count=1))
    _expect_file_error(lambda: from_keras(huge), huge)
    deep = _rezip(src, tmp_path / "deep.keras", config=lambda b: b"[" * 100_000)
    _expect_file_error(lambda: from_keras(deep), deep, "nested")
    nested = _rezip(src, tmp_path / "nested.keras", config=lambda b: b.replace(
        b'"units": 16', b'"units": ' + b"[" * 50 + b"16" + b"]" * 50, 1))
    _expect_file_error(lambda: from_keras(nested), nested)
    floaty = _rezip(src, tmp_path / "floaty.keras",
                    config=lambda b: b.replace(b'"units": 16', b'"units": 1e400', 1))
    _expect_file_error(lambda: from_keras(floaty), floaty)


def _weights_case(tmp_path: Path, edit: Callable[[Any], None]) -> Path:
    path = tmp_path / "case.weights.h5"
    path.write_bytes(_edit_h5((KERAS_DIR / f"{NAME}.weights.h5").read_bytes(), edit))
    return path


@pytest.mark.parametrize("edit, match", [
    (_replace("layers/dense/vars/0", np.zeros((8, 17), np.float32)), r"shape \(8, 17\)"),
    (_replace("layers/dense/vars/1", np.zeros((16, 1), np.float32)), r"shape"),
    (_replace("layers/dense/vars/0", np.array([b"abc"] * 8)), r"expected numbers"),
    (_replace("layers/dense/vars/0", np.zeros((8, 16), np.complex64)), r"expected numbers"),
    (_replace("layers/dense/vars/1", np.full(16, np.nan, np.float32)), r"NaN or infinite"),
    (_replace("layers/dense/vars/1", np.full(16, 1e300)), r"vars/1 holds values up to 1e\+300"
                                                          r", beyond the range of the model's "
                                                          r"float32"),
    (_replace("layers/dense_1/vars/0", 3.0), r"shape"),
    (lambda f: f.__delitem__("layers/dense_2/vars/0"), r"holds \['1'\]"),
    (lambda f: f.__delitem__("layers/dense_1"), r"no group layers/dense_1/vars"),
    (_replace("layers/dense/vars", np.zeros(3)), r"no group|dataset|vars"),
])
def test_damaged_weight_datasets(tmp_path: Path, edit: Callable[[Any], None],
                                 match: str) -> None:
    path = _weights_case(tmp_path, edit)
    model = from_keras(KERAS_DIR / f"{NAME}.keras")
    before = model.get_weights()
    _expect_file_error(lambda: load_keras_weights(model, path), path, match)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    # the same damage inside a .keras archive
    archive = _rezip(KERAS_DIR / f"{NAME}.keras", tmp_path / "case.keras",
                     weights=lambda b: path.read_bytes())
    _expect_file_error(lambda: from_keras(archive), archive, match)


def test_byte_flips_in_keras_files_are_glassnet_errors_or_finite_weights(
        tmp_path: Path) -> None:
    rng = np.random.default_rng(20)
    clean = from_keras(KERAS_DIR / f"{NAME}.keras")
    for source in (f"{NAME}.keras", f"{NAME}.weights.h5"):
        data = (KERAS_DIR / source).read_bytes()
        for _ in range(40):
            flipped = bytearray(data)
            for i in rng.integers(0, len(data), size=int(rng.integers(1, 6))):
                flipped[i] ^= 1 << int(rng.integers(0, 8))
            path = tmp_path / source
            path.write_bytes(bytes(flipped))
            model = from_keras(KERAS_DIR / f"{NAME}.keras")
            try:
                if source.endswith(".keras"):
                    model = from_keras(path)
                else:
                    load_keras_weights(model, path)
            except gn.ModelFileError as exc:
                assert str(path) in str(exc)
                continue
            except gn.ConfigError as exc:
                assert str(path) in str(exc)
                continue
            # HDF5 keeps no checksum: a flip inside the data may load, but never as inf/NaN
            assert all(np.isfinite(w).all() for w in model.get_weights())
            assert model.predict(np.ones((1, clean.input_dim))).shape == (1, 4)


def test_bytes_and_bad_paths(tmp_path: Path) -> None:
    model = from_keras(os.fsencode(str(KERAS_DIR / f"{NAME}.keras")))
    assert model.output_dim == 4
    with pytest.raises(gn.ArgumentTypeError, match="path"):
        from_keras(None)  # type: ignore[arg-type]
    with pytest.raises(gn.MissingFileError, match="path"):
        from_keras(tmp_path / "nope.keras")
    with pytest.raises(gn.ArgumentTypeError, match="path"):
        load_keras_weights(model, 3)  # type: ignore[arg-type]
    shutil.copy(KERAS_DIR / f"{NAME}.weights.h5", tmp_path / "ok.weights.h5")
    load_keras_weights(model, os.fsencode(str(tmp_path / "ok.weights.h5")))


def test_config_json_that_is_not_a_model(tmp_path: Path) -> None:
    src = KERAS_DIR / f"{NAME}.keras"
    for i, text in enumerate([b"[]", b"1", b'{"class_name": "Sequential", "config": 3}',
                              json.dumps({"class_name": "Sequential", "config": {
                                  "layers": [{"class_name": "Dense", "config": {
                                      "units": -5}}]}}).encode(), b"\xff\xfe"]):
        path = _rezip(src, tmp_path / f"c{i}.keras", config=lambda b, t=text: t)
        with pytest.raises((gn.ModelFileError, gn.ConfigError)) as info:
            from_keras(path)
        assert str(path) in str(info.value)
