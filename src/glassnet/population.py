"""``Population``: K networks of one architecture, trained in lockstep by one vectorized loop.

Why: for course-sized networks a training step's time goes to per-step Python overhead, not
arithmetic. Stacking the K members' weights into ``(K, n_in, units)`` arrays turns K small
steps into one larger one: one batched product per layer and direction (NumPy's ``matmul``
calls BLAS once per member slice, without going back to Python), one pass of each optimizer
operation over every member's parameters at once.

Each member is exactly the network it would be trained alone by :meth:`Sequential.fit`: the
population steps its members through the same layer code the single model runs, written
once over arrays with a leading member axis (see :mod:`glassnet.layers.members`): one layer
object per layer of the architecture, whose ``params`` and ``grads`` are the stacked
``(K, ...)`` views, calls the same BLAS routine per member and the same NumPy ufuncs element by
element, so a member equals its single-model twin bit for bit in our tests. Dense, Dropout
(each member its own rate and masks), BatchNormalization (each member its own batch and
moving statistics) and the activation layers compute over the member axis in their own code;
any other layer (a user's own written for 2-D arrays, Normalization, Flatten) runs through
:class:`~glassnet.layers.members.MemberLoop`, one call per member.

Layout. Every member's parameters live in one row of a ``(K, P)`` buffer; the optimizer
state and the gradients have the same layout. Parameters small enough that the engine's
optimizers update them with NumPy ufuncs come first in a row, so one ufunc pass covers every
member's small parameters at once (per-member learning rates broadcast as a ``(K, 1)``
column); parameters that the engine updates through BLAS ``axpy`` (see
:mod:`glassnet.optimizers`) are updated member by member through the same routine. The update
itself is the optimizer's own: :meth:`Optimizer.update_arrays` runs on the stacked arrays
(:func:`glassnet.optimizers.axpy_members` for the small region,
:func:`glassnet.optimizers.axpy_each_member` for each big parameter), and the optimizer's
state is read and written through its public ``slot_names``/``slots``.

Shuffling: ``fit(seed=s)`` with one int gives every member the same order (all members see
the same batches, the side-by-side lesson); a list of K seeds gives each member its own
order, the one ``fit(seed=seeds[k])`` would draw alone.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _blas, regularizers
from . import activations as acts
from . import losses as losses_mod
from . import optimizers as opt_mod
from .callbacks import Callback, CallbackList, History
from .checks import check_features, check_int
from .errors import ArgumentTypeError, ConfigError, NotReadyError, OutsideSubsetError
from .layers import Activation, BatchNormalization, Dense, Dropout, Layer, LeakyReLU, ReLU, Softmax
from .layers.members import MemberLoop
from .model import LayerTrace, NestedModel, Sequential, check_targets, step_generator
from .optimizers import FUSED_SGD_MIN_SIZE
from .training import (
    batches,
    check_shuffle,
    check_validation_data,
    epoch_order,
    epoch_rng,
    steps_per_epoch,
)

Array = NDArray[Any]

__all__ = ["MAX_MEMBERS", "MAX_VALUES", "MemberView", "Population", "PopulationHistory",
           "restore_member"]

_OPTIMIZERS = (opt_mod.SGD, opt_mod.RMSprop, opt_mod.Adam)
#: the layers whose own code computes over the member axis; any other layer (a user's own,
#: Normalization, Flatten, ...) runs in a population through MemberLoop, member by member
_MEMBER_AXIS = (Dense, Dropout, BatchNormalization, Activation, ReLU, LeakyReLU, Softmax)

#: The most members one population may hold. A budget checked before anything is built or
#: allocated (a million members would take minutes before an error); raise it by assigning
#: ``glassnet.population.MAX_MEMBERS = ...``.
MAX_MEMBERS = 10_000
#: The most weight values (members x weights per member) a population may stack: its
#: weights, gradients and optimizer slots are each one buffer of this many values (2**28
#: float32 values are 1 GiB). Checked before the members are built; overridable as above.
MAX_VALUES = 2**28


def _check_members(K: int, per_member: int | None, argument: str) -> None:
    """Refuse a population beyond :data:`MAX_MEMBERS` or :data:`MAX_VALUES` (before any
    member is built)."""
    if K > MAX_MEMBERS:
        raise ConfigError(
            f"{argument}: {K:,} members, more than glassnet.population.MAX_MEMBERS "
            f"({MAX_MEMBERS:,}); train several populations, or raise that budget")
    if per_member is not None and K * per_member > MAX_VALUES:
        raise ConfigError(
            f"{argument}: {K:,} members of {per_member:,} weights each make "
            f"{K * per_member:,} values, more than glassnet.population.MAX_VALUES "
            f"({MAX_VALUES:,}); use fewer members, or raise that budget")


#: The keys of :meth:`Population.member_state`'s ``"state"`` by optimizer slot name: the names
#: member states (in sweep results and the golden digest) have always carried.
_MEMBER_STATE_KEYS = {"velocity": "_velocity", "mean_square": "_s", "m": "_m", "v": "_v"}


class PopulationHistory:
    """The members' histories: ``histories[k]`` is a :class:`History` as ``fit`` returns it
    for member ``k`` alone; ``seconds`` is the wall time of the whole run."""

    def __init__(self, histories: list[History], seconds: float) -> None:
        self.histories = histories
        self.seconds = seconds

    def __getitem__(self, k: int) -> History:
        return self.histories[k]

    def __len__(self) -> int:
        return len(self.histories)

    def stacked(self, key: str = "loss") -> NDArray[np.float64]:
        """``(K, epochs)`` array of one logged quantity."""
        return np.array([h.history[key] for h in self.histories], dtype=np.float64)

    def __repr__(self) -> str:
        keys = ", ".join(self.histories[0].history) if self.histories else ""
        n = len(self.histories[0].epoch) if self.histories else 0
        return f"PopulationHistory(members={len(self.histories)}, epochs={n}, keys=[{keys}])"


class MemberView:
    """Member ``k`` of a population during ``fit``, as callbacks see it: ``layers`` (the
    population's layer objects seen through member ``k``'s slices: ``params``, ``grads`` and
    ``state`` are views of the stacked arrays), ``seed``, ``check_X``. Reading it copies
    nothing; it is not a model to train or change (``Population[k]`` gives that)."""

    def __init__(self, pop: Population, k: int) -> None:
        self.population = pop
        self.index = k
        self.seed = pop.seeds[k]
        self.name = pop.names[k]
        self.dtype = pop.dtype
        self.layers = [pop._member_layer(layer, k) for layer in pop._layers]
        self.stop_training = False
        self.history: History | None = None

    def check_X(self, X: Any, argument: str = "X") -> Array:
        return self.population._check_X(X, argument)

    def trace(self, X: Any, training: bool = False) -> list[LayerTrace]:
        """As :meth:`Sequential.trace` at inference: every layer's ``x``, ``z``, ``a``, ``W``,
        ``b`` for member ``k``."""
        a = np.asarray(self.check_X(X), dtype=self.dtype)
        out = []
        for layer in self.layers:
            act = layer.output_activation
            if act is not None:
                z = layer.preactivation(a)
                a_next = act.forward(z.copy())
            else:
                a_next = z = layer.forward(a)
            params = layer.params if layer.has_units else []
            out.append(LayerTrace(str(layer.name), a, z, a_next,
                                  params[0].copy() if params else None,
                                  params[1].copy() if len(params) > 1 else None,
                                  layer.kind, None))
            a = a_next
        return out

    def __repr__(self) -> str:
        return f"MemberView({self.index} of {self.population!r}, seed={self.seed})"


def _describe(model: Sequential) -> dict[str, Any]:
    """What must agree between members (architecture, dtype, loss, optimizer less its rate)."""
    cfg = model.get_config()
    layers = []
    for layer in cfg["layers"]:
        c = dict(layer["config"])
        c.pop("kernel_initializer", None)
        c.pop("bias_initializer", None)
        c.pop("kernel_regularizer", None)  # members may differ in their penalties
        c.pop("bias_regularizer", None)
        c.pop("rate", None)  # and in their dropout rates and seeds
        c.pop("seed", None)
        c.pop("name", None)
        layers.append((layer["class"], c))
    comp = cfg.get("compile") or {}
    opt = dict((comp.get("optimizer") or {}).get("config") or {})
    opt.pop("learning_rate", None)
    return {
        "input_dim": cfg["input_dim"], "dtype": cfg["dtype"], "layers": layers,
        "loss": comp.get("loss"), "optimizer": ((comp.get("optimizer") or {}).get("name"), opt),
        "metrics": comp.get("metrics"),
    }


class Population:
    """K compiled ``Sequential`` models of one architecture ending in a Dense layer, stacked
    and trained together (any layer before it, see the module docstring; a model used as a
    layer and frozen layers are refused).

    ``Population(models)`` copies the members' current weights (the models themselves are
    left as they are). Members may differ in seed, initializers, learning rate, kernel and
    bias penalties and dropout rates (each member draws its own masks, as its own fit does,
    one generator per member and step); layer sizes, activations, dtype, loss, optimizer
    (apart from its learning rate) and metrics must agree. :meth:`from_model` builds the
    members from one model and a list of seeds.
    """

    def __init__(self, models: Sequence[Sequential]) -> None:
        if isinstance(models, Sequential) or not isinstance(models, (list, tuple)):
            raise ArgumentTypeError(
                f"models: expected a list of Sequential models, got {type(models).__name__}"
            )
        if not models:
            raise ConfigError("models: a population needs at least one member, got none")
        _check_members(len(models), None, "models")
        for k, model in enumerate(models):
            if not isinstance(model, Sequential):
                raise ArgumentTypeError(
                    f"models[{k}]: expected a Sequential model, got {type(model).__name__}"
                )
            if not model.built:
                raise NotReadyError(f"models[{k}] has no weights yet: give it an Input or build it")
            if model.loss is None or model.optimizer is None:
                raise NotReadyError(f"models[{k}] is not compiled: call compile() on every member")
            for layer in model.layers:
                if isinstance(layer, NestedModel):
                    raise ConfigError(
                        f"models[{k}]: a population cannot hold a model used as a layer "
                        f"({layer.name!r}); flatten it into one Sequential (model.flattened())")
                if not layer.trainable:
                    raise ConfigError(
                        f"models[{k}]: layer {layer.name!r} is frozen (trainable=False); a "
                        "population trains every layer of its members: fit that member alone")
            if type(model.layers[-1]) is not Dense:
                raise ConfigError(
                    f"models[{k}]: a population's last layer must be Dense, found "
                    f"{type(model.layers[-1]).__name__}")
            if not isinstance(model.optimizer, _OPTIMIZERS):
                raise ConfigError(
                    f"models[{k}]: a population trains with SGD, RMSprop or Adam, got "
                    f"{type(model.optimizer).__name__}"
                )
        first = _describe(models[0])
        for k, model in enumerate(models[1:], start=1):
            other = _describe(model)
            for key in first:
                if other[key] != first[key]:
                    raise ConfigError(
                        f"models[{k}]: every member must have the same {key.replace('_', ' ')} "
                        f"as models[0]; models[0] has {first[key]!r}, models[{k}] has "
                        f"{other[key]!r}"
                    )
        _check_members(len(models), models[0].count_params(), "models")
        m0 = models[0]
        self.K = len(models)
        self.dtype = m0.dtype
        self.input_dim = int(m0.input_dim)
        self.seeds = [m.seed for m in models]
        #: Epochs the members have completed (their global epoch): the next fit's data order
        #: continues from it, as Sequential.fit's does.
        epochs_done = sorted({int(m.epochs_trained) for m in models})
        if len(epochs_done) != 1:
            raise ConfigError(
                "models: every member must have trained the same number of epochs (the next "
                f"epoch's shuffling order depends on it), got {epochs_done}")
        self.epochs_trained = epochs_done[0]
        self.names = [m.name for m in models]
        self._configs = [m.get_config() for m in models]
        self.loss: losses_mod.Loss = m0.loss
        self.metrics = list(m0.metrics)
        for metric in self.metrics:
            if metric.stateful:
                raise OutsideSubsetError(
                    f"metrics: {type(metric).__name__} ({metric.name!r}) is not a mean of "
                    "batch values, and a population reports batch means; compile the members "
                    "without it, or fit them one by one")
        self.metric_names = [m.name for m in self.metrics]
        self.optimizer = m0.optimizer
        assert self.optimizer is not None
        #: (member, its learning-rate schedule) for the members that follow one
        self._schedules = [(k, m.optimizer.schedule) for k, m in enumerate(models)
                           if m.optimizer.schedule is not None]
        #: the rate of each member's next step (a scheduled member's follows its schedule)
        self.learning_rates = np.array([m.optimizer.learning_rate
                                        for m in models], dtype=np.float64)
        self.iterations = np.array([m.optimizer.iterations
                                    for m in models], dtype=np.int64)
        if len(set(self.iterations.tolist())) != 1:
            raise ConfigError(
                "models: every member's optimizer must have taken the same number of steps, got "
                f"{sorted(set(self.iterations.tolist()))}"
            )
        dense = [layer for layer in m0.layers if type(layer) is Dense]
        self.activations = [layer.activation for layer in dense]
        self.layer_names = [str(layer.name) for layer in dense]
        self.units = [layer.output_dim for layer in dense]
        self.fused = m0._fused
        self._regularizers(models)
        self._layout(models)
        self._build_layers(models)
        self.history: PopulationHistory | None = None

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def from_model(
        cls,
        model: Sequential,
        seeds: Sequence[int],
        *,
        kernel_initializers: Sequence[Any] | None = None,
        learning_rates: Sequence[float] | None = None,
    ) -> Population:
        """Members built from ``model``'s configuration (compiled the same way) with seed
        ``seeds[k]``, optionally kernel initializer ``kernel_initializers[k]`` (for every
        layer) and learning rate ``learning_rates[k]``."""
        if not isinstance(model, Sequential):
            raise ArgumentTypeError(f"model: expected a Sequential model, got {model!r:.80}")
        cfg = model.get_config()
        if "compile" not in cfg:
            raise NotReadyError("model is not compiled: call compile() first")
        if cfg.get("input_dim") is None:
            raise NotReadyError("model has no input width: start it with Input(shape=(n,))")
        if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__len__") \
                or not hasattr(seeds, "__iter__"):
            raise ArgumentTypeError(f"seeds: expected a sequence of ints (one per member), got "
                                    f"{type(seeds).__name__}")
        _check_members(len(seeds), model.count_params() if model.built else None, "seeds")
        seeds = list(seeds)
        K = len(seeds)
        for name, values in (("kernel_initializers", kernel_initializers),
                             ("learning_rates", learning_rates)):
            if values is not None and len(values) != K:
                raise ConfigError(f"{name}: expected {K} entries (one per seed), got {len(values)}")
        members = []
        for k, seed in enumerate(seeds):
            c = dict(cfg, seed=seed)
            if kernel_initializers is not None:
                from . import initializers

                init = initializers.get(kernel_initializers[k]).to_config()
                c["layers"] = [dict(entry, config=dict(entry["config"], kernel_initializer=init))
                               for entry in cfg["layers"]]
            if learning_rates is not None:
                comp = dict(c["compile"])
                comp["optimizer"] = dict(comp["optimizer"], config=dict(
                    comp["optimizer"]["config"], learning_rate=learning_rates[k]))
                c["compile"] = comp
            members.append(Sequential.from_config(c))
        return cls(members)

    def _build_layers(self, models: Sequence[Sequential]) -> None:
        """The population's layers: one object per layer of the members' architecture (a
        shallow copy of member 0's), computing over the member axis with the layer's own
        code. A Dense layer's ``params``/``grads`` are the stacked ``(K, ...)`` views and its
        regularizers the members' penalties (:class:`~glassnet.regularizers.MemberPenalties`);
        a Dropout layer holds each member's rate and draws each member's masks from the
        generator its model would use (the layer's own seed or the model's, see
        :meth:`Sequential.step_rng`)."""
        self._layers: list[Layer] = []
        #: the Dense layers in order
        self._dense: list[Dense] = []
        #: the parameter index of each Dense layer's W
        self._dense_at: list[int] = []
        #: the stochastic layers with their model index and each member's seed for them
        self._stochastic: list[tuple[Layer, int, list[int]]] = []
        p = 0
        for index, layer in enumerate(models[0].layers):
            n = len(layer.params)
            params, grads = self.params[p:p + n], self.grads[p:p + n]
            # each member's non-trainable arrays (moving statistics), stacked
            state = [np.stack([m.layers[index].state[j] for m in models])
                     for j in range(len(layer.state))]
            own: Layer
            if type(layer) in _MEMBER_AXIS:
                own = _with_arrays(copy.copy(layer), params, grads, state)
            else:  # code for 2-D arrays only: a loop over the members' own layers
                own = _with_arrays(MemberLoop([
                    _with_arrays(copy.copy(m.layers[index]), [q[k] for q in params],
                                 [g[k] for g in grads], [s[k] for s in state])
                    for k, m in enumerate(models)]), params, grads, state)
            if isinstance(own, Dense):
                own.kernel_regularizer, own.bias_regularizer = (  # type: ignore[assignment]
                    self._stacked_penalty(models, index, attr, params[j].shape[1:])
                    for j, attr in enumerate(("kernel_regularizer", "bias_regularizer")))
                self._dense.append(own)
                self._dense_at.append(p)
            elif isinstance(own, Dropout):
                own.member_rates = [float(m.layers[index].rate)  # type: ignore[attr-defined]
                                    for m in models]
            if own.stochastic:  # the seed Sequential.step_rng takes: the layer's or the model's
                seeds = []
                for m in models:
                    seed = getattr(m.layers[index], "seed", None)
                    seeds.append(seed if isinstance(seed, int) else int(m.seed))
                self._stochastic.append((own, index, seeds))
            self._layers.append(own)
            p += n
        self._stepping = [layer for layer in self._layers
                          if type(layer).finish_step is not Layer.finish_step]
        #: per layer: does a layer before it have weights (so its input gradient is needed)?
        self._grad_in = [any(bool(earlier.params) for earlier in self._layers[:j])
                         for j in range(len(self._layers))]
        #: each member's layers that add a penalty, as its model has them
        self._regularized_views = [
            [view for view in (self._member_layer(layer, k) for layer in self._layers)
             if view.regularized] if self.regularized[k] else []
            for k in range(self.K)]

    def _member_layer(self, layer: Layer, k: int) -> Layer:
        """``layer`` as member ``k`` has it: a copy of the population's layer object whose
        ``params``, ``grads`` and ``state`` are member ``k``'s slices (views), computing with
        the layer's single-model code (what a callback reads and traces)."""
        if isinstance(layer, MemberLoop):
            return layer.members[k]
        view = _with_arrays(copy.copy(layer), [p[k] for p in layer.params],
                            [g[k] for g in layer._grads], [s[k] for s in layer.state])
        if isinstance(view, Dense):
            view.kernel_regularizer, view.bias_regularizer = \
                self._member_regs[k][self._dense.index(layer)]  # type: ignore[arg-type]
            view.keep_operands = False
        elif isinstance(view, Dropout):
            view.rate = (view.member_rates or [view.rate] * self.K)[k]
            view.member_rates = None
        return view

    def _stacked_penalty(self, models: Sequence[Sequential], index: int, attr: str,
                         shape: tuple[int, ...]) -> regularizers.MemberPenalties | None:
        """The members' penalties of one parameter, or None where no member has one."""
        stacked = regularizers.MemberPenalties(
            [getattr(m.layers[index], attr) for m in models], shape, self.dtype)
        return stacked if stacked.active else None

    def _regularizers(self, models: Sequence[Sequential]) -> None:
        """Each member's penalties (members may differ, e.g. a sweep over ``l2``): the
        regularizer objects, for the penalty values, and which members penalize each
        layer's kernel (their W is never folded into a gemm)."""
        self._member_regs = [[(getattr(layer, "kernel_regularizer", None),
                               getattr(layer, "bias_regularizer", None))
                              for layer in model.layers if type(layer) is Dense]
                             for model in models]
        self.regularized = [bool(model._regularized) for model in models]
        self._any_regularized = any(self.regularized)
        self.last_penalties = np.zeros(self.K)
        self._kernel_penalized = [np.array([member[i][0] is not None
                                            for member in self._member_regs])
                                  for i in range(len(self.units))]
        self._penalized_kernels = [(bool(p.any()), bool(p.all()))
                                   for p in self._kernel_penalized]

    def _penalties(self) -> Array:
        """Each member's penalty at the current weights, ``(K,)``, computed as the engine
        computes ``model.regularization_loss()`` (the same calls on the same numbers)."""
        out = np.zeros(self.K)
        for k, views in enumerate(self._regularized_views):
            if views:
                out[k] = float(sum(view.regularization_loss() for view in views))
        return out

    def _layout(self, models: Sequence[Sequential]) -> None:
        """One ``(K, P)`` buffer for the parameters, small ones first (see module doc)."""
        shapes = [p.shape for p in models[0]._param_list]
        sizes = [int(np.prod(s)) for s in shapes]
        order = sorted(range(len(shapes)), key=lambda i: sizes[i] >= opt_mod.AXPY_MIN_SIZE)
        offsets: dict[int, int] = {}
        pos = 0
        for i in order:
            offsets[i] = pos
            pos += sizes[i]
        self._n_small = sum(s for s in sizes if s < opt_mod.AXPY_MIN_SIZE)
        self._big = [i for i in order if sizes[i] >= opt_mod.AXPY_MIN_SIZE]
        self._shapes, self._sizes, self._offsets = shapes, sizes, offsets
        self._P = pos
        self.buffer = np.empty((self.K, pos), dtype=self.dtype)
        self.grad_buffer = np.zeros((self.K, pos), dtype=self.dtype)
        self.params = [self._view(self.buffer, i) for i in range(len(shapes))]
        self.grads = [self._view(self.grad_buffer, i) for i in range(len(shapes))]
        for k, model in enumerate(models):
            for i, p in enumerate(model._param_list):
                self.params[i][k] = p
        self._state: dict[str, Array] = {}
        opt = self.optimizer
        if opt.iterations:
            self._import_state(models)

    def _view(self, buf: Array, i: int) -> Array:
        off, size = self._offsets[i], self._sizes[i]
        return buf[:, off:off + size].reshape((self.K,) + self._shapes[i])

    def _ensure_state(self) -> None:
        """The optimizer's slots (by :meth:`Optimizer.slot_names`), one ``(K, P)`` buffer
        each, and a scratch buffer."""
        if "scratch" not in self._state:
            self._state["scratch"] = np.empty((self.K, self._P), dtype=self.dtype)
            for name in self.optimizer.slot_names():
                self._state.setdefault(name, np.zeros((self.K, self._P), dtype=self.dtype))

    def _import_state(self, models: Sequence[Sequential]) -> None:
        self._ensure_state()
        for k, model in enumerate(models):
            assert model.optimizer is not None
            for name, arrays in model.optimizer.slots().items():
                for i, arr in enumerate(arrays):
                    self._view(self._state[name], i)[k] = arr

    # -- members as ordinary models ------------------------------------------------------------
    def __len__(self) -> int:
        return self.K

    def __getitem__(self, k: int) -> Sequential:
        """Member ``k`` as an ordinary ``Sequential`` (a copy: weights, optimizer state,
        history), ready for every instrument or for further training on its own."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise ArgumentTypeError(f"index: expected a member number 0..{self.K - 1}, got "
                                    f"{k!r:.60}")
        k = int(k)
        if not -self.K <= k < self.K:
            raise ConfigError(f"index: expected 0..{self.K - 1}, got {k}")
        k %= self.K
        model = restore_member(self.member_state(k))
        if self.history is not None:
            model.history = self.history.histories[k]
        return model

    def member_state(self, k: int) -> dict[str, Any]:
        """Member ``k`` as plain data (copies): its configuration, weights, optimizer step
        count and state arrays (by the optimizer's attribute name) and epochs trained, and,
        where its layers have some, their non-trainable arrays (``"layer_states"``: a batch
        normalization's moving statistics, in layer order); what :func:`restore_member`
        makes a model of, in this process or another."""
        state = {
            "config": self._configs[k],
            "weights": [p[k].copy() for p in self.params],
            "iterations": int(self.iterations[k]),
            "state": {_MEMBER_STATE_KEYS[name]: [self._view(self._state[name], i)[k].copy()
                                                 for i in range(len(self.params))]
                      for name in self.optimizer.slot_names() if name in self._state},
            "epochs_trained": self.epochs_trained,
        }
        layer_states = [s[k].copy() for layer in self._layers for s in layer.state]
        if layer_states:
            state["layer_states"] = layer_states
        return state

    def models(self) -> list[Sequential]:
        """Every member as an ordinary ``Sequential`` model (copies)."""
        return [self[k] for k in range(self.K)]

    def __iter__(self) -> Iterator[Sequential]:
        return iter(self.models())

    def get_weights(self, k: int | None = None) -> list[Array]:
        """Copies of the stacked parameters ``[W1 (K, n0, n1), b1 (K, n1), ...]``, or of member
        ``k``'s ``[W1, b1, ...]``."""
        if k is None:
            return [p.copy() for p in self.params]
        return [p[k].copy() for p in self.params]

    def __repr__(self) -> str:
        arch = "-".join(str(n) for n in [self.input_dim] + self.units)
        return f"Population({self.K} x {arch}, dtype={self.dtype.name})"

    # -- the vectorized step -------------------------------------------------------------------
    def _forward(self, x: Array, cache: bool, need_output: bool = True) -> Array:
        """Stacked forward pass through the layers' own code: ``x`` is ``(m, n)`` (shared)
        or ``(K, m, n)``; ``cache``: the training pass (each member's dropout masks of this
        step drawn, every layer keeping what its backward pass needs); ``need_output=False``
        stops the last layer at its pre-activation (a fused loss needs no more)."""
        if cache and self._stochastic:
            step = int(self.iterations[0])  # the step about to be taken, as the engine's
            for layer, index, seeds in self._stochastic:
                if isinstance(layer, Dropout):  # no generator for a member at rate 0
                    layer.member_rngs = [
                        step_generator(seed, index, step) if rate != 0.0 else None
                        for seed, rate in zip(seeds, layer.member_rates or ())]
                elif isinstance(layer, MemberLoop):
                    layer.set_rngs([step_generator(seed, index, step) for seed in seeds])
        a = x
        last = self._layers[-1]
        for layer in self._layers:
            if layer is last and not need_output:
                a = self._dense[-1].forward(a, cache, cache, activate=False)
            else:
                a = layer.forward(a, cache, cache)
        return a

    def _release_batches(self) -> None:
        """Let go of the last training batch the layers keep (no gradient computed)."""
        for layer in self._layers:
            layer.deferred = []
            layer.clear_cache()

    def _loss_value_and_grad(self, t: Array, z: Array, out: Array | None,
                             need_grad: bool = True) -> tuple[Array, Array | None]:
        """Per-member loss values ``(K,)`` and ``dL/dz`` (fused) or ``dL/dout`` (stacked)."""
        loss = self.loss
        K, m = z.shape[0], z.shape[1]
        c = z.shape[2]
        shared = t.ndim == (1 if isinstance(loss, losses_mod.SparseCategoricalCrossentropy)
                            else 2)
        fused = self.fused or loss.from_logits
        if fused and isinstance(loss, losses_mod.SparseCategoricalCrossentropy):
            # the engine's own computation on the rows of every (member, example), in
            # batch-major order (m, K); values summed per member as the engine sums them
            zb = z.transpose(1, 0, 2)
            if not zb.flags.c_contiguous:
                zb = np.ascontiguousarray(zb)
            z2 = zb.reshape(m * K, c)
            starts = np.arange(0, K * m * c, c)
            e = z2 - z2.ravel()[starts + z2.argmax(axis=1)][:, None]
            labels = np.repeat(t, K) if shared else t.T.reshape(-1)
            at_y = starts + labels
            e_y = e.ravel()[at_y]
            np.exp(e, out=e)
            s = e.sum(axis=1)
            values = ((_per_member(np.log(s), m, K).sum(axis=1, dtype=np.float64)
                       - _per_member(e_y, m, K).sum(axis=1, dtype=np.float64)) / m)
            if not need_grad:
                return values, None
            s *= m
            e /= s[:, None]
            e.ravel()[at_y] -= e.dtype.type(1.0 / m)
            return values, e.reshape(m, K, c).transpose(1, 0, 2)
        if fused and type(loss) is losses_mod.CategoricalCrossentropy:
            tb = np.broadcast_to(t, z.shape)
            zmax = z.max(axis=2, keepdims=True)
            ex = np.exp(z - zmax)
            lse = np.log(ex.sum(axis=2, keepdims=True)) + zmax
            values = (np.sum(np.ascontiguousarray(lse[:, :, 0] * tb.sum(axis=2)), axis=1,
                             dtype=np.float64)
                      - np.sum(np.ascontiguousarray(tb * z), axis=(1, 2), dtype=np.float64)) / m
            if not need_grad:
                return values, None
            grad = acts.Softmax().forward(z)
            grad *= tb.sum(axis=2, keepdims=True)
            grad -= tb
            grad *= grad.dtype.type(1.0 / m)
            return values, grad
        if fused and type(loss) is losses_mod.BinaryCrossentropy:
            per = np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z)))
            values = np.mean(np.ascontiguousarray(per), axis=(1, 2), dtype=np.float64)
            if not need_grad:
                return values, None
            grad = acts.Sigmoid().forward(z)
            grad -= t
            grad *= grad.dtype.type(1.0 / (m * c))
            return values, grad
        if not fused and type(loss) is losses_mod.MeanSquaredError:
            assert out is not None
            d = out - t
            values = np.mean(np.ascontiguousarray(np.square(d, dtype=np.float64)), axis=(1, 2))
            if not need_grad:
                return values, None
            d *= d.dtype.type(2.0 / (m * c))
            return values, d
        # any other loss: the engine's own functions, member by member
        vals, grads = [], []
        for k in range(K):
            tk = t if shared else t[k]
            if fused:
                v, g = loss.logits_value_and_grad(tk, z[k], need_grad=need_grad)
            elif need_grad:
                assert out is not None
                v, g = loss.value_and_grad(tk, out[k])
            else:
                assert out is not None
                v, g = loss.value(tk, out[k]), None
            vals.append(v)
            grads.append(g)
        values = np.array(vals, dtype=np.float64)
        return values, (np.stack([g for g in grads if g is not None]) if need_grad else None)

    def _train_step(self, x: Array, t: Array, need_output: bool,
                    need_grads: bool = False) -> tuple[Array, Array]:
        """One optimizer step of every member; returns (loss values (K,), penalties included,
        and the outputs). ``last_penalties`` keeps the penalty part."""
        out = self._forward(x, cache=True, need_output=need_output or not self.fused)
        last = self._dense[-1]
        assert last.z is not None
        values, grad = self._loss_value_and_grad(t, last.z, out)
        assert grad is not None
        opt = self.optimizer
        plain_sgd = isinstance(opt, opt_mod.SGD) and not opt.momentum
        fused_sgd: list[tuple[int, Array, Array]] = []
        fused = self.fused or self.loss.from_logits
        layers = self._layers
        i = len(self._dense)
        for j in range(len(layers) - 1, -1, -1):
            layer = layers[j]
            need_input_grad = self._grad_in[j]
            if not isinstance(layer, Dense):
                grad = layer.backward(grad, need_input_grad)
            else:
                i -= 1
                all_penalized = self._penalized_kernels[i][1]
                # plain SGD: members without a kernel penalty fold their step into a gemm
                folds = plain_sgd and not all_penalized and \
                    self._sizes[self._dense_at[i]] >= FUSED_SGD_MIN_SIZE and \
                    _blas.available(self.dtype)
                # the kernel gradient is deferred unless callbacks read it; it is computed
                # anyway for penalized members, and the gemm's operands are kept
                defer = folds and not need_grads
                layer.keep_operands = folds
                if layer is last and fused:
                    grad = layer.backward_from_preactivation(grad, need_input_grad, defer)
                else:
                    grad = layer.backward(grad, need_input_grad, defer)
                if folds:
                    assert layer.operands is not None
                    fused_sgd.append((i, *layer.operands))
            if grad is None:
                break
        if self._any_regularized:  # at the weights before the step, as the engine
            self.last_penalties = self._penalties()
            values = values + self.last_penalties
        self._apply(plain_sgd, fused_sgd)
        for stepping in self._stepping:  # e.g. moving statistics, after the step
            stepping.finish_step()
        return values, out

    # -- the optimizers' own arithmetic, over the member axis -----------------------------------
    def _apply(self, plain_sgd: bool, fused_sgd: list[tuple[int, Array, Array]]) -> None:
        """Every member's step through the optimizer's own :meth:`update_arrays`: once over
        the small parameters of all members, then per big parameter."""
        opt = self.optimizer
        self.iterations += 1
        t = int(self.iterations[0])
        lrs = opt.step_size(self.learning_rates.copy(), t)
        for k, schedule in self._schedules:  # the next rate, as the engine's learning_rate
            self.learning_rates[k] = float(schedule(t))
        P, G = self.buffer, self.grad_buffer
        self._ensure_state()
        tmp = self._state["scratch"]
        done = set()
        for i, xin, gz in fused_sgd:  # plain SGD: a large W from its deferred product by gemm
            at = self._dense_at[i]
            W = self.params[at]
            done.add(at)
            penalized = self._kernel_penalized[i]
            for k in range(self.K):
                xk = xin if xin.ndim == 2 else xin[k]
                if penalized[k]:  # as the engine: no fold, p += (-lr) g
                    opt_mod._axpy(W[k], float(-lrs[k]), self.grads[at][k],
                                  self._view(tmp, at)[k])
                elif not _blas.gemm_at_b_acc(xk, gz[k], W[k], float(-lrs[k])):
                    g = self.grads[at]
                    np.matmul(xk.T, gz[k], out=g[k])
                    opt_mod._axpy(W[k], float(-lrs[k]), g[k], self._view(tmp, at)[k])
        slots = [self._state[name] for name in opt.slot_names()]
        small = slice(0, self._n_small)
        opt.update_arrays(P[:, small], G[:, small], tmp[:, small], lrs,
                          opt_mod.axpy_members,
                          *[s[:, small] for s in slots])
        for i in self._big:
            if i not in done:
                opt.update_arrays(self._view(P, i), self._view(G, i), self._view(tmp, i), lrs,
                                  opt_mod.axpy_each_member, *[self._view(s, i) for s in slots])

    # -- public API ----------------------------------------------------------------------------
    def _check_X(self, X: Any, argument: str = "X") -> Array:
        return check_features(X, self.input_dim, self.dtype, argument=argument,
                              keep_mapped=True)

    def _prepare_targets(self, y: Any, m: int, argument: str = "y") -> Array:
        return check_targets(self.loss, y, m, self.units[-1], self.dtype, argument)

    def predict(self, X: Any, batch_size: int | None = 1024) -> Array:
        """Every member's outputs, ``(K, m, outputs)``."""
        x = self._check_X(X)
        m = x.shape[0]
        bs = check_int(batch_size, "batch_size", allow_none=True) or m
        out = np.empty((self.K, m, self.units[-1]), dtype=self.dtype)
        for start in range(0, m, bs):
            xb = np.asarray(x[start:start + bs], dtype=self.dtype)
            out[:, start:start + bs] = self._forward(xb, cache=False)
        return out

    def evaluate(self, X: Any, y: Any, batch_size: int | None = None) -> list[dict[str, float]]:
        """Each member's loss and metrics on ``(X, y)``, as ``Sequential.evaluate`` gives."""
        x = self._check_X(X)
        t = self._prepare_targets(y, x.shape[0])
        return self._evaluate(x, t, batch_size)

    def _evaluate(self, x: Array, t: Array, batch_size: int | None = None
                  ) -> list[dict[str, float]]:
        m = x.shape[0]
        bs = check_int(batch_size, "batch_size", allow_none=True) or m
        total = np.zeros(self.K)
        outs = []
        for start in range(0, m, bs):
            xb = np.asarray(x[start:start + bs], dtype=self.dtype)
            tb = t[start:start + bs]
            z = self._forward(xb, cache=False, need_output=False)
            out = None
            if not (self.fused or self.loss.from_logits):
                out = self.activations[-1].forward(z.copy())
            values, _ = self._loss_value_and_grad(tb, z, out, need_grad=False)
            if self._any_regularized:
                values = values + self._penalties()
            total += values * xb.shape[0]
            if self.metrics:
                outs.append(self.activations[-1].forward(z) if out is None else out)
        results = [{"loss": float(total[k] / m)} for k in range(self.K)]
        if self.metrics:
            allout = np.concatenate(outs, axis=1) if len(outs) > 1 else outs[0]
            for k in range(self.K):
                for metric in self.metrics:
                    results[k][metric.name] = metric(t, allout[k])
        return results

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        epochs: int = 1,
        batch_size: int | None = 32,
        validation_data: tuple[Any, Any] | None = None,
        shuffle: bool | str = True,
        block_size: int | None = None,
        seed: int | Sequence[int] | None = None,
        callbacks: Sequence[Sequence[Callback]] | None = None,
        verbose: int = 0,
        sample_weight: Any = None,
        class_weight: Any = None,
    ) -> PopulationHistory:
        """Train every member for ``epochs`` passes over ``(X, y)`` in lockstep.

        ``seed``: one int gives every member the same shuffling order (shared batches); a
        list of K ints gives member ``k`` the order ``Sequential.fit(seed=seed[k])`` draws;
        ``None`` shuffles each member from its own model seed, as ``Sequential.fit`` does
        (recorded in ``history[k].params["seed"]``).
        ``shuffle="block"`` shuffles within blocks of ``block_size`` rows and the blocks'
        order (see :func:`glassnet.training.epoch_order`). ``X`` may be a memory-mapped array
        (``np.load(path, mmap_mode="r")``): batches are read from it one at a time. Returns a
        :class:`PopulationHistory`; member ``k``'s history equals the one ``fit`` gives alone.

        ``callbacks``: one list per member (``callbacks[k]``), e.g. a
        :class:`~glassnet.inspect.NeuronRecorder` for each. They see member ``k`` as a
        :class:`MemberView` of the stacked arrays (nothing is unstacked) and get the member's
        own logs. They may read, not steer: the members train in lockstep, so a callback that
        sets ``stop_training`` raises an error.
        """
        for name, given in (("sample_weight", sample_weight), ("class_weight", class_weight)):
            if given is not None:
                raise OutsideSubsetError(
                    f"{name}: a population trains its members without per-example weights; "
                    f"fit each member as a Sequential (model.fit({name}=...)) instead")
        epochs = int(check_int(epochs, "epochs", minimum=1))
        batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        if not (isinstance(verbose, (int, np.integer)) and verbose in (0, 1, 2)):
            raise ConfigError(f"verbose: expected 0, 1 or 2, got {verbose!r}")
        shuffle, block_size = check_shuffle(shuffle, block_size)
        K = self.K
        if seed is None:  # as Sequential.fit: each member shuffles from its own seed
            seeds = [int(s) for s in self.seeds]
        elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
            seeds = [int(seed)] * K
        elif isinstance(seed, (list, tuple, np.ndarray)) and len(seed) == K and all(
                isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0
                for s in seed):
            seeds = [int(s) for s in seed]
        else:
            raise ConfigError(
                f"seed: expected None, one non-negative int (shared batches) or a list of "
                f"{K} ints (one shuffling order per member), got {seed!r:.100}"
            )
        if callbacks is not None and (
                not isinstance(callbacks, (list, tuple)) or len(callbacks) != K
                or not all(isinstance(c, (list, tuple)) and all(isinstance(cb, Callback)
                                                                for cb in c) for c in callbacks)):
            raise ArgumentTypeError(
                f"callbacks: expected one list of Callback objects per member ({K} lists), got "
                f"{callbacks!r:.100}"
            )
        x = self._check_X(X)
        t = self._prepare_targets(y, x.shape[0])
        x_val = t_val = None
        if validation_data is not None:
            x_val, t_val = check_validation_data(validation_data, self._check_X,
                                                 self._prepare_targets)
        m = x.shape[0]
        n_steps = steps_per_epoch(m, batch_size)
        shared = len(set(seeds)) == 1 or not shuffle or n_steps <= 1  # one order for all
        order_seeds = seeds[:1] if shared else seeds
        histories = []
        for k in range(K):
            h = History()
            h.params = {"epochs": epochs, "steps": n_steps, "samples": m,
                        "batch_size": batch_size,
                        "val_samples": 0 if x_val is None else x_val.shape[0],
                        "seed": seeds[k], "shuffle": shuffle, "metrics": list(self.metric_names)}
            histories.append(h)
        dtype = self.dtype
        views = [MemberView(self, k) for k in range(K)]
        cbls: list[CallbackList] = []
        if callbacks is not None:
            for k in range(K):
                cbl = CallbackList(list(callbacks[k]))
                cbl.set_model(views[k])  # type: ignore[arg-type]  # a read-only member view
                cbl.set_params(histories[k].params)
                views[k].history = histories[k]
                cbls.append(cbl)
        for cbl in cbls:
            cbl.on_train_begin({})
        # only the hooks some callback has are called (as CallbackList does for one model),
        # known once the callbacks got ready
        batch_hooks = [c for c in cbls if c.wants_batch_logs]
        epoch_begin = [c for c in cbls if c._epoch_begin]
        start_time = time.perf_counter()
        show = verbose and _progress(epochs * n_steps, K)
        for epoch in range(epochs):
            # the orders Sequential.fit draws for this global epoch
            global_epoch = self.epochs_trained
            orders = [epoch_order(epoch_rng(s, global_epoch), m, shuffle, block_size, n_steps)
                      if shuffle and n_steps > 1 else None for s in order_seeds]
            total = np.zeros(K)
            penalty_total = np.zeros(K)
            seen = 0
            metric_sums = np.zeros((K, len(self.metrics)))
            if not shared:  # each member's own order (never None: shuffled, several steps)
                order_arr = np.stack(orders)  # type: ignore[arg-type]
            for cbl in epoch_begin:
                cbl.on_epoch_begin(epoch, {})
            for step, rows in enumerate(batches(m, batch_size)):
                if shared:
                    idx: Any = rows if orders[0] is None else orders[0][rows]
                    xb = np.asarray(x[idx], dtype=dtype)
                else:
                    idx = order_arr[:, rows]
                    xb = _gather(x, idx, dtype)
                tb = t[idx]
                nb = xb.shape[-2]
                for cbl in batch_hooks:
                    cbl.on_batch_begin(step, {"size": nb})
                values, out = self._train_step(xb, tb, need_output=bool(self.metrics),
                                               need_grads=bool(cbls))
                total += values * nb
                if self._any_regularized:
                    penalty_total += self.last_penalties * nb
                seen += nb
                for k in range(K):
                    for j, metric in enumerate(self.metrics):
                        metric_sums[k, j] += metric(tb if shared else tb[k], out[k]) * nb
                if batch_hooks:
                    for k, cbl in enumerate(cbls):
                        if not cbl.wants_batch_logs:
                            continue
                        blogs: dict[str, Any] = {
                            "batch_loss": float(values[k]), "size": nb, "seen": seen,
                            "loss": total[k] / seen}
                        for j, metric in enumerate(self.metrics):
                            blogs[metric.name] = metric_sums[k, j] / seen
                        cbl.on_batch_end(step, blogs)
                    _check_steering(views)
                if show:
                    show.update(1)
            val = self._evaluate(x_val, t_val) \
                if x_val is not None and t_val is not None else None
            for k, h in enumerate(histories):
                logs: dict[str, Any] = {"loss": total[k] / seen}
                if self.regularized[k]:  # the loss includes the penalties (as in Keras)
                    logs["data_loss"] = (total[k] - penalty_total[k]) / seen
                for j, metric in enumerate(self.metrics):
                    logs[metric.name] = metric_sums[k, j] / seen
                if val is not None:
                    for key, value in val[k].items():
                        logs[f"val_{key}"] = value
                h.on_epoch_end(epoch, logs)
                if cbls:
                    cbls[k].on_epoch_end(epoch, dict(logs))
            self.epochs_trained = global_epoch + 1
            _check_steering(views)
        for cbl in cbls:
            cbl.on_train_end({"interrupted": False})
        if show:
            show.close()
        self._release_batches()
        self.history = PopulationHistory(histories, time.perf_counter() - start_time)
        return self.history


def _per_member(v: Array, m: int, K: int) -> Array:
    """Per-row values in batch-major order ``(m K,)`` as a contiguous ``(K, m)`` array, so
    that each member's sum runs over contiguous values, as the engine's does."""
    return np.ascontiguousarray(v.reshape(m, K).T)


def restore_member(state: dict[str, Any]) -> Sequential:
    """The model :meth:`Population.member_state` describes, as training left it: weights
    (NaN and inf included: a run that diverged is a result too, which ``set_weights``
    would refuse), optimizer state (so ``fit`` continues exactly) and epochs trained."""
    model = Sequential.from_config(state["config"])
    for dst, src in zip(model._param_list, state["weights"]):
        dst[...] = src
    layer_states = [s for layer in model.layers for s in layer.state]
    for dst, src in zip(layer_states, state.get("layer_states", ())):
        dst[...] = src
    opt = model.optimizer
    assert opt is not None
    if state["iterations"]:
        opt.build(model._param_list)
        opt.iterations = int(state["iterations"])
        for name, live in opt.slots().items():  # NaN kept, which set_state would refuse
            for dst, src in zip(live, state["state"][_MEMBER_STATE_KEYS[name]]):
                dst[...] = src
    model.epochs_trained = int(state["epochs_trained"])
    return model


def _with_arrays(layer: Layer, params: list[Array], grads: list[Array],
                 state: list[Array]) -> Layer:
    """``layer`` computing on the given arrays (views of the population's), no batch kept."""
    layer.params = list(params)
    layer.grads = list(grads)
    layer.state = list(state)
    layer.clear_cache()
    return layer


def _check_steering(views: list[MemberView]) -> None:
    for view in views:
        if view.stop_training:
            raise ConfigError(
                f"callbacks: a callback of member {view.index} asked to stop training; the "
                "members of a population train in lockstep, so callbacks may only read them "
                "(train that member alone to stop it early)"
            )


def _gather(x: Array, idx: Array, dtype: np.dtype[Any]) -> Array:
    """Rows ``idx`` (K, b) of ``x`` as a ``(K, b, n)`` array of ``dtype`` (one read per row
    set, also from a memory-mapped file)."""
    rows = x[idx.reshape(-1)]
    return np.asarray(rows, dtype=dtype).reshape(idx.shape + (x.shape[1],))


def _progress(total: int, K: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"{K} members", unit="step", leave=False)
