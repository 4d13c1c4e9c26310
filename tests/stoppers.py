"""Callbacks that stop a model (or a population member) at a given epoch or step, shared by
the population tests that compare a member with its model trained alone."""

from __future__ import annotations

from typing import Any

import glassnet as gn


class StopAtEpoch(gn.callbacks.Callback):
    """Stop at the end of epoch ``epoch`` (of this fit)."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if epoch == self.epoch:
            self.model.stop_training = True


class StopAtStep(gn.callbacks.Callback):
    """Stop after the ``n``-th step of this fit (counted from 1), at a batch end."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.steps = 0

    def on_batch_end(self, step: int, logs: Any = None) -> None:
        self.steps += 1
        if self.steps == self.n:
            self.model.stop_training = True
