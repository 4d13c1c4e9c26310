"""Hypothesis-driven mutation of valid model files, checkpoints, population checkpoints (with
and without BatchNormalization's moving statistics), CSV, .npy and .npz files.

Every mutated file must either load or raise a glassnet error: never another exception,
never code from the file (some seeds carry pickle payloads that create a marker file if
unpickled), and never memory beyond a bound (each case's peak, traced with tracemalloc,
stays under :data:`MEMORY_BOUND`).

``make test`` runs a quick, derandomized pass. The long run::

    GLASSNET_FUZZ_EXAMPLES=3000 GLASSNET_FUZZ_REPORT=fuzz.json pytest tests/test_fuzz_files.py

takes that many examples per target with fresh randomness and writes the case count, the
outcomes and the largest memory growth to ``fuzz.json``.
"""

from __future__ import annotations

import io as pyio
import json
import os
import pickle
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet.datasets import load_arrays, load_csv
from glassnet.errors import GlassnetError
from glassnet.population import Population, load_population

EXAMPLES = int(os.environ.get("GLASSNET_FUZZ_EXAMPLES", "120"))
LONG = "GLASSNET_FUZZ_EXAMPLES" in os.environ
REPORT = os.environ.get("GLASSNET_FUZZ_REPORT")
#: No mutated file (all are under 64 KB) may make a loader's traced memory peak above this.
MEMORY_BOUND = 24 * 2**20

FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

STATS: dict[str, Any] = {"cases": 0, "outcomes": {}, "max_memory_growth": 0,
                         "max_growth_case": "", "escapes": 0}


class _Payload:
    """Unpickling this creates a file: the proof that code ran."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.path, "w"))


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = pyio.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def _zip(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
    buf = pyio.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buf, "w", compression=compression) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return buf.getvalue()


def _members(blob: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(pyio.BytesIO(blob)) as zf:
        return [(name, zf.read(name)) for name in zf.namelist()]


CORPUS: dict[str, Any] = {}


@pytest.fixture(scope="module", autouse=True)
def _corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Valid seed files, a scratch path and the marker that code execution would create
    (kept in CORPUS rather than passed to the tests, so a failing case prints only itself)."""
    root = tmp_path_factory.mktemp("fuzz")
    marker = root / "marker"
    model = gn.Sequential([gn.layers.Input(shape=(4,)), gn.layers.Dense(5, activation="relu"),
                           gn.layers.Dense(3, activation="softmax")], seed=3)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    X = np.random.default_rng(0).normal(size=(24, 4))
    Y = np.eye(3)[np.arange(24) % 3]
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    model.save(root / "m.gn")
    seeds: dict[str, list[bytes]] = {"model": [(root / "m.gn").read_bytes()]}
    gn.save_checkpoint(model, root / "c.gnc")
    seeds["checkpoint"] = [(root / "c.gnc").read_bytes()]
    members = [gn.Sequential([gn.layers.Input(shape=(4,)), gn.layers.Dense(3, "tanh"),
                              gn.layers.Dropout(0.1 * (k + 1)), gn.layers.Dense(2)], seed=k)
               for k in range(3)]
    for member in members:
        member.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                       optimizer="adam")
    pop = Population(members)
    pop.fit(X, np.arange(24) % 2, epochs=1, batch_size=12)
    pop.save(root / "p.gnp")
    seeds["population"] = [(root / "p.gnp").read_bytes()]
    # members with BatchNormalization: the file holds their moving statistics
    bn_members = [gn.Sequential([gn.layers.Input(shape=(4,)), gn.layers.BatchNormalization(),
                                 gn.layers.Dense(3, "tanh"),
                                 gn.layers.BatchNormalization(center=False),
                                 gn.layers.Dense(2)], seed=k) for k in range(3)]
    for member in bn_members:
        member.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                       optimizer="adam")
    bn_pop = Population(bn_members)
    bn_pop.fit(X, np.arange(24) % 2, epochs=1, batch_size=12)
    bn_pop.save(root / "p_bn.gnp")
    seeds["population_bn"] = [(root / "p_bn.gnp").read_bytes()]
    evil = _npy(np.array([_Payload(str(marker))], dtype=object), allow_pickle=True)
    seeds["model"].append(_zip(_members(seeds["model"][0])[:1] + [("w0.npy", evil)]))
    buf = pyio.BytesIO()
    np.savez(buf, X=X.astype(np.float32), y=np.arange(24) % 3)
    npz = buf.getvalue()
    buf = pyio.BytesIO()
    np.savez_compressed(buf, X=X, y=(np.arange(24) % 3).astype(np.uint8))
    seeds["npz"] = [npz, buf.getvalue(), _zip([("X.npy", _npy(X)), ("y.npy", evil)])]
    seeds["npy"] = [_npy(X), _npy(np.arange(10, dtype=">i8")), evil,
                    pickle.dumps(_Payload(str(marker)))]
    lines = ["a,b,c,label"] + [f"{r[0]:.5f},{r[1]:.3e},{r[2]},{i % 3}" for i, r in enumerate(X)]
    seeds["csv"] = ["\n".join(lines).encode() + b"\n"]
    CORPUS.update(root=root, marker=marker, seeds=seeds)
    yield
    if REPORT:
        Path(REPORT).write_text(json.dumps(STATS, indent=2) + "\n")


# ----------------------------------------------------------------------------- mutations

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.sampled_from([2**25, 2**31, 2**40, 2**63, -1, 0])
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
    | st.sampled_from(["os.system", "eval", "__import__", "Dense", "relu", "float64", "object"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += _paths(child, prefix + (i,))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def _header(shape: tuple[int, ...], descr: str) -> bytes:
    text = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape}, }}"
    text += " " * (63 - (len(text) + 10) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


@st.composite
def _bytes_mutation(draw: st.DrawFn, blob: bytes) -> tuple[str, bytes]:
    data = bytearray(blob)
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "overwrite", "splice"]))
    n = max(len(data), 1)
    if kind == "flip":
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, n - 1))
            if data:
                data[i] ^= 1 << draw(st.integers(0, 7))
    elif kind == "truncate":
        data = data[: draw(st.integers(0, n - 1))]
    elif kind == "insert":
        i = draw(st.integers(0, n))
        data[i:i] = draw(st.binary(min_size=1, max_size=64))
    elif kind == "overwrite":
        i = draw(st.integers(0, n - 1))
        chunk = draw(st.binary(min_size=1, max_size=16))
        data[i:i + len(chunk)] = chunk
    else:
        i, j = sorted(draw(st.lists(st.integers(0, n), min_size=2, max_size=2)))
        data = data[:i] + data[j:] + data[i:j]
    return kind, bytes(data)


@st.composite
def _zip_mutation(draw: st.DrawFn, blob: bytes) -> tuple[str, bytes]:
    members = _members(blob)
    kind = draw(st.sampled_from(["json", "json", "drop", "duplicate", "rename", "replace",
                                 "declare", "dtype", "deflate", "add"]))
    i = draw(st.integers(0, len(members) - 1))
    name, data = members[i]
    compression = zipfile.ZIP_STORED
    config = [k for k, (n, _) in enumerate(members) if n == "__glassnet__.npy"]
    if kind == "json" and config:
        i = config[0]
        name, data = members[i]
        doc = json.loads(np.load(pyio.BytesIO(data)).tobytes())
        choice = draw(st.integers(0, 3))
        if choice == 0:
            raw = ("[" * draw(st.integers(60, 3000))).encode()
        else:
            where = draw(st.sampled_from(_paths(doc)))
            doc = _set(doc, where, draw(_json_values))
            raw = json.dumps(doc).encode()
        members[i] = (name, _npy(np.frombuffer(raw, np.uint8)))
    elif kind == "drop":
        del members[i]
    elif kind == "duplicate":
        members.append(members[i])
    elif kind == "rename":
        members[i] = (draw(st.sampled_from(["w99.npy", "w01.npy", "x.npy", "../w0.npy", "y"])),
                      data)
    elif kind == "replace":
        members[i] = (name, draw(st.binary(max_size=256)))
    elif kind == "declare":
        shape = tuple(draw(st.lists(st.sampled_from([0, 1, 3, 2**20, 2**31, 2**40]),
                                    max_size=3)))
        members[i] = (name, _header(shape, "<f4") + data[128:])
    elif kind == "dtype":
        descr = draw(st.sampled_from(["<c8", "|O", "<U3", "|V8", "<M8[s]", "<f2", ">f8",
                                      "|b1", "<i8", "[('a', '<f4')]"]))
        members[i] = (name, _header((2,), descr) + b"\x00" * 16)
    elif kind == "deflate":
        compression = zipfile.ZIP_DEFLATED
    elif kind == "add":
        members.append((draw(st.sampled_from(["w9.npy", "extra.npy", "__glassnet__.npy"])),
                        data))
    return kind, _zip(members, compression)


@st.composite
def _csv_mutation(draw: st.DrawFn, blob: bytes) -> tuple[str, bytes]:
    lines = blob.split(b"\n")
    kind = draw(st.sampled_from(["cell", "cell", "line", "bytes", "encoding"]))
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "cell":
        cells = lines[i].split(b",")
        j = draw(st.integers(0, len(cells) - 1))
        cells[j] = draw(st.sampled_from([
            b"1e39", b"-1e39", b"1e999", b"nan", b"inf", b"9" * 30, b"-" + b"9" * 25,
            str(2**63).encode(), b'"1,2"', b'"', b"\x00", b"1_000", b"\xff\xfe", b"",
            b"0x10", b"\xd9\xa1", "\u0661".encode(), b"1e-400", b"3.4028236e38",
        ]) | st.binary(max_size=12))
        lines[i] = b",".join(cells)
    elif kind == "line":
        lines.insert(i, draw(st.sampled_from([b"", b",,,,", b"1,2", b"1,2,3,4,5",
                                              b'"' + b"x" * 200_000 + b'"', b"a,b,c,d"])))
    elif kind == "encoding":
        return kind, b"\n".join(lines).decode("utf-8").encode(
            draw(st.sampled_from(["utf-16", "latin-1", "utf-8-sig", "cp1252"])))
    else:
        return draw(_bytes_mutation(b"\n".join(lines)))
    return kind, b"\n".join(lines)


# ----------------------------------------------------------------------------- the harness


def _run(target: str, kind: str, data: bytes,
         loader: Callable[[Path], Any], suffix: str) -> None:
    path = CORPUS["root"] / f"case{suffix}"
    path.write_bytes(data)
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        loader(path)
        outcome = "loaded"
    except GlassnetError as exc:
        outcome = type(exc).__name__
        assert str(path) in str(exc) or path.name in str(exc), f"message names no file: {exc}"
    except BaseException:
        STATS["escapes"] += 1
        raise
    finally:
        growth = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        STATS["cases"] += 1
        key = f"{target}:{outcome}" if "outcome" in locals() else f"{target}:escape"
        STATS["outcomes"][key] = STATS["outcomes"].get(key, 0) + 1
        if growth > STATS["max_memory_growth"]:
            STATS["max_memory_growth"] = growth
            STATS["max_growth_case"] = f"{target}/{kind} ({len(data):,} bytes)"
    assert not CORPUS["marker"].exists(), "a payload ran"
    assert growth <= MEMORY_BOUND, f"{target}/{kind}: {growth:,} bytes traced"


def _load_arrays(path: Path) -> Any:
    return load_arrays(path)


@FUZZ
@given(data=st.data())
def test_fuzz_model_files(data: st.DataObject) -> None:
    blob = data.draw(st.sampled_from(CORPUS["seeds"]["model"]))
    structured = data.draw(st.booleans()) and blob is CORPUS["seeds"]["model"][0]
    kind, mutated = data.draw(_zip_mutation(blob) if structured else _bytes_mutation(blob))
    _run("model", kind, mutated, gn.load_model, ".gn")


@FUZZ
@given(data=st.data())
def test_fuzz_checkpoints(data: st.DataObject) -> None:
    blob = CORPUS["seeds"]["checkpoint"][0]
    structured = data.draw(st.booleans())
    kind, mutated = data.draw(_zip_mutation(blob) if structured else _bytes_mutation(blob))
    _run("checkpoint", kind, mutated, gn.load_model, ".gnc")


@FUZZ
@given(data=st.data())
def test_fuzz_population_checkpoints(data: st.DataObject) -> None:
    blob = CORPUS["seeds"]["population"][0]
    structured = data.draw(st.booleans())
    kind, mutated = data.draw(_zip_mutation(blob) if structured else _bytes_mutation(blob))
    _run("population", kind, mutated, load_population, ".gnp")


@FUZZ
@given(data=st.data())
def test_fuzz_population_checkpoints_with_moving_statistics(data: st.DataObject) -> None:
    blob = CORPUS["seeds"]["population_bn"][0]
    structured = data.draw(st.booleans())
    kind, mutated = data.draw(_zip_mutation(blob) if structured else _bytes_mutation(blob))
    _run("population_bn", kind, mutated, load_population, ".gnp")


@FUZZ
@given(data=st.data())
def test_fuzz_npz_and_npy(data: st.DataObject) -> None:
    npz = data.draw(st.booleans())
    blob = data.draw(st.sampled_from(CORPUS["seeds"]["npz" if npz else "npy"]))
    structured = npz and blob[:2] == b"PK" and data.draw(st.booleans())
    kind, mutated = data.draw(_zip_mutation(blob) if structured else _bytes_mutation(blob))
    _run("npz" if npz else "npy", kind, mutated, _load_arrays, ".npz" if npz else ".npy")


@FUZZ
@given(data=st.data())
def test_fuzz_csv(data: st.DataObject) -> None:
    kind, mutated = data.draw(_csv_mutation(CORPUS["seeds"]["csv"][0]))
    _run("csv", kind, mutated, load_csv, ".csv")
