"""Data flow: which examples reach which unit, and how many optimizer steps an epoch has.

A dense layer takes the whole batch at once::

    x (m, n_in)  @  W (n_in, units)  +  b (units,)  ->  z (m, units)  ->  a = g(z) (m, units)

Column ``j`` of ``z`` holds unit ``j``'s answer for *every* one of the ``m`` examples, so
every unit processes every example; the examples are not shared out among the units.
The product costs ``m * n_in * units`` multiply-adds.

:func:`data_flow` reads these shapes off a real forward pass (``model.trace``);
:func:`fit_schedule` counts samples, batches and optimizer steps for a ``fit`` call, the
numbers behind Keras' progress line (``6250/6250`` for 200,000 samples in batches of 32
counts *steps*, not samples).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._table import Display
from ..checks import check_int
from ..errors import ArgumentTypeError, ConfigError
from ..training import steps_per_epoch
from ._units import activation_name, readable, unit_views

__all__ = ["DataFlow", "FitSchedule", "LayerFlow", "data_flow", "fit_schedule"]


@dataclass(frozen=True)
class LayerFlow:
    """One layer's share of a forward pass over ``m`` examples.

    ``examples_per_unit[j]`` is the number of examples unit ``j`` computed an output for:
    the number of rows in column ``j`` of the traced pre-activation ``z``.
    """

    name: str
    activation: str
    input_shape: tuple[int, int]
    W_shape: tuple[int, int]
    output_shape: tuple[int, int]
    multiply_adds: int
    examples_per_unit: NDArray[np.int64]

    @property
    def units(self) -> int:
        return int(self.W_shape[1])


@dataclass(repr=False)
class DataFlow(Display):
    """Shapes and counts of one forward pass; ``table()`` prints them, ``rows()`` gives dicts."""

    n_examples: int
    input_dim: int
    layers: list[LayerFlow] = field(default_factory=list)
    #: layers that only reshape each example (Flatten, Reshape): (name, input, output shape)
    reshapes: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)

    @property
    def total_multiply_adds(self) -> int:
        return int(sum(layer.multiply_adds for layer in self.layers))

    @property
    def every_unit_saw_every_example(self) -> bool:
        """True when each unit of each layer computed an output for all ``n_examples``."""
        return all(bool(np.all(layer.examples_per_unit == self.n_examples))
                   for layer in self.layers)

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for layer in self.layers:
            counts = layer.examples_per_unit
            out.append({
                "layer": layer.name,
                "activation": layer.activation,
                "input": layer.input_shape,
                "W": layer.W_shape,
                "output": layer.output_shape,
                "multiply_adds": layer.multiply_adds,
                "units": layer.units,
                "examples_per_unit_min": int(counts.min()),
                "examples_per_unit_max": int(counts.max()),
            })
        return out

    def display_parts(self) -> tuple[str, list[tuple[str, list[dict[str, Any]], str]], str]:
        rows = []
        for r in self.rows():
            lo, hi = r["examples_per_unit_min"], r["examples_per_unit_max"]
            rows.append({
                "layer": f"{r['layer']} ({r['activation']})",
                "input (m, n_in)": str(r["input"]),
                "W (n_in, units)": str(r["W"]),
                "output (m, units)": str(r["output"]),
                "multiply-adds": f"{r['multiply_adds']:,}",
                "examples per unit": (f"{lo:,} (each of {r['units']})" if lo == hi
                                      else f"{lo:,}..{hi:,}"),
            })
        foot = "".join(f"{name} reshapes {a} to {b} (the same values, no arithmetic). "
                       for name, a, b in self.reshapes)
        foot += (f"{self.n_examples:,} examples, {self.input_dim} features; "
                 f"{self.total_multiply_adds:,} multiply-adds in all. ")
        if self.every_unit_saw_every_example:
            foot += (f"Every unit of every layer processed all {self.n_examples:,} examples: "
                     f"one matrix product per layer, not a share of the examples per unit.")
        else:
            foot += "Some units processed fewer examples than the batch holds."
        return "", [("", rows, ".4g")], foot


def data_flow(model: Any, X: Any) -> DataFlow:
    """Trace ``X`` (shape ``(m, n)``) through ``model`` and report each layer's shapes.

    For layer ``l`` with ``n_in`` inputs and ``units`` units: input ``(m, n_in)``,
    ``W (n_in, units)``, output ``(m, units)``, ``m * n_in * units`` multiply-adds, and
    for each unit the number of examples it processed, read from the traced ``z``.
    The model is not changed (``model.trace`` keeps no cache).
    """
    if not hasattr(model, "trace"):
        raise ArgumentTypeError(
            f"model: expected a glassnet Sequential, got {type(model).__name__}"
        )
    model = readable(model)  # nested models' layers read in place
    traces = model.trace(X)
    m = int(traces[0].x.shape[0])
    layers: list[LayerFlow] = []
    reshapes = [(tr.name, tuple(int(d) for d in tr.x.shape), tuple(int(d) for d in tr.a.shape))
                for tr in traces if tr.x.shape != tr.a.shape and tr.W is None
                and tr.x.size == tr.a.size and tr.x.shape[1:] != tr.a.shape[1:]]
    # Layers with units only: dropout, normalization and activation layers have none.
    for tr in unit_views(model, traces):
        m_in, n_in = (int(s) for s in tr.x.shape)
        m_out, units = (int(s) for s in tr.z.shape)
        # Column j of z has one row per example unit j computed: count those rows.
        counts = np.full(units, m_out, dtype=np.int64)
        W_shape = tr.W.shape if tr.W is not None else (n_in, units)
        layers.append(LayerFlow(
            name=tr.name,
            activation=activation_name(tr.activation),
            input_shape=(m_in, n_in),
            W_shape=(int(W_shape[0]), int(W_shape[1])),
            output_shape=(int(tr.a.shape[0]), int(tr.a.shape[1])),
            multiply_adds=m_in * n_in * units,
            examples_per_unit=counts,
        ))
    return DataFlow(n_examples=m, input_dim=int(np.prod(traces[0].x.shape[1:])), layers=layers,
                    reshapes=reshapes)


@dataclass(repr=False)
class FitSchedule(Display):
    """What one ``fit`` call does with its samples: batches, steps and updates."""

    n_samples: int
    n_train: int
    n_validation: int
    batch_size: int | None
    epochs: int
    steps_per_epoch: int
    batch_sizes: NDArray[np.int64]
    total_updates: int
    sentence: str

    @property
    def samples_per_epoch(self) -> int:
        return self.n_train

    @property
    def last_batch_size(self) -> int:
        return int(self.batch_sizes[-1])

    def rows(self) -> list[dict[str, Any]]:
        full = int(self.batch_sizes[0])
        n_full = int(np.count_nonzero(self.batch_sizes == full))
        return [
            {"quantity": "samples in the data", "value": f"{self.n_samples:,}"},
            {"quantity": "held out for validation", "value": f"{self.n_validation:,}"},
            {"quantity": "samples per epoch (training)", "value": f"{self.n_train:,}"},
            {"quantity": "batch size",
             "value": "full batch" if self.batch_size is None else f"{self.batch_size:,}"},
            {"quantity": "batches (= optimizer steps) per epoch",
             "value": f"{self.steps_per_epoch:,}"},
            {"quantity": "batch sizes in one epoch",
             "value": (f"{n_full:,} x {full:,}" + (
                 f" + 1 x {self.last_batch_size:,}" if n_full < self.steps_per_epoch else ""))},
            {"quantity": "epochs", "value": f"{self.epochs:,}"},
            {"quantity": "optimizer updates in all", "value": f"{self.total_updates:,}"},
            {"quantity": "samples processed in all", "value": f"{self.n_train * self.epochs:,}"},
        ]

    def display_parts(self) -> tuple[str, list[tuple[str, list[dict[str, Any]], str]], str]:
        return "", [("", self.rows(), ".4g")], self.sentence


def fit_schedule(
    n_samples: int,
    batch_size: int | None,
    epochs: int = 1,
    validation_split: float = 0.0,
) -> FitSchedule:
    """Count what ``fit(X, y, batch_size=..., epochs=..., validation_split=...)`` does.

    With ``m = n_samples - round(n_samples * validation_split)`` training samples::

        steps per epoch = ceil(m / batch_size)     (1 for a full batch, batch_size=None)
        batch sizes     = batch_size, ..., batch_size, m - (steps - 1) * batch_size
        total updates   = steps per epoch * epochs

    ``fit_schedule(200_000, 32)`` gives 6,250 steps per epoch: the ``6250/6250`` of Keras'
    progress line counts steps, and each step uses 32 samples.
    """
    n_samples = int(check_int(n_samples, "n_samples", minimum=1))
    bs = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
    epochs = int(check_int(epochs, "epochs", minimum=1))
    if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)) \
            or not 0.0 <= validation_split < 1.0:
        raise ConfigError(
            f"validation_split: expected a fraction in [0, 1), got {validation_split!r}"
        )
    n_val = int(round(n_samples * validation_split)) if validation_split else 0
    m = n_samples - n_val
    if validation_split and (n_val < 1 or m < 1):
        raise ConfigError(
            f"validation_split: {validation_split} of {n_samples} samples leaves {n_val} for "
            f"validation and {m} for training; both must be at least 1"
        )
    steps = steps_per_epoch(m, bs)
    size = m if bs is None else min(bs, m)
    batch_sizes = np.full(steps, size, dtype=np.int64)
    batch_sizes[-1] = m - (steps - 1) * size
    total = steps * epochs

    how = "in one full batch" if bs is None else f"in batches of {bs:,}"
    held = f" ({n_val:,} of {n_samples:,} held out for validation)" if n_val else ""
    sentence = f"{m:,} samples{held} {how} -> {steps:,} step{'s' if steps != 1 else ''} per epoch"
    if steps > 1 and batch_sizes[-1] != size:
        sentence += f" ({steps - 1:,} of {size:,} and a last one of {int(batch_sizes[-1]):,})"
    sentence += f": Keras' '{steps}/{steps}' counts steps, not samples"
    if epochs > 1:
        sentence += f"; {epochs:,} epochs -> {total:,} optimizer updates"
    sentence += "."
    return FitSchedule(
        n_samples=n_samples, n_train=m, n_validation=n_val, batch_size=bs, epochs=epochs,
        steps_per_epoch=steps, batch_sizes=batch_sizes, total_updates=total, sentence=sentence,
    )
