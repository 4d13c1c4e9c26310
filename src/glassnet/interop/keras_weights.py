"""Keras 3 ``.weights.h5`` files out (and in): ``model.save_weights("cp.weights.h5")`` writes
what Keras' ``model.save_weights`` writes, so ``keras_model.load_weights(path)`` reads it
into a Keras model of the same layers; ``model.load_weights(path)`` reads a Keras file back.

The layout (Keras 3's): a group ``layers``, in it one group per layer named after the
layer's class in snake case, numbered per class in layer order (``dense``, ``dense_1``,
``dropout``, ``batch_normalization``), each holding a group ``vars`` (attribute ``name``: the
layer's name) of datasets ``0``, ``1``, ... in the layer's weight order (a Dense: kernel
``(n_in, units)``, bias ``(units,)``; a Normalization: mean, variance and Keras' int32
``count``); a group ``vars`` at the top (attribute ``name``: the model's name). The optimizer's
state is not written (Keras loads such a file and keeps its optimizer as it is).

h5py is imported when a file is read or written. Every h5py call sits inside one error
boundary: whatever h5py raises becomes a :class:`glassnet.ModelFileError` naming the file.
A file is written to a temporary name and renamed over the target when complete; weights
that are not finite are refused before anything is written. Reading goes through
:func:`glassnet.interop.load_keras_weights` (datasets only, shapes checked against the model,
no links followed, nothing run) inside the same kind of boundary.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks import check_built
from ..errors import GlassnetError, ModelFileError, OutsideSubsetError
from ._common import optional
from .keras_files import load_keras_weights, snake_case

if TYPE_CHECKING:
    from ..model import Sequential

__all__ = ["is_keras_weights_path", "load_keras_weights_file", "save_keras_weights"]

SUFFIX = ".weights.h5"
#: HDF5's signature, the first 8 bytes of every HDF5 file
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def is_keras_weights_path(path: str | os.PathLike[str]) -> bool:
    """True for a name Keras gives weights files (``*.weights.h5``)."""
    return os.fspath(path).endswith(SUFFIX)


def is_hdf5_file(path: str | os.PathLike[str]) -> bool:
    """True when the file at ``path`` starts with HDF5's signature."""
    try:
        with open(path, "rb") as f:
            return f.read(8) == HDF5_MAGIC
    except OSError:
        return False


@contextmanager
def _boundary(path: str, doing: str) -> Iterator[None]:
    """Turn anything h5py (or the file system under it) raises into ModelFileError."""
    try:
        yield
    except GlassnetError:
        raise
    except Exception as exc:  # h5py raises OSError, KeyError, ValueError, RuntimeError...
        raise ModelFileError(f"{path!r}: cannot {doing} the Keras weights file "
                             f"({type(exc).__name__}: {exc})") from exc


def _layer_arrays(model: Sequential) -> list[tuple[str, str, list[Any]]]:
    """``(key, layer name, arrays)`` per layer in Keras' order and naming, checked."""
    from ..saving import check_finite_weights

    check_built(model)
    weights = model.get_weights()
    check_finite_weights(model, weights, f"save_weights({model.name!r})")
    out: list[tuple[str, str, list[Any]]] = []
    counts: dict[str, int] = {}
    k = 0
    for layer in model.layers:
        if getattr(layer, "layers", None) is not None:
            raise OutsideSubsetError(
                f"save_weights: a model inside a model ({layer.name!r}) in a .weights.h5 file "
                "is outside glassnet's Keras files; save it in glassnet's format (any other "
                "file name)")
        n = len(layer.weight_arrays())
        arrays = list(weights[k:k + n])
        k += n
        if layer.kind == "Normalization":  # Keras keeps the count of adapted examples too
            arrays.append(np.array(0, dtype=np.int32))
        base = snake_case(layer.kind)
        i = counts.get(base, 0)
        counts[base] = i + 1
        out.append((base if i == 0 else f"{base}_{i}", str(layer.name), arrays))
    return out


def save_keras_weights(model: Sequential, path: str | os.PathLike[str],
                       overwrite: bool = True) -> None:
    """Write ``model``'s weights to ``path`` in Keras 3's ``.weights.h5`` layout, atomically.
    ``overwrite=False`` refuses an existing file."""
    from ..io import replacing

    path = os.fspath(path)
    layers = _layer_arrays(model)  # checked before anything touches the disk
    if not overwrite and os.path.exists(path):
        raise ModelFileError(f"{path!r}: the file exists and overwrite=False")
    h5py = optional("h5py", "save_weights to a .weights.h5 file needs h5py: "
                            "pip install 'glassnet[interop]' (or h5py alone)")
    with _boundary(path, "write"), replacing(path) as tmp:
        with h5py.File(tmp, "w") as f:
            group = f.create_group("layers")
            for key, name, arrays in layers:
                vars_ = group.create_group(key).create_group("vars")
                vars_.attrs["name"] = name
                for j, a in enumerate(arrays):
                    vars_.create_dataset(str(j), data=np.asarray(a))
            f.create_group("vars").attrs["name"] = str(model.name)


def load_keras_weights_file(model: Sequential, path: str | os.PathLike[str]) -> None:
    """Set ``model``'s weights from a Keras ``.weights.h5`` (or ``.keras``) file of a model
    with the same layers; shapes, dtypes (numbers only) and finite values are checked before
    any weight changes. Every failure is a glassnet error naming the file."""
    path = os.fspath(path)
    with _boundary(path, "read"):
        load_keras_weights(model, path)
