"""Keras 3 files in: :func:`from_keras` (``.keras``) and :func:`load_keras_weights`.

A ``.keras`` file is a zip archive of ``config.json`` (the architecture), ``metadata.json`` and
``model.weights.h5`` (the arrays, HDF5); a ``.weights.h5`` file is that HDF5 part alone.
Reading them never runs anything from the file: the JSON is parsed as data (no class named
in it is imported), and from the HDF5 file only numeric datasets at the places Keras writes
them are read (hard links only: an external link, external storage or a virtual dataset is
refused). Every failure is a :class:`glassnet.ModelFileError` naming the file (or a
:class:`glassnet.ConfigError` naming the file and the layer or option glassnet does not
have): every zip, JSON and HDF5 call runs inside one error boundary, :func:`file_boundary`,
which turns whatever those libraries raise into a ``ModelFileError``. The memory used is
bounded by the file's real size.

HDF5 keeps no checksum of its data, so a flipped bit in a weight goes unseen by the format
itself. What can be verified is: every array's shape against the architecture, its dtype
(numbers only), finite values, and values that fit the model's dtype (a float64 weight of
1e300 is refused for a float32 model rather than read as inf). glassnet's own files keep a
SHA-256 of every array (see :mod:`glassnet.io`).

Keras names each layer's HDF5 group after its class, in snake case, numbered per class in
the order of the layers (``layers/dense``, ``layers/dense_1``, ``layers/batch_normalization``):
that is how the arrays are matched to the layers, here and in :func:`load_keras_weights`.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import layers as gn_layers
from ..errors import (
    ArgumentTypeError,
    ConfigError,
    GlassnetError,
    MissingFileError,
    ModelFileError,
    OutsideSubsetError,
)
from ..io import MAX_JSON_BYTES, parse_json
from ..model import Sequential
from ._common import optional

__all__ = ["file_boundary", "from_keras", "load_keras_weights"]

Array = NDArray[Any]

#: A .keras archive may not expand its members to more than this many times its own size
#: (Keras stores them uncompressed; the bound turns a zip bomb into a clear error).
MAX_EXPANSION = 16

_KERAS_ACTIVATIONS = {"linear": "linear", "relu": "relu", "sigmoid": "sigmoid",
                      "tanh": "tanh", "softmax": "softmax", "leaky_relu": "leaky_relu"}


def _h5py() -> Any:
    return optional("h5py", "glassnet.interop's Keras reader needs h5py: "
                            "pip install 'glassnet[interop]' (or h5py alone)")


def _snake(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


# -------------------------------------------------------------------------------- the file

#: glassnet errors a reader lets through with their own type (the file's name added)
_KEEP = (ModelFileError, MissingFileError, ConfigError, OutsideSubsetError)


@contextlib.contextmanager
def file_boundary(label: str) -> Iterator[None]:
    """The error boundary of a reader of outside files: inside it, whatever h5py, zipfile,
    json or NumPy raise (``OSError``, ``KeyError``, ``OverflowError``, ``RecursionError``,
    ``MemoryError``, ...) leaves as a :class:`~glassnet.ModelFileError` naming ``label`` (the
    file). ``ModelFileError``, ``MissingFileError``, ``ConfigError`` and
    ``OutsideSubsetError`` keep their type (``label`` is added to a message that lacks it);
    other glassnet errors (a ``ShapeError`` or ``DataError`` from ``set_weights``) become
    ``ModelFileError``. ``ImportError`` (a missing optional library) passes unchanged::

        with file_boundary(str(path)):
            ... every h5py / zip / json call that reads the file ...
    """
    try:
        yield
    except ImportError:
        raise
    except _KEEP as exc:
        if label in str(exc):
            raise
        raise type(exc)(f"{label}: {exc}") from exc
    except GlassnetError as exc:
        raise ModelFileError(f"{label}: {exc}") from exc
    except Exception as exc:  # what the file made h5py / zipfile / json / numpy raise
        detail = str(exc)[:200]
        raise ModelFileError(f"{label}: cannot be read ({type(exc).__name__}"
                             f"{': ' + detail if detail else ''})") from exc


def _read_archive(path: Path) -> tuple[dict[str, Any], bytes]:
    """``config.json`` (parsed) and the bytes of ``model.weights.h5`` from a .keras file."""
    size = path.stat().st_size
    budget = MAX_EXPANSION * size + 2**20
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for needed in ("config.json", "model.weights.h5"):
                if needed not in names:
                    raise ModelFileError(f"{path}: not a Keras 3 .keras file (no {needed} in "
                                         f"the archive; it has {sorted(names)[:10]})")

            def member(name: str, limit: int) -> bytes:
                nonlocal budget
                chunks, total = [], 0
                with archive.open(name) as f:
                    while chunk := f.read(2**20):
                        total += len(chunk)
                        if total > min(limit, budget):
                            raise ModelFileError(
                                f"{path}: {name} expands to more than "
                                f"{min(limit, budget):,} bytes, far beyond the archive's "
                                f"{size:,}; refusing to read it")
                        chunks.append(chunk)
                budget -= total
                return b"".join(chunks)

            config_bytes = member("config.json", MAX_JSON_BYTES)
            weights = member("model.weights.h5", budget)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise ModelFileError(f"{path}: not a readable .keras archive ({exc})") from exc
    config = parse_json(config_bytes, f"{path}: config.json", ModelFileError)
    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: config.json holds {type(config).__name__}, "
                             f"expected an object")
    return config, weights


class _Arrays:
    """The layer arrays of a Keras weights file, read with checks (see the module doc)."""

    def __init__(self, source: bytes | Path, label: str) -> None:
        h5py = _h5py()
        self.label = label
        self.h5py = h5py
        if isinstance(source, Path):
            self.budget = MAX_EXPANSION * source.stat().st_size + 2**20
            with open(source, "rb") as f:
                data = f.read()
        else:
            data = source
            self.budget = MAX_EXPANSION * len(data) + 2**20
        try:
            self.file = h5py.File(io.BytesIO(data), "r")
        except Exception as exc:  # h5py raises OSError and friends for a damaged file
            raise ModelFileError(f"{label}: not a readable HDF5 weights file ({exc})") from exc

    def close(self) -> None:
        self.file.close()

    def _child(self, group: Any, key: str, where: str) -> Any:
        link = group.get(key, getlink=True)
        if link is None:
            return None
        if not isinstance(link, self.h5py.HardLink):
            raise ModelFileError(f"{self.label}: {where}/{key} is a {type(link).__name__}; "
                                 f"only plain (hard-linked) groups and datasets are read")
        return group[key]

    def count(self, key: str) -> int:
        """How many arrays ``layers/<key>/vars`` holds (0 if there is no such group)."""
        group = self.file
        for part in ("layers", key, "vars"):
            group = self._child(group, part, f"layers/{key}/vars")
            if group is None or not isinstance(group, self.h5py.Group):
                return 0
        return len(group)

    def layer_vars(self, key: str, shapes: list[tuple[int, ...]],
                   dtype: Any = None) -> list[Array]:
        """The arrays ``layers/<key>/vars/0..`` with the given shapes (exactly that many),
        finite, and (given ``dtype``) converted to it: a value beyond its range is refused."""
        where = f"layers/{key}/vars"
        group = self.file
        for part in ("layers", key, "vars"):
            group = self._child(group, part, where)
            if group is None or not isinstance(group, self.h5py.Group):
                if not shapes:
                    return []
                raise ModelFileError(f"{self.label}: no group {where} for a layer with "
                                     f"{len(shapes)} weight arrays")
        found = sorted(group.keys(), key=lambda k: int(k) if k.isdigit() else -1)
        if found != [str(i) for i in range(len(shapes))]:
            raise ModelFileError(f"{self.label}: {where} holds {found}, expected "
                                 f"{len(shapes)} arrays 0..{len(shapes) - 1}")
        out = []
        for i, shape in enumerate(shapes):
            ds = self._child(group, str(i), where)
            if not isinstance(ds, self.h5py.Dataset):
                raise ModelFileError(f"{self.label}: {where}/{i} is not a dataset")
            if ds.external or ds.is_virtual:
                raise ModelFileError(f"{self.label}: {where}/{i} keeps its data outside the "
                                     f"file; refusing to read it")
            if ds.dtype.kind not in "fiu" or ds.dtype.itemsize not in (1, 2, 4, 8):
                raise ModelFileError(f"{self.label}: {where}/{i} holds {ds.dtype}, expected "
                                     f"numbers")
            if tuple(ds.shape) != tuple(shape):
                raise ModelFileError(f"{self.label}: {where}/{i} has shape {ds.shape}, "
                                     f"expected {tuple(shape)}")
            nbytes = int(np.prod(shape, dtype=np.int64)) * ds.dtype.itemsize
            if nbytes > self.budget:
                raise ModelFileError(f"{self.label}: {where}/{i} would take {nbytes:,} bytes, "
                                     f"more than the file can hold; refusing to read it")
            self.budget -= nbytes
            try:
                a = np.asarray(ds[()])
            except Exception as exc:
                raise ModelFileError(f"{self.label}: {where}/{i} cannot be read "
                                     f"({exc})") from exc
            out.append(_checked_values(a, dtype, f"{self.label}: {where}/{i}"))
        return out


def _checked_values(a: Array, dtype: Any, where: str) -> Array:
    """``a`` finite and, given ``dtype``, converted to it without overflow."""
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise ModelFileError(f"{where} holds NaN or infinite values")
    if dtype is None:
        return a
    with np.errstate(over="ignore", invalid="ignore"):
        converted = a.astype(dtype)
    if not np.isfinite(converted).all():
        biggest = float(np.max(np.abs(a.astype(np.float64))))
        raise ModelFileError(f"{where} holds values up to {biggest:.3g}, beyond the range of "
                             f"the model's {np.dtype(dtype).name}")
    return converted


# -------------------------------------------------------------------------------- the layers


def _option(cfg: dict[str, Any], layer: str, key: str, allowed: Any) -> None:
    """An option that must keep its default (``allowed``: a value or a tuple of values)."""
    value = cfg.get(key, allowed[0] if isinstance(allowed, tuple) else allowed)
    values = allowed if isinstance(allowed, tuple) else (allowed,)
    if value not in values:
        raise ConfigError(f"layer {layer!r}: option {key}={value!r} is not supported by "
                          f"glassnet (expected {' or '.join(repr(v) for v in values)})")


def _activation(name: Any, layer: str) -> Any:
    if not isinstance(name, str) or name not in _KERAS_ACTIVATIONS:
        raise ConfigError(f"layer {layer!r}: activation {name!r} is not supported by glassnet; "
                          f"expected one of {', '.join(_KERAS_ACTIVATIONS)}")
    if name == "leaky_relu":  # keras.activations.leaky_relu's slope is 0.2
        return {"name": "leaky_relu", "config": {"alpha": 0.2}}
    return name


def _regularizer(cfg: Any, layer: str, key: str) -> Any:
    if cfg is None:
        return None
    import glassnet

    regularizers = getattr(glassnet, "regularizers", None)
    kind = cfg.get("class_name") if isinstance(cfg, dict) else cfg
    params = cfg.get("config", {}) if isinstance(cfg, dict) else {}
    if regularizers is None or kind not in ("L1", "L2", "L1L2"):
        raise ConfigError(f"layer {layer!r}: option {key}={kind!r} is not supported by "
                          f"glassnet (expected None, L1, L2 or L1L2)")
    if kind == "L1":
        return regularizers.l1(float(params.get("l1", 0.01)))
    if kind == "L2":
        return regularizers.l2(float(params.get("l2", 0.01)))
    return regularizers.l1_l2(l1=float(params.get("l1", 0.0)), l2=float(params.get("l2", 0.0)))


def _glassnet_layer(kind: str, name: str) -> Any:
    cls = getattr(gn_layers, kind, None)
    if cls is None:
        raise ConfigError(f"layer {name!r}: glassnet has no {kind} layer")
    return cls


class _Plan:
    """One Keras layer as a glassnet layer, and how to turn its Keras arrays into glassnet's."""

    def __init__(self, layer: Any, key: str, shapes: Any, convert: Any) -> None:
        self.layer = layer
        self.units: int | None = getattr(layer, "units", None)  # the width it gives, if new
        self.optional_bias = False  # True: the file may hold the kernel alone (zero bias)
        self.key = key  # the Keras HDF5 group name
        self.shapes = shapes  # function n_in -> Keras array shapes
        self.convert = convert  # function (keras arrays) -> glassnet arrays


def _plan(entry: Any, key: str, dtype: str) -> _Plan:
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise ModelFileError(f"config.json: a layer entry is not an object: {entry!r:.200}")
    kind = entry.get("class_name")
    cfg = entry["config"]
    name = str(cfg.get("name", key))
    layer_dtype = cfg.get("dtype")
    if isinstance(layer_dtype, dict):
        layer_dtype = layer_dtype.get("config", {}).get("name")
    if layer_dtype not in (None, dtype):
        raise ConfigError(f"layer {name!r}: dtype {layer_dtype!r} differs from the model's "
                          f"{dtype!r}; glassnet runs one dtype per model")
    if kind == "Dense":
        for option in ("kernel_constraint", "bias_constraint", "quantization_config",
                       "lora_rank"):
            _option(cfg, name, option, None)
        units = int(cfg["units"])
        use_bias = bool(cfg.get("use_bias", True))
        extra: dict[str, Any] = {}
        for option in ("kernel_regularizer", "bias_regularizer"):
            reg = _regularizer(cfg.get(option), name, option)
            if reg is not None:
                extra[option] = reg
        layer = gn_layers.Dense(units, activation=_activation(cfg.get("activation"), name),
                                name=name, **extra)

        def dense_shapes(n_in: int) -> list[tuple[int, ...]]:
            return [(n_in, units), (units,)] if use_bias else [(n_in, units)]

        def dense_convert(arrays: list[Array]) -> list[Array]:
            return arrays if use_bias else [arrays[0], np.zeros(units, arrays[0].dtype)]

        return _Plan(layer, key, dense_shapes, dense_convert)
    if kind == "Dropout":
        _option(cfg, name, "noise_shape", None)
        return _Plan(_glassnet_layer("Dropout", name)(float(cfg.get("rate", 0.0)), name=name),
                     key, lambda n: [], lambda a: a)
    if kind == "Activation":
        act = _activation(cfg.get("activation"), name)
        return _Plan(_glassnet_layer("Activation", name)(act, name=name), key,
                     lambda n: [], lambda a: a)
    if kind == "ReLU":
        for option, default in (("max_value", None), ("negative_slope", (0.0, 0)),
                                ("threshold", (0.0, 0))):
            _option(cfg, name, option, default)
        return _Plan(_glassnet_layer("ReLU", name)(name=name), key, lambda n: [],
                     lambda a: a)
    if kind == "LeakyReLU":
        slope = float(cfg.get("negative_slope", 0.3))
        return _Plan(_glassnet_layer("LeakyReLU", name)(negative_slope=slope, name=name),
                     key, lambda n: [], lambda a: a)
    if kind == "Softmax":
        _option(cfg, name, "axis", (-1, [-1]))
        return _Plan(_glassnet_layer("Softmax", name)(name=name), key, lambda n: [],
                     lambda a: a)
    if kind == "Normalization":
        _option(cfg, name, "axis", ([-1], -1))
        _option(cfg, name, "invert", False)
        if cfg.get("mean") is not None or cfg.get("variance") is not None:
            raise ConfigError(f"layer {name!r}: mean and variance given in the config are not "
                              f"supported (only adapted ones, stored as weights)")
        return _Plan(_glassnet_layer("Normalization", name)(name=name), key,
                     lambda n: [(n,), (n,), ()], lambda a: a[:2])
    if kind == "BatchNormalization":
        _option(cfg, name, "axis", (-1, [-1]))
        _option(cfg, name, "renorm", False)
        center, scale = bool(cfg.get("center", True)), bool(cfg.get("scale", True))
        layer = _glassnet_layer("BatchNormalization", name)(
            momentum=float(cfg.get("momentum", 0.99)), epsilon=float(cfg.get("epsilon", 1e-3)),
            center=center, scale=scale, name=name)

        def bn_shapes(n: int) -> list[tuple[int, ...]]:
            return [(n,)] * (2 + int(center) + int(scale))

        # Keras' order is glassnet's: [gamma if scale] [beta if center] moving_mean, moving_var
        return _Plan(layer, key, bn_shapes, lambda a: a)
    raise ConfigError(f"layer {name!r}: {kind} layers are not supported by glassnet (it reads "
                      f"Dense, Dropout, Activation, ReLU, LeakyReLU, Softmax, Normalization "
                      f"and BatchNormalization)")


def _plans(config: dict[str, Any], label: str) -> tuple[int, str, str, list[_Plan]]:
    if config.get("class_name") != "Sequential":
        raise ConfigError(f"{label}: a {config.get('class_name')!r} model; glassnet reads "
                          f"Sequential models only")
    body = config.get("config")
    if not isinstance(body, dict) or not isinstance(body.get("layers"), list):
        raise ModelFileError(f"{label}: config.json has no list of layers")
    dtype = body.get("dtype", "float32")
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name", "float32")
    if dtype not in ("float32", "float64"):
        raise ConfigError(f"{label}: dtype policy {dtype!r} is not supported (float32 or "
                          f"float64)")
    entries = list(body["layers"])
    first = entries[0] if entries and isinstance(entries[0], dict) else {}
    input_entry = entries.pop(0) if first.get("class_name") == "InputLayer" else None
    counts: dict[str, int] = {}
    plans = []
    for entry in entries:  # every layer and option is checked before the input's shape
        base = _snake(str(entry.get("class_name", "layer")) if isinstance(entry, dict)
                      else "layer")
        i = counts.get(base, 0)
        counts[base] = i + 1
        try:
            plans.append(_plan(entry, base if i == 0 else f"{base}_{i}", dtype))
        except GlassnetError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise ModelFileError(f"{label}: config.json has a malformed {base} layer entry "
                                 f"({type(exc).__name__}: {exc})") from exc
    n_in: Any = None
    if input_entry is not None:
        shape = input_entry.get("config", {}).get("batch_shape")
        if not isinstance(shape, list) or len(shape) != 2:
            raise ConfigError(f"{label}: input of shape {shape!r}; glassnet takes rows of "
                              f"features, (batch, n)")
        n_in = shape[1]
    if n_in is None:
        shape = (body.get("build_input_shape") or config.get("build_config", {})
                 .get("input_shape"))
        if isinstance(shape, list) and len(shape) == 2:
            n_in = shape[1]
    if not isinstance(n_in, int) or n_in < 1:
        raise ConfigError(f"{label}: the model has no input width (an Input(shape=(n,)) or a "
                          f"built model is needed)")
    return n_in, dtype, str(body.get("name", "sequential")), plans


def _load(model: Sequential, plans: list[_Plan], arrays: _Arrays) -> None:
    weights: list[Array] = []
    n = int(model.input_dim or 0)
    for plan, layer in zip(plans, model.layers):
        shapes = plan.shapes(n)
        if plan.optional_bias and arrays.count(plan.key) == 1:  # a Dense with use_bias=False
            found = arrays.layer_vars(plan.key, shapes[:1], model.dtype)
            found.append(np.zeros(shapes[1], dtype=found[0].dtype))
        else:
            found = arrays.layer_vars(plan.key, shapes, model.dtype)
        weights += [np.asarray(a, dtype=model.dtype) for a in plan.convert(found)]
        n = layer.output_dim
    model.set_weights(weights)


def _check_path(path: Any) -> Path:
    """``path`` as a Path to a regular file (bytes paths are decoded as the OS does)."""
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(f"path: expected a file path (str or os.PathLike), got "
                                f"{type(path).__name__}")
    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"path: no file at {str(p)!r}")
    if not p.is_file():
        raise ModelFileError(f"path: {str(p)!r} is not a regular file")
    return p


def from_keras(path: str | os.PathLike[str], *, seed: int | None = None) -> Sequential:
    """The glassnet model of a Keras 3 ``.keras`` file (a ``Sequential`` model of layers
    glassnet has), with its weights; ``predict`` gives what Keras' ``predict`` gives.

    Only the architecture and the arrays are read: the optimizer state and compile settings
    are not (compile the model before training it). ``seed`` is recorded in the model.
    """
    if isinstance(path, (str, os.PathLike)) and Path(path).name.endswith(".weights.h5"):
        raise ConfigError(f"path: {Path(path).name} holds weights without the architecture; "
                          f"build the glassnet model and call load_keras_weights(model, path)")
    p = _check_path(path)
    with file_boundary(str(p)):
        return _from_keras(p, seed)


def _from_keras(p: Path, seed: int | None) -> Sequential:
    config, weights = _read_archive(p)
    n_in, dtype, name, plans = _plans(config, str(p))
    # The weights the config asks for must fit in what the file can hold, before any is made.
    need, n = 0, n_in
    for plan in plans:
        need += sum(int(np.prod(shape, dtype=np.int64)) for shape in plan.shapes(n))
        n = plan.units or n
    need *= np.dtype(dtype).itemsize
    if need > MAX_EXPANSION * p.stat().st_size + 2**20:
        raise ModelFileError(f"{p}: config.json asks for {need:,} bytes of weights, more than "
                             f"the file of {p.stat().st_size:,} bytes can hold")
    model = Sequential([gn_layers.Input(shape=(n_in,))] + [plan.layer for plan in plans],
                       seed=seed, dtype=dtype, name=name)
    arrays = _Arrays(weights, f"{p}:model.weights.h5")
    try:
        _load(model, plans, arrays)
    finally:
        arrays.close()
    return model


def load_keras_weights(model: Sequential, path: str | os.PathLike[str]) -> None:
    """Set ``model``'s weights from a Keras ``.weights.h5`` (or ``.keras``) file saved from a
    Keras model with the same layers in the same order (a Dense layer for each Dense, a
    BatchNormalization for each BatchNormalization, ...). Nothing changes if it fails."""
    p = _check_path(path)
    if not model.built:
        raise ConfigError("model: build it first (Input(shape=...)), so its shapes are known")
    with file_boundary(str(p)):
        source: bytes | Path = p
        if zipfile.is_zipfile(p):
            _, source = _read_archive(p)
        counts: dict[str, int] = {}
        plans = []
        for layer in model.layers:
            kind = type(layer).__name__
            base = _snake(kind)
            i = counts.get(base, 0)
            counts[base] = i + 1
            key = base if i == 0 else f"{base}_{i}"
            plans.append(_plan_for_glassnet_layer(layer, kind, key))
        arrays = _Arrays(source, str(p))
        try:
            _load(model, plans, arrays)
        finally:
            arrays.close()


def _plan_for_glassnet_layer(layer: Any, kind: str, key: str) -> _Plan:
    if kind == "Dense":
        units = layer.output_dim
        plan = _Plan(layer, key, lambda n: [(n, units), (units,)], lambda a: a)
        plan.optional_bias = True
        return plan
    if kind == "Normalization":
        return _Plan(layer, key, lambda n: [(n,), (n,), ()], lambda a: a[:2])
    if kind == "BatchNormalization":
        count = len(layer.get_weights())
        return _Plan(layer, key, lambda n: [(n,)] * count, lambda a: a)
    return _Plan(layer, key, lambda n: [], lambda a: a)
