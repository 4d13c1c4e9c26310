"""``Input(shape)``: declares the shape of the examples a model receives."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks import check_int
from ..errors import ArgumentTypeError, OutsideSubsetError


def check_shape(shape: Any, argument: str = "shape") -> tuple[int, ...]:
    """The shape of one example: ``(n,)`` for rows of ``n`` features, ``(28, 28)`` for
    images (which a ``Flatten`` layer must take first); an int ``n`` means ``(n,)``."""
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or len(shape) < 1 or None in shape:
        raise ArgumentTypeError(
            f"{argument}: expected the shape of one example, a tuple such as (64,) or "
            f"(28, 28), got {shape!r}"
        )
    return tuple(int(check_int(d, f"{argument}[{i}]", minimum=1))
                 for i, d in enumerate(shape))


class Input:
    """The model's input: ``shape=(n,)`` means examples are rows of ``n`` features;
    ``shape=(28, 28)`` means images, which a ``Flatten`` (or ``Reshape``) layer takes first."""

    def __init__(self, shape: Any, name: str | None = "input", dtype: Any = None) -> None:
        if isinstance(shape, (tuple, list)) and len(shape) == 0:
            raise OutsideSubsetError(
                "Input(shape=()) (one scalar per example, a named input of a functional "
                "graph) is outside glassnet's TensorFlow subset: Dense layers take examples as "
                "rows; use Input(shape=(1,)) for one feature, or join the columns "
                "(df[columns]) and use Input(shape=(n,))")
        self.shape = check_shape(shape)
        self.dtype = _input_dtype(dtype)
        self.name = name

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise OutsideSubsetError(
            f"{self!r} used as a value (a layer, tf.cast or tf.concat called on it) builds a "
            f"functional graph, which is outside glassnet's TensorFlow subset: put the Input "
            f"first in Sequential([Input(shape=...), Dense(...), ...]) and give the model one "
            f"array of features (df[columns], not a dict of columns)")

    @property
    def n_features(self) -> int:
        """The number of values in one example (the width once flattened)."""
        return math.prod(self.shape)

    def get_config(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "name": self.name}

    def __repr__(self) -> str:
        return f"Input(shape={self.shape})"


def _input_dtype(dtype: Any) -> Any:
    """Keras' ``Input(dtype=...)``: the dtype of the values given; the model computes in its
    own dtype (Keras casts inputs to its layers' dtype too). Numbers only."""
    if dtype is None:
        return None
    if dtype in ("string", str, bytes, object) or getattr(dtype, "name", None) == "string":
        dtype = object
    try:
        dt = np.dtype(getattr(dtype, "as_numpy_dtype", dtype))
    except TypeError:
        raise ArgumentTypeError(f"dtype: expected a NumPy dtype or its name such as "
                                f"'float32', got {dtype!r}") from None
    if dt.kind not in "biuf":
        raise OutsideSubsetError(
            f"Input(dtype={dtype!r}) is outside glassnet's TensorFlow subset: its networks "
            f"take numbers; encode strings and categories as numbers first (one-hot columns "
            f"with pandas.get_dummies, for example)")
    return dt


class InputLayer(Input):
    """Keras' ``InputLayer``: ``InputLayer(shape=(n,))`` or (Keras 2) ``input_shape=(n,)``."""

    def __init__(self, shape: Any = None, name: str | None = "input",
                 input_shape: Any = None, dtype: Any = None) -> None:
        if shape is None:
            shape = input_shape
        if shape is None:
            raise ArgumentTypeError("shape: expected the shape of one example, a tuple such as "
                                    "(64,), got None")
        super().__init__(shape, name=name, dtype=dtype)


def declared_input_dim(input_shape: Any, input_dim: Any) -> int | None:
    """The width a layer's Keras-style ``input_shape=(n,)`` or ``input_dim=n`` declares."""
    if input_shape is None and input_dim is None:
        return None
    if input_shape is not None and input_dim is not None:
        raise ArgumentTypeError(
            f"input_shape and input_dim: give one, not both (got {input_shape!r}, {input_dim!r})"
        )
    if input_dim is not None:
        return check_int(input_dim, "input_dim", minimum=1)
    return Input(shape=input_shape).n_features


def declared_input_shape(input_shape: Any, input_dim: Any) -> tuple[int, ...] | None:
    """The example shape a layer's Keras-style ``input_shape=`` or ``input_dim=n`` declares."""
    if input_shape is None and input_dim is None:
        return None
    if input_shape is not None and input_dim is not None:
        raise ArgumentTypeError(
            f"input_shape and input_dim: give one, not both (got {input_shape!r}, {input_dim!r})"
        )
    if input_dim is not None:
        return (int(check_int(input_dim, "input_dim", minimum=1)),)
    return check_shape(input_shape, "input_shape")
