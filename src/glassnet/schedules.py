"""Learning-rate schedules: the optimizer asks ``lr(step)`` before each step.

A schedule is a pure function of the optimizer's step count ``t`` (0 for the first step), so
a checkpoint, which keeps ``t``, resumes it exactly. The formulas are Keras' (with
``p = t / decay_steps``, rounded down when ``staircase``)::

    ExponentialDecay:        lr = lr0 * decay_rate ** p
    InverseTimeDecay:        lr = lr0 / (1 + decay_rate * p)
    PiecewiseConstantDecay:  values[0] for t <= boundaries[0], values[i] for
                             boundaries[i-1] < t <= boundaries[i], values[-1] past the last
    CosineDecay:             with warmup (warmup_target given): a straight line from lr0 to
                             warmup_target over warmup_steps, then the decay from
                             warmup_target; the decay from a rate r over decay_steps is
                             r * ((1 - alpha) * (1 + cos(pi * min(t, decay_steps) /
                             decay_steps)) / 2 + alpha)
    PolynomialDecay:         lr = (lr0 - end) * (1 - t' / d) ** power + end with
                             t' = min(t, decay_steps), d = decay_steps; with cycle=True,
                             t' = t and d = decay_steps * ceil(t / decay_steps) (1 at t = 0)

``optimizer = Adam(learning_rate=InverseTimeDecay(0.001, decay_steps=..., decay_rate=1))``.
A schedule's config round-trips through :func:`get`, so a model file keeps it; a name in a
file resolves only to the classes of this module.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._registry import Registry
from .checks import check_float
from .errors import ArgumentTypeError, ConfigError

__all__ = ["CosineDecay", "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
           "PiecewiseConstantDecay", "PolynomialDecay", "get"]


def _rate(value: Any, argument: str) -> float:
    return check_float(value, argument, minimum=0.0)


def _steps(value: Any, argument: str) -> float:
    """A positive number of steps (Keras takes ints or floats)."""
    return check_float(value, argument, minimum=0.0, include_minimum=False)


def _bool(value: Any, argument: str) -> bool:
    if not isinstance(value, bool):
        raise ArgumentTypeError(f"{argument}: expected True or False, got {value!r}")
    return value


class LearningRateSchedule:
    """Base class: ``schedule(step) -> learning rate`` and ``get_config()``.

    A step number gives a float; an array of steps (``np.linspace(0, 100000)``, to plot the
    schedule as the tutorials do) gives the array of rates, computed in one vectorized pass.
    Subclasses write ``rate(t)`` with NumPy operations on a float64 array ``t``."""

    def __call__(self, step: Any) -> Any:
        t = np.asarray(step, dtype=np.float64)
        if not np.isfinite(t).all() or (t < 0).any():
            raise ConfigError(f"step: expected step numbers >= 0, got {step!r:.100}")
        out = self.rate(t)
        return float(out) if out.ndim == 0 else out

    def rate(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_config(self) -> dict[str, Any]:
        return {"name": type(self).__name__, "config": self.get_config()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        return cls(**config)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({params})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __hash__(self) -> int:
        return hash(type(self).__name__)


REGISTRY: Registry[LearningRateSchedule] = Registry("learning-rate schedule",
                                                     LearningRateSchedule)


class _StepDecay(LearningRateSchedule):
    """A decay driven by ``p = step / decay_steps`` (rounded down when ``staircase``)."""

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                 staircase: bool = False, name: str | None = None) -> None:
        self.initial_learning_rate = _rate(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _steps(decay_steps, "decay_steps")
        self.decay_rate = _rate(decay_rate, "decay_rate")
        self.staircase = _bool(staircase, "staircase")
        self.name = type(self).__name__ if name is None else str(name)

    def _progress(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        p = t / self.decay_steps
        return np.floor(p) if self.staircase else p

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


@REGISTRY.register("ExponentialDecay", "exponential_decay")
class ExponentialDecay(_StepDecay):
    """``lr0 * decay_rate ** (step / decay_steps)`` (the exponent rounded down when
    ``staircase``)."""

    def rate(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(self.initial_learning_rate * np.power(self.decay_rate,
                                                                self._progress(t)))


@REGISTRY.register("InverseTimeDecay", "inverse_time_decay")
class InverseTimeDecay(_StepDecay):
    """``lr0 / (1 + decay_rate * step / decay_steps)`` (the ratio rounded down when
    ``staircase``)."""

    def rate(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(self.initial_learning_rate / (1.0 + self.decay_rate
                                                        * self._progress(t)))


@REGISTRY.register("PiecewiseConstantDecay", "piecewise_constant_decay")
class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[i]`` between ``boundaries[i-1]`` (excluded) and ``boundaries[i]`` (included);
    one more value than boundaries, boundaries increasing."""

    def __init__(self, boundaries: Any, values: Any,
                 name: str = "PiecewiseConstant") -> None:
        if not isinstance(boundaries, (list, tuple)) or not boundaries:
            raise ArgumentTypeError(
                f"boundaries: expected a non-empty list of step numbers, got {boundaries!r}")
        if not isinstance(values, (list, tuple)):
            raise ArgumentTypeError(f"values: expected a list of learning rates, got {values!r}")
        if len(values) != len(boundaries) + 1:
            raise ConfigError(
                f"values: expected one more value than boundaries ({len(boundaries) + 1}), "
                f"got {len(values)}")
        self.boundaries = [check_float(b, f"boundaries[{i}]") for i, b in enumerate(boundaries)]
        if any(b >= c for b, c in zip(self.boundaries, self.boundaries[1:])):
            raise ConfigError(f"boundaries: expected increasing step numbers, got {boundaries!r}")
        self.values = [_rate(v, f"values[{i}]") for i, v in enumerate(values)]
        self.name = str(name)

    def rate(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        # the number of boundaries strictly below t picks the value
        index = np.searchsorted(np.asarray(self.boundaries), t, side="left")
        return np.asarray(np.asarray(self.values)[index])

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": list(self.boundaries), "values": list(self.values),
                "name": self.name}


@REGISTRY.register("CosineDecay", "cosine_decay")
class CosineDecay(LearningRateSchedule):
    """Cosine decay from ``initial_learning_rate`` (or, after ``warmup_steps`` of linear
    warmup, from ``warmup_target``) down to ``alpha`` times it over ``decay_steps``."""

    def __init__(self, initial_learning_rate: float, decay_steps: float, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: float | None = None,
                 warmup_steps: float = 0) -> None:
        self.initial_learning_rate = _rate(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _steps(decay_steps, "decay_steps")
        self.alpha = check_float(alpha, "alpha", minimum=0.0, maximum=1.0)
        self.name = str(name)
        self.warmup_target = (None if warmup_target is None
                              else _rate(warmup_target, "warmup_target"))
        self.warmup_steps = check_float(warmup_steps, "warmup_steps", minimum=0.0)
        if self.warmup_target is not None and self.warmup_steps == 0:
            raise ConfigError("warmup_steps: a warmup_target needs warmup_steps > 0")

    def _decay(self, t: NDArray[np.float64], start: float) -> NDArray[np.float64]:
        cosine = 0.5 * (1.0 + np.cos(math.pi * t / self.decay_steps))
        return np.asarray(start * ((1.0 - self.alpha) * cosine + self.alpha))

    def rate(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        if self.warmup_target is None:
            return self._decay(np.minimum(t, self.decay_steps), self.initial_learning_rate)
        t = np.minimum(t, self.decay_steps + self.warmup_steps)
        delta = self.warmup_target - self.initial_learning_rate
        warm = delta * t / self.warmup_steps + self.initial_learning_rate
        return np.asarray(np.where(t < self.warmup_steps, warm,
                                   self._decay(t - self.warmup_steps, self.warmup_target)))

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


@REGISTRY.register("PolynomialDecay", "polynomial_decay")
class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` along ``(1 - t/d) ** power``
    over ``decay_steps``, then constant, or (``cycle``) again over a doubled, tripled...
    span."""

    def __init__(self, initial_learning_rate: float, decay_steps: float,
                 end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False,
                 name: str = "PolynomialDecay") -> None:
        self.initial_learning_rate = _rate(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _steps(decay_steps, "decay_steps")
        self.end_learning_rate = _rate(end_learning_rate, "end_learning_rate")
        self.power = check_float(power, "power", minimum=0.0)
        self.cycle = _bool(cycle, "cycle")
        self.name = str(name)

    def rate(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        if self.cycle:
            d = self.decay_steps * np.where(t == 0, 1.0, np.ceil(t / self.decay_steps))
        else:
            d = np.full_like(t, self.decay_steps)
            t = np.minimum(t, self.decay_steps)
        return np.asarray((self.initial_learning_rate - self.end_learning_rate)
                          * np.power(1.0 - t / d, self.power) + self.end_learning_rate)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


def get(identifier: Any) -> LearningRateSchedule:
    """A schedule from an instance or a config ``{"name": class name, "config": {...}}``
    (what :meth:`LearningRateSchedule.to_config` gives; Keras' ``{"class_name": ...}`` too).
    """
    if isinstance(identifier, dict) and "class_name" in identifier:
        identifier = {"name": identifier["class_name"], "config": identifier.get("config", {})}
    schedule = REGISTRY.get(identifier, argument="learning_rate")
    return schedule

