"""Activation functions, each with its derivative right beside it.

An activation maps a layer's pre-activation ``z`` (shape ``(m, units)``) to its
output ``a = g(z)``. Backpropagation needs ``grad_z = grad_a * g'(z)`` (element-wise);
softmax mixes the units of one example, so it overrides :meth:`Activation.backward`.

All functions keep the dtype of ``z`` (float32 stays float32) and are stable for
every finite input: no overflow warnings, no NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._registry import Registry

Array = NDArray[np.floating[Any]]

__all__ = [
    "Activation",
    "LeakyReLU",
    "Linear",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "get",
    "names",
]


class Activation:
    """Base class: ``forward(z) -> a`` and ``derivative(z, a) -> g'(z)``.

    ``backward(grad_a, z, a)`` returns ``grad_z``. It may overwrite ``grad_a`` in place
    (the engine passes buffers it owns), which saves one allocation per layer and step.
    """

    name = "activation"

    def forward(self, z: Array) -> Array:
        raise NotImplementedError

    def derivative(self, z: Array, a: Array) -> Array:
        raise NotImplementedError

    def backward(self, grad_a: Array, z: Array, a: Array) -> Array:
        grad_a *= self.derivative(z, a)
        return grad_a

    def __call__(self, z: Array) -> Array:
        z = np.asarray(z)
        if z.dtype.kind != "f":
            z = z.astype(np.float64)  # integer input: compute in floating point
        # forward may work in place (a copy keeps the caller's array) and expects arrays,
        # so a scalar goes through as a 1-element row
        return self.forward(z.reshape(1, -1).copy() if z.ndim == 0 else z.copy()).reshape(z.shape)

    @property
    def __name__(self) -> str:  # noqa: PLW3201 (a Keras activation is a function with a name)
        return self.name

    def get_config(self) -> dict[str, Any]:
        return {}

    def to_config(self) -> dict[str, Any]:
        return {"name": self.name, "config": self.get_config()}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({params})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Activation) and type(other) is type(self) \
            and other.get_config() == self.get_config()

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self.get_config().items()))))


_registry: Registry[Activation] = Registry("activation", Activation)


@_registry.register("linear", "identity", "none")
class Linear(Activation):
    """``g(z) = z``;  ``g'(z) = 1``."""

    name = "linear"

    def forward(self, z: Array) -> Array:
        return z

    def derivative(self, z: Array, a: Array) -> Array:
        return np.ones_like(z)

    def backward(self, grad_a: Array, z: Array, a: Array) -> Array:
        return grad_a


@_registry.register("sigmoid", "logistic")
class Sigmoid(Activation):
    """``g(z) = 1 / (1 + exp(-z))``;  ``g'(z) = g(z) (1 - g(z))``.

    Computed as written, in place: ``e = exp(-z)``, then ``1 / (1 + e)``. For very negative
    ``z``, ``exp(-z)`` overflows to ``inf`` and the result is the correct limit 0 (the
    overflow is expected and silenced); elsewhere both tails keep full relative accuracy
    (``sigmoid(-30) = 9.36e-14``, not a rounded ``1 - 0.99999...``). In float32 the values
    below about 3e-39 (``z < -88.7``, where ``exp(-z)`` overflows) come out as 0, not as
    denormal numbers.
    """

    name = "sigmoid"

    def forward(self, z: Array) -> Array:
        a = np.negative(z)
        with np.errstate(over="ignore"):
            np.exp(a, out=a)
        a += 1.0
        np.reciprocal(a, out=a)
        return a

    def derivative(self, z: Array, a: Array) -> Array:
        return a * (1.0 - a)

    def backward(self, grad_a: Array, z: Array, a: Array) -> Array:
        grad_a *= a
        grad_a *= 1.0 - a
        return grad_a


@_registry.register("tanh")
class Tanh(Activation):
    """``g(z) = tanh(z)``;  ``g'(z) = 1 - tanh(z)^2``."""

    name = "tanh"

    def forward(self, z: Array) -> Array:
        return np.tanh(z)

    def derivative(self, z: Array, a: Array) -> Array:
        return 1.0 - a * a

    def backward(self, grad_a: Array, z: Array, a: Array) -> Array:
        d = a * a
        np.subtract(1.0, d, out=d)
        grad_a *= d
        return grad_a


@_registry.register("relu")
class ReLU(Activation):
    """``g(z) = max(0, z)``;  ``g'(z) = 1 if z > 0 else 0`` (0 at z = 0, as in Keras/PyTorch)."""

    name = "relu"

    def forward(self, z: Array) -> Array:
        return np.maximum(z, 0.0)

    def derivative(self, z: Array, a: Array) -> Array:
        return (z > 0).astype(z.dtype)

    def backward(self, grad_a: Array, z: Array, a: Array) -> Array:
        # Multiplying by the 0/1 mask is one fast vectorized pass; masked assignment
        # (grad_a[z <= 0] = 0) branches per element and was ~15x slower.
        grad_a *= z > 0
        return grad_a


@_registry.register("leaky_relu", "leakyrelu")
class LeakyReLU(Activation):
    """``g(z) = z if z > 0 else alpha z``;  ``g'(z) = 1 if z > 0 else alpha``."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = float(alpha)

    def forward(self, z: Array) -> Array:
        return np.where(z > 0, z, z * z.dtype.type(self.alpha))

    def derivative(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, z.dtype.type(1.0), z.dtype.type(self.alpha))

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


@_registry.register("softmax")
class Softmax(Activation):
    """``g(z)_j = exp(z_j - max z) / sum_k exp(z_k - max z)`` over the units of each example.

    The Jacobian is ``diag(a) - a a^T``, so ``grad_z = a * (grad_a - sum_k grad_a_k a_k)``.
    """

    name = "softmax"

    def forward(self, z: Array) -> Array:
        # logits more than the dtype's range apart overflow z - max to -inf, whose exp is
        # the exact limit 0: no warning for it
        with np.errstate(over="ignore"):
            a = z - z.max(axis=-1, keepdims=True)
        np.exp(a, out=a)
        a /= a.sum(axis=-1, keepdims=True)
        return a

    def derivative(self, z: Array, a: Array) -> Array:
        raise NotImplementedError("softmax has a full Jacobian; use backward()")

    def backward(self, grad_a: Array, z: Array, a: Array) -> Array:
        s = np.einsum("ij,ij->i", grad_a, a)[:, None]
        grad_a -= s
        grad_a *= a
        return grad_a


def get(identifier: Any) -> Activation:
    """Resolve an activation name (``"relu"``), instance, config dict, or ``None`` (linear)."""
    if identifier is None:
        return Linear()
    return _registry.get(identifier, argument="activation")


def names() -> list[str]:
    """The activation names glassnet accepts."""
    return _registry.names()
