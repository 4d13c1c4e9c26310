"""The layer protocol: what a layer does, and all that ``Sequential`` asks of it.

A layer knows its own maths and nothing else. Once its input width is known it is built::

    layer.build(n_in, rng, dtype)               # create weights (rng: this layer's own stream)
    a = layer.forward(x, training, cache)       # cache=True keeps what backward needs
    grad_x = layer.backward(grad_a)             # fills layer.grads (same order as layer.params)

- ``params`` are the trainable arrays, ``grads`` their gradients from the last backward pass
  (the same arrays every step: the optimizer updates ``params`` in place, nothing else writes
  them). Non-trainable state (a normalization's statistics) is in ``state``.
  ``get_weights()``/``set_weights()`` cover both, in Keras' order.
- ``training`` switches behaviour that differs in training (dropout, batch statistics).
- ``regularization_loss()`` is the penalty this layer adds to the loss; its gradient is part
  of ``grads``.
- ``output_dim``, ``get_config()``, ``summary_row()`` and ``has_units`` describe the layer to
  the model, to files and to the instruments (``has_units``: the layer's outputs are units of
  its own, each with incoming weights, that an instrument may call dead or duplicate).

Layers never update their own parameters: the optimizer owns every step. A layer may leave a
weight gradient as a *deferred product* ``grad = left.T @ right`` (``backward(...,
defer=True)``): an optimizer whose step is linear in the gradient (plain SGD) can then fold
the step into that product, and the gradient is computed only when someone reads ``grads``.

A user's own layer subclasses :class:`Layer`, implements ``forward`` and ``backward`` (and
``build`` if it has weights), and is registered with :func:`glassnet.register` so saved models
that contain it load again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError, DataError, NotReadyError, OutsideSubsetError, ShapeError
from ..tensor import Tensor, as_tensor
from .shapes import HasShapes, SymbolicTensor

Array = NDArray[Any]

__all__ = ["DeferredProduct", "Layer"]


class DeferredProduct:
    """A weight gradient not yet computed: ``out = left.T @ right`` when first asked for.

    ``value()`` computes it into ``out`` (once) and returns ``out``. An optimizer may instead
    use ``left`` and ``right`` directly (plain SGD: ``W += c left.T @ right`` as one BLAS
    call) and leave the product pending for whoever reads the gradient later.
    """

    __slots__ = ("done", "left", "out", "right")

    def __init__(self, left: Array, right: Array, out: Array) -> None:
        self.left = left
        self.right = right
        self.out = out
        self.done = False

    def value(self) -> Array:
        if not self.done:
            left = self.left  # (m, n), or a population's (K, m, n): each member's transpose
            np.matmul(left.T if left.ndim == 2 else left.transpose(0, 2, 1), self.right,
                      out=self.out)
            self.done = True
        return self.out


class Layer(HasShapes):
    """Base class of every layer; the defaults fit a layer without weights."""

    #: True when the layer's outputs are units with incoming weights of their own
    has_units = False
    #: the smallest batch this layer can train on (batch statistics need 2)
    min_training_batch = 1
    #: True when ``forward`` in training draws random numbers (the model seeds it per step)
    stochastic = False
    #: indices of ``params`` whose gradient ``backward(..., defer=True)`` may leave deferred
    deferrable_params: tuple[int, ...] = ()

    def __init__(self, name: str | None = None) -> None:
        if name is not None and not isinstance(name, str):
            raise ConfigError(f"name: expected a string or None, got {name!r}")
        self.name = name
        self.built = False
        self.n_in: int | None = None
        self.params: list[Array] = []
        self._grads: list[Array] = []
        self.state: list[Array] = []
        self.deferred: list[tuple[int, DeferredProduct]] = []

    # -- what the layer is ----------------------------------------------------------------
    @property
    def kind(self) -> str:
        """The class name shown in summaries and saved in configs."""
        return type(self).__name__

    @property
    def output_dim(self) -> int:
        """Width of the output; a layer without weights keeps its input's width."""
        if self.n_in is None:
            raise NotReadyError(f"layer {self.name!r} has no input width yet")
        return self.n_in

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype[Any]) -> None:
        """Create the weights for inputs of width ``n_in`` (none by default)."""
        self.n_in = int(n_in)
        self.dtype = np.dtype(dtype)
        self.built = True

    def build_shape(self, shape: tuple[int, ...], rng: np.random.Generator,
                    dtype: np.dtype[Any]) -> tuple[int, ...]:
        """Build for examples of ``shape`` (``(n,)`` for rows of ``n`` features); returns the
        shape of one output example. The model calls this; a layer that takes examples of
        more than one dimension (``Flatten``, ``Reshape``) overrides it, every other layer
        takes rows of features and is built with ``build(n, ...)``."""
        if len(shape) != 1:
            raise OutsideSubsetError(
                f"layer {self.name!r} ({self.kind}) on examples of shape {tuple(shape)} is "
                f"outside glassnet's subset: its layers other than Flatten and Reshape take "
                f"rows of features (dense networks, no convolutions); put Flatten() before it"
            )
        self.build(shape[0], rng, dtype)
        return (self.output_dim,)

    @property
    def example_shape(self) -> tuple[int, ...]:
        """The shape of one input example (``(n_in,)`` for a layer that takes rows)."""
        return (self._keras_width("input"),)

    @property
    def output_example_shape(self) -> tuple[int, ...]:
        """The shape of one output example (``(output_dim,)`` for a layer that gives rows)."""
        return (self._keras_width("output"),)

    # -- maths ------------------------------------------------------------------------------
    def forward(self, x: Array, training: bool = False, cache: bool = False) -> Array:
        """The layer's output for the batch ``x``; ``cache=True`` keeps what backward needs."""
        raise NotImplementedError(f"{self.kind} must implement forward(x, training, cache)")

    def backward(self, grad_a: Array, need_input_grad: bool = True,
                 defer: bool = False) -> Array | None:
        """``grad_x`` from ``grad_a = dL/da`` for the cached batch; fills ``grads``."""
        raise NotImplementedError(f"{self.kind} must implement backward(grad_a)")

    def regularization_loss(self) -> float:
        """The penalty this layer adds to the training loss (0 by default)."""
        return 0.0

    @property
    def trainable(self) -> bool:
        """Whether training updates this layer's ``params`` (Keras' ``layer.trainable``).
        ``False`` freezes them; the model takes the change at its next ``compile`` or
        ``fit`` (as Keras does at ``compile``). Non-trainable state is never trained."""
        return bool(getattr(self, "_trainable", True))

    @trainable.setter
    def trainable(self, value: bool) -> None:
        from ..checks import check_bool

        self._trainable = check_bool(value, "trainable")

    @property
    def regularized(self) -> bool:
        return False

    def penalty_terms(self) -> list[float]:
        """Each regularizer's penalty on its own (Keras' ``layer.losses``); their sum is
        :meth:`regularization_loss`."""
        return [self.regularization_loss()] if self.regularized else []

    def finish_step(self) -> None:
        """Called once after each training step (a batch normalization's moving averages)."""

    # -- fused output activation (the model pairs it with a matching cross-entropy) ---------
    @property
    def output_activation(self) -> Any:
        """The activation applied last, when ``backward_from_preactivation`` is available."""
        return None

    def preactivation(self, x: Array, training: bool = False) -> Array:
        """The output before ``output_activation`` (only where that is not None)."""
        raise NotImplementedError(f"{self.kind} has no separate output activation")

    def cached_preactivation(self) -> Array:
        raise NotImplementedError(f"{self.kind} has no separate output activation")

    def backward_from_preactivation(self, grad_z: Array, need_input_grad: bool = True,
                                    defer: bool = False) -> Array | None:
        raise NotImplementedError(f"{self.kind} has no separate output activation")

    # -- gradients --------------------------------------------------------------------------
    @property
    def grads(self) -> list[Array]:
        """The gradients of ``params`` from the last backward pass (deferred ones computed
        now)."""
        self.finish_gradients()
        return self._grads

    @grads.setter
    def grads(self, value: list[Array]) -> None:
        self._grads = value
        self.deferred = []

    def finish_gradients(self) -> None:
        """Compute every deferred weight gradient (and let go of its batch)."""
        if self.deferred:
            for _, product in self.deferred:
                product.value()
            self.deferred = []

    # -- weights ------------------------------------------------------------------------------
    @property
    def weight_names(self) -> list[str]:
        """Names of ``get_weights()``'s arrays (``["W", "b"]`` for a dense layer)."""
        return [f"w{i}" for i in range(len(self.params) + len(self.state))]

    @property
    def param_names(self) -> list[str]:
        """Names of the trainable arrays, in ``params`` order."""
        return self.weight_names[: len(self.params)]

    def weight_arrays(self) -> list[Array]:
        """The live arrays behind ``get_weights()``: trainable first, then state."""
        return self.params + self.state

    @property
    def weights(self) -> list[Tensor]:
        """The live weight arrays (views, not copies: writing to one writes the weight),
        trainable first, as Tensors (Keras' ``layer.weights``: ``w.numpy()``)."""
        return [as_tensor(w) for w in self.weight_arrays()]

    def get_weights(self) -> list[Array]:
        return [w.copy() for w in self.weight_arrays()]

    def check_weights(self, weights: list[Any]) -> list[Array]:
        """Validate ``weights`` for :meth:`set_weights` without writing anything; returns
        them as arrays. Shapes must match; values must be finite real numbers that fit the
        layer's dtype (a float64 1e300 is refused for a float32 layer, not turned into inf)."""
        targets = self.weight_arrays()
        if not isinstance(weights, (list, tuple)) or len(weights) != len(targets):
            got = len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__
            raise ShapeError(
                f"weights: layer {self.name!r} expects {len(targets)} arrays "
                f"{self.weight_names}, got {got}"
            )
        out = []
        for target, new, label in zip(targets, weights, self.weight_names):
            arr = np.asarray(new)
            if arr.shape != target.shape:
                raise ShapeError(
                    f"weights: layer {self.name!r} expects {label} of shape {target.shape}, "
                    f"got {arr.shape}"
                )
            if arr.dtype.kind not in "biuf":
                raise DataError(
                    f"weights: layer {self.name!r} expects real numbers for {label}, got "
                    f"dtype {arr.dtype}"
                )
            if not np.isfinite(arr).all():
                raise DataError(
                    f"weights: layer {self.name!r} expects finite numbers for {label}, "
                    f"found NaN or inf"
                )
            if arr.dtype.kind == "f" and target.dtype.kind == "f" \
                    and arr.dtype.itemsize > target.dtype.itemsize and arr.size:
                biggest = float(np.max(np.abs(arr)))
                if biggest > float(np.finfo(target.dtype).max):
                    raise DataError(
                        f"weights: layer {self.name!r} expects {label} within the range of "
                        f"{target.dtype} (|x| <= {float(np.finfo(target.dtype).max):.3g}), "
                        f"got values up to {biggest:.3g}; they would become inf"
                    )
            out.append(arr)
        return out

    def set_weights(self, weights: list[Any]) -> None:
        """Overwrite every weight (in place) after checking all of them."""
        self._require_built()
        arrays = self.check_weights(weights)
        for target, arr in zip(self.weight_arrays(), arrays):
            target[...] = arr

    def count_params(self) -> int:
        """Every weight the layer holds, trainable or not (Keras' count: a
        BatchNormalization of n units has 4n); the trainable ones alone are
        ``sum(p.size for p in layer.params)``."""
        return int(sum(w.size for w in self.weight_arrays()))

    def _require_built(self) -> None:
        if not self.built:
            raise NotReadyError(
                f"layer {self.name or self.kind!r} has no weights yet: give the model an "
                f"Input(shape=...) or call fit/predict/build first"
            )

    # -- the rest of the protocol -------------------------------------------------------------
    def clear_cache(self) -> None:
        """Let go of the cached batch (computing deferred gradients first)."""
        self.finish_gradients()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def summary_row(self) -> tuple[str, str, str, str]:
        """(``name (Kind, detail)``, output shape, weight shapes, trainable parameter count)."""
        arrays = self.weight_arrays() if self.built else []
        distinct = {tuple(w.shape) for w in arrays}
        if len(arrays) > 1 and len(distinct) == 1:
            shapes = f"{len(arrays)} x {next(iter(distinct))}"
        else:
            shapes = " ".join(str(tuple(w.shape)) for w in arrays)
        detail = self.summary_detail()
        label = f"{self.name} ({self.kind}{', ' + detail if detail else ''})"
        dim = str(self.output_dim) if self.built or self.n_in is not None else "?"
        return (label, f"(None, {dim})", shapes or "-", f"{self.count_params():,}")

    def summary_detail(self) -> str:
        """A few words shown beside the kind in ``summary()`` (the activation, the rate)."""
        return ""

    def trace_mask(self) -> Array | None:
        """For the cached training batch: which outputs were kept (a dropout mask), or None."""
        return None

    # -- Keras-style introspection: shapes ``(None, n)`` ------------------------------------
    def _keras_width(self, which: str) -> int:
        if not self.built or self.n_in is None:
            raise NotReadyError(
                f"layer {self.name!r} has no {which} shape yet: put it in a model and call "
                f"model.build(input_shape=(None, n_features)), fit or predict first"
            )
        return self.n_in if which == "input" else self.output_dim

    @property
    def input(self) -> SymbolicTensor:
        """The layer's input, described: ``layer.input.shape == (None, n_in)``."""
        return SymbolicTensor(self.example_shape, f"{self.name}/input",
                              str(getattr(self, "dtype", "float32")))

    @property
    def output(self) -> SymbolicTensor:
        """The layer's output, described: ``layer.output.shape == (None, output_dim)``."""
        return SymbolicTensor(self.output_example_shape, f"{self.name}/output",
                              str(getattr(self, "dtype", "float32")))

    def __call__(self, x: Any, training: bool = False) -> Tensor:
        """Apply the layer on its own to a 2-D array (inference by default), as ``layer(X)``
        in Keras; the result is a :class:`~glassnet.tensor.Tensor` (answers ``.numpy()``).
        A layer with weights that is not built yet is built for ``X``'s width, its weights
        drawn from a fresh seed (derived from the global seed when one is set:
        ``glassnet.set_global_seed``, ``tf.random.set_seed``)."""
        from ..checks import check_features, new_seed

        if np.ndim(x) > 2 and not isinstance(x, (str, bytes)):
            raise OutsideSubsetError(
                f"layer {self.name!r} ({self.kind}) on x of shape {np.shape(x)} is outside "
                f"glassnet's subset: its layers other than Flatten and Reshape take rows of "
                f"features (dense networks, no convolutions); flatten x first "
                f"(layers.Flatten()(x), or x.reshape(len(x), -1))")
        dtype = getattr(self, "dtype", np.dtype(np.float32)) if self.built else None
        arr = check_features(x, self.n_in if self.built else None,
                             dtype if dtype is not None else _float_dtype_of(x),
                             argument="x", layer_name=self.name)
        if not self.built:
            seed = new_seed() if self.params or self._needs_weights() else 0
            self.build(arr.shape[1], np.random.default_rng(seed), arr.dtype)
        return as_tensor(self.forward(arr, training=training, cache=False))

    def _needs_weights(self) -> bool:
        """True when ``build`` would draw weights (so it cannot be built implicitly)."""
        return False

    def __repr__(self) -> str:
        return f"{self.kind}(name={self.name!r})"


def _float_dtype_of(x: Any) -> np.dtype[Any]:
    arr = np.asarray(x)
    return np.dtype(np.float64) if arr.dtype == np.float64 else np.dtype(np.float32)
