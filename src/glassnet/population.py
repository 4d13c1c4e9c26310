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
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _blas, population_saving, regularizers
from . import losses as losses_mod
from . import optimizers as opt_mod
from .callbacks import (
    BackupAndRestore,
    Callback,
    CallbackList,
    History,
)
from .checks import check_bool, check_features, check_int
from .data import Dataset, batches_of, concat_batches
from .errors import (
    ArgumentTypeError,
    ConfigError,
    DataError,
    NotReadyError,
    OutsideSubsetError,
    ShapeError,
)
from .fitloop import FitLoop, fit_params
from .layers import Activation, BatchNormalization, Dense, Dropout, Layer, LeakyReLU, ReLU, Softmax
from .layers.members import MemberLoop
from .model import LayerTrace, NestedModel, Sequential, check_targets, step_generator
from .optimizers import FUSED_SGD_MIN_SIZE, LearningRate, new_learning_rate
from .schedules import LearningRateSchedule
from .training import (
    batches,
    check_batches,
    check_dataset_batches,
    check_shuffle,
    check_validation_data,
    dataset_arrays,
    epoch_order,
    epoch_rng,
    example_weights,
    steps_per_epoch,
)

Array = NDArray[Any]

__all__ = ["MAX_MEMBERS", "MAX_VALUES", "MemberOptimizer", "MemberView", "Population",
           "PopulationHistory", "fit_with_backup", "load_population", "population_from_file",
           "restore_member"]

_OPTIMIZERS = (opt_mod.SGD, opt_mod.RMSprop, opt_mod.Adam)
#: the layers whose own code computes over the member axis; any other layer (a user's own,
#: Normalization, Flatten, ...) runs in a population through MemberLoop, member by member
_MEMBER_AXIS = (Dense, Dropout, BatchNormalization, Activation, ReLU, LeakyReLU, Softmax)
#: callbacks a member's view cannot serve: BackupAndRestore would save and resume one member
#: of a fit that trains them all (the population's own is fit_with_backup), so
#: ``Population.fit`` refuses it before any step
_MEMBER_REFUSED = (BackupAndRestore,)

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
        """``(K, epochs)`` array of one logged quantity; a member that stopped early has NaN
        for the epochs it did not train (``epochs``: the longest history)."""
        if any(key not in h.history and h.epoch for h in self.histories):
            raise ConfigError(f"key: {key!r} is not logged; the histories have "
                              f"{', '.join(self._keys()) or 'nothing'}")
        n = max((len(h.epoch) for h in self.histories), default=0)
        out = np.full((len(self.histories), n), np.nan)
        for k, h in enumerate(self.histories):
            values = h.history.get(key, [])
            out[k, :len(values)] = values
        return out

    def _keys(self) -> list[str]:
        return list(dict.fromkeys(key for h in self.histories for key in h.history))

    def __repr__(self) -> str:
        lengths = sorted({len(h.epoch) for h in self.histories})
        n = (str(lengths[0]) if len(lengths) == 1
             else f"{lengths[0]}..{lengths[-1]}" if lengths else "0")
        return (f"PopulationHistory(members={len(self.histories)}, epochs={n}, "
                f"keys=[{', '.join(self._keys())}])")


class MemberOptimizer:
    """Member ``k``'s optimizer as its callbacks see it (``MemberView.optimizer``): the
    population's optimizer seen through member ``k``. ``learning_rate`` reads and writes
    ``Population.learning_rates[k]`` (the rate of the member's next step) as the model's own
    optimizer reads and writes its rate: a :class:`~glassnet.optimizers.LearningRate`, the
    same checks (:func:`glassnet.optimizers.new_learning_rate`; a member that follows a
    schedule refuses a new rate, as its optimizer alone does); ``iterations`` is the member's
    step count (read-only), ``schedule`` its schedule or None. Written only while the
    member's fit runs, as :meth:`MemberView.set_weights`."""

    def __init__(self, view: MemberView) -> None:
        self._member = view

    @property
    def name(self) -> str:
        return str(self._member.population.optimizer.name)

    @property
    def schedule(self) -> LearningRateSchedule | None:
        view = self._member
        return view.population.member_schedule(view._row)

    @property
    def iterations(self) -> int:
        view = self._member
        return int(view.population.iterations[view._row])

    @property
    def learning_rate(self) -> LearningRate:
        """The rate of the member's next step, as ``Optimizer.learning_rate`` reads it (with
        a schedule, ``schedule(iterations)``)."""
        view = self._member
        schedule = self.schedule
        if schedule is not None:
            return LearningRate(schedule(self.iterations))
        return LearningRate(view.population.learning_rates[view._row])

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        view = self._member
        if not view._open:
            raise NotReadyError(
                f"learning_rate: member {view.index}'s fit is not running; a member's rate is "
                "set only by its callbacks during fit (set Population.learning_rates[k] "
                "between fits)")
        rate = new_learning_rate(value, self.schedule)
        view.population.learning_rates[view._row] = float(rate)

    @property
    def lr(self) -> LearningRate:
        """The old Keras name of :attr:`learning_rate`."""
        return self.learning_rate

    @lr.setter
    def lr(self, value: float) -> None:
        self.learning_rate = value

    def __repr__(self) -> str:
        return (f"MemberOptimizer({self.name}, member {self._member.index}, "
                f"learning_rate={float(self.learning_rate)!r})")


class MemberView:
    """Member ``k`` of a population during ``fit``, as callbacks see it: ``layers`` (the
    population's layer objects seen through member ``k``'s slices: ``params``, ``grads`` and
    ``state`` are views of the stacked arrays), ``optimizer`` (a :class:`MemberOptimizer`),
    ``seed``, ``epochs_trained``, ``check_X``, ``get_weights``. Reading it copies nothing; it
    is not a model to train (``Population[k]`` gives that).

    A callback steers its member as it would steer the model alone: ``stop_training = True``
    ends this member's fit (the others go on), ``set_weights`` (checked as
    ``Sequential.set_weights`` checks) puts weights back, as ``EarlyStopping``'s
    ``restore_best_weights`` does, and ``optimizer.learning_rate = ...`` sets the rate of the
    member's next steps, as ``LearningRateScheduler`` and ``ReduceLROnPlateau`` do. Only
    while that member trains: once its fit has ended the view is read-only. ``save``,
    ``save_weights`` and :meth:`as_model` (what ``ModelCheckpoint`` saves) write and give the
    member as its model alone would be at this point."""

    def __init__(self, pop: Population, k: int) -> None:
        self.population = pop
        self.index = k
        self.seed = pop.seeds[k]
        self.name = pop.names[k]
        self.dtype = pop.dtype
        self._layers: list[Layer] | None = None  # built when first read (see layers)
        self._optimizer: MemberOptimizer | None = None  # likewise
        self.stop_training = False
        self.history: History | None = None
        self._open = False  # writable (set_weights) while the member's fit runs
        self._row = k  # its row in ``population`` (after a compaction in fit, a new one)

    def _point(self, pop: Population, row: int) -> None:
        """See the member at row ``row`` of ``pop`` (the population it now trains in); the
        layer views are updated in place."""
        self.population, self._row = pop, row
        if self._layers is not None:
            self._layers[:] = [pop._member_layer(layer, row) for layer in pop._layers]

    @property
    def optimizer(self) -> MemberOptimizer:
        """The member's rate and step count, as its model's optimizer gives them (a
        :class:`MemberOptimizer`, made when first read)."""
        if self._optimizer is None:
            self._optimizer = MemberOptimizer(self)
        return self._optimizer

    @property
    def layers(self) -> list[Layer]:
        """The population's layer objects seen through the member's slices, made when first
        read (most fits' callbacks never read them) and kept: the list stays the same object
        when the member moves to another row."""
        if self._layers is None:
            pop = self.population
            self._layers = [pop._member_layer(layer, self._row) for layer in pop._layers]
        return self._layers

    @property
    def epochs_trained(self) -> int:
        return int(self.population.epochs_trained[self._row])

    def get_weights(self) -> list[Array]:
        """Copies of the member's weights, ``[W1, b1, W2, b2, ...]`` with each layer's
        non-trainable arrays (moving statistics) after its own (``get_weights()`` of the
        model alone)."""
        return self.population.get_weights(self._row, non_trainable=True)

    def set_weights(self, weights: list[Any]) -> None:
        """Set the member's weights from a list in :meth:`get_weights` order; the whole list
        is checked (count, shapes, finite real numbers that fit the dtype) before anything
        is written."""
        pop, k = self.population, self.index
        row = self._row
        if not self._open:
            raise NotReadyError(
                f"set_weights: member {k}'s fit is not running; a member view is written "
                "only by that member's callbacks during fit (use Population[k] for a model "
                "of your own)")
        targets = [a[row] for layer in pop._layers for a in layer.params + layer.state]
        if not isinstance(weights, (list, tuple)) or len(weights) != len(targets):
            got = len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__
            raise ShapeError(f"weights: expected a list of {len(targets)} arrays, got {got}")
        checked = []
        for i, (target, new) in enumerate(zip(targets, weights)):
            arr = np.asarray(new)
            if arr.shape != target.shape:
                raise ShapeError(f"weights[{i}]: expected shape {target.shape}, got {arr.shape}")
            if arr.dtype.kind not in "biuf":
                raise DataError(f"weights[{i}]: expected real numbers, got dtype {arr.dtype}")
            with np.errstate(over="ignore"):
                cast = arr.astype(target.dtype)
            if not (np.isfinite(arr).all() and np.isfinite(cast).all()):
                raise DataError(f"weights[{i}]: expected finite numbers that fit "
                                f"{target.dtype}, found NaN, inf or an overflow")
            checked.append(cast)
        for target, arr in zip(targets, checked):
            target[...] = arr

    def check_X(self, X: Any, argument: str = "X") -> Array:
        return self.population._check_X(X, argument)

    def as_model(self) -> Sequential:
        """The member now as an ordinary ``Sequential`` (a copy, built by
        :func:`restore_member` from :meth:`Population.member_state`: weights, optimizer
        state, step count, rate, epochs trained) with its history so far: what a checkpoint
        of the member's model alone holds at this point of its fit."""
        model = restore_member(self.population.member_state(self._row))
        model.history = self.history
        return model

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the member as ``Sequential.save`` writes its model alone."""
        self.as_model().save(path)

    def save_weights(self, filepath: str | os.PathLike[str], overwrite: bool = True) -> None:
        """Write the member's weights as ``Sequential.save_weights`` writes them."""
        self.as_model().save_weights(filepath, overwrite=overwrite)

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
            shape = model.example_shape
            if shape is None or len(shape) != 1:
                raise ConfigError(
                    f"models[{k}]: a population takes rows of features, but this model takes "
                    f"examples of shape {shape}; fit it alone")
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
        #: Epochs each member has completed (its global epoch), ``(K,)``: member ``k``'s next
        #: data order continues from ``epochs_trained[k]``, as ``Sequential.fit``'s does.
        #: Members may differ (one stopped early in an earlier fit, or came from elsewhere).
        self.epochs_trained = np.array([int(m.epochs_trained) for m in models], dtype=np.int64)
        self.names = [m.name for m in models]
        self._configs = [m.get_config() for m in models]
        self.loss: losses_mod.Loss = m0.loss
        self.metrics = list(m0.metrics)
        self.metric_names = [m.name for m in self.metrics]
        self.optimizer = m0.optimizer
        assert self.optimizer is not None
        #: (member, its learning-rate schedule) for the members that follow one
        self._schedules = [(k, m.optimizer.schedule) for k, m in enumerate(models)
                           if m.optimizer.schedule is not None]
        #: each member's layers that draw from a seed of their own (as Sequential.fit's
        #: ``params["layer_seeds"]`` lists them)
        self._layer_seeds = [{str(layer.name): int(getattr(layer, "seed"))  # noqa: B009
                              for layer in m.layers
                              if isinstance(getattr(layer, "seed", None), int)}
                             for m in models]
        #: the rate of each member's next step (a scheduled member's follows its schedule)
        self.learning_rates = np.array([m.optimizer.learning_rate
                                        for m in models], dtype=np.float64)
        #: each member's optimizer steps so far (members may differ, as epochs_trained): its
        #: next step's dropout masks, Adam bias correction and schedule follow its own count
        self.iterations = np.array([m.optimizer.iterations
                                    for m in models], dtype=np.int64)
        #: during ``fit``, the members that stopped (their step is skipped); None: none did
        self._frozen: Array | None = None
        #: whether every running member has taken the same number of steps (then one step
        #: size serves all)
        self._one_count = len(set(self.iterations.tolist())) == 1
        dense = [layer for layer in m0.layers if type(layer) is Dense]
        self.activations = [layer.activation for layer in dense]
        self.layer_names = [str(layer.name) for layer in dense]
        self.units = [layer.output_dim for layer in dense]
        self.fused = m0.fused_output
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
        #: the backward pass's order: each layer, last first, and whether it passes a
        #: gradient on (not below the first layer with weights)
        self._backward_order = [(self._layers[j], self._grad_in[j])
                                for j in range(len(self._layers) - 1, -1, -1)]
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
                            [g[k] for g in layer.grads], [s[k] for s in layer.state])
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
        self.regularized = [bool(model.regularized_layers) for model in models]
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
        shapes = [p.shape for p in models[0].trainable_weights]
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
            for i, p in enumerate(model.trainable_weights):
                self.params[i][k] = p
        self._state: dict[str, Array] = {}
        self._small_args: tuple[Array, ...] | None = None  # see _small_views
        if self.iterations.any():
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

    def member_schedule(self, k: int) -> LearningRateSchedule | None:
        """The learning-rate schedule member ``k`` follows, or None (a rate of its own in
        :attr:`learning_rates`)."""
        for j, schedule in self._schedules:
            if j == k:
                return schedule
        return None

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
            "config": self._config(k),
            "weights": [p[k].copy() for p in self.params],
            "iterations": int(self.iterations[k]),
            "state": {_MEMBER_STATE_KEYS[name]: [self._view(self._state[name], i)[k].copy()
                                                 for i in range(len(self.params))]
                      for name in self.optimizer.slot_names() if name in self._state},
            "epochs_trained": int(self.epochs_trained[k]),
        }
        layer_states = [s[k].copy() for layer in self._layers for s in layer.state]
        if layer_states:
            state["layer_states"] = layer_states
        return state

    def _config(self, k: int) -> dict[str, Any]:
        """Member ``k``'s configuration, with its current learning rate (a callback may have
        set it during fit, as ``get_config`` of the model alone then gives the new rate)."""
        config = self._configs[k]
        compiled = config.get("compile") or {}
        opt = compiled.get("optimizer") or {}
        rate = (opt.get("config") or {}).get("learning_rate")
        if isinstance(rate, dict) or rate is None or float(rate) == self.learning_rates[k]:
            return config
        return dict(config, compile=dict(compiled, optimizer=dict(opt, config=dict(
            opt["config"], learning_rate=float(self.learning_rates[k])))))

    def models(self) -> list[Sequential]:
        """Every member as an ordinary ``Sequential`` model (copies)."""
        return [self[k] for k in range(self.K)]

    def __iter__(self) -> Iterator[Sequential]:
        return iter(self.models())

    def get_weights(self, k: int | None = None, *,
                    non_trainable: bool = False) -> list[Array]:
        """Copies of the stacked parameters ``[W1 (K, n0, n1), b1 (K, n1), ...]``, or of member
        ``k``'s ``[W1, b1, ...]``. With ``non_trainable=True`` each layer's non-trainable
        arrays (a BatchNormalization's moving mean and variance, stacked ``(K, n)``) follow
        its trainable ones: member ``k``'s slices are then its model's ``get_weights()``."""
        arrays = ([a for layer in self._layers for a in layer.params + layer.state]
                  if check_bool(non_trainable, "non_trainable") else self.params)
        if k is None:
            return [a.copy() for a in arrays]
        return [a[k].copy() for a in arrays]

    # -- checkpoints (the format: glassnet.population_saving) ------------------------------------
    def save(self, path: str | os.PathLike[str], training: dict[str, Any] | None = None) -> None:
        """Write every member (config, stacked weights and moving statistics, optimizer state,
        step count, learning rate, global epoch, seeds, history) to ``path`` atomically: a
        population checkpoint, in the archive format of a model checkpoint.
        :func:`load_population` reads it back, in this process or another, and ``fit`` then
        continues bit for bit."""
        population_saving.save_population(self, path, training, slot_keys=_MEMBER_STATE_KEYS)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Population:
        """The population :meth:`save` wrote to ``path`` (see :func:`load_population`)."""
        return load_population(path)

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
            # each member's step about to be taken, as the engine's; a stopped member's
            # step is not taken: no draws are spent on it
            steps = self.iterations.tolist()
            frozen = self._frozen
            for layer, index, seeds in self._stochastic:
                rngs = [None if frozen is not None and frozen[k] else
                        step_generator(seed, index, int(steps[k]))
                        for k, seed in enumerate(seeds)]
                if isinstance(layer, Dropout):  # no generator for a member at rate 0
                    layer.member_rngs = [rng if rate != 0.0 else None
                                         for rng, rate in zip(rngs, layer.member_rates or ())]
                elif isinstance(layer, MemberLoop):
                    layer.set_rngs(rngs)
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
                             need_grad: bool = True,
                             w: Array | None = None) -> tuple[Array, Array | None]:
        """Per-member loss values ``(K,)`` and ``dL/dz`` (fused) or ``dL/dout``: the loss's own
        functions over the member axis (targets ``t`` shared or per member; per-example
        weights ``w`` none, shared ``(m,)`` or per member ``(K, m)``), as the engine calls
        them for one model (see :meth:`Sequential.compute_gradients` and
        :meth:`Sequential.loss_value_prepared`)."""
        loss = self.loss
        if w is not None:
            logits = self.fused or loss.from_logits
            o = z if self.fused else out
            assert o is not None
            if need_grad:
                return loss.weighted_value_and_grad(t, o, w, logits=logits)
            return loss.weighted_value(t, o, w, logits=logits), None
        if self.fused:  # the output activation's pair with the loss: from the logits z
            return loss.logits_value_and_grad(t, z, need_grad=need_grad)
        assert out is not None
        if need_grad:
            return loss.value_and_grad(t, out)
        if loss.from_logits:
            return loss.logits_value_and_grad(t, out, need_grad=False)
        return loss.value(t, out), None

    def _train_step(self, x: Array, t: Array, need_output: bool,
                    need_grads: bool = False, w: Array | None = None) -> tuple[Array, Array]:
        """One optimizer step of every member; returns (loss values (K,), penalties included,
        and the outputs). ``last_penalties`` keeps the penalty part. ``w``: the batch's
        per-example weights, shared ``(m,)`` or per member ``(K, m)``, or None."""
        out = self._forward(x, cache=True, need_output=need_output or not self.fused)
        last = self._dense[-1]
        assert last.z is not None
        values, grad = self._loss_value_and_grad(t, last.z, out, w=w)
        assert grad is not None
        opt = self.optimizer
        plain_sgd = isinstance(opt, opt_mod.SGD) and not opt.momentum
        fused_sgd: list[tuple[int, Array, Array]] = []
        fused = self.fused
        if not plain_sgd:  # no step folds into a product: each layer's own backward pass
            for layer, need_input_grad in self._backward_order:
                if layer is last and fused:
                    grad = layer.backward_from_preactivation(grad, need_input_grad)
                else:
                    grad = layer.backward(grad, need_input_grad)
                if grad is None:
                    break
        else:  # plain SGD: members without a kernel penalty may fold their step
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
        frozen = self._frozen
        if self._one_count:  # every running member takes its step t
            if frozen is None:
                self.iterations += 1
                t = int(self.iterations[0])
            else:  # a stopped member's count, rate and schedule stay where it stopped
                self.iterations[self._running_idx] += 1
                t = int(self.iterations[self._running_idx[0]])
            lrs = opt.step_size(self.learning_rates.copy(), t)
            for k, schedule in self._schedules:  # the next rate, as the engine's learning_rate
                if frozen is None or not frozen[k]:
                    self.learning_rates[k] = float(schedule(t))
        else:
            lrs = self._count_steps()
        self._ensure_state()
        kept = None if frozen is None else self._keep_frozen()
        small_args = self._small_args
        if small_args is None:  # views of the buffers, which live as long as the population
            self._small_args = small_args = self._small_views()
        tmp = self._state["scratch"]
        done: set[int] = set()
        for i, xin, gz in fused_sgd:  # plain SGD: a large W from its deferred product by gemm
            at = self._dense_at[i]
            W = self.params[at]
            done.add(at)
            penalized = self._kernel_penalized[i]
            for k in range(self.K):
                if frozen is not None and frozen[k]:
                    continue
                xk = xin if xin.ndim == 2 else xin[k]
                if penalized[k]:  # as the engine: no fold, p += (-lr) g
                    opt_mod.axpy(W[k], float(-lrs[k]), self.grads[at][k],
                                  self._view(tmp, at)[k])
                elif not _blas.gemm_at_b_acc(xk, gz[k], W[k], float(-lrs[k])):
                    g = self.grads[at]
                    np.matmul(xk.T, gz[k], out=g[k])
                    opt_mod.axpy(W[k], float(-lrs[k]), g[k], self._view(tmp, at)[k])
        P, G, scratch, *slots_small = small_args
        opt.update_arrays(P, G, scratch, lrs, opt_mod.axpy_members, *slots_small)
        if self._big:
            P, G = self.buffer, self.grad_buffer
            slots = [self._state[name] for name in opt.slot_names()]
        for i in self._big:
            if i not in done:
                opt.update_arrays(self._view(P, i), self._view(G, i), self._view(tmp, i), lrs,
                                  opt_mod.axpy_each_member, *[self._view(s, i) for s in slots])
        if kept is not None:
            self._put_back_frozen(kept)

    def _small_views(self) -> tuple[Array, ...]:
        """The small parameters' part (``[:, :n_small]``) of the weights, gradients, scratch
        and each optimizer slot, which one :meth:`Optimizer.update_arrays` call steps."""
        small = slice(0, self._n_small)
        return tuple(buf[:, small] for buf in [
            self.buffer, self.grad_buffer, self._state["scratch"],
            *[self._state[name] for name in self.optimizer.slot_names()]])

    def _count_steps(self) -> Array:
        """Count the step of every running member (a stopped member's count, rate and
        schedule stay where it stopped) and return each member's step size: the
        optimizer's :meth:`Optimizer.step_size` at the member's own count (members may have
        taken different numbers of steps), one call per distinct count."""
        opt, frozen = self.optimizer, self._frozen
        running = np.ones(self.K, dtype=bool) if frozen is None else ~frozen
        self.iterations[running] += 1
        ts = self.iterations
        lrs = self.learning_rates.copy()
        for t in np.unique(ts[running]):  # a stopped member's step size is never used
            sel = running & (ts == t)
            lrs[sel] = opt.step_size(self.learning_rates[sel], int(t))
        for k, schedule in self._schedules:  # the next rate, as the engine's learning_rate
            if running[k]:
                self.learning_rates[k] = float(schedule(int(ts[k])))
        return lrs

    # -- per-member stopping --------------------------------------------------------------------
    # Both, each where it is cheap. A member that stops is first masked: its rows stay in the
    # stacked arrays and go through the forward and backward passes with the others, and only
    # its update is undone (its weights and optimizer slots are copied aside before the step
    # and written back after it; its step count, rate and schedule are not advanced; its
    # dropout masks and metrics are not computed). That is exact at any step, even in
    # mid-epoch, costs nothing while no member has stopped and per step a copy of the stopped
    # rows, but a stopped member still costs its forward and backward passes. So at an epoch
    # end where at least half of the stacked members have stopped, fit compacts: it goes on
    # with a new population of the running members (built from their member_state, the
    # round trip Population[k] relies on, so every per-member table is rebuilt by the
    # constructor, not copied field by field here), and at the end puts every member back
    # into this population. A rebuild costs about one epoch of the members rebuilt on the
    # digits benchmark, so compacting at half at most doubles the wasted work and happens
    # at most log2(K) times. Each member's arithmetic does not depend on K or on its row
    # (every member equals its own Sequential.fit), so neither changes a bit.
    def _keep_frozen(self) -> list[Array]:
        """Copies of the stopped members' rows of the weights and of each optimizer slot."""
        assert self._frozen is not None
        idx = self._frozen_idx
        return [self.buffer[idx]] + [self._state[name][idx]
                                     for name in self.optimizer.slot_names()]

    def _put_back_frozen(self, kept: list[Array]) -> None:
        idx = self._frozen_idx
        self.buffer[idx] = kept[0]
        for name, rows in zip(self.optimizer.slot_names(), kept[1:]):
            self._state[name][idx] = rows

    def _freeze(self, k: int) -> None:
        """Member ``k`` stops: from the next step on, its step is not taken."""
        if self._frozen is None:
            self._frozen = np.zeros(self.K, dtype=bool)
        self._frozen[k] = True
        self._frozen_idx = np.flatnonzero(self._frozen)
        self._running_idx = np.flatnonzero(~self._frozen)
        self._one_count = len(set(self.iterations[self._running_idx].tolist())) <= 1

    # -- public API ----------------------------------------------------------------------------
    def _check_X(self, X: Any, argument: str = "X") -> Array:
        return check_features(X, self.input_dim, self.dtype, argument=argument,
                              keep_mapped=True)

    def _prepare_targets(self, y: Any, m: int, argument: str = "y") -> Array:
        return check_targets(self.loss, y, m, self.units[-1], self.dtype, argument)

    #: the checks ``check_dataset_batches`` calls, as a model's are called
    check_X = _check_X
    prepare_targets = _prepare_targets

    @property
    def layers(self) -> list[Layer]:
        """The population's layer objects (each holding every member's arrays)."""
        return list(self._layers)

    def predict(self, X: Any, batch_size: int | None = 1024) -> Array:
        """Every member's outputs, ``(K, m, outputs)``; ``X`` may be a dataset (its batches'
        inputs are read, as ``Sequential.predict`` reads them)."""
        if isinstance(X, Dataset):  # its batches' inputs (targets, if any, are not needed)
            X = concat_batches(batches_of(X, "x"), "x")[0]
        x = self._check_X(X)
        m = x.shape[0]
        bs = check_int(batch_size, "batch_size", allow_none=True) or m
        out = np.empty((self.K, m, self.units[-1]), dtype=self.dtype)
        for start in range(0, m, bs):
            xb = np.asarray(x[start:start + bs], dtype=self.dtype)
            out[:, start:start + bs] = self._forward(xb, cache=False)
        return out

    def evaluate(self, X: Any, y: Any = None, batch_size: int | None = None,
                 sample_weight: Any = None) -> list[dict[str, float]]:
        """Each member's loss and metrics on ``(X, y)``, as ``Sequential.evaluate`` gives
        (``sample_weight`` weights each example's loss, ``sum_i w_i l_i / m``; the metrics stay
        unweighted); ``X`` may be a dataset of ``(x, y)`` batches (``y`` None)."""
        if isinstance(X, Dataset):
            X, y = dataset_arrays(X, y)
            batch_size = None
        x = self._check_X(X)
        t = self._prepare_targets(y, x.shape[0])
        w = (None if sample_weight is None
             else losses_mod.check_sample_weight(sample_weight, x.shape[0], self.dtype))
        return self._evaluate(x, t, batch_size, w)

    def _evaluate(self, x: Array, t: Array, batch_size: int | None = None,
                  w: Array | None = None) -> list[dict[str, float]]:
        m = x.shape[0]
        bs = check_int(batch_size, "batch_size", allow_none=True) or m
        total = np.zeros(self.K)
        outs = []
        for start in range(0, m, bs):
            xb = np.asarray(x[start:start + bs], dtype=self.dtype)
            tb = t[start:start + bs]
            z = self._forward(xb, cache=False, need_output=False)
            out = None
            if not self.fused:
                out = self.activations[-1].forward(z.copy())
            values, _ = self._loss_value_and_grad(
                tb, z, out, need_grad=False, w=None if w is None else w[start:start + bs])
            if self._any_regularized:
                values = values + self._penalties()
            total += values * xb.shape[0]
            if self.metrics:
                outs.append(self.activations[-1].forward(z) if out is None else out)
        results = [{"loss": float(total[k] / m)} for k in range(self.K)]
        if self.metrics:
            allout = np.concatenate(outs, axis=1) if len(outs) > 1 else outs[0]
            tk = np.broadcast_to(t, (self.K,) + t.shape)  # shared: a view, no copy
            for metric in self.metrics:
                values = metric.member_values(tk, allout)
                for k in range(self.K):
                    results[k][metric.name] = float(values[k])
        return results

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        epochs: int = 1,
        batch_size: int | None = 32,
        validation_data: tuple[Any, ...] | None = None,
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
        ``X`` may instead be a :class:`~glassnet.data.Dataset` of ``(x, y)`` batches (``y``
        None), as for ``Sequential.fit``: every member takes the dataset's batches, a fresh
        iteration of it each epoch (``batch_size``, ``shuffle`` and ``seed`` are then the
        dataset's business). Batch sizes a layer cannot train on (a batch normalization's
        batch of one) are refused before any step, as ``Sequential.fit`` refuses them.

        ``sample_weight`` (one number per example, shared by every member) or
        ``class_weight`` (``{label: weight}``, labels read from ``y`` as ``Sequential.fit``
        reads them; classes not listed weigh 1) weight each example's loss as
        ``Sequential.fit`` does: a batch's loss is ``sum_i w_i l_i / batch size`` for each
        member, over the weights of that member's own batch rows (with a list of seeds each
        member's batches, and so its weights, follow its own order); metrics stay unweighted.
        ``validation_data=(X_val, y_val, w_val)`` weighs ``val_loss``. They are checked as
        ``Sequential.fit`` checks them, with its errors, before anything changes.

        ``callbacks``: one list per member (``callbacks[k]``), e.g. a
        :class:`~glassnet.inspect.NeuronRecorder` or an
        :class:`~glassnet.callbacks.EarlyStopping` for each. They see member ``k`` as a
        :class:`MemberView` of the stacked arrays (nothing is unstacked) and get the member's
        own logs. Per-member early stopping: when member ``k``'s callback sets
        ``stop_training``, member ``k``'s fit ends where ``Sequential.fit`` would end it (after
        that epoch, or after that step, the unfinished epoch unrecorded): its weights,
        optimizer state, step count, schedule and ``epochs_trained[k]`` stay as they are, its
        callbacks get ``on_train_end`` then (``restore_best_weights`` puts its best weights
        back), and the other members train on exactly as they would have. ``fit`` returns
        when every member has stopped. As in Keras, stopping lasts one ``fit``: the next call
        trains every member again, each from its own epoch and step count.
        ``LearningRateScheduler`` and ``ReduceLROnPlateau`` steer their member's rate
        (``Population.learning_rates[k]``, through the view's :class:`MemberOptimizer`) and
        the member's logs get ``learning_rate``, as alone; a member that follows a schedule
        refuses them before any step, as its model alone does. ``ModelCheckpoint`` (every
        mode: weights only, with the optimizer, best only, by batch) writes the file that the
        member's model alone would write (:meth:`MemberView.as_model`). ``BackupAndRestore``
        is refused (OutsideSubsetError): back up the whole population with
        :func:`fit_with_backup`.

        The loop is :class:`glassnet.fitloop.FitLoop`, the one ``Sequential.fit`` runs: the
        same order of callback events, logs and stop rule; Ctrl-C stops every member cleanly
        at a step boundary, the weights and histories so far kept (``history[k].interrupted``).
        """
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
        dataset = X if isinstance(X, Dataset) else None
        given_shuffle = shuffle  # recorded in the histories' params, as Sequential.fit does
        w: Array | None = None
        if dataset is not None:  # its batches, shared by every member, checked up front
            if y is not None:
                raise ConfigError("y: the dataset gives the targets; leave y as None")
            if sample_weight is not None or class_weight is not None:
                raise OutsideSubsetError(
                    "sample_weight/class_weight: not with a dataset in glassnet; pass arrays "
                    "(fit(x, y, sample_weight=w)) to weigh examples")
            x, t, bounds = _dataset_epoch(self, dataset)
            batch_size = None  # the batches and their order are the dataset's
            given_shuffle, shuffle = shuffle, False
            for b in bounds:
                check_batches(self, b.stop - b.start, None)
        else:
            x = self._check_X(X)
            t = self._prepare_targets(y, x.shape[0])
            # one weight per example, shared by every member (Sequential.fit's checks)
            w = example_weights(sample_weight, class_weight, t, self.dtype)
            check_batches(self, x.shape[0], batch_size)
        x_val = t_val = w_val = None
        if validation_data is not None:
            weighed = isinstance(validation_data, (tuple, list)) and len(validation_data) == 3
            x_val, t_val = check_validation_data(
                validation_data[:2] if weighed else validation_data,
                self._check_X, self._prepare_targets)
            if weighed and validation_data[2] is not None:
                w_val = losses_mod.check_sample_weight(validation_data[2], x_val.shape[0],
                                                       self.dtype, argument="validation_data[2]")
        m = x.shape[0]
        n_steps = steps_per_epoch(m, batch_size) if dataset is None else len(bounds)
        histories = []
        #: the members whose epoch logs get ``learning_rate`` (a callback of theirs steers
        #: it, as Sequential.fit decides)
        logs_lr = []
        for k in range(K):
            h = History()
            # the params Sequential.fit gives the member's model alone
            h.params, lr_logged = fit_params(
                list(callbacks[k]) if callbacks is not None else [], epochs=epochs,
                steps=n_steps, samples=m, batch_size=batch_size,
                val_samples=0 if x_val is None else x_val.shape[0], seed=seeds[k],
                model_seed=self.seeds[k], layer_seeds=dict(self._layer_seeds[k]),
                initial_epoch=0, global_epoch=int(self.epochs_trained[k]),
                initial_step=int(self.iterations[k]), shuffle=given_shuffle,
                metric_names=self.metric_names, regularized=self.regularized[k],
                schedule=self.member_schedule(k))
            histories.append(h)
            logs_lr.append(lr_logged)
        if callbacks is not None:
            for k in range(K):
                for callback in callbacks[k]:
                    if isinstance(callback, _MEMBER_REFUSED):
                        raise OutsideSubsetError(
                            f"callbacks[{k}]: {type(callback).__name__} would back up and "
                            "resume one member of a fit that trains them all; back up the "
                            "whole population with glassnet.population.fit_with_backup(pop, "
                            "X, y, backup_dir=...) instead")
                    callback.validate(histories[k].params)  # before anything changes
        loop = _PopulationLoop(self, histories, callbacks, logs_lr)
        loop.plan(x=x, t=t, w=w, dataset=dataset, bounds=bounds if dataset is not None else [],
                  seeds=seeds, shuffle=shuffle, block_size=block_size, batch_size=batch_size,
                  n_steps=n_steps, m=m, val=(x_val, t_val, w_val))
        self._frozen = None
        self._one_count = len(set(self.iterations.tolist())) == 1
        start_time = time.perf_counter()
        if verbose:
            loop.progress = _progress(epochs * n_steps, K)
        bar = verbose and not loop.progress.disable  # a terminal shows the progress bar
        try:
            for view in loop.members:
                view._open = True
            interrupted = loop.run(0, epochs)
        finally:
            loop.finish()
        self._release_batches()
        self.history = PopulationHistory(histories, time.perf_counter() - start_time)
        if verbose and (interrupted or not bar):
            # a log (no terminal for the bar) gets one line; Ctrl-C says what it kept
            done = max(len(h.epoch) for h in histories)
            print(f"{K} members: {done} epoch(s) of {epochs} in {self.history.seconds:.2f} s"
                  + ("; interrupted:\n    every member stopped cleanly at the same step; "
                     "the weights and\n    histories so far are kept." if interrupted else ""))
        return self.history


class _PopulationLoop(FitLoop):
    """The one loop (:class:`~glassnet.fitloop.FitLoop`) for a population: every member's
    batches (shared, or each member's own order gathered into a ``(K, b, n)`` stack), one
    vectorized step of every running member, per-member metric sums. A member that stops
    is frozen (masked) in the stacked arrays; at an epoch end where at least half the
    stacked members have stopped, the running ones go on in a smaller population (see
    :func:`_compact`), and :meth:`finish` puts every member back in its place."""

    def __init__(self, pop: Population, histories: list[History],
                 callbacks: Sequence[Sequence[Callback]] | None, logs_lr: list[bool]) -> None:
        K = pop.K
        self.pop, self.K = pop, K
        self.members = views = [MemberView(pop, k) for k in range(K)]
        self.callbacks = []
        for k in range(K):
            cbl = CallbackList([histories[k], *(callbacks[k] if callbacks is not None else [])])
            cbl.set_model(views[k])  # type: ignore[arg-type]  # a member view
            cbl.set_params(histories[k].params)
            views[k].history = histories[k]
            self.callbacks.append(cbl)
        self.histories = histories
        self.regularized = list(pop.regularized)
        self.logs_lr = logs_lr
        self.metrics = list(pop.metrics)
        self.need_grads = callbacks is not None  # a callback may read the gradients
        self.need_output = bool(self.metrics)  # else the loss starts from the logits
        self.watch_stop = callbacks is not None  # only a member's callback stops it
        #: the population that steps: ``pop``, or after a compaction a new one of the
        #: members that were running then; ``pos[k]``: member k's row in it
        self.stack = pop
        self.pos = np.arange(K)
        self.rows = np.arange(K)  # the members in the stack, by row
        self.parked: dict[int, dict[str, Any]] = {}  # stopped members compacted out

    def plan(self, *, x: Any, t: Array, w: Array | None, dataset: Dataset | None,
             bounds: list[slice], seeds: list[int], shuffle: bool | str,
             block_size: int | None, batch_size: int | None, n_steps: int, m: int,
             val: tuple[Any, Any, Any]) -> None:
        """What fit checked: the training data (arrays, or a dataset with its first
        iteration joined), each member's shuffling seed, the batching, the validation
        data."""
        self.x, self.t, self.w, self.dataset, self.bounds = x, t, w, dataset, bounds
        self.seeds, self.shuffle, self.block_size = seeds, shuffle, block_size
        self.batch_size, self.n_steps, self.m, self.val = batch_size, n_steps, m, val

    def epoch_batches(self, epoch: int) -> tuple[Any, int] | None:
        pop, stack, pos, rows = self.pop, self.stack, self.pos, self.rows
        shuffle, n_steps = self.shuffle, self.n_steps
        if self.dataset is not None and epoch > 0:  # a fresh iteration each epoch
            self.x, self.t, self.bounds = _dataset_epoch(pop, self.dataset)
            self.m = self.x.shape[0]
        x, t, w, m, dtype = self.x, self.t, self.w, self.m, pop.dtype
        # the orders each member's Sequential.fit draws for its global epoch (one per
        # distinct seed and epoch; a stopped member is given a running one's batches)
        draws = [(self.seeds[k], int(stack.epochs_trained[pos[k]])) for k in self.running]
        shared = len(set(draws)) == 1 or not shuffle or n_steps <= 1  # one order for all
        orders: dict[tuple[int, int], Array | None] = {
            d: epoch_order(epoch_rng(*d), m, shuffle, self.block_size, n_steps)
            if shuffle and n_steps > 1 else None for d in dict.fromkeys(draws)}
        self.shared = shared
        chunks = batches(m, self.batch_size) if self.dataset is None else self.bounds
        if shared:
            order0 = orders[draws[0]]

            def one_order() -> Iterator[tuple[Array, Array, Array | None]]:
                for batch in chunks:
                    idx: Any = batch if order0 is None else order0[batch]
                    yield (np.asarray(x[idx], dtype=dtype), t[idx],
                           None if w is None else w[idx])
            return one_order(), m
        # each member's own order (never None: shuffled, several steps)
        own = dict(zip(self.running, draws))
        order_arr = np.stack([orders[own.get(int(k), draws[0])]  # type: ignore[misc]
                              for k in rows])

        def own_orders() -> Iterator[tuple[Array, Array, Array | None]]:
            for batch in chunks:
                idx = order_arr[:, batch]
                # each member its own batch's rows, targets and weights
                yield _gather(x, idx, dtype), t[idx], None if w is None else w[idx]
        return own_orders(), m

    def step(self, xb: Array, tb: Array, wb: Array | None) -> tuple[Any, Any, Array]:
        stack = self.stack
        values, out = stack._train_step(xb, tb, self.need_output, self.need_grads, wb)
        penalties = stack.last_penalties if stack._any_regularized else None
        if stack is not self.pop:  # a compacted stack: its rows are members ``rows``
            full = np.zeros(self.K)
            full[self.rows] = values
            values = full
            if penalties is not None:
                full = np.zeros(self.K)
                full[self.rows] = penalties
                penalties = full
        return values, penalties, out

    def start_metrics(self) -> None:
        self.metric_sums = np.zeros((self.K, len(self.metrics)))
        # a stateful metric (RMSE, precision, AUC...): each member's statistics summed over
        # the epoch's batches, read as the model alone reads them
        self.metric_stats: dict[int, Array] = {}

    def add_metrics(self, tb: Array, out: Array, nb: int) -> None:
        rows, sums, stats = self.rows, self.metric_sums, self.metric_stats
        # each metric over the member axis (targets per member)
        tk = np.broadcast_to(tb, (len(rows),) + tb.shape) if self.shared else tb
        for i, metric in enumerate(self.metrics):
            if not metric.stateful:
                sums[rows, i] += metric.member_values(tk, out) * nb
                continue
            batch_stats = metric.member_stats(tk, out)
            if i not in stats:  # the model alone starts from the first batch
                stats[i] = np.zeros((self.K,) + batch_stats.shape[1:])
                stats[i][rows] = batch_stats
            else:
                stats[i][rows] += batch_stats

    def metric_value(self, i: int, k: int, seen: int) -> float:
        return _metric_result(self.metrics[i], i, k, self.metric_sums, self.metric_stats,
                              seen)

    def validation(self) -> dict[int, dict[str, float]] | None:
        x_val, t_val, w_val = self.val
        if x_val is None or t_val is None:
            return None
        by_row = self.stack._evaluate(x_val, t_val, w=w_val)
        return {k: by_row[self.pos[k]] for k in self.running}

    def count_epoch(self, epoch: int) -> None:
        self.stack.epochs_trained[self.pos[self.running]] += 1

    def end_member(self, k: int, interrupted: bool, final: bool) -> None:
        if not final:  # the others go on: this member's arrays stay as they are
            self.stack._freeze(int(self.pos[k]))
        self.callbacks[k].on_train_end({"interrupted": interrupted})
        self.members[k]._open = False

    def after_epoch(self, epoch: int, last: bool) -> None:
        rows, running = self.rows, self.running
        if 2 * (len(rows) - len(running)) >= len(rows) and not last:
            self.stack = _compact(self.stack, rows, self.pos, running, self.parked,
                                  self.members)
            self.rows = rows = np.array(running)
            self.pos[rows] = np.arange(len(rows))

    def finish(self) -> None:
        """Every member back into the population, in its place, whatever ended the fit."""
        pop, stack = self.pop, self.stack
        stack._frozen = None
        compacted = stack is not pop
        if compacted:
            _gather_back(pop, stack, self.pos, self.rows, self.parked)
        pop._frozen = None
        pop._one_count = len(set(pop.iterations.tolist())) == 1
        for view in self.members:
            view._open = False
            if compacted:
                view._point(pop, view.index)
        if self.progress is not None:
            self.progress.close()




def _dataset_epoch(pop: Population, dataset: Dataset) -> tuple[Array, Array, list[slice]]:
    """One iteration of ``dataset``'s ``(x, y)`` batches, checked as ``Sequential.fit``
    checks them, joined into one array each (the members' batches are then views of it)
    with each batch's rows."""
    pairs = check_dataset_batches(pop, dataset, "x")
    if not pairs:
        raise ShapeError("x: the dataset has no elements")
    ends = np.cumsum([xb.shape[0] for xb, _ in pairs]).tolist()
    bounds = [slice(start, stop) for start, stop in zip([0] + ends[:-1], ends)]
    x = np.concatenate([np.asarray(xb, dtype=pop.dtype) for xb, _ in pairs])
    t = np.concatenate([tb for _, tb in pairs])
    return x, t, bounds


def _metric_result(metric: Any, i: int, k: int, sums: Array, stats: dict[int, Array],
                   seen: int) -> float:
    """Member ``k``'s value of metric ``i`` so far in the epoch, as ``fit`` reports it for the
    model alone: the mean of its batch values, or a stateful metric read from its summed
    statistics."""
    if metric.stateful:
        return float(metric.result_from(stats[i][k]))
    return float(sums[k, i] / seen)


def restore_member(state: dict[str, Any]) -> Sequential:
    """The model :meth:`Population.member_state` describes, as training left it: weights
    (NaN and inf included: a run that diverged is a result too, which ``set_weights``
    would refuse), its layers' non-trainable arrays (moving statistics, a Normalization's
    adapted statistics), optimizer state (so ``fit`` continues exactly) and epochs
    trained."""
    model = Sequential.from_config(state["config"])
    for dst, src in zip(model.trainable_weights, state["weights"]):
        dst[...] = src
    saved = iter(state.get("layer_states", ()))
    for layer in model.layers:
        if not layer.state:
            continue
        arrays = [next(saved) for _ in layer.state]
        if all(np.isfinite(a).all() for a in arrays):  # through the layer's own setter: a
            layer.set_weights(layer.params + arrays)  # Normalization marks itself adapted
        else:  # moving statistics of a run that diverged: kept as they are
            for dst, src in zip(layer.state, arrays):
                dst[...] = src
    opt = model.optimizer
    assert opt is not None
    if state["iterations"]:
        opt.build(model.trainable_weights)
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


def _compact(stack: Population, rows: Array, pos: Array, running: list[int],
             parked: dict[int, dict[str, Any]], views: list[MemberView]) -> Population:
    """A new population of the members still running (in their order), for ``fit`` to go on
    with once at least half of ``stack``'s rows are stopped members; the stopped members
    leave as their :meth:`Population.member_state` in ``parked``, and the running members'
    views are pointed at their new rows."""
    still = set(running)
    for k in rows.tolist():
        if k not in still:
            parked[k] = stack.member_state(int(pos[k]))
    new = Population([restore_member(stack.member_state(int(pos[k]))) for k in running])
    for j, k in enumerate(running):
        views[k]._point(new, j)
    return new


def _gather_back(pop: Population, stack: Population, pos: Array, rows: Array,
                 parked: dict[int, dict[str, Any]]) -> None:
    """After a ``fit`` that compacted: every member, parked or in ``stack``, back into
    ``pop`` in its place (``pop`` is rebuilt from their states, as ``Population(models)``
    would build it)."""
    states = dict(parked)
    for k in rows.tolist():
        states[k] = stack.member_state(int(pos[k]))
    fresh = Population([restore_member(states[k]) for k in range(pop.K)])
    history = pop.history  # (fit sets the new one; after an error the last one stays)
    vars(pop).update(vars(fresh))
    pop.history = history


def _gather(x: Array, idx: Array, dtype: np.dtype[Any]) -> Array:
    """Rows ``idx`` (K, b) of ``x`` as a ``(K, b, n)`` array of ``dtype`` (one read per row
    set, also from a memory-mapped file)."""
    rows = x[idx.reshape(-1)]
    return np.asarray(rows, dtype=dtype).reshape(idx.shape + (x.shape[1],))


def _progress(total: int, K: int) -> Any:
    from tqdm.auto import tqdm

    # no bar where stderr is not a terminal (a log): fit prints one line at the end instead
    return tqdm(total=total, desc=f"{K} members", unit="step", leave=False, disable=None)


def load_population(path: str | os.PathLike[str]) -> Population:
    """The population :meth:`Population.save` wrote to ``path`` (a model checkpoint of
    :func:`glassnet.save_checkpoint` gives a population of one member), ready to go on
    training exactly where it stopped. Every problem with the file is a ModelFileError
    naming it; the format is described in :mod:`glassnet.population_saving`."""
    return population_from_file(path)[0]


def population_from_file(path: str | os.PathLike[str]) -> tuple[Population, dict[str, Any]]:
    """:func:`load_population`'s population and the file's ``"training"`` entries."""
    return population_saving.population_from_file(path, Population, PopulationHistory,
                                                  MAX_MEMBERS)


def fit_with_backup(pop: Population, X: Any, y: Any, *, backup_dir: str | os.PathLike[str],
                    epochs: int = 1, delete_checkpoint: bool = True,
                    **fit_kwargs: Any) -> PopulationHistory:
    """``pop.fit(X, y, epochs=epochs, **fit_kwargs)`` that saves the population after every
    epoch to ``backup_dir/backup.gnp`` and, started again after a crash, resumes from it bit
    for bit: the population counterpart of :class:`glassnet.callbacks.BackupAndRestore`
    (see :func:`glassnet.population_saving.fit_with_backup`)."""
    if not isinstance(pop, Population):
        raise ArgumentTypeError(f"pop: expected a Population, got {type(pop).__name__}")
    history: PopulationHistory = population_saving.fit_with_backup(
        pop, X, y, backup_dir=backup_dir, epochs=epochs, delete_checkpoint=delete_checkpoint,
        load=population_from_file, history_class=PopulationHistory, **fit_kwargs)
    return history
