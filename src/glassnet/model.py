"""``Sequential``: a stack of layers, built, run forward and differentiated as one.

One forward pass computes every unit of every layer for a whole batch; one backward pass
computes every parameter's gradient; one optimizer step moves all parameters at once.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import NDArray

from . import layers as layers_mod
from . import losses as losses_mod
from . import metrics as metrics_mod
from . import optimizers as optimizers_mod
from . import saving
from .callbacks import Callback, History
from .checks import (
    by_name,
    check_built,
    check_compiled,
    check_features,
    check_int,
    check_output_kind,
    check_seed,
    new_seed,
    resolve_dtype,
)
from .errors import (
    ArgumentTypeError,
    ConfigError,
    GlassnetError,
    GlassnetWarning,
    LayerProtocolError,
    MissingFileError,
    ModelFileError,
    NotReadyError,
    OutsideSubsetError,
    ShapeError,
)
from .io import check_path
from .layers import Input, Layer
from .layers.shapes import HasShapes, SymbolicTensor
from .tensor import Tensor, as_tensor
from .training import evaluate, fit, rollback_build

Array = NDArray[Any]

__all__ = ["LayerTrace", "Sequential", "load_model", "save_model"]

#: ``spawn_key`` tag of the streams that draw a stochastic layer's per-step randomness
#: (dropout masks): ``SeedSequence(seed, spawn_key=(layer index, STEP_STREAM, step))``.
#: Initial weights use ``spawn_key=(layer index,)``, so the two never share a stream.
STEP_STREAM = 1

# Automatic model names, Keras style: "sequential", "sequential_1", ... in creation order.
_auto_names: dict[str, int] = {}


def step_generator(seed: int, index: int, step: int) -> np.random.Generator:
    """The generator of layer ``index``'s draws at training step ``step`` for ``seed``:
    ``SeedSequence(seed, spawn_key=(index, STEP_STREAM, step))`` (see
    :meth:`Sequential.step_rng`; a population draws each member's masks with it)."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(index, STEP_STREAM, int(step))))


def auto_name(base: str) -> str:
    """The next automatic name for ``base``: ``base``, then ``base_1``, ``base_2``, ..."""
    n = _auto_names.get(base, 0)
    _auto_names[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def reset_auto_names() -> None:
    """Start automatic names afresh (the next model is ``sequential`` again, the next unnamed
    AUC ``auc``)."""
    _auto_names.clear()
    metrics_mod.reset_names()


@dataclass(frozen=True)
class LayerTrace:
    """One layer's view of a batch: its input ``x``, pre-activation ``z`` and output ``a``.

    ``W`` and ``b`` are copies of the layer's kernel and bias when it has units of its own
    (a dense layer), else None; ``z`` is ``a`` for layers without a separate activation.
    ``mask`` (training traces of a dropout layer) says which outputs were kept.
    """

    name: str
    x: Array
    z: Array
    a: Array
    W: Array | None
    b: Array | None
    kind: str = "Dense"
    mask: Array | None = None


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (not name[i - 1].isupper() or
                                   (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


class Sequential(HasShapes):
    """A stack of layers: ``Sequential([Input((n,)), Dense(...), ...], seed=...)``.

    ``seed`` (an int) fixes the initial weights and every random draw of training (dropout
    masks); ``None`` draws one from the operating system and records it in ``model.seed``
    so the run can be replayed. ``dtype`` is ``"float32"`` (default) or ``"float64"``
    (gradient checks).

    The model talks to its layers only through the layer protocol
    (:mod:`glassnet.layers.base`); any :class:`~glassnet.layers.Layer` subclass can be
    stacked, trained, checked, saved and loaded.
    """

    def __init__(
        self,
        layers: Iterable[Any] | None = None,
        *,
        seed: int | None = None,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        seed = check_seed(seed, "seed")
        self.seed: int = int(seed) if seed is not None else new_seed()
        self.dtype = resolve_dtype(dtype)
        self.name = auto_name("sequential") if name is None else str(name)
        self.layers: list[Layer] = []
        self.input_dim: int | None = None
        #: the shape of one input example when it has more than one dimension (images that a
        #: Flatten layer takes first), else None: examples are rows of ``input_dim`` features
        self._example_shape: tuple[int, ...] | None = None
        self.built = False
        self.loss: losses_mod.Loss | None = None
        self.optimizer: optimizers_mod.Optimizer | None = None
        self.metrics: list[metrics_mod.Metric] = []
        self.metric_names: list[str] = []
        self.stop_training = False
        self.history: History | None = None
        #: Epochs completed since the weights were built: the global epoch the next ``fit``
        #: starts at (its shuffle order derives from the seed and this number).
        self.epochs_trained = 0
        self.last_penalty = 0.0
        self._fused = False
        self._param_list: list[Array] = []
        self._grad_list: list[Array] = []
        self._offsets: list[tuple[Layer, int]] = []
        self._stochastic: list[tuple[int, Layer]] = []
        self._regularized: list[Layer] = []
        self._frozen: tuple[bool, ...] = ()
        self._stepping: list[Layer] = []
        self._defer_cache: tuple[Any, ...] | None = None
        self._kind_warned: set[tuple[str, str]] = set()
        if layers is not None and (isinstance(layers, (str, bytes, Layer, Input))
                                   or not isinstance(layers, Iterable)):
            raise ArgumentTypeError(
                f"layers: expected a list of layers, got {type(layers).__name__}"
            )
        for layer in layers or []:
            self.add(layer)

    # -- construction -------------------------------------------------------------------
    def add(self, layer: Any) -> None:
        """Append a layer (or declare the input's shape with ``Input``). A model given as a
        layer (``Sequential([model, Softmax()])``) is used as one, its weights shared: training
        the outer model trains the inner model's arrays, as in Keras."""
        if isinstance(layer, Sequential):
            if layer is self:
                raise ConfigError("layers: a model cannot contain itself")
            layer = NestedModel(layer)
        if isinstance(layer, Input):  # a declaration of the input, not a layer
            if self.layers:
                raise ConfigError("layers: Input must come first, before any other layer")
            self._set_input(layer.shape)
            self.build()
            return
        if not isinstance(layer, Layer):
            raise ArgumentTypeError(
                f"layers: expected Input or glassnet.layers.Layer instances, got "
                f"{type(layer).__name__}"
            )
        if any(existing is layer for existing in self.layers):
            raise ConfigError(f"layers: layer {layer.name!r} is already in this model")
        before = (self.input_dim, self._example_shape)
        declared = getattr(layer, "declared_input_shape", None)
        if declared is None and layer.built and (not layer.params
                                                 or isinstance(layer, NestedModel)):
            declared = layer.example_shape  # an adapted Normalization, a built model
        if declared is not None and not self.layers and self.input_dim is None:
            self._set_input(declared)  # Keras' Dense(..., input_shape=(n,)) comes first
        if layer.name is None:
            layer.name = self._unique_name(_snake(layer.kind))
        elif any(existing.name == layer.name for existing in self.layers):
            self.input_dim, self._example_shape = before
            raise ConfigError(f"layers: two layers are named {layer.name!r}; names must be unique")
        self.layers.append(layer)
        if self.input_dim is not None:
            shape = (self.layers[-2].output_example_shape if len(self.layers) > 1
                     else self.example_shape)
            try:
                layer.build_shape(shape or (), self.layer_rng(len(self.layers) - 1),
                                  self.dtype)
            except BaseException:
                self.layers.pop()
                self.input_dim, self._example_shape = before
                raise
            self._after_build()

    def _set_input(self, shape: tuple[int, ...]) -> None:
        self.input_dim = int(np.prod(shape))
        self._example_shape = tuple(shape) if len(shape) > 1 else None

    @property
    def example_shape(self) -> tuple[int, ...] | None:
        """The shape of one input example: ``(n,)`` for rows of ``n`` features, ``(28, 28)``
        for images a ``Flatten`` layer takes; None before the input is known."""
        if self._example_shape is not None:
            return self._example_shape
        return None if self.input_dim is None else (self.input_dim,)

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove the last layer and return it (Keras' ``model.pop()``); the optimizer's
        state starts afresh, the other layers keep their weights."""
        if not self.layers:
            raise NotReadyError("pop: the model has no layers to remove")
        layer = self.layers.pop()
        if not self.layers:
            self.built = False
        if self.built:
            self._update_fused()
            self._collect_params()
        if self.optimizer is not None:
            self.optimizer.reset()
        return layer

    @property
    def losses(self) -> list[Tensor]:
        """The penalty terms of the layers' regularizers at the current weights, one scalar
        per regularizer (Keras' ``model.losses``; their sum is :meth:`regularization_loss`)."""
        return [as_tensor(np.asarray(v, dtype=self.dtype))
                for layer in self.layers for v in layer.penalty_terms()]

    def _unique_name(self, base: str) -> str:
        taken = {layer.name for layer in self.layers}
        if base not in taken:
            return base
        i = 1
        while f"{base}_{i}" in taken:
            i += 1
        return f"{base}_{i}"

    def build(self, input_dim: Any = None, *, input_shape: Any = None) -> None:
        """Create every layer's weights from ``self.seed`` once the input width is known.

        ``input_dim=n`` or (Keras) ``input_shape=(None, n)``. On a model that is already
        built this changes nothing (a different width is an error); drawing new weights is
        :meth:`reinitialize`.
        """
        if isinstance(input_dim, (tuple, list)):  # Keras' build((None, n)), positionally
            input_dim, input_shape = None, input_dim
        if input_shape is not None:
            if input_dim is not None:
                raise ConfigError("input_dim and input_shape: give one, not both")
            shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
            if not shape or (len(shape) >= 2 and shape[0] is not None
                             and not isinstance(shape[0], int)):
                raise ArgumentTypeError(
                    f"input_shape: expected (n,) or (None, n), got {input_shape!r}"
                )
            if len(shape) > 2 or (len(shape) == 2 and shape[0] is None):
                from .layers.input import check_shape

                example = check_shape(shape[1:], "input_shape[1:]")
                if len(example) > 1:
                    if self.example_shape is not None and self.example_shape != example:
                        raise ShapeError(f"input_shape: the model expects examples of shape "
                                         f"{self.example_shape}, got {example}")
                    before = (self.input_dim, self._example_shape)
                    self._set_input(example)
                    try:
                        self.build()
                    except BaseException:
                        self.input_dim, self._example_shape = before
                        raise
                    return
            input_dim = shape[-1]
        if input_dim is not None:
            input_dim = check_int(input_dim, "input_dim", minimum=1)
            if self.input_dim is not None and self.input_dim != input_dim:
                raise ShapeError(
                    f"input_dim: the model expects {self.input_dim} features, got {input_dim}"
                )
            self.input_dim = input_dim
        if self.input_dim is None or not self.layers or self.built:
            return
        self._initialize()

    def layer_rng(self, index: int) -> np.random.Generator:
        """The generator that draws layer ``index``'s initial weights: it depends only on
        the model's seed and the layer's position, so any layer's start can be replayed."""
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(index,)))

    def step_rng(self, index: int, step: int) -> np.random.Generator:
        """The generator of layer ``index``'s random draws (dropout mask) at training step
        ``step``: a pure function of the seed (the layer's own ``seed`` if it has one, else
        the model's), the layer's position and the step, so a run replays exactly, split or
        whole, in any process."""
        own = getattr(self.layers[index], "seed", None)
        return step_generator(own if isinstance(own, int) else self.seed, index, step)

    @property
    def global_step(self) -> int:
        """Optimizer steps taken so far (the position in training that randomness uses)."""
        return self.optimizer.iterations if self.optimizer is not None else 0

    def _seed_step(self, step: int | None = None) -> None:
        """Give every stochastic layer the generator of step ``step`` (default: the next)."""
        if self._stochastic:
            s = self.global_step if step is None else step
            for i, layer in self._stochastic:
                layer.rng = self.step_rng(i, s)  # type: ignore[attr-defined]

    def _initialize(self) -> None:
        shape = self.example_shape
        if shape is None:
            raise NotReadyError("the model has no input width yet")
        for i, layer in enumerate(self.layers):
            shape = layer.build_shape(shape, self.layer_rng(i), self.dtype)
        self._after_build()

    def _after_build(self) -> None:
        self.built = True
        self._update_fused()
        self._collect_params()
        self.epochs_trained = 0
        if self.optimizer is not None:
            self.optimizer.reset()

    def reinitialize(self, seed: int | None = None) -> None:
        """Draw fresh initial weights (from ``seed``, or the model's own seed) and reset the
        optimizer's state. Statistics a ``Normalization`` layer learned with ``adapt`` stay."""
        if seed is not None:
            self.seed = int(check_int(seed, "seed", minimum=0))
        self._require_built()
        self._initialize()

    def _require_built(self) -> None:
        check_built(self)

    def _ensure_built(self, n_features: int) -> None:
        if not self.layers:
            raise NotReadyError("the model has no layers; add a Dense layer first")
        if not self.built:
            self.build(n_features)

    # -- compile --------------------------------------------------------------------------
    def compile(
        self,
        loss: Any = "mean_squared_error",
        optimizer: Any = "rmsprop",
        metrics: list[Any] | None = None,
    ) -> None:
        """Choose the loss, the optimizer and the metrics reported by ``fit``/``evaluate``.
        All three are resolved before any is set: a refused call changes nothing."""
        new_loss = losses_mod.get(loss)
        new_optimizer = optimizers_mod.get(optimizer)
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ArgumentTypeError(f"metrics: expected a list of names, got {metrics!r}")
        new_metrics = [metrics_mod.compile_metric(m, new_loss) for m in (metrics or [])]
        self.loss, self.optimizer, self.metrics = new_loss, new_optimizer, new_metrics
        self.metric_names = [m.name for m in self.metrics]
        self._update_fused()
        self.sync_trainable()

    def _update_fused(self) -> None:
        """Pair the last layer's output activation with a matching cross-entropy (softmax +
        categorical, sigmoid + binary) into one stable gradient, when the loss allows."""
        if self.loss is None or not self.layers:
            self._fused = False
            return
        self._warn_output_kind(self.layers[-1], self.loss)
        act = self.layers[-1].output_activation
        self._fused = (
            not self.loss.from_logits
            and self.loss.fused_activation is not None
            and act is not None
            and getattr(act, "name", None) == self.loss.fused_activation
        )

    @property
    def fused_output(self) -> bool:
        """Whether the output activation and the loss form one step (softmax with categorical,
        sigmoid with binary cross-entropy, the loss not ``from_logits``): the loss's gradient
        then starts from the output layer's pre-activations."""
        return self._fused

    @property
    def regularized_layers(self) -> list[Layer]:
        """The layers with a weight penalty, whose penalties the training loss includes."""
        return list(self._regularized)

    def _warn_output_kind(self, last: Layer, loss: losses_mod.Loss) -> None:
        """Warn once when the output layer and the loss disagree about logits (a linear
        output with a loss expecting probabilities, or the reverse), naming the fix."""
        problem = check_output_kind(last, loss)
        if problem is not None and (str(last.name), problem) not in self._kind_warned:
            self._kind_warned.add((str(last.name), problem))
            warnings.warn(problem, GlassnetWarning, stacklevel=4)

    def _require_compiled(self) -> tuple[losses_mod.Loss, optimizers_mod.Optimizer]:
        return check_compiled(self)

    # -- forward and backward -----------------------------------------------------------------
    @property
    def output_dim(self) -> int:
        if not self.layers:
            raise NotReadyError("the model has no layers")
        return self.layers[-1].output_dim

    def check_X(self, X: Any, argument: str = "X", keep_mapped: bool = False) -> Array:
        """Validate ``X`` against the model (building it if needed); returns it in ``dtype``
        (a memory-mapped ``X`` stays as it is with ``keep_mapped``: ``fit`` reads it batch by
        batch).

        Examples are rows ``(m, n)``; a model whose first layer is ``Flatten`` (or
        ``Reshape``) takes examples of more dimensions, ``(m, 28, 28)``; a model of one input
        feature takes a 1-D ``X`` of ``m`` values as one column, as Keras does."""
        if isinstance(X, dict):
            raise OutsideSubsetError(
                f"{argument}: a dict of named inputs (columns) feeds a functional "
                f"tf.keras.Model, which is outside glassnet's TensorFlow subset; a Sequential "
                f"takes one array of features: pass df[column_names] (a DataFrame) or "
                f"np.column_stack of the columns (with tf.data, from_tensor_slices((df, y)))")
        if self._example_shape is not None or np.ndim(X) != 2:
            return self._check_examples(X, argument, keep_mapped)
        arr = check_features(X, self.input_dim, self.dtype, argument=argument,
                             layer_name=self.layers[0].name if self.layers else None,
                             keep_mapped=keep_mapped)
        self._ensure_built(arr.shape[1])
        return arr

    def _check_examples(self, X: Any, argument: str, keep_mapped: bool) -> Array:
        """``check_X`` for examples that are not rows: one column of values, or images."""
        first = self.layers[0].name if self.layers else None
        ndim = np.ndim(X)
        if ndim == 1 and self.input_dim == 1 and self._example_shape is None \
                and not isinstance(X, (str, bytes)):
            column = np.asarray(X).reshape(-1, 1)
            arr = check_features(column, self.input_dim, self.dtype, argument=argument,
                                 layer_name=first)
            self._ensure_built(1)
            return arr
        if ndim <= 2 and self._example_shape is None:
            return check_features(X, self.input_dim, self.dtype, argument=argument,
                                  layer_name=first)  # explains the shape
        arr = np.asarray(X)
        if ndim <= 2:
            dims = ", ".join(map(str, self._example_shape or ()))
            raise ShapeError(f"{argument}: expected examples of shape {self._example_shape}, "
                             f"an array of shape (m, {dims}), got shape {arr.shape}")
        shape = tuple(int(d) for d in arr.shape[1:])
        if self._example_shape is not None and shape != self._example_shape:
            raise ShapeError(f"{argument} has examples of shape {shape} but the model expects "
                             f"{self._example_shape}")
        flat = check_features(arr.reshape(arr.shape[0], -1), None, self.dtype,
                              argument=argument, layer_name=first, keep_mapped=keep_mapped)
        if self._example_shape is None:
            if not self.layers:
                raise NotReadyError("the model has no layers; add a Dense layer first")
            if self.input_dim is not None:
                raise OutsideSubsetError(
                    f"{argument} of shape {arr.shape}: examples of more than one dimension "
                    f"(images) are outside glassnet's subset unless the model's first layer "
                    f"is Flatten (or Reshape): glassnet builds dense networks, with no "
                    f"convolutions; start the model with Flatten(input_shape={shape}), or pass "
                    f"X.reshape(len(X), -1)")
            self.build(input_shape=(None, *shape))
        return flat.reshape(arr.shape)

    def prepare_targets(self, y: Any, m: int, argument: str = "y") -> Array:
        """Validate ``y`` for the compiled loss; ``m`` is the number of examples in X."""
        loss, _ = self._require_compiled()
        return check_targets(loss, y, m, self.output_dim, self.dtype, argument)

    def forward(self, x: Array, cache: bool = True, training: bool = False) -> Array:
        """Run a validated batch through every layer; returns the output ``(m, units)``.

        ``training=True`` runs layers in their training behaviour (dropout masks of the
        next step, batch statistics)."""
        if training:
            self._seed_step()
        a = x
        for layer in self.layers:
            a = layer.forward(a, training, cache)
        return a

    def compute_gradients(self, x: Array, y: Array, training: bool = True,
                          defer: bool | list[bool] = False,
                          sample_weight: Array | None = None) -> tuple[float, Array]:
        """Forward and backward on a validated batch: fills every layer's ``grads``.

        Returns the data loss (without penalties) and the model output. Changes no weight.
        ``defer=True`` lets layers leave weight gradients as deferred products for an
        optimizer that folds its step into them (see :mod:`glassnet.layers.base`); a list
        says it per layer. ``sample_weight`` (a checked vector, one weight per row) weights
        each example's loss: ``sum_i w_i l_i / m``, as Keras does.
        """
        loss = self.loss
        if loss is None:
            raise NotReadyError("the model is not compiled: call model.compile(...)")
        out = self.forward(x, cache=True, training=training)
        layers = self.layers
        last = layers[-1]
        n = len(layers)
        if sample_weight is not None:
            if self._fused:
                value, grad_zw = loss.weighted_value_and_grad(
                    y, last.cached_preactivation(), sample_weight, logits=True)
                grad = last.backward_from_preactivation(
                    grad_zw, n > 1, defer if isinstance(defer, bool) else defer[n - 1])
            else:
                value, grad_out = loss.weighted_value_and_grad(
                    y, out, sample_weight, logits=loss.from_logits)
                grad = last.backward(grad_out, n > 1,
                                     defer if isinstance(defer, bool) else defer[n - 1])
        elif self._fused:
            value, grad_z = loss.logits_value_and_grad(y, last.cached_preactivation())
            if grad_z is None:
                raise LayerProtocolError("the loss returned no gradient")
            grad = last.backward_from_preactivation(
                grad_z, n > 1, defer if isinstance(defer, bool) else defer[n - 1])
        else:
            value, grad_out = loss.value_and_grad(y, out)
            grad = last.backward(grad_out, n > 1,
                                 defer if isinstance(defer, bool) else defer[n - 1])
        for i in range(n - 2, -1, -1):
            if grad is None:
                raise LayerProtocolError(
                    f"layer {layers[i + 1].name!r} ({layers[i + 1].kind}) returned no input "
                    f"gradient from backward(grad, need_input_grad=True)"
                )
            grad = layers[i].backward(grad, i > 0,
                                      defer if isinstance(defer, bool) else defer[i])
        return value, out

    def regularization_loss(self) -> float:
        """The sum of every layer's penalty at the current weights."""
        return float(sum(layer.regularization_loss() for layer in self._regularized))

    def train_step(self, x: Array, y: Array,
                   sample_weight: Array | None = None) -> tuple[float, Array]:
        """One optimizer step on a validated batch; returns (the loss before the step,
        penalties included, and the output). ``self.last_penalty`` keeps the penalty part.

        The layers compute the gradients; the optimizer alone updates the weights. An
        optimizer that can fold its step into a weight gradient's product (plain SGD:
        ``W += -eta x.T @ grad_z`` as one BLAS call) is handed the deferred products.
        """
        optimizer = self.optimizer
        if optimizer is None:
            raise NotReadyError("the model is not compiled: call model.compile(...)")
        defer = self._defer_flags(optimizer)
        value, out = self.compute_gradients(x, y, training=True, defer=defer or False,
                                            sample_weight=sample_weight)
        penalty = self.regularization_loss() if self._regularized else 0.0
        self.last_penalty = penalty
        products = self._deferred_products() if defer else None
        optimizer.apply(self._param_list, self._grad_list, products)
        for layer in self._stepping:
            layer.finish_step()
        return value + penalty, out

    def _defer_flags(self, optimizer: optimizers_mod.Optimizer) -> list[bool] | None:
        """Per layer: should it leave its weight gradient as a deferred product? Only where
        the optimizer will fold its step into it (plain SGD on a large enough matrix), so
        small layers pay nothing for the mechanism. Cached per optimizer (building the layers
        clears the cache)."""
        takes = optimizer.takes_products
        cached = self._defer_cache
        if cached is not None and cached[0] is optimizer and cached[1] == takes:
            return cached[2]
        flags: list[bool] | None = None
        if takes:
            wanted = [any(optimizer.folds_product(layer.params[j])
                          for j in layer.deferrable_params) for layer in self.layers]
            flags = wanted if any(wanted) else None
        self._defer_cache = (optimizer, takes, flags)
        return flags

    def _deferred_products(self) -> list[Any] | None:
        products: list[Any] | None = None
        for layer, offset in self._offsets:
            if layer.deferred:
                if products is None:
                    products = [None] * len(self._param_list)
                for j, product in layer.deferred:
                    products[offset + j] = product
        return products

    def _collect_params(self) -> None:
        """Cache the flat lists ``[W1, b1, W2, ...]`` and ``[grad_W1, ...]`` once the layers
        are built, so a training step does not rebuild them. ``build`` is the only place that
        creates these arrays; everything else (the optimizer, ``set_weights``) updates them
        in place, so the cached lists stay valid."""
        self._param_list, self._grad_list, self._offsets = [], [], []
        for layer in self.layers:
            if isinstance(layer, NestedModel):
                layer._share()  # the inner layers' trainable arrays, as they are now
            if len(layer.params) != len(layer._grads):
                raise LayerProtocolError(
                    f"layer {layer.name!r} ({layer.kind}) has {len(layer.params)} params but "
                    f"{len(layer._grads)} grads after build(); they must pair up"
                )
            if not layer.trainable:  # frozen: its gradients are not stepped
                continue
            if layer.params:
                self._offsets.append((layer, len(self._param_list)))
            self._param_list += layer.params
            self._grad_list += layer._grads
        self._frozen = self._trainable_state()
        self._stochastic = [(i, layer) for i, layer in enumerate(self.layers)
                            if layer.stochastic]
        self._regularized = [layer for layer in self.layers if layer.regularized]
        self._stepping = [layer for layer in self.layers
                          if type(layer).finish_step is not Layer.finish_step]
        self._defer_cache = None

    def _trainable_state(self) -> tuple[bool, ...]:
        return tuple(layer.trainable for layer in self.flat_layers())

    def flat_layers(self) -> list[Layer]:
        """The layers, each nested model's layers in its place (for reading)."""
        out: list[Layer] = []
        for layer in self.layers:
            out += layer.model.flat_layers() if isinstance(layer, NestedModel) else [layer]
        return out

    def sync_trainable(self) -> None:
        """Take a change of ``layer.trainable`` since the weights were collected: the
        optimizer then steps the trainable arrays only, its state started afresh."""
        if self.built and self._trainable_state() != self._frozen:
            self._collect_params()
            if self.optimizer is not None:
                self.optimizer.reset()

    @property
    def trainable(self) -> bool:
        """Keras' ``model.trainable``: setting it sets every layer's ``trainable``."""
        return any(layer.trainable for layer in self.layers) if self.layers else True

    @trainable.setter
    def trainable(self, value: bool) -> None:
        for layer in self.layers:
            layer.trainable = value

    @property
    def non_trainable_weights(self) -> list[Array]:
        """The live arrays training does not change: frozen layers' and statistics."""
        self._require_built()
        stepped = {id(p) for p in self._param_list}
        return [as_tensor(w) for w in self._weight_arrays() if id(w) not in stepped]

    # -- pickling: the cached lists alias the layers' arrays -----------------------------------
    _DERIVED = ("_param_list", "_grad_list", "_offsets", "_stochastic", "_regularized",
                "_stepping", "_defer_cache")

    def __getstate__(self) -> dict[str, Any]:
        """Everything but the cached lists over the layers' arrays: a pickler that stores
        arrays apart (joblib) would give the copy lists that no longer are the layers'
        arrays, and training would update the lists, not the layers. They are rebuilt on
        load (:meth:`__setstate__`), for pickle, joblib and ``copy.deepcopy`` alike."""
        state = self.__dict__.copy()
        for name in self._DERIVED:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for layer in state.get("layers", []):
            # a loader may hand read-only arrays (joblib's mmap_mode="r"): own copies train
            if any(not a.flags.writeable for a in layer.params):
                layer.params = [a if a.flags.writeable else np.array(a) for a in layer.params]
            if any(not a.flags.writeable for a in layer._grads):
                layer._grads = [a if a.flags.writeable else np.array(a) for a in layer._grads]
        self._param_list, self._grad_list, self._offsets = [], [], []
        self._stochastic, self._regularized, self._stepping = [], [], []
        self._defer_cache = None
        if self.built:
            self._collect_params()

    @property
    def _params(self) -> list[Array]:
        return self._param_list

    @property
    def _grads(self) -> list[Array]:
        for layer in self.layers:
            layer.finish_gradients()
        return self._grad_list

    def gradients(self, X: Any, y: Any, training: bool = False,
                  sample_weight: Any = None) -> list[Array]:
        """The gradients of the loss (penalties included) with respect to every trainable
        array, in ``trainable_weights`` order (``[grad_W1, grad_b1, ...]`` for dense
        layers), on all of ``X`` in one batch. Nothing in the model changes.

        ``training=True`` differentiates the training-mode loss: the dropout masks of the
        next step (fixed: the same on every call until a step is taken) and batch
        statistics. ``sample_weight`` weights each example's loss as ``fit`` does."""
        self._require_compiled()
        x = self.check_X(X)
        t = self.prepare_targets(y, x.shape[0])
        w = (None if sample_weight is None
             else losses_mod.check_sample_weight(sample_weight, x.shape[0], self.dtype))
        self.compute_gradients(x, t, training=training, sample_weight=w)
        grads = [g.copy() for g in self._grads]
        self.clear_caches()
        return grads

    def loss_value(self, X: Any, y: Any, training: bool = False,
                   sample_weight: Any = None) -> float:
        """The compiled loss plus penalties on all of ``X`` (one batch), changing nothing."""
        self._require_compiled()
        x = self.check_X(X)
        t = self.prepare_targets(y, x.shape[0])
        w = (None if sample_weight is None
             else losses_mod.check_sample_weight(sample_weight, x.shape[0], self.dtype))
        return self.loss_value_prepared(x, t, training=training, sample_weight=w)

    def loss_value_prepared(self, x: Array, t: Array, training: bool = False,
                            sample_weight: Array | None = None) -> float:
        """The loss plus penalties on a validated batch ``x`` with prepared targets ``t``."""
        loss = self.loss
        if loss is None:
            raise NotReadyError("the model is not compiled: call model.compile(...)")
        if training:
            self._seed_step()
        a = x
        for layer in self.layers[:-1]:
            a = layer.forward(a, training, False)
        last = self.layers[-1]
        if sample_weight is not None:
            if self._fused:
                value = loss.weighted_value(t, last.preactivation(a, training), sample_weight,
                                            logits=True)
            else:
                value = loss.weighted_value(t, last.forward(a, training, False), sample_weight,
                                            logits=loss.from_logits)
        elif self._fused:
            value = loss.logits_value_and_grad(t, last.preactivation(a, training),
                                               need_grad=False)[0]
        elif loss.from_logits:
            value = loss.logits_value_and_grad(t, last.forward(a, training, False),
                                               need_grad=False)[0]
        else:
            value = loss.value(t, last.forward(a, training, False))
        if self._regularized:
            value += self.regularization_loss()
        return value

    def clear_caches(self) -> None:
        for layer in self.layers:
            layer.clear_cache()

    def predict(self, X: Any, batch_size: int | None = 1024, verbose: int = 0) -> Array:
        """The model's outputs for every row of ``X`` (in batches of ``batch_size``), a plain
        ``ndarray``; ``X`` may be a dataset (its batches' inputs are read)."""
        from .data import Dataset, batches_of, concat_batches

        if isinstance(X, Dataset):  # its batches' inputs (targets, if any, are not needed)
            X = concat_batches(batches_of(X, "x"), "x")[0]
        x = self.check_X(X)
        m = x.shape[0]
        bs = check_int(batch_size, "batch_size", allow_none=True) or m
        if bs >= m:
            return self.forward(x, cache=False)
        out = np.empty((m, self.output_dim), dtype=self.dtype)
        for start in range(0, m, bs):
            out[start:start + bs] = self.forward(x[start:start + bs], cache=False)
        return out

    def __call__(self, X: Any, training: bool = False) -> Tensor:
        """The outputs for ``X`` as a :class:`~glassnet.tensor.Tensor` (Keras' ``model(x)``:
        answers ``.numpy()``, ``.shape``, ``.dtype`` and NumPy operations); ``training=True``
        runs dropout and batch statistics as in training, the next step's masks."""
        if not isinstance(training, (bool, np.bool_)):
            raise ArgumentTypeError(f"training: expected True or False, got {training!r}")
        if training:
            x = self.check_X(X)
            try:
                return as_tensor(self.forward(x, cache=False, training=True))
            finally:
                self.clear_caches()
        return as_tensor(self.predict(X))

    @overload
    def evaluate(
        self, X: Any, y: Any = ..., batch_size: int | None = ..., verbose: int = ...,
        sample_weight: Any = ..., *, return_dict: Literal[True],
    ) -> dict[str, float]: ...

    @overload
    def evaluate(
        self, X: Any, y: Any = ..., batch_size: int | None = ..., verbose: int = ...,
        sample_weight: Any = ..., return_dict: Literal[False] = ...,
    ) -> float | list[float]: ...

    def evaluate(
        self, X: Any, y: Any = None, batch_size: int | None = None, verbose: int = 0,
        sample_weight: Any = None, return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """The loss and metrics on ``(X, y)``, as Keras returns them.

        Without metrics, the scalar loss; with metrics, the list ``[loss, metric, ...]`` in the
        order ``compile`` was given them (so ``test_loss, test_acc = model.evaluate(...)``
        unpacks as in Keras); ``return_dict=True`` gives ``{"loss": ..., "accuracy": ...}``.
        ``sample_weight`` weights each example's loss (``sum_i w_i l_i / m``); metrics stay
        unweighted, as Keras' ``metrics=`` are."""
        if not isinstance(return_dict, bool):
            raise ArgumentTypeError(
                f"return_dict: expected True or False, got {return_dict!r}")
        if verbose not in (0, 1, 2, "auto"):
            raise ConfigError(f"verbose: expected 0, 1, 2 or 'auto', got {verbose!r}")
        result = evaluate(self, X, y, batch_size=batch_size, sample_weight=sample_weight)
        if verbose:  # one line, as Keras' verbose=2 prints it
            print("evaluate: " + " - ".join(f"{k}: {v:.4f}" for k, v in result.items()))
        if return_dict:
            return result
        values = [float(v) for v in result.values()]
        return values[0] if len(values) == 1 else values

    def trace(self, X: Any, training: bool = False) -> list[LayerTrace]:
        """Every layer's input ``x``, pre-activation ``z`` and output ``a`` for the batch ``X``.

        ``training=True`` shows the next training step's behaviour: which units each dropout
        layer drops (``mask``), batch statistics. Nothing in the model changes."""
        x = self.check_X(X)
        out: list[LayerTrace] = []
        if training:
            self._seed_step()
        a = x
        try:
            for layer in self.layers:
                act = layer.output_activation
                if act is not None:
                    z = layer.preactivation(a, training)
                    a_next = act.forward(z.copy())
                else:
                    a_next = layer.forward(a, training, True)
                    z = a_next
                params = layer.params if layer.has_units else []
                out.append(LayerTrace(
                    str(layer.name), a, z, a_next,
                    params[0].copy() if params else None,
                    params[1].copy() if len(params) > 1 else None,
                    layer.kind, layer.trace_mask() if training else None))
                a = a_next
        finally:
            self.clear_caches()
        return out

    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        epochs: int = 1,
        batch_size: int | None = 32,
        validation_split: float = 0.0,
        validation_data: tuple[Any, Any] | None = None,
        shuffle: bool | str = True,
        seed: int | None = None,
        callbacks: list[Callback] | None = None,
        verbose: int = 1,
        block_size: int | None = None,
        initial_epoch: int | None = None,
        steps_per_epoch: int | None = None,
        sample_weight: Any = None,
        class_weight: dict[int, float] | None = None,
    ) -> History:
        """Train; see :func:`glassnet.training.fit`. ``seed`` gives the shuffling order its
        own seed (default: the model's); ``initial_epoch`` resumes at that global epoch;
        ``sample_weight`` / ``class_weight`` weight each example's loss as in Keras."""
        with rollback_build(self):  # a refused fit leaves an unbuilt model unbuilt
            return fit(self, X, y, epochs=epochs, batch_size=batch_size,
                       validation_split=validation_split, validation_data=validation_data,
                       shuffle=shuffle, seed=seed, callbacks=callbacks, verbose=verbose,
                       block_size=block_size, initial_epoch=initial_epoch,
                       steps_per_epoch=steps_per_epoch, sample_weight=sample_weight,
                       class_weight=class_weight)

    def flattened(self) -> Sequential:
        """This model for reading: itself when no layer is a nested model, else a model over
        the same layer objects (the same weights, the same compiled loss) with each nested
        model's layers in its place, as the instruments read it. It is a view: train the
        model itself, not the view."""
        if not any(isinstance(layer, NestedModel) for layer in self.layers):
            return self
        self._require_built()
        flat = Sequential(seed=self.seed, dtype=self.dtype, name=self.name)

        def expand(layers: list[Layer]) -> list[Layer]:
            out: list[Layer] = []
            for layer in layers:
                out += expand(layer.model.layers) if isinstance(layer, NestedModel) else [layer]
            return out

        flat.layers = expand(self.layers)
        flat.input_dim, flat._example_shape = self.input_dim, self._example_shape
        flat.loss, flat.optimizer = self.loss, self.optimizer
        flat.metrics, flat.metric_names = self.metrics, self.metric_names
        flat.epochs_trained = self.epochs_trained
        flat.built = True
        flat._update_fused()
        flat._collect_params()
        return flat

    # -- Keras-style introspection ----------------------------------------------------------
    @property
    def input(self) -> SymbolicTensor:
        """The model's input, described: ``model.input.shape == (None, n_features)``."""
        self._require_built()
        return SymbolicTensor(self.example_shape or (0,), f"{self.name}/input",
                              self.dtype.name)

    @property
    def output(self) -> SymbolicTensor:
        """The model's output, described: ``model.output.shape == (None, units)``."""
        self._require_built()
        return SymbolicTensor(self.layers[-1].output_example_shape, f"{self.name}/output",
                              self.dtype.name)

    @property
    def inputs(self) -> list[SymbolicTensor]:
        """``[model.input]`` (Keras' ``model.inputs``)."""
        return [self.input]

    @property
    def outputs(self) -> list[SymbolicTensor]:
        """``[model.output]`` (Keras' ``model.outputs``)."""
        return [self.output]

    # -- weights ------------------------------------------------------------------------------
    @property
    def weights(self) -> list[Tensor]:
        """The live weight arrays of every layer (views, not copies), in ``get_weights()``
        order: ``[W1, b1, W2, b2, ...]`` for dense layers, plus non-trainable statistics; as
        Tensors (``w.numpy()``, as Keras' variables answer)."""
        self._require_built()
        return [as_tensor(w) for w in self._weight_arrays()]

    def _weight_arrays(self) -> list[Array]:
        return [w for layer in self.layers for w in layer.weight_arrays()]

    @property
    def metrics_names(self) -> list[str]:
        """Keras 3's ``metrics_names``: ``[]`` before ``compile``, then ``["loss"]``, or
        ``["loss", "compile_metrics"]`` when metrics were compiled (Keras 3 groups them under
        one name). The names of the values ``evaluate`` returns are
        ``["loss", *model.metric_names]``; ``evaluate(return_dict=True)`` pairs them."""
        if self.loss is None or self.optimizer is None:
            return []
        return ["loss", "compile_metrics"] if self.metric_names else ["loss"]

    @property
    def trainable_weights(self) -> list[Array]:
        """The live trainable arrays (what the optimizer updates), in ``gradients`` order."""
        self._require_built()
        return list(self._param_list)

    def get_weights(self) -> list[Array]:
        """Copies of every weight in Keras' order: ``[W1, b1, W2, b2, ...]`` for dense layers
        (``W`` is ``(n_in, units)``, ``b`` ``(units,)``), with each layer's non-trainable
        statistics after its trainable arrays."""
        self._require_built()
        return [w.copy() for w in self._weight_arrays()]

    def set_weights(self, weights: list[Any]) -> None:
        """Set every weight from a list in ``get_weights()`` order. The whole list is checked
        (count, shapes, finite real numbers) before anything is written."""
        self._require_built()
        counts = [len(layer.weight_arrays()) for layer in self.layers]
        if not isinstance(weights, (list, tuple)) or len(weights) != sum(counts):
            got = len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__
            raise ShapeError(f"weights: expected a list of {sum(counts)} arrays, got {got}")
        chunks, start = [], 0
        for k in counts:
            chunks.append(list(weights[start:start + k]))
            start += k
        for layer, chunk in zip(self.layers, chunks):
            layer.check_weights(chunk)
        for layer, chunk in zip(self.layers, chunks):
            layer.set_weights(chunk)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by ``name`` or by ``index``."""
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ConfigError(
                    f"index: expected 0..{len(self.layers) - 1}, got {index}"
                )
            return self.layers[index]
        layer: Layer = by_name(self.layers, name)
        return layer

    def count_params(self) -> int:
        self._require_built()
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn: Callable[[str], None] | None = print) -> str:
        """A table of layers, output shapes and parameter counts (printed and returned)."""
        self._require_built()
        rows = [("Layer (type)", "Output shape", "Weights", "Params")]
        rows += [tuple(layer.summary_row()) for layer in self.layers]  # type: ignore[misc]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        line = "-" * (sum(widths) + 6)
        what = (f"{self.input_dim} features" if self._example_shape is None else
                f"examples of shape {self._example_shape}")
        out = [f'Model: "{self.name}"  (input: {what}, dtype {self.dtype}, '
               f"seed {self.seed})", line]
        for j, r in enumerate(rows):
            out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
            if j == 0:
                out.append(line)
        total = sum(w.size for w in self.weights)
        trainable = sum(p.size for p in self._param_list)
        out += [line, f"Total params: {total:,}"]
        if total != trainable:
            out += [f"Trainable params: {trainable:,}",
                    f"Non-trainable params: {total - trainable:,}"]
        text = "\n".join(out)
        if print_fn is not None:
            print_fn(text)
        return text

    # -- config and files ---------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """A JSON-able description of the model (architecture, dtype, seed, compile settings)."""
        cfg: dict[str, Any] = {
            "name": self.name,
            "dtype": self.dtype.name,
            "seed": self.seed,
            "input_dim": self.input_dim,
            **({"input_shape": list(self._example_shape)} if self._example_shape else {}),
            "layers": [{"class": layer.kind, "config": layer.get_config(),
                        **({} if layer.trainable else {"trainable": False})}
                       for layer in self.layers],
        }
        if self.loss is not None and self.optimizer is not None:
            cfg["compile"] = {
                "loss": self.loss.to_config(),
                "optimizer": self.optimizer.to_config(),
                "metrics": [metrics_mod.to_config(m) for m in self.metrics],
            }
        return cfg

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        """Rebuild a model (fresh weights drawn from its seed) from :meth:`get_config`.

        Layer classes resolve only through the layer registry (built-in layers and those
        registered with :func:`glassnet.register` in this process): nothing in a config
        can name code to run."""
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise ConfigError(f"config: expected a dict with a 'layers' list, got {config!r:.200}")
        model = cls(seed=config.get("seed"), dtype=config.get("dtype", "float32"),
                    name=str(config.get("name", "sequential")))
        for entry in config["layers"]:
            if not isinstance(entry, dict):
                raise ConfigError(f"config: expected a layer dict, got {entry!r:.200}")
            klass = layers_mod.lookup(entry.get("class"))
            if klass is None:
                raise ConfigError(
                    f"config: unknown layer class {str(entry.get('class'))[:100]!r}; expected "
                    f"one of {', '.join(layers_mod.names())} (register your own layer "
                    f"classes with glassnet.register before loading)"
                )
            params = entry.get("config")
            if not isinstance(params, dict):
                raise ConfigError(
                    f"config: expected a dict of layer parameters, got {params!r:.200}"
                )
            try:
                layer = klass(**params)
                if entry.get("trainable") is False:
                    layer.trainable = False
                model.add(layer)
            except TypeError as exc:
                if isinstance(exc, ArgumentTypeError):
                    raise
                raise ConfigError(
                    f"config: bad parameters for {entry.get('class')}: {exc}"
                ) from exc
        if config.get("input_shape") is not None and not model.built:
            shape = config["input_shape"]
            if not isinstance(shape, list):
                raise ConfigError(f"config: expected input_shape as a list, got {shape!r:.100}")
            model.build(input_shape=[None, *shape])
        if config.get("input_dim") is not None:
            model.build(config["input_dim"])
        model.sync_trainable()
        comp = config.get("compile")
        if isinstance(comp, dict):
            model.compile(loss=comp.get("loss"), optimizer=comp.get("optimizer"),
                          metrics=list(comp.get("metrics") or []))
        return model

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the config and weights to one file (atomically, no pickle).

        The file is glassnet's own format whatever its name; a ``.keras``/``.h5`` name
        gets a warning, since TensorFlow cannot read it (``gn.load_model`` can)."""
        path = check_path(path)
        stem, suffix = os.path.splitext(path)
        if suffix.lower() in (".keras", ".h5", ".hdf5"):
            warnings.warn(
                f"save: {path!r} will hold glassnet's own format (an .npz archive), "
                f"not a Keras {suffix} file: TensorFlow cannot load it, glassnet.load_model "
                f"can. Name it '{stem}.npz' to say what it is.",
                GlassnetWarning, stacklevel=2)
        saving.save_model(self, path)

    def save_weights(self, filepath: str | os.PathLike[str], overwrite: bool = True) -> None:
        """Write the weights alone. A name ending ``.weights.h5`` gets Keras 3's HDF5 layout
        (a Keras model of the same layers reads it with ``load_weights``; needs h5py); any
        other name glassnet's own archive (no pickle). Written atomically; weights that are
        not finite are refused and nothing is written."""
        from .interop.keras_weights import is_keras_weights_path, save_keras_weights

        if not isinstance(filepath, (str, os.PathLike)):
            raise ArgumentTypeError(f"filepath: expected a path (str or os.PathLike), got "
                                    f"{type(filepath).__name__}")
        if not isinstance(overwrite, bool):
            raise ArgumentTypeError(f"overwrite: expected True or False, got {overwrite!r}")
        if is_keras_weights_path(filepath):
            save_keras_weights(self, filepath, overwrite=overwrite)
            return
        saving.save_weights(self, filepath, overwrite)

    def load_weights(self, filepath: str | os.PathLike[str], skip_mismatch: bool = False,
                     **kwargs: Any) -> None:
        """Read weights written by :meth:`save_weights` (either format), Keras'
        ``save_weights`` (``.weights.h5``), a Keras ``.keras`` file, or a glassnet model or
        checkpoint file of the same architecture. Shapes, count and finite values are
        checked against this model before any weight changes; every problem with the file is
        a glassnet error naming it."""
        import zipfile

        from .interop.keras_weights import is_hdf5_file, load_keras_weights_file

        if not isinstance(filepath, (str, os.PathLike)):
            raise ArgumentTypeError(f"filepath: expected a path (str or os.PathLike), got "
                                    f"{type(filepath).__name__}")
        if skip_mismatch or kwargs:
            from .errors import OutsideSubsetError

            raise OutsideSubsetError(
                "load_weights(skip_mismatch=...) is outside glassnet: every weight must fit "
                "(rebuild the model to match the file)")
        path = os.fspath(filepath)
        if not os.path.exists(path):
            raise MissingFileError(f"filepath: no weights file at {path!r}")
        self._require_built()
        if is_hdf5_file(path) or (zipfile.is_zipfile(path) and path.endswith(".keras")):
            load_keras_weights_file(self, path)
            return
        weights = saving.read_weights(path)
        try:
            self.set_weights(weights)
        except GlassnetError as exc:
            raise ModelFileError(f"{path!r}: the weights do not fit this model: {exc}") from exc

    def __repr__(self) -> str:
        arch = [str(self.input_dim)] + [str(layer.output_dim) for layer in self.layers]
        return f"Sequential({'-'.join(arch)}, dtype={self.dtype.name}, seed={self.seed})"


class NestedModel(Layer):
    """A model used as a layer of another (``Sequential([model, Softmax()])``), as in Keras.

    Its ``params`` are the inner model's own arrays, so the two share weights: training the
    outer model moves the inner model's weights, and the inner model's ``predict`` sees it.
    It runs the inner model's layers in order, forward and backward; its summary row is the
    inner model (``model.layers[0].model`` is the inner model itself). A saved outer model
    keeps the inner model's config and weights. The outer model's ``reinitialize`` leaves a
    built inner model's weights as they are (they are the inner model's; reinitialize it).
    The instruments read such a model through :meth:`Sequential.flattened`, which lists the
    inner layers in place of the nested model.
    """

    def __init__(self, model: Any, name: str | None = None) -> None:
        if isinstance(model, dict):
            model = Sequential.from_config(model)
        if not isinstance(model, Sequential):
            raise ArgumentTypeError(f"model: expected a Sequential model, got "
                                    f"{type(model).__name__}")
        if not model.layers:
            raise ConfigError(f"model: the model {model.name!r} has no layers to nest")
        super().__init__(model.name if name is None else name)
        self.model = model
        self.stochastic = any(layer.stochastic for layer in model.layers)
        self.min_training_batch = max(layer.min_training_batch for layer in model.layers)
        self.rng: np.random.Generator | None = None
        if model.built:
            self.n_in, self.dtype, self.built = model.input_dim, model.dtype, True
            self._share()

    @property
    def kind(self) -> str:
        return "Sequential"

    def _share(self) -> None:
        inner = self.model.layers
        for layer in inner:
            if isinstance(layer, NestedModel):
                layer._share()
        stepped = [layer for layer in inner if layer.trainable]
        self.params = [p for layer in stepped for p in layer.params]
        self._grads = [g for layer in stepped for g in layer._grads]
        self.state = [w for layer in inner for w in layer.state]

    @property
    def trainable(self) -> bool:
        return any(layer.trainable for layer in self.model.layers)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        for layer in self.model.layers:
            layer.trainable = value

    # -- shapes ---------------------------------------------------------------------------------
    def build_shape(self, shape: tuple[int, ...], rng: np.random.Generator,
                    dtype: np.dtype[Any]) -> tuple[int, ...]:
        inner = self.model
        if inner.built:
            if tuple(shape) != inner.example_shape:
                raise ShapeError(f"layer {self.name!r}: the nested model takes examples of "
                                 f"shape {inner.example_shape}, got {tuple(shape)}")
            if inner.dtype != np.dtype(dtype):
                raise ConfigError(f"layer {self.name!r}: the nested model computes in "
                                  f"{inner.dtype}, the outer model in {np.dtype(dtype)}")
        else:
            inner.dtype = np.dtype(dtype)
            inner.build(input_shape=(None, *shape))
        self.n_in = int(np.prod(shape))
        self.dtype = inner.dtype
        self.built = True
        self._share()
        return inner.layers[-1].output_example_shape

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype[Any]) -> None:
        self.build_shape((int(n_in),), rng, dtype)

    @property
    def output_dim(self) -> int:
        return self.model.output_dim

    @property
    def example_shape(self) -> tuple[int, ...]:
        self.model._require_built()
        return self.model.example_shape or ()

    @property
    def output_example_shape(self) -> tuple[int, ...]:
        self.model._require_built()
        return self.model.layers[-1].output_example_shape

    # -- maths: the inner layers in order -------------------------------------------------------
    def forward(self, x: Array, training: bool = False, cache: bool = False) -> Array:
        layers = self.model.layers
        if training and self.stochastic:
            rng = self.rng if self.rng is not None else np.random.default_rng(self.model.seed)
            for layer in layers:
                if layer.stochastic:  # each one's generator drawn from this step's
                    layer.rng = np.random.default_rng(  # type: ignore[attr-defined]
                        int(rng.integers(0, 2**63)))
        for layer in layers:
            x = layer.forward(x, training, cache)
        return x

    def backward(self, grad_a: Array, need_input_grad: bool = True,
                 defer: bool = False) -> Array | None:
        layers = self.model.layers
        grad: Array | None = grad_a
        for i in range(len(layers) - 1, -1, -1):
            if grad is None:
                raise LayerProtocolError(f"layer {layers[i + 1].name!r} returned no input "
                                         f"gradient")
            grad = layers[i].backward(grad, i > 0 or need_input_grad, False)
        return grad

    def regularization_loss(self) -> float:
        return self.model.regularization_loss() if self.regularized else 0.0

    def penalty_terms(self) -> list[float]:
        return [v for layer in self.model.layers for v in layer.penalty_terms()]

    @property
    def regularized(self) -> bool:
        return any(layer.regularized for layer in self.model.layers)

    def finish_step(self) -> None:
        for layer in self.model.layers:
            layer.finish_step()

    def finish_gradients(self) -> None:
        for layer in self.model.layers:
            layer.finish_gradients()

    def clear_cache(self) -> None:
        for layer in self.model.layers:
            layer.clear_cache()

    # -- weights: the inner model's, in its order ------------------------------------------------
    def weight_arrays(self) -> list[Array]:
        return self.model._weight_arrays()

    @property
    def weight_names(self) -> list[str]:
        return [f"{layer.name}/{n}" for layer in self.model.layers for n in layer.weight_names]

    @property
    def param_names(self) -> list[str]:
        return [f"{layer.name}/{n}" for layer in self.model.layers if layer.trainable
                for n in layer.param_names]

    def set_weights(self, weights: list[Any]) -> None:
        self.model.set_weights(weights)

    @property
    def layers(self) -> list[Layer]:
        """The inner model's layers (Keras: ``outer.layers[0].layers``)."""
        return self.model.layers

    def summary(self, print_fn: Callable[[str], None] | None = print) -> str:
        return self.model.summary(print_fn)

    #: what ``outer.layers[0].<name>`` answers from the inner model, as Keras' nested model
    _DELEGATED = frozenset({"predict", "evaluate", "fit", "compile", "get_layer", "losses",
                            "trainable_weights", "non_trainable_weights", "flat_layers",
                            "history", "seed", "input_dim"})

    def __getattr__(self, name: str) -> Any:
        if name in NestedModel._DELEGATED:
            return getattr(self.__dict__["model"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __call__(self, x: Any, training: bool = False) -> Tensor:
        return self.model(x, training=training)

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model.get_config(), "name": self.name}

    def summary_row(self) -> tuple[str, str, str, str]:
        dims = ", ".join(str(d) for d in self.output_example_shape) if self.built else "?"
        return (f"{self.name} (Sequential, {len(self.model.layers)} layers)", f"(None, {dims})",
                "-", f"{self.count_params():,}")

    def __repr__(self) -> str:
        return f"NestedModel({self.model!r}, name={self.name!r})"


layers_mod.register(NestedModel, "Sequential")


def check_targets(loss: losses_mod.Loss, y: Any, m: int, n_outputs: int, dtype: np.dtype[Any],
                  argument: str = "y") -> Array:
    """``y`` checked against ``m`` examples and prepared for ``loss`` (the body of
    :meth:`Sequential.prepare_targets`, shared with :class:`~glassnet.population.Population`)."""
    if y is None:
        raise ArgumentTypeError(f"{argument}: expected targets, got None")
    arr = np.asarray(y)
    if arr.ndim == 0 or arr.shape[0] != m:
        raise ShapeError(
            f"{argument} has {arr.shape[0] if arr.ndim else 0} targets but X has {m} examples"
        )
    return loss.prepare_targets(arr, n_outputs, dtype)


# -- files: glassnet.saving writes and reads them; what load_model builds is a Sequential ------

save_model = saving.save_model
save_checkpoint = saving.save_checkpoint


def load_model(path: str | os.PathLike[str]) -> Sequential:
    """Read a model written by :func:`save_model` (or a training checkpoint); predictions
    are bit-identical. Every problem with the file raises ModelFileError naming it."""
    return saving.model_from_file(path, Sequential, History)


def read_checkpoint(path: str | os.PathLike[str]) -> tuple[Sequential, dict[str, Any]]:
    """The model a checkpoint holds (weights, optimizer state, ``epochs_trained``, history)
    and its ``"training"`` entries. Every problem raises ModelFileError naming the file."""
    return saving.checkpoint_from_file(path, Sequential, History)
