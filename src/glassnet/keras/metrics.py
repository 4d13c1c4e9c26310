"""``keras.metrics``: the metric names ``compile(metrics=[...])`` accepts are glassnet's;
these are its metric classes under their Keras names."""

from __future__ import annotations

from typing import Any

from glassnet.metrics import (
    BinaryAccuracy,
    CategoricalAccuracy,
    MeanAbsoluteError,
    SparseCategoricalAccuracy,
)

from ._subset import outside

__all__ = ["BinaryAccuracy", "CategoricalAccuracy", "MeanAbsoluteError",
           "SparseCategoricalAccuracy"]

_outside = outside("tf.keras.metrics")


def __getattr__(name: str) -> Any:
    return _outside(name)
