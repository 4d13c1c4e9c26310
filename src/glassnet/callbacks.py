"""Callbacks: everything that watches training.

A :class:`Callback` has hooks that do nothing by default and receive a plain ``logs``
dict. ``fit`` calls, in order::

    on_train_begin(logs)
      on_epoch_begin(epoch, logs)
        on_batch_begin(step, logs)  /  on_batch_end(step, logs)     once per optimizer step
      on_epoch_end(epoch, logs)     logs: loss, metrics, val_loss, val_<metric>
    on_train_end(logs)

Batch logs hold ``size`` (examples in the batch), ``seen`` (examples so far this epoch)
and the running means of ``loss`` and the metrics over the epoch so far. A callback may
set ``self.model.stop_training = True`` to end training after the current step.
"""

from __future__ import annotations

import math
import os
import string
import sys
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from .checks import check_bool, check_compiled, check_float, check_int
from .errors import ArgumentTypeError, ConfigError, GlassnetError
from .io import check_path
from .saving import (
    check_backup_dir,
    checkpoint_from_file,
    remove_half_written,
    resumable_config,
    save_checkpoint,
)

if TYPE_CHECKING:
    from .model import Sequential

__all__ = [
    "BackupAndRestore",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgressBar",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]

Logs = dict[str, Any]


class Callback:
    """Base class: override the hooks you need. ``self.model`` is set before training."""

    model: Sequential
    params: dict[str, Any]

    def set_model(self, model: Sequential) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def validate(self, params: dict[str, Any]) -> None:
        """Raise a ConfigError if this callback cannot work with these ``fit`` settings
        (``params["log_keys"]`` lists the keys every epoch's logs will have). ``fit`` calls
        it before the first step, so a mistake costs nothing; nothing by default."""

    def on_train_begin(self, logs: Logs | None = None) -> None:
        pass

    def on_train_end(self, logs: Logs | None = None) -> None:
        pass

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        pass

    def on_batch_begin(self, step: int, logs: Logs | None = None) -> None:
        pass

    def on_batch_end(self, step: int, logs: Logs | None = None) -> None:
        pass


def overrides(callback: Callback, hook: str) -> bool:
    """True when ``callback`` does something in ``hook``: a subclass method, or a function
    set on the instance (as :class:`LambdaCallback` does), unless the callback says that,
    as it is set up, the hook does nothing (``_skips_hook(hook)``: the recorder's per-step
    hook when it records per epoch)."""
    skips = getattr(callback, "_skips_hook", None)
    if skips is not None and skips(hook):
        return False
    impl = getattr(callback, hook)
    return getattr(impl, "__func__", impl) is not getattr(Callback, hook)


_LIST_HOOKS = ("on_batch_begin", "on_batch_end", "on_epoch_begin", "on_epoch_end")


class CallbackList(Callback):
    """Calls every callback of a list, in order. Hooks no callback overrides are skipped."""

    def __init__(self, callbacks: list[Callback]) -> None:
        self.callbacks = list(callbacks)
        self.find_hooks()

    def find_hooks(self) -> None:
        """Which callbacks have which per-step and per-epoch hooks. Found when the list is
        made and again once every callback has got ready (``on_train_begin``), so a hook a
        callback sets on itself in ``set_model``, ``set_params`` or ``on_train_begin`` is
        called too."""
        lists: tuple[list[Callback], ...] = ([], [], [], [])
        for c in self.callbacks:
            for hook, hooked in zip(_LIST_HOOKS, lists):
                if overrides(c, hook):
                    hooked.append(c)
        self._batch_begin, self._batch_end, self._epoch_begin, self._epoch_end = lists

    def set_model(self, model: Sequential) -> None:
        for c in self.callbacks:
            c.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        for c in self.callbacks:
            c.set_params(params)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        for c in self.callbacks:
            c.on_train_begin(logs)
        self.find_hooks()

    def on_train_end(self, logs: Logs | None = None) -> None:
        for c in self.callbacks:
            c.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        for c in self._epoch_begin:
            c.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        for c in self._epoch_end:
            c.on_epoch_end(epoch, logs)

    def on_batch_begin(self, step: int, logs: Logs | None = None) -> None:
        for c in self._batch_begin:
            c.on_batch_begin(step, logs)

    def on_batch_end(self, step: int, logs: Logs | None = None) -> None:
        for c in self._batch_end:
            c.on_batch_end(step, logs)

    @property
    def wants_batch_logs(self) -> bool:
        """Whether a callback has a batch hook (the loop builds batch logs only then)."""
        return bool(self._batch_begin or self._batch_end)

    @property
    def wants_epoch_begin(self) -> bool:
        """Whether a callback has an ``on_epoch_begin`` of its own."""
        return bool(self._epoch_begin)


class History(Callback):
    """Records the epoch logs: ``history.history["loss"][i]`` is epoch ``i``'s mean loss.

    ``epoch`` lists the epoch numbers; ``interrupted`` is True when Ctrl-C ended ``fit``.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.interrupted = False
        self.params = {}

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.interrupted = False

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))

    def __repr__(self) -> str:
        keys = ", ".join(self.history)
        return f"History(epochs={len(self.epoch)}, keys=[{keys}])"


def _missing_key(key: str, params: dict[str, Any]) -> bool:
    """True when ``key`` will surely not be in the epoch logs: not a key ``fit`` writes, and
    either a validation key without validation data or no callback of the user's own that
    might add it (a callback may add keys to the logs, as in Keras)."""
    keys = params.get("log_keys")
    if keys is None or key in keys:
        return False
    if key.startswith("val_") and not params.get("val_samples"):
        return True
    return not params.get("log_keys_open", False)


def _require_log_key(who: str, monitor: str, params: dict[str, Any]) -> None:
    keys = params.get("log_keys") or []
    if _missing_key(monitor, params):
        hint = (" (val_* keys need validation_split or validation_data)"
                if monitor.startswith("val_") and not params.get("val_samples") else "")
        raise ConfigError(
            f"monitor: {who} watches {monitor!r} but the epoch logs will only have "
            f"{', '.join(keys)}{hint}"
        )


def _check_monitor(monitor: Any) -> str:
    if not isinstance(monitor, str) or not monitor:
        raise ArgumentTypeError(
            f"monitor: expected the name of a logged value such as 'val_loss', got {monitor!r}"
        )
    return monitor


def _improvement_mode(monitor: str, mode: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ConfigError(f"mode: expected 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    return "max" if any(k in monitor for k in ("acc", "auc")) else "min"


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs in a row (as Keras: with ``patience=2`` training ends at the second epoch
    without improvement; ``0`` and ``1`` both end it at the first); optionally put back
    the weights of the best epoch."""

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
        baseline: float | None = None,
        verbose: int = 0,
    ) -> None:
        self.monitor = _check_monitor(monitor)
        self.min_delta = abs(check_float(min_delta, "min_delta"))
        self.patience = int(check_int(patience, "patience", minimum=0))
        self.mode = _improvement_mode(monitor, mode)
        self.restore_best_weights = check_bool(restore_best_weights, "restore_best_weights")
        self.baseline = check_float(baseline, "baseline", allow_none=True)
        self.verbose = int(check_int(verbose, "verbose", minimum=0))
        self.stopped_epoch: int | None = None
        self.best_epoch: int | None = None

    def validate(self, params: dict[str, Any]) -> None:
        _require_log_key("EarlyStopping", self.monitor, params)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.stopped_epoch = None
        if getattr(self, "_restored", False):  # BackupAndRestore put the counters back
            self._restored = False
            return
        self.wait = 0
        self.best_epoch = None
        self.best = math.inf if self.mode == "min" else -math.inf
        if self.baseline is not None:
            self.best = float(self.baseline)
        self.best_weights: list[Any] | None = None

    def get_state(self) -> dict[str, Any]:
        """The counters a resumed fit needs (JSON-able; the best weights are not kept)."""
        return {"wait": self.wait, "best": self.best if math.isfinite(self.best) else None,
                "best_epoch": self.best_epoch}

    def set_state(self, state: dict[str, Any]) -> None:
        wait, best, best_epoch = state.get("wait"), state.get("best"), state.get("best_epoch")
        if type(wait) is not int or wait < 0 or not (best is None or isinstance(best, float)
                                                      or type(best) is int) \
                or not (best_epoch is None or type(best_epoch) is int):
            raise ConfigError(f"state: a bad EarlyStopping state {state!r:.200}")
        self.wait, self.best_epoch = wait, best_epoch
        self.best = (float(best) if best is not None
                     else (math.inf if self.mode == "min" else -math.inf))
        self.best_weights = None
        self._restored = True

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.monitor not in logs:
            raise ConfigError(
                f"monitor: EarlyStopping watches {self.monitor!r} but the epoch logs only have "
                f"{', '.join(logs) or 'nothing'} (use validation_split or validation_data for "
                f"val_* keys)"
            )
        value = float(logs[self.monitor])
        if self._improved(value):
            self.best = value
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
        if self.verbose and self.stopped_epoch is not None:
            print(f"EarlyStopping: stopped after epoch {self.stopped_epoch + 1}; best "
                  f"{self.monitor} = {self.best:.4g} at epoch {(self.best_epoch or 0) + 1}")


class TerminateOnNaN(Callback):
    """Stop training as soon as the loss becomes NaN or infinite."""

    def __init__(self) -> None:
        self.terminated_at: int | None = None

    def on_batch_end(self, step: int, logs: Logs | None = None) -> None:
        loss = (logs or {}).get("batch_loss")
        if loss is not None and not np.isfinite(loss):
            self.terminated_at = step
            print(f"TerminateOnNaN: the loss became {loss} at step {step}; stopping",
                  file=sys.stderr)
            self.model.stop_training = True


class ModelCheckpoint(Callback):
    """Save the model (or its weights) after each epoch, every ``save_freq`` batches, or only
    when ``monitor`` improves: Keras' callback.

    ``filepath`` may hold ``{epoch}`` and any log key, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.3f}.keras"`` (with ``save_freq`` in batches, ``{batch}`` and
    the batch logs' keys too). ``save_weights_only=True`` calls ``model.save_weights`` (a
    ``*.weights.h5`` name gets Keras' HDF5 layout), else ``model.save`` (glassnet's model
    file; with ``save_optimizer=True`` a training checkpoint,
    :func:`glassnet.save_checkpoint`, from which ``load_model`` continues training exactly).
    ``save_best_only`` saves when ``monitor`` beats the best so far (``mode``: min, max or
    auto; ``initial_value_threshold`` is the value to beat at first). ``verbose=1`` prints
    Keras' lines. A missing directory is created when the first file is saved, as Keras
    does; every name in ``filepath`` must be a log key of this ``fit`` and the directory
    creatable: both are checked before the first step.
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
        save_optimizer: bool = False,
    ) -> None:
        if not isinstance(filepath, (str, os.PathLike)):
            raise ArgumentTypeError(
                f"filepath: expected a path (str or os.PathLike), got {type(filepath).__name__}"
            )
        self.filepath = os.fspath(filepath)
        self.monitor = _check_monitor(monitor)
        self.verbose = int(check_int(verbose, "verbose", minimum=0))
        self.save_best_only = check_bool(save_best_only, "save_best_only")
        self.save_weights_only = check_bool(save_weights_only, "save_weights_only")
        self.save_optimizer = check_bool(save_optimizer, "save_optimizer")
        if self.save_optimizer and self.save_weights_only:
            raise ConfigError("save_optimizer and save_weights_only: a checkpoint with the "
                              "optimizer's state holds the whole model; choose one")
        if save_freq != "epoch":
            save_freq = int(check_int(save_freq, "save_freq", minimum=1))
        self.save_freq: str | int = save_freq
        self.mode = _improvement_mode(monitor, mode)
        self.initial_value_threshold = check_float(initial_value_threshold,
                                                   "initial_value_threshold", allow_none=True)
        self.best = self._start()
        self.saved: list[str] = []
        self._batches_since_save = 0
        self._epoch = 0

    def _start(self) -> float:
        if self.initial_value_threshold is not None:
            return float(self.initial_value_threshold)
        return math.inf if self.mode == "min" else -math.inf

    def validate(self, params: dict[str, Any]) -> None:
        if self.save_best_only:
            _require_log_key("ModelCheckpoint", self.monitor, params)
        keys = list(params.get("log_keys") or [])
        by_batch = self.save_freq != "epoch"
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(self.filepath) if f]
        except ValueError as exc:
            raise ConfigError(f"filepath: {self.filepath!r} is not a valid format: {exc}") from None
        # the log key each field names: "val_loss" for "{val_loss.real}" or "{val_loss[0]}"
        names = {f: f.split(".")[0].split("[")[0] for f in fields}
        free = {"epoch", "batch"} if by_batch else {"epoch"}
        unknown = [f for f, name in names.items()
                   if name not in free and _missing_key(name, params)]
        if by_batch:  # the batch logs have the running loss and metrics, not val_*
            unknown += [f for f, name in names.items()
                        if name.startswith("val_") and f not in unknown]
        if unknown:
            hint = (" (val_* keys need validation_split or validation_data, and exist at the "
                    "end of an epoch only)" if any(f.startswith("val_") for f in unknown)
                    else "")
            raise ConfigError(
                f"filepath: {self.filepath!r} names {', '.join(map(repr, unknown))}, but the "
                f"{'batch' if by_batch else 'epoch'} logs will only have "
                f"{', '.join(sorted(free))}, {', '.join(keys)}{hint}"
            )
        try:
            example = self.filepath.format(
                epoch=1, batch=1, **{k: 0.5 for k in {*keys, *names.values()} - free})
        except (ValueError, KeyError, IndexError, AttributeError) as exc:
            raise ConfigError(f"filepath: {self.filepath!r} cannot be formatted: {exc}") from None
        directory = os.path.dirname(os.path.abspath(example))
        existing = directory
        while not os.path.exists(existing):  # Keras creates the missing directories
            existing = os.path.dirname(existing)
        if not os.path.isdir(existing):
            raise ConfigError(f"filepath: the directory {directory!r} cannot be created "
                              f"({existing!r} is a file)")
        if not os.access(existing, os.W_OK):
            raise ConfigError(f"filepath: the directory {existing!r} is not writable")

    def _skips_hook(self, hook: str) -> bool:
        """Saving per epoch needs no per-step hook (fit then builds no batch logs for it)."""
        return hook == "on_batch_end" and self.save_freq == "epoch"

    def on_train_begin(self, logs: Logs | None = None) -> None:
        if not getattr(self, "_restored", False):
            self._batches_since_save = 0
        self._restored = False

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._epoch = epoch

    def on_batch_end(self, step: int, logs: Logs | None = None) -> None:
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= int(self.save_freq):
            self._batches_since_save = 0
            self._save(self._epoch, step, logs or {})

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _save(self, epoch: int, batch: int | None, logs: Logs) -> None:
        fields = dict(logs)
        if batch is not None:
            fields.setdefault("batch", batch + 1)
        path = self.filepath.format(epoch=epoch + 1, **fields)
        if self.save_best_only:
            if self.monitor not in logs:
                raise ConfigError(
                    f"monitor: ModelCheckpoint watches {self.monitor!r} but the "
                    f"{'epoch' if batch is None else 'batch'} logs only have "
                    f"{', '.join(logs) or 'nothing'}"
                )
            value = float(logs[self.monitor])
            before = "None" if not math.isfinite(self.best) else f"{self.best:.5f}"
            better = value < self.best if self.mode == "min" else value > self.best
            if not better:
                if self.verbose:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {before}")
                return
            if self.verbose:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {before} to "
                      f"{value:.5f}, saving model to {path}")
            self.best = value
        elif self.verbose:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        # a stand-in for a model (a population member's view) gives the model it stands for
        as_model = getattr(self.model, "as_model", None)
        model = self.model if as_model is None else as_model()
        if self.save_weights_only:
            model.save_weights(path)
        elif self.save_optimizer:
            save_checkpoint(model, path)
        else:
            model.save(path)
        self.saved.append(path)
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: finished saving model to {path}")

    def get_state(self) -> dict[str, Any]:
        """The best value so far and the batches since the last save (JSON-able), for a
        resumed fit."""
        return {"best": self.best if math.isfinite(self.best) else None,
                "batches": self._batches_since_save}

    def set_state(self, state: dict[str, Any]) -> None:
        best, batches = state.get("best"), state.get("batches", 0)
        if not (best is None or type(best) in (int, float)) or type(batches) is not int:
            raise ConfigError(f"state: a bad ModelCheckpoint state {state!r:.200}")
        self.best = float(best) if best is not None else self._start()
        self._batches_since_save = batches
        self._restored = True


class BackupAndRestore(Callback):
    """Resume an interrupted ``fit`` where it stopped (Keras' name and behaviour).

    After every epoch the whole training state (weights, optimizer state, global epoch and
    step, seeds, history) is written atomically to ``backup_dir/backup.gnc``. When ``fit``
    starts with this callback and a backup is there, the model is put back to it and ``fit``
    continues with the next epoch: the final weights are bit for bit those of a run never
    interrupted (a process killed at any moment, even during a save, loses at most the
    epoch under way). A save killed half-way leaves a temporary file
    (``.backup.gnc.glassnet-tmp``); the next ``fit`` with this callback removes it before its
    first epoch, so the folder holds the backup alone. When ``fit`` completes the backup is
    deleted (``delete_checkpoint=False`` keeps it); after Ctrl-C it is kept.

    The backup must come from the same model (architecture, compile settings, seed) and the
    same ``fit`` settings (epochs, batch size, shuffle seed); otherwise ``fit`` refuses it
    with a ConfigError before changing anything.
    """

    FILENAME = "backup.gnc"

    def __init__(self, backup_dir: str | os.PathLike[str], delete_checkpoint: bool = True) -> None:
        self.backup_dir = check_path(backup_dir, "backup_dir")
        self.delete_checkpoint = check_bool(delete_checkpoint, "delete_checkpoint")
        self.restored_epoch: int | None = None

    @property
    def path(self) -> str:
        return os.path.join(self.backup_dir, self.FILENAME)

    def validate(self, params: dict[str, Any]) -> None:
        check_backup_dir(self.backup_dir)

    @staticmethod
    def _fit_signature(params: dict[str, Any]) -> dict[str, Any]:
        return {k: params[k] for k in ("epochs", "batch_size", "samples", "seed", "shuffle")}

    def restore(self, model: Sequential, params: dict[str, Any],
                callbacks: list[Callback] | None = None) -> tuple[int, History] | None:
        """Put ``model`` back to the backup, if there is one: returns (the epoch of this
        ``fit`` to continue at, the history so far). ``callbacks`` (this fit's) get back the
        counters they kept (``get_state``/``set_state``: ReduceLROnPlateau, EarlyStopping,
        ModelCheckpoint's best value), the optimizer the learning rate a callback had set.
        Nothing changes if it is refused."""
        self.restored_epoch = None
        self._siblings = [c for c in (callbacks or []) if c is not self]
        if not os.path.exists(self.path):
            return None
        saved, info = checkpoint_from_file(self.path, type(model), History)
        fit_info = info.get("fit")
        mine = self._fit_signature(params)
        if resumable_config(saved.get_config()) != resumable_config(model.get_config()):
            raise ConfigError(f"backup_dir: {self.path!r} was written by another model "
                              "(architecture, compile settings or seed differ)")
        if not isinstance(fit_info, dict) or fit_info.get("signature") != mine:
            raise ConfigError(
                f"backup_dir: {self.path!r} was written by a fit with other settings "
                f"({fit_info.get('signature') if isinstance(fit_info, dict) else None}); "
                f"this fit has {mine}. Delete it to start afresh."
            )
        epoch = fit_info.get("epoch")
        if type(epoch) is not int or not 0 <= epoch <= params["epochs"]:
            raise ConfigError(f"backup_dir: {self.path!r} holds a bad epoch {epoch!r}")
        states = fit_info.get("callbacks", [])
        stateful = [c for c in self._siblings if hasattr(c, "get_state")]
        if not isinstance(states, list) or len(states) != len(stateful) or not all(
                isinstance(st, dict) and st.get("class") == type(c).__name__
                and isinstance(st.get("state"), dict) for st, c in zip(states, stateful)):
            raise ConfigError(
                f"backup_dir: {self.path!r} was written by a fit with other callbacks; this "
                f"fit has {[type(c).__name__ for c in stateful]}. Delete it to start afresh.")
        (_, optimizer), (_, source) = check_compiled(model), check_compiled(saved)
        history = saved.history if saved.history is not None else History()
        backups = [c.get_state() for c in stateful]
        try:
            for c, st in zip(stateful, states):
                c.set_state(st["state"])  # type: ignore[attr-defined]
        except GlassnetError:
            for c, st in zip(stateful, backups):
                c.set_state(st)  # type: ignore[attr-defined]
                c._restored = False  # type: ignore[attr-defined]
            raise
        model.set_weights(saved.get_weights())
        optimizer.set_state(source.get_state(), model.trainable_weights)
        if optimizer.schedule is None:
            optimizer.learning_rate = source.learning_rate
        model.epochs_trained = saved.epochs_trained
        self.restored_epoch = epoch
        return epoch, history

    def on_train_begin(self, logs: Logs | None = None) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        self._remove_temporary()

    def _remove_temporary(self) -> None:
        """Remove the temporary file a save killed half-way left (``.backup.gnc.glassnet-
        tmp``, the only name glassnet writes there besides the backup)."""
        remove_half_written(self.path)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        states = [{"class": type(c).__name__, "state": c.get_state()}
                  for c in getattr(self, "_siblings", []) if hasattr(c, "get_state")]
        save_checkpoint(self.model, self.path, {"fit": {
            "epoch": epoch + 1, "signature": self._fit_signature(self.params),
            "callbacks": states}})

    def on_train_end(self, logs: Logs | None = None) -> None:
        if (logs or {}).get("interrupted") or not self.delete_checkpoint:
            return
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        self._remove_temporary()


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda e, logs: ...)``."""

    def __init__(self, **hooks: Any) -> None:
        allowed = {"on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
                   "on_batch_begin", "on_batch_end"}
        for name, fn in hooks.items():
            if name not in allowed:
                raise ConfigError(f"{name}: expected one of {', '.join(sorted(allowed))}")
            setattr(self, name, fn)


def _fmt_logs(logs: Logs, keys: list[str]) -> str:
    return "  ".join(f"{k} {logs[k]:.4f}" for k in keys if k in logs)


class ProgressBar(Callback):
    """The progress line: optimizer steps and samples are counted apart.

    On a terminal (``verbose=1``), one line per epoch that redraws itself::

        Epoch 3/40 |██████      | step 20/45, samples 640/1,437, loss 0.2134 [00:00]

    Step, samples and loss are read at the same moment, so they never disagree. The line is
    sized to the terminal: the loss is left out when it does not fit, and nothing is cut.
    When the epoch ends, its metrics follow on their own line(s), wrapped to the width.

    ``verbose=2``, or output that is not a terminal (a log file, a pipe, Jupyter, a terminal
    reporting 0 columns): one plain line per epoch, wrapped at 80 columns (or ``width``)::

        Epoch 3/40: 45 steps, 1,437 samples, 0.12 s
            loss 0.2134  accuracy 0.9412  val_loss 0.2510  val_accuracy 0.9300
    """

    def __init__(self, verbose: int = 1, file: Any = None, width: int | None = None) -> None:
        self.verbose = verbose
        self.file = file
        self.width = width
        self._bar: Any = None
        #: set by fit: the batches come from a tf.data dataset (their size is its own)
        self.from_dataset = False
        self._columns = 80
        self._live = False
        self._epoch_start = time.perf_counter()

    def _stream(self) -> Any:
        return self.file or sys.stdout

    def _terminal_columns(self) -> int | None:
        """The terminal's width, or None when the output is not a usable terminal."""
        stream = self._stream()
        try:
            if not stream.isatty():
                return None
            columns = int(os.get_terminal_size(stream.fileno()).columns)
        except (AttributeError, OSError, ValueError):
            return None
        return columns if columns >= 40 else None

    def _say(self, text: str, indent: str = "") -> None:
        import textwrap

        lines = textwrap.wrap(text, width=self._columns, initial_indent=indent,
                              subsequent_indent=indent or "    ", break_on_hyphens=False)
        print("\n".join(lines or [""]), file=self._stream(), flush=True)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        columns = self._terminal_columns()
        self._live = self.verbose == 1 and columns is not None
        self._columns = self.width or (min(columns, 100) if columns else 80)
        p = self.params
        val = f", validating on {p['val_samples']:,}" if p.get("val_samples") else ""
        bs = ("The dataset's batches" if self.from_dataset else "full batch"
              if p["batch_size"] is None else f"batch_size {p['batch_size']}")
        self._say(
            f"Training on {p['samples']:,} samples{val}. {bs} -> {p['steps']:,} steps "
            f"(optimizer updates) per epoch; every unit sees all {p['samples']:,} samples "
            f"each epoch."
        )

    def _samples(self, steps_done: int) -> int:
        p = self.params
        per_step = (math.ceil(p["samples"] / max(p["steps"], 1)) if self.from_dataset
                    else p["samples"] if p["batch_size"] is None else p["batch_size"])
        return int(min(steps_done * per_step, p["samples"]))

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._epoch_start = time.perf_counter()
        if not self._live:
            return
        from tqdm import tqdm

        p = self.params
        desc = f"Epoch {epoch + 1}/{p['epochs']}"
        total = f"{p['samples']:,}"
        counts = (f"step {p['steps']}/{p['steps']}, samples {total}/{total}")
        bar_min = 4  # the bar's narrowest; tqdm widens it to fill the line
        loss = ", loss 0.0000"
        elapsed = " [00:00]"
        if len(f"{desc} |{'#' * bar_min}| {counts}{loss}{elapsed}") < self._columns:
            bar_format = ("{desc} |{bar}| step {n_fmt}/{total_fmt}, samples {samples}{loss}"
                          " [{elapsed}]")
        elif len(f"{desc} |{'#' * bar_min}| {counts}{elapsed}") < self._columns:
            bar_format = "{desc} |{bar}| step {n_fmt}/{total_fmt}, samples {samples} [{elapsed}]"
        elif len(f"{desc}: {counts}") < self._columns:
            bar_format = "{desc}: step {n_fmt}/{total_fmt}, samples {samples}"
        else:  # too narrow for a live line: plain lines at the end of each epoch
            self._live = False
            return
        owner = self

        class _Bar(tqdm):
            """tqdm whose samples and loss are computed from the step it shows."""

            loss_value: float | None = None

            @property
            def format_dict(self) -> dict[str, Any]:
                d = dict(super().format_dict)
                d["samples"] = f"{owner._samples(int(d['n'])):,}/{total}"
                d["loss"] = ("" if self.loss_value is None
                             else f", loss {self.loss_value:.4f}")
                return d

        self._bar = _Bar(total=p["steps"], desc=desc, file=self._stream(),
                         ncols=self._columns - 1, leave=True, bar_format=bar_format,
                         mininterval=0.2)

    def on_batch_end(self, step: int, logs: Logs | None = None) -> None:
        if self._bar is None:
            return
        if logs is not None and "loss" in logs:
            self._bar.loss_value = float(logs["loss"])
        self._bar.update(1)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        p = self.params
        keys = list(logs)
        took = time.perf_counter() - self._epoch_start
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            self._say(_fmt_logs(logs, keys), indent="    ")
        elif self.verbose:
            self._say(f"Epoch {epoch + 1}/{p['epochs']}: {p['steps']:,} steps, "
                      f"{p['samples']:,} samples, {took:.2f} s")
            self._say(_fmt_logs(logs, keys), indent="    ")

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _optimizer(model: Sequential) -> Any:
    """The model's optimizer (a learning-rate callback needs one)."""
    optimizer = model.optimizer
    if optimizer is None:
        raise ConfigError("the model is not compiled: a learning-rate callback needs its "
                          "optimizer")
    return optimizer


def _lr_value(model: Sequential) -> float:
    """The optimizer's learning rate as Keras reads it (its float32 variable, as a float)."""
    return float(np.float32(_optimizer(model).learning_rate))


def _check_settable(params: dict[str, Any], who: str) -> None:
    schedule = params.get("lr_schedule")
    if schedule is not None:
        raise ConfigError(
            f"{who}: the optimizer follows {schedule}, so its learning rate is not settable "
            "(as in Keras); use a schedule or this callback, not both")


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)`` (Keras'
    callback: ``epoch`` counts from 0 within this ``fit``, ``lr`` is the current rate;
    ``schedule(epoch)`` with one argument works too). The epoch logs get ``learning_rate``.
    ``verbose=1`` prints Keras' line ``Epoch 3: LearningRateScheduler setting learning rate
    to 0.001.``"""

    logs_learning_rate = True

    def __init__(self, schedule: Any, verbose: int = 0) -> None:
        if not callable(schedule):
            raise ArgumentTypeError(
                f"schedule: expected a function schedule(epoch, lr) -> float, got "
                f"{type(schedule).__name__}")
        self.schedule = schedule
        self.verbose = int(check_int(verbose, "verbose", minimum=0))

    def validate(self, params: dict[str, Any]) -> None:
        _check_settable(params, "LearningRateScheduler")

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        lr = _lr_value(self.model)
        try:
            new = self.schedule(epoch, lr)
        except TypeError:  # the one-argument form, as Keras allows
            new = self.schedule(epoch)
        if isinstance(new, bool) or not isinstance(new, (float, np.floating)):
            raise ConfigError(
                f"schedule: should return a float learning rate, got {new!r} at epoch {epoch}")
        _optimizer(self.model).learning_rate = float(new)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{new}.")


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` (not below ``min_lr``) when ``monitor`` has
    not improved by more than ``min_delta`` for ``patience`` epochs; then wait ``cooldown``
    epochs before counting again. Keras' callback, step by step: the epoch logs get
    ``learning_rate`` (the rate the epoch used); ``verbose=1`` prints Keras' line
    ``Epoch 12: ReduceLROnPlateau reducing learning rate to 0.0001.`` Its counters are saved
    by :class:`BackupAndRestore`, so a resumed fit reduces when the whole one would."""

    logs_learning_rate = True

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0, **kwargs: Any) -> None:
        if kwargs:
            raise ArgumentTypeError(
                f"ReduceLROnPlateau: unknown argument(s) {', '.join(map(repr, kwargs))}")
        self.monitor = _check_monitor(monitor)
        self.factor = check_float(factor, "factor", minimum=0.0, maximum=1.0,
                                  include_maximum=False)
        self.patience = int(check_int(patience, "patience", minimum=0))
        self.verbose = int(check_int(verbose, "verbose", minimum=0))
        self.mode = _improvement_mode(monitor, mode)
        self.min_delta = abs(check_float(min_delta, "min_delta"))
        self.cooldown = int(check_int(cooldown, "cooldown", minimum=0))
        self.min_lr = check_float(min_lr, "min_lr", minimum=0.0)
        self._reset()

    def _reset(self) -> None:
        self.best: float | None = None
        self.wait = 0
        self.cooldown_counter = 0

    def validate(self, params: dict[str, Any]) -> None:
        _check_settable(params, "ReduceLROnPlateau")
        _require_log_key("ReduceLROnPlateau", self.monitor, params)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        if not getattr(self, "_restored", False):
            self._reset()
        self._restored = False

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return value + self.min_delta < self.best
        return value - self.min_delta > self.best

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.monitor not in logs:
            raise ConfigError(
                f"monitor: ReduceLROnPlateau watches {self.monitor!r} but the epoch logs only "
                f"have {', '.join(logs) or 'nothing'}")
        current = float(logs[self.monitor])
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = _lr_value(self.model)
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    _optimizer(self.model).learning_rate = new
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def get_state(self) -> dict[str, Any]:
        """The counters a resumed fit needs (JSON-able)."""
        return {"best": self.best, "wait": self.wait, "cooldown_counter": self.cooldown_counter}

    def set_state(self, state: dict[str, Any]) -> None:
        best, wait, cool = state.get("best"), state.get("wait"), state.get("cooldown_counter")
        if (best is not None and not isinstance(best, (int, float))) or type(wait) is not int \
                or type(cool) is not int or wait < 0 or cool < 0:
            raise ConfigError(f"state: a bad ReduceLROnPlateau state {state!r:.200}")
        self.best = None if best is None else float(best)
        self.wait, self.cooldown_counter = wait, cool
        self._restored = True
