"""Q2: with 100 examples, does every unit process all 100, or are they spread across units?

Every unit processes every example. A batch of ``m`` examples is one matrix ``(m, n_in)``;
times ``W (n_in, units)`` it gives ``(m, units)``: every unit's answer for every example.
The experiment shows it three ways on the course's coffee roasts (the first ``n_examples``,
standardized) and its 2-3-1 sigmoid network:

1. the data-flow trace of one forward pass (:func:`glassnet.inspect.data_flow`): shapes,
   multiply-adds, and the number of examples each unit processed;
2. training with a full batch, mini-batches (32) and single examples (stochastic), from the
   same initial weights for the same number of epochs. A callback reads, after every
   optimizer step, how many rows each unit's ``z`` had (the layer's own cache) and the batch
   loss, and the loss on all examples: steps per epoch, updates and examples per unit are
   *counted*, not computed from a formula;
3. the schedule of a large fit (:func:`glassnet.inspect.fit_schedule`): 200,000 samples in
   batches of 32 are 6,250 steps per epoch; Keras' ``6250/6250`` counts steps.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..callbacks import Callback
from ..checks import check_int
from ..datasets import Standardizer, load_coffee
from ..errors import ConfigError
from ..inspect import DataFlow, FitSchedule, data_flow, fit_schedule
from ..layers import Dense, Input
from ..model import Sequential
from ..optimizers import SGD
from .base import ExperimentResult

__all__ = ["QUESTION", "run_flow"]

QUESTION = ("With 100 examples, does every unit process all 100, or are they spread across "
            "units?")


class _StepCounter(Callback):
    """After every optimizer step: the batch size each unit's ``z`` had, the batch loss, and
    the loss on all training examples. Reads the layers' caches; changes nothing."""

    def __init__(self, x: NDArray[Any], t: NDArray[Any]) -> None:
        self.x, self.t = x, t
        self.batch_loss: list[float] = []
        self.full_loss: list[float] = []
        self.rows_per_step: list[list[int]] = []
        self.steps_in_epoch: list[int] = []
        self.unit_examples_per_epoch: list[dict[str, NDArray[np.int64]]] = []
        self.epoch_full_loss: list[float] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.start_loss = self.model.loss_value_prepared(self.x, self.t)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._steps = 0
        self._counts = {str(layer.name): np.zeros(layer.output_dim, dtype=np.int64)
                        for layer in self.model.layers}

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        rows = []
        for layer in self.model.layers:
            z = getattr(layer, "z", None)
            assert z is not None
            # z is (batch rows, units): each unit computed one value per row of the batch
            self._counts[str(layer.name)] += np.full(z.shape[1], z.shape[0], dtype=np.int64)
            rows.append(int(z.shape[0]))
        self.rows_per_step.append(rows)
        self._steps += 1
        self.batch_loss.append(float((logs or {})["batch_loss"]))
        self.full_loss.append(self.model.loss_value_prepared(self.x, self.t))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.steps_in_epoch.append(self._steps)
        self.unit_examples_per_epoch.append(self._counts)
        self.epoch_full_loss.append(self.full_loss[-1])


def _label(batch_size: int | None, m: int) -> str:
    if batch_size is None or batch_size >= m:
        return f"full batch ({m})"
    if batch_size == 1:
        return "stochastic (1)"
    return f"mini-batch ({batch_size})"


def _coffee_model(seed: int, learning_rate: float) -> Sequential:
    """The course's coffee network, 2-3-1 sigmoid, plain SGD; the same start for one seed."""
    model = Sequential([Input(shape=(2,)), Dense(3, activation="sigmoid", name="L1"),
                        Dense(1, activation="sigmoid", name="L2")], seed=seed)
    model.compile(loss="binary_crossentropy", optimizer=SGD(learning_rate=learning_rate))
    return model


def _trace(model: Sequential, X: NDArray[Any]
           ) -> tuple[DataFlow, list[dict[str, Any]], dict[str, list[int]]]:
    """One forward pass, traced: the flow, its table rows, and the examples each unit saw."""
    flow = data_flow(model, X)
    flow_rows = [{
        "layer": f"{r['layer']} ({r['activation']})",
        "input (m, n_in)": str(r["input"]),
        "W (n_in, units)": str(r["W"]),
        "output (m, units)": str(r["output"]),
        "multiply-adds": r["multiply_adds"],
        "examples per unit": ", ".join(str(int(c)) for c in layer.examples_per_unit),
    } for r, layer in zip(flow.rows(), flow.layers)]
    trace_counts = {layer.name: [int(c) for c in layer.examples_per_unit]
                    for layer in flow.layers}
    return flow, flow_rows, trace_counts


def _train_with_batch_size(model: Sequential, X: NDArray[Any], y: NDArray[Any],
                           bs: int | None, epochs: int, seed: int) -> dict[str, Any]:
    """Fit ``model`` with batch size ``bs`` (``None``: the full batch) while a callback
    counts every step: batches, updates, the examples each unit saw, and the losses."""
    n_examples = X.shape[0]
    x = model.check_X(X)
    t = model.prepare_targets(y, x.shape[0])
    counter = _StepCounter(x, t)
    history = model.fit(X, y, epochs=epochs, batch_size=bs, seed=seed,
                        callbacks=[counter], verbose=0)
    schedule = fit_schedule(n_examples, bs, epochs)
    per_epoch = counter.unit_examples_per_epoch
    unit_counts = {name: sorted({int(c) for e in per_epoch for c in e[name]})
                   for name in per_epoch[0]}
    n_first = counter.steps_in_epoch[0]
    first_epoch_batches = [rows[0] for rows in counter.rows_per_step[:n_first]]
    p = model.predict(X, batch_size=None)[:, 0]
    return {
        "batch_size": bs,
        "steps_per_epoch": sorted(set(counter.steps_in_epoch)),
        "predicted_steps_per_epoch": schedule.steps_per_epoch,
        "batch_sizes_epoch1": first_epoch_batches,
        "updates": len(counter.full_loss),
        "predicted_updates": schedule.total_updates,
        "unit_examples_per_epoch": unit_counts,
        "start_loss": float(counter.start_loss),
        "final_loss": float(counter.full_loss[-1]),
        "final_accuracy": float(np.mean((p > 0.5) == (y == 1))),
        "epoch_mean_batch_loss": np.asarray(history.history["loss"], dtype=np.float64),
        "epoch_loss": np.asarray([counter.start_loss] + counter.epoch_full_loss),
        "step_loss": np.asarray([counter.start_loss] + counter.full_loss),
        "step_batch_loss": np.asarray(counter.batch_loss),
    }


def _run_rows(runs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One table row per batch size: steps, batches, examples per unit, losses, accuracy."""
    run_rows = []
    for label, r in runs.items():
        sizes_text = _batches_text(r["batch_sizes_epoch1"])
        run_rows.append({
            "training": label,
            "steps per epoch": ", ".join(str(s) for s in r["steps_per_epoch"]),
            "batches in epoch 1": sizes_text,
            "examples per unit per epoch": ", ".join(
                str(c) for c in sorted({c for v in r["unit_examples_per_epoch"].values()
                                        for c in v})),
            "updates in all": r["updates"],
            "loss at start": r["start_loss"],
            "loss after training": r["final_loss"],
            "accuracy": r["final_accuracy"],
        })
    return run_rows


def _flow_numbers(flow: DataFlow, trace_counts: dict[str, list[int]],
                  runs: dict[str, dict[str, Any]], big: FitSchedule, big_batch: int,
                  n_examples: int, epochs: int, learning_rate: float) -> dict[str, Any]:
    """The experiment's numbers: who saw which examples in the trace and in training, each
    run's counts (without its curves), and the large fit's schedule."""
    all_trace = all(c == n_examples for counts in trace_counts.values() for c in counts)
    all_train = all(v == [n_examples] for r in runs.values()
                    for v in r["unit_examples_per_epoch"].values())
    return {
        "n_examples": n_examples,
        "epochs": epochs,
        "learning_rate": float(learning_rate),
        "trace_examples_per_unit": trace_counts,
        "every_unit_saw_every_example": bool(all_trace),
        "every_unit_saw_every_example_each_epoch": bool(all_train),
        "total_multiply_adds": flow.total_multiply_adds,
        "runs": {label: {k: v for k, v in r.items() if not isinstance(v, np.ndarray)}
                 for label, r in runs.items()},
        "big_samples": big.n_train,
        "big_batch": big_batch,
        "big_steps_per_epoch": big.steps_per_epoch,
        "big_sentence": big.sentence,
    }


def _flow_data(flow: DataFlow, runs: dict[str, dict[str, Any]],
               big: FitSchedule) -> dict[str, Any]:
    """What the figures draw: every run's loss curves, the traced layers, the two schedules."""
    return {
        "epoch_loss": {k: r["epoch_loss"] for k, r in runs.items()},
        "epoch_mean_batch_loss": {k: r["epoch_mean_batch_loss"] for k, r in runs.items()},
        "step_loss": {k: r["step_loss"] for k, r in runs.items()},
        "step_batch_loss": {k: r["step_batch_loss"] for k, r in runs.items()},
        "layers": [{"name": layer.name, "activation": layer.activation,
                    "input_shape": layer.input_shape, "W_shape": layer.W_shape,
                    "output_shape": layer.output_shape,
                    "examples_per_unit": layer.examples_per_unit.copy()}
                   for layer in flow.layers],
        "flow_table": flow.table(),
        "big_schedule": big.table(),
    }


def run_flow(
    *,
    n_examples: int = 100,
    epochs: int = 50,
    batch_sizes: tuple[int | None, ...] = (None, 32, 1),
    learning_rate: float = 0.5,
    seed: int = 0,
    big_samples: int = 200_000,
    big_batch: int = 32,
) -> ExperimentResult:
    """Trace ``n_examples`` coffee roasts through a 2-3-1 network and train it with each batch size.

    Parameters
    ----------
    n_examples: how many of the course's coffee roasts to use (standardized).
    epochs: passes over the data for each batch size (the same for all).
    batch_sizes: the batch sizes to compare; ``None`` is the full batch.
    learning_rate: plain SGD's step size, the same for every batch size.
    seed: the model's initial weights (the same for every batch size) and the shuffling.
    big_samples, big_batch: the large fit whose schedule is spelled out (Keras' 6250/6250).

    Returns an :class:`ExperimentResult` named ``"flow"``.
    """
    start = time.perf_counter()
    n_examples = int(check_int(n_examples, "n_examples", minimum=2))
    epochs = int(check_int(epochs, "epochs"))
    seed = int(check_int(seed, "seed", minimum=0))
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) \
            or not learning_rate > 0:
        raise ConfigError(f"learning_rate: expected a number > 0, got {learning_rate!r}")
    if not isinstance(batch_sizes, (tuple, list)) or not batch_sizes:
        raise ConfigError(f"batch_sizes: expected a non-empty tuple, got {batch_sizes!r}")
    sizes = [check_int(b, "batch_sizes", minimum=1, allow_none=True) for b in batch_sizes]

    X_raw, y = load_coffee(n_examples)
    X = Standardizer().fit_transform(X_raw)
    # 1. one forward pass, traced; 2. the same start, trained with each batch size
    flow, flow_rows, trace_counts = _trace(_coffee_model(seed, learning_rate), X)
    runs = {_label(bs, n_examples): _train_with_batch_size(_coffee_model(seed, learning_rate),
                                                           X, y, bs, epochs, seed)
            for bs in sizes}
    big = fit_schedule(big_samples, big_batch)
    numbers = _flow_numbers(flow, trace_counts, runs, big, big_batch, n_examples, epochs,
                            learning_rate)
    return ExperimentResult(
        name="flow",
        question=QUESTION,
        verdict=_verdict(numbers),
        answer=_answer(numbers),
        numbers=numbers,
        tables={
            f"One forward pass of {n_examples} coffee roasts through the 2-3-1 sigmoid network":
                flow_rows,
            f"Training from the same start for {epochs} epochs (SGD, learning rate "
            f"{learning_rate:g}); counted by a callback after every step": _run_rows(runs),
            f"Fit schedule for {big_samples:,} samples in batches of {big_batch}": big.rows(),
        },
        data=_flow_data(flow, runs, big),
        params={"n_examples": n_examples, "epochs": epochs, "batch_sizes": list(sizes),
                "learning_rate": float(learning_rate), "seed": seed,
                "big_samples": big_samples, "big_batch": big_batch},
        seconds=time.perf_counter() - start,
    )


def _batches_text(sizes: list[int]) -> str:
    """``[32, 32, 32, 4]`` -> ``"3 x 32 + 1 x 4"``."""
    parts: list[str] = []
    i = 0
    while i < len(sizes):
        j = i
        while j < len(sizes) and sizes[j] == sizes[i]:
            j += 1
        parts.append(f"{j - i} x {sizes[i]}")
        i = j
    return " + ".join(parts)


def _answer(n: dict[str, Any]) -> str:
    """The one-sentence answer, drawn from the measured numbers only."""
    m = n["n_examples"]
    units = sum(len(v) for v in n["trace_examples_per_unit"].values())
    big = (f"batches only set how many optimizer steps an epoch takes ({n['big_samples']:,} "
           f"samples in batches of {n['big_batch']} = {n['big_steps_per_epoch']:,} steps, "
           f"the number Keras prints as '{n['big_steps_per_epoch']}/"
           f"{n['big_steps_per_epoch']}')")
    if n["every_unit_saw_every_example"] and n["every_unit_saw_every_example_each_epoch"]:
        return (f"Every unit processes every example: each of the {units} units computed an "
                f"output for all {m} examples (one matrix product per layer), and in training "
                f"every unit saw all {m} in every epoch whatever the batch size; {big}.")
    return (f"Not here: some units processed fewer than the {m} examples (see the tables); "
            f"{big}.")


def _verdict(n: dict[str, Any]) -> str:
    """The plain-language answer, drawn from the measured numbers only."""
    m = n["n_examples"]
    parts: list[str] = []
    counts = n["trace_examples_per_unit"]
    units = sum(len(v) for v in counts.values())
    if n["every_unit_saw_every_example"]:
        per_layer = ", ".join(f"{k}: {len(v)} unit{'s' if len(v) != 1 else ''}"
                              for k, v in counts.items())
        parts.append(
            f"Every unit processed all {m} examples: the traced forward pass gives {m} for each "
            f"of the {units} units ({per_layer}"
            f"), because each layer is one matrix product (m, n_in) @ (n_in, units) -> "
            f"(m, units); the examples are not shared out among the units.")
    else:
        low = min(c for v in counts.values() for c in v)
        parts.append(f"Some units processed fewer than {m} examples in the trace (as few as "
                     f"{low}).")
    pieces = []
    for label, r in n["runs"].items():
        steps = r["steps_per_epoch"]
        step_text = (f"{steps[0]} step{'s' if steps[0] != 1 else ''} per epoch"
                     if len(steps) == 1 else f"{steps} steps per epoch")
        pieces.append(f"{label}: {step_text} ({_batches_text(r['batch_sizes_epoch1'])}), "
                      f"{r['updates']:,} updates, loss {r['start_loss']:.3f} -> "
                      f"{r['final_loss']:.3f}")
    same = n["every_unit_saw_every_example_each_epoch"]
    if same:
        seen = (f"every unit processed all {m} examples in every epoch, whatever the batch "
                f"size; only the number of optimizer steps changes")
    else:
        seen = "the examples each unit processed per epoch varied"
    parts.append(f"In training, {seen}. After {n['epochs']} epochs: " + "; ".join(pieces) + ".")
    runs = list(n["runs"].values())
    if len(runs) > 1:
        most = max(runs, key=lambda r: r["updates"])
        fewest = min(runs, key=lambda r: r["updates"])
        if most["final_loss"] < fewest["final_loss"]:
            parts.append(
                f"With the same epochs and learning rate, {most['updates']:,} small steps "
                f"reached a lower loss than {fewest['updates']:,} full-batch steps "
                f"({most['final_loss']:.3f} vs {fewest['final_loss']:.3f}).")
        else:
            parts.append(
                f"With the same epochs and learning rate, {most['updates']:,} small steps did "
                f"not beat {fewest['updates']:,} larger ones ({most['final_loss']:.3f} vs "
                f"{fewest['final_loss']:.3f}).")
    parts.append(n["big_sentence"])
    return " ".join(parts)
