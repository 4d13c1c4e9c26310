"""Pictures of the division-of-labor experiment (``glassnet.lab.labor.run_labor``).

- ``weights``      every L1 unit's incoming weights as an 8x8 image, with its preferred
                   class and its ablation importance
- ``ablation``     how much the test loss rises when each unit is silenced, both hidden layers
- ``selectivity``  mean response of every L1 unit to every class (units x classes)
- ``top_examples`` the test digits that excite the most important units most
- ``coffee``       each coffee unit's activation over the (temperature, duration) plane
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...lab import ExperimentResult

__all__ = ["captions", "figures"]


def _figure(width: float, height: float) -> Figure:
    """A pyplot-free figure: nothing global is touched, and saving it as PNG uses Agg."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _weights(result: ExperimentResult) -> Figure:
    d = result.data
    images = np.asarray(d["weight_images"])
    n = images.shape[0]
    dead = set(int(j) for j in d["dead"])
    live = np.asarray(d["live"], dtype=bool)
    inc = np.asarray(d["loss_increase"])
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    fig = _figure(1.55 * cols + 1.2, 1.7 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False)
    limit = float(np.abs(images).max()) or 1.0
    im = None
    for j, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if j >= n:
            ax.set_axis_off()
            continue
        im = ax.imshow(images[j], cmap="RdBu_r", vmin=-limit, vmax=limit)
        if j in dead or not live[j]:
            label = f"unit {j}: {'dead' if j in dead else 'silent on test'}"
            ax.set_title(label, fontsize=8, color="0.45")
        else:
            label = f"unit {j}: pref {int(d['preferred'][j])}\nimportance {inc[j]:.3f}"
            ax.set_title(label, fontsize=8)
    assert im is not None
    fig.colorbar(im, ax=axes, shrink=0.6, label="incoming weight (red +, blue -)")
    fig.supxlabel("pixel column (8x8 image)")
    fig.supylabel("pixel row")
    fig.suptitle("Each L1 unit's incoming weights as an image, with its preferred "
                 "class and importance (test-loss rise when silenced)")
    return fig


def _ablation(result: ExperimentResult) -> Figure:
    from matplotlib.patches import Patch

    d = result.data
    inc1 = np.asarray(d["loss_increase"])
    inc2 = np.asarray(d["loss_increase_layer2"])
    dead2 = set(map(int, d["dead_layer2"]))
    layers = [("L1 (first hidden layer)", inc1, set(map(int, d["dead"])),
               np.asarray(d["live"], dtype=bool)),
              ("L2 (second hidden layer)", inc2, dead2,
               np.array([j not in dead2 for j in range(inc2.size)], dtype=bool))]
    fig = _figure(11, 6.5)
    axes = fig.subplots(2, 1)
    live_colour, dead_colour = "#1f77b4", "#b0b0b0"
    for ax, (title, inc, dead, live) in zip(axes, layers):
        order = np.argsort(-inc, kind="stable")
        colours = [dead_colour if j in dead else live_colour for j in order]
        ax.bar(np.arange(inc.size), inc[order], color=colours)
        dead_pos = [p for p, j in enumerate(order) if j in dead]
        ax.scatter(dead_pos, np.zeros(len(dead_pos)), marker="x", color="0.4", zorder=3)
        ax.set_xticks(np.arange(inc.size), [str(j) for j in order], fontsize=8)
        median = float(np.median(inc[live])) if live.any() else 0.0
        ax.axhline(median, color="#d62728", linestyle="--", linewidth=1)
        ax.set_xlabel("unit (sorted by importance)")
        ax.set_ylabel("test-loss increase")
        ax.set_title(f"{title}: silencing one unit at a time")
        ax.legend(handles=[Patch(color=live_colour, label="live unit"),
                           Patch(color=dead_colour, label="dead unit (x: no effect)"),
                           Patch(color="#d62728", label=f"median of live units ({median:.3f})")],
                  loc="upper right", fontsize=8)
    fig.suptitle(f"Ablation importance (base test loss {float(d['base_loss']):.3f}): "
                 f"a few units matter far more than the rest")
    return fig


def _selectivity(result: ExperimentResult) -> Figure:
    d = result.data
    response = np.asarray(d["class_response"], dtype=np.float64)
    n, k = response.shape
    peak = response.max(axis=1, keepdims=True)
    norm = np.divide(response, peak, out=np.zeros_like(response), where=peak > 0)
    fig = _figure(7.5, 0.28 * n + 2.2)
    ax = fig.subplots()
    im = ax.imshow(norm, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    active = peak[:, 0] > 0
    rows = np.flatnonzero(active)
    ax.scatter(np.asarray(d["preferred"])[rows], rows, marker="o", s=30, facecolors="none",
               edgecolors="#e8001c", linewidths=1.5, label="preferred class")
    dead = set(map(int, d["dead"]))
    labels = [f"unit {j} (dead)" if j in dead else f"unit {j} (silent)" if not active[j] else
              f"unit {j} (SI {float(d['selectivity'][j]):.2f})" for j in range(n)]
    ax.set_yticks(np.arange(n), labels, fontsize=7)
    ax.set_xticks(np.arange(k), [str(c) for c in range(k)])
    ax.set_xlabel("digit class (red circle: the unit's preferred class)")
    ax.set_ylabel("L1 unit (selectivity index)")
    fig.colorbar(im, ax=ax, label="mean activation in the class / unit's largest class mean")
    ax.set_title("Class selectivity: what each unit responds to (1 = its strongest class)")
    return fig


def _top_examples(result: ExperimentResult, n_units: int = 6) -> Figure:
    d = result.data
    inc = np.asarray(d["loss_increase"])
    top = np.asarray(d["top_examples"])
    images = np.asarray(d["test_images"])
    labels = np.asarray(d["test_labels"])
    units = np.argsort(-inc, kind="stable")[:n_units]
    k = top.shape[1]
    fig = _figure(1.0 * k + 1.6, 1.15 * len(units) + 0.8)
    axes = fig.subplots(len(units), k, squeeze=False)
    for r, j in enumerate(units):
        for c in range(k):
            ax = axes[r, c]
            idx = int(top[j, c])
            ax.imshow(images[idx], cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"label {int(labels[idx])}", fontsize=7)
        shown = np.bincount(labels[top[j]], minlength=10)
        common = int(np.argmax(shown))
        pref = int(d["preferred"][j])
        axes[r, 0].set_ylabel(
            f"unit {int(j)}\nhighest mean\nresponse: {pref}s\n"
            + (f"top {k}: {shown[common]} x {common}" if common != pref
               else f"top {k}: {shown[pref]} x {pref}"),
            fontsize=7, rotation=0, ha="right", va="center", labelpad=6)
    fig.supxlabel("test examples, strongest activation first\n"
                  "'highest mean response' is the class the unit fires for most on average "
                  "(its selectivity); the few digits\nthat excite it most can be another class: "
                  "a unit fires on many 7s a little and on some 5s a lot, and prefers 7 on "
                  "average", fontsize=8)
    fig.supylabel("most important L1 units")
    fig.suptitle("The test digits that excite the most important units most")
    return fig


def _coffee(result: ExperimentResult) -> Figure:
    d = result.data
    xx, yy, maps = d["coffee_xx"], d["coffee_yy"], np.asarray(d["coffee_maps"])
    X, y = np.asarray(d["coffee_X"]), np.asarray(d["coffee_y"])
    w_out = np.asarray(d["coffee_w_out"])
    fig = _figure(14, 4.4)
    axes = fig.subplots(1, maps.shape[2], squeeze=False)[0]
    good = y > 0.5
    mesh = None
    for j, ax in enumerate(axes):
        mesh = ax.pcolormesh(xx, yy, maps[:, :, j], cmap="viridis", vmin=0, vmax=1,
                             shading="auto")
        ax.scatter(X[~good, 0], X[~good, 1], s=14, marker="o", facecolors="white",
                   edgecolors="black", linewidths=0.6, label="bad roast")
        ax.scatter(X[good, 0], X[good, 1], s=30, marker="^", color="#e8001c",
                   edgecolors="black", linewidths=0.6, label="good roast")
        ax.set_xlabel("temperature (deg C)")
        ax.set_ylabel("duration (minutes)")
        side = "low (dark)" if w_out[j] > 0 else "high (bright)"
        # folded to the panel's width: a long description must not run into the next title
        ax.set_title(textwrap.fill(
            f"unit {j} (outgoing weight {w_out[j]:+.1f}): where its activation is {side} it "
            f"votes 'bad roast': {d['coffee_descriptions'][j]}", width=58), fontsize=9)
        ax.legend(loc="upper right", fontsize=7, framealpha=0.85)
    assert mesh is not None
    fig.colorbar(mesh, ax=list(axes), label="unit activation (sigmoid)")
    fig.suptitle("Coffee roasting: each hidden unit's activation over the input plane")
    return fig


def figures(result: ExperimentResult) -> dict[str, Figure]:
    """The experiment's figures, keyed ``weights``, ``ablation``, ``selectivity``,
    ``top_examples``, ``coffee``."""
    return {
        "weights": _weights(result),
        "ablation": _ablation(result),
        "selectivity": _selectivity(result),
        "top_examples": _top_examples(result),
        "coffee": _coffee(result),
    }


def captions(result: ExperimentResult) -> dict[str, Any]:
    """One line under each figure, with the numbers it shows."""
    n = result.numbers
    return {
        "weights": (f"{n['units']} L1 units, {n['dead_units']} dead; their preferred "
                    f"classes cover {n['preferred_classes']} of 10 digits. Red pixels excite "
                    f"the unit, blue ones inhibit it."),
        "ablation": (f"Silencing one L1 unit raises the test loss by "
                     f"{n['ablation_min']:.3f} to {n['ablation_max']:.3f} (live units)."),
        "selectivity": (f"Mean selectivity {n['selectivity_mean']:.2f} (0 = same for every "
                        f"class, 1 = one class only); {n['shared_classes']} classes are "
                        f"preferred by two or more units."),
        "top_examples": "Rows: the most important L1 units; columns: the test "
                        "digits each one responds to most.",
        "coffee": (f"{100 * n['coffee_accuracy']:.0f}% of roasts classified correctly; "
                   f"{100 * n['coffee_only_one_unit']:.0f}% of bad roasts are flagged by "
                   f"exactly one unit."),
    }
