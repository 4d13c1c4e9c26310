"""``keras.models``: ``Sequential`` (glassnet's own) and the model files."""

from __future__ import annotations

from typing import Any

from glassnet import Sequential, load_model

from ._subset import outside

__all__ = ["Sequential", "load_model", "save_model"]


def save_model(model: Sequential, filepath: Any) -> None:
    """``keras.models.save_model(model, path)``: :meth:`glassnet.Sequential.save` (glassnet's
    own format; a ``.keras``/``.h5`` name gets a warning that TensorFlow cannot read it)."""
    model.save(filepath)


_outside = outside("tf.keras.models")


def __getattr__(name: str) -> Any:
    return _outside(name)
