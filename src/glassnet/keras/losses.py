"""``keras.losses``: glassnet's loss classes under their Keras names."""

from __future__ import annotations

from typing import Any

from glassnet.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
    get,
)

from ._subset import outside

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "Loss", "MeanSquaredError",
           "SparseCategoricalCrossentropy", "get"]

_outside = outside("tf.keras.losses")


def __getattr__(name: str) -> Any:
    return _outside(name)
