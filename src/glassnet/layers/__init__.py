"""Layers: :class:`Input` and :class:`Dense`, and the :class:`Layer` protocol."""

from .base import Layer
from .dense import Dense
from .input import Input

__all__ = ["Dense", "Input", "Layer"]
