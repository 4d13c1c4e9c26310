"""``Dense``: every unit sees the whole input row.

Shapes (examples are rows)::

    x (m, n_in)   W (n_in, units)   b (units,)
    z = x @ W + b                 (m, units)     column j of W is unit j's weights
    a = g(z)                      (m, units)

Backward, given ``grad_a = dL/da``::

    grad_z = grad_a * g'(z)       (m, units)
    grad_W = x.T @ grad_z  + dR/dW      (n_in, units)   R: the kernel regularizer, if any
    grad_b = sum over rows of grad_z + dR/db  (units,)
    grad_x = grad_z @ W.T         (m, n_in)

The layer computes gradients; it never changes ``W`` or ``b`` (the optimizer does). Asked to
``defer``, it leaves ``grad_W = x.T @ grad_z`` as a :class:`~glassnet.layers.base.DeferredProduct`
(only when ``W`` has no regularizer): plain SGD then takes ``W += -eta x.T @ grad_z`` as one
BLAS ``gemm`` accumulating into ``W`` (no gradient array written and read back), and
``grad_W`` is computed only if someone reads ``grads`` afterwards.

The first layer also takes a SciPy sparse batch ``x`` (CSR/CSC): ``x @ W`` and ``x.T @ grad_z``
are then sparse products (the scikit-learn estimators feed sparse ``X`` this way); nothing
is densified.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations, initializers, regularizers
from ..checks import check_int
from ..errors import NotReadyError
from ..tensor import Tensor, Weight
from . import members
from .base import Array, DeferredProduct, Layer
from .input import declared_input_shape


class Dense(Layer):
    """A fully connected layer ``a = g(x @ W + b)``."""

    has_units = True
    deferrable_params = (0,)  # grad_W = x.T @ grad_z
    #: keep ``operands = (x, grad_z)`` of the last backward pass (set by a population
    #: whenever it folds plain-SGD steps into the kernel product)
    keep_operands = False

    def __init__(
        self,
        units: int,
        activation: Any = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        name: str | None = None,
        input_shape: Any = None,
        input_dim: int | None = None,
    ) -> None:
        super().__init__(name)
        self.units = check_int(units, "units", minimum=1)
        #: Keras' ``Dense(..., input_shape=(n,))`` / ``input_dim=n`` on a model's first layer:
        #: the model's input width, as if ``Input(shape=(n,))`` came first.
        self.declared_input_shape = declared_input_shape(input_shape, input_dim)
        self.activation = activations.get(activation)
        # None: Keras 3's own default for a weight, glorot_uniform (for the bias too: Keras
        # 3's Dense(bias_initializer=None) starts with a random bias, and so does glassnet's)
        self.kernel_initializer = initializers.get(
            "glorot_uniform" if kernel_initializer is None else kernel_initializer)
        self.bias_initializer = initializers.get(
            "glorot_uniform" if bias_initializer is None else bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer, "kernel_regularizer")
        self.bias_regularizer = regularizers.get(bias_regularizer, "bias_regularizer")
        self.x: Array | None = None
        self.z: Array | None = None
        self.a: Array | None = None
        self.operands: tuple[Array, Array] | None = None

    @property
    def output_dim(self) -> int:
        return int(self.units)

    @property
    def weight_names(self) -> list[str]:
        return ["W", "b"]

    @property
    def kernel(self) -> Tensor:
        """Keras' name for ``W`` (the live array, as a Tensor: ``layer.kernel.numpy()``;
        ``layer.kernel.assign(value)`` writes it, see :class:`~glassnet.tensor.Weight`)."""
        self._require_built()
        return np.asarray(self.W).view(Weight)

    @property
    def bias(self) -> Tensor:
        """Keras' name for ``b`` (the live array, as a Tensor; ``assign`` writes it)."""
        self._require_built()
        return np.asarray(self.b).view(Weight)

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

    def _needs_weights(self) -> bool:
        return True

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype[Any]) -> None:
        super().build(n_in, rng, dtype)
        shape = (int(n_in), self.output_dim)
        W = np.ascontiguousarray(self.kernel_initializer(shape, rng, dtype), dtype=dtype)
        b = np.ascontiguousarray(self.bias_initializer((self.output_dim,), rng, dtype), dtype=dtype)
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]

    # -- forward ----------------------------------------------------------------------------
    def preactivation(self, x: Array, training: bool = False) -> Array:
        """``z = x @ W + b`` (a population's stacked ``z``: see :meth:`forward`)."""
        W, b = self.params
        if W.ndim == 2:
            z = x @ W
            z += b
            return z
        return self._member_preactivation(x)[1]

    def _member_preactivation(self, x: Array) -> tuple[Array, Array]:
        """A population's ``(x, z)``: ``z`` a batch-major ``(K, m, u)`` stack (plain for one
        unit), and ``x`` made member-contiguous for a one-unit layer, whose products are
        matrix-vector ones (see :mod:`~glassnet.layers.members`)."""
        W, b = self.params
        z = members.batch_major(x.shape[-2], W.shape[0], W.shape[2], W.dtype)
        if W.shape[2] == 1:
            x = members.member_contiguous(x)
        np.matmul(x, W, out=z)
        zt = z.transpose(1, 0, 2)
        zt += b  # (m, K, u) += (K, u): the single model's z += b, element by element
        return x, z

    def forward(self, x: Array, training: bool = False, cache: bool = False,
                activate: bool = True) -> Array:
        """``a = g(x @ W + b)``; ``activate=False`` stops at ``z``.

        A single model: ``x (m, n)`` (or a SciPy sparse batch), ``W (n, u)``, ``b (u,)``. A
        population: ``x (m, n)`` shared or ``(K, m, n)``, ``W (K, n, u)``, ``b (K, u)``."""
        if self.params[0].ndim == 2:
            z = self.preactivation(x)
        else:
            x, z = self._member_preactivation(x)
        a = self.activation.forward(z) if activate else z
        if cache:
            self.x, self.z, self.a = x, z, a
        return a

    @property
    def output_activation(self) -> Any:
        return self.activation

    def cached_preactivation(self) -> Array:
        if self.z is None:
            raise NotReadyError(f"layer {self.name!r}: no cached batch; call forward first")
        return self.z

    # -- backward ---------------------------------------------------------------------------
    def backward(self, grad_a: Array, need_input_grad: bool = True,
                 defer: bool = False) -> Array | None:
        if self.z is None or self.a is None:
            raise NotReadyError(f"layer {self.name!r}: backward() called before forward()")
        grad_z = self.activation.backward(grad_a, self.z, self.a)
        return self.backward_from_preactivation(grad_z, need_input_grad, defer)

    def backward_from_preactivation(self, grad_z: Array, need_input_grad: bool = True,
                                    defer: bool = False) -> Array | None:
        """The backward pass given ``grad_z = dL/dz`` directly (fused output + loss).

        Fills ``grads`` (or defers ``grad_W``, see the module docstring); returns ``grad_x``
        or ``None``.
        """
        x = self.x
        if x is None:
            raise NotReadyError(f"layer {self.name!r}: backward() called before forward()")
        W, b = self.params
        grads = self._grads
        stacked = W.ndim == 3  # a population's (K, n, u) kernels: see members
        if stacked and 1 in W.shape[1:]:  # matrix-vector products
            x, grad_z = members.member_contiguous(x), members.member_contiguous(grad_z)
        grad_x = None
        if need_input_grad:
            if stacked:
                grad_x = members.batch_major(grad_z.shape[1], W.shape[0], W.shape[1], W.dtype)
                np.matmul(grad_z, W.transpose(0, 2, 1), out=grad_x)
            else:
                grad_x = grad_z @ W.T
        if stacked:
            members.bias_sum(grad_z, grads[1])
        else:
            grad_z.sum(axis=0, out=grads[1])
        if self.bias_regularizer is not None:
            self.bias_regularizer.add_gradient(b, grads[1])
        dense = isinstance(x, np.ndarray)
        if stacked and self.keep_operands:
            self.operands = (x, grad_z)
        if defer and dense and self.kernel_regularizer is None:
            self.deferred = [(0, DeferredProduct(x, grad_z, grads[0]))]
        else:
            self.deferred = []
            if dense:
                np.matmul(x.transpose(0, 2, 1) if x.ndim == 3 else x.T, grad_z, out=grads[0])
            else:  # a SciPy sparse batch (first layer): a sparse product, nothing densified
                grads[0][...] = x.T @ grad_z
            if self.kernel_regularizer is not None:
                self.kernel_regularizer.add_gradient(W, grads[0])
        return grad_x

    def regularization_loss(self) -> float:
        return regularizers.layer_penalty(self.kernel_regularizer, self.bias_regularizer,
                                          self.W, self.b)

    @property
    def regularized(self) -> bool:
        return self.kernel_regularizer is not None or self.bias_regularizer is not None

    def penalty_terms(self) -> list[float]:
        terms = []
        if self.kernel_regularizer is not None:
            terms.append(self.kernel_regularizer.value(self.W))
        if self.bias_regularizer is not None:
            terms.append(self.bias_regularizer.value(self.b))
        return terms

    def clear_cache(self) -> None:
        self.finish_gradients()  # so no batch is kept alive
        self.x = self.z = self.a = None
        self.operands = None

    def get_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {
            "units": self.units,
            "activation": self.activation.to_config(),
            "kernel_initializer": self.kernel_initializer.to_config(),
            "bias_initializer": self.bias_initializer.to_config(),
            "name": self.name,
        }
        if self.kernel_regularizer is not None:
            cfg["kernel_regularizer"] = self.kernel_regularizer.to_config()
        if self.bias_regularizer is not None:
            cfg["bias_regularizer"] = self.bias_regularizer.to_config()
        return cfg

    def summary_detail(self) -> str:
        detail = str(self.activation.name)
        reg = self.kernel_regularizer
        if reg is not None:
            detail += "".join(f", {k} {v:g}" for k, v in reg.get_config().items() if v)
        return detail

    def summary_row(self) -> tuple[str, str, str, str]:
        label, shape, _, count = super().summary_row()
        return label, shape, str(self.W.shape), count

    def __repr__(self) -> str:
        return f"Dense({self.units}, activation={self.activation.name!r}, name={self.name!r})"
