"""Weight penalties: the value added to the loss and its gradient, side by side.

A regularizer is a function of one parameter array ``W``. Its value is added to the training
loss and its gradient to ``grad_W`` (Keras' rule: the reported ``loss`` includes every
penalty; ``history`` also keeps the data loss alone as ``data_loss``)::

    l1(c):        R(W) = c * sum |W|                 dR/dW = c * sign(W)   (0 at W = 0)
    l2(c):        R(W) = c * sum W**2                dR/dW = 2 c W
    l1_l2(a, b):  R(W) = a * sum |W| + b * sum W**2

How the courses' and scikit-learn's penalties map onto ``l2(c)``:

- The deep-learning course writes ``J = data cost + lambda / (2 m) * sum ||W||^2`` with ``m``
  the number of examples in the cost: that is ``l2(lambda / (2 * m))`` (for full-batch
  gradient descent ``m`` is the training-set size).
- scikit-learn's ``MLPClassifier(alpha=a)`` adds ``a / (2 * n) * sum ||W||^2`` to the loss of
  each batch of ``n`` examples: that is ``l2(a / (2 * n))``, with ``n`` the batch size.
- The course's TensorFlow labs write ``kernel_regularizer=tf.keras.regularizers.l2(0.1)``:
  that is ``l2(0.1)`` here, the same formula as Keras.

Biases are not penalized unless a ``bias_regularizer`` is given (as in Keras).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._registry import Registry
from .checks import check_float

Array = NDArray[Any]

__all__ = ["L1", "L1L2", "L2", "MemberPenalties", "Regularizer", "add_penalty_gradient", "get",
           "l1", "l1_l2", "l2", "layer_penalty", "names"]


def add_penalty_gradient(W: Array, grad: Array, two_l2: Any, l1: Any,
                         where: tuple[Array | None, Array | None] = (None, None)) -> None:
    """``grad += two_l2 * W`` then ``grad += l1 * sign(W)``, in place: the gradient of
    ``l1 * sum |W| + l2 * sum W**2``, each term skipped where its factor is ``None``.

    The factors are numbers of ``W``'s dtype, or, for a population's stacked ``W (K, ...)``,
    per-member columns ``(K, 1, ...)`` that broadcast over each member's array; then
    ``where`` (boolean columns, one per term) leaves the members without that term as they
    are, as their models alone would (no ``+ 0`` that could turn ``-0.0`` or ``nan`` about).
    """
    for factor, term, mask in ((two_l2, None, where[0]), (l1, np.sign, where[1])):
        if factor is None:
            continue
        delta = factor * (W if term is None else term(W))
        if mask is None:
            grad += delta
        else:
            np.add(grad, delta, out=grad, where=mask)


def _factor(name: str, value: Any) -> float:
    """A penalty factor: a finite number >= 0."""
    return check_float(value, name, minimum=0.0)


class Regularizer:
    """``R(W) = l1 * sum |W| + l2 * sum W**2``; subclasses fix which factors are used."""

    name = "l1_l2"

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _factor("l1", l1)
        self.l2 = _factor("l2", l2)

    def __call__(self, W: Any) -> float:
        """The penalty ``R(W)`` (a float)."""
        return self.value(np.asarray(W))

    def value(self, W: Array) -> float:
        total = 0.0
        if self.l1:
            total += self.l1 * float(np.abs(W).sum(dtype=np.float64))
        if self.l2:
            flat = W.reshape(-1)
            total += self.l2 * float(np.dot(flat, flat))
        return total

    def add_gradient(self, W: Array, grad: Array) -> None:
        """``grad += dR/dW`` in place."""
        t = W.dtype.type
        add_penalty_gradient(W, grad, t(2.0 * self.l2) if self.l2 else None,
                             t(self.l1) if self.l1 else None)

    def gradient(self, W: Any) -> Array:
        """``dR/dW`` as a new array."""
        W = np.asarray(W)
        grad = np.zeros_like(W)
        self.add_gradient(W, grad)
        return grad

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}

    def to_config(self) -> dict[str, Any]:
        return {"name": self.name, "config": self.get_config()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Regularizer) and other.get_config() == self.get_config() \
            and other.name == self.name

    def __hash__(self) -> int:
        return hash((self.name, self.l1, self.l2))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({params})"


REGISTRY: Registry[Regularizer] = Registry("regularizer", Regularizer)


@REGISTRY.register("l1")
class L1(Regularizer):
    """``R(W) = l1 * sum |W|``."""

    name = "l1"

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


@REGISTRY.register("l2")
class L2(Regularizer):
    """``R(W) = l2 * sum W**2`` (Keras' ``l2``; see the module docstring for the courses')."""

    name = "l2"

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


class L1L2(Regularizer):
    """``R(W) = l1 * sum |W| + l2 * sum W**2``."""

    name = "l1_l2"


REGISTRY.register("l1_l2", "l1l2")(L1L2)


def l1(l1: float = 0.01) -> L1:
    """``R(W) = l1 * sum |W|``."""
    return L1(l1)


def l2(l2: float = 0.01) -> L2:
    """``R(W) = l2 * sum W**2``, Keras' formula."""
    return L2(l2)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """``R(W) = l1 * sum |W| + l2 * sum W**2``."""
    return L1L2(l1, l2)


def get(identifier: Any, argument: str = "regularizer") -> Regularizer | None:
    """Resolve ``None``, a name (``"l2"``: the default factor 0.01), an instance or a config."""
    if identifier is None:
        return None
    return REGISTRY.get(identifier, argument=argument)


def names() -> list[str]:
    """The regularizer names glassnet accepts."""
    return REGISTRY.names()


def layer_penalty(kernel: Regularizer | None, bias: Regularizer | None, W: Array,
                  b: Array) -> float:
    """A Dense layer's penalty: ``kernel(W) + bias(b)`` (each only if given), summed in that
    order (a layer and a population's member add the same numbers the same way)."""
    total = 0.0
    if kernel is not None:
        total += kernel.value(W)
    if bias is not None:
        total += bias.value(b)
    return total


class MemberPenalties:
    """The penalty of one parameter across a population's members (members may differ, e.g.
    a sweep over ``l2``, and some may have none): ``add_gradient(W, grad)`` on the stacked
    ``W (K, ...)``, through :func:`add_penalty_gradient` with per-member factor columns, so
    each member's gradient gets the numbers its model adds alone."""

    def __init__(self, regs: list[Regularizer | None], shape: tuple[int, ...],
                 dtype: Any) -> None:
        t = np.dtype(dtype).type
        K = len(regs)
        col = (K,) + (1,) * len(shape)
        self.factors: list[Array | None] = []
        self.where: list[Array | None] = []
        for term in ("l2", "l1"):
            values = [getattr(r, term) if r is not None else 0.0 for r in regs]
            has = np.array([v != 0 for v in values])
            if not has.any():
                self.factors.append(None)
                self.where.append(None)
                continue
            self.factors.append(np.array([t(2.0 * v) if term == "l2" else t(v) for v in values],
                                         dtype=dtype).reshape(col))
            self.where.append(None if has.all() else has.reshape(col))

    @property
    def active(self) -> bool:
        """Whether any member has a penalty here."""
        return any(f is not None for f in self.factors)

    def add_gradient(self, W: Array, grad: Array) -> None:
        """``grad[k] += dR_k/dW[k]`` for every member ``k`` with a penalty."""
        add_penalty_gradient(W, grad, self.factors[0], self.factors[1],
                             (self.where[0], self.where[1]))
