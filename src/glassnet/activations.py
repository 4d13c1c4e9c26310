"""Activation functions, each with its derivative right beside it.

An activation maps a layer's pre-activation ``z`` (shape ``(m, units)``, or a population's
``(K, m, units)``: every function works over leading axes) to its output ``a = g(z)``.
Backpropagation needs ``grad_z = grad_a * g'(z)`` (element-wise); softmax mixes the units of
one example (its last axis only), so it overrides :meth:`Activation.backward`.

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
    "ELU",
    "GELU",
    "SELU",
    "Activation",
    "Exponential",
    "HardSigmoid",
    "LeakyReLU",
    "Linear",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Softsign",
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


REGISTRY: Registry[Activation] = Registry("activation", Activation)


@REGISTRY.register("linear", "identity", "none")
class Linear(Activation):
    """``g(z) = z``;  ``g'(z) = 1``."""

    name = "linear"

    def forward(self, z: Array) -> Array:
        return z

    def derivative(self, z: Array, a: Array) -> Array:
        return np.ones_like(z)

    def backward(self, grad_a: Array, z: Array, a: Array) -> Array:
        return grad_a


@REGISTRY.register("sigmoid", "logistic")
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


@REGISTRY.register("tanh")
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


@REGISTRY.register("relu")
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


@REGISTRY.register("leaky_relu", "leakyrelu")
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


@REGISTRY.register("softmax")
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
        # each example's sum_k grad_a_k a_k over its last axis (rows of any leading axes:
        # a population's (K, m, units) stack too, each row summed as a single model's)
        n = grad_a.shape[-1]
        s = np.einsum("ij,ij->i", grad_a.reshape(-1, n), a.reshape(-1, n))
        s = s.reshape(grad_a.shape[:-1] + (1,))
        grad_a -= s
        grad_a *= a
        return grad_a


# -- Keras' other activations: each forward with its derivative beside it -----------------------


@REGISTRY.register("elu")
class ELU(Activation):
    """``g(z) = z`` for ``z > 0``, else ``alpha (exp(z) - 1)``;
    ``g'(z) = 1`` for ``z > 0``, else ``alpha exp(z) = g(z) + alpha``."""

    name = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(alpha)

    def forward(self, z: Array) -> Array:
        # g(z) = max(z, 0) + alpha expm1(min(z, 0)): no overflow for large z, two arrays
        neg = np.minimum(z, z.dtype.type(0.0))
        np.expm1(neg, out=neg)
        if self.alpha != 1.0:
            neg *= z.dtype.type(self.alpha)
        a = np.maximum(z, z.dtype.type(0.0))
        a += neg
        return a

    def derivative(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, z.dtype.type(1.0), a + z.dtype.type(self.alpha))

    def backward(self, grad_a: Array, z: Array, a: Array) -> Array:
        if self.alpha == 1.0:
            # g + 1 is exp(z) <= 1 where z <= 0 and z + 1 > 1 where z > 0: min(g + 1, 1)
            d = a + a.dtype.type(1.0)
            np.minimum(d, a.dtype.type(1.0), out=d)
            grad_a *= d
            return grad_a
        grad_a *= self.derivative(z, a)
        return grad_a

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


#: SELU's constants (Klambauer et al. 2017), to the digits Keras and PyTorch use
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@REGISTRY.register("selu")
class SELU(Activation):
    """``g(z) = scale z`` for ``z > 0``, else ``scale alpha (exp(z) - 1)``;
    ``g'(z) = scale`` for ``z > 0``, else ``g(z) + scale alpha``
    (``alpha = 1.6732632...``, ``scale = 1.0507009...``)."""

    name = "selu"

    def forward(self, z: Array) -> Array:
        neg = np.expm1(np.minimum(z, 0.0))
        neg *= z.dtype.type(SELU_ALPHA)
        a = np.where(z > 0, z, neg)
        a *= z.dtype.type(SELU_SCALE)
        return a

    def derivative(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, z.dtype.type(SELU_SCALE),
                        a + z.dtype.type(SELU_SCALE * SELU_ALPHA))


_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))
_GELU_C = 0.044715


@REGISTRY.register("gelu")
class GELU(Activation):
    """Exact (``approximate=False``, Keras' default): ``g(z) = z Phi(z) =
    z (1 + erf(z / sqrt 2)) / 2``;  ``g'(z) = Phi(z) + z phi(z)``, ``phi`` the normal density.

    ``approximate=True``: ``g(z) = z (1 + tanh(u)) / 2`` with
    ``u = sqrt(2/pi) (z + 0.044715 z^3)``;
    ``g'(z) = (1 + tanh u) / 2 + z (1 - tanh(u)^2) sqrt(2/pi) (1 + 3 * 0.044715 z^2) / 2``."""

    name = "gelu"

    def __init__(self, approximate: bool = False) -> None:
        if not isinstance(approximate, (bool, np.bool_)):
            from .errors import ArgumentTypeError

            raise ArgumentTypeError(
                f"approximate: expected True or False, got {approximate!r}")
        self.approximate = bool(approximate)

    def _tanh_u(self, z: Array) -> Array:
        return np.tanh(z.dtype.type(_SQRT_2_OVER_PI) * (z + z.dtype.type(_GELU_C) * z ** 3))

    def forward(self, z: Array) -> Array:
        if self.approximate:
            return z * (1.0 + self._tanh_u(z)) * z.dtype.type(0.5)
        from scipy.special import erf  # scipy is a core dependency; imported when used

        return (z * (1.0 + erf(z * z.dtype.type(1 / np.sqrt(2.0)))) * 0.5).astype(z.dtype)

    def derivative(self, z: Array, a: Array) -> Array:
        if self.approximate:
            t = self._tanh_u(z)
            du = z.dtype.type(_SQRT_2_OVER_PI) * (1.0 + z.dtype.type(3 * _GELU_C) * z * z)
            return (0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * du).astype(z.dtype)
        from scipy.special import ndtr

        pdf = np.exp(-0.5 * z * z) * z.dtype.type(1 / np.sqrt(2 * np.pi))
        return (ndtr(z) + z * pdf).astype(z.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"approximate": self.approximate}


@REGISTRY.register("silu", "swish")
class SiLU(Activation):
    """``g(z) = z sigmoid(z)``;  ``g'(z) = s (1 + z (1 - s))`` with ``s = sigmoid(z)``."""

    name = "silu"

    def forward(self, z: Array) -> Array:
        return z * Sigmoid().forward(z.copy())

    def derivative(self, z: Array, a: Array) -> Array:
        s = Sigmoid().forward(z.copy())
        return s * (1.0 + z * (1.0 - s))


@REGISTRY.register("softplus")
class Softplus(Activation):
    """``g(z) = log(1 + exp(z))`` (as ``logaddexp(0, z)``: no overflow);
    ``g'(z) = sigmoid(z)``."""

    name = "softplus"

    def forward(self, z: Array) -> Array:
        return np.logaddexp(z.dtype.type(0.0), z)

    def derivative(self, z: Array, a: Array) -> Array:
        return Sigmoid().forward(z.copy())


@REGISTRY.register("softsign")
class Softsign(Activation):
    """``g(z) = z / (1 + |z|)``;  ``g'(z) = 1 / (1 + |z|)^2``."""

    name = "softsign"

    def forward(self, z: Array) -> Array:
        return z / (1.0 + np.abs(z))

    def derivative(self, z: Array, a: Array) -> Array:
        d = 1.0 + np.abs(z)
        return np.asarray(1.0 / (d * d))


@REGISTRY.register("hard_sigmoid")
class HardSigmoid(Activation):
    """Keras 3's definition: ``g(z) = relu6(z + 3) / 6 = clip(z / 6 + 1/2, 0, 1)``;
    ``g'(z) = 1/6`` for ``-3 < z < 3``, else 0."""

    name = "hard_sigmoid"

    def forward(self, z: Array) -> Array:
        return np.clip((z + 3.0) / 6.0, 0.0, 1.0).astype(z.dtype, copy=False)

    def derivative(self, z: Array, a: Array) -> Array:
        return np.where((z > -3.0) & (z < 3.0), z.dtype.type(1 / 6), z.dtype.type(0.0))


@REGISTRY.register("exponential")
class Exponential(Activation):
    """``g(z) = exp(z)``;  ``g'(z) = exp(z) = g(z)`` (overflows to inf past ``z`` ~ 88.7 in
    float32, 709.8 in float64, as in Keras)."""

    name = "exponential"

    def forward(self, z: Array) -> Array:
        with np.errstate(over="ignore"):
            return np.exp(z)

    def derivative(self, z: Array, a: Array) -> Array:
        return a


def get(identifier: Any) -> Activation:
    """Resolve an activation name (``"relu"``), instance, config dict, or ``None`` (linear)."""
    if identifier is None:
        return Linear()
    return REGISTRY.get(identifier, argument="activation")


def names() -> list[str]:
    """The activation names glassnet accepts."""
    return REGISTRY.names()
