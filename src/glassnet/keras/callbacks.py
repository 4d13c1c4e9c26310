"""``keras.callbacks``: glassnet's callbacks under their Keras names."""

from __future__ import annotations

from typing import Any

from glassnet.callbacks import (
    BackupAndRestore,
    Callback,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)

from ._subset import outside

__all__ = ["BackupAndRestore", "Callback", "EarlyStopping", "History", "LambdaCallback",
           "LearningRateScheduler", "ModelCheckpoint", "ReduceLROnPlateau", "TerminateOnNaN"]

_outside = outside("tf.keras.callbacks")


def __getattr__(name: str) -> Any:
    return _outside(name)
