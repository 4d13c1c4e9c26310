"""``Sequential``: a stack of layers, built, run forward and differentiated as one.

One forward pass computes every unit of every layer for a whole batch; one backward pass
computes every parameter's gradient; one optimizer step moves all parameters at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import losses as losses_mod
from . import metrics as metrics_mod
from . import optimizers as optimizers_mod
from ._checks import by_name, check_features, check_int, new_seed, resolve_dtype
from .errors import ArgumentTypeError, ConfigError, NotReadyError, ShapeError
from .layers import Dense, Input, Layer

if TYPE_CHECKING:
    from .callbacks import Callback, History

Array = NDArray[Any]

__all__ = ["LayerTrace", "Sequential"]

LAYER_CLASSES: dict[str, type[Layer]] = {"Dense": Dense}


@dataclass(frozen=True)
class LayerTrace:
    """One layer's view of a batch: its input ``x``, pre-activation ``z`` and output ``a``."""

    name: str
    x: Array
    z: Array
    a: Array
    W: Array
    b: Array


class Sequential:
    """A multilayer perceptron: ``Sequential([Input((n,)), Dense(...), ...], seed=...)``.

    ``seed`` (an int) fixes the initial weights; ``None`` draws one from the operating
    system and records it in ``model.seed`` so the run can be replayed.
    ``dtype`` is ``"float32"`` (default) or ``"float64"`` (gradient checks).
    """

    def __init__(
        self,
        layers: Iterable[Any] | None = None,
        *,
        seed: int | None = None,
        dtype: Any = "float32",
        name: str = "sequential",
    ) -> None:
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
                raise ArgumentTypeError(f"seed: expected a non-negative int or None, got {seed!r}")
        self.seed: int = int(seed) if seed is not None else new_seed()
        self.dtype = resolve_dtype(dtype)
        self.name = name
        self.layers: list[Layer] = []
        self.input_dim: int | None = None
        self.built = False
        self.loss: losses_mod.Loss | None = None
        self.optimizer: optimizers_mod.Optimizer | None = None
        self.metrics: list[metrics_mod.Metric] = []
        self.metric_names: list[str] = []
        self.stop_training = False
        self.history: History | None = None
        self._fused = False
        self._param_list: list[Array] = []
        self._grad_list: list[Array] = []
        for layer in layers or []:
            self.add(layer)

    # -- construction -------------------------------------------------------------------
    def add(self, layer: Any) -> None:
        """Append a layer (or set the input with ``Input``)."""
        if isinstance(layer, Input):
            if self.layers:
                raise ConfigError("layers: Input must come first, before any Dense layer")
            self.input_dim = layer.n_features
            self.build()
            return
        if not isinstance(layer, Layer):
            raise ArgumentTypeError(
                f"layers: expected Input or Dense instances, got {type(layer).__name__}"
            )
        if layer.name is None:
            layer.name = self._unique_name("dense")
        elif any(existing.name == layer.name for existing in self.layers):
            raise ConfigError(f"layers: two layers are named {layer.name!r}; names must be unique")
        self.layers.append(layer)
        if self.input_dim is not None:
            n_in = self.layers[-2].output_dim if len(self.layers) > 1 else self.input_dim
            layer.build(n_in, self.layer_rng(len(self.layers) - 1), self.dtype)
            self.built = True
            self._update_fused()
            self._collect_params()
            if self.optimizer is not None:
                self.optimizer.reset()

    def _unique_name(self, base: str) -> str:
        taken = {layer.name for layer in self.layers}
        if base not in taken:
            return base
        i = 1
        while f"{base}_{i}" in taken:
            i += 1
        return f"{base}_{i}"

    def build(self, input_dim: int | None = None) -> None:
        """Create every layer's weights from ``self.seed`` once the input width is known."""
        if input_dim is not None:
            input_dim = check_int(input_dim, "input_dim", minimum=1)
            if self.input_dim is not None and self.input_dim != input_dim:
                raise ShapeError(
                    f"input_dim: the model expects {self.input_dim} features, got {input_dim}"
                )
            self.input_dim = input_dim
        if self.input_dim is None or not self.layers:
            return
        self._initialize()

    def layer_rng(self, index: int) -> np.random.Generator:
        """The generator that draws layer ``index``'s initial weights: it depends only on
        the model's seed and the layer's position, so any layer's start can be replayed."""
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(index,)))

    def _initialize(self) -> None:
        assert self.input_dim is not None
        n_in = self.input_dim
        for i, layer in enumerate(self.layers):
            layer.build(n_in, self.layer_rng(i), self.dtype)
            n_in = layer.output_dim
        self.built = True
        self._update_fused()
        self._collect_params()
        if self.optimizer is not None:
            self.optimizer.reset()

    def reinitialize(self, seed: int | None = None) -> None:
        """Draw fresh initial weights (from ``seed``, or the model's own seed) and reset the
        optimizer's state."""
        if seed is not None:
            self.seed = int(check_int(seed, "seed", minimum=0))  # type: ignore[arg-type]
        self._require_built()
        self._initialize()

    def _require_built(self) -> None:
        if not self.built:
            raise NotReadyError(
                "the model has no weights yet: start it with Input(shape=(n,)), call "
                "build(n), or call fit()"
            )

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
        """Choose the loss, the optimizer and the metrics reported by ``fit``/``evaluate``."""
        self.loss = losses_mod.get(loss)
        self.optimizer = optimizers_mod.get(optimizer)
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ArgumentTypeError(f"metrics: expected a list of names, got {metrics!r}")
        self.metrics = [metrics_mod.get(m, self.loss) for m in (metrics or [])]
        self.metric_names = [m.name for m in self.metrics]
        self._update_fused()

    def _update_fused(self) -> None:
        if self.loss is None or not self.layers:
            self._fused = False
            return
        last = self.layers[-1]
        self._fused = (
            not self.loss.from_logits
            and self.loss.fused_activation is not None
            and isinstance(last, Dense)
            and last.activation.name == self.loss.fused_activation
        )

    def _require_compiled(self) -> tuple[losses_mod.Loss, optimizers_mod.Optimizer]:
        if self.loss is None or self.optimizer is None:
            raise NotReadyError(
                "the model is not compiled: call model.compile(loss=..., optimizer=...)"
            )
        return self.loss, self.optimizer

    # -- forward and backward -----------------------------------------------------------------
    @property
    def output_dim(self) -> int:
        if not self.layers:
            raise NotReadyError("the model has no layers")
        return self.layers[-1].output_dim

    def check_X(self, X: Any, argument: str = "X", keep_mapped: bool = False) -> Array:
        """Validate ``X`` against the model (building it if needed); returns it in ``dtype``
        (a memory-mapped ``X`` stays as it is with ``keep_mapped``: ``fit`` reads it batch by
        batch)."""
        arr = check_features(X, self.input_dim, self.dtype, argument=argument,
                             layer_name=self.layers[0].name if self.layers else None,
                             keep_mapped=keep_mapped)
        self._ensure_built(arr.shape[1])
        return arr

    def prepare_targets(self, y: Any, m: int, argument: str = "y") -> Array:
        """Validate ``y`` for the compiled loss; ``m`` is the number of examples in X."""
        loss, _ = self._require_compiled()
        if y is None:
            raise ArgumentTypeError(f"{argument}: expected targets, got None")
        arr = np.asarray(y)
        if arr.ndim == 0 or arr.shape[0] != m:
            raise ShapeError(
                f"{argument} has {arr.shape[0] if arr.ndim else 0} targets but X has {m} examples"
            )
        return loss.prepare_targets(arr, self.output_dim, self.dtype)

    def forward(self, x: Array, cache: bool = True) -> Array:
        """Run a validated batch through every layer; returns the output ``(m, units)``."""
        a = x
        for layer in self.layers:
            a = layer.forward(a, cache)
        return a

    def compute_gradients(self, x: Array, y: Array,
                          step: float | None = None) -> tuple[float, Array]:
        """Forward and backward on a validated batch: fills every layer's ``grads``.

        Returns the loss value and the model output. Changes no parameter, unless ``step``
        is given: then every layer also takes the plain-SGD step ``p += step * grad``
        during the backward pass (what :meth:`train_step` does for SGD without momentum).
        """
        loss = self.loss
        assert loss is not None
        out = self.forward(x, cache=True)
        layers = self.layers
        last = layers[-1]
        n = len(layers)
        if self._fused:
            assert isinstance(last, Dense) and last.z is not None
            value, grad_z = loss.logits_value_and_grad(y, last.z)
            assert grad_z is not None
            grad = last.backward_from_z(grad_z, need_input_grad=n > 1, step=step)
        else:
            value, grad_out = loss.value_and_grad(y, out)
            grad = last.backward(grad_out, need_input_grad=n > 1, step=step)
        for i in range(n - 2, -1, -1):
            assert grad is not None
            grad = layers[i].backward(grad, need_input_grad=i > 0, step=step)
        return value, out

    def train_step(self, x: Array, y: Array) -> tuple[float, Array]:
        """One optimizer step on a validated batch; returns (loss before the step, output).

        An optimizer whose step is ``p += c * grad`` (plain SGD, ``c = -learning_rate``)
        has it taken inside the backward pass, where the layers fold it into the gradient's
        product; any other optimizer gets the gradients through ``apply``. Both leave the
        step's gradients readable in every layer's ``grads``.
        """
        optimizer = self.optimizer
        assert optimizer is not None
        rate = optimizer.direct_rate()
        value, out = self.compute_gradients(x, y, step=rate)
        if rate is None:
            optimizer.apply(self._param_list, self._grad_list)
        else:
            optimizer.count_direct_step()
        return value, out

    def _collect_params(self) -> None:
        """Cache the flat lists ``[W1, b1, W2, ...]`` and ``[grad_W1, ...]`` once the layers
        are built, so a training step does not rebuild them. ``build`` is the only place that
        creates these arrays; everything else (the optimizer, ``set_weights``) updates them
        in place, so the cached lists stay valid."""
        self._param_list = [p for layer in self.layers for p in layer.params]
        self._grad_list = [g for layer in self.layers for g in layer.grads]

    @property
    def _params(self) -> list[Array]:
        return self._param_list

    @property
    def _grads(self) -> list[Array]:
        for layer in self.layers:
            layer.finish_gradients()
        return self._grad_list

    def gradients(self, X: Any, y: Any) -> list[Array]:
        """The loss gradients ``[grad_W1, grad_b1, ...]`` (``get_weights()`` order) on all of
        ``X``, computed in one batch. The model's weights and optimizer are not touched."""
        self._require_compiled()
        x = self.check_X(X)
        t = self.prepare_targets(y, x.shape[0])
        self.compute_gradients(x, t)
        grads = [g.copy() for g in self._grads]
        self._clear_caches()
        return grads

    def loss_value(self, X: Any, y: Any) -> float:
        """The compiled loss on all of ``X`` (one batch), without changing anything."""
        self._require_compiled()
        x = self.check_X(X)
        return self.loss_value_prepared(x, self.prepare_targets(y, x.shape[0]))

    def loss_value_prepared(self, x: Array, t: Array) -> float:
        """The loss on a validated batch ``x`` with prepared targets ``t``."""
        loss = self.loss
        assert loss is not None
        a = x
        for layer in self.layers[:-1]:
            a = layer.forward(a, cache=False)
        last = self.layers[-1]
        assert isinstance(last, Dense)
        z = a @ last.W
        z += last.b
        if self._fused or loss.from_logits:
            if not self._fused:
                z = last.activation.forward(z)
            return loss.logits_value_and_grad(t, z, need_grad=False)[0]
        return loss.value(t, last.activation.forward(z))

    def _clear_caches(self) -> None:
        for layer in self.layers:
            if isinstance(layer, Dense):
                layer.clear_cache()

    def predict(self, X: Any, batch_size: int | None = 1024, verbose: int = 0) -> Array:
        """The model's outputs for every row of ``X`` (in batches of ``batch_size``)."""
        x = self.check_X(X)
        m = x.shape[0]
        bs = check_int(batch_size, "batch_size", allow_none=True) or m
        if bs >= m:
            return self.forward(x, cache=False)
        out = np.empty((m, self.output_dim), dtype=self.dtype)
        for start in range(0, m, bs):
            out[start:start + bs] = self.forward(x[start:start + bs], cache=False)
        return out

    def __call__(self, X: Any) -> Array:
        return self.predict(X)

    def evaluate(
        self, X: Any, y: Any, batch_size: int | None = None, verbose: int = 0
    ) -> dict[str, float]:
        """The loss and metrics on ``(X, y)``, as a dict ``{"loss": ..., "accuracy": ...}``."""
        from .training import evaluate

        return evaluate(self, X, y, batch_size=batch_size)

    def trace(self, X: Any) -> list[LayerTrace]:
        """Every layer's input ``x``, pre-activation ``z`` and output ``a`` for the batch ``X``."""
        x = self.check_X(X)
        out: list[LayerTrace] = []
        a = x
        for layer in self.layers:
            assert isinstance(layer, Dense)
            z = a @ layer.W + layer.b
            a_next = layer.activation.forward(z.copy())
            out.append(LayerTrace(str(layer.name), a, z, a_next, layer.W.copy(), layer.b.copy()))
            a = a_next
        return out

    def fit(
        self,
        X: Any,
        y: Any,
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
    ) -> History:
        """Train; see :func:`glassnet.training.fit`. ``seed`` fixes the shuffling order."""
        from .training import fit

        return fit(self, X, y, epochs=epochs, batch_size=batch_size,
                   validation_split=validation_split, validation_data=validation_data,
                   shuffle=shuffle, seed=seed, callbacks=callbacks, verbose=verbose,
                   block_size=block_size)

    # -- weights ------------------------------------------------------------------------------
    @property
    def weights(self) -> list[Array]:
        """The live parameter arrays ``[W1, b1, W2, b2, ...]`` (not copies)."""
        self._require_built()
        return list(self._param_list)

    def get_weights(self) -> list[Array]:
        """Copies of ``[W1, b1, W2, b2, ...]``; ``W`` is ``(n_in, units)``, ``b`` ``(units,)``."""
        self._require_built()
        return [p.copy() for p in self._params]

    def set_weights(self, weights: list[Any]) -> None:
        """Set every parameter from ``[W1, b1, ...]`` (Keras order and shapes)."""
        self._require_built()
        params = self._params
        if not isinstance(weights, (list, tuple)) or len(weights) != len(params):
            got = len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__
            raise ShapeError(f"weights: expected a list of {len(params)} arrays, got {got}")
        for i, layer in enumerate(self.layers):
            layer.set_weights(list(weights[2 * i: 2 * i + 2]))

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
        rows = [("Layer (type)", "Output shape", "W shape", "Params")]
        for layer in self.layers:
            assert isinstance(layer, Dense)
            rows.append((
                f"{layer.name} (Dense, {layer.activation.name})",
                f"(None, {layer.units})",
                str(layer.W.shape),
                f"{layer.count_params():,}",
            ))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        line = "-" * (sum(widths) + 6)
        out = [f'Model: "{self.name}"  (input: {self.input_dim} features, dtype {self.dtype}, '
               f"seed {self.seed})", line]
        for j, r in enumerate(rows):
            out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)))
            if j == 0:
                out.append(line)
        out += [line, f"Total params: {self.count_params():,}"]
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
            "layers": [{"class": type(layer).__name__, "config": layer.get_config()}
                       for layer in self.layers],
        }
        if self.loss is not None and self.optimizer is not None:
            cfg["compile"] = {
                "loss": self.loss.to_config(),
                "optimizer": self.optimizer.to_config(),
                "metrics": [m.name for m in self.metrics],
            }
        return cfg

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        """Rebuild a model (fresh weights drawn from its seed) from :meth:`get_config`."""
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise ConfigError(f"config: expected a dict with a 'layers' list, got {config!r:.200}")
        model = cls(seed=config.get("seed"), dtype=config.get("dtype", "float32"),
                    name=str(config.get("name", "sequential")))
        for entry in config["layers"]:
            if not isinstance(entry, dict):
                raise ConfigError(f"config: expected a layer dict, got {entry!r:.200}")
            klass = LAYER_CLASSES.get(str(entry.get("class")))
            if klass is None:
                raise ConfigError(
                    f"config: unknown layer class {entry.get('class')!r}; expected one of "
                    f"{', '.join(LAYER_CLASSES)}"
                )
            params = entry.get("config")
            if not isinstance(params, dict):
                raise ConfigError(
                    f"config: expected a dict of layer parameters, got {params!r:.200}"
                )
            try:
                model.add(klass(**params))
            except TypeError as exc:
                raise ConfigError(
                    f"config: bad parameters for {entry.get('class')}: {exc}"
                ) from exc
        if config.get("input_dim") is not None:
            model.build(config["input_dim"])
        comp = config.get("compile")
        if isinstance(comp, dict):
            model.compile(loss=comp.get("loss"), optimizer=comp.get("optimizer"),
                          metrics=list(comp.get("metrics") or []))
        return model

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the config and weights to one file (atomically, no pickle)."""
        from .io import save_model

        save_model(self, path)

    def __repr__(self) -> str:
        arch = [str(self.input_dim)] + [str(layer.output_dim) for layer in self.layers]
        return f"Sequential({'-'.join(arch)}, dtype={self.dtype.name}, seed={self.seed})"
