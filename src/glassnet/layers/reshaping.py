"""``Flatten`` and ``Reshape``: layers without weights that change the shape of each example.

glassnet's engine runs on rows of features, so these are the layers that let a model take
examples of more than one dimension (images of 28 x 28 pixels)::

    Flatten:               x (m, d1, d2, ...) -> a (m, d1 * d2 * ...)
    Reshape(target_shape): x (m, *in_shape)   -> a (m, *target_shape)
    backward:              grad_x = grad_a reshaped back to x's shape

The values and their order do not change (C order, as NumPy and Keras reshape), so the
forward pass is a view of ``x`` and the backward pass a view of ``grad_a``; nothing is
learned. ``Flatten(input_shape=(28, 28))`` on a model's first layer declares its input as
``Input(shape=(28, 28))`` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import check_int
from ..errors import ArgumentTypeError, ConfigError, NotReadyError, ShapeError
from ..tensor import Tensor, as_tensor
from .base import Array, Layer
from .input import check_shape

__all__ = ["Flatten", "Reshape"]


class _ShapeLayer(Layer):
    """A layer that only reshapes each example (no weights, no units)."""

    def __init__(self, name: str | None = None, input_shape: Any = None) -> None:
        super().__init__(name)
        #: Keras' ``input_shape=`` on a model's first layer: the shape of one example
        self.declared_input_shape = (None if input_shape is None
                                     else check_shape(input_shape, "input_shape"))
        self.in_shape: tuple[int, ...] | None = None
        self.out_shape: tuple[int, ...] | None = None

    def _out_shape_for(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        raise NotImplementedError

    def build_shape(self, shape: tuple[int, ...], rng: np.random.Generator,
                    dtype: np.dtype[Any]) -> tuple[int, ...]:
        out = self._out_shape_for(tuple(int(d) for d in shape))
        self.build(int(np.prod(shape)), rng, dtype)
        self.in_shape, self.out_shape = tuple(shape), out
        return out

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype[Any]) -> None:
        super().build(n_in, rng, dtype)
        if self.in_shape is None or int(np.prod(self.in_shape)) != int(n_in):
            self.in_shape = (int(n_in),)
            self.out_shape = self._out_shape_for(self.in_shape)

    @property
    def output_dim(self) -> int:
        if self.out_shape is None:
            raise NotReadyError(f"layer {self.name!r} has no input shape yet")
        return int(np.prod(self.out_shape))

    @property
    def example_shape(self) -> tuple[int, ...]:
        if self.in_shape is None:
            self._keras_width("input")  # raises the usual NotReadyError
        return tuple(self.in_shape or ())

    @property
    def output_example_shape(self) -> tuple[int, ...]:
        if self.out_shape is None:
            self._keras_width("output")
        return tuple(self.out_shape or ())

    def forward(self, x: Array, training: bool = False, cache: bool = False) -> Array:
        target = self.out_shape
        if target is None:
            raise NotReadyError(f"layer {self.name!r}: not built")
        if x.shape[1:] == target:
            return x
        return x.reshape((x.shape[0], *target))

    def backward(self, grad_a: Array, need_input_grad: bool = True,
                 defer: bool = False) -> Array | None:
        if not need_input_grad:
            return None
        shape = self.in_shape
        if shape is None or grad_a.shape[1:] == shape:
            return grad_a
        return grad_a.reshape((grad_a.shape[0], *shape))

    def __call__(self, x: Any, training: bool = False) -> Tensor:
        """Apply the layer on its own to a batch ``x`` of examples (``(m, *shape)``)."""
        from ..checks import check_features

        arr = np.asarray(x)
        if arr.ndim < 2:
            raise ShapeError(f"x: expected a batch of examples (m, ...), got shape {arr.shape}")
        if self.built and arr.shape[1:] != self.in_shape:
            raise ShapeError(f"x has examples of shape {arr.shape[1:]} but layer "
                             f"{self.name!r} expects {self.in_shape}")
        dtype: np.dtype[Any] = getattr(self, "dtype", np.dtype(np.float32)) if self.built else (
            np.dtype(np.float64) if arr.dtype == np.float64 else np.dtype(np.float32))
        flat = check_features(arr.reshape(arr.shape[0], -1), None, dtype, argument="x",
                              layer_name=self.name)
        if not self.built:
            self.build_shape(arr.shape[1:], np.random.default_rng(0), flat.dtype)
        return as_tensor(self.forward(flat.reshape(arr.shape), training, False))

    def summary_row(self) -> tuple[str, str, str, str]:
        label, _, shapes, count = super().summary_row()
        dims = ", ".join(str(d) for d in self.out_shape) if self.out_shape else "?"
        return label, f"(None, {dims})", shapes, count


class Flatten(_ShapeLayer):
    """Each example as one row of features: ``(m, d1, d2, ...) -> (m, d1 * d2 * ...)``."""

    def __init__(self, data_format: str | None = None, name: str | None = None,
                 input_shape: Any = None) -> None:
        if data_format not in (None, "channels_last"):
            raise ConfigError(f"data_format: expected None or 'channels_last', got "
                              f"{data_format!r}")
        super().__init__(name, input_shape)

    def _out_shape_for(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(np.prod(shape)),)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def summary_detail(self) -> str:
        return "" if self.in_shape is None else "x".join(str(d) for d in self.in_shape) + " -> row"


class Reshape(_ShapeLayer):
    """Each example reshaped to ``target_shape`` (one entry may be ``-1``: inferred)."""

    def __init__(self, target_shape: Any, name: str | None = None,
                 input_shape: Any = None) -> None:
        if isinstance(target_shape, int) and not isinstance(target_shape, bool):
            target_shape = (target_shape,)
        if not isinstance(target_shape, (tuple, list)) or not target_shape:
            raise ArgumentTypeError(
                f"target_shape: expected a tuple of ints such as (28, 28), got {target_shape!r}")
        dims = []
        for i, d in enumerate(target_shape):
            if d == -1 and not isinstance(d, bool):
                dims.append(-1)
            else:
                dims.append(int(check_int(d, f"target_shape[{i}]", minimum=1)))
        if dims.count(-1) > 1:
            raise ConfigError(f"target_shape: at most one -1 (inferred), got {target_shape!r}")
        self.target_shape = tuple(dims)
        super().__init__(name, input_shape)

    def _out_shape_for(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        total = int(np.prod(shape))
        known = int(np.prod([d for d in self.target_shape if d != -1]))
        if -1 in self.target_shape:
            if total % known:
                raise ShapeError(f"target_shape: {self.target_shape} cannot hold examples of "
                                 f"shape {shape} ({total} values)")
            return tuple(total // known if d == -1 else d for d in self.target_shape)
        if known != total:
            raise ShapeError(f"target_shape: {self.target_shape} holds {known} values but "
                             f"layer {self.name!r} gets examples of shape {shape} "
                             f"({total} values)")
        return self.target_shape

    def get_config(self) -> dict[str, Any]:
        return {"target_shape": list(self.target_shape), "name": self.name}

    def summary_detail(self) -> str:
        return "x".join(str(d) for d in self.target_shape)
