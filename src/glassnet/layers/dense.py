"""``Dense``: every unit sees the whole input row.

Shapes (examples are rows)::

    x (m, n_in)   W (n_in, units)   b (units,)
    z = x @ W + b                 (m, units)     column j of W is unit j's weights
    a = g(z)                      (m, units)

Backward, given ``grad_a = dL/da``::

    grad_z = grad_a * g'(z)       (m, units)
    grad_W = x.T @ grad_z         (n_in, units)
    grad_b = sum over rows of grad_z  (units,)
    grad_x = grad_z @ W.T         (m, n_in)

With plain SGD (step ``W -= eta grad_W``, no momentum) the model may ask a layer to take the
step during its backward pass (``step=-eta``): ``W += step x.T @ grad_z`` is then one BLAS
``gemm`` accumulating into ``W`` itself (:mod:`glassnet._blas`), instead of a product that
writes ``grad_W`` and a second pass that reads it back. ``grad_W`` is still there for anyone
who looks: the layer keeps that step's ``x`` and ``grad_z`` and computes ``grads[0]`` the
first time ``grads`` is read (the same numbers the unfused step would have stored).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _blas, activations, initializers
from .._checks import check_int
from ..errors import NotReadyError, ShapeError
from .base import Array, Layer
from .input import declared_input_dim

#: Weight matrices smaller than this take the SGD step as NumPy ufuncs after an ordinary
#: gradient product: for them the ctypes call of the fused product costs more than the pass
#: over ``grad_W`` it saves (a 64-25-15-10 net, batch 32: 87 vs 67 us per step).
FUSED_SGD_MIN_SIZE = 8192


class Dense(Layer):
    """A fully connected layer ``a = g(x @ W + b)``."""

    kind = "Dense"

    def __init__(
        self,
        units: int,
        activation: Any = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        name: str | None = None,
        input_shape: Any = None,
        input_dim: int | None = None,
    ) -> None:
        super().__init__(name)
        self.units = check_int(units, "units", minimum=1)
        #: Keras' ``Dense(..., input_shape=(n,))`` / ``input_dim=n`` on a model's first layer:
        #: the model's input width, as if ``Input(shape=(n,))`` came first.
        self.declared_input_dim = declared_input_dim(input_shape, input_dim)
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.n_in: int | None = None
        self.x: Array | None = None
        self.z: Array | None = None
        self.a: Array | None = None
        self._pending: tuple[Array, Array] | None = None  # (x, grad_z) of a fused SGD step

    @property
    def grads(self) -> list[Array]:
        """``[grad_W, grad_b]`` of the most recent backward pass (computed on first read after
        a fused SGD step, see the module docstring)."""
        self.finish_gradients()
        return self._grads

    @grads.setter
    def grads(self, value: list[Array]) -> None:
        self._grads = value
        self._pending = None

    def finish_gradients(self) -> None:
        """Compute ``grad_W`` if a fused SGD step left it pending (and drop that step's
        ``x`` and ``grad_z``)."""
        pending = self._pending
        if pending is not None:
            self._pending = None
            x, grad_z = pending
            np.matmul(x.T, grad_z, out=self._grads[0])

    @property
    def output_dim(self) -> int:
        return int(self.units)  # type: ignore[arg-type]

    @property
    def W(self) -> Array:
        self._require_built()
        return self.params[0]

    @property
    def b(self) -> Array:
        self._require_built()
        return self.params[1]

    @property
    def grad_W(self) -> Array:
        self._require_built()
        return self.grads[0]

    @property
    def grad_b(self) -> Array:
        self._require_built()
        return self.grads[1]

    def _require_built(self) -> None:
        if not self.built:
            raise NotReadyError(
                f"layer {self.name!r} has no weights yet: give the model an Input(shape=...) "
                f"or call fit/predict/build first"
            )

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype[Any]) -> None:
        self.n_in = int(n_in)
        shape = (self.n_in, self.output_dim)
        W = np.ascontiguousarray(self.kernel_initializer(shape, rng, dtype), dtype=dtype)
        b = np.ascontiguousarray(self.bias_initializer((self.output_dim,), rng, dtype), dtype=dtype)
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.built = True

    def forward(self, x: Array, cache: bool = True) -> Array:
        W, b = self.params
        z = x @ W
        z += b
        a = self.activation.forward(z)
        if cache:
            self.x, self.z, self.a = x, z, a
        return a

    def backward(self, grad_a: Array, need_input_grad: bool = True,
                 step: float | None = None) -> Array | None:
        if self.z is None or self.a is None:
            raise NotReadyError(f"layer {self.name!r}: backward() called before forward()")
        grad_z = self.activation.backward(grad_a, self.z, self.a)
        return self.backward_from_z(grad_z, need_input_grad, step)

    def backward_from_z(self, grad_z: Array, need_input_grad: bool = True,
                        step: float | None = None) -> Array | None:
        """The backward pass given ``grad_z = dL/dz`` directly (fused output + loss).

        Fills ``grads``. With ``step`` (a number ``c``), also takes the plain-SGD step
        ``W += c grad_W``, ``b += c grad_b`` (``c = -learning rate``), folded into the
        gradient's product where NumPy's BLAS allows. Returns ``grad_x`` (computed before
        ``W`` changes) or ``None``.
        """
        assert self.x is not None
        W, b = self.params
        grads = self._grads
        grad_x = grad_z @ W.T if need_input_grad else None
        grad_z.sum(axis=0, out=grads[1])
        if (step is not None and W.size >= FUSED_SGD_MIN_SIZE
                and _blas.gemm_at_b_acc(self.x, grad_z, W, step)):
            self._pending = (self.x, grad_z)  # grads[0] = x.T @ grad_z when first read
        else:
            self._pending = None
            np.matmul(self.x.T, grad_z, out=grads[0])
            if step is not None:
                W += W.dtype.type(step) * grads[0]
        if step is not None:
            b += b.dtype.type(step) * grads[1]
        return grad_x

    def set_weights(self, weights: list[Any]) -> None:
        self._require_built()
        if len(weights) != 2:
            raise ShapeError(
                f"weights: layer {self.name!r} expects 2 arrays [W, b], got {len(weights)}"
            )
        for target, new, label in zip(self.params, weights, ("W", "b")):
            arr = np.asarray(new)
            if arr.shape != target.shape:
                raise ShapeError(
                    f"weights: layer {self.name!r} expects {label} of shape {target.shape}, "
                    f"got {arr.shape}"
                )
            target[...] = arr

    def clear_cache(self) -> None:
        self.finish_gradients()  # so no batch is kept alive
        self.x = self.z = self.a = None

    def get_config(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "activation": self.activation.to_config(),
            "kernel_initializer": self.kernel_initializer.to_config(),
            "bias_initializer": self.bias_initializer.to_config(),
            "name": self.name,
        }

    def __repr__(self) -> str:
        return f"Dense({self.units}, activation={self.activation.name!r}, name={self.name!r})"
