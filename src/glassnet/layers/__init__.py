"""Layers, the :class:`Layer` protocol, and the registry that names them.

Every layer a saved model may contain resolves by its class name through one registry:
the built-in layers are registered here, a user's own with :func:`glassnet.register`.
"""

from __future__ import annotations

from typing import Any

from .._registry import Registry
from ..errors import ArgumentTypeError
from .base import DeferredProduct, Layer
from .core import Activation, Dropout, LeakyReLU, ReLU, Softmax
from .dense import Dense
from .input import Input, InputLayer
from .normalization import BatchNormalization, Normalization
from .reshaping import Flatten, Reshape

__all__ = [
    "Activation",
    "BatchNormalization",
    "DeferredProduct",
    "Dense",
    "Dropout",
    "Flatten",
    "Input",
    "InputLayer",
    "Layer",
    "LeakyReLU",
    "Normalization",
    "ReLU",
    "Reshape",
    "Softmax",
    "get",
    "names",
]

REGISTRY: Registry[Layer] = Registry("layer", Layer)
for _cls in (Activation, BatchNormalization, Dense, Dropout, Flatten, LeakyReLU, Normalization,
             ReLU, Reshape, Softmax):
    REGISTRY.add(_cls, _cls.__name__)


def lookup(name: Any) -> type[Layer] | None:
    """The layer class saved configs call ``name``, or None."""
    if not isinstance(name, str):
        return None
    return REGISTRY.lookup(name)  # type: ignore[return-value]


def register(cls: type[Layer], name: str | None = None) -> None:
    """Register a user's layer class under ``name`` (default: its class name)."""
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ArgumentTypeError(f"cls: expected a subclass of glassnet.layers.Layer, got {cls!r}")
    REGISTRY.add(cls, name or cls.__name__)


def get(identifier: Any) -> Layer:
    """A layer from an instance or a config ``{"name": class name, "config": {...}}``."""
    return REGISTRY.get(identifier, argument="layer")


def names() -> list[str]:
    """The layer class names a saved model may use (built-in and registered)."""
    return REGISTRY.names()
