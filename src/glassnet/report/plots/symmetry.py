"""Pictures for the ``symmetry`` experiment (Q1): loss, distinct units, gradients, weights.

Drawn from ``result.data`` only. matplotlib is imported inside :func:`figures`; the figures
are plain ``matplotlib.figure.Figure`` objects (no pyplot, no global state), rendered by the
Agg canvas when saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...lab import ExperimentResult

__all__ = ["captions", "figures"]

# Okabe-Ito colours (readable for colour-blind readers), one per initialization
COLOURS = {
    "zeros": "#000000",
    "constant": "#D55E00",
    "small": "#CC79A7",
    "normal_x10": "#E69F00",
    "glorot": "#56B4E9",
    "he": "#009E73",
}
STYLES = {"zeros": "-", "constant": "--", "small": ":", "normal_x10": "-.", "glorot": "-",
          "he": "--"}


def _colour(key: str) -> str:
    return COLOURS.get(key, "#0072B2")


def _loss_figure(result: ExperimentResult) -> Figure:
    from matplotlib.figure import Figure

    data = result.data
    fig = Figure(figsize=(11, 5.2), layout="constrained")
    ax = fig.subplots()
    for key, loss in data["loss"].items():
        steps = np.arange(1, loss.shape[0] + 1)
        ax.plot(steps, loss, STYLES.get(key, "-"), color=_colour(key), linewidth=1.8,
                label=data["labels"][key])
    for key, loss in data.get("course_loss", {}).items():
        steps = np.arange(1, loss.shape[0] + 1)
        ax.plot(steps, loss, ":", color=_colour(key), linewidth=1.2, alpha=0.8,
                label=f"{data['labels'].get(key, key)}, the course's draws")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("iteration (full-batch gradient-descent step, log scale)")
    ax.set_ylabel("training cost (binary cross-entropy, log scale)")
    ax.set_title(f"Cost during {result.params['iterations']:,} steps, one curve per "
                 f"initialization")
    ax.grid(which="major", alpha=0.3)
    fig.legend(fontsize=8, loc="outside right upper", title="initialization")
    return fig


def _distinct_figure(result: ExperimentResult) -> Figure:
    from matplotlib.figure import Figure

    data = result.data
    keys = list(data["k_curves"])
    fig = Figure(figsize=(10, 4.6), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True)
    # a small vertical offset per initialization keeps equal lines from hiding each other
    offsets = {k: (i - (len(keys) - 1) / 2) * 0.06 for i, k in enumerate(keys)}
    for ax, layer in zip(axes, ("L1", "L2")):
        n = max(int(data["n_units"][k][layer]) for k in keys)
        for key in keys:
            epochs = np.maximum(data["k_epochs"][key], 1)
            k = data["k_curves"][key][layer] + offsets[key]
            ax.step(epochs, k, where="post", color=_colour(key), linestyle=STYLES.get(key, "-"),
                    linewidth=2, label=data["labels"][key])
        ax.set_xscale("log")
        ax.set_ylim(0, n + 1)
        ax.set_yticks(range(0, n + 1))
        ax.set_xlabel("iteration (log scale; the first point is the start)")
        ax.set_ylabel(f"distinct units (of {n})")
        ax.set_title(f"{layer}: distinct units during training")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="center right")
    collapsed = [data["labels"][k] for k in keys
                 if all(int(np.max(data["k_curves"][k][layer])) == 1
                        for layer in ("L1", "L2"))]
    if collapsed:
        title = (f"Units that start identical stay identical: {' and '.join(collapsed)} "
                 f"keep{'s' if len(collapsed) == 1 else ''} 1 distinct unit per layer throughout")
    else:
        title = "Distinct units per hidden layer during training"
    fig.suptitle(title, fontweight="bold")
    return fig


def _gradient_figure(result: ExperimentResult) -> Figure:
    from matplotlib.figure import Figure

    data = result.data
    fig = Figure(figsize=(9, 5), layout="constrained")
    ax = fig.subplots()
    zero_keys = []
    for key, curves in data["grad_curves"].items():
        g = curves["L1"]
        epochs = np.maximum(data["record_epochs"][key], 1)
        if np.all(g == 0):
            zero_keys.append(data["labels"][key])
            continue
        ax.plot(epochs, np.where(g > 0, g, np.nan), STYLES.get(key, "-"), color=_colour(key),
                linewidth=1.8, marker="o", markersize=2.5, label=data["labels"][key])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("iteration (log scale; the first point is the start)")
    ax.set_ylabel("||grad W1|| (L1, Frobenius norm, log scale)")
    ax.set_title("First-layer weight-gradient norm during training")
    ax.grid(which="major", alpha=0.3)
    if zero_keys:
        ax.text(0.02, 0.03, f"{', '.join(zero_keys)}: exactly 0 at every record "
                f"(not drawable on a log scale)", transform=ax.transAxes, fontsize=9,
                bbox={"facecolor": "white", "edgecolor": "#999999"})
    ax.legend(fontsize=8, loc="upper right")
    return fig


def _weights_figure(result: ExperimentResult) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    data = result.data
    keys = list(data["W1_end"])
    cols = min(3, len(keys))
    rows = int(np.ceil(len(keys) / cols))
    fig = Figure(figsize=(3.6 * cols, 3.5 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, key in zip(axes, keys):
        W0, W1 = data["W1_start"][key], data["W1_end"][key]
        lim = max(float(np.abs(W1).max()), float(np.abs(W0).max())) * 1.15 or 1.0
        for j in range(W1.shape[1]):  # one arrow per unit (at most a few dozen)
            ax.annotate("", xy=(W0[0, j], W0[1, j]), xytext=(0, 0),
                        arrowprops={"arrowstyle": "->", "color": "#999999", "lw": 1})
            ax.annotate("", xy=(W1[0, j], W1[1, j]), xytext=(0, 0),
                        arrowprops={"arrowstyle": "->", "color": _colour(key), "lw": 1.6})
        k_end = int(data["k_curves"][key]["L1"][-1])
        if not np.any(W1) and not np.any(W0):
            ax.text(0.5, 0.6, "every weight is 0\nat the start and the end:\nno arrow to draw",
                    transform=ax.transAxes, ha="center", va="center", fontsize=9)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.axhline(0, color="#cccccc", linewidth=0.6)
        ax.axvline(0, color="#cccccc", linewidth=0.6)
        n = W1.shape[1]
        note = f" ({n} arrows on top of each other)" if k_end == 1 and n > 1 and np.any(W1) \
            else ""
        ax.set_title(f"{data['labels'][key]}\n{k_end} distinct of {n}{note}", fontsize=9)
        ax.set_xlabel("weight from x1")
        ax.set_ylabel("weight from x2")
        ax.legend(handles=[Line2D([], [], color="#999999", label="start"),
                           Line2D([], [], color=_colour(key), label="end")],
                  fontsize=7, loc="lower right")
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    fig.suptitle("Each L1 unit's incoming weights (w1, w2): start and end",
                 fontweight="bold")
    return fig


def figures(result: ExperimentResult) -> dict[str, Figure]:
    """``loss``: cost curves per initialization (log-log); ``distinct``: distinct units per
    hidden layer over training; ``gradients``: L1 gradient norm over training;
    ``weights``: each L1 unit's weight vector at the start and the end."""
    return {
        "loss": _loss_figure(result),
        "distinct": _distinct_figure(result),
        "gradients": _gradient_figure(result),
        "weights": _weights_figure(result),
    }


def captions(result: ExperimentResult) -> dict[str, str]:
    inits: dict[str, Any] = result.numbers["inits"]

    def num(v: Any) -> str:
        return v if isinstance(v, str) else format(v, ".4g")

    return {
        "loss": ("Training cost per iteration (log-log). " + "; ".join(
            f"{v['label']}: {num(v['first_cost'])} -> {num(v['final_cost'])}"
            for v in inits.values()) + "."),
        "distinct": ("Distinct units in each hidden layer, measured by the symmetry meter on "
                     "the training set (weights, bias and activations equal within "
                     f"{result.params.get('tol', 1e-6):g}); lines are offset slightly so that "
                     "equal counts stay visible."),
        "gradients": ("Norm of the L1 weight gradient at the recorded iterations "
                      "(NeuronRecorder); a zero start gives exactly 0 throughout."),
        "weights": ("Arrows: each L1 unit's incoming weights as a point in the input "
                    "plane (grey: start, colour: end). Units that start equal end equal."),
    }
