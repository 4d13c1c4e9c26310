"""``fit`` and ``evaluate``: batching, epochs and callbacks, and nothing else.

One epoch is one pass over every training example. Examples go through in batches of
``batch_size`` rows; the optimizer steps once per batch, so an epoch has
``ceil(m / batch_size)`` steps. ``batch_size=None`` is full-batch gradient descent
(one step per epoch); ``batch_size=1`` is stochastic gradient descent (``m`` steps).
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ._checks import check_float, check_int, check_seed
from .callbacks import (
    BackupAndRestore,
    Callback,
    CallbackList,
    History,
    LambdaCallback,
    ProgressBar,
    _overrides,
)
from .errors import ArgumentTypeError, ConfigError

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


class _Interrupt:
    """Turns the first Ctrl-C during ``fit`` into a request to stop at the next step
    boundary; a second Ctrl-C interrupts at once."""

    def __init__(self) -> None:
        self.requested = False

    @contextmanager
    def armed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.getsignal(signal.SIGINT)

        def handler(signum: int, frame: Any) -> None:
            if self.requested:
                raise KeyboardInterrupt
            self.requested = True

        signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


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


def _check_batches(model: Sequential, m: int, batch_size: int | None) -> None:
    """Refuse, before any step, a batch some layer cannot train on (a batch normalization
    needs two examples for a variance)."""
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
def _rollback_build(model: Sequential) -> Iterator[None]:
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

    ``shuffle="block"`` with ``block_size`` shuffles blocks of rows (see :func:`epoch_order`).
    ``X`` may be memory-mapped (``np.load(path, mmap_mode="r")``): it is read one batch at a
    time and never copied whole.
    """
    model._require_compiled()
    epochs = int(check_int(epochs, "epochs", minimum=1))  # type: ignore[arg-type]
    if initial_epoch is not None:
        initial_epoch = int(check_int(initial_epoch, "initial_epoch", minimum=0))  # type: ignore[arg-type]
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
    x = model.check_X(X, keep_mapped=True)
    t = model.prepare_targets(y, x.shape[0])
    x_val: Array | None
    t_val: Array | None
    if validation_data is not None:
        if validation_split:
            raise ConfigError("validation_data and validation_split: give one, not both")
        x_val, t_val = check_validation_data(validation_data, model.check_X,
                                             model.prepare_targets)
    else:
        x, t, x_val, t_val = _split_validation(x, t, validation_split)
        if x_val is not None and x_val.dtype != model.dtype:  # a mapped file of another dtype
            x_val = np.ascontiguousarray(x_val, dtype=model.dtype)

    _check_batches(model, x.shape[0], batch_size)
    shuffle_seed = model.seed if seed is None else seed
    first = 0 if initial_epoch is None else initial_epoch
    global_start = model.epochs_trained if initial_epoch is None else initial_epoch
    m = x.shape[0]
    n_steps = steps_per_epoch(m, batch_size)
    convert = x.dtype != model.dtype
    history = History()
    cbs: list[Callback] = [history]
    if verbose:
        cbs.append(ProgressBar(verbose))
    user_callbacks = list(callbacks or [])
    cbs += user_callbacks
    cblist = CallbackList(cbs)
    log_keys = ["loss"] + (["data_loss"] if model._regularized else []) + list(model.metric_names)
    if x_val is not None:
        log_keys += ["val_loss"] + [f"val_{name}" for name in model.metric_names]
    _, optimizer = model._require_compiled()
    params = {
        "epochs": epochs, "steps": n_steps, "samples": m, "batch_size": batch_size,
        "val_samples": 0 if x_val is None else x_val.shape[0], "seed": shuffle_seed,
        "model_seed": model.seed,
        # layers given a seed of their own (Dropout(seed=...)) draw from it instead
        "layer_seeds": {str(layer.name): int(getattr(layer, "seed"))  # noqa: B009
                        for layer in model.layers
                        if isinstance(getattr(layer, "seed", None), int)},
        "initial_epoch": first, "global_epoch": global_start,
        "initial_step": optimizer.iterations, "shuffle": shuffle,
        "metrics": list(model.metric_names), "log_keys": log_keys,
        # a callback of the user's own may add keys to the epoch logs
        "log_keys_open": any((type(c).__module__ != Callback.__module__
                              or isinstance(c, LambdaCallback))
                             and _overrides(c, "on_epoch_end") for c in user_callbacks),
    }
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
    interrupt = _Interrupt()

    with interrupt.armed():
        cblist.on_train_begin({})  # the callbacks get ready; their hooks are known after it
        batch_logs = cblist.wants_batch_logs or bool(model.metrics)
        for epoch in range(first, epochs):
            cblist.on_epoch_begin(epoch, {})
            global_epoch = global_start + epoch - first
            order = (epoch_order(epoch_rng(shuffle_seed, global_epoch), m, shuffle, block_size,
                                 n_steps) if shuffle and n_steps > 1 else None)
            total, seen, penalty_total = 0.0, 0, 0.0
            metric_sums = [0.0] * len(model.metrics)
            logs: dict[str, Any] = {}
            for step, idx in enumerate(batches(m, batch_size, order)):
                xb, tb = x[idx], t[idx]
                if convert:
                    xb = xb.astype(model.dtype)
                nb = xb.shape[0]
                if batch_logs:
                    cblist.on_batch_begin(step, {"size": nb})
                value, out = model.train_step(xb, tb)
                total += value * nb
                penalty_total += model.last_penalty * nb
                seen += nb
                if batch_logs:
                    logs = {"batch_loss": value, "size": nb, "seen": seen, "loss": total / seen}
                    for i, metric in enumerate(model.metrics):
                        metric_sums[i] += metric(tb, out) * nb
                        logs[metric.name] = metric_sums[i] / seen
                    cblist.on_batch_end(step, logs)
                if model.stop_training or interrupt.requested:
                    break
            if interrupt.requested or (model.stop_training and seen < m):
                history.interrupted = interrupt.requested
                break
            model.epochs_trained = global_epoch + 1
            epoch_logs: dict[str, Any] = {"loss": total / seen}
            if model._regularized:  # the loss above includes the penalties (as in Keras)
                epoch_logs["data_loss"] = (total - penalty_total) / seen
            for i, metric in enumerate(model.metrics):
                epoch_logs[metric.name] = metric_sums[i] / seen
            if x_val is not None and t_val is not None:
                for key, value in evaluate(model, x_val, t_val, prepared=True).items():
                    epoch_logs[f"val_{key}"] = value
            cblist.on_epoch_end(epoch, epoch_logs)
            if model.stop_training:
                break
        model._clear_caches()
        cblist.on_train_end({"interrupted": history.interrupted})
    if history.interrupted and verbose:
        print(f"Interrupted: stopped cleanly after {len(history.epoch)} complete epoch(s); "
              f"the weights and history so far are kept.")
    return history


def _resume(model: Sequential, callbacks: list[Callback],
            params: dict[str, Any]) -> tuple[int, History] | None:
    """Let a BackupAndRestore callback put back an interrupted fit's state: returns the
    epoch (of this fit) to continue at and the history so far, or None."""
    for callback in callbacks:
        if isinstance(callback, BackupAndRestore):
            restored = callback.restore(model, params)
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
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ArgumentTypeError(
            "validation_data: expected a pair (X_val, y_val), got "
            f"{type(validation_data).__name__}"
        )
    x_val = check_X(validation_data[0], argument="validation_data[0]")
    t_val = prepare_targets(validation_data[1], x_val.shape[0], argument="validation_data[1]")
    return x_val, t_val


def epoch_rng(seed: int, epoch: int) -> np.random.Generator:
    """The generator that draws global epoch ``epoch``'s order (:func:`epoch_order`): a pure
    function of ``seed`` and ``epoch`` (``SeedSequence(seed, spawn_key=(SHUFFLE_STREAM,
    epoch))``), so a run split over several ``fit`` calls, or resumed in another process,
    shuffles exactly as the run in one piece."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(SHUFFLE_STREAM, int(epoch))))


def evaluate(
    model: Sequential,
    X: Any,
    y: Any,
    *,
    batch_size: int | None = None,
    prepared: bool = False,
) -> dict[str, float]:
    """The loss and each metric over all of ``(X, y)``; ``{"loss": ..., name: ...}``."""
    loss, _ = model._require_compiled()
    if prepared:
        x, t = X, y
    else:
        x = model.check_X(X)
        t = model.prepare_targets(y, x.shape[0])
    m = x.shape[0]
    bs = check_int(batch_size, "batch_size", allow_none=True) or m
    total = 0.0
    outs = []
    for start in range(0, m, bs):
        xb, tb = x[start:start + bs], t[start:start + bs]
        total += model.loss_value_prepared(xb, tb) * xb.shape[0]
        if model.metrics:
            outs.append(model.forward(xb, cache=False))
    result = {"loss": total / m}
    if model.metrics:
        out = np.concatenate(outs) if len(outs) > 1 else outs[0]
        for metric in model.metrics:
            result[metric.name] = metric(t, out)
    return result
