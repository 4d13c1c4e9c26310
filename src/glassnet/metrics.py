"""Metrics reported during training: ``accuracy`` (resolved from the loss), ``mse``, ``mae``.

A metric is called as ``metric(y, out)`` with the targets as prepared by the loss and the
model's output (probabilities, or logits when the loss says ``from_logits``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import ArgumentTypeError, ConfigError
from .losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    SparseCategoricalCrossentropy,
)

Array = NDArray[Any]

__all__ = ["Metric", "get", "names"]


class Metric:
    """A named function ``(y, out) -> float``."""

    name = "metric"

    def __call__(self, y: Array, out: Array) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class BinaryAccuracy(Metric):
    """Share of examples whose thresholded output equals the 0/1 target."""

    name = "accuracy"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    def __call__(self, y: Array, out: Array) -> float:
        return float(np.mean((out > self.threshold) == (y > 0.5)))


class CategoricalAccuracy(Metric):
    """Share of examples whose largest output is the target's largest entry."""

    name = "accuracy"

    def __call__(self, y: Array, out: Array) -> float:
        return float(np.mean(out.argmax(axis=1) == y.argmax(axis=1)))


class SparseCategoricalAccuracy(Metric):
    """Share of examples whose largest output is the integer label."""

    name = "accuracy"

    def __call__(self, y: Array, out: Array) -> float:
        return float(np.mean(out.argmax(axis=1) == y))


class MeanSquaredErrorMetric(Metric):
    name = "mse"

    def __call__(self, y: Array, out: Array) -> float:
        return float(np.mean(np.square(out - y, dtype=np.float64)))


class MeanAbsoluteError(Metric):
    name = "mae"

    def __call__(self, y: Array, out: Array) -> float:
        return float(np.mean(np.abs(out - y), dtype=np.float64))


_NAMES = ("accuracy", "acc", "mse", "mae")

#: metric classes registered with :func:`glassnet.register`, by their ``name``
_registered: dict[str, type[Metric]] = {}


def register(cls: type[Metric]) -> None:
    """Register a user's metric class (looked up by its ``name``, built with no arguments),
    so a model compiled with it saves and loads."""
    key = str(cls.name).strip().lower()
    if key in _NAMES or (key in _registered and _registered[key] is not cls):
        raise ConfigError(f"name: the metric name {cls.name!r} is already taken")
    _registered[key] = cls


def get(identifier: Any, loss: Loss) -> Metric:
    """Resolve a metric for ``loss``; ``"accuracy"`` picks the variant that fits the loss."""
    if isinstance(identifier, Metric):
        return identifier
    if not isinstance(identifier, str):
        raise ArgumentTypeError(
            f"metrics: expected metric names (str) or Metric instances, got {identifier!r}"
        )
    key = identifier.strip().lower()
    if key in ("accuracy", "acc"):
        if isinstance(loss, BinaryCrossentropy):
            return BinaryAccuracy(0.0 if loss.from_logits else 0.5)
        if isinstance(loss, SparseCategoricalCrossentropy):
            return SparseCategoricalAccuracy()
        if isinstance(loss, CategoricalCrossentropy):
            return CategoricalAccuracy()
        return BinaryAccuracy(0.5)
    if key in ("mse", "mean_squared_error"):
        return MeanSquaredErrorMetric()
    if key in ("mae", "mean_absolute_error"):
        return MeanAbsoluteError()
    if key in _registered:
        return _registered[key]()
    raise ConfigError(
        f"metrics: unknown metric {identifier!r}; expected one of {', '.join(names())}"
    )


def names() -> list[str]:
    return list(_NAMES) + sorted(_registered)
