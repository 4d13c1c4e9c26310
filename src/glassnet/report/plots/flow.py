"""Pictures for the ``flow`` experiment (Q2): loss per epoch and per update, examples per unit.

Drawn from ``result.data`` only. matplotlib is imported inside :func:`figures`; the figures
are plain ``matplotlib.figure.Figure`` objects (no pyplot, no global state), rendered by the
Agg canvas when saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._draw import minor_ticks_as_marks

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...lab import ExperimentResult

__all__ = ["captions", "figures"]

# Okabe-Ito colours, one per batch size (full, mini, stochastic, then more)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
LAYER_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")


def _epoch_figure(result: ExperimentResult) -> Figure:
    from matplotlib.figure import Figure

    data = result.data
    fig = Figure(figsize=(8.5, 4.8), layout="constrained")
    ax = fig.subplots()
    for i, (label, loss) in enumerate(data["epoch_loss"].items()):
        ax.plot(np.arange(loss.shape[0]), loss, color=PALETTE[i % len(PALETTE)], linewidth=2,
                marker="o", markersize=3, label=label)
    ax.set_xlabel("epoch (one pass over all examples; 0 = start)")
    ax.set_ylabel("loss on all examples (binary cross-entropy)")
    ax.set_title(f"Same {result.params['epochs']} epochs, same examples, different numbers of "
                 f"updates")
    ax.grid(alpha=0.3)
    ax.legend(title="batch size")
    return fig


def _step_figure(result: ExperimentResult) -> Figure:
    from matplotlib.figure import Figure

    data = result.data
    fig = Figure(figsize=(8.5, 4.8), layout="constrained")
    ax = fig.subplots()
    runs = list(data["step_loss"].items())
    # The run with the most updates is the noisiest: draw it first and lightest, and the
    # full batch (fewest updates) last, on top, with a marker at every update, so no curve
    # hides another.
    order = sorted(range(len(runs)), key=lambda i: -runs[i][1].shape[0])
    for rank, i in enumerate(order):
        label, loss = runs[i]
        updates = np.arange(loss.shape[0])
        few = loss.shape[0] <= 120
        ax.plot(np.maximum(updates, 0.8), loss, color=PALETTE[i % len(PALETTE)],
                linewidth=2.4 if few else 1.0, alpha=1.0 if few else 0.75,
                marker="o" if few else None, markersize=3.5, zorder=2 + rank,
                label=f"{label}: {loss.shape[0] - 1:,} updates")
    handles, labels = ax.get_legend_handles_labels()
    by_label = dict(zip(labels, handles))
    ordered = [f"{label}: {loss.shape[0] - 1:,} updates" for label, loss in runs]
    ax.set_xscale("log")
    ax.set_xlabel("optimizer update (step), log scale; the first point is the start")
    ax.set_ylabel("loss on all examples after the update")
    ax.set_title("Loss against optimizer updates: each step uses one batch")
    ax.grid(which="major", alpha=0.3)
    ax.legend([by_label[k] for k in ordered], ordered, title="batch size")
    minor_ticks_as_marks([ax])
    return fig


def _units_figure(result: ExperimentResult) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    data = result.data
    layers: list[dict[str, Any]] = data["layers"]
    m = int(result.params["n_examples"])
    fig = Figure(figsize=(8.5, 4.8), layout="constrained")
    ax = fig.subplots()
    x = 0
    ticks: list[float] = []
    tick_labels: list[str] = []
    handles = []
    for li, layer in enumerate(layers):
        colour = LAYER_COLOURS[li % len(LAYER_COLOURS)]
        counts = np.asarray(layer["examples_per_unit"])
        xs = np.arange(x, x + counts.shape[0])
        ax.bar(xs, counts, color=colour, width=0.7)
        ticks += [float(v) for v in xs]
        tick_labels += [f"unit {j}" for j in range(counts.shape[0])]
        (mi, ni), (_, units), (mo, uo) = (layer["input_shape"], layer["W_shape"],
                                          layer["output_shape"])
        ax.text(float(xs.mean()), m * 1.04,
                f"({mi}, {ni}) @ ({ni}, {units})\n-> ({mo}, {uo})",
                ha="center", va="bottom", fontsize=9)
        handles.append(Patch(color=colour, label=f"{layer['name']} ({layer['activation']})"))
        x += counts.shape[0] + 1
    ax.axhline(m, color="black", linestyle="--", linewidth=1)
    handles.append(Patch(facecolor="none", edgecolor="black", linestyle="--",
                         label=f"all {m} examples"))
    ax.set_xticks(ticks, tick_labels, rotation=0 if len(ticks) <= 8 else 60, fontsize=9)
    ax.set_ylim(0, m * 1.3)
    ax.set_xlabel("unit (grouped by layer; the shapes of each layer's matrix product above)")
    ax.set_ylabel("examples the unit processed (traced)")
    ax.set_title(f"One forward pass of {m} examples: how many each unit processed")
    fig.legend(handles=handles, loc="outside right upper", fontsize=9)
    return fig


def figures(result: ExperimentResult) -> dict[str, Figure]:
    """``epochs``: loss on all examples after each epoch, per batch size; ``updates``: the
    same against optimizer updates (log scale); ``units``: examples each unit processed in
    one traced forward pass, with each layer's matrix shapes."""
    return {
        "epochs": _epoch_figure(result),
        "updates": _step_figure(result),
        "units": _units_figure(result),
    }


def captions(result: ExperimentResult) -> dict[str, str]:
    runs = result.numbers["runs"]
    summary = "; ".join(f"{label}: {r['updates']:,} updates, final loss {r['final_loss']:.3f}"
                        for label, r in runs.items())
    return {
        "epochs": (f"Loss on all {result.params['n_examples']} examples after each epoch. "
                   f"Every epoch shows every example to every unit; the batch size only sets "
                   f"how many optimizer steps it takes ({summary})."),
        "updates": ("The same runs against the number of optimizer updates: a full batch "
                    "makes one careful step per epoch, single examples make many noisy ones."),
        "units": ("Each bar is one unit; its height is the number of examples it computed an "
                  "output for in one forward pass (read from the traced pre-activations). "
                  f"{result.numbers['big_sentence']}"),
    }
