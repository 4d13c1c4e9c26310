"""``fit`` and ``evaluate``: batching, epochs and callbacks, and nothing else.

One epoch is one pass over every training example. Examples go through in batches of
``batch_size`` rows; the optimizer steps once per batch, so an epoch has
``ceil(m / batch_size)`` steps. ``batch_size=None`` is full-batch gradient descent
(one step per epoch); ``batch_size=1`` is stochastic gradient descent (``m`` steps).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .callbacks import (
    BackupAndRestore,
    Callback,
    CallbackList,
    History,
    ProgressBar,
)
from .checks import check_compiled, check_float, check_int, check_seed
from .data import Dataset, batches_of, concat_batches, split_xy
from .errors import ArgumentTypeError, ConfigError, OutsideSubsetError, ShapeError
from .fitloop import FitLoop, fit_params
from .losses import check_sample_weight

if TYPE_CHECKING:
    from .model import Sequential

Array = NDArray[Any]

__all__ = ["batches", "check_shuffle", "epoch_order", "epoch_rng", "evaluate", "fit",
           "steps_per_epoch"]

#: ``spawn_key`` tag of the shuffle streams (layer initializers use ``(layer index,)``,
#: dropout ``(layer index, STEP_STREAM, step)``: no two streams share a key).
SHUFFLE_STREAM = 2**32 - 1


def steps_per_epoch(m: int, batch_size: int | None) -> int:
    """Optimizer steps in one epoch of ``m`` examples: ``ceil(m / batch_size)``."""
    return 1 if batch_size is None or batch_size >= m else math.ceil(m / batch_size)


_count_steps = steps_per_epoch  # fit's argument of that name shadows it there


def check_shuffle(shuffle: Any, block_size: Any) -> tuple[bool | str, int | None]:
    """``fit``'s ``shuffle`` and ``block_size``, checked: ``(True or False, None)`` or
    ``("block", block_size)``."""
    if isinstance(shuffle, str):
        if shuffle != "block":
            raise ConfigError(f"shuffle: expected True, False or 'block', got {shuffle!r}")
        return "block", check_int(block_size, "block_size", minimum=1)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise ArgumentTypeError(f"shuffle: expected True, False or 'block', got {shuffle!r}")
    if block_size is not None:
        raise ConfigError("block_size: only used with shuffle='block'; leave it None")
    return bool(shuffle), None


def epoch_order(
    rng: np.random.Generator,
    m: int,
    shuffle: bool | str,
    block_size: int | None,
    n_steps: int,
) -> Array | None:
    """The order in which one epoch visits the ``m`` examples (``None``: in file order).

    ``shuffle=True``: a random permutation (``rng.permutation(m)``). ``shuffle="block"``: the
    rows are cut into blocks of ``block_size`` consecutive rows; the blocks come in random
    order (``rng.permutation(n_blocks)``) and the rows inside each block are shuffled (all
    full blocks by one ``rng.permuted``, then the short last block), so reading a
    memory-mapped file stays sequential within a block (linear in ``m``, no loop). ``False``,
    or a single step per epoch: file order.
    """
    shuffle, block_size = check_shuffle(shuffle, block_size)
    if not shuffle or n_steps <= 1:
        return None
    if block_size is None:
        return rng.permutation(m)
    n_full, rest = divmod(m, block_size)
    visit = rng.permutation(n_full + (1 if rest else 0))  # the blocks' order
    at = int(np.flatnonzero(visit == n_full)[0]) if rest else n_full  # the short block's turn
    # the full blocks' rows in the order they are visited, one array row per block, each
    # row then shuffled in place (one call for all blocks)
    rows = visit[visit != n_full][:, None] * block_size + np.arange(block_size)
    rng.permuted(rows, axis=1, out=rows)
    if not rest:
        return rows.reshape(-1)
    last = n_full * block_size + rng.permutation(rest)  # the short last block
    return np.concatenate([rows[:at].reshape(-1), last, rows[at:].reshape(-1)])


def batches(m: int, batch_size: int | None, order: Array | None = None) -> Iterator[Any]:
    """Index sets of the batches of one epoch: slices in order, or chunks of ``order``."""
    bs = m if batch_size is None else batch_size
    for start in range(0, m, bs):
        if order is None:
            yield slice(start, min(start + bs, m))
        else:
            yield order[start:start + bs]


def _split_validation(
    x: Array, y: Array, validation_split: float
) -> tuple[Array, Array, Array | None, Array | None]:
    validation_split = check_float(validation_split, "validation_split", minimum=0.0,
                                   maximum=1.0, include_maximum=False)
    if validation_split == 0:
        return x, y, None, None
    m = x.shape[0]
    n_val = int(round(m * validation_split))
    if n_val < 1 or n_val >= m:
        raise ConfigError(
            f"validation_split: {validation_split} of {m} examples leaves "
            f"{n_val} for validation and {m - n_val} for training; both must be at least 1"
        )
    # The last examples are held out, before any shuffling (as in Keras).
    _warn_if_sorted(y, n_val, validation_split)
    return x[: m - n_val], y[: m - n_val], x[m - n_val:], y[m - n_val:]


def _warn_if_sorted(t: Array, n_val: int, validation_split: float) -> None:
    """Say the validation-split rule when the targets look sorted by class: the held-out
    last examples then hold other classes than the training part (total variation distance
    between the two class shares above 0.3), and val_accuracy measures something else."""
    import warnings

    if t.ndim == 2 and t.shape[1] > 1:
        if not np.all((t == 0) | (t == 1)) or not np.all(t.sum(axis=1) == 1):
            return
        labels = np.argmax(t, axis=1)
    else:
        flat = t.reshape(-1)
        if flat.shape[0] != t.shape[0] or not np.all(np.isfinite(flat)) \
                or not np.all(flat == np.round(flat)):
            return
        labels = flat.astype(np.int64)
        labels = labels - labels.min()
        if labels.max() > 1000:
            return
    m = labels.shape[0]
    k = int(labels.max()) + 1
    head = np.bincount(labels[: m - n_val], minlength=k) / (m - n_val)
    tail = np.bincount(labels[m - n_val:], minlength=k) / n_val
    distance = 0.5 * float(np.abs(head - tail).sum())
    if k < 2 or distance <= 0.3:
        return
    missing = int(np.count_nonzero((tail > 0) & (head == 0)))
    warnings.warn(
        f"validation_split={validation_split:g} holds out the LAST {n_val:,} of {m:,} "
        f"examples, before any shuffling (Keras' rule), and your labels look sorted: the "
        f"held-out part's class shares differ from the training part's by {distance:.0%}"
        + (f" ({missing} class(es) appear only in the held-out part)" if missing else "")
        + ". Shuffle the data first (gn.datasets.train_test_split, or X[p], y[p] with "
        "p = rng.permutation(len(X))), or pass validation_data.",
        UserWarning, stacklevel=5,
    )


def example_weights(sample_weight: Any, class_weight: Any, t: Array,
                     dtype: Any) -> Array | None:
    """``fit``'s per-example weights: ``sample_weight`` checked, or ``class_weight`` looked up
    for each example's label (the argmax of a one-hot row, else the rounded target, as Keras
    reads labels; a label not in the dict weighs 1), or None."""
    m = t.shape[0]
    if class_weight is None:
        return None if sample_weight is None else check_sample_weight(sample_weight, m, dtype)
    if sample_weight is not None:
        raise ConfigError("sample_weight and class_weight: give one, not both (as in Keras)")
    if not isinstance(class_weight, dict):
        raise ArgumentTypeError(
            f"class_weight: expected a dict {{class label: weight}}, got "
            f"{type(class_weight).__name__}")
    table: dict[int, float] = {}
    for key, value in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            raise ArgumentTypeError(f"class_weight: expected integer class labels as keys, "
                                    f"got {key!r}")
        table[int(key)] = check_float(value, f"class_weight[{int(key)}]")
    if t.ndim > 1:
        labels = np.argmax(t, axis=1) if t.shape[1] != 1 else np.round(t[:, 0])
    else:
        labels = np.round(t)
    labels = labels.astype(np.int64)
    w = np.ones(m, dtype=dtype)
    for label, weight in table.items():  # one pass per listed class, not per example
        w[labels == label] = weight
    return w


def check_batches(model: Any, m: int, batch_size: int | None) -> None:
    """Refuse, before any step, a batch some layer of ``model`` (a model or a population:
    anything with ``layers``) cannot train on (a batch normalization needs two examples for
    a variance)."""
    need = max((layer.min_training_batch for layer in model.layers), default=1)
    if need <= 1:
        return
    sizes = {m} if batch_size is None or batch_size >= m else {batch_size}
    if batch_size is not None and batch_size < m and m % batch_size:
        sizes.add(m % batch_size)
    if min(sizes) < need:
        layer = next(lay for lay in model.layers if lay.min_training_batch == need)
        raise ConfigError(
            f"batch_size: layer {layer.name!r} ({layer.kind}) needs training batches of at "
            f"least {need} examples, but batch_size={batch_size} on {m} examples gives a "
            f"batch of {min(sizes)}; choose another batch_size"
        )


@contextmanager
def rollback_build(model: Sequential) -> Iterator[None]:
    """Inside: a ``fit``. If it raises on a model that was not built (a refused argument,
    labels that do not fit the built output), the model, its layers and its optimizer get
    back the attributes they had: a refused ``fit`` leaves an unbuilt model unbuilt.
    (Building only sets attributes, so a shallow copy of each object's attributes is
    enough.)"""
    if model.built:
        yield
        return
    parts = [model, *model.layers] + ([model.optimizer] if model.optimizer is not None else [])
    saved = [(part, dict(vars(part))) for part in parts]
    try:
        yield
    except BaseException:
        for part, attributes in saved:
            vars(part).clear()
            vars(part).update(attributes)
        raise


def fit(
    model: Sequential,
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
    initial_epoch: int | None = None,
    steps_per_epoch: int | None = None,
    sample_weight: Any = None,
    class_weight: Any = None,
) -> History:
    """Train ``model`` on ``(X, y)`` for ``epochs`` passes; returns the :class:`History`.

    Randomness is a pure function of the seeds and the position in training: the examples
    of global epoch ``e`` go through in an order drawn from ``(seed, e)``, where ``seed`` is
    ``fit(seed=...)`` or else the model's own seed, and ``e`` counts every epoch the model
    has completed (``model.epochs_trained``); dropout masks derive from the model's seed,
    the layer and the global step (``model.optimizer.iterations``). So ``fit(epochs=4)``
    then ``fit(epochs=6)`` equals ``fit(epochs=10)`` bit for bit, in any process, and a
    checkpoint needs no generator state. Every seed used is in ``history.params``.

    ``initial_epoch=k`` (Keras' resume argument) makes ``epochs`` the index at which to stop:
    epochs ``k .. epochs-1`` run, as global epochs ``k, k+1, ...``. A
    :class:`~glassnet.callbacks.BackupAndRestore` callback resumes an interrupted ``fit`` by
    itself.

    Every argument and every callback's needs (monitored keys, directories, file-name
    formats) are checked before the first step: a refused call changes nothing. Ctrl-C stops
    cleanly at a step boundary, keeping the weights and the history so far
    (``history.interrupted``).

    ``X`` may be a :class:`~glassnet.data.Dataset` of ``(x, y)`` batches (``y`` None): each
    epoch is a fresh iteration of it, the batches its own (``batch_size`` and ``shuffle`` are
    the dataset's business); every batch of the first epoch is checked before the first step.
    ``steps_per_epoch=n`` takes ``n`` batches per epoch from one iteration that runs on
    across epochs (for a ``repeat()``-ed dataset, as Keras).

    ``shuffle="block"`` with ``block_size`` shuffles blocks of rows (see :func:`epoch_order`).
    ``X`` may be memory-mapped (``np.load(path, mmap_mode="r")``): it is read one batch at a
    time and never copied whole.

    ``sample_weight`` (one number per example) or ``class_weight`` (``{label: weight}``,
    labels read from ``y`` as Keras reads them; classes not listed weigh 1) weight each
    example's loss: a batch's loss is ``sum_i w_i l_i / batch size``, as in Keras. Metrics stay
    unweighted (Keras' ``metrics=``). ``validation_split`` holds out the last weights with
    their examples; ``validation_data=(X_val, y_val, w_val)`` weighs ``val_loss``.
    """
    check_compiled(model)
    model.sync_trainable()  # a layer.trainable changed since compile
    epochs = int(check_int(epochs, "epochs", minimum=1))
    if initial_epoch is not None:
        initial_epoch = int(check_int(initial_epoch, "initial_epoch", minimum=0))
        if initial_epoch >= epochs:
            raise ConfigError(
                f"initial_epoch: {initial_epoch} leaves nothing to train with epochs={epochs}; "
                "with initial_epoch, epochs is the index to stop at (as in Keras): "
                f"epochs={initial_epoch + 1} trains one epoch"
            )
    seed = check_seed(seed, "seed")
    batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
    shuffle, block_size = check_shuffle(shuffle, block_size)
    if not (isinstance(verbose, (int, np.integer)) and verbose in (0, 1, 2)):
        raise ConfigError(f"verbose: expected 0, 1 or 2, got {verbose!r}")
    if callbacks is not None and (
        not isinstance(callbacks, (list, tuple))
        or not all(isinstance(c, Callback) for c in callbacks)
    ):
        raise ArgumentTypeError(
            f"callbacks: expected a list of Callback objects, got {callbacks!r}"
        )
    dataset = X if isinstance(X, Dataset) else None
    dataset_batches: list[tuple[Array, Array]] = []
    stream: Iterator[Any] | None = None
    steps_per_epoch = check_int(steps_per_epoch, "steps_per_epoch", allow_none=True)
    if steps_per_epoch is not None and dataset is None:
        raise ConfigError("steps_per_epoch: only with a dataset (x=tf.data.Dataset...); with "
                          "arrays an epoch is every example, in batches of batch_size")
    x_val: Array | None
    t_val: Array | None
    w_val: Array | None = None
    w: Array | None = None
    if dataset is not None:  # the batches come from the dataset, checked before any step
        if y is not None:
            raise ConfigError("y: the dataset gives the targets; leave y as None")
        if validation_split:
            raise ConfigError("validation_split: not with a dataset (Keras neither); pass "
                              "validation_data=another dataset")
        if sample_weight is not None or class_weight is not None:
            raise OutsideSubsetError(
                "sample_weight/class_weight: not with a dataset in glassnet; pass arrays "
                "(fit(x, y, sample_weight=w)) to weigh examples")
        # with steps_per_epoch, one iteration of the dataset runs on across epochs (Keras)
        stream = iter(dataset.raw_elements()) if steps_per_epoch is not None else None
        dataset_batches = check_dataset_batches(model, dataset, "x", steps_per_epoch, stream)
        if not dataset_batches:
            raise ShapeError("x: the dataset has no elements")
        x, t = dataset_batches[0]
        batch_size = None
    else:
        x = model.check_X(X, keep_mapped=True)
        t = model.prepare_targets(y, x.shape[0])
        w = example_weights(sample_weight, class_weight, t, model.dtype)
    if validation_data is not None:
        if validation_split:
            raise ConfigError("validation_data and validation_split: give one, not both")
        if isinstance(validation_data, (tuple, list)) and len(validation_data) == 3:
            x_val, t_val = check_validation_data(validation_data[:2], model.check_X,
                                                 model.prepare_targets)
            if validation_data[2] is not None:
                w_val = check_sample_weight(validation_data[2], x_val.shape[0], model.dtype,
                                            argument="validation_data[2]")
        else:
            x_val, t_val = check_validation_data(validation_data, model.check_X,
                                                 model.prepare_targets)
    elif dataset is not None:
        x_val = t_val = None
    else:
        m_all = x.shape[0]
        x, t, x_val, t_val = _split_validation(x, t, validation_split)
        if x_val is not None and x_val.dtype != model.dtype:  # a mapped file of another dtype
            x_val = np.ascontiguousarray(x_val, dtype=model.dtype)
        if x_val is not None and sample_weight is not None and w is not None:
            w, w_val = w[: x.shape[0]], w[x.shape[0]: m_all]  # Keras splits the weights too
        elif x_val is not None and w is not None:  # class_weight: training part only
            w = w[: x.shape[0]]

    if dataset is None:
        check_batches(model, x.shape[0], batch_size)
        m = x.shape[0]
        n_steps = _count_steps(m, batch_size)
    else:
        for xb, _ in dataset_batches:
            check_batches(model, xb.shape[0], None)
        m = sum(xb.shape[0] for xb, _ in dataset_batches)
        n_steps = len(dataset_batches)
    shuffle_seed = model.seed if seed is None else seed
    first = 0 if initial_epoch is None else initial_epoch
    global_start = model.epochs_trained if initial_epoch is None else initial_epoch
    convert = x.dtype != model.dtype
    history = History()
    cbs: list[Callback] = [history]
    if verbose:
        bar = ProgressBar(verbose)
        bar.from_dataset = dataset is not None  # its batches are the dataset's
        cbs.append(bar)
    user_callbacks = _backups_after_states(list(callbacks or []))
    cbs += user_callbacks
    cblist = CallbackList(cbs)
    regularized = bool(model.regularized_layers)
    _, optimizer = check_compiled(model)
    params, logs_lr = fit_params(
        user_callbacks, epochs=epochs, steps=n_steps, samples=m, batch_size=batch_size,
        val_samples=0 if x_val is None else x_val.shape[0], seed=shuffle_seed,
        model_seed=model.seed,
        layer_seeds={str(layer.name): int(getattr(layer, "seed"))  # noqa: B009
                     for layer in model.layers if isinstance(getattr(layer, "seed", None), int)},
        initial_epoch=first, global_epoch=global_start, initial_step=optimizer.iterations,
        shuffle=shuffle, metric_names=list(model.metric_names), regularized=regularized,
        schedule=optimizer.schedule)
    for callback in user_callbacks:
        callback.validate(params)  # before anything changes

    resumed = _resume(model, user_callbacks, params)
    if resumed is not None:
        first, restored = resumed
        global_start = model.epochs_trained
        history.epoch, history.history = restored.epoch, restored.history
        params["initial_epoch"], params["global_epoch"] = first, global_start
        params["initial_step"] = optimizer.iterations
    history.params = params
    cblist.set_model(model)
    cblist.set_params(params)
    model.history = history
    model.stop_training = False
    loop = _ModelLoop(model, cblist, history, regularized, logs_lr)
    loop.plan(x=x, t=t, w=w, dataset=dataset, dataset_batches=dataset_batches, stream=stream,
              steps=steps_per_epoch, batch_size=batch_size, shuffle=shuffle,
              block_size=block_size, n_steps=n_steps, seed=shuffle_seed, first=first,
              global_start=global_start, convert=convert, m=m, val=(x_val, t_val, w_val))
    loop.run(first, epochs)
    if history.interrupted and verbose:
        print(f"Interrupted: stopped cleanly after {len(history.epoch)} complete epoch(s);\n"
              f"    the weights and history so far are kept.")
    return history


class _ModelLoop(FitLoop):
    """The one loop (:class:`~glassnet.fitloop.FitLoop`) for one model: its epochs' batches
    (a dataset's, or the arrays' in the order the seed and the global epoch draw), its own
    ``train_step``, its metrics' states."""

    def __init__(self, model: Sequential, cblist: CallbackList, history: History,
                 regularized: bool, logs_lr: bool) -> None:
        self.model = model
        self.members = [model]
        self.callbacks = [cblist]
        self.histories = [history]
        self.regularized = [regularized]
        self.logs_lr = [logs_lr]
        self.metrics = list(model.metrics)
        self.states: list[Any] = []

    def plan(self, *, x: Any, t: Array, w: Array | None, dataset: Dataset | None,
             dataset_batches: list[tuple[Array, Array]], stream: Any, steps: int | None,
             batch_size: int | None, shuffle: bool | str, block_size: int | None,
             n_steps: int, seed: int, first: int, global_start: int, convert: bool, m: int,
             val: tuple[Any, Any, Any]) -> None:
        """What fit checked: the training data (arrays, or a dataset with its first
        iteration's batches), how to batch and shuffle it, where the epochs start, the
        validation data."""
        self.x, self.t, self.w, self.dataset = x, t, w, dataset
        self.dataset_batches, self.stream, self.steps = dataset_batches, stream, steps
        self.batch_size, self.shuffle, self.block_size = batch_size, shuffle, block_size
        self.n_steps, self.seed, self.first = n_steps, seed, first
        self.global_start, self.convert, self.m, self.val = global_start, convert, m, val

    def epoch_batches(self, epoch: int) -> tuple[Any, int] | None:
        model = self.model
        if self.dataset is not None:  # a fresh iteration of the dataset each epoch
            if epoch > self.first:
                self.dataset_batches = check_dataset_batches(model, self.dataset, "x",
                                                             self.steps, self.stream)
            got = self.dataset_batches
            if not got:
                _ran_out(self.steps, epoch)
                return None
            if self.steps is not None and len(got) < self.steps:
                _ran_out(self.steps, epoch)
                self.ran_out = True  # stop after this short epoch, as Keras does
            return ((xb, tb, None) for xb, tb in got), sum(xb.shape[0] for xb, _ in got)
        x, t, w, m = self.x, self.t, self.w, self.m
        global_epoch = self.global_start + epoch - self.first
        order = (epoch_order(epoch_rng(self.seed, global_epoch), m, self.shuffle,
                             self.block_size, self.n_steps)
                 if self.shuffle and self.n_steps > 1 else None)
        if self.convert:  # a mapped file of another dtype: each batch converted
            dtype = model.dtype
            return ((x[idx].astype(dtype), t[idx], None if w is None else w[idx])
                    for idx in batches(m, self.batch_size, order)), m
        return ((x[idx], t[idx], None if w is None else w[idx])
                for idx in batches(m, self.batch_size, order)), m

    def step(self, xb: Array, tb: Array, wb: Array | None) -> tuple[Any, Any, Array]:
        model = self.model
        if wb is None:
            value, out = model.train_step(xb, tb)
        else:
            value, out = model.train_step(xb, tb, wb)
        return value, model.last_penalty, out

    def start_metrics(self) -> None:
        self.states = [None] * len(self.metrics)

    def add_metrics(self, tb: Array, out: Array, nb: int) -> None:
        states = self.states
        for i, metric in enumerate(self.metrics):
            states[i] = metric.accumulate(states[i], tb, out)

    def metric_value(self, i: int, k: int, seen: int) -> float:
        return float(self.metrics[i].result_from(self.states[i]))

    def validation(self) -> dict[int, dict[str, float]] | None:
        x_val, t_val, w_val = self.val
        if x_val is None or t_val is None:
            return None
        return {0: evaluate(self.model, x_val, t_val, prepared=True, sample_weight=w_val)}

    def count_epoch(self, epoch: int) -> None:
        self.model.epochs_trained = self.global_start + epoch - self.first + 1

    def end_member(self, k: int, interrupted: bool, final: bool) -> None:
        self.model.clear_caches()
        self.callbacks[k].on_train_end({"interrupted": interrupted})


def _backups_after_states(callbacks: list[Callback]) -> list[Callback]:
    """The callbacks in their order, except that a BackupAndRestore placed before a callback
    whose state it keeps (``get_state``: ReduceLROnPlateau, EarlyStopping, ModelCheckpoint)
    moves to just after the last such callback, so the backup holds this epoch's states."""
    last = max((i for i, c in enumerate(callbacks) if hasattr(c, "get_state")), default=-1)
    early = [c for c in callbacks[:max(last, 0)] if isinstance(c, BackupAndRestore)]
    if not early:
        return callbacks
    rest = [c for c in callbacks if not any(c is b for b in early)]
    at = max(i for i, c in enumerate(rest) if hasattr(c, "get_state")) + 1
    return rest[:at] + early + rest[at:]


def _resume(model: Sequential, callbacks: list[Callback],
            params: dict[str, Any]) -> tuple[int, History] | None:
    """Let a BackupAndRestore callback put back an interrupted fit's state: returns the
    epoch (of this fit) to continue at and the history so far, or None."""
    for callback in callbacks:
        if isinstance(callback, BackupAndRestore):
            restored = callback.restore(model, params, callbacks)
            if restored is not None:
                return restored
    return None


def check_validation_data(
    validation_data: Any,
    check_X: Callable[..., Array],
    prepare_targets: Callable[..., Array],
) -> tuple[Array, Array]:
    """``validation_data=(X_val, y_val)`` checked by the model's (or population's) own
    ``check_X(X, argument=...)`` and ``prepare_targets(y, m, argument=...)``."""
    if isinstance(validation_data, Dataset):
        xv, yv = concat_batches(batches_of(validation_data, "validation_data"),
                                "validation_data")
        if yv is None:
            raise ConfigError("validation_data: the dataset's elements need targets: (x, y)")
        validation_data = (xv, yv)
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ArgumentTypeError(
            "validation_data: expected a pair (X_val, y_val), got "
            f"{type(validation_data).__name__}"
        )
    x_val = check_X(validation_data[0], argument="validation_data[0]")
    t_val = prepare_targets(validation_data[1], x_val.shape[0], argument="validation_data[1]")
    return x_val, t_val


def _ran_out(steps: int | None, epoch: int) -> None:
    import warnings

    # stacklevel: the caller of Sequential.fit (through fit, FitLoop.run, epoch_batches)
    warnings.warn(f"the dataset ran out of data in epoch {epoch + 1} before steps_per_epoch="
                  f"{steps} batches; training stops there (use repeat() on the dataset)",
                  UserWarning, stacklevel=6)


def check_dataset_batches(model: Any, dataset: Dataset, where: str,
                          steps: int | None = None,
                          stream: Iterator[Any] | None = None) -> list[tuple[Array, Array]]:
    """One iteration of a dataset of ``(x, y)`` batches (or the next ``steps`` batches of
    ``stream``), each checked by the model (an unbatched dataset is named as such)."""
    out = []
    elems = (batches_of(dataset, where) if stream is None else
             [split_xy(e, where) for e in itertools.islice(stream, steps)])
    for k, (xb, yb) in enumerate(elems):
        if yb is None:
            raise ConfigError(f"{where}: the dataset's elements need targets: (x, y) pairs")
        try:
            xc = model.check_X(xb, argument=f"{where} (batch {k} of the dataset)")
        except ShapeError as exc:
            if dataset.batched:
                raise
            raise ShapeError(f"{exc}; fit reads a dataset's elements as batches: call "
                             f".batch(32) on it first") from exc
        out.append((xc, model.prepare_targets(yb, xc.shape[0],
                                              argument=f"y (batch {k} of the dataset)")))
    return out


def epoch_rng(seed: int, epoch: int) -> np.random.Generator:
    """The generator that draws global epoch ``epoch``'s order (:func:`epoch_order`): a pure
    function of ``seed`` and ``epoch`` (``SeedSequence(seed, spawn_key=(SHUFFLE_STREAM,
    epoch))``), so a run split over several ``fit`` calls, or resumed in another process,
    shuffles exactly as the run in one piece."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(SHUFFLE_STREAM, int(epoch))))


def dataset_arrays(dataset: Dataset, y: Any) -> tuple[Array, Array]:
    """A dataset of ``(x, y)`` batches that ``evaluate`` reads whole, as two arrays (``y``,
    the call's own, must be None: the dataset gives the targets)."""
    if y is not None:
        raise ConfigError("y: the dataset gives the targets; leave y as None")
    X, t = concat_batches(batches_of(dataset, "x"), "x")
    if t is None:
        raise ConfigError("x: the dataset's elements need targets: (x, y) pairs")
    return X, t


def evaluate(
    model: Sequential,
    X: Any,
    y: Any,
    *,
    batch_size: int | None = None,
    prepared: bool = False,
    sample_weight: Any = None,
) -> dict[str, float]:
    """The loss and each metric over all of ``(X, y)``; ``{"loss": ..., name: ...}``.

    ``sample_weight`` weights each example's loss (``sum_i w_i l_i / m``, Keras' rule);
    the metrics stay unweighted."""
    loss, _ = check_compiled(model)
    if isinstance(X, Dataset):
        X, y = dataset_arrays(X, y)
        batch_size = None
    if prepared:
        x, t = X, y
    else:
        x = model.check_X(X)
        t = model.prepare_targets(y, x.shape[0])
    m = x.shape[0]
    w = (None if sample_weight is None
         else check_sample_weight(sample_weight, m, model.dtype))
    bs = check_int(batch_size, "batch_size", allow_none=True) or m
    total = 0.0
    outs = []
    for start in range(0, m, bs):
        xb, tb = x[start:start + bs], t[start:start + bs]
        wb = None if w is None else w[start:start + bs]
        total += model.loss_value_prepared(xb, tb, sample_weight=wb) * xb.shape[0]
        if model.metrics:
            outs.append(model.forward(xb, cache=False))
    result = {"loss": total / m}
    if model.metrics:
        out = np.concatenate(outs) if len(outs) > 1 else outs[0]
        for metric in model.metrics:
            result[metric.name] = metric(t, out)
    return result
