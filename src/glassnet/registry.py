"""``glassnet.register``: make a user's own component known by name, so models that use it
save and load.

Saved files name their components (layers, activations, losses, metrics, optimizers,
regularizers, initializers) and loading resolves each name only through glassnet's registries
in the running process: a file can never make glassnet import or run code. A class of your
own therefore has to be registered, in the process that loads the file, before
``load_model``::

    @gn.register
    class Scale(gn.layers.Layer):
        ...

Layers register under their class name (or ``name=``); the other kinds under their
``name`` attribute (what ``to_config`` writes). Taking a name that a different class holds is
a ConfigError.
"""

from __future__ import annotations

from typing import Any, TypeVar

from . import activations, initializers, losses, metrics, optimizers, regularizers
from . import layers as layers_mod
from .errors import ArgumentTypeError

__all__ = ["register"]

T = TypeVar("T")


def register(cls: T | None = None, *, name: str | None = None) -> Any:
    """Register ``cls`` (a Layer, Activation, Loss, Metric, Optimizer, Regularizer or
    Initializer subclass). Usable as ``register(cls)``, ``@register`` or
    ``@register(name="...")``; returns the class."""
    if cls is None:
        return lambda c: register(c, name=name)
    if not isinstance(cls, type):
        raise ArgumentTypeError(f"cls: expected a class, got {type(cls).__name__}")
    if issubclass(cls, layers_mod.Layer):
        layers_mod.register(cls, name)
        return cls
    if issubclass(cls, metrics.Metric):
        if name is not None:
            cls.name = name
        metrics.register(cls)
        return cls
    for module, base in ((activations, activations.Activation), (losses, losses.Loss),
                         (optimizers, optimizers.Optimizer),
                         (regularizers, regularizers.Regularizer),
                         (initializers, initializers.Initializer)):
        if issubclass(cls, base):
            if name is not None:
                cls.name = name  # what its saved configs will call it
            key = getattr(cls, "name", None)
            if not isinstance(key, str) or key in ("", base.name if hasattr(base, "name")
                                                    else ""):
                raise ArgumentTypeError(
                    f"cls: {cls.__name__} needs a class attribute `name` of its own (what "
                    f"its saved config calls it), or register(cls, name=...)"
                )
            module.REGISTRY.add(cls, key)
            return cls
    raise ArgumentTypeError(
        f"cls: expected a subclass of a glassnet Layer, Activation, Loss, Metric, Optimizer, "
        f"Regularizer or Initializer, got {cls.__name__}"
    )
