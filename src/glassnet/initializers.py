"""Weight initializers: one variance-scaling rule plus named presets, and the constants.

Every initializer is called as ``init(shape, rng, dtype)`` with an explicit
``numpy.random.Generator``. For a dense kernel of shape ``(fan_in, fan_out)``::

    VarianceScaling(scale, mode, distribution):
        n    = fan_in | fan_out | (fan_in + fan_out) / 2      (by mode)
        var  = scale / n
        normal            -> N(0, var)
        truncated_normal  -> N(0, var') cut at 2 sigma, var' rescaled so the result has var
        uniform           -> U(-sqrt(3 var), +sqrt(3 var))

    glorot_uniform = VarianceScaling(1, "fan_avg", "uniform")   (Glorot & Bengio 2010)
    glorot_normal  = VarianceScaling(1, "fan_avg", "normal")
    he_normal      = VarianceScaling(2, "fan_in",  "normal")    (He et al. 2015; the course's
                                                                 randn * sqrt(2 / fan_in))
    he_uniform     = VarianceScaling(2, "fan_in",  "uniform")
    lecun_normal   = VarianceScaling(1, "fan_in",  "normal")
    lecun_uniform  = VarianceScaling(1, "fan_in",  "uniform")

The ``*_normal`` presets draw from the plain (untruncated) normal, as the course's
formulas do; ``VarianceScaling(..., distribution="truncated_normal")`` gives Keras' choice.
``Zeros``, ``Ones`` and ``Constant`` are first-class: they are how symmetry is demonstrated.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._registry import Registry
from .checks import check_float
from .errors import ConfigError

__all__ = [
    "Constant",
    "Initializer",
    "Ones",
    "RandomNormal",
    "RandomUniform",
    "VarianceScaling",
    "Zeros",
    "fans",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "names",
]


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape``; a 1-D bias has fan_in = fan_out = size."""
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 0:
        return 1, 1
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class. ``__call__(shape, rng, dtype) -> ndarray``."""

    name = "initializer"

    def __call__(
        self, shape: tuple[int, ...], rng: np.random.Generator, dtype: DTypeLike = np.float32
    ) -> NDArray[Any]:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    def to_config(self) -> dict[str, Any]:
        return {"name": self.name, "config": self.get_config()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Initializer) and type(other) is type(self) \
            and other.get_config() == self.get_config()

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self.get_config().items()))))


REGISTRY: Registry[Initializer] = Registry("initializer", Initializer)


@REGISTRY.register("zeros", "zero")
class Zeros(Initializer):
    """Every entry 0."""

    name = "zeros"

    def __call__(
        self, shape, rng, dtype=np.float32
    ):
        return np.zeros(shape, dtype=dtype)

    def __repr__(self) -> str:
        return "Zeros(): w = 0"


@REGISTRY.register("ones", "one")
class Ones(Initializer):
    """Every entry 1."""

    name = "ones"

    def __call__(
        self, shape, rng, dtype=np.float32
    ):
        return np.ones(shape, dtype=dtype)

    def __repr__(self) -> str:
        return "Ones(): w = 1"


@REGISTRY.register("constant")
class Constant(Initializer):
    """Every entry ``value``; an array ``value`` (Keras' ``Constant(np.log([pos / neg]))``)
    is broadcast to the weight's shape."""

    name = "constant"

    def __init__(self, value: Any = 0.0) -> None:
        if np.ndim(value) == 0:
            self.value: Any = check_float(value, "value")  # finite: 10**400, NaN refused
            return
        try:
            arr = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigError(f"value: expected a number or an array of numbers, got "
                              f"{value!r:.80}") from None
        if not np.isfinite(arr).all():
            raise ConfigError(f"value: expected finite numbers, got {value!r:.80}")
        self.value = arr

    def __call__(
        self, shape, rng, dtype=np.float32
    ):
        big = float(np.max(np.abs(self.value))) if np.size(self.value) else 0.0
        if big > float(np.finfo(dtype).max):
            raise ConfigError(f"value: {big:g} is beyond the range of "
                              f"{np.dtype(dtype).name}; the weights would be inf")
        if np.ndim(self.value) == 0:
            return np.full(shape, self.value, dtype=dtype)
        try:
            return np.array(np.broadcast_to(self.value, shape), dtype=dtype)
        except ValueError:
            raise ConfigError(f"value: an array of shape {np.shape(self.value)} cannot fill "
                              f"a weight of shape {tuple(shape)}") from None

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value if np.ndim(self.value) == 0 else self.value.tolist()}

    def __repr__(self) -> str:
        return f"Constant(value={self.value}): w = {self.value}"


@REGISTRY.register("random_normal", "normal")
class RandomNormal(Initializer):
    """``w ~ N(mean, stddev^2)``. The course's "standard normal x 10" is ``stddev=10``."""

    name = "random_normal"

    def __init__(self, mean: float = 0.0, stddev: float = 0.05) -> None:
        if not stddev >= 0:
            raise ConfigError(f"stddev: expected a number >= 0, got {stddev!r}")
        self.mean = float(mean)
        self.stddev = float(stddev)

    def __call__(
        self, shape, rng, dtype=np.float32
    ):
        w = rng.standard_normal(shape)
        w *= self.stddev
        w += self.mean
        return w.astype(dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev}

    def __repr__(self) -> str:
        return (f"RandomNormal(mean={self.mean}, stddev={self.stddev}): "
                f"w ~ N({self.mean}, {self.stddev}^2)")


@REGISTRY.register("random_uniform", "uniform")
class RandomUniform(Initializer):
    """``w ~ U(minval, maxval)``."""

    name = "random_uniform"

    def __init__(self, minval: float = -0.05, maxval: float = 0.05) -> None:
        if not maxval >= minval:
            raise ConfigError(f"maxval: expected a number >= minval ({minval}), got {maxval!r}")
        self.minval = float(minval)
        self.maxval = float(maxval)

    def __call__(
        self, shape, rng, dtype=np.float32
    ):
        return rng.uniform(self.minval, self.maxval, size=shape).astype(dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval}

    def __repr__(self) -> str:
        return (f"RandomUniform(minval={self.minval}, maxval={self.maxval}): "
                f"w ~ U({self.minval}, {self.maxval})")


_MODES = {"fan_in": "fan_in", "fan_out": "fan_out", "fan_avg": "((fan_in + fan_out) / 2)"}
_DISTRIBUTIONS = ("normal", "truncated_normal", "uniform")
# std of a standard normal truncated to [-2, 2]
_TRUNC_STD = 0.87962566103423978


@REGISTRY.register("variance_scaling")
class VarianceScaling(Initializer):
    """``var = scale / n`` with ``n`` chosen by ``mode``; drawn from ``distribution``."""

    name = "variance_scaling"

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        preset: str | None = None,
    ) -> None:
        if not scale > 0:
            raise ConfigError(f"scale: expected a number > 0, got {scale!r}")
        if mode not in _MODES:
            raise ConfigError(f"mode: expected one of {', '.join(_MODES)}, got {mode!r}")
        if distribution not in _DISTRIBUTIONS:
            raise ConfigError(
                f"distribution: expected one of {', '.join(_DISTRIBUTIONS)}, got {distribution!r}"
            )
        self.scale = float(scale)
        self.mode = mode
        self.distribution = distribution
        self.preset = preset

    def variance(self, shape: tuple[int, ...]) -> float:
        fan_in, fan_out = fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        return self.scale / max(1.0, float(n))

    def __call__(
        self, shape, rng, dtype=np.float32
    ):
        var = self.variance(tuple(shape))
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * var)
            w = rng.uniform(-limit, limit, size=shape)
        elif self.distribution == "normal":
            w = rng.standard_normal(shape) * math.sqrt(var)
        else:
            w = _truncated_standard_normal(shape, rng) * (math.sqrt(var) / _TRUNC_STD)
        return w.astype(dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
        }
        if self.preset:
            cfg["preset"] = self.preset
        return cfg

    def formula(self) -> str:
        var = f"{self.scale:g} / {_MODES[self.mode]}"
        if self.distribution == "uniform":
            return f"w ~ U(-sqrt(3 * {var}), +sqrt(3 * {var}))"
        if self.distribution == "normal":
            return f"w ~ N(0, {var})"
        return f"w ~ N(0, {var}) truncated at 2 std"

    def __repr__(self) -> str:
        head = self.preset or (
            f"VarianceScaling(scale={self.scale:g}, mode={self.mode!r}, "
            f"distribution={self.distribution!r})"
        )
        return f"{head}: {self.formula()}"


def _truncated_standard_normal(shape: tuple[int, ...], rng: np.random.Generator) -> NDArray[Any]:
    """Standard normal draws redrawn until they fall in [-2, 2] (vectorized rejection)."""
    w = rng.standard_normal(shape)
    bad = np.abs(w) > 2.0
    while bad.any():
        w[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(w) > 2.0
    return w


def _preset(name: str, scale: float, mode: str, distribution: str) -> None:
    def factory() -> VarianceScaling:
        return VarianceScaling(scale, mode, distribution, preset=name)

    factory.__name__ = name
    factory.__doc__ = f"``{name}``: VarianceScaling({scale}, {mode!r}, {distribution!r})."
    globals()[name] = factory
    REGISTRY.register(name)(factory)


_preset("glorot_uniform", 1.0, "fan_avg", "uniform")
_preset("glorot_normal", 1.0, "fan_avg", "normal")
_preset("he_normal", 2.0, "fan_in", "normal")
_preset("he_uniform", 2.0, "fan_in", "uniform")
_preset("lecun_normal", 1.0, "fan_in", "normal")
_preset("lecun_uniform", 1.0, "fan_in", "uniform")
REGISTRY.register("xavier_uniform")(globals()["glorot_uniform"])
REGISTRY.register("xavier_normal")(globals()["glorot_normal"])

glorot_uniform: Any
glorot_normal: Any
he_normal: Any
he_uniform: Any
lecun_normal: Any
lecun_uniform: Any


def get(identifier: Any) -> Initializer:
    """Resolve an initializer name, instance, or config dict; a number means ``Constant``."""
    if isinstance(identifier, (int, float)) and not isinstance(identifier, bool):
        return Constant(check_float(identifier, "initializer"))
    return REGISTRY.get(identifier, argument="initializer")


def names() -> list[str]:
    """The initializer names glassnet accepts."""
    return REGISTRY.names()
