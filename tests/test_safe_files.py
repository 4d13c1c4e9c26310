"""Files that lie: declared sizes far beyond the content, members that should not be there,
configs that ask for absurd architectures, text that is not UTF-8. Each gets a glassnet error
naming the file, before any large allocation (checked under an address-space limit)."""

from __future__ import annotations

import ast
import io as pyio
import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import io as gio
from glassnet.datasets import load_arrays, load_csv
from glassnet.errors import DataError, GlassnetError, ModelFileError

PACKAGE = Path(gn.__file__).parent


def _model(seed: int = 0) -> gn.Sequential:
    model = gn.Sequential([gn.layers.Input(shape=(3,)), gn.layers.Dense(4, activation="relu"),
                           gn.layers.Dense(2)], seed=seed)
    model.compile(loss="mse", optimizer="adam")
    return model


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _zip(path: Path, members: list[tuple[str, bytes]],
         compression: int = zipfile.ZIP_STORED) -> Path:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names, on purpose
        with zipfile.ZipFile(path, "w", compression=compression) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return path


def _npy(array: np.ndarray) -> bytes:
    buf = pyio.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _npy_header(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    """A .npy header declaring ``shape`` (no data follows)."""
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
    text += " " * (63 - (len(text) + 10) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


def _doc(path: Path) -> dict[str, Any]:
    return json.loads(np.load(path)["__glassnet__"].tobytes())


def _with_doc(src: Path, dst: Path, doc: Any, raw: bytes | None = None) -> Path:
    members = _members(src)
    data = raw if raw is not None else json.dumps(doc).encode()
    members["__glassnet__.npy"] = _npy(np.frombuffer(data, np.uint8))
    return _zip(dst, list(members.items()))


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "model.gn"
    _model().save(path)
    return path


# ----------------------------------------------------------------------------- architecture


def test_io_imports_no_model() -> None:
    tree = ast.parse((PACKAGE / "io.py").read_text(encoding="utf-8"))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names]
    assert not [m for m in imported if any(k in m for k in ("model", "layers", "training"))]


def test_archives_round_trip_any_document(tmp_path: Path) -> None:
    arrays = [np.arange(6, dtype=np.float32).reshape(2, 3), np.asfortranarray(np.eye(3))]
    gio.write_archive(tmp_path / "a.gn", {"format": "x", "version": 3, "k": [1, "two"]}, arrays)
    archive = gio.read_archive(tmp_path / "a.gn", {"x": 3})
    assert archive.doc == {"format": "x", "version": 3, "k": [1, "two"]}
    for a, b in zip(arrays, archive.arrays):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    with pytest.raises(ModelFileError, match="expected format 'y'"):
        gio.read_archive(tmp_path / "a.gn", {"y": 3})
    with pytest.raises(ModelFileError, match="version 3; this glassnet reads version 1"):
        gio.read_archive(tmp_path / "a.gn", {"x": 1})


# ----------------------------------------------------------------------------- model files


def test_absurd_units_are_refused_before_building(saved: Path, tmp_path: Path) -> None:
    doc = _doc(saved)
    doc["model"]["layers"][0]["config"]["units"] = 2**25
    path = _with_doc(saved, tmp_path / "big.gn", doc)
    assert path.stat().st_size < 4000
    with pytest.raises(ModelFileError, match=r"big.gn.*33,554,432 units.*holds 26 weight"):
        gn.load_model(path)
    doc = _doc(saved)
    doc["model"]["input_dim"] = 2**40
    with pytest.raises(ModelFileError, match="1,099,511,627,776 inputs"):
        gn.load_model(_with_doc(saved, tmp_path / "wide.gn", doc))
    for dim in ([41539, 7], [None, 10**6], [2**30]):  # a list is a shape: its product counts
        doc = _doc(saved)
        doc["model"]["input_dim"] = dim
        with pytest.raises(ModelFileError, match="inputs but the file holds"):
            gn.load_model(_with_doc(saved, tmp_path / "shape.gn", doc))
    doc = _doc(saved)
    doc["model"]["layers"] = doc["model"]["layers"] * 200
    with pytest.raises(ModelFileError, match="400 layers"):
        gn.load_model(_with_doc(saved, tmp_path / "deep.gn", doc))


@pytest.mark.parametrize("entry", [None, 3, "Dense", [], {"class": "Sequential"},
                                   {"class": "Sequential", "config": {"model": None}}])
def test_layer_entries_of_any_json_type_are_a_model_file_error(
        saved: Path, tmp_path: Path, entry: Any) -> None:
    """A layer entry that is not a layer's dict (found by make fuzz: ``[null]`` escaped as an
    AttributeError from the size check before building)."""
    doc = _doc(saved)
    doc["model"]["layers"] = [entry]
    with pytest.raises(ModelFileError, match="odd.gn"):
        gn.load_model(_with_doc(saved, tmp_path / "odd.gn", doc))


def test_json_caps(saved: Path, tmp_path: Path) -> None:
    doc = _doc(saved)
    doc["model"]["name"] = json.loads("[" * 500 + "]" * 500)
    with pytest.raises(ModelFileError, match=r"nested 50\d levels deep \(at most 64\)"):
        gn.load_model(_with_doc(saved, tmp_path / "nest.gn", doc))
    with pytest.raises(ModelFileError, match="at most 4.0 MiB"):
        gn.load_model(_with_doc(saved, tmp_path / "huge.gn", None,
                                raw=b'{"format": "' + b"x" * (5 * 2**20) + b'"}'))
    raw = json.dumps(_doc(saved)).replace('"seed": 0', '"seed": NaN').encode()
    with pytest.raises(ModelFileError, match="NaN is not a number"):
        gn.load_model(_with_doc(saved, tmp_path / "nan.gn", None, raw=raw))
    raw = json.dumps(_doc(saved)).replace('"version": 1', '"version": 1, "version": 1').encode()
    with pytest.raises(ModelFileError, match="'version' appears twice"):
        gn.load_model(_with_doc(saved, tmp_path / "dup.gn", None, raw=raw))
    # brackets inside strings are not nesting
    doc = _doc(saved)
    doc["model"]["name"] = "[" * 1000
    assert gn.load_model(_with_doc(saved, tmp_path / "str.gn", doc)).name == "[" * 1000


def test_duplicate_unknown_and_missing_members(saved: Path, tmp_path: Path) -> None:
    members = list(_members(saved).items())
    with pytest.raises(ModelFileError, match="'w1.npy' appears twice"):
        gn.load_model(_zip(tmp_path / "dup.gn", members + [members[2]]))
    with pytest.raises(ModelFileError, match="unknown members 'notes.txt'"):
        gn.load_model(_zip(tmp_path / "extra.gn", members + [("notes.txt", b"hi")]))
    with pytest.raises(ModelFileError, match=r"unknown members 'w7.npy'"):
        gn.load_model(_zip(tmp_path / "w7.gn", members + [("w7.npy", members[1][1])]))
    with pytest.raises(ModelFileError, match="arrays missing: w2"):
        gn.load_model(_zip(tmp_path / "gap.gn", [m for m in members if m[0] != "w2.npy"]))


def test_non_finite_and_complex_weights(saved: Path, tmp_path: Path) -> None:
    members = _members(saved)
    w = np.load(pyio.BytesIO(members["w0.npy"]))
    bad = w.copy()
    bad[1, 2] = np.nan
    members["w0.npy"] = _npy(bad)
    with pytest.raises(ModelFileError, match="w0 holds NaN or infinite"):
        gn.load_model(_zip(tmp_path / "nan.gn", list(members.items())))
    members["w0.npy"] = _npy(w.astype(np.complex64))
    with pytest.raises(ModelFileError, match="complex"):
        gn.load_model(_zip(tmp_path / "cx.gn", list(members.items())))


def test_a_model_with_nan_weights_is_not_saved(tmp_path: Path) -> None:
    model = _model()
    model.layers[1].params[0][0, 0] = np.inf
    with pytest.raises(DataError, match="layer 'dense_1' has NaN or infinite weights"):
        model.save(tmp_path / "m.gn")
    assert os.listdir(tmp_path) == []


def test_compressed_and_lying_members(saved: Path, tmp_path: Path) -> None:
    members = list(_members(saved).items())
    with pytest.raises(ModelFileError, match="compression method 8; expected stored"):
        gn.load_model(_zip(tmp_path / "deflated.gn", members, zipfile.ZIP_DEFLATED))
    # a member whose header declares far more than it holds
    fat = [(n, _npy_header((2**40,)) + d[128:] if n == "w0.npy" else d) for n, d in members]
    with pytest.raises(ModelFileError, match=r"w0.npy.*\(1099511627776,\).*4.0 TiB"):
        gn.load_model(_zip(tmp_path / "fat.gn", fat))


def test_overlapping_members_are_refused(saved: Path, tmp_path: Path) -> None:
    data = bytearray(saved.read_bytes())
    # point the second central-directory entry at the first member's local header
    cd = data.rindex(b"PK\x01\x02")
    first = data.index(b"PK\x01\x02")
    data[cd + 42: cd + 46] = data[first + 42: first + 46]
    path = tmp_path / "overlap.gn"
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="overlap|damaged"):
        gn.load_model(path)


def test_text_files_get_no_pickle_advice(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some text\n")
    with pytest.raises(ModelFileError) as info:
        gn.load_model(path)
    assert "notes.txt" in str(info.value) and "allow_pickle" not in str(info.value)
    with pytest.raises(ModelFileError, match="not a regular file"):
        gn.load_model(tmp_path)


# ----------------------------------------------------------------------------- atomic saves


def test_a_stale_temporary_file_is_replaced_by_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "m.gn"
    Path(gio.temp_path(str(path))).write_bytes(b"PK half a file from a killed save")
    _model().save(path)
    assert os.listdir(tmp_path) == ["m.gn"]


def test_a_save_killed_midway_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "m.gn"
    _model(seed=1).save(path)
    before = path.read_bytes()
    code = textwrap.dedent(f"""
        import os, signal
        import numpy as np
        import glassnet as gn
        def half(fh, *a, **k):
            fh.write(b"PK\\x03\\x04 half"); fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        np.savez = half
        m = gn.Sequential([gn.layers.Input(shape=(3,)), gn.layers.Dense(2)], seed=2)
        m.save({str(path)!r})
    """)
    proc = subprocess.run([sys.executable, "-c", code], timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    assert len(os.listdir(tmp_path)) == 2  # the debris of the killed save...
    _model(seed=3).save(path)
    assert os.listdir(tmp_path) == ["m.gn"]  # ...is gone after the next one


# ----------------------------------------------------------------------------- data files


def test_npy_declaring_terabytes(tmp_path: Path) -> None:
    path = tmp_path / "tb.npy"
    path.write_bytes(_npy_header((2**20, 2**20)) + b"\x00" * 64)
    assert path.stat().st_size <= 192
    with pytest.raises(DataError, match=r"tb.npy: declares an array of shape.*4.0 TiB"):
        load_arrays(path)


def test_npz_variants(tmp_path: Path) -> None:
    X = np.arange(12.0).reshape(4, 3)
    y = np.arange(4, dtype=">i4")
    np.savez_compressed(tmp_path / "c.npz", X=np.asfortranarray(X), y=y)
    X1, y1 = load_arrays(tmp_path / "c.npz")
    assert y1 is not None
    np.testing.assert_array_equal(X1, X)
    np.testing.assert_array_equal(y1, y)
    assert y1.dtype == np.int32 and y1.dtype.isnative
    np.savez(tmp_path / "cx.npz", X=X.astype(complex), y=y)
    with pytest.raises(DataError, match="cx.npz: member 'X.npy': holds complex"):
        load_arrays(tmp_path / "cx.npz")
    np.save(tmp_path / "extra.npy", X)
    with open(tmp_path / "extra.npy", "ab") as fh:
        fh.write(b"\x00" * 8)
    with pytest.raises(DataError, match="extra.npy: declares"):
        load_arrays(tmp_path / "extra.npy")
    data = (tmp_path / "c.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="cut.npz"):
        load_arrays(tmp_path / "cut.npz")
    with pytest.raises(DataError, match="is not a regular file"):
        load_arrays(tmp_path)


def test_deflate_declaring_more_than_deflate_can_make(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bomb.npz",
                [("X.npy", _npy(np.zeros((256, 1024), np.float32)))], zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    cd = data.rindex(b"PK\x01\x02")
    data[cd + 24: cd + 28] = (2**31).to_bytes(4, "little")  # uncompressed size: 2 GiB
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="more than deflate can produce"):
        load_arrays(path, y_key=None)


def test_csv_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("a,b\n1,2\ncaf\u00e9,3\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin.csv: line \d.*not UTF-8"):
        load_csv(path)
    path = tmp_path / "big.csv"
    path.write_text("x,y\n1,0\n1e39,1\n")
    with pytest.raises(DataError, match=r"big.csv: line 3, column 0 \('x'\): 1e\+39 is beyond"):
        load_csv(path)
    X, _ = load_csv(path, dtype="float64")
    assert X[1, 0] == 1e39
    path = tmp_path / "labels.csv"
    path.write_text(f"1,{2**63 - 1}\n2,{-(2**63)}\n")
    _, y = load_csv(path)
    assert y.dtype == np.int64 and y.tolist() == [2**63 - 1, -(2**63)]
    path.write_text(f"1,0\n2,{2**63}\n")
    with pytest.raises(DataError,
                       match="labels.csv: line 2, column 1: the label 9223372036854775808"):
        load_csv(path)
    path.write_bytes(b"1,2\n3,\x004\n")
    with pytest.raises(DataError, match="labels.csv: line 2"):
        load_csv(path)
    path.write_text('1,"' + "9" * 200_000 + '"\n')
    with pytest.raises(DataError, match="labels.csv: line 1"):
        load_csv(path)


# ----------------------------------------------------------------------------- memory bound

_UNDER_LIMIT = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import glassnet as gn
    from glassnet.datasets import load_arrays
    np.ones((64, 64)) @ np.ones((64, 64))  # start the BLAS threads before the limit
    def vm():
        for line in open("/proc/self/status"):
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    limit = vm() + 256 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    outcomes = []
    for kind, path in zip(sys.argv[1::2], sys.argv[2::2]):
        try:
            (gn.load_model if kind == "model" else load_arrays)(path)
            outcomes.append("loaded")
        except gn.GlassnetError:
            outcomes.append("refused")
        except MemoryError:
            outcomes.append("MemoryError")
    print(" ".join(outcomes))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc")
def test_bombs_are_refused_under_an_address_space_limit(saved: Path, tmp_path: Path) -> None:
    """Each file would need gigabytes if its declarations were believed; under a limit of
    256 MiB above the interpreter's own size every one is refused, none runs out of memory."""
    doc = _doc(saved)
    doc["model"]["layers"][0]["config"]["units"] = 2**25
    units = _with_doc(saved, tmp_path / "units.gn", doc)
    npy = tmp_path / "tb.npy"
    npy.write_bytes(_npy_header((2**40,)) + b"\x00" * 64)
    members = _members(saved)
    members["w0.npy"] = _npy_header((2**31,)) + members["w0.npy"][128:]
    fat = _zip(tmp_path / "fat.gn", list(members.items()))
    zeros = _zip(tmp_path / "zeros.gn", [(n, _npy(np.zeros(2**27, np.float32)))
                                         if n == "w0.npy" else (n, d)
                                         for n, d in _members(saved).items()],
                 zipfile.ZIP_DEFLATED)
    assert zeros.stat().st_size < 2**20  # 512 MiB of zeros in under 1 MiB
    npz = _zip(tmp_path / "lying.npz", [("X.npy", _npy_header((2**16, 2**16)) + b"\0" * 64),
                                        ("y.npy", _npy(np.zeros(3)))], zipfile.ZIP_DEFLATED)
    args = ["model", str(units), "npy", str(npy), "model", str(fat), "model", str(zeros),
            "npz", str(npz)]
    out = subprocess.run([sys.executable, "-c", _UNDER_LIMIT, *args], capture_output=True,
                         text=True, timeout=300, check=True).stdout.split()
    assert out == ["refused"] * 5


def test_glassnet_errors_are_value_errors() -> None:
    assert issubclass(ModelFileError, GlassnetError) and issubclass(ModelFileError, ValueError)


# ----------------------------------------------------------------------------- checkpoints


def _checkpoint(tmp_path: Path) -> Path:
    model = _model()
    X = np.random.default_rng(0).normal(size=(16, 3))
    model.fit(X, X[:, :2], epochs=2, batch_size=4, verbose=0)
    path = tmp_path / "c.gnc"
    gn.save_checkpoint(model, path)
    return path


@pytest.mark.parametrize("change,match", [
    (lambda d: d["optimizer"].update(n_weights=10**9), "optimizer part is malformed"),
    (lambda d: d["optimizer"].update(slots=["m"]), "optimizer arrays for 1 slots"),
    (lambda d: d["optimizer"].update(slots=["m", "velocity"]), "does not fit"),
    (lambda d: d["optimizer"].update(iterations=-1), "optimizer part is malformed"),
    (lambda d: d["training"].update(step=3), "epoch/step"),
    (lambda d: d["training"].update(history={"epoch": "x"}), "history is malformed"),
    (lambda d: d["model"].pop("compile"), "compiled model"),
    (lambda d: d.pop("training"), "'optimizer' and 'training'"),
])
def test_malformed_checkpoints(change: Any, match: str, tmp_path: Path) -> None:
    path = _checkpoint(tmp_path)
    doc = _doc(path)
    change(doc)
    with pytest.raises(ModelFileError, match=match):
        gn.load_model(_with_doc(path, tmp_path / "bad.gnc", doc))


def test_a_checkpoint_with_non_finite_optimizer_state(tmp_path: Path) -> None:
    path = _checkpoint(tmp_path)
    members = _members(path)
    last = f"w{len(members) - 2}.npy"
    state = np.load(pyio.BytesIO(members[last]))
    members[last] = _npy(np.full_like(state, np.inf))
    with pytest.raises(ModelFileError, match=f"{last[:-4]} holds NaN or infinite"):
        gn.load_model(_zip(tmp_path / "inf.gnc", list(members.items())))


def test_a_missing_file_is_a_glassnet_error_and_a_file_not_found(tmp_path: Path) -> None:
    for load in (gn.load_model, gn.read_checkpoint, gn.datasets.load_csv, load_arrays):
        with pytest.raises(gn.MissingFileError, match="nope") as info:
            load(tmp_path / "nope.file")
        assert isinstance(info.value, FileNotFoundError)


# ----------------------------------------------------------------------------- checksums

LEGACY = Path(__file__).resolve().parent / "data" / "legacy"


def _rewrite_member(src: Path, dst: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
        for member in z.namelist():
            out.writestr(member, data if member == name else z.read(member))


def test_every_array_carries_a_sha256_and_a_mismatch_is_refused(tmp_path: Path) -> None:
    model = gn.Sequential([gn.layers.Input(shape=(3,)), gn.layers.Dense(2)], seed=1)
    model.save(tmp_path / "m.gn")
    with zipfile.ZipFile(tmp_path / "m.gn") as z:
        doc = json.loads(np.load(pyio.BytesIO(z.read("__glassnet__.npy"))).tobytes())
        w1 = np.load(pyio.BytesIO(z.read("w1.npy")))
    assert doc["sha256"] == [gio.array_digest(w) for w in model.get_weights()]
    assert "sha256" not in gio.read_archive(tmp_path / "m.gn", {"glassnet-model": 1}).doc
    # a member rewritten whole (its zip CRC-32 fresh and valid) with one value changed
    w1[0] += 1.0
    buf = pyio.BytesIO()
    np.save(buf, w1)
    _rewrite_member(tmp_path / "m.gn", tmp_path / "bad.gn", "w1.npy", buf.getvalue())
    with pytest.raises(gn.ModelFileError, match=r"bad\.gn.*w1 does not match its SHA-256"):
        gn.load_model(tmp_path / "bad.gn")
    # a malformed digest list is refused too
    doc["sha256"] = doc["sha256"][:1]
    raw = np.frombuffer(json.dumps(doc).encode(), np.uint8)
    buf = pyio.BytesIO()
    np.save(buf, raw)
    _rewrite_member(tmp_path / "m.gn", tmp_path / "short.gn", "__glassnet__.npy",
                    buf.getvalue())
    with pytest.raises(gn.ModelFileError, match=r"short\.gn.*sha256 list is malformed"):
        gn.load_model(tmp_path / "short.gn")


def test_files_written_before_checksums_still_load() -> None:
    """no_checksum.gn/.gnc were written by glassnet before the digests (commit 7685fb1)."""
    with zipfile.ZipFile(LEGACY / "no_checksum.gn") as z:
        doc = json.loads(np.load(pyio.BytesIO(z.read("__glassnet__.npy"))).tobytes())
    assert "sha256" not in doc
    X = np.random.default_rng(1).normal(size=(16, 3))
    expected = np.load(LEGACY / "no_checksum_predict.npy")
    for name in ("no_checksum.gn", "no_checksum.gnc"):
        model = gn.load_model(LEGACY / name)
        np.testing.assert_array_equal(model.predict(X[:4]), expected)
