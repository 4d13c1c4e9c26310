"""Hypothesis fuzzing of the surfaces beyond glassnet's own files (issue 20): Keras files
(.keras zip + config.json, .weights.h5), torch modules given to ``from_torch``, the
playground's request handlers (Starlette TestClient), the scikit-learn estimators with
hostile arrays, and the model's mutating calls with hostile arguments.

Each case must end in success or a glassnet error (the scikit-learn estimators may also
raise a ValueError/TypeError/ArithmeticError where scikit-learn's own MLP refuses the same
call: their contract; those are counted apart, with the calls where the two refuse with
different types, and, in long runs, those glassnet accepts and scikit-learn refuses),
never another exception; a refused call must leave the model (or estimator, or playground)
as it was; and no case's traced memory may grow beyond :data:`MEMORY_BOUND`.

``make test`` runs a short derandomized pass. The long run, as tests/test_fuzz_files.py::

    GLASSNET_FUZZ_EXAMPLES=3000 GLASSNET_FUZZ_REPORT=fuzz.json pytest tests/test_fuzz_surfaces.py

takes that many fresh examples per surface and writes, per surface, the cases, outcomes,
non-glassnet exceptions, refused calls that changed state and the largest memory growth to
``fuzz.surfaces.json`` (next to the ``fuzz.json`` of tests/test_fuzz_files.py).
"""

from __future__ import annotations

import io
import json
import os
import re
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
from glassnet.errors import GlassnetError

EXAMPLES = int(os.environ.get("GLASSNET_FUZZ_EXAMPLES", "40"))
LONG = "GLASSNET_FUZZ_EXAMPLES" in os.environ
REPORT = os.environ.get("GLASSNET_FUZZ_REPORT")
#: No case (files under 64 KB, arrays of a few thousand values) may trace more than this.
MEMORY_BOUND = 48 * 2**20
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
KERAS_DIR = Path(__file__).resolve().parent / "data" / "keras"
KERAS_NAMES = ["dense_relu_tanh_softmax", "layers_zoo", "dense_sigmoid_nobias_linear"]

STATS: dict[str, dict[str, Any]] = {}


def _stats(surface: str) -> dict[str, Any]:
    return STATS.setdefault(surface, {"cases": 0, "outcomes": {}, "non_glassnet": 0,
                                      "peer_errors": 0, "state_changed": 0,
                                      "max_memory_growth": 0})


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if REPORT:
        Path(REPORT).with_suffix(".surfaces.json").write_text(json.dumps(STATS, indent=2) + "\n")


def run_case(surface: str, call: Callable[[], Any], snapshot: Callable[[], Any] | None = None,
             peer: tuple[type[BaseException], ...] = (), names: str | None = None) -> str:
    """Run one case; record and check it (see the module docstring). ``names``: a text every
    glassnet error's message must contain (the file)."""
    stats = _stats(surface)
    before = snapshot() if snapshot is not None else None
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    outcome = "escape"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GlassnetWarnings on odd but valid setups
            call()
        outcome = "ok"
    except GlassnetError as exc:
        outcome = type(exc).__name__
        if names is not None:
            assert names in str(exc), f"the message names no {names!r}: {exc}"
    except peer as exc:
        outcome = f"peer:{type(exc).__name__}"
        stats["peer_errors"] += 1
    except BaseException as exc:
        stats["non_glassnet"] += 1
        stats["outcomes"][f"escape:{type(exc).__name__}"] = \
            stats["outcomes"].get(f"escape:{type(exc).__name__}", 0) + 1
        raise
    finally:
        growth = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        stats["cases"] += 1
        stats["max_memory_growth"] = max(stats["max_memory_growth"], growth)
    stats["outcomes"][outcome] = stats["outcomes"].get(outcome, 0) + 1
    if outcome != "ok" and snapshot is not None:
        if snapshot() != before:
            stats["state_changed"] += 1
            raise AssertionError(f"{surface}: a refused call ({outcome}) changed the state")
    assert growth <= MEMORY_BOUND, f"{surface}: {growth:,} bytes traced"
    return outcome


def weights_of(model: gn.Sequential) -> list[bytes]:
    return [w.tobytes() for w in model.get_weights()]


# ----------------------------------------------------------------------------- Keras files


def _flip(draw: st.DrawFn, data: bytes) -> bytes:
    out = bytearray(data)
    kind = draw(st.sampled_from(["flip", "truncate", "overwrite", "insert"]))
    if kind == "truncate":
        return bytes(out[:draw(st.integers(0, max(len(out) - 1, 0)))])
    if kind == "insert":
        i = draw(st.integers(0, len(out)))
        out[i:i] = draw(st.binary(min_size=1, max_size=32))
        return bytes(out)
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, len(out) - 1))
        if kind == "flip":
            out[i] ^= 1 << draw(st.integers(0, 7))
        else:
            out[i] = draw(st.integers(0, 255))
    return bytes(out)


_hostile_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=12) | st.sampled_from([10**400, -1, 0, 2**63, 1e308, "float16",
                                              "Dense", "os.system", "relu", "gelu"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)


def _json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _json_paths(child, prefix + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += _json_paths(child, prefix + (i,))
    return out


def _config_mutation(draw: st.DrawFn, raw: bytes) -> bytes:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return draw(st.sampled_from([b"[", b"{\"a\":"])) * draw(st.integers(65, 200_000))
    if kind == 1:
        return re.sub(rb'"units": \d+', b'"units": ' + draw(st.sampled_from(
            [b"1" + b"0" * 400, b"1e400", b"-3", b"0", b"2.5", b"true", b"null", b'"16"',
             b"[16]", b"4294967297", b"100000000"])), raw, count=draw(st.integers(0, 3)))
    if kind == 2:
        return _flip(draw, raw)
    doc = json.loads(raw)
    where = draw(st.sampled_from(_json_paths(doc)))
    value = draw(_hostile_json)
    if not where:
        return json.dumps(value).encode()
    target = doc
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    return json.dumps(doc).encode()


def _h5_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    h5py = pytest.importorskip("h5py")
    buf = io.BytesIO(data)
    with h5py.File(buf, "r+") as f:
        names: list[str] = []
        f.visit(names.append)
        datasets = [n for n in names if isinstance(f[n], h5py.Dataset)]
        groups = [n for n in names if isinstance(f[n], h5py.Group)]
        kind = draw(st.integers(0, 3))
        if kind == 0 and datasets:
            name = draw(st.sampled_from(datasets))
            shape = tuple(draw(st.lists(st.integers(0, 20), max_size=3)))
            dtype = draw(st.sampled_from(["<f4", "<f8", "<f2", "<i8", "<u1", "|b1", "<c8",
                                          "S3"]))
            fill = draw(st.sampled_from([0.0, 1e300, -1e300, float("nan"), float("inf"),
                                         70000.0, 1.0]))
            del f[name]
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f[name] = np.full(shape, fill).astype(dtype)
        elif kind == 1 and (datasets or groups):
            del f[draw(st.sampled_from(datasets + groups))]
        elif kind == 2 and groups:
            group = draw(st.sampled_from(groups))
            key = f"{group}/{draw(st.sampled_from(['0', '2', '99', 'x']))}"
            if key in f:
                del f[key]
            f[key] = np.zeros(3)
        elif datasets:  # a dataset reached through a soft link (refused: hard links only)
            name = draw(st.sampled_from(datasets))
            f.move(name, "moved_away")
            f[name] = h5py.SoftLink("/moved_away")
    return buf.getvalue()


def _rezip(data: bytes, config: bytes | None, weights: bytes | None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as z, zipfile.ZipFile(out, "w") as o:
        for name in z.namelist():
            member = z.read(name)
            if name == "config.json" and config is not None:
                member = config
            if name == "model.weights.h5" and weights is not None:
                member = weights
            o.writestr(name, member)
    return out.getvalue()


@FUZZ
@given(data=st.data())
def test_fuzz_keras_files(data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
                          ) -> None:
    pytest.importorskip("h5py")
    from glassnet.interop import from_keras, load_keras_weights

    name = data.draw(st.sampled_from(KERAS_NAMES))
    archive = (KERAS_DIR / f"{name}.keras").read_bytes()
    weights = (KERAS_DIR / f"{name}.weights.h5").read_bytes()
    root = tmp_path_factory.getbasetemp()
    kind = data.draw(st.sampled_from(["archive bytes", "config", "h5 in archive",
                                      "weights bytes", "weights h5"]))
    if kind == "archive bytes":
        path, blob = root / "case.keras", data.draw(st.composite(_flip)(archive))
    elif kind == "config":
        with zipfile.ZipFile(io.BytesIO(archive)) as z:
            raw = z.read("config.json")
        path = root / "case.keras"
        blob = _rezip(archive, data.draw(st.composite(_config_mutation)(raw)), None)
    elif kind == "h5 in archive":
        path = root / "case.keras"
        blob = _rezip(archive, None, data.draw(st.composite(_h5_mutation)(weights)))
    elif kind == "weights bytes":
        path, blob = root / "case.weights.h5", data.draw(st.composite(_flip)(weights))
    else:
        path, blob = root / "case.weights.h5", data.draw(st.composite(_h5_mutation)(weights))
    path.write_bytes(blob)
    clean = weights_of(from_keras(KERAS_DIR / f"{name}.keras"))
    loaded: list[gn.Sequential] = []
    if path.suffix == ".keras":
        outcome = run_case("keras", lambda: loaded.append(from_keras(path)), names=str(path))
    else:
        model = from_keras(KERAS_DIR / f"{name}.keras")

        def load() -> None:
            load_keras_weights(model, path)
            assert all(np.isfinite(w).all() for w in model.get_weights())
            loaded.append(model)

        outcome = run_case("keras", load, snapshot=lambda: weights_of(model), names=str(path))
    if outcome == "ok" and weights_of(loaded[0]) != clean:
        # HDF5 keeps no checksum (see the README): counted for the report
        stats = _stats("keras")
        stats["loaded_with_changed_weights"] = stats.get("loaded_with_changed_weights", 0) + 1


# ----------------------------------------------------------------------------- torch modules


@st.composite
def _torch_module(draw: st.DrawFn) -> Any:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    dtype = draw(st.sampled_from([torch.float32, torch.float64, torch.float16]))
    layers: list[Any] = []
    width = draw(st.integers(1, 6))
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["linear", "linear", "act", "bn", "dropout", "softmax",
                                     "leaky", "identity", "other"]))
        if kind == "linear":
            out = draw(st.integers(1, 6))
            n_in = width if draw(st.integers(0, 5)) else draw(st.integers(1, 6))
            layer = nn.Linear(n_in, out, bias=draw(st.booleans()))
            fill = draw(st.sampled_from([None, None, float("nan"), float("inf"), 1e300,
                                         -1e38, 3e38]))
            if fill is not None:
                layer = layer.double() if abs(fill) > 3.4e38 else layer
                with torch.no_grad():
                    layer.weight.fill_(fill)
            layers.append(layer)
            width = out
        elif kind == "act":
            layers.append(draw(st.sampled_from([nn.ReLU, nn.Tanh, nn.Sigmoid]))())
        elif kind == "bn":
            bn = nn.BatchNorm1d(width, eps=draw(st.sampled_from([1e-5, 0.0, -1.0, 1e300])),
                                momentum=draw(st.sampled_from([0.1, None, 0.0, 2.0, -1.0])),
                                affine=draw(st.booleans()),
                                track_running_stats=draw(st.booleans()))
            if bn.running_var is not None:
                bn.running_var.fill_(draw(st.sampled_from([1.0, -1.0, 0.0, float("nan")])))
            layers.append(bn)
        elif kind == "dropout":
            layers.append(nn.Dropout(draw(st.sampled_from([0.0, 0.5, 1.0]))))
        elif kind == "softmax":
            layers.append(nn.Softmax(dim=draw(st.sampled_from([-1, 1, 0, None]))))
        elif kind == "leaky":
            layers.append(nn.LeakyReLU(draw(st.sampled_from([0.01, -1.0, float("nan"),
                                                             float("inf"), 1e300]))))
        elif kind == "identity":
            layers.append(nn.Identity())
        else:
            layers.append(draw(st.sampled_from([nn.GELU(), nn.Flatten(),
                                                nn.Conv1d(1, 1, 1)])))
    module = nn.Sequential(*layers)
    if dtype != torch.float32 and draw(st.booleans()):
        module = module.to(dtype)
    return module


@FUZZ
@given(module=_torch_module())
def test_fuzz_from_torch(module: Any) -> None:
    from glassnet.interop import from_torch

    run_case("torch", lambda: from_torch(module))


# ----------------------------------------------------------------------------- scikit-learn

_cells = st.sampled_from([0.0, 1.0, -2.5, float("nan"), float("inf"), -float("inf"), 1e300,
                          -1e308, 70000.0, 1e-320, 3, 2**63, "a", None, True, 1j])


@st.composite
def _hostile_array(draw: st.DrawFn, rows: int, cols: int | None) -> Any:
    kind = draw(st.integers(0, 6))
    if kind == 0:  # clean floats with a few hostile cells
        shape = (rows, cols) if cols else (rows,)
        a: Any = np.random.default_rng(draw(st.integers(0, 9))).normal(size=shape)
        a = a.astype(object) if draw(st.booleans()) else a
        for _ in range(draw(st.integers(0, 3))):
            idx = tuple(draw(st.integers(0, s - 1)) for s in a.shape) if a.size else ()
            if idx:
                try:
                    a[idx] = draw(_cells)
                except (TypeError, ValueError, OverflowError):
                    pass
        return a
    if kind == 1:  # wrong number of dimensions or rows
        return np.zeros(tuple(draw(st.lists(st.integers(0, 4), max_size=4))))
    if kind == 2:
        return draw(st.sampled_from([None, "X", 3.0, [], [[]], [[1, 2], [3]], {"a": 1}]))
    if kind == 3:
        dtype = draw(st.sampled_from(["float16", "int8", "uint64", "bool", "complex64", "U3",
                                      "datetime64[s]"]))
        return np.ones((rows, cols) if cols else (rows,)).astype(dtype)
    if kind == 4:
        return [[10**400] * (cols or 1)] * rows if cols else [10**400] * rows
    if kind == 5:
        return np.full((rows, cols) if cols else (rows,), draw(_cells), dtype=object)
    shape = (rows, cols) if cols else (rows,)
    return np.random.default_rng(1).integers(0, 3, size=shape)


_SK: dict[str, Any] = {}


def _fitted(kind: str, library: str = "glassnet") -> Any:
    """A fitted estimator (``library``: glassnet's, or scikit-learn's own for comparing what
    each raises) and a probe X whose predictions tell whether it changed."""
    if (kind, library) not in _SK:
        if library == "glassnet":
            from glassnet.sklearn import MLPClassifier, MLPRegressor
        else:
            from sklearn.neural_network import (  # type: ignore[assignment]
                MLPClassifier,
                MLPRegressor,
            )

        rng = np.random.default_rng(0)
        X = rng.normal(size=(30, 3))
        est = (MLPClassifier if kind == "classifier" else MLPRegressor)(
            hidden_layer_sizes=(4,), max_iter=3, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, np.arange(30) % 3 if kind == "classifier" else X[:, 0])
        _SK[kind, library] = (est, X[:5])
    return _SK[kind, library]


class PeerError(Exception):
    """scikit-learn's own estimator refused the same call too."""


@FUZZ
@given(data=st.data())
def test_fuzz_sklearn_estimators(data: st.DataObject) -> None:
    pytest.importorskip("sklearn")
    kind = data.draw(st.sampled_from(["classifier", "regressor"]))
    est, probe = _fitted(kind)
    rows = data.draw(st.integers(0, 12))
    X = data.draw(_hostile_array(rows, data.draw(st.sampled_from([3, 3, 1, 0]))))
    call = data.draw(st.sampled_from(["fit", "predict", "partial_fit", "score"]))
    y = data.draw(_hostile_array(rows if data.draw(st.integers(0, 4)) else rows + 1, None))

    def snapshot() -> bytes:
        return np.asarray(est.predict(probe)).tobytes()

    def on(target: Any) -> None:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if call == "fit":
                target.fit(X, y)
            elif call == "partial_fit":
                if kind == "classifier":
                    target.partial_fit(X, y, classes=target.classes_)
                else:
                    target.partial_fit(X, y)
            elif call == "score":
                target.score(X, y)
            else:
                target.predict(X)

    def reference_outcome() -> str:
        """What scikit-learn's own MLP does with the same call: "ok" or the error's type."""
        try:
            on(_fitted(kind, "sklearn")[0])
        except Exception as theirs:
            return type(theirs).__name__
        finally:
            _SK.pop((kind, "sklearn"), None)
        return "ok"

    def act() -> None:
        try:
            on(est)
        except GlassnetError:
            raise
        except (ValueError, TypeError, ArithmeticError) as exc:
            # the contract: scikit-learn's own MLP refuses the same call too (with several
            # faults in one call, each may name another first: the types are counted)
            theirs = reference_outcome()
            stats = _stats("sklearn")
            if theirs != "ok":
                if theirs != type(exc).__name__:
                    stats["type_divergences"] = stats.get("type_divergences", 0) + 1
                    examples = stats.setdefault("examples", [])
                    if len(examples) < 10:
                        examples.append(f"{kind}.{call}: glassnet {type(exc).__name__}: "
                                        f"{str(exc)[:80]}; scikit-learn: {theirs}")
                raise PeerError(f"{type(exc).__name__}: {exc}") from exc
            raise
        else:
            if LONG and (theirs := reference_outcome()) != "ok":  # counted, for the report
                stats = _stats("sklearn")
                stats["accepted_where_sklearn_refuses"] = \
                    stats.get("accepted_where_sklearn_refuses", 0) + 1
                accepted = stats.setdefault("accepted_examples", [])
                if len(accepted) < 10:
                    accepted.append(f"{kind}.{call}: X {np.asarray(X).dtype} "
                                    f"{np.shape(X)}, y {np.asarray(y).dtype} {np.shape(y)}; "
                                    f"scikit-learn: {theirs}")

    # fit starts afresh (scikit-learn's own MLP too resets n_features_in_ before it refuses
    # labels), so only the calls that must not touch a fitted estimator are compared
    try:
        run_case("sklearn", act, snapshot=None if call == "fit" else snapshot,
                 peer=(PeerError,))
    finally:
        _SK.pop((kind, "glassnet"), None)  # a case that fitted changed it: afresh next


# ----------------------------------------------------------------------------- playground


@pytest.fixture(scope="module")
def play() -> Iterator[Any]:
    pytest.importorskip("starlette")
    from glassnet.play.app import create_app
    from glassnet.play.security import allowed_hosts
    from glassnet.play.worker import Worker

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    worker = Worker()
    token = "fuzz-token-0123456789abcdef0123456789"
    app = create_app(worker, token=token, hosts=allowed_hosts("127.0.0.1", 8767))
    headers = {"X-Glassnet-Token": token, "Origin": "http://127.0.0.1:8767",
               "Content-Type": "application/json"}
    with TestClient(app, base_url="http://127.0.0.1:8767",
                    raise_server_exceptions=False) as client:
        client.post("/api/config", content=b"{}", headers=headers)
        yield client, worker, headers
    worker.close()


_PLAY_KEYS = st.sampled_from(["dataset", "n_samples", "noise", "n_classes", "test_fraction",
                              "data_seed", "hidden", "activation", "initializer", "constant",
                              "optimizer", "learning_rate", "batch_size", "seed", "compare",
                              "regularization", "reg_rate", "dropout", "stop_epochs",
                              "action", "variant", "name", "text", "unknown"])


_PLAY_VALUES = ["1" + "0" * 400, "1e400", "-0", "NaN", "Infinity", "[[[[1]]]]", '"\\ud800"',
                "1" * 5000]


@st.composite
def _request(draw: st.DrawFn) -> tuple[str, str, bytes]:
    kind = draw(st.integers(0, 4))
    path = draw(st.sampled_from(["/api/config", "/api/control", "/api/focus", "/api/upload"]))
    if kind == 0:
        body = json.dumps(draw(st.dictionaries(_PLAY_KEYS, _hostile_json, max_size=5)))
    elif kind == 1:
        body = draw(st.sampled_from(["[", "{\"a\":"])) * draw(st.integers(1, 30_000))
    elif kind == 2:
        key = draw(_PLAY_KEYS)
        value = draw(st.sampled_from(_PLAY_VALUES))
        body = f'{{"{key}": {value}}}'
    elif kind == 3:
        return "GET", "/api/unit?" + draw(st.sampled_from(
            ["variant=0&unit=0&layer=x", "variant=" + "9" * 5000, "unit=-1", "variant=a",
             "variant=0&unit=1" + "0" * 400 + "&layer=dense"])), b""
    else:
        text = draw(st.text(max_size=400) | st.sampled_from(
            ["a,b,label\n1,2,0\n", "a,b\n" + "1,2\n" * 5, "x,y,label\n1e999,1,0\n2,3,1\n",
             "a,label\n" + "\n".join(f"{i},{i % 2}" for i in range(50))]))
        path = "/api/upload"
        body = json.dumps({"name": draw(st.text(max_size=20)), "text": text})
    return "POST", path, body.encode("utf-8", "surrogatepass")[:60_000]


@FUZZ
@given(request=_request())
def test_fuzz_playground_requests(play: Any, request: tuple[str, str, bytes]) -> None:
    client, worker, headers = play
    method, path, body = request

    def snapshot() -> str:
        state = worker.state()
        state.pop("stats", None)
        state.pop("step", None)
        return json.dumps(state, sort_keys=True)

    def send() -> None:
        if method == "GET":
            r = client.get(path, headers=headers)
        else:
            r = client.post(path, content=body, headers=headers)
        if r.status_code >= 500:
            raise RuntimeError(f"{method} {path} answered {r.status_code}: {r.text[:200]}")
        if r.status_code != 200:
            assert "error" in r.json()
            raise gn.ConfigError(r.json()["error"])  # a refusal: the state must not move

    try:
        run_case("playground", send, snapshot=snapshot)
    finally:
        if worker.playing:
            client.post("/api/control", content=b'{"action": "pause"}', headers=headers)


# ----------------------------------------------------------------------------- model calls


def _model_snapshot(model: gn.Sequential) -> Any:
    opt = model.optimizer
    state = opt.get_state() if opt is not None else None
    return (model.built, [w.tobytes() for w in model.get_weights()] if model.built else None,
            id(opt), None if state is None else (state["iterations"], {
                k: [a.tobytes() for a in v] for k, v in state["slots"].items()}),
            id(model.loss), [id(m) for m in model.metrics], model.fused_output,
            id(model.history), None if model.history is None else repr(model.history.history),
            model.epochs_trained, [getattr(layer, "adapted", None) for layer in model.layers])


_args = st.sampled_from([None, 0, -1, 1.5, 10**400, 1e400, float("nan"), "nope", "adam",
                         "mse", [], ["accuracy", "nope"], ["accuracy"], {"name": "x"},
                         {"class_name": "Adam", "config": {"learning_rate": -1}}, True,
                         b"bytes", np.zeros(3), object()])


@FUZZ
@given(data=st.data())
def test_fuzz_model_calls(data: st.DataObject) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = np.arange(20) % 2
    norm = gn.layers.Normalization()
    norm.adapt(X)
    model = gn.Sequential([gn.layers.Input(shape=(3,)), norm,
                           gn.layers.Dense(4, activation="tanh"),
                           gn.layers.Dense(2, activation="softmax")], seed=1)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                  metrics=["accuracy"])
    model.fit(X, y, epochs=1, batch_size=8, verbose=0)
    call = data.draw(st.sampled_from(["compile", "fit", "set_weights", "adapt", "evaluate",
                                      "predict"]))
    if call == "compile":
        kwargs = data.draw(st.dictionaries(st.sampled_from(["loss", "optimizer", "metrics"]),
                                           _args, max_size=3))
        act: Callable[[], Any] = lambda: model.compile(**kwargs)  # noqa: E731
    elif call == "fit":
        kwargs = data.draw(st.dictionaries(st.sampled_from(
            ["epochs", "batch_size", "validation_split", "shuffle", "seed", "verbose",
             "initial_epoch", "block_size"]), _args, max_size=2))
        epochs = kwargs.get("epochs")
        if isinstance(epochs, int) and epochs > 2:
            kwargs["epochs"] = 2  # a valid fit of 10**400 epochs would run, as it should
        Xf = data.draw(st.sampled_from([X, X[:, :2], X[:0], np.full_like(X, np.nan), X * 1e300]))
        yf = data.draw(st.sampled_from([y, y[:5], y + 5, y.astype(float) + 0.5, -y]))
        act = lambda: model.fit(Xf, yf, **{"verbose": 0, **kwargs})  # noqa: E731
    elif call == "set_weights":
        weights = model.get_weights()
        i = data.draw(st.integers(0, len(weights) - 1))
        bad = data.draw(st.sampled_from(["shape", "nan", "huge", "negvar", "drop", "type"]))
        new: Any = [w.astype(np.float64) for w in weights]
        if bad == "shape":
            new[i] = np.zeros(new[i].shape + (1,))
        elif bad == "nan":
            new[i] = np.full(new[i].shape, np.nan)
        elif bad == "huge":
            new[i] = np.full(new[i].shape, 1e300)
        elif bad == "negvar":
            new[1] = -np.ones_like(new[1])
        elif bad == "drop":
            new = new[:i]
        else:
            new[i] = data.draw(_args)
        act = lambda: model.set_weights(new)  # noqa: E731
    elif call == "adapt":
        arr = data.draw(st.sampled_from([X[:, :2], np.full_like(X, np.inf), X * 1e200,
                                         np.zeros((0, 3)), "X", X.astype(object)]))
        act = lambda: model.layers[0].adapt(arr)  # noqa: E731
    elif call == "evaluate":
        arr = data.draw(st.sampled_from([X[:, :2], np.full_like(X, np.nan), None]))
        act = lambda: model.evaluate(arr, y, verbose=0)  # noqa: E731
    else:
        arr = data.draw(st.sampled_from([X[:, :2], np.full_like(X, np.nan), None, X[0],
                                         [[1, 2, "a"]]]))
        act = lambda: model.predict(arr)  # noqa: E731
    with np.errstate(all="ignore"):
        run_case("model calls", act, snapshot=lambda: _model_snapshot(model))


# ----------------------------------------------------------------------------- populations


@FUZZ
@given(data=st.data())
def test_fuzz_population_and_sweep(data: st.DataObject) -> None:
    pytest.importorskip("pandas")
    from glassnet.population import Population
    from glassnet.sweep import run_sweep

    model = gn.Sequential([gn.layers.Input(shape=(3,)), gn.layers.Dense(3, activation="relu"),
                           gn.layers.Dense(2, activation="softmax")], seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    pop = Population.from_model(model, seeds=[1, 2])
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), np.arange(12) % 2
    kind = data.draw(st.sampled_from(["from_model", "index", "sweep", "init"]))
    hostile = data.draw(_args | st.sampled_from([range(10**9), [1, "a"], [-1], [2**70],
                                                 (10**9,), [(10**9,)], [[0]], range(3)]))
    if kind == "from_model":
        act: Callable[[], Any] = lambda: Population.from_model(model, seeds=hostile)  # noqa: E731
    elif kind == "index":
        act = lambda: pop[hostile]  # noqa: E731
    elif kind == "init":
        act = lambda: Population(hostile)  # noqa: E731
    else:
        key = data.draw(st.sampled_from(["hidden", "seed", "learning_rate", "l2", "dropout",
                                         "initializer", "activation", "data", "nope"]))
        act = lambda: run_sweep({key: hostile}, (X, y), epochs=1, processes=1)  # noqa: E731

    def snapshot() -> Any:
        return (weights_of(model), [w.tobytes() for w in pop.get_weights(0)], pop.K)

    with np.errstate(all="ignore"):
        run_case("population and sweep", act, snapshot=snapshot)
