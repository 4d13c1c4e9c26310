"""Pictures for the ``unitwise`` experiment (Q3, the learner's alternative): the loss of the
three ways of training against gradient evaluations, and a hidden unit's gradient against its
outgoing weight."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ...lab.unitwise import JOINT, LAYERS, UNITS

if TYPE_CHECKING:
    from ...lab import ExperimentResult

__all__ = ["captions", "figures"]

_COLOURS = {JOINT: "#1b9e77", UNITS: "#d95f02", LAYERS: "#7570b3"}
_UNIT_COLOURS = ("#1f78b4", "#e31a1c", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928")


def _curves(result: ExperimentResult) -> Figure:
    n = result.numbers
    data = result.data
    fig = Figure(figsize=(9.5, 6.4), layout="constrained")
    ax, bars = fig.subplots(2, 1, height_ratios=[3.2, 1.2])
    for method, curve in data["curves"].items():
        ax.plot(np.arange(curve.size), curve, color=_COLOURS[method], linewidth=2,
                label=f"{method}: {curve[-1]:.3f}")
    for k, curve in data["visit_curves"].items():
        if k != n["steps_per_visit"]:
            ax.plot(np.arange(curve.size), curve, color=_COLOURS[UNITS], linewidth=1,
                    alpha=0.55, linestyle=":" if k > n["steps_per_visit"] else "--",
                    label=f"unit by unit, {k} step{'s' if k != 1 else ''} per visit: "
                          f"{curve[-1]:.3f}")
    for phase in data["phases"][1:]:
        ax.axvline(phase["first_pass"], color=_COLOURS[LAYERS], linewidth=0.8,
                   linestyle="--", alpha=0.7)
        ax.annotate(f"layer by layer: {phase['layer']} starts moving",
                    (phase["first_pass"], 0), xycoords=("data", "axes fraction"),
                    xytext=(4, 4), textcoords="offset points", va="bottom", fontsize=8,
                    color=_COLOURS[LAYERS])
    reach = n["joint_passes_to_unit_loss"]
    if reach is not None:
        ax.plot([reach], [n["unit_loss"]], marker="o", color=_COLOURS[JOINT])
        ax.annotate(f"joint reaches the unit-by-unit end\nafter {reach:,} passes",
                    (reach, n["unit_loss"]), xytext=(10, -30), textcoords="offset points",
                    fontsize=8, color=_COLOURS[JOINT])
        ax.axhline(n["unit_loss"], color=_COLOURS[UNITS], linewidth=0.6, alpha=0.5)
    ax.set_ylim(0, n["start_loss"] * 1.35)  # room above the curves for the legend
    ax.set_xlim(0, n["budget"])
    ax.set_xlabel("gradient evaluations (full-batch forward + backward passes)")
    ax.set_ylabel("loss (binary cross-entropy, all examples)")
    ax.set_title(f"Same network, data and start; {n['budget']:,} passes each "
                 f"(plain gradient descent, learning rate {n['learning_rate']:g})")
    ax.legend(fontsize=8, loc="upper right", title="method: loss at the end",
              title_fontsize=8)
    ax.grid(alpha=0.3)

    methods = list(data["curves"])
    moved = [float(np.mean(data["moved_per_pass"][m])) for m in methods]
    y = np.arange(len(methods))[::-1]
    bars.barh(y, [n["parameters"]] * len(methods), color="#dddddd", height=0.6,
              label="gradient entries computed per pass")
    bars.barh(y, moved, color=[_COLOURS[m] for m in methods], height=0.6,
              label="parameters moved per pass (mean)")
    for yi, v in zip(y, moved):
        bars.text(v + 0.15, yi, f"{v:.2f} of {n['parameters']}", va="center", fontsize=8)
    bars.set_yticks(y, methods, fontsize=8)
    bars.set_xlim(0, n["parameters"] * 1.25)
    bars.set_xlabel("parameters (each pass computes every gradient entry; grey: the "
                    "part a method computed and did not use)")
    bars.set_title("What each pass paid for, and what it moved")
    fig.suptitle("Trained together, one unit at a time, or one layer at a time",
                 fontweight="bold")
    return fig


def _target(result: ExperimentResult) -> Figure:
    n = result.numbers
    data = result.data
    sweep = np.asarray(data["sweep"])
    norms = np.asarray(data["sweep_grad_norm"])
    fig = Figure(figsize=(9.5, 4.3), layout="constrained")
    ax = fig.subplots()
    for j in range(norms.shape[0]):
        colour = _UNIT_COLOURS[j % len(_UNIT_COLOURS)]
        ax.plot(sweep, norms[j], color=colour, linewidth=1.8, label=f"L1/{j}")
        w = data["outgoing_weights"][j]
        ax.plot([w], [data["init_grad_norms"][j]], marker="o", color=colour)
    zero = int(np.flatnonzero(sweep == 0.0)[0])
    ax.plot(np.zeros(norms.shape[0]), norms[:, zero], linestyle="none", marker="x",
            color="black", markersize=9, label="outgoing weight 0: gradient exactly "
                                               f"{float(norms[:, zero].max()):g}")
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("the unit's outgoing weight W2[j] (all other weights at the start; "
                  "dot: its initial value)")
    ax.set_ylabel("|gradient| of the unit's weights and bias")
    ax.set_title("A hidden unit's gradient comes only through the layer above: it grows with "
                 "its outgoing weight, and is 0 at 0")
    ax.set_ylim(0, None)
    ax.legend(fontsize=8, title="hidden unit", title_fontsize=8, loc="upper center")
    ax.grid(alpha=0.3)
    fig.suptitle(f"No target of its own (chain rule vs the engine: largest difference "
                 f"{n['chain_rule_max_diff']:.0e})", fontweight="bold")
    return fig


def figures(result: ExperimentResult) -> dict[str, Figure]:
    """``curves``: loss against gradient evaluations for the three ways, and what each pass
    moved; ``target``: each hidden unit's gradient against its outgoing weight."""
    return {"curves": _curves(result), "target": _target(result)}


def captions(result: ExperimentResult) -> dict[str, str]:
    n = result.numbers
    reach = n["joint_passes_to_unit_loss"]
    reached = (f"joint training got there after {reach:,}" if reach is not None
               else "joint training never got there")
    return {
        "curves": (
            f"Loss against the number of gradient evaluations, from the same start. Every "
            f"evaluation is a full forward and backward pass through the engine; joint "
            f"training moves all {n['parameters']} parameters after each, unit by unit moves "
            f"one unit ({n['unit_moved_per_pass']:.2f} parameters on average), layer by layer "
            f"one layer. Unit by unit ended at {n['unit_loss']:.3f} after {n['budget']:,} "
            f"passes; {reached}. The dashed line marks where the layer-by-layer run stops "
            f"fitting L1 and starts fitting L2."
        ),
        "target": (
            "Each hidden unit's gradient at the start, as its outgoing weight is swept with "
            "everything else fixed: the loss is measured at the output, so a hidden unit is "
            "pulled only through the weight that carries its activation there. At weight 0 "
            f"the gradient is exactly {max(n['zero_weight_grad_norms']):g}: fitted alone, "
            f"the unit moved {n['zero_weight_moved']} parameters in "
            f"{n['zero_weight_steps']} steps."
        ),
    }
