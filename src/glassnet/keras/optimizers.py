"""``keras.optimizers``: glassnet's optimizers (``Adam(lr=...)``, the old spelling, works)."""

from __future__ import annotations

from typing import Any

from glassnet.optimizers import SGD, Adam, Optimizer, RMSprop, get

from ._subset import outside

__all__ = ["SGD", "Adam", "Optimizer", "RMSprop", "get"]

_outside = outside("tf.keras.optimizers")


def __getattr__(name: str) -> Any:
    return _outside(name)
