"""``Input(shape)``: declares the shape of the examples a model receives."""

from __future__ import annotations

import math
from typing import Any

from ..checks import check_int
from ..errors import ArgumentTypeError


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

    def __init__(self, shape: Any, name: str | None = "input") -> None:
        self.shape = check_shape(shape)
        self.name = name

    @property
    def n_features(self) -> int:
        """The number of values in one example (the width once flattened)."""
        return math.prod(self.shape)

    def get_config(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "name": self.name}

    def __repr__(self) -> str:
        return f"Input(shape={self.shape})"


class InputLayer(Input):
    """Keras' ``InputLayer``: ``InputLayer(shape=(n,))`` or (Keras 2) ``input_shape=(n,)``."""

    def __init__(self, shape: Any = None, name: str | None = "input",
                 input_shape: Any = None) -> None:
        if shape is None:
            shape = input_shape
        if shape is None:
            raise ArgumentTypeError("shape: expected the shape of one example, a tuple such as "
                                    "(64,), got None")
        super().__init__(shape, name=name)


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
