"""The course's functions, as executable truth.

This is the one module in glassnet where loops over units and over examples are on
purpose. It holds the Machine Learning Specialization's ``my_dense`` (a Python loop over the
units of a layer for one example) next to the vectorized form and two loop variants in
between, so that a learner can check, number for number, that they all compute the same
layer:

    a_out[j] = g(W[:, j] . a_in + b[j])          one unit j, one example     (dense_loop)
    A_out    = g(A_in @ W + b)                   every unit, every example   (dense)

Shapes follow the course: an example is a row ``a_in`` of shape ``(n,)`` (a batch ``A_in``
is ``(m, n)``), ``W`` has shape ``(n, units)`` and column ``j`` holds unit ``j``'s weights,
``b`` has shape ``(units,)``.

Every unit sees every example; nothing is split between units. The loops only change the
order in which the same dot products are computed, and how fast (see
``glassnet.inspect`` and the benchmarks for timings).

The activations below are written the plain textbook way, as the course writes them. They
are for reading and checking, not for training: ``sigmoid`` warns about overflow for very
negative ``z`` and ``softmax`` overflows for large ``z``; ``glassnet.activations`` and
``glassnet.losses`` hold the numerically careful versions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import ArgumentTypeError, ConfigError, ShapeError

__all__ = [
    "dense",
    "dense_loop",
    "dense_per_example",
    "dense_per_unit_per_example",
    "linear",
    "relu",
    "sequential",
    "sigmoid",
    "softmax",
    "tanh",
]

Activation = Callable[[Any], Any]
"""A function ``g`` applied to ``z`` (a number or an array), returning ``g(z)``."""

DenseFn = Callable[[Any, Any, Any, Any], NDArray[Any]]
"""One of the four dense functions: ``(A_in, W, b, g) -> A_out``."""


# --------------------------------------------------------------------------- activations


def sigmoid(z: ArrayLike) -> NDArray[Any]:
    """The logistic sigmoid, ``g(z) = 1 / (1 + e^(-z))``, in ``(0, 1)``."""
    return 1 / (1 + np.exp(-np.asarray(z)))


def relu(z: ArrayLike) -> NDArray[Any]:
    """The rectified linear unit, ``g(z) = max(0, z)``."""
    return np.maximum(0, np.asarray(z))


def tanh(z: ArrayLike) -> NDArray[Any]:
    """The hyperbolic tangent, ``g(z) = (e^z - e^(-z)) / (e^z + e^(-z))``, in ``(-1, 1)``."""
    return np.tanh(np.asarray(z))


def linear(z: ArrayLike) -> NDArray[Any]:
    """The identity (no activation), ``g(z) = z``."""
    return np.asarray(z)


def softmax(z: ArrayLike) -> NDArray[Any]:
    """``a_j = e^(z_j) / sum_k e^(z_k)`` over the last axis (the units).

    Written as the course's ``my_softmax``: no shift by ``max(z)``, so ``z`` above about
    709 overflows to ``inf`` and gives NaN.
    """
    ez = np.exp(np.asarray(z))
    return ez / np.sum(ez, axis=-1, keepdims=True)


_ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": sigmoid,
    "relu": relu,
    "tanh": tanh,
    "linear": linear,
    "softmax": softmax,
}


def _resolve_activation(g: object, argument: str = "g") -> Activation:
    """A callable passes through; a name picks one of this module's activations."""
    if isinstance(g, str):
        key = g.strip().lower()
        if key not in _ACTIVATIONS:
            raise ConfigError(
                f"{argument}: unknown activation {g!r}; expected a callable or one of "
                f"{', '.join(sorted(_ACTIVATIONS))}"
            )
        return _ACTIVATIONS[key]
    if callable(g):
        return g
    raise ArgumentTypeError(
        f"{argument}: expected an activation function or its name, got {type(g).__name__}"
    )


def _per_unit_activation(g: object, function: str) -> Activation:
    """Resolve ``g`` for a function that applies it to one unit's ``z`` at a time."""
    activation = _resolve_activation(g)
    if activation is softmax:
        raise ConfigError(
            f"{function}: g=softmax needs every unit's z at once (it divides by their sum), "
            "so it cannot be applied one unit at a time; use dense or dense_per_example"
        )
    return activation


# --------------------------------------------------------------------------- checks


def _as_numbers(value: ArrayLike, argument: str) -> NDArray[Any]:
    try:
        array = np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        raise ShapeError(f"{argument}: expected a rectangular array of numbers: {exc}") from exc
    if array.dtype.kind not in "biuf":
        raise ArgumentTypeError(
            f"{argument}: expected numbers, got an array of dtype {array.dtype}"
        )
    return array


def _check_layer(a: NDArray[Any], W: NDArray[Any], b: NDArray[Any], a_name: str) -> None:
    """Check that ``W`` is ``(n, units)``, ``b`` is ``(units,)`` and ``a`` has ``n`` features."""
    if W.ndim != 2:
        raise ShapeError(f"W must be 2-D with shape (n_in, units), got shape {W.shape}")
    n_in, units = W.shape
    if b.ndim != 1 or b.shape[0] != units:
        raise ShapeError(
            f"b has shape {b.shape} but W has {units} units (W has shape {W.shape}); "
            f"expected b of shape ({units},)"
        )
    if a.shape[-1] != n_in:
        raise ShapeError(
            f"{a_name} has {a.shape[-1]} features but W expects {n_in} (W has shape {W.shape})"
        )


def _output_dtype(*arrays: NDArray[Any]) -> np.dtype[Any]:
    """The floating dtype of a result: the inputs' common type, or float64 for integers."""
    common = np.result_type(*arrays)
    return common if common.kind == "f" else np.dtype(np.float64)


def _inputs(
    a_in: ArrayLike, W: ArrayLike, b: ArrayLike, a_name: str, ndims: tuple[int, ...], hint: str
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    a_arr = _as_numbers(a_in, a_name)
    W_arr = _as_numbers(W, "W")
    b_arr = _as_numbers(b, "b")
    if a_arr.ndim not in ndims:
        raise ShapeError(f"{a_name} must be {hint}, got shape {a_arr.shape}")
    _check_layer(a_arr, W_arr, b_arr, a_name)
    return a_arr, W_arr, b_arr


# --------------------------------------------------------------------------- dense layers


def dense_loop(a_in: ArrayLike, W: ArrayLike, b: ArrayLike, g: Activation | str) -> NDArray[Any]:
    """One example through one layer, one unit at a time: the course's ``my_dense``.

    For each unit ``j``: ``a_out[j] = g(W[:, j] . a_in + b[j])``.

    Parameters
    ----------
    a_in: one example, shape ``(n,)``.
    W: weights, shape ``(n, units)``; column ``j`` is unit ``j``.
    b: biases, shape ``(units,)``.
    g: an activation applied to each unit's ``z`` (a callable or a name; not softmax).

    Returns ``a_out`` of shape ``(units,)``.
    """
    a_in, W, b = _inputs(
        a_in, W, b, "a_in", (1,), "one example of shape (n,); use dense for a batch (m, n)"
    )
    g = _per_unit_activation(g, "dense_loop")
    units = W.shape[1]
    a_out = np.zeros(units, dtype=_output_dtype(a_in, W, b))
    for j in range(units):
        w = W[:, j]
        z = np.dot(w, a_in) + b[j]
        a_out[j] = g(z)
    return a_out


def dense(A_in: ArrayLike, W: ArrayLike, b: ArrayLike, g: Activation | str) -> NDArray[Any]:
    """A whole batch through one layer in one matrix product: ``A_out = g(A_in @ W + b)``.

    ``A_in`` of shape ``(m, n)`` gives ``(m, units)``: row ``i`` holds every unit's output
    for example ``i``. A single example of shape ``(n,)`` gives ``(units,)``, like the
    course's ``my_dense_v``. ``b`` is added to every row (broadcasting).
    """
    A_in, W, b = _inputs(A_in, W, b, "A_in", (1, 2), "a batch (m, n) or one example (n,)")
    activation = _resolve_activation(g)
    Z = np.matmul(A_in, W) + b
    return np.asarray(activation(Z))


def dense_per_example(
    A_in: ArrayLike, W: ArrayLike, b: ArrayLike, g: Activation | str
) -> NDArray[Any]:
    """A batch one example at a time, each example vectorized over the units.

    For each example ``i``: ``A_out[i] = g(A_in[i] @ W + b)``. ``A_in`` has shape ``(m, n)``;
    returns ``(m, units)``.
    """
    A_in, W, b = _inputs(A_in, W, b, "A_in", (2,), "a batch of shape (m, n)")
    activation = _resolve_activation(g)
    m, units = A_in.shape[0], W.shape[1]
    A_out = np.zeros((m, units), dtype=_output_dtype(A_in, W, b))
    for i in range(m):
        A_out[i] = activation(A_in[i] @ W + b)
    return A_out


def dense_per_unit_per_example(
    A_in: ArrayLike, W: ArrayLike, b: ArrayLike, g: Activation | str
) -> NDArray[Any]:
    """A batch with two loops, over examples and over units: one dot product at a time.

    For each example ``i`` and unit ``j``: ``A_out[i, j] = g(W[:, j] . A_in[i] + b[j])``.
    ``A_in`` has shape ``(m, n)``; returns ``(m, units)``. Every unit processes every one
    of the ``m`` examples.
    """
    A_in, W, b = _inputs(A_in, W, b, "A_in", (2,), "a batch of shape (m, n)")
    activation = _per_unit_activation(g, "dense_per_unit_per_example")
    m, units = A_in.shape[0], W.shape[1]
    A_out = np.zeros((m, units), dtype=_output_dtype(A_in, W, b))
    for i in range(m):
        for j in range(units):
            z = np.dot(W[:, j], A_in[i]) + b[j]
            A_out[i, j] = activation(z)
    return A_out


def sequential(
    x: ArrayLike,
    weights: Sequence[ArrayLike],
    activations: Sequence[Activation | str],
    dense_fn: DenseFn = dense,
) -> NDArray[Any]:
    """Chain dense layers: ``a[0] = x``, ``a[l] = g_l(a[l-1] @ W_l + b_l)``; returns ``a[L]``.

    Parameters
    ----------
    x: the input: ``(m, n)`` or one example ``(n,)`` (what ``dense_fn`` accepts).
    weights: in Keras order, ``[W1, b1, W2, b2, ...]`` (what ``model.get_weights()`` gives).
    activations: one per layer: callables or names ("sigmoid", "relu", "tanh", "linear",
        "softmax").
    dense_fn: the layer function to use: :func:`dense` (default), :func:`dense_loop`,
        :func:`dense_per_example` or :func:`dense_per_unit_per_example`.
    """
    if isinstance(weights, str | bytes) or not isinstance(weights, Sequence):
        raise ArgumentTypeError(
            f"weights: expected a list [W1, b1, W2, b2, ...], got {type(weights).__name__}"
        )
    if isinstance(activations, str | bytes) or not isinstance(activations, Sequence):
        raise ArgumentTypeError(
            "activations: expected a list with one activation per layer, "
            f"got {type(activations).__name__} {activations!r}"
        )
    if len(weights) == 0 or len(weights) % 2 != 0:
        raise ConfigError(
            f"weights: expected pairs [W1, b1, W2, b2, ...] (an even, non-zero count), "
            f"got {len(weights)} arrays"
        )
    n_layers = len(weights) // 2
    if len(activations) != n_layers:
        raise ConfigError(
            f"activations: expected {n_layers} (one per layer of weights), got {len(activations)}"
        )
    if not callable(dense_fn):
        raise ArgumentTypeError(
            f"dense_fn: expected a function (A_in, W, b, g), got {type(dense_fn).__name__}"
        )
    a: Any = x
    for layer in range(n_layers):
        W, b = weights[2 * layer], weights[2 * layer + 1]
        try:
            a = dense_fn(a, W, b, activations[layer])
        except (ShapeError, ConfigError) as exc:
            raise type(exc)(f"layer {layer + 1}: {exc}") from exc
    return np.asarray(a)
