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

A leading member axis. ``value``, ``gradient``, ``value_and_grad`` and
``logits_value_and_grad`` also take the stacked outputs of a population, ``(P, m, K)`` for
``P`` members, with targets shared by every member (shaped as for one model) or one set per
member (``(P, m)`` labels, ``(P, m, K)`` otherwise). The value is then a float64 array of
``P`` values, the gradient ``(P, m, K)``, and member ``p``'s value and gradient are bit for bit
those of the one-model call on its ``(m, K)`` block: the arithmetic is the same code, element
by element, and each member's sums run over its own values in the same order (a member's
block is made contiguous before it is summed, see :func:`_total`). The outputs may be a
batch-major view (an ``(m, P, K)`` buffer seen as ``(P, m, K)``, the population's layout);
the gradient then comes back in that layout too. ``weighted_value`` and
``weighted_value_and_grad`` take the same stacks, with weights shared by every member
(``(m,)``) or one set per member (``(P, m)``), member by member bit for bit as well.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._registry import Registry
from .activations import Sigmoid, Softmax
from .checks import bad_labels, check_float
from .errors import DataError, ShapeError
from .tensor import Tensor, as_tensor

Array = NDArray[Any]
#: A loss value: a float for one model's ``(m, K)`` outputs, a float64 array of shape ``(P,)``
#: (one value per member) for stacked ``(P, m, K)`` outputs.
Value = Any

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "ElementwiseLoss",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "check_sample_weight",
    "get",
    "names",
]

EPSILON = 1e-7  # clipping of probabilities in the non-fused cross-entropies (as Keras)


def _logsumexp(z: Array) -> Array:
    zmax = z.max(axis=-1, keepdims=True)
    with np.errstate(over="ignore"):  # a gap beyond the dtype's range: exp(-inf) = 0
        out = np.exp(z - zmax)
    s = out.sum(axis=-1, keepdims=True)
    return np.log(s) + zmax


# -- one model or a stack of members: the reductions over "all of a model's values" -----------


def _total(a: Array, stacked: bool, dtype: Any = None) -> Any:
    """The sum of one model's values (``stacked`` false: a NumPy scalar), or each member's sum
    over its own block of a stacked ``(P, ...)`` array (shape ``(P,)``).

    A member's block is made contiguous first: NumPy then sums it exactly as it sums the
    one-model array (the same pairwise summation over the same sequence, the same casting
    chunks), so member ``p``'s sum equals the one-model sum bit for bit."""
    if not stacked:
        return a.sum(dtype=dtype)
    a = np.ascontiguousarray(a)
    return a.sum(axis=tuple(range(1, a.ndim)), dtype=dtype)


def _mean(a: Array, stacked: bool, dtype: Any = None) -> Any:
    """The mean of one model's values (a NumPy scalar), or each member's (``(P,)``): as
    :func:`_total`."""
    if not stacked:
        return a.mean(dtype=dtype)
    a = np.ascontiguousarray(a)
    return a.mean(axis=tuple(range(1, a.ndim)), dtype=dtype)


def _weighted_mean(per: Array, w: Array) -> Value:
    """``sum_i w_i l_i / m`` from each example's loss ``per`` (``(m,)``, float64): a float; or
    each member's, ``(P,)``, from ``per`` ``(P, m)`` and weights shared ``(m,)`` or per member
    ``(P, m)``. A member's sum is the one-model dot product (BLAS ``ddot``) on its own
    contiguous row: the same call on the same numbers, so the same bits (a batched product
    would sum in another order)."""
    w64 = w.astype(np.float64, copy=False)
    m = per.shape[-1]
    if per.ndim == 1:
        return float(np.dot(per, w64) / m)
    per = np.ascontiguousarray(per)
    rows = [w64] * per.shape[0] if w64.ndim == 1 else np.ascontiguousarray(w64)
    return np.array([np.dot(p, q) for p, q in zip(per, rows)]) / m


def _scalar(v: Any, stacked: bool) -> Value:
    """A Python float for one model, the ``(P,)`` float64 array of a stack."""
    return np.asarray(v, dtype=np.float64) if stacked else float(v)


def mean_value(a: Array, stacked: bool, dtype: Any = None) -> Value:
    """The mean of one model's per-example values as a Python float, or each member's mean
    over its own block of a stack ``(P, ...)`` as a ``(P,)`` float64 array (summed as the
    one-model mean sums): what a loss's or a mean metric's value is."""
    return _scalar(_mean(a, stacked, dtype), stacked)


def _label_rows(z: Array, y: Array) -> tuple[Array, Array, bool]:
    """A stack's logits and integer labels as rows: ``(rows (R, K) in C order, labels (R,),
    layout)``. The logits ``(P, m, K)`` give the rows of every (member, example) as one
    ``(P m, K)`` matrix, in the order they lie in memory, without a copy where they already
    lie in rows: member-major ``(P, m)`` for a C-ordered ``z`` (layout ``False``),
    batch-major ``(m, P)`` for a view of an ``(m, P, K)`` buffer (layout ``True``); the
    labels (shared ``(m,)`` or per member ``(P, m)``) follow the same order."""
    P, m, k = z.shape
    if not z.flags.c_contiguous:
        zb = z.transpose(1, 0, 2)
        if zb.flags.c_contiguous:
            return zb.reshape(m * P, k), (y.repeat(P) if y.ndim == 1 else y.T.reshape(-1)), True
    rows = np.ascontiguousarray(z).reshape(P * m, k)
    if y.ndim != 1:
        return rows, y.reshape(-1), False
    return rows, (y if P == 1 else y[None].repeat(P, axis=0).reshape(-1)), False


def _member_rows(v: Array, layout: bool, m: int) -> Array:
    """Per-row values of a stack (rows as :func:`_label_rows` lays them out) as a contiguous
    ``(P, m)`` array: each member's values in one row, to be summed as one model's are."""
    return np.ascontiguousarray(v.reshape(m, -1).T) if layout else v.reshape(-1, m)


def _from_rows(rows: Array, layout: bool, m: int) -> Array:
    """Rows laid out by :func:`_label_rows` back in the shape (and layout) of the logits."""
    k = rows.shape[1]
    if layout:
        return rows.reshape(m, -1, k).transpose(1, 0, 2)
    return rows.reshape(-1, m, k)


def _pick(y_hat: Array, y: Array) -> Array:
    """``y_hat[i, y_i]`` for every example (of every member: ``(P, m)`` for a stack)."""
    return y_hat[_label_index(y_hat, y)]


def _label_index(y_hat: Array, y: Array) -> tuple[Array, ...]:
    """The index of every example's labelled output in ``y_hat`` (``(m, K)``, or a stack
    ``(P, m, K)`` with labels shared ``(m,)`` or per member ``(P, m)``)."""
    if y_hat.ndim == 2:
        return np.arange(y.shape[0]), y
    return np.arange(y_hat.shape[0])[:, None], np.arange(y_hat.shape[1]), y


def _outputs(a: Array) -> int:
    """The number of values a model's loss averages over: ``m K`` for ``(m, K)`` (or each
    member's ``(m, K)`` block of a stack)."""
    return a.shape[-2] * a.shape[-1]


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
    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        """The mean loss over the examples (``sum_i w_i l_i / m`` with ``sample_weight``), as a
        0-d :class:`~glassnet.tensor.Tensor` in ``y_pred``'s float type (Keras:
        ``loss_fn(y, logits).numpy()``)."""
        y_pred = np.asarray(y_pred)
        if y_pred.dtype.kind != "f":
            y_pred = y_pred.astype(np.float32)
        if y_pred.ndim == 1:
            y_pred = y_pred[:, None]
        y = self.prepare_targets(y_true, y_pred.shape[1], y_pred.dtype)
        if sample_weight is not None:
            w = check_sample_weight(sample_weight, y_pred.shape[0], y_pred.dtype)
            value = self.weighted_value(y, y_pred, w, logits=self.from_logits)
        elif self.from_logits:
            value = self.logits_value_and_grad(y, y_pred, need_grad=False)[0]
        else:
            value = self.value(y, y_pred)
        return as_tensor(np.asarray(value, dtype=y_pred.dtype))

    def value(self, y: Array, y_hat: Array) -> Value:
        """The loss of outputs ``y_hat`` ``(m, K)`` (a float), or of each member's block of
        stacked outputs ``(P, m, K)`` (a ``(P,)`` float64 array; see the module's notes)."""
        raise NotImplementedError

    def gradient(self, y: Array, y_hat: Array) -> Array:
        """``dL/dy_hat``, shaped as ``y_hat`` (member by member for a stack)."""
        raise NotImplementedError

    def value_and_grad(self, y: Array, y_hat: Array) -> tuple[Value, Array]:
        """Value and ``dL/dy_hat`` for the model output ``y_hat`` (or a stack of them)."""
        if self.from_logits:
            value, grad = self.logits_value_and_grad(y, y_hat)
            assert grad is not None
            return value, grad
        return self.value(y, y_hat), self.gradient(y, y_hat)

    def logits_value_and_grad(
        self, y: Array, z: Array, need_grad: bool = True
    ) -> tuple[Value, Array | None]:
        """Value and ``dL/dz`` from the logits ``z`` (``(m, K)``, or a stack ``(P, m, K)``)."""
        raise NotImplementedError(f"{type(self).__name__} has no logits form")

    # -- per-example weights (fit(sample_weight=...), class_weight) ------------------------
    #
    # With weights w_i the loss is Keras' "sum over batch size": L_w = sum_i w_i l_i / m, where
    # l_i is example i's own loss (the mean over its outputs for mean squared error and binary
    # cross-entropy, the sum over classes for categorical cross-entropy). The unweighted
    # gradient's row i is dl_i/dy_hat_i / m, so the weighted gradient is that row times w_i.

    def per_example(self, y: Array, y_hat: Array) -> Array:
        """Each example's own loss ``l_i`` (shape ``(m,)``, float64; ``(P, m)`` for stacked
        outputs); ``value`` is their mean."""
        raise NotImplementedError(f"{type(self).__name__} has no per-example form")

    def per_example_logits(self, y: Array, z: Array) -> Array:
        """Each example's loss from the logits ``z`` (shape ``(m,)``, float64; ``(P, m)`` for
        stacked logits)."""
        raise NotImplementedError(f"{type(self).__name__} has no logits form")

    def weighted_value(self, y: Array, out: Array, w: Array, logits: bool = False) -> Value:
        """``sum_i w_i l_i / m``; ``out`` holds logits when ``logits``. For stacked outputs
        ``(P, m, K)`` (weights ``(m,)`` shared or ``(P, m)`` per member): each member's value,
        ``(P,)``, bit for bit the one-model call on its block."""
        per = self.per_example_logits(y, out) if logits else self.per_example(y, out)
        return _weighted_mean(per, w)

    def weighted_value_and_grad(self, y: Array, out: Array, w: Array,
                                logits: bool = False) -> tuple[Value, Array]:
        """The weighted value and its gradient with respect to ``out`` (the logits when
        ``logits``): each row of the unweighted gradient times its example's weight (member
        by member for a stack, with its own weights when they are per member)."""
        if logits:
            grad = self.logits_value_and_grad(y, out)[1]
            assert grad is not None
        else:
            grad = self.gradient(y, out)
        grad *= w.astype(grad.dtype, copy=False)[..., None]
        return self.weighted_value(y, out, w, logits), grad

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


REGISTRY: Registry[Loss] = Registry("loss", Loss)


@REGISTRY.register("mean_squared_error", "mse")
class MeanSquaredError(Loss):
    """``L = mean_i mean_k (y_hat_ik - y_ik)^2``;  ``dL/dy_hat = 2 (y_hat - y) / (m K)``."""

    name = "mean_squared_error"

    def __init__(self) -> None:
        super().__init__(from_logits=False)

    def value(self, y: Array, y_hat: Array) -> Value:
        d = y_hat - y
        stacked = d.ndim == 3
        return _scalar(_mean(np.square(d, dtype=np.float64), stacked), stacked)

    def gradient(self, y: Array, y_hat: Array) -> Array:
        grad = y_hat - y
        grad *= grad.dtype.type(2.0 / _outputs(grad))
        return grad

    def value_and_grad(self, y: Array, y_hat: Array) -> tuple[Value, Array]:
        # one difference for both (d^2 in float64 for the value, 2 d / (m K) for the gradient)
        d = y_hat - y
        stacked = d.ndim == 3
        value = _scalar(_mean(np.square(d, dtype=np.float64), stacked), stacked)
        d *= d.dtype.type(2.0 / _outputs(d))
        return value, d

    def per_example(self, y: Array, y_hat: Array) -> Array:
        return np.mean(np.square(y_hat - y, dtype=np.float64), axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {}


@REGISTRY.register("binary_crossentropy", "bce", "binary_cross_entropy")
class BinaryCrossentropy(Loss):
    """``L = -mean( y log p + (1 - y) log(1 - p) )`` with ``p = sigmoid(z)``.

    ``from_logits=False``: the output is ``p`` itself (clipped to ``[1e-7, 1 - 1e-7]``),
    ``dL/dp = (p - y) / (p (1 - p) m K)``. Fused with a sigmoid output: ``dL/dz = (p - y) / (m K)``.
    Targets are in ``[0, 1]``.
    """

    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def value(self, y: Array, y_hat: Array) -> Value:
        p = np.clip(y_hat, EPSILON, 1.0 - EPSILON).astype(np.float64)
        stacked = p.ndim == 3
        return _scalar(-_mean(y * np.log(p) + (1.0 - y) * np.log1p(-p), stacked), stacked)

    def gradient(self, y: Array, y_hat: Array) -> Array:
        p = np.clip(y_hat, EPSILON, 1.0 - EPSILON)
        grad = (p - y) / (p * (1.0 - p))
        grad *= grad.dtype.type(1.0 / _outputs(grad))
        grad[p != y_hat] = 0.0  # the clipped value does not move with y_hat
        return grad

    def per_example(self, y: Array, y_hat: Array) -> Array:
        p = np.clip(y_hat, EPSILON, 1.0 - EPSILON).astype(np.float64)
        return -np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p), axis=-1)

    def per_example_logits(self, y: Array, z: Array) -> Array:
        per = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return np.asarray(np.mean(per, axis=-1, dtype=np.float64))

    def logits_value_and_grad(
        self, y: Array, z: Array, need_grad: bool = True
    ) -> tuple[Value, Array | None]:
        per = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
        stacked = z.ndim == 3
        value = _scalar(_mean(per, stacked, np.float64), stacked)
        if not need_grad:
            return value, None
        grad = Sigmoid().forward(z)
        grad -= y
        grad *= grad.dtype.type(1.0 / _outputs(grad))
        return value, grad

    def prepare_targets(self, y: Any, n_outputs: int, dtype: Any) -> Array:
        y = super().prepare_targets(y, n_outputs, dtype)
        if y.size and (y.min() < 0 or y.max() > 1):
            raise DataError(
                f"y: binary_crossentropy expects targets in [0, 1], got values from "
                f"{y.min():g} to {y.max():g}"
            )
        return y


@REGISTRY.register("categorical_crossentropy", "cce", "categorical_cross_entropy")
class CategoricalCrossentropy(Loss):
    """``L = -mean_i sum_k y_ik log p_ik`` with one-hot (or probability) targets ``(m, K)``.

    Fused with a softmax output (or ``from_logits=True``): ``dL/dz = (softmax(z) - y) / m``.
    """

    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def value(self, y: Array, y_hat: Array) -> Value:
        p = np.clip(y_hat, EPSILON, 1.0 - EPSILON).astype(np.float64)
        stacked = p.ndim == 3
        return _scalar(-_total(y * np.log(p), stacked) / p.shape[-2], stacked)

    def gradient(self, y: Array, y_hat: Array) -> Array:
        p = np.clip(y_hat, EPSILON, 1.0 - EPSILON)
        grad = -y / p
        grad *= grad.dtype.type(1.0 / y_hat.shape[-2])
        grad[p != y_hat] = 0.0  # the clipped value does not move with y_hat
        return grad

    def per_example(self, y: Array, y_hat: Array) -> Array:
        p = np.clip(y_hat, EPSILON, 1.0 - EPSILON).astype(np.float64)
        return -np.sum(y * np.log(p), axis=-1)

    def per_example_logits(self, y: Array, z: Array) -> Array:
        lse = _logsumexp(z.astype(np.float64))
        return lse[..., 0] * y.sum(axis=-1) - np.sum(y * z, axis=-1, dtype=np.float64)

    def logits_value_and_grad(
        self, y: Array, z: Array, need_grad: bool = True
    ) -> tuple[Value, Array | None]:
        m = z.shape[-2]
        stacked = z.ndim == 3
        lse = _logsumexp(z)
        value = _scalar((_total(lse[..., 0] * y.sum(axis=-1), stacked, np.float64)
                         - _total(y * z, stacked, np.float64)) / m, stacked)
        if not need_grad:
            return value, None
        grad = Softmax().forward(z)
        grad *= y.sum(axis=-1, keepdims=True)
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


@REGISTRY.register("sparse_categorical_crossentropy", "scce")
class SparseCategoricalCrossentropy(Loss):
    """Categorical cross-entropy with integer labels ``y_i in {0..K-1}``, shape ``(m,)``.

    ``L = mean_i ( logsumexp(z_i) - z_i[y_i] )``; ``dL/dz = (softmax(z) - onehot(y)) / m``.
    Targets are kept as an int64 vector; no one-hot matrix is built.
    """

    name = "sparse_categorical_crossentropy"
    fused_activation = "softmax"

    def value(self, y: Array, y_hat: Array) -> Value:
        p = np.clip(_pick(y_hat, y), EPSILON, 1.0 - EPSILON).astype(np.float64)
        stacked = y_hat.ndim == 3
        return _scalar(-_mean(np.log(p), stacked), stacked)

    def gradient(self, y: Array, y_hat: Array) -> Array:
        m = y_hat.shape[-2]
        grad = np.zeros_like(y_hat)
        at_y = _label_index(y_hat, y)
        picked = y_hat[at_y]
        p = np.clip(picked, EPSILON, 1.0 - EPSILON)
        grad[at_y] = np.where(p == picked, -1.0 / (p * m), 0.0)
        return grad

    def per_example(self, y: Array, y_hat: Array) -> Array:
        p = np.clip(_pick(y_hat, y), EPSILON, 1.0 - EPSILON).astype(np.float64)
        return -np.log(p)

    def per_example_logits(self, y: Array, z: Array) -> Array:
        z64 = z.astype(np.float64)
        return _logsumexp(z64)[..., 0] - z64[_label_index(z64, y)]

    def logits_value_and_grad(
        self, y: Array, z: Array, need_grad: bool = True
    ) -> tuple[Value, Array | None]:
        # With e = z - max_k z (row by row) and s = sum_k exp(e_k):
        #   L_i = log s_i - e_i[y_i]            dL/dz_i = (exp(e_i) / s_i - onehot(y_i)) / m
        # Rows are addressed in the flat view: row i starts at i * K. (argmax + a flat pick
        # is 3x faster than z.max(axis=1) on short rows.) A stack of members is one matrix of
        # the rows of every (member, example), in the order they lie in memory (a batch-major
        # population's logits are not copied); each member's value sums its own rows.
        if z.ndim == 2:  # one model: no stack to lay out (the hot path of every fit)
            rows = np.ascontiguousarray(z)  # the flat views below need C order
            labels, layout = y, None
            m, k = rows.shape
            starts = np.arange(0, m * k, k)
        else:
            rows, labels, layout = _label_rows(z, y)
            m, k = z.shape[1], z.shape[2]
            starts = np.arange(0, rows.size, k)
        with np.errstate(over="ignore"):  # a gap beyond the dtype's range: exp(-inf) = 0
            e = rows - rows.ravel()[starts + rows.argmax(axis=1)][:, None]
        at_y = starts + labels
        e_y = e.ravel()[at_y]
        np.exp(e, out=e)
        s = e.sum(axis=1)
        value: Value
        if layout is None:
            value = float((np.log(s).sum(dtype=np.float64) - e_y.sum(dtype=np.float64)) / m)
        else:  # each member's rows summed on their own, contiguous
            value = ((_member_rows(np.log(s), layout, m).sum(axis=1, dtype=np.float64)
                      - _member_rows(e_y, layout, m).sum(axis=1, dtype=np.float64)) / m)
        if not need_grad:
            return value, None
        s *= m
        e /= s[:, None]
        e.ravel()[at_y] -= e.dtype.type(1.0 / m)
        return value, e if layout is None else _from_rows(e, layout, m)

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


# -- regression and probabilistic losses (Keras' formulas, element by element) ---------------


class ElementwiseLoss(Loss):
    """A loss that is a mean (``reduce="mean"``) or a sum (``"sum"``) over each example's
    outputs of an element loss ``e(y, y_hat)``: ``l_i = mean_k e_ik`` (or ``sum_k``), the
    value ``mean_i l_i``. Subclasses give ``element(y, y_hat)`` (float64) and
    ``element_grad(y, y_hat)`` (``de/dy_hat``, in ``y_hat``'s dtype) side by side."""

    reduce = "mean"

    def __init__(self) -> None:
        super().__init__(from_logits=False)

    def element(self, y: Array, y_hat: Array) -> Array:
        raise NotImplementedError

    def element_grad(self, y: Array, y_hat: Array) -> Array:
        raise NotImplementedError

    def per_example(self, y: Array, y_hat: Array) -> Array:
        e = self.element(y, y_hat)
        return np.asarray(e.mean(axis=-1) if self.reduce == "mean" else e.sum(axis=-1))

    def value(self, y: Array, y_hat: Array) -> Value:
        stacked = y_hat.ndim == 3
        return _scalar(_mean(self.per_example(y, y_hat), stacked), stacked)

    def gradient(self, y: Array, y_hat: Array) -> Array:
        grad = self.element_grad(y, y_hat)
        scale = _outputs(grad) if self.reduce == "mean" else grad.shape[-2]
        grad *= grad.dtype.type(1.0 / scale)
        return grad

    def get_config(self) -> dict[str, Any]:
        return {}


@REGISTRY.register("mean_absolute_error", "mae")
class MeanAbsoluteError(ElementwiseLoss):
    """``e = |y_hat - y|``;  ``de/dy_hat = sign(y_hat - y)`` (0 where they are equal)."""

    name = "mean_absolute_error"

    def element(self, y: Array, y_hat: Array) -> Array:
        return np.abs(y_hat.astype(np.float64) - y)

    def element_grad(self, y: Array, y_hat: Array) -> Array:
        return np.sign(y_hat - y)


@REGISTRY.register("mean_absolute_percentage_error", "mape")
class MeanAbsolutePercentageError(ElementwiseLoss):
    """``e = 100 |y - y_hat| / max(|y|, 1e-7)``;
    ``de/dy_hat = 100 sign(y_hat - y) / max(|y|, 1e-7)``."""

    name = "mean_absolute_percentage_error"

    def element(self, y: Array, y_hat: Array) -> Array:
        d = y.astype(np.float64) - y_hat
        return 100.0 * np.abs(d / np.maximum(np.abs(y), EPSILON))

    def element_grad(self, y: Array, y_hat: Array) -> Array:
        grad = np.sign(y_hat - y)
        grad *= grad.dtype.type(100.0)
        grad /= np.maximum(np.abs(y), EPSILON).astype(grad.dtype)
        return grad


@REGISTRY.register("mean_squared_logarithmic_error", "msle")
class MeanSquaredLogarithmicError(ElementwiseLoss):
    """``e = (log(max(y_hat, 1e-7) + 1) - log(max(y, 1e-7) + 1))^2``;
    ``de/dy_hat = 2 (log(...) - log(...)) / (y_hat + 1)`` where ``y_hat > 1e-7``, else 0."""

    name = "mean_squared_logarithmic_error"

    def element(self, y: Array, y_hat: Array) -> Array:
        d = (np.log1p(np.maximum(y_hat.astype(np.float64), EPSILON))
             - np.log1p(np.maximum(y.astype(np.float64), EPSILON)))
        return np.asarray(np.square(d))

    def element_grad(self, y: Array, y_hat: Array) -> Array:
        p = np.maximum(y_hat, EPSILON)
        grad = 2.0 * (np.log1p(p) - np.log1p(np.maximum(y, EPSILON))) / (p + 1.0)
        grad[y_hat < EPSILON] = 0.0  # the clipped value does not move with y_hat
        return grad.astype(y_hat.dtype, copy=False)


@REGISTRY.register("huber", "huber_loss")
class Huber(ElementwiseLoss):
    """With ``d = y_hat - y``: ``e = d^2 / 2`` where ``|d| <= delta``, else
    ``delta |d| - delta^2 / 2``;  ``de/dy_hat = d`` there, else ``delta sign(d)``."""

    name = "huber"

    def __init__(self, delta: float = 1.0) -> None:
        super().__init__()
        self.delta = check_float(delta, "delta", minimum=0.0)

    def element(self, y: Array, y_hat: Array) -> Array:
        d = y_hat.astype(np.float64) - y
        a = np.abs(d)
        return np.where(a <= self.delta, 0.5 * d * d, self.delta * a - 0.5 * self.delta ** 2)

    def element_grad(self, y: Array, y_hat: Array) -> Array:
        d = y_hat - y
        return np.where(np.abs(d) <= self.delta, d,
                        d.dtype.type(self.delta) * np.sign(d)).astype(d.dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        return {"delta": self.delta}


@REGISTRY.register("log_cosh", "logcosh")
class LogCosh(ElementwiseLoss):
    """``e = log(cosh(d))`` with ``d = y_hat - y``, computed as
    ``d + softplus(-2 d) - log 2`` (no overflow);  ``de/dy_hat = tanh(d)``."""

    name = "log_cosh"

    def element(self, y: Array, y_hat: Array) -> Array:
        d = y_hat.astype(np.float64) - y
        return np.asarray(d + np.logaddexp(0.0, -2.0 * d) - np.log(2.0))

    def element_grad(self, y: Array, y_hat: Array) -> Array:
        return np.tanh(y_hat - y)


@REGISTRY.register("hinge")
class Hinge(ElementwiseLoss):
    """``e = max(1 - y y_hat, 0)`` with targets in {-1, 1} (targets all in {0, 1} are
    mapped to {-1, 1} first, as Keras does);  ``de/dy_hat = -y`` where ``1 - y y_hat > 0``."""

    name = "hinge"

    def element(self, y: Array, y_hat: Array) -> Array:
        return np.maximum(1.0 - y * y_hat.astype(np.float64), 0.0)

    def element_grad(self, y: Array, y_hat: Array) -> Array:
        return np.where(1.0 - y * y_hat > 0, -y, 0.0).astype(y_hat.dtype, copy=False)

    def prepare_targets(self, y: Any, n_outputs: int, dtype: Any) -> Array:
        t = super().prepare_targets(y, n_outputs, dtype)
        if t.size and np.all((t == 0) | (t == 1)):
            t = 2.0 * t - 1.0
        return t.astype(dtype, copy=False)


@REGISTRY.register("poisson")
class Poisson(ElementwiseLoss):
    """``e = y_hat - y log(y_hat + 1e-7)``;  ``de/dy_hat = 1 - y / (y_hat + 1e-7)``."""

    name = "poisson"

    def element(self, y: Array, y_hat: Array) -> Array:
        p = y_hat.astype(np.float64)
        return np.asarray(p - y * np.log(p + EPSILON))

    def element_grad(self, y: Array, y_hat: Array) -> Array:
        return (1.0 - y / (y_hat + y_hat.dtype.type(EPSILON))).astype(y_hat.dtype, copy=False)


@REGISTRY.register("kl_divergence", "kld", "kullback_leibler_divergence")
class KLDivergence(ElementwiseLoss):
    """``l_i = sum_k y_k log(y_k / p_k)`` with ``y`` and ``p = y_hat`` clipped to
    ``[1e-7, 1]``;  ``de/dy_hat = -y / p`` where ``y_hat`` lies inside the clip, else 0."""

    name = "kl_divergence"
    reduce = "sum"

    def element(self, y: Array, y_hat: Array) -> Array:
        t = np.clip(y.astype(np.float64), EPSILON, 1.0)
        p = np.clip(y_hat.astype(np.float64), EPSILON, 1.0)
        return np.asarray(t * np.log(t / p))

    def element_grad(self, y: Array, y_hat: Array) -> Array:
        t = np.clip(y, EPSILON, 1.0)
        p = np.clip(y_hat, EPSILON, 1.0)
        grad = -t / p
        grad[p != y_hat] = 0.0  # the clipped value does not move with y_hat
        return grad.astype(y_hat.dtype, copy=False)


def check_sample_weight(sample_weight: Any, m: int, dtype: Any,
                        argument: str = "sample_weight") -> Array:
    """Per-example weights checked against ``m`` examples: a 1-D array (or ``(m, 1)``) of
    finite real numbers, returned as a vector in ``dtype``."""
    w = np.asarray(sample_weight)
    if w.ndim == 2 and w.shape[1] == 1:
        w = w[:, 0]
    if w.ndim != 1 or w.shape[0] != m:
        raise ShapeError(f"{argument}: expected one weight per example, shape ({m},), got "
                         f"shape {w.shape}")
    if w.dtype.kind not in "biuf":
        raise DataError(f"{argument}: expected real numbers, got dtype {w.dtype}")
    if not np.isfinite(w).all():
        raise DataError(f"{argument}: weights contain NaN or infinite values")
    return w.astype(dtype, copy=False)


def get(identifier: Any) -> Loss:
    """Resolve a loss name (``"binary_crossentropy"``), instance, or config dict."""
    return REGISTRY.get(identifier, argument="loss")


def names() -> list[str]:
    """The loss names glassnet accepts."""
    return REGISTRY.names()
