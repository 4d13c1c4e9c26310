"""``keras.metrics``: glassnet's metric classes under their Keras names (the names
``compile(metrics=[...])`` accepts as strings are glassnet's too)."""

from __future__ import annotations

from typing import Any

from glassnet import metrics as _m
from glassnet.metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    MeanAbsoluteError,
    Metric,
    Precision,
    Recall,
    RootMeanSquaredError,
    TrueNegatives,
    TruePositives,
)
from glassnet.metrics import BinaryCrossentropyMetric as BinaryCrossentropy
from glassnet.metrics import CategoricalCrossentropyMetric as CategoricalCrossentropy
from glassnet.metrics import MeanSquaredErrorMetric as MeanSquaredError
from glassnet.metrics import SparseCategoricalCrossentropyMetric as SparseCategoricalCrossentropy

from ._subset import outside

__all__ = ["AUC", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
           "CategoricalCrossentropy", "FalseNegatives", "FalsePositives", "MeanAbsoluteError",
           "MeanSquaredError", "Metric", "Precision", "Recall", "RootMeanSquaredError",
           "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy", "TrueNegatives",
           "TruePositives"]



class BinaryAccuracy(_m.BinaryAccuracy):
    """Keras' ``BinaryAccuracy(name="binary_accuracy", dtype=None, threshold=0.5)``."""

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None,
                 threshold: float = 0.5) -> None:
        super().__init__(threshold, name=name)


class CategoricalAccuracy(_m.CategoricalAccuracy):
    """Keras' ``CategoricalAccuracy(name="categorical_accuracy")``: argmax against argmax."""

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        _m.set_name(self, name)


class SparseCategoricalAccuracy(_m.SparseCategoricalAccuracy):
    """Keras' ``SparseCategoricalAccuracy(name="sparse_categorical_accuracy")``."""

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        _m.set_name(self, name)


_outside = outside("tf.keras.metrics")


def __getattr__(name: str) -> Any:
    return _outside(name)
