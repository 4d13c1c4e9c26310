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

from ._checks import check_bool, check_float, check_int
from .errors import ArgumentTypeError, ConfigError

if TYPE_CHECKING:
    from .model import Sequential

__all__ = [
    "BackupAndRestore",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "ModelCheckpoint",
    "ProgressBar",
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


def _overrides(callback: Callback, hook: str) -> bool:
    """True when ``callback`` does something in ``hook``: a subclass method, or a function
    set on the instance (as :class:`LambdaCallback` does), unless the callback says that,
    as it is set up, the hook does nothing (``_skips_hook(hook)``: the recorder's per-step
    hook when it records per epoch)."""
    skips = getattr(callback, "_skips_hook", None)
    if skips is not None and skips(hook):
        return False
    impl = getattr(callback, hook)
    return getattr(impl, "__func__", impl) is not getattr(Callback, hook)


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
        self._batch_begin = [c for c in self.callbacks if _overrides(c, "on_batch_begin")]
        self._batch_end = [c for c in self.callbacks if _overrides(c, "on_batch_end")]
        self._epoch_begin = [c for c in self.callbacks if _overrides(c, "on_epoch_begin")]
        self._epoch_end = [c for c in self.callbacks if _overrides(c, "on_epoch_end")]

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
        return bool(self._batch_begin or self._batch_end)


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
        self.patience = int(check_int(patience, "patience", minimum=0))  # type: ignore[arg-type]
        self.mode = _improvement_mode(monitor, mode)
        self.restore_best_weights = check_bool(restore_best_weights, "restore_best_weights")
        self.baseline = check_float(baseline, "baseline", allow_none=True)
        self.verbose = int(check_int(verbose, "verbose", minimum=0))  # type: ignore[arg-type]
        self.stopped_epoch: int | None = None
        self.best_epoch: int | None = None

    def validate(self, params: dict[str, Any]) -> None:
        _require_log_key("EarlyStopping", self.monitor, params)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.wait = 0
        self.stopped_epoch = None
        self.best_epoch = None
        self.best = math.inf if self.mode == "min" else -math.inf
        if self.baseline is not None:
            self.best = float(self.baseline)
        self.best_weights: list[Any] | None = None

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
    """Save the model after each epoch (or only when ``monitor`` improves).

    ``filepath`` may hold ``{epoch}`` and any log key, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.3f}.gn"``. With ``save_optimizer=True`` each file is a
    training checkpoint (:func:`glassnet.save_checkpoint`: weights, optimizer state, global
    epoch and step, seeds, history), from which ``load_model`` continues training exactly.
    The directory must exist, and every name in ``filepath`` must be a log key of this
    ``fit``: both are checked before the first step.
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
        save_optimizer: bool = False,
    ) -> None:
        if not isinstance(filepath, (str, os.PathLike)):
            raise ArgumentTypeError(
                f"filepath: expected a path (str or os.PathLike), got {type(filepath).__name__}"
            )
        self.filepath = os.fspath(filepath)
        self.monitor = _check_monitor(monitor)
        self.save_best_only = check_bool(save_best_only, "save_best_only")
        self.save_optimizer = check_bool(save_optimizer, "save_optimizer")
        self.mode = _improvement_mode(monitor, mode)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.saved: list[str] = []

    def validate(self, params: dict[str, Any]) -> None:
        if self.save_best_only:
            _require_log_key("ModelCheckpoint", self.monitor, params)
        keys = list(params.get("log_keys") or [])
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(self.filepath) if f]
        except ValueError as exc:
            raise ConfigError(f"filepath: {self.filepath!r} is not a valid format: {exc}") from None
        # the log key each field names: "val_loss" for "{val_loss.real}" or "{val_loss[0]}"
        names = {f: f.split(".")[0].split("[")[0] for f in fields}
        unknown = [f for f, name in names.items()
                   if name != "epoch" and _missing_key(name, params)]
        if unknown:
            hint = (" (val_* keys need validation_split or validation_data)"
                    if any(f.startswith("val_") for f in unknown) else "")
            raise ConfigError(
                f"filepath: {self.filepath!r} names {', '.join(map(repr, unknown))}, but the "
                f"epoch logs will only have epoch, {', '.join(keys)}{hint}"
            )
        try:
            example = self.filepath.format(
                epoch=1, **{k: 0.5 for k in {*keys, *names.values()} - {"epoch"}})
        except (ValueError, KeyError, IndexError, AttributeError) as exc:
            raise ConfigError(f"filepath: {self.filepath!r} cannot be formatted: {exc}") from None
        directory = os.path.dirname(os.path.abspath(example))
        if not os.path.isdir(directory):
            raise ConfigError(f"filepath: the directory {directory!r} does not exist "
                              "(create it before fit)")
        if not os.access(directory, os.W_OK):
            raise ConfigError(f"filepath: the directory {directory!r} is not writable")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.save_best_only:
            if self.monitor not in logs:
                raise ConfigError(
                    f"monitor: ModelCheckpoint watches {self.monitor!r} but the epoch logs only "
                    f"have {', '.join(logs) or 'nothing'}"
                )
            value = float(logs[self.monitor])
            better = value < self.best if self.mode == "min" else value > self.best
            if not better:
                return
            self.best = value
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_optimizer:
            from .model import save_checkpoint

            save_checkpoint(self.model, path)
        else:
            self.model.save(path)
        self.saved.append(path)


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
        from .io import check_path

        self.backup_dir = check_path(backup_dir, "backup_dir")
        self.delete_checkpoint = check_bool(delete_checkpoint, "delete_checkpoint")
        self.restored_epoch: int | None = None

    @property
    def path(self) -> str:
        return os.path.join(self.backup_dir, self.FILENAME)

    def validate(self, params: dict[str, Any]) -> None:
        if os.path.exists(self.backup_dir) and not os.path.isdir(self.backup_dir):
            raise ConfigError(f"backup_dir: {self.backup_dir!r} exists and is not a directory")
        parent = os.path.dirname(os.path.abspath(self.backup_dir))
        if not os.path.isdir(parent):
            raise ConfigError(f"backup_dir: the directory {parent!r} does not exist")

    @staticmethod
    def _fit_signature(params: dict[str, Any]) -> dict[str, Any]:
        return {k: params[k] for k in ("epochs", "batch_size", "samples", "seed", "shuffle")}

    def restore(self, model: Sequential, params: dict[str, Any]) -> tuple[int, History] | None:
        """Put ``model`` back to the backup, if there is one: returns (the epoch of this
        ``fit`` to continue at, the history so far). Nothing changes if it is refused."""
        self.restored_epoch = None
        if not os.path.exists(self.path):
            return None
        from .model import read_checkpoint

        saved, info = read_checkpoint(self.path)
        fit_info = info.get("fit")
        mine = self._fit_signature(params)
        def run(config: dict[str, Any]) -> dict[str, Any]:  # the name plays no part
            return {k: v for k, v in config.items() if k != "name"}

        if run(saved.get_config()) != run(model.get_config()):
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
        (_, optimizer), (_, source) = model._require_compiled(), saved._require_compiled()
        history = saved.history if saved.history is not None else History()
        model.set_weights(saved.get_weights())
        optimizer.set_state(source.get_state(), model.trainable_weights)
        model.epochs_trained = saved.epochs_trained
        self.restored_epoch = epoch
        return epoch, history

    def on_train_begin(self, logs: Logs | None = None) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        self._remove_temporary()

    def _remove_temporary(self) -> None:
        """Remove the temporary file a save killed half-way left (``.backup.gnc.glassnet-
        tmp``, the only name glassnet writes there besides the backup): the backup itself
        is always whole, since each save is renamed over it in one step."""
        from .io import temp_path

        try:
            os.unlink(temp_path(self.path))
        except FileNotFoundError:
            pass

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        from .model import save_checkpoint

        save_checkpoint(self.model, self.path, {"fit": {
            "epoch": epoch + 1, "signature": self._fit_signature(self.params)}})

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
        bs = "full batch" if p["batch_size"] is None else f"batch_size {p['batch_size']}"
        self._say(
            f"Training on {p['samples']:,} samples{val}. {bs} -> {p['steps']:,} steps "
            f"(optimizer updates) per epoch; every unit sees all {p['samples']:,} samples "
            f"each epoch."
        )

    def _samples(self, steps_done: int) -> int:
        p = self.params
        per_step = p["samples"] if p["batch_size"] is None else p["batch_size"]
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
