"""The layer protocol.

A layer with parameters is built once its input width is known, then::

    a = layer.forward(x, cache=True)     # keeps x, z, a for the backward pass
    grad_x = layer.backward(grad_a)      # fills layer.grads (same order as layer.params)

``params`` and ``grads`` are lists of arrays in Keras order (``[W, b]``). The optimizer
updates ``params`` in place; nothing else writes them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]


class Layer:
    """Base class of layers with parameters."""

    kind = "layer"

    def __init__(self, name: str | None = None) -> None:
        self.name = name
        self.built = False
        self.params: list[Array] = []
        self.grads: list[Array] = []

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype[Any]) -> None:
        raise NotImplementedError

    @property
    def output_dim(self) -> int:
        raise NotImplementedError

    def forward(self, x: Array, cache: bool = True) -> Array:
        raise NotImplementedError

    def backward(self, grad_a: Array, need_input_grad: bool = True,
                 step: float | None = None) -> Array | None:
        """``grad_x`` from ``grad_a``; fills ``grads``. With ``step = c`` the layer also
        takes the plain-SGD step ``p += c grad`` on every parameter (see ``Dense``)."""
        raise NotImplementedError

    def finish_gradients(self) -> None:
        """Make ``grads`` complete (a layer may compute some lazily); nothing by default."""

    def get_weights(self) -> list[Array]:
        return [p.copy() for p in self.params]

    def set_weights(self, weights: list[Any]) -> None:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError

    def count_params(self) -> int:
        return int(sum(p.size for p in self.params))
