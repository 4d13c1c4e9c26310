"""``keras.optimizers.schedules``: glassnet's learning-rate schedules under their Keras names
(an optimizer takes one as ``learning_rate``)."""

from __future__ import annotations

from typing import Any

from glassnet.schedules import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
)

from ._subset import outside

__all__ = ["CosineDecay", "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
           "PiecewiseConstantDecay", "PolynomialDecay"]

_outside = outside("tf.keras.optimizers.schedules")


def __getattr__(name: str) -> Any:
    return _outside(name)
