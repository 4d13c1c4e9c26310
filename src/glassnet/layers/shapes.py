"""Keras-style shapes of a built layer's input and output: ``(None, n)``.

``layer.output.shape`` is ``(None, units)``: ``None`` is the batch dimension (any number of
rows), ``n`` the width. It compares equal to the tuple and to ``[None, n]`` through
``as_list()``, as the course's checks do. These are descriptions, not data: glassnet runs
on NumPy arrays, so there is no symbolic graph behind them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["HasShapes", "Shape", "SymbolicTensor"]


class Shape(tuple):
    """A shape such as ``(None, 25)``; ``as_list()`` gives ``[None, 25]``."""

    def as_list(self) -> list[Any]:
        return list(self)

    @property
    def rank(self) -> int:
        return len(self)


class SymbolicTensor:
    """What a layer's ``input``/``output`` (or a model's) describes: a batch of examples of a
    known shape. ``shape`` is a :class:`Shape` ``(None, n)`` (``(None, 28, 28)`` for images
    a ``Flatten`` layer takes)."""

    def __init__(self, width: int | tuple[int, ...], name: str, dtype: str = "float32") -> None:
        dims = tuple(int(d) for d in width) if isinstance(width, tuple) else (int(width),)
        self.shape = Shape((None, *dims))
        self.name = name
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"<SymbolicTensor shape={tuple(self.shape)} dtype={self.dtype} name={self.name}>"


class HasShapes:
    """``input_shape`` and ``output_shape`` from ``input`` and ``output`` (layers and models)."""

    if TYPE_CHECKING:  # each class gives its own

        @property
        def input(self) -> SymbolicTensor: ...

        @property
        def output(self) -> SymbolicTensor: ...

    @property
    def input_shape(self) -> Shape:
        return self.input.shape

    @property
    def output_shape(self) -> Shape:
        return self.output.shape
