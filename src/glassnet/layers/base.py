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

from ..errors import NotReadyError
from .shapes import Shape, SymbolicTensor

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

    # -- Keras-style introspection (shapes ``(None, n)``, live weights, standalone calls) --
    def _keras_width(self, which: str) -> int:
        n = getattr(self, "n_in", None) if which == "input" else None
        if not self.built or (which == "input" and n is None):
            raise NotReadyError(
                f"layer {self.name!r} has no {which} shape yet: put it in a model and call "
                f"model.build(input_shape=(None, n_features)), fit or predict first"
            )
        return int(n) if which == "input" and n is not None else self.output_dim

    @property
    def input(self) -> SymbolicTensor:
        """The layer's input, described: ``layer.input.shape == (None, n_in)``."""
        return SymbolicTensor(self._keras_width("input"), f"{self.name}/input",
                              self._dtype_name())

    @property
    def output(self) -> SymbolicTensor:
        """The layer's output, described: ``layer.output.shape == (None, units)``."""
        return SymbolicTensor(self._keras_width("output"), f"{self.name}/output",
                              self._dtype_name())

    @property
    def input_shape(self) -> Shape:
        return self.input.shape

    @property
    def output_shape(self) -> Shape:
        return self.output.shape

    @property
    def weights(self) -> list[Array]:
        """The live parameter arrays (``[W, b]`` for Dense), not copies."""
        return list(self.params)

    def _dtype_name(self) -> str:
        return str(self.params[0].dtype) if self.params else "float32"

    def __call__(self, x: Any) -> Array:
        """Run the layer alone on a batch ``x`` (m, n), as ``layer(X)`` in Keras. The first
        call builds it for ``n`` features, its weights drawn from a fresh seed (derived from
        the global default seed when one is set, see ``glassnet.set_global_seed``)."""
        from .._checks import check_features, new_seed, resolve_dtype

        if self.built:
            arr = check_features(x, getattr(self, "n_in", None), self.params[0].dtype,
                                 argument="x", layer_name=self.name)
        else:
            arr = check_features(x, None, resolve_dtype(None), argument="x",
                                 layer_name=self.name)
            self.build(arr.shape[1], np.random.default_rng(new_seed()), arr.dtype)
        return self.forward(arr, cache=False)
