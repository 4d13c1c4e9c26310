"""``keras.optimizers``: glassnet's optimizers (``Adam(lr=...)``, the old spelling, works) and
``keras.optimizers.schedules``."""

from __future__ import annotations

from typing import Any

from glassnet.optimizers import SGD, Adam, Optimizer, RMSprop, get

from . import _schedules as schedules
from ._subset import outside

__all__ = ["SGD", "Adam", "Optimizer", "RMSprop", "get", "schedules"]

_outside = outside("tf.keras.optimizers")


def __getattr__(name: str) -> Any:
    return _outside(name)
