"""Losses: the value (mean over examples) and its gradient.

Conventions: ``y`` are the targets, ``y_hat`` the model's output, ``m`` the number of
examples, ``K`` the number of outputs. Values are means over examples (and, for
mean squared error and binary cross-entropy, over outputs too, as in Keras).

Cross-entropy losses have a *fused* form that works on the logits ``z`` (the output
layer's pre-activation)::

    binary:       L = mean( max(z, 0) - z y + log(1 + exp(-|z|)) )
                  dL/dz = (sigmoid(z) - y) / (m K)
    categorical:  L = mean( logsumexp(z) - sum_k y_k z_k )
                  dL/dz = (softmax(z) - y) / m

These never overflow and never take ``log(0)``. The engine uses them when
``from_logits=True`` (the output layer is linear) and also when the output layer's
activation is the matching sigmoid/softmax, so that pair is always exact and stable.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._checks import bad_labels
from ._registry import Registry
from .activations import Sigmoid, Softmax
from .errors import DataError, ShapeError

Array = NDArray[Any]

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Loss",
    "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    "get",
    "names",
]

EPSILON = 1e-7  # clipping of probabilities in the non-fused cross-entropies (as Keras)


def _logsumexp(z: Array) -> Array:
    zmax = z.max(axis=1, keepdims=True)
    with np.errstate(over="ignore"):  # a gap beyond the dtype's range: exp(-inf) = 0
        out = np.exp(z - zmax)
    s = out.sum(axis=1, keepdims=True)
    return np.log(s) + zmax


class Loss:
    """Base class.

    ``value(y, y_hat)`` -> float; ``gradient(y, y_hat)`` -> ``dL/dy_hat``;
    ``prepare_targets(y, n_outputs, dtype)`` validates targets once per ``fit``.
    Cross-entropies also implement ``logits_value_and_grad(y, z)``.
    """

    name = "loss"
    #: the output activation whose pair with this loss has a fused gradient
    fused_activation: str | None = None

    def __init__(self, from_logits: bool = False) -> None:
        self.from_logits = bool(from_logits)

    # -- public API -------------------------------------------------------------------
    def __call__(self, y_true: Any, y_pred: Any) -> float:
        y_pred = np.asarray(y_pred)
        if y_pred.ndim == 1:
            y_pred = y_pred[:, None]
        y = self.prepare_targets(y_true, y_pred.shape[1], y_pred.dtype)
        if self.from_logits:
            return self.logits_value_and_grad(y, y_pred, need_grad=False)[0]
        return self.value(y, y_pred)

    def value(self, y: Array, y_hat: Array) -> float:
        raise NotImplementedError

    def gradient(self, y: Array, y_hat: Array) -> Array:
        raise NotImplementedError

    def value_and_grad(self, y: Array, y_hat: Array) -> tuple[float, Array]:
        """Value and ``dL/dy_hat`` for the model output ``y_hat``."""
        if self.from_logits:
            value, grad = self.logits_value_and_grad(y, y_hat)
            assert grad is not None
            return value, grad
        return self.value(y, y_hat), self.gradient(y, y_hat)

    def logits_value_and_grad(
        self, y: Array, z: Array, need_grad: bool = True
    ) -> tuple[float, Array | None]:
        raise NotImplementedError(f"{type(self).__name__} has no logits form")

    def prepare_targets(self, y: Any, n_outputs: int, dtype: Any) -> Array:
        y = np.asarray(y)
        given = y.shape
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            hint = (f"; a 1-D y of {given[0]:,} labels fits one output unit: for {n_outputs} "
                    f"classes use SparseCategoricalCrossentropy" if len(given) == 1 else "")
            raise ShapeError(
                f"y: {self.name} expects targets of shape (m, {n_outputs}) to match the "
                f"model's {n_outputs} output unit(s), got shape {given}{hint}"
            )
        if y.dtype.kind not in "biuf":
            raise DataError(f"y: expected numeric targets, got dtype {y.dtype}")
        y = y.astype(dtype, copy=False)
        if not np.isfinite(y).all():
            raise DataError("y: targets contain NaN or infinite values")
        return y

    def get_config(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits}

    def to_config(self) -> dict[str, Any]:
        return {"name": self.name, "config": self.get_config()}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({params})"


_registry: Registry[Loss] = Registry("loss", Loss)


@_registry.register("mean_squared_error", "mse")
class MeanSquaredError(Loss):
    """``L = mean_i mean_k (y_hat_ik - y_ik)^2``;  ``dL/dy_hat = 2 (y_hat - y) / (m K)``."""

    name = "mean_squared_error"

    def __init__(self) -> None:
        super().__init__(from_logits=False)

    def value(self, y: Array, y_hat: Array) -> float:
        d = y_hat - y
        return float(np.mean(np.square(d, dtype=np.float64)))

    def gradient(self, y: Array, y_hat: Array) -> Array:
        grad = y_hat - y
        grad *= grad.dtype.type(2.0 / grad.size)
        return grad

    def get_config(self) -> dict[str, Any]:
        return {}


@_registry.register("binary_crossentropy", "bce", "binary_cross_entropy")
class BinaryCrossentropy(Loss):
    """``L = -mean( y log p + (1 - y) log(1 - p) )`` with ``p = sigmoid(z)``.

    ``from_logits=False``: the output is ``p`` itself (clipped to ``[1e-7, 1 - 1e-7]``),
    ``dL/dp = (p - y) / (p (1 - p) m K)``. Fused with a sigmoid output: ``dL/dz = (p - y) / (m K)``.
    Targets are in ``[0, 1]``.
    """

    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def value(self, y: Array, y_hat: Array) -> float:
        p = np.clip(y_hat, EPSILON, 1.0 - EPSILON).astype(np.float64)
        return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))

    def gradient(self, y: Array, y_hat: Array) -> Array:
        p = np.clip(y_hat, EPSILON, 1.0 - EPSILON)
        grad = (p - y) / (p * (1.0 - p))
        grad *= grad.dtype.type(1.0 / grad.size)
        grad[p != y_hat] = 0.0  # the clipped value does not move with y_hat
        return grad

    def logits_value_and_grad(
        self, y: Array, z: Array, need_grad: bool = True
    ) -> tuple[float, Array | None]:
        per = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
        value = float(np.mean(per, dtype=np.float64))
        if not need_grad:
            return value, None
        grad = Sigmoid().forward(z)
        grad -= y
        grad *= grad.dtype.type(1.0 / grad.size)
        return value, grad

    def prepare_targets(self, y: Any, n_outputs: int, dtype: Any) -> Array:
        y = super().prepare_targets(y, n_outputs, dtype)
        if y.size and (y.min() < 0 or y.max() > 1):
            raise DataError(
                f"y: binary_crossentropy expects targets in [0, 1], got values from "
                f"{y.min():g} to {y.max():g}"
            )
        return y


@_registry.register("categorical_crossentropy", "cce", "categorical_cross_entropy")
class CategoricalCrossentropy(Loss):
    """``L = -mean_i sum_k y_ik log p_ik`` with one-hot (or probability) targets ``(m, K)``.

    Fused with a softmax output (or ``from_logits=True``): ``dL/dz = (softmax(z) - y) / m``.
    """

    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def value(self, y: Array, y_hat: Array) -> float:
        p = np.clip(y_hat, EPSILON, 1.0 - EPSILON).astype(np.float64)
        return float(-np.sum(y * np.log(p)) / y.shape[0])

    def gradient(self, y: Array, y_hat: Array) -> Array:
        p = np.clip(y_hat, EPSILON, 1.0 - EPSILON)
        grad = -y / p
        grad *= grad.dtype.type(1.0 / y.shape[0])
        grad[p != y_hat] = 0.0  # the clipped value does not move with y_hat
        return grad

    def logits_value_and_grad(
        self, y: Array, z: Array, need_grad: bool = True
    ) -> tuple[float, Array | None]:
        m = z.shape[0]
        lse = _logsumexp(z)
        value = float((np.sum(lse[:, 0] * y.sum(axis=1), dtype=np.float64)
                       - np.sum(y * z, dtype=np.float64)) / m)
        if not need_grad:
            return value, None
        grad = Softmax().forward(z)
        grad *= y.sum(axis=1, keepdims=True)
        grad -= y
        grad *= grad.dtype.type(1.0 / m)
        return value, grad

    def prepare_targets(self, y: Any, n_outputs: int, dtype: Any) -> Array:
        arr = np.asarray(y)
        if arr.ndim == 1 and n_outputs > 1:
            raise ShapeError(
                f"y: categorical_crossentropy expects one-hot targets of shape (m, {n_outputs}), "
                f"got integer labels of shape {arr.shape}; use "
                f"SparseCategoricalCrossentropy for integer labels"
            )
        y = super().prepare_targets(arr, n_outputs, dtype)
        if y.size and y.min() < 0:
            raise DataError("y: categorical_crossentropy expects non-negative targets")
        return y


@_registry.register("sparse_categorical_crossentropy", "scce")
class SparseCategoricalCrossentropy(Loss):
    """Categorical cross-entropy with integer labels ``y_i in {0..K-1}``, shape ``(m,)``.

    ``L = mean_i ( logsumexp(z_i) - z_i[y_i] )``; ``dL/dz = (softmax(z) - onehot(y)) / m``.
    Targets are kept as an int64 vector; no one-hot matrix is built.
    """

    name = "sparse_categorical_crossentropy"
    fused_activation = "softmax"

    def value(self, y: Array, y_hat: Array) -> float:
        rows = np.arange(y.shape[0])
        p = np.clip(y_hat[rows, y], EPSILON, 1.0 - EPSILON).astype(np.float64)
        return float(-np.mean(np.log(p)))

    def gradient(self, y: Array, y_hat: Array) -> Array:
        m = y.shape[0]
        rows = np.arange(m)
        grad = np.zeros_like(y_hat)
        picked = y_hat[rows, y]
        p = np.clip(picked, EPSILON, 1.0 - EPSILON)
        grad[rows, y] = np.where(p == picked, -1.0 / (p * m), 0.0)
        return grad

    def logits_value_and_grad(
        self, y: Array, z: Array, need_grad: bool = True
    ) -> tuple[float, Array | None]:
        # With e = z - max_k z (row by row) and s = sum_k exp(e_k):
        #   L_i = log s_i - e_i[y_i]            dL/dz_i = (exp(e_i) / s_i - onehot(y_i)) / m
        # Rows are addressed in the flat view: row i starts at i * K. (argmax + a flat pick
        # is 3x faster than z.max(axis=1) on short rows.)
        z = np.ascontiguousarray(z)  # the flat views below need C order
        m, k = z.shape
        starts = np.arange(0, m * k, k)
        with np.errstate(over="ignore"):  # a gap beyond the dtype's range: exp(-inf) = 0
            e = z - z.ravel()[starts + z.argmax(axis=1)][:, None]
        at_y = starts + y
        e_y = e.ravel()[at_y]
        np.exp(e, out=e)
        s = e.sum(axis=1)
        value = float((np.log(s).sum(dtype=np.float64) - e_y.sum(dtype=np.float64)) / m)
        if not need_grad:
            return value, None
        s *= m
        e /= s[:, None]
        e.ravel()[at_y] -= e.dtype.type(1.0 / m)
        return value, e

    def prepare_targets(self, y: Any, n_outputs: int, dtype: Any) -> Array:
        arr = np.asarray(y)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise ShapeError(
                f"y: sparse_categorical_crossentropy expects integer labels of shape (m,), got "
                f"shape {arr.shape}; use CategoricalCrossentropy for one-hot targets"
            )
        if arr.dtype.kind == "f":
            if not np.isfinite(arr).all() or (arr.size and not np.all(arr == np.round(arr))):
                raise DataError(
                    "y: sparse_categorical_crossentropy expects integer class labels, "
                    f"got {bad_labels(arr)}"
                )
        elif arr.dtype.kind not in "biu":
            raise DataError(f"y: expected integer class labels, got dtype {arr.dtype}")
        labels = arr.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= n_outputs):
            raise DataError(
                f"y: labels must lie in 0..{n_outputs - 1} for a model with {n_outputs} "
                f"output units, got labels from {labels.min()} to {labels.max()}"
            )
        return labels


def get(identifier: Any) -> Loss:
    """Resolve a loss name (``"binary_crossentropy"``), instance, or config dict."""
    return _registry.get(identifier, argument="loss")


def names() -> list[str]:
    """The loss names glassnet accepts."""
    return _registry.names()
