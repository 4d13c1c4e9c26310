"""Saving and loading models: one file, no pickle, written atomically.

The file is a NumPy ``.npz`` archive (a zip) holding::

    __glassnet__   uint8 bytes of a UTF-8 JSON document:
                   {"format": "glassnet-model", "version": 1, "model": <Sequential.get_config()>}
    w0, w1, ...    the weights in get_weights() order ([W1, b1, W2, b2, ...])

It is read with ``allow_pickle=False``, and every name in the config is resolved through
glassnet's fixed registries, so loading a file never runs code from it. The optimizer's
state (momenta, step count) is not saved: a loaded model is compiled afresh.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import GlassnetError, ModelFileError

if TYPE_CHECKING:
    from .model import Sequential

__all__ = ["load_model", "save_model"]

FORMAT = "glassnet-model"
VERSION = 1
_CONFIG_KEY = "__glassnet__"


def save_model(model: Sequential, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` (config + weights) atomically: temp file, then rename."""
    path = os.fspath(path)
    doc = {"format": FORMAT, "version": VERSION, "model": model.get_config()}
    arrays: dict[str, Any] = {
        _CONFIG_KEY: np.frombuffer(json.dumps(doc).encode("utf-8"), dtype=np.uint8)
    }
    for i, w in enumerate(model.get_weights()):
        arrays[f"w{i}"] = w
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".glassnet-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, allow_pickle=False, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_model(path: str | os.PathLike[str]) -> Sequential:
    """Read a model written by :func:`save_model`; predictions are bit-identical."""
    from .model import Sequential

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"path: no model file at {path!r}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFileError(f"{path!r} is not a glassnet model file: {exc}") from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ModelFileError(f"{path!r} is not a glassnet model file (it holds a bare array)")
    with archive:
        try:
            files = set(archive.files)
            if _CONFIG_KEY not in files:
                raise ModelFileError(f"{path!r} is not a glassnet model file (no {_CONFIG_KEY})")
            raw = archive[_CONFIG_KEY]
            if raw.dtype != np.uint8 or raw.ndim != 1:
                raise ModelFileError(f"{path!r}: the config is not a byte string")
            try:
                doc = json.loads(raw.tobytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise ModelFileError(f"{path!r}: the config is not valid JSON: {exc}") from exc
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                raise ModelFileError(f"{path!r}: expected format {FORMAT!r}")
            if doc.get("version") != VERSION:
                raise ModelFileError(
                    f"{path!r}: file format version {doc.get('version')!r}; this glassnet "
                    f"reads version {VERSION}"
                )
            config = doc.get("model")
            if not isinstance(config, dict):
                raise ModelFileError(f"{path!r}: the config has no model description")
            try:
                model = Sequential.from_config(config)
            except GlassnetError as exc:
                raise ModelFileError(f"{path!r}: bad model config: {exc}") from exc
            n = sum(len(layer.weight_arrays()) for layer in model.layers)
            missing = [f"w{i}" for i in range(n) if f"w{i}" not in files]
            if missing or not model.built:
                raise ModelFileError(f"{path!r}: weights missing: {', '.join(missing) or 'all'}")
            weights = [archive[f"w{i}"] for i in range(n)]
        except ValueError as exc:  # e.g. an object array refused by allow_pickle=False
            if isinstance(exc, ModelFileError):
                raise
            raise ModelFileError(f"{path!r}: unreadable content: {exc}") from exc
    for i, w in enumerate(weights):
        if w.dtype.kind != "f":
            raise ModelFileError(f"{path!r}: weight w{i} is not a float array ({w.dtype})")
    try:
        model.set_weights(weights)
    except GlassnetError as exc:
        raise ModelFileError(f"{path!r}: weights do not fit the architecture: {exc}") from exc
    return model
