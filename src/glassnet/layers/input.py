"""``Input(shape)``: declares the width of the examples a model receives."""

from __future__ import annotations

from typing import Any

from .._checks import check_int
from ..errors import ArgumentTypeError


class Input:
    """The model's input: ``shape=(n,)`` means examples are rows of ``n`` features."""

    def __init__(self, shape: Any, name: str | None = "input") -> None:
        if isinstance(shape, int):
            shape = (shape,)
        if not isinstance(shape, (tuple, list)) or len(shape) != 1:
            raise ArgumentTypeError(
                f"shape: expected a 1-tuple (n_features,) such as (64,), got {shape!r}"
            )
        self.shape = (check_int(shape[0], "shape[0]", minimum=1),)
        self.name = name

    @property
    def n_features(self) -> int:
        return int(self.shape[0])  # type: ignore[arg-type]

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
            raise ArgumentTypeError("shape: expected a 1-tuple (n_features,) such as (64,), "
                                    "got None")
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
