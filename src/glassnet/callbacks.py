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
import sys
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from ._checks import check_bool, check_float, check_int
from .errors import ArgumentTypeError, ConfigError

if TYPE_CHECKING:
    from .model import Sequential

__all__ = [
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
    set on the instance (as :class:`LambdaCallback` does)."""
    impl = getattr(callback, hook)
    return getattr(impl, "__func__", impl) is not getattr(Callback, hook)


class CallbackList(Callback):
    """Calls every callback of a list, in order. Hooks no callback overrides are skipped."""

    def __init__(self, callbacks: list[Callback]) -> None:
        self.callbacks = list(callbacks)
        self._batch_begin = [c for c in self.callbacks if _overrides(c, "on_batch_begin")]
        self._batch_end = [c for c in self.callbacks if _overrides(c, "on_batch_end")]

    def set_model(self, model: Sequential) -> None:
        for c in self.callbacks:
            c.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        for c in self.callbacks:
            c.set_params(params)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        for c in self.callbacks:
            c.on_train_begin(logs)

    def on_train_end(self, logs: Logs | None = None) -> None:
        for c in self.callbacks:
            c.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        for c in self.callbacks:
            c.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        for c in self.callbacks:
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
    ``"ckpt-{epoch:02d}-{val_loss:.3f}.gn"``.
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
    ) -> None:
        if not isinstance(filepath, (str, os.PathLike)):
            raise ArgumentTypeError(
                f"filepath: expected a path (str or os.PathLike), got {type(filepath).__name__}"
            )
        self.filepath = os.fspath(filepath)
        self.monitor = _check_monitor(monitor)
        self.save_best_only = check_bool(save_best_only, "save_best_only")
        self.mode = _improvement_mode(monitor, mode)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.saved: list[str] = []

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
        self.model.save(path)
        self.saved.append(path)


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

    ``verbose=1``: one bar per epoch, ``Epoch 3/40 | step 45/45 | samples 1437/1437 | ...``.
    ``verbose=2``: one line per epoch. Uses tqdm.
    """

    def __init__(self, verbose: int = 1, file: Any = None) -> None:
        self.verbose = verbose
        self.file = file
        self._bar: Any = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        p = self.params
        val = f", validating on {p['val_samples']:,}" if p.get("val_samples") else ""
        bs = "full batch" if p["batch_size"] is None else f"batch_size {p['batch_size']}"
        print(
            f"Training on {p['samples']:,} samples{val}. {bs} -> {p['steps']} steps "
            f"(optimizer updates) per epoch; every unit sees all {p['samples']:,} samples "
            f"each epoch.",
            file=self.file or sys.stdout,
        )
        self._start = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._epoch_start = time.perf_counter()
        self._last = 0.0
        if self.verbose == 1:
            from tqdm.auto import tqdm

            p = self.params
            self._bar = tqdm(
                total=p["steps"],
                desc=f"Epoch {epoch + 1}/{p['epochs']}",
                unit="step",
                file=self.file or sys.stdout,
                leave=True,
                dynamic_ncols=True,
                bar_format="{desc} |{bar:16}| step {n_fmt}/{total_fmt}{postfix} [{elapsed}]",
            )

    def on_batch_end(self, step: int, logs: Logs | None = None) -> None:
        if self._bar is None or logs is None:
            return
        self._bar.update(1)
        now = time.perf_counter()
        if now - self._last > 0.2 or step + 1 == self.params["steps"]:
            self._last = now
            self._bar.set_postfix_str(self._postfix(logs), refresh=False)

    def _postfix(self, logs: Logs) -> str:
        p = self.params
        keys = ["loss"] + list(p.get("metrics", []))
        return f"samples {logs.get('seen', 0):,}/{p['samples']:,} | {_fmt_logs(logs, keys)}"

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        p = self.params
        keys = [k for k in logs]
        if self._bar is not None:
            self._bar.set_postfix_str(
                f"samples {p['samples']:,}/{p['samples']:,} | {_fmt_logs(logs, keys)}",
                refresh=True,
            )
            self._bar.close()
            self._bar = None
        elif self.verbose >= 2:
            took = time.perf_counter() - self._epoch_start
            print(
                f"Epoch {epoch + 1}/{p['epochs']} | {p['steps']} steps | "
                f"{p['samples']:,} samples | {took:.2f}s | {_fmt_logs(logs, keys)}",
                file=self.file or sys.stdout,
            )

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
