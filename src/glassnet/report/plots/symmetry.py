"""Pictures for the ``symmetry`` experiment (Q1): loss, distinct units, gradients, weights.

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
    """One panel per initialization (curves that sit on top of each other at ln 2 would hide
    one another on a single axes), on a shared log scale, with ln 2 marked."""
    from matplotlib.figure import Figure

    data = result.data
    keys = list(data["loss"])
    cols = min(3, len(keys))
    rows = -(-len(keys) // cols)
    fig = Figure(figsize=(4.1 * cols, 3.2 * rows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True,
                                      squeeze=False)).ravel()
    every = [v for v in data["loss"].values()] + list(data.get("course_loss", {}).values())
    top = max(float(np.nanmax(v)) for v in every)
    low = min(float(np.nanmin(v[v > 0])) for v in every if np.any(v > 0))
    ln2 = float(np.log(2))
    for ax, key in zip(axes, keys):
        loss = data["loss"][key]
        steps = np.arange(1, loss.shape[0] + 1)
        ax.axhline(ln2, color="#888888", linestyle=":", linewidth=1)
        ax.plot(steps, loss, color=_colour(key), linewidth=2, zorder=3,
                label="glassnet's draws")
        course = data.get("course_loss", {}).get(key)
        if course is not None:  # beneath, thin and pale: it must not hide glassnet's curve
            ax.plot(np.arange(1, course.shape[0] + 1), course, "-", color="#999999",
                    linewidth=0.9, alpha=0.8, zorder=2, label="the course's draws")
            ax.legend(fontsize=7, loc="upper right")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(low / 1.5, top * 1.5)
        ax.set_title(f"{data['labels'][key]}\ncost {loss[0]:.4g} -> {loss[-1]:.4g}", fontsize=9)
        ax.grid(which="major", alpha=0.3)
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    minor_ticks_as_marks(axes[:len(keys)])
    axes[0].annotate("ln 2 = 0.693: the cost of\npredicting 0.5 for everything",
                     xy=(1.2, ln2), xytext=(1.2, ln2 * 6), fontsize=7, color="#555555",
                     arrowprops={"arrowstyle": "->", "color": "#888888"})
    fig.supxlabel("full-batch gradient-descent step (log scale)")
    fig.supylabel("training cost (binary cross-entropy, log scale)")
    fig.suptitle(f"Cost during {result.params['iterations']:,} steps, one panel per "
                 f"initialization", fontweight="bold")
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
    minor_ticks_as_marks(axes)
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
    """The L1 weight-gradient norm at each record: the start as its own marker, then the
    records during training joined by lines (nothing is drawn between the start and the
    first record, where nothing was measured)."""
    from matplotlib.figure import Figure

    data = result.data
    fig = Figure(figsize=(10, 5), layout="constrained")
    ax = fig.subplots()
    zero_keys = []
    for key, curves in data["grad_curves"].items():
        g = curves["L1"]
        steps = np.asarray(data["record_epochs"][key])
        if np.all(g == 0):
            zero_keys.append(data["labels"][key])
            continue
        g = np.where(g > 0, g, np.nan)
        ax.plot(steps[1:], g[1:], STYLES.get(key, "-"), color=_colour(key), linewidth=1.8,
                label=data["labels"][key])
        ax.plot([max(1, int(steps[1]) // 4) if steps.shape[0] > 1 else 1], [g[0]], "o",
                color=_colour(key), markersize=6, markeredgecolor="black")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step (log scale); the circles on the left are the start, before any step")
    ax.set_ylabel("||grad W|| of L1 (Frobenius norm, log scale)")
    ax.set_title("L1 weight-gradient norm during training")
    ax.grid(which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="initialization")
    minor_ticks_as_marks([ax])
    if zero_keys:  # a figure-level label, so that the layout keeps room for it
        fig.supxlabel(f"Not drawn: {', '.join(zero_keys)} (exactly 0 at every record, "
                      f"which a log scale cannot show).", fontsize=9, x=0.01, ha="left")
    return fig


def _sgd_figure(result: ExperimentResult) -> Figure:
    """Distinct L1 units over training: a constant start under shuffled mini-batch SGD and
    under full-batch descent, and a random (He) start under full-batch descent."""
    from matplotlib.figure import Figure

    runs = result.data["sgd_check"]
    n = int(result.data["n_units"]["constant"]["L1"])
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    styles = {
        "constant_sgd": (left, _colour("constant"), "-", 7, 0.35),
        "constant_gd": (left, "#000000", "--", 1.6, 1.0),
        "he_gd": (right, _colour("he"), "-", 2.2, 1.0),
    }
    for key, (ax, colour, style, width, alpha) in styles.items():
        run = runs[key]
        steps = np.maximum(np.asarray(run["steps"]), 1)
        ax.step(steps, run["k"]["L1"], where="post", color=colour, linestyle=style,
                linewidth=width, alpha=alpha, label=run["label"])
    for ax, title in ((left, "constant 0.5 start: all units equal"),
                      (right, "He start: random, all units different")):
        ax.set_xscale("log")
        ax.set_ylim(0, n + 1)
        ax.set_yticks(range(0, n + 1))
        ax.set_xlabel("optimizer step (log scale)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="center right")
    minor_ticks_as_marks((left, right))
    left.set_ylabel(f"distinct L1 units (of {n})")
    fig.suptitle("Shuffled mini-batch SGD does not break the symmetry; a random start does, "
                 "even under deterministic full-batch descent", fontweight="bold", fontsize=11)
    return fig


def _arrows(W: np.ndarray, lim: float, colour: str, width: float) -> Any:
    """Open-headed arrows ("->") from the origin to each column of ``W`` (2, n), as one
    LineCollection, for an equal-aspect panel spanning ``-lim..lim``: the head is about
    4 x 2 points, as matplotlib's "->" arrow at its default size in these panels."""
    from matplotlib.collections import LineCollection

    tips = np.asarray(W, dtype=np.float64).T  # (n, 2)
    length = np.hypot(tips[:, 0], tips[:, 1])
    tips, length = tips[length > 0], length[length > 0]  # a zero vector has no arrow
    along = tips / length[:, None]
    across = np.stack([-along[:, 1], along[:, 0]], axis=1)
    head_len, head_half = 0.045 * lim, 0.0225 * lim
    back = tips - head_len * along
    segments = [np.array([[0.0, 0.0], tip]) for tip in tips]
    segments += [np.array([b + head_half * c, tip, b - head_half * c])
                 for tip, b, c in zip(tips, back, across)]
    return LineCollection(segments, colors=colour, linewidths=width, zorder=3,
                          capstyle="butt", joinstyle="miter")


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
        # one arrow per unit, all of a colour in one collection (an annotation per arrow
        # made this the slowest figure of the report)
        ax.add_collection(_arrows(W0[:2], lim, "#999999", 1.0), autolim=False)
        ax.add_collection(_arrows(W1[:2], lim, _colour(key), 1.6), autolim=False)
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
    ``weights``: each L1 unit's weight vector at the start and the end; ``sgd`` (when the
    run made the check): distinct L1 units under shuffled SGD vs full-batch descent."""
    out = {
        "loss": _loss_figure(result),
        "distinct": _distinct_figure(result),
        "gradients": _gradient_figure(result),
        "weights": _weights_figure(result),
    }
    if "sgd_check" in result.data:
        out["sgd"] = _sgd_figure(result)
    return out


def captions(result: ExperimentResult) -> dict[str, str]:
    inits: dict[str, Any] = result.numbers["inits"]

    def num(v: Any) -> str:
        return v if isinstance(v, str) else format(v, ".4g")

    return {
        "sgd": ("Does symmetry breaking rely on stochastic gradient descent? Left: the constant "
                "0.5 start trained with shuffled mini-batch SGD (wide pale line; a new random "
                "order of the examples every epoch) and with full-batch gradient descent "
                "(dashed): 1 distinct unit throughout. Right: the He start trained with "
                "deterministic full-batch descent: every unit distinct throughout."),
        "loss": ("Training cost per step, one panel per initialization (log-log; the dotted "
                 "line is ln 2). " + "; ".join(
            f"{v['label']}: {num(v['first_cost'])} -> {num(v['final_cost'])}"
            for v in inits.values()) + "."),
        "distinct": ("Distinct units in each hidden layer, measured by the symmetry meter on "
                     "the training set (weights, bias and activations equal within "
                     f"{result.params.get('tol', 1e-6):g}); lines are offset slightly so that "
                     "equal counts stay visible."),
        "gradients": ("Norm of the L1 weight gradient at the recorded steps (NeuronRecorder); "
                      "the circles are the start, before any step; a zero start gives exactly "
                      "0 throughout and is not drawn on the log scale."),
        "weights": ("Arrows: each L1 unit's incoming weights as a point in the input "
                    "plane (grey: start, colour: end). Units that start equal end equal."),
    }
