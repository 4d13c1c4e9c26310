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
