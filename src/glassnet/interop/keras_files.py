"""Keras 3 weight files read into a glassnet model: :func:`load_keras_weights` (a
``.weights.h5`` file, or the weights inside a ``.keras`` archive), and the readers
:mod:`glassnet.interop.keras` builds :func:`~glassnet.interop.keras.from_keras` on.

This module never imports the model (so ``Sequential.load_weights`` can call it without an
import circle): it reads arrays into a model it is given. The rules of reading (nothing from
the file is run, one error boundary, memory bounded by the file's size) are described in
:mod:`glassnet.interop.keras`.
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
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..errors import (
    ArgumentTypeError,
    ConfigError,
    GlassnetError,
    MissingFileError,
    ModelFileError,
    OutsideSubsetError,
)
from ..io import MAX_JSON_BYTES, parse_json
from ._common import optional

if TYPE_CHECKING:
    from ..model import Sequential


__all__ = ["MAX_EXPANSION", "KerasArrays", "Plan", "check_path", "file_boundary",
           "load_keras_weights", "load_plans", "read_archive", "snake_case"]

Array = NDArray[Any]

#: A .keras archive may not expand its members to more than this many times its own size
#: (Keras stores them uncompressed; the bound turns a zip bomb into a clear error).
MAX_EXPANSION = 16


def _h5py() -> Any:
    return optional("h5py", "glassnet.interop's Keras reader needs h5py: "
                            "pip install 'glassnet[interop]' (or h5py alone)")


def snake_case(name: str) -> str:
    """Keras' layer keys: ``Dense`` -> ``dense``, ``BatchNormalization`` ->
    ``batch_normalization``, ``ReLU`` -> ``re_lu``."""
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


def read_archive(path: Path) -> tuple[dict[str, Any], bytes]:
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


class KerasArrays:
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


class Plan:
    """One Keras layer as a glassnet layer, and how to turn its Keras arrays into glassnet's."""

    def __init__(self, layer: Any, key: str, shapes: Any, convert: Any) -> None:
        self.layer = layer
        self.units: int | None = getattr(layer, "units", None)  # the width it gives, if new
        self.optional_bias = False  # True: the file may hold the kernel alone (zero bias)
        self.key = key  # the Keras HDF5 group name
        self.shapes = shapes  # function n_in -> Keras array shapes
        self.convert = convert  # function (keras arrays) -> glassnet arrays


def load_plans(model: Sequential, plans: list[Plan], arrays: KerasArrays) -> None:
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


def check_path(path: Any) -> Path:
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


def load_keras_weights(model: Sequential, path: str | os.PathLike[str]) -> None:
    """Set ``model``'s weights from a Keras ``.weights.h5`` (or ``.keras``) file saved from a
    Keras model with the same layers in the same order (a Dense layer for each Dense, a
    BatchNormalization for each BatchNormalization, ...). Nothing changes if it fails."""
    p = check_path(path)
    if not model.built:
        raise ConfigError("model: build it first (Input(shape=...)), so its shapes are known")
    with file_boundary(str(p)):
        source: bytes | Path = p
        if zipfile.is_zipfile(p):
            _, source = read_archive(p)
        counts: dict[str, int] = {}
        plans = []
        for layer in model.layers:
            kind = type(layer).__name__
            base = snake_case(kind)
            i = counts.get(base, 0)
            counts[base] = i + 1
            key = base if i == 0 else f"{base}_{i}"
            plans.append(_plan_for_glassnet_layer(layer, kind, key))
        arrays = KerasArrays(source, str(p))
        try:
            load_plans(model, plans, arrays)
        finally:
            arrays.close()


def _plan_for_glassnet_layer(layer: Any, kind: str, key: str) -> Plan:
    if kind == "Dense":
        units = layer.output_dim
        plan = Plan(layer, key, lambda n: [(n, units), (units,)], lambda a: a)
        plan.optional_bias = True
        return plan
    if kind == "Normalization":
        return Plan(layer, key, lambda n: [(n,), (n,), ()], lambda a: a[:2])
    if kind == "BatchNormalization":
        count = len(layer.get_weights())
        return Plan(layer, key, lambda n: [(n,)] * count, lambda a: a)
    return Plan(layer, key, lambda n: [], lambda a: a)
