"""The one training loop: epochs of steps over K members in lockstep, each member with its own
callback list, history, logs and stop.

``Sequential.fit`` (:mod:`glassnet.training`) runs it with one member, the model;
``Population.fit`` (:mod:`glassnet.population`) with K. Each gives a :class:`FitLoop`
subclass that says what is its own: where an epoch's batches come from, how one step of every
member is taken, how the metrics are summed and what a member's validation numbers are. The
loop itself, the same for both, owns the order of events that callbacks see:

- ``on_train_begin`` for every member; per epoch ``on_epoch_begin``, per step
  ``on_batch_begin``/``on_batch_end`` (only to callbacks that have them), per epoch the logs
  (``loss``, ``data_loss`` where a penalty is added, the metrics, ``val_*``,
  ``learning_rate`` where a callback steers it), ``epochs_trained`` counted before
  ``on_epoch_end``;
- a member whose callback sets ``stop_training`` in mid-epoch ends after that step, the epoch
  unrecorded; at an epoch's last step or at its end, after that epoch (Keras' rule). Its
  ``on_train_end`` comes then, and the other members train on;
- Ctrl-C asks every member to stop at the next step boundary, keeping the weights and the
  histories so far (``history.interrupted``); a second Ctrl-C interrupts at once.

A member's running sums are Python floats for one member and ``(K,)`` arrays for K (the same
``+=`` serves both), so the single model's step pays for no array it does not need.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .callbacks import Callback, CallbackList, History, LambdaCallback, overrides

Array = NDArray[Any]

__all__ = ["FitLoop", "Interrupt", "fit_params"]


def fit_params(callbacks: list[Callback], *, epochs: int, steps: int, samples: int,
               batch_size: int | None, val_samples: int, seed: int, model_seed: int,
               layer_seeds: dict[str, int], initial_epoch: int, global_epoch: int,
               initial_step: int, shuffle: bool | str, metric_names: list[str],
               regularized: bool, schedule: Any) -> tuple[dict[str, Any], bool]:
    """What one member's callbacks get as ``params`` (Keras' keys and glassnet's, in one
    order for a model and for a population member), and whether its epoch logs carry
    ``learning_rate`` (a callback of its own steers the rate). ``callbacks``: the member's
    own, whose needs each ``validate(params)`` checks before any step."""
    logs_lr = any(getattr(c, "logs_learning_rate", False) for c in callbacks)
    log_keys = ["loss"] + (["data_loss"] if regularized else []) + list(metric_names)
    if val_samples:
        log_keys += ["val_loss"] + [f"val_{name}" for name in metric_names]
    if logs_lr:
        log_keys.append("learning_rate")
    params = {
        "epochs": epochs, "steps": steps, "samples": samples, "batch_size": batch_size,
        "val_samples": val_samples, "seed": seed, "model_seed": model_seed,
        # layers given a seed of their own (Dropout(seed=...)) draw from it instead
        "layer_seeds": layer_seeds, "initial_epoch": initial_epoch,
        "global_epoch": global_epoch, "initial_step": initial_step, "shuffle": shuffle,
        "metrics": list(metric_names), "log_keys": log_keys,
        "lr_schedule": None if schedule is None else type(schedule).__name__,
        # a callback of the user's own may add keys to the epoch logs
        "log_keys_open": any((type(c).__module__ != Callback.__module__
                              or isinstance(c, LambdaCallback))
                             and overrides(c, "on_epoch_end") for c in callbacks),
    }
    return params, logs_lr


class Interrupt:
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


class FitLoop:
    """One ``fit``: set up by a subclass (``members``, ``callbacks``, ``histories``,
    ``regularized``, ``logs_lr``, ``metrics``), then :meth:`run`.

    ``members[k]`` is what member ``k``'s callbacks see as ``self.model`` (the model, or a
    population's member view): the loop reads its ``stop_training`` and, where
    ``logs_lr[k]``, its ``optimizer.learning_rate``. ``callbacks[k]`` is member ``k``'s
    whole list, its :class:`History` first."""

    K: int = 1
    members: list[Any]
    callbacks: list[CallbackList]
    histories: list[History]
    #: member k's loss includes weight penalties (its logs then have ``data_loss``)
    regularized: list[bool]
    #: member k's epoch logs have ``learning_rate`` (a callback of its own steers the rate)
    logs_lr: list[bool]
    metrics: list[Any]
    #: stop after the current epoch (a dataset that ran out before steps_per_epoch)
    ran_out = False
    progress: Any = None
    #: a member may ask to stop (a callback of its own can set ``stop_training``)
    watch_stop = True

    # -- what a subclass gives ------------------------------------------------------------------
    def epoch_batches(self, epoch: int) -> tuple[Iterable[tuple[Array, Array, Array | None]],
                                                 int] | None:
        """The epoch's ``(x, y, w)`` batches and their number of examples; None: no batch
        left (training stops)."""
        raise NotImplementedError

    def step(self, xb: Array, tb: Array, wb: Array | None) -> tuple[Any, Any, Array]:
        """One optimizer step of every running member: (loss values, their penalty parts or
        None where no member has one, outputs): floats for one member, ``(K,)`` arrays (by
        member) for K."""
        raise NotImplementedError

    def start_metrics(self) -> None:
        """Fresh metric sums for an epoch."""

    def add_metrics(self, tb: Array, out: Array, nb: int) -> None:
        """The batch's metric values or statistics added to the running members' sums."""

    def metric_value(self, i: int, k: int, seen: int) -> float:
        """Member ``k``'s value of metric ``i`` over the epoch's batches so far."""
        raise NotImplementedError

    def validation(self) -> dict[int, dict[str, float]] | None:
        """Each running member's validation loss and metrics, or None (no validation)."""
        return None

    def count_epoch(self, epoch: int) -> None:
        """The running members completed epoch ``epoch`` (``epochs_trained``)."""
        raise NotImplementedError

    def end_member(self, k: int, interrupted: bool, final: bool) -> None:
        """Member ``k``'s fit ends: it asked to stop while others may go on, or (``final``)
        every member's fit ends."""
        self.callbacks[k].on_train_end({"interrupted": interrupted})

    def after_epoch(self, epoch: int, last: bool) -> None:
        """After an epoch's callbacks (a population may go on with fewer members)."""

    # -- the loop -------------------------------------------------------------------------------
    def zeros(self) -> Any:
        return 0.0 if self.K == 1 else np.zeros(self.K)

    @staticmethod
    def at(total: Any, k: int) -> Any:
        return total[k] if isinstance(total, np.ndarray) else total

    def stop(self, k: int, interrupted: bool = False, final: bool = False) -> None:
        self.running.remove(k)
        self.end_member(k, interrupted, final)

    def run(self, first: int, epochs: int) -> bool:
        """Epochs ``first .. epochs - 1``; returns True when Ctrl-C ended them."""
        K, cbls, members = self.K, self.callbacks, self.members
        self.running = running = list(range(K))
        interrupt = Interrupt()
        interrupted = False
        with interrupt.armed():
            for cbl in cbls:
                cbl.on_train_begin({})
            # only the hooks some callback has are called, known once they got ready
            batch_hooks = [cbl.wants_batch_logs for cbl in cbls]
            any_batch_hooks = any(batch_hooks)
            epoch_hooks = [cbl.wants_epoch_begin for cbl in cbls]
            metrics = self.metrics
            watch_stop = self.watch_stop
            step_fn, add_metrics, progress = self.step, self.add_metrics, self.progress
            for epoch in range(first, epochs):
                for k in running:
                    if epoch_hooks[k]:
                        cbls[k].on_epoch_begin(epoch, {})
                planned = self.epoch_batches(epoch)
                if planned is None:
                    break
                pairs, m = planned
                total, penalty_total, seen = self.zeros(), self.zeros(), 0
                if metrics:
                    self.start_metrics()
                for step, (xb, tb, wb) in enumerate(pairs):
                    nb = xb.shape[-2]
                    if any_batch_hooks:
                        for k in running:
                            if batch_hooks[k]:
                                cbls[k].on_batch_begin(step, {"size": nb})
                    values, penalties, out = step_fn(xb, tb, wb)
                    total += values * nb
                    if penalties is not None:
                        penalty_total += penalties * nb
                    seen += nb
                    if metrics:
                        add_metrics(tb, out, nb)
                    if any_batch_hooks:
                        for k in running:
                            if batch_hooks[k]:
                                self._batch_end(k, step, values, nb, seen, total)
                    if progress is not None:
                        progress.update(1)
                    if interrupt.requested:
                        break
                    if watch_stop and seen < m:
                        # a member that asked to stop in mid-epoch ends after this step, the
                        # epoch unrecorded; at the last step it completes the epoch first
                        for k in [k for k in running if members[k].stop_training]:
                            self.stop(k)
                        if not running:
                            break
                if interrupt.requested:
                    interrupted = True
                    break
                if not running:
                    break
                val = self.validation()
                self.count_epoch(epoch)  # before the callbacks, as Keras counts it
                for k in running:
                    cbls[k].on_epoch_end(epoch, self._epoch_logs(k, total, penalty_total,
                                                                 seen, val))
                for k in [k for k in running if members[k].stop_training]:
                    self.stop(k)
                if not running or self.ran_out:
                    break
                self.after_epoch(epoch, epoch + 1 == epochs)
            for k in list(running):
                if interrupted:
                    self.histories[k].interrupted = True
                self.stop(k, interrupted, final=True)
        return interrupted

    def _batch_end(self, k: int, step: int, values: Any, nb: int, seen: int,
                   total: Any) -> None:
        logs: dict[str, Any] = {"batch_loss": float(self.at(values, k)), "size": nb,
                                "seen": seen, "loss": self.at(total, k) / seen}
        for i, metric in enumerate(self.metrics):
            logs[metric.name] = self.metric_value(i, k, seen)
        self.callbacks[k].on_batch_end(step, logs)

    def _epoch_logs(self, k: int, total: Any, penalty_total: Any, seen: int,
                    val: dict[int, dict[str, float]] | None) -> dict[str, Any]:
        mine = self.at(total, k)
        logs: dict[str, Any] = {"loss": mine / seen}
        if self.regularized[k]:  # the loss above includes the penalties (as in Keras)
            logs["data_loss"] = (mine - self.at(penalty_total, k)) / seen
        for i, metric in enumerate(self.metrics):
            logs[metric.name] = self.metric_value(i, k, seen)
        if val is not None:
            for key, value in val[k].items():
                logs[f"val_{key}"] = value
        if self.logs_lr[k]:  # the rate this epoch used, as Keras' rate callbacks log it
            logs["learning_rate"] = float(np.float32(self.members[k].optimizer.learning_rate))
        return logs
