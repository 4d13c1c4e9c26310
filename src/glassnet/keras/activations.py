"""``keras.activations``: the activation functions, callable on arrays.

``relu``, ``sigmoid``, ``linear``... are glassnet's own activations: ``relu(z)`` computes
``max(0, z)`` (its result answers ``.numpy()``), ``Dense(25, activation=relu)`` uses it, and
``layer.activation == relu`` holds for a layer made with ``activation="relu"``, as the course's
graded tests check. Each is an instance of a subclass of the glassnet activation that only
changes the call's return type and equality (by name and settings), so the maths is glassnet's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.activations import Activation
from glassnet.activations import get as _get

from ._subset import outside, refuse
from .tensor import Tensor, as_tensor

__all__ = ["elu", "exponential", "gelu", "get", "hard_sigmoid", "leaky_relu", "linear", "relu",
           "selu", "sigmoid", "silu", "softmax", "softplus", "softsign", "swish", "tanh"]


def _call(self: Activation, x: Any) -> Tensor:
    return as_tensor(Activation.__call__(self, x))


def _softmax_call(self: Activation, x: Any, axis: int | None = -1) -> Tensor:
    """``softmax(x, axis=-1)`` (``tf.nn.softmax``'s ``axis=None`` is the last axis too)."""
    arr = np.asarray(x)
    if axis is not None and axis not in (-1, arr.ndim - 1):
        raise refuse(f"softmax(axis={axis})", "glassnet's softmax runs over the last axis")
    return as_tensor(Activation.__call__(self, arr))


def _leaky_call(self: Activation, x: Any, alpha: float | None = None) -> Tensor:
    """``leaky_relu(x)`` with this function's slope, or ``alpha`` (``tf.nn.leaky_relu``)."""
    act = self if alpha is None else _get({"name": "leaky_relu", "config": {"alpha": alpha}})
    return as_tensor(Activation.__call__(act, x))


def _elu_call(self: Activation, x: Any, alpha: float | None = None) -> Tensor:
    """``elu(x, alpha=1.0)``."""
    act = self if alpha is None else _get({"name": "elu", "config": {"alpha": alpha}})
    return as_tensor(Activation.__call__(act, x))


def _gelu_call(self: Activation, x: Any, approximate: bool | None = None) -> Tensor:
    """``gelu(x, approximate=False)``: the erf form, or the tanh form when asked."""
    act = self if approximate is None else _get({"name": "gelu",
                                                  "config": {"approximate": approximate}})
    return as_tensor(Activation.__call__(act, x))


def _eq(self: Activation, other: object) -> bool:
    return (isinstance(other, Activation) and other.name == self.name
            and other.get_config() == self.get_config())


def _hash(self: Activation) -> int:
    return hash((self.name, tuple(sorted(self.get_config().items()))))


def function(name: str, **config: Any) -> Activation:
    """The Keras-style function for glassnet's activation ``name`` (with ``config``)."""
    base = type(_get(name))
    call = {"softmax": _softmax_call, "leaky_relu": _leaky_call, "elu": _elu_call,
            "gelu": _gelu_call}.get(name, _call)
    namespace = {"__call__": call,
                 "__eq__": _eq, "__hash__": _hash, "__module__": __name__,
                 "__doc__": base.__doc__}
    cls = type(base.__qualname__, (base,), namespace)
    return cls(**config)


linear = function("linear")
relu = function("relu")
sigmoid = function("sigmoid")
softmax = function("softmax")
tanh = function("tanh")
leaky_relu = function("leaky_relu", alpha=0.2)  # Keras' default slope
elu = function("elu")
selu = function("selu")
gelu = function("gelu")
silu = swish = function("silu")
softplus = function("softplus")
softsign = function("softsign")
hard_sigmoid = function("hard_sigmoid")
exponential = function("exponential")


def get(identifier: Any) -> Activation:
    """An activation from a name, a function of this module, or ``None`` (linear)."""
    return _get(identifier)


_outside = outside("tf.keras.activations")


def __getattr__(name: str) -> Any:
    return _outside(name)
