"""Dead and saturated units, by layer name and unit index.

- A ReLU-like unit (``relu``, ``leaky_relu``) is *dead* on a batch ``X`` when its
  pre-activation ``z[:, j] = X_l @ W[:, j] + b[j]`` is ``<= dead_tol`` on every example.
  A dead ReLU outputs 0 and gets a zero gradient on all of ``X``, so gradient descent on
  these examples cannot revive it (a leaky ReLU still passes ``alpha`` times the gradient).
- A ``sigmoid``/``tanh`` unit is *saturated* when it sits in a flat end (sigmoid
  ``a < 0.01`` or ``a > 0.99``; tanh ``|a| > 0.99``) on at least a ``saturation`` share of
  the examples; there ``g'(z)`` is below about 0.01 and the unit learns slowly.

:func:`unit_events` reads a :class:`~glassnet.inspect.recorder.NeuronRecorder`'s
``firing_rate`` history: when each unit first stopped firing on the probe, and whether
(and when) it fired again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._table import Display, Text, format_table
from ..checks import check_float
from ..errors import ArgumentTypeError
from ._units import activation_name, readable, unit_plan, unit_views
from .recorder import NeuronRecorder, saturated_mask

__all__ = ["UnitEvent", "UnitEventList", "UnitStatus", "UnitStatusList", "dead_units",
           "unit_events", "unit_status"]

RELU_LIKE = frozenset({"relu", "leaky_relu"})


@dataclass(frozen=True)
class UnitStatus:
    """One flagged unit: ``status`` is ``"dead"`` or ``"saturated"``; ``fraction`` is the
    share of examples on which it was inactive (dead: ``z <= dead_tol``) or saturated."""

    layer: str
    unit: int
    status: str
    fraction: float
    activation: str

    def __str__(self) -> str:
        return f"{self.layer}[{self.unit}] {self.status} ({self.activation}, {self.fraction:.0%})"


class UnitStatusList(Display, list[UnitStatus]):
    """A list of :class:`UnitStatus` with a printable :meth:`table`."""

    def table(self) -> str:
        rows = [{"layer": s.layer, "unit": s.unit, "status": s.status,
                 "activation": s.activation, "share of examples": s.fraction} for s in self]
        return Text(format_table(rows, ".3g", empty="no dead or saturated units"))

    def display_parts(self) -> tuple[str, list[tuple[str, list[dict[str, Any]], str]], str]:
        rows = [{"layer": s.layer, "unit": s.unit, "status": s.status,
                 "activation": s.activation, "share of examples": s.fraction} for s in self]
        if not rows:
            return "no dead or saturated units", [], ""
        return f"{len(rows)} dead or saturated units", [("", rows, ".3g")], ""


def unit_status(
    model: Any, X: Any, *, dead_tol: float = 0.0, saturation: float = 0.99
) -> UnitStatusList:
    """Name every dead ReLU-like unit and every saturated sigmoid/tanh unit on ``X``.

    dead:       ``z[:, j] <= dead_tol`` on every example of ``X``   (relu, leaky_relu)
    saturated:  share of examples in a flat end ``>= saturation``   (sigmoid, tanh)

    Units are listed layer by layer, in unit order. The model is read, never changed.
    """
    model = readable(model)  # nested models' layers read in place
    if not hasattr(model, "trace"):
        raise ArgumentTypeError(
            f"model: expected a glassnet Sequential, got {type(model).__name__}"
        )
    dead_tol = check_float(dead_tol, "dead_tol", finite=False)
    saturation = check_float(saturation, "saturation", minimum=0.0, maximum=1.0,
                             include_minimum=False)
    out = UnitStatusList()
    for tr in unit_views(model, model.trace(X)):  # layers with units (see inspect._units)
        act = activation_name(tr.activation)
        m = tr.z.shape[0]
        if act in RELU_LIKE:
            inactive = np.count_nonzero(tr.z <= dead_tol, axis=0)
            for j in np.flatnonzero(inactive == m):
                out.append(UnitStatus(tr.name, int(j), "dead", 1.0, act))
        sat = saturated_mask(act, tr.a)
        if sat is not None:
            share = np.count_nonzero(sat, axis=0) / m
            for j in np.flatnonzero(share >= saturation):
                out.append(UnitStatus(tr.name, int(j), "saturated", float(share[j]), act))
    return out


def dead_units(model: Any, X: Any, *, dead_tol: float = 0.0) -> dict[str, list[int]]:
    """``{layer name: [dead unit indices]}`` for every ReLU-like layer (empty lists included)."""
    model = readable(model)  # nested models' layers read in place
    found: dict[str, list[int]] = {plan.name: [] for plan in unit_plan(model)
                                   if activation_name(plan.activation) in RELU_LIKE}
    for s in unit_status(model, X, dead_tol=dead_tol):
        if s.status == "dead":
            found[s.layer].append(s.unit)
    return found


@dataclass(frozen=True)
class UnitEvent:
    """A unit that stopped firing on the probe during training.

    ``died_epoch``/``died_step``: the first record with firing rate 0; ``recovered``: whether
    a later record shows it firing again, at ``recovered_epoch``/``recovered_step``;
    ``dead_at_end``: firing rate 0 in the last record.
    """

    layer: str
    unit: int
    died_record: int
    died_epoch: int
    died_step: int
    recovered: bool
    recovered_epoch: int | None
    recovered_step: int | None
    dead_at_end: bool

    def __str__(self) -> str:
        text = f"{self.layer}[{self.unit}] died at epoch {self.died_epoch} (step {self.died_step})"
        if self.recovered:
            text += f", fired again at epoch {self.recovered_epoch}"
        return text


class UnitEventList(Display, list[UnitEvent]):
    """A list of :class:`UnitEvent` with a printable :meth:`table`."""

    def table(self) -> str:
        return Text(format_table(self._rows(), ".3g", empty="no unit stopped firing"))

    def display_parts(self) -> tuple[str, list[tuple[str, list[dict[str, Any]], str]], str]:
        rows = self._rows()
        if not rows:
            return "no unit stopped firing", [], ""
        return f"{len(rows)} units stopped firing", [("", rows, ".3g")], ""

    def _rows(self) -> list[dict[str, Any]]:
        return [{"layer": e.layer, "unit": e.unit, "died at epoch": e.died_epoch,
                 "died at step": e.died_step,
                 "recovered": "yes" if e.recovered else "no",
                 "recovered at epoch": "-" if e.recovered_epoch is None else e.recovered_epoch,
                 "dead at end": "yes" if e.dead_at_end else "no"} for e in self]


def unit_events(recorder: NeuronRecorder) -> UnitEventList:
    """Deaths and recoveries of ReLU-like units from ``recorder.history[...]["firing_rate"]``.

    For each unit, with ``F`` its firing rates over the records: it died at the first record
    ``r`` with ``F[r] == 0``; it recovered at the first record after ``r`` with ``F > 0``.
    """
    if not isinstance(recorder, NeuronRecorder):
        raise ArgumentTypeError(
            f"recorder: expected a NeuronRecorder, got {type(recorder).__name__}"
        )
    hist = recorder.history
    epochs, steps = recorder.epochs, recorder.steps
    out = UnitEventList()
    for name in recorder.layer_names:
        if recorder.activations.get(name) not in RELU_LIKE:
            continue
        fr = hist[name]["firing_rate"]  # (records, units)
        silent = fr == 0
        died = silent.any(axis=0)
        first = np.argmax(silent, axis=0)
        later = (np.arange(fr.shape[0])[:, None] > first[None, :]) & (fr > 0)
        recovered = later.any(axis=0)
        back = np.argmax(later, axis=0)
        for j in np.flatnonzero(died):
            r = int(first[j])
            rec = bool(recovered[j])
            out.append(UnitEvent(
                layer=name, unit=int(j), died_record=r, died_epoch=int(epochs[r]),
                died_step=int(steps[r]), recovered=rec,
                recovered_epoch=int(epochs[back[j]]) if rec else None,
                recovered_step=int(steps[back[j]]) if rec else None,
                dead_at_end=bool(silent[-1, j]),
            ))
    return out
