"""``NeuronRecorder``: a callback that writes down every unit's state during training.

At every record (each epoch end by default, or every ``k`` optimizer steps) it stores, for
every unit ``j`` of every dense layer (``W`` of shape ``(n_in, units)``, ``b`` of ``(units,)``)::

    weight_norm      ||W[:, j]||                        (incoming weights)
    bias             b[j]
    grad_norm        ||grad_W[:, j]||                   (the most recent step's gradient)
    act_mean         mean over the probe of a[:, j]
    act_std          std  over the probe of a[:, j]
    firing_rate      share of probe examples with z[:, j] > 0   (relu, leaky_relu, linear;
                                                                  NaN otherwise)
    saturation       share of probe examples in a flat end:    (sigmoid: a < 0.01 or a > 0.99;
                                                                  tanh: |a| > 0.99; NaN otherwise)
    out_weight_norm  ||W_next[j, :]||                   (outgoing weights; NaN in the last layer)
    dropped          share of the last training batch's examples in which a dropout layer
                     after this layer zeroed unit j (NaN when no dropout layer follows)

Only layers with units are recorded (dense layers; see :mod:`glassnet.inspect._units`):
dropout, normalization and activation layers have no units of their own, and an activation
layer right after a linear dense layer is read as that layer's activation.

``z`` and ``a`` come from one forward pass over a fixed *probe* batch. ``fit`` does not hand
its ``X`` to callbacks, so the probe is given to the recorder: ``probe=X_probe`` (all of its
rows are used), or ``data=X_train`` (up to ``max_probe`` rows, 256 by default, drawn without
replacement with ``numpy.random.default_rng(seed)`` when training begins).

Cost: one forward pass over the probe plus a few column norms per record, all vectorized;
the recorder never writes to the model (its forward pass keeps no cache).
"""

from __future__ import annotations

import csv
import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..callbacks import Callback
from ..checks import check_int
from ..errors import ArgumentTypeError, ConfigError, NotReadyError
from ._units import UnitPlan, activation_name, readable, unit_plan

__all__ = ["METRICS", "NeuronRecorder"]

Array = NDArray[Any]

#: the per-unit quantities recorded, in column order
METRICS = ("weight_norm", "bias", "grad_norm", "act_mean", "act_std", "firing_rate",
           "saturation", "out_weight_norm", "dropped")

FIRING_ACTIVATIONS = frozenset({"relu", "leaky_relu", "linear"})
SATURATING_ACTIVATIONS = frozenset({"sigmoid", "tanh"})
SATURATION_MARGIN = 0.01  # "within 0.01 of an asymptote"


def saturated_mask(activation: str, a: Array) -> Array | None:
    """Boolean ``(m, units)``: where ``a`` is within 0.01 of the activation's asymptotes.

    sigmoid: ``a < 0.01`` or ``a > 0.99``;  tanh: ``|a| > 0.99``;  other activations: None.
    """
    if activation == "sigmoid":
        return (a < SATURATION_MARGIN) | (a > 1.0 - SATURATION_MARGIN)
    if activation == "tanh":
        return np.abs(a) > 1.0 - SATURATION_MARGIN
    return None


class NeuronRecorder(Callback):
    """Record every unit of every dense layer during ``fit``.

    ``NeuronRecorder(probe=X_probe)`` or ``NeuronRecorder(data=X_train)``; pass it in
    ``fit(..., callbacks=[recorder])``. Records are taken at the end of every
    ``every_epochs``-th epoch (default: every epoch), or, with ``every_steps=k``, after every
    ``k``-th optimizer step. ``include_initial=True`` adds a record of the starting weights
    when training begins (its ``grad_norm`` is NaN: no gradient has been computed yet).

    After training::

        recorder.history[layer_name][metric]   # array (records, units)
        recorder.epochs   # complete epochs done at each record
        recorder.steps    # optimizer updates done at each record
        recorder.to_rows() / to_csv(path) / to_dataframe()

    Each ``fit`` call starts a fresh history.
    """

    def __init__(
        self,
        probe: Any = None,
        *,
        data: Any = None,
        max_probe: int = 256,
        seed: int = 0,
        every_epochs: int = 1,
        every_steps: int | None = None,
        include_initial: bool = False,
    ) -> None:
        if probe is None and data is None:
            raise ConfigError(
                "probe: NeuronRecorder needs examples to measure activations on, and fit does "
                "not pass its X to callbacks; give probe=X_probe (every row is used) or "
                "data=X_train (up to max_probe rows are sampled), got neither"
            )
        if probe is not None and data is not None:
            raise ConfigError("probe and data: give one, not both")
        self.max_probe = int(check_int(max_probe, "max_probe", minimum=1))
        self.seed = int(check_int(seed, "seed", minimum=0))
        self.every_epochs = int(check_int(every_epochs, "every_epochs", minimum=1))
        self.every_steps = check_int(every_steps, "every_steps", minimum=1, allow_none=True)
        if not isinstance(include_initial, bool):
            raise ArgumentTypeError(
                f"include_initial: expected True or False, got {include_initial!r}"
            )
        self.include_initial = include_initial
        self._probe_source = probe
        self._data_source = data
        self.probe: Array | None = None
        self.layer_names: list[str] = []
        self.activations: dict[str, str] = {}
        self._records: list[dict[str, list[Array]]] = []
        self._epochs: list[int] = []
        self._steps: list[int] = []
        self._stacked: dict[str, dict[str, Array]] | None = None
        self._step = 0
        self._epoch_done = 0
        self._plan: list[UnitPlan] = []

    def _skips_hook(self, hook: str) -> bool:
        """Recording per epoch, the per-step hook does nothing (steps are counted per
        epoch), so ``fit`` need not call it (a subclass's own ``on_batch_end`` is called)."""
        return (hook == "on_batch_end" and self.every_steps is None
                and type(self).on_batch_end is NeuronRecorder.on_batch_end)

    def set_model(self, model: Any) -> None:
        """The model to read: a model with nested models is read through its flattened view
        (the same layers and weights, each nested model's layers in its place)."""
        super().set_model(readable(model))

    # -- hooks ----------------------------------------------------------------------------
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        model = self.model
        if self._probe_source is not None:
            self.probe = model.check_X(self._probe_source, argument="probe")
        else:
            # Only the sampled rows are validated (and converted): the rest is never read.
            data = np.asarray(self._data_source)
            m = data.shape[0] if data.ndim else 0
            if m > self.max_probe:
                rows = np.sort(np.random.default_rng(self.seed).choice(m, self.max_probe,
                                                                        replace=False))
                data = data[rows]
            self.probe = model.check_X(data, argument="data")
        # Layers with units only (dropout, normalization and activation layers have none);
        # an activation layer right after a linear dense layer is that layer's activation.
        self._plan = unit_plan(model)
        self.layer_names = [plan.name for plan in self._plan]
        self.activations = {plan.name: activation_name(plan.activation) for plan in self._plan}
        self._records = []
        self._epochs = []
        self._steps = []
        self._stacked = None
        self._step = 0
        self._epoch_done = 0
        if self.include_initial:
            self._record(with_grads=False)

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        if self.every_steps is None:  # recording per epoch: steps are counted per epoch
            return
        self._step += 1
        if self._step % self.every_steps == 0:
            self._record()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.every_steps is None:  # steps counted per epoch (fit's params["steps"])
            self._step += int((getattr(self, "params", None) or {}).get("steps", 0))
        self._epoch_done = epoch + 1
        if self.every_steps is None and self._epoch_done % self.every_epochs == 0:
            self._record()

    # -- the measurement --------------------------------------------------------------------
    def measure(self, with_grads: bool = True) -> dict[str, dict[str, Array]]:
        """One reading of every unit now: ``{layer: {metric: array (units,)}}``.

        One forward pass over the probe (no cache kept); reads ``W``, ``b`` and the gradients
        the most recent optimizer step left in ``layer.grads``.
        """
        if self.probe is None:
            raise NotReadyError("NeuronRecorder: no probe yet; it is set when training begins")
        layers = self.model.layers
        plans = {plan.index: plan for plan in self._plan}
        unit_layers = [plan.index for plan in self._plan]
        reading: dict[str, dict[str, Array]] = {}
        a = self.probe
        skip: set[int] = set()
        for i, layer in enumerate(layers):
            if i in skip:
                continue
            plan = plans.get(i)
            if plan is None:  # no units: pass the probe through (inference behaviour)
                a = layer.forward(a)
                continue
            W, b = layer.params[0], layer.params[1]
            z = layer.preactivation(a)
            act = plan.activation
            a = act.forward(z.copy())
            units = W.shape[1]
            nan = np.full(units, np.nan)
            grad_W = layer.grads[0]
            row: dict[str, Array] = {
                "weight_norm": np.sqrt(np.einsum("ij,ij->j", W, W, dtype=np.float64)),
                "bias": b.astype(np.float64),
                "grad_norm": (np.sqrt(np.einsum("ij,ij->j", grad_W, grad_W, dtype=np.float64))
                              if with_grads else nan),
                "act_mean": a.mean(axis=0, dtype=np.float64),
                "act_std": a.std(axis=0, dtype=np.float64),
                "firing_rate": (np.count_nonzero(z > 0, axis=0) / z.shape[0]
                                if act.name in FIRING_ACTIVATIONS else nan),
            }
            sat = saturated_mask(act.name, a)
            row["saturation"] = (np.count_nonzero(sat, axis=0) / a.shape[0]
                                 if sat is not None else nan)
            later = [j for j in unit_layers if j > i]
            if later:
                W_next = layers[later[0]].params[0]
                row["out_weight_norm"] = (
                    np.sqrt(np.einsum("ij,ij->i", W_next, W_next, dtype=np.float64))
                    if W_next.shape[0] == units else nan)
            else:
                row["out_weight_norm"] = nan
            row["dropped"] = self._dropped(i, units)
            reading[plan.name] = row
            if plan.merged is not None:  # its activation layer was applied just above
                skip.add(plan.merged)
        return reading

    def _dropped(self, index: int, units: int) -> Array:
        """Per unit of layer ``index``: the share of the last training batch in which the
        dropout layer(s) between it and the next layer with units zeroed it."""
        layers = self.model.layers
        dropped = np.zeros(units)
        found = False
        for layer in layers[index + 1:]:
            if layer.has_units:
                break
            mask = layer.trace_mask()
            if mask is not None and mask.ndim == 2 and mask.shape[1] == units:
                dropped = 1.0 - (1.0 - dropped) * mask.mean(axis=0, dtype=np.float64)
                found = True
        return dropped if found else np.full(units, np.nan)

    def _record(self, with_grads: bool = True) -> None:
        reading = self.measure(with_grads=with_grads)
        self._records.append({name: [reading[name][k] for k in METRICS] for name in reading})
        self._epochs.append(self._epoch_done)
        self._steps.append(self._step)
        self._stacked = None

    # -- results ----------------------------------------------------------------------------
    @property
    def n_records(self) -> int:
        return len(self._records)

    @property
    def epochs(self) -> NDArray[np.int64]:
        """Complete epochs done at each record (0 for the initial record)."""
        return np.asarray(self._epochs, dtype=np.int64)

    @property
    def steps(self) -> NDArray[np.int64]:
        """Optimizer updates done at each record (0 for the initial record)."""
        return np.asarray(self._steps, dtype=np.int64)

    @property
    def history(self) -> dict[str, dict[str, NDArray[np.float64]]]:
        """``history[layer][metric]``: an array of shape ``(records, units)``."""
        if self._stacked is None:
            if not self._records:
                raise NotReadyError("NeuronRecorder: nothing recorded yet; train with it first")
            self._stacked = {
                name: {metric: np.stack([rec[name][k] for rec in self._records])
                       for k, metric in enumerate(METRICS)}
                for name in self.layer_names
            }
        return self._stacked

    def to_rows(self) -> list[dict[str, Any]]:
        """Tidy rows, one per (record, layer, unit): record, epoch, step, layer, unit, metrics."""
        hist = self.history
        epochs, steps = self.epochs, self.steps
        rows: list[dict[str, Any]] = []
        for r in range(self.n_records):
            for name in self.layer_names:
                cols = [hist[name][metric][r] for metric in METRICS]
                for unit in range(cols[0].shape[0]):
                    row: dict[str, Any] = {"record": r, "epoch": int(epochs[r]),
                                           "step": int(steps[r]), "layer": name, "unit": unit}
                    for metric, col in zip(METRICS, cols):
                        row[metric] = float(col[unit])
                    rows.append(row)
        return rows

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_rows` as a CSV file (header row, then one line per row)."""
        rows = self.to_rows()
        with open(os.fspath(path), "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    def to_dataframe(self) -> Any:
        """:meth:`to_rows` as a pandas DataFrame (needs pandas: ``glassnet[pandas]``)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                "NeuronRecorder.to_dataframe needs pandas, which is not installed: "
                "pip install pandas (or glassnet[pandas]); to_rows() and to_csv() work without it"
            ) from exc
        return pd.DataFrame(self.to_rows())

    def __repr__(self) -> str:
        when = (f"every {self.every_steps} steps" if self.every_steps is not None
                else f"every {self.every_epochs} epoch(s)")
        return f"NeuronRecorder({when}, records={self.n_records})"
