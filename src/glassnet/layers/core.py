"""Layers without weights: ``Dropout`` and the activation layers.

``Dropout(rate)`` (inverted dropout), in training only::

    keep ~ Bernoulli(1 - rate), one draw per unit and example
    a = x * keep / (1 - rate)          grad_x = grad_a * keep / (1 - rate)

so the expected value of ``a`` is ``x``, and at inference ``a = x``. The mask of a training
step is drawn from a generator the model seeds with (the model's seed, or the layer's own
``seed``; the layer's position; the global step), so a run replays exactly and a gradient
check sees one fixed mask.

``Activation(g)``, ``ReLU()``, ``LeakyReLU(negative_slope)``, ``Softmax()``::

    a = g(x)                           grad_x = grad_a * g'(x)   (softmax: its Jacobian)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations
from ..checks import check_float, check_seed
from ..errors import ConfigError, NotReadyError
from .base import Array, Layer

__all__ = ["Activation", "Dropout", "LeakyReLU", "ReLU", "Softmax", "dropout_mask",
           "member_dropout_mask"]


def dropout_mask(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any,
                 rate: float) -> Array:
    """Inverted dropout's mask: ``1 / (1 - rate)`` where ``rng.random(shape) >= rate``, else 0
    (one draw per element, in ``dtype``). :class:`Dropout` and a population's members use
    it, so their masks are the same numbers."""
    dt = np.dtype(dtype).type
    mask = (rng.random(shape, dtype=dtype) >= dt(rate)).astype(dtype)
    mask *= dt(1.0 / (1.0 - rate))
    return mask


def member_dropout_mask(rngs: list[np.random.Generator | None], rates: list[float],
                        shape: tuple[int, ...], dtype: Any) -> Array:
    """A population's masks ``(K,) + shape``: member ``k``'s is :func:`dropout_mask` drawn
    from ``rngs[k]`` at ``rates[k]`` (all ones for a member at rate 0, which keeps ``x`` as
    its model alone does, and for a member without a generator: one whose step is not
    taken)."""
    mask = np.ones((len(rates),) + tuple(shape), dtype=dtype)
    for k, rng in enumerate(rngs):  # one generator per member: its own stream of masks
        if rates[k] != 0.0 and rng is not None:  # None: a member not stepping (stopped)
            mask[k] = dropout_mask(rng, tuple(shape), dtype, rates[k])
    return mask


class Dropout(Layer):
    """Inverted dropout: in training each output is zeroed with probability ``rate`` and the
    rest are scaled by ``1 / (1 - rate)``; at inference the layer passes ``x`` through."""

    stochastic = True

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.rate = check_float(rate, "rate", minimum=0.0, maximum=1.0, include_maximum=False)
        self.seed = check_seed(seed, "seed")
        #: the generator of the current training step (set by the model before each step)
        self.rng: np.random.Generator | None = None
        self._standalone_rng: np.random.Generator | None = None
        self.mask: Array | None = None
        #: in a population: each member's rate, and each member's generator of the current
        #: step (None for a member at rate 0 or one that stopped), set by the population
        #: before each step
        self.member_rates: list[float] | None = None
        self.member_rngs: list[np.random.Generator | None] = []

    def forward(self, x: Array, training: bool = False, cache: bool = False) -> Array:
        rates = self.member_rates
        if not training or (self.rate == 0.0 if rates is None else not any(rates)):
            if cache:
                self.mask = None
            return x
        if rates is not None:  # a population's: x (m, n) shared or (K, m, n)
            mask = member_dropout_mask(self.member_rngs, rates, x.shape[-2:], x.dtype)
        else:
            rng = self.rng
            if rng is None:  # used on its own, outside a model
                if self._standalone_rng is None:
                    self._standalone_rng = np.random.default_rng(self.seed)
                rng = self._standalone_rng
            mask = dropout_mask(rng, x.shape, x.dtype, self.rate)
        if cache:
            self.mask = mask
        return x * mask

    def backward(self, grad_a: Array, need_input_grad: bool = True,
                 defer: bool = False) -> Array | None:
        if not need_input_grad:
            return None
        if self.mask is None:
            return grad_a
        return grad_a * self.mask

    def trace_mask(self) -> Array | None:
        return None if self.mask is None else self.mask != 0

    def clear_cache(self) -> None:
        self.mask = None

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate, "seed": self.seed, "name": self.name}

    def summary_detail(self) -> str:
        return f"rate {self.rate:g}"

    def __repr__(self) -> str:
        return f"Dropout({self.rate:g}, name={self.name!r})"


class Activation(Layer):
    """Apply an activation function on its own: ``a = g(x)``."""

    def __init__(self, activation: Any, name: str | None = None) -> None:
        super().__init__(name)
        self.activation = activations.get(activation)
        self.x: Array | None = None
        self.a: Array | None = None

    def forward(self, x: Array, training: bool = False, cache: bool = False) -> Array:
        a = self.activation.forward(x.copy())  # some activations work in place; x is not ours
        if cache:
            self.x, self.a = x, a
        return a

    def backward(self, grad_a: Array, need_input_grad: bool = True,
                 defer: bool = False) -> Array | None:
        if not need_input_grad:
            return None
        z, a = self.cached_preactivation(), self.a
        if a is None:
            raise NotReadyError(f"layer {self.name!r}: backward() called before forward()")
        return self.backward_from_preactivation(self.activation.backward(grad_a, z, a))

    # The input is the pre-activation, so a cross-entropy can fuse with this layer too.
    @property
    def output_activation(self) -> Any:
        return self.activation

    def preactivation(self, x: Array, training: bool = False) -> Array:
        return x

    def cached_preactivation(self) -> Array:
        if self.x is None:
            raise NotReadyError(f"layer {self.name!r}: backward() called before forward()")
        return self.x

    def backward_from_preactivation(self, grad_z: Array, need_input_grad: bool = True,
                                    defer: bool = False) -> Array | None:
        return grad_z if need_input_grad else None

    def clear_cache(self) -> None:
        self.x = self.a = None

    def get_config(self) -> dict[str, Any]:
        return {"activation": self.activation.to_config(), "name": self.name}

    def summary_detail(self) -> str:
        return str(self.activation.name)

    def __repr__(self) -> str:
        return f"{self.kind}({self.activation.name!r}, name={self.name!r})"


class ReLU(Activation):
    """``a = max(x, 0)`` as a layer."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__("relu", name=name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}


class LeakyReLU(Activation):
    """``a = x if x > 0 else negative_slope * x`` as a layer (Keras' default slope 0.3;
    ``alpha=`` is accepted as Keras 2's name for it)."""

    def __init__(self, negative_slope: float = 0.3, name: str | None = None,
                 alpha: float | None = None) -> None:
        if alpha is not None:
            negative_slope = alpha
        slope = check_float(negative_slope, "negative_slope", minimum=0.0)
        super().__init__(activations.LeakyReLU(alpha=slope), name=name)
        self.negative_slope = slope

    def get_config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope, "name": self.name}


class Softmax(Activation):
    """``a_j = exp(x_j) / sum_k exp(x_k)`` over each example's features, as a layer."""

    def __init__(self, axis: int = -1, name: str | None = None) -> None:
        if axis not in (-1, 1):
            raise ConfigError(f"axis: expected -1 (the features of each example), got {axis!r}")
        super().__init__("softmax", name=name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}
