"""Pictures for the ``vectorize`` experiment (Q3): the times, and the parameters one step moved."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ...lab.vectorize import format_duration

if TYPE_CHECKING:
    from ...lab import ExperimentResult

__all__ = ["captions", "figures"]

_SLOW = "#d95f02"  # loops
_FAST = "#1b9e77"  # matrix form / np.dot
_LAYER_COLOURS = ("#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")


def _time_bars(ax: Any, times: dict[str, float], fastest_label: str, title: str) -> None:
    """Horizontal bars on a linear axis starting at 0, so a bar's length is its time (a 300x
    slower form is a 300x longer bar); each is labelled with its time and its ratio. The
    fast forms are then slivers, which is the point; their labels say their times."""
    labels = list(times)
    values = [times[k] for k in labels]
    base = times[fastest_label]
    colours = [_FAST if v <= 2 * base else _SLOW for v in values]
    y = list(range(len(labels)))[::-1]
    ax.barh(y, values, color=colours, height=0.6)
    top = max(values)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, top * 1.3)
    for yi, v in zip(y, values):
        ratio = f"{v / base:,.0f}x" if v / base >= 10 else f"{v / base:.1f}x"
        ax.text(v + top * 0.01, yi, f"{format_duration(v)}  ({ratio})", va="center",
                fontsize=9)
    ax.xaxis.set_major_formatter(lambda x, _pos: format_duration(x) if x > 0 else "0")
    ax.set_xlabel("time per run (best of repeats; linear scale: bar length = time)")
    ax.set_title(title)
    ax.grid(axis="x", which="major", alpha=0.3)


def figures(result: ExperimentResult) -> dict[str, Figure]:
    """``times``: the four layer forms and the dot product, log scale;
    ``step``: the change of every parameter in one optimizer step."""
    n = result.numbers
    layer_fig = Figure(figsize=(9.5, 5.2), layout="constrained")
    top, bottom = layer_fig.subplots(2, 1, height_ratios=[4, 2.2])
    _time_bars(top, result.data["layer_seconds"], "matrix form",
               f"One layer: {n['m']:,} examples x {n['n_in']} inputs -> {n['units']} units "
               f"(ratio to the matrix form)")
    _time_bars(bottom, result.data["dot_seconds"], "np.dot",
               f"Dot product of two {n['dot_n']:,}-element vectors (ratio to np.dot)")
    layer_fig.suptitle("Same numbers, very different speed: Python loops vs the matrix form",
                       fontweight="bold")

    params = result.data["step_parameters"]
    step_fig = Figure(figsize=(9.5, 4.2), layout="constrained")
    ax = step_fig.subplots()
    layers = list(dict.fromkeys(p["layer"] for p in params))
    colour = {name: _LAYER_COLOURS[i % len(_LAYER_COLOURS)] for i, name in enumerate(layers)}
    xs = range(len(params))
    ax.bar(xs, [p["change"] for p in params], color=[colour[p["layer"]] for p in params])
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(list(xs), [p["name"] for p in params], rotation=60, ha="right", fontsize=8)
    ax.set_xlabel("parameter (W[input, unit], b[unit])")
    ax.set_ylabel("change in one step = -gradient")
    ax.legend(handles=[Patch(color=colour[name], label=name) for name in layers],
              title="layer", loc="upper right", fontsize=8)
    ax.set_title(f"One gradient-descent step changed {n['params_changed']} of "
                 f"{n['params_total']} parameters, in all layers at once")
    return {"times": layer_fig, "step": step_fig}


def captions(result: ExperimentResult) -> dict[str, str]:
    n = result.numbers
    return {
        "times": (
            f"Time per run of each form (linear scale). The loops compute the same numbers as "
            f"the matrix form (largest difference {n['max_abs_diff']:.1e}); the matrix form "
            f"is {n['speedup_vs_loop']:,.0f}x faster than the double loop, np.dot "
            f"{n['dot_speedup']:,.0f}x faster than the Python loop. BLAS threads: "
            f"{result.params.get('blas_threads', '?')}."
        ),
        "step": (
            "Every parameter of the course's coffee network (2-3-1, sigmoid) moved in one "
            "step of plain gradient descent (learning rate 1, so each bar is minus that "
            "parameter's gradient), computed from one forward and one backward pass over the "
            "whole batch: no unit and no layer is trained on its own. The changes differ in "
            "size because the gradients do."
        ),
    }
