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

from ._draw import tile_images

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...lab import ExperimentResult

__all__ = ["captions", "figures"]


def _figure(width: float, height: float) -> Figure:
    """A pyplot-free figure: nothing global is touched, and saving it as PNG uses Agg."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _frames(ax: Any, x0: Any, y0: Any, h: int, w: int, colour: str = "black") -> None:
    """One collection of thin frames around the images of a mosaic (see tile_images)."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    boxes = [Rectangle((x - 0.5, y - 0.5), w, h) for x, y in zip(x0, y0)]
    ax.add_collection(PatchCollection(boxes, facecolors="none", edgecolors=colour,
                                      linewidths=0.8, clip_on=False), autolim=False)


def _mosaic_axes(ax: Any, shape: tuple[int, ...], top: float) -> None:
    """Limits for a mosaic of ``shape`` with ``top`` pixels of room above the first row for
    the images' titles; no ticks, no spines (each image has its own frame)."""
    ax.set_xlim(-0.5, shape[1] - 0.5)
    ax.set_ylim(shape[0] - 0.5, -0.5 - top)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _weights(result: ExperimentResult) -> Figure:
    """One image of every unit's 8x8 weights, tiled on a grid (one Axes, one imshow: 25
    small Axes cost most of this figure's time), each with its title above it."""
    from matplotlib import colormaps

    d = result.data
    images = np.asarray(d["weight_images"], dtype=np.float64)
    n, h, w = images.shape
    dead = set(int(j) for j in d["dead"])
    live = np.asarray(d["live"], dtype=bool)
    inc = np.asarray(d["loss_increase"])
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    fig = _figure(1.55 * cols + 1.2, 1.7 * rows + 0.6)
    ax = fig.subplots()
    mosaic, x0, y0 = tile_images(images, rows, cols, gap=(w / 6, h / 2.5))
    limit = float(np.abs(images).max()) or 1.0
    im = ax.imshow(mosaic, cmap=colormaps["RdBu_r"].with_extremes(bad="white"),
                   vmin=-limit, vmax=limit, interpolation="nearest")
    _mosaic_axes(ax, mosaic.shape, h / 2.5)
    _frames(ax, x0, y0, h, w)
    for j in range(n):
        if j in dead or not live[j]:
            label = f"unit {j}: {'dead' if j in dead else 'silent on test'}"
            colour = "0.45"
        else:
            label = f"unit {j}: pref {int(d['preferred'][j])}\nimportance {inc[j]:.3f}"
            colour = "black"
        ax.annotate(label, xy=(x0[j] + (w - 1) / 2, y0[j] - 0.5), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8,
                    color=colour)
    fig.colorbar(im, ax=ax, shrink=0.6, label="incoming weight (red +, blue -)")
    fig.supxlabel(f"pixel column ({h}x{w} image)")
    fig.supylabel("pixel row")
    fig.suptitle("Each L1 unit's incoming weights as an image, with its preferred "
                 "class\nand importance (test-loss rise when silenced)")
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
    """The test digits, tiled in one image (one Axes instead of one per digit), a row per
    unit, the unit's summary as the row's label and each digit's label above it."""
    from matplotlib import colormaps

    d = result.data
    inc = np.asarray(d["loss_increase"])
    top = np.asarray(d["top_examples"])
    images = np.asarray(d["test_images"])
    labels = np.asarray(d["test_labels"])
    units = np.argsort(-inc, kind="stable")[:n_units]
    k = top.shape[1]
    h, w = images.shape[1:]
    fig = _figure(1.0 * k + 1.6, 1.15 * len(units) + 0.8)
    ax = fig.subplots()
    shown_idx = top[units].ravel()
    mosaic, x0, y0 = tile_images(images[shown_idx], len(units), k, gap=(w / 4, h / 3))
    ax.imshow(mosaic, cmap=colormaps["gray_r"].with_extremes(bad="white"), vmin=0, vmax=1,
              interpolation="nearest")
    _mosaic_axes(ax, mosaic.shape, h / 3)
    _frames(ax, x0, y0, h, w)
    for i, idx in enumerate(shown_idx):
        ax.annotate(f"label {int(labels[idx])}", xy=(x0[i] + (w - 1) / 2, y0[i] - 0.5),
                    xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                    fontsize=7)
    row_labels = []
    for j in units:
        shown = np.bincount(labels[top[j]], minlength=10)
        common = int(np.argmax(shown))
        pref = int(d["preferred"][j])
        row_labels.append(
            f"unit {int(j)}\nhighest mean\nresponse: {pref}s\n"
            + (f"top {k}: {shown[common]} x {common}" if common != pref
               else f"top {k}: {shown[pref]} x {pref}"))
    ax.set_yticks(y0[::k] + (h - 1) / 2, row_labels, fontsize=7)
    ax.tick_params(axis="y", length=0, pad=6)
    fig.supxlabel("test examples, strongest activation first\n"
                  "'highest mean response' is the class the unit fires for most on average "
                  "(its selectivity); the few digits\nthat excite it most can be another class: "
                  "a unit fires on many 7s a little and on some 5s a lot, and prefers 7 on "
                  "average", fontsize=8)
    fig.supylabel("most important L1 units")
    fig.suptitle("The test digits that excite the most important units most")
    return fig


def _grid_extent(xx: np.ndarray, yy: np.ndarray) -> tuple[float, float, float, float] | None:
    """The cell-edge extent of a regular ``meshgrid`` (rows follow y, columns x), or None
    when the grid is not one (then only ``pcolormesh`` draws it right)."""
    if xx.ndim != 2 or xx.shape != yy.shape or min(xx.shape) < 2:
        return None
    dx, dy = np.diff(xx[0]), np.diff(yy[:, 0])
    regular = (np.all(xx == xx[:1]) and np.all(yy == yy[:, :1])
               and np.allclose(dx, dx[0], rtol=1e-6, atol=0) and dx[0] > 0
               and np.allclose(dy, dy[0], rtol=1e-6, atol=0) and dy[0] > 0)
    if not regular:
        return None
    return (float(xx[0, 0] - dx[0] / 2), float(xx[0, -1] + dx[0] / 2),
            float(yy[0, 0] - dy[0] / 2), float(yy[-1, 0] + dy[0] / 2))


def _coffee(result: ExperimentResult) -> Figure:
    d = result.data
    xx, yy, maps = d["coffee_xx"], d["coffee_yy"], np.asarray(d["coffee_maps"])
    X, y = np.asarray(d["coffee_X"]), np.asarray(d["coffee_y"])
    w_out = np.asarray(d["coffee_w_out"])
    fig = _figure(14, 4.4)
    axes = fig.subplots(1, maps.shape[2], squeeze=False)[0]
    good = y > 0.5
    mesh = None
    extent = _grid_extent(np.asarray(xx), np.asarray(yy))
    for j, ax in enumerate(axes):
        if extent is not None:  # a regular grid: one image, far cheaper than 6,400 quads
            mesh = ax.imshow(maps[:, :, j], cmap="viridis", vmin=0, vmax=1, origin="lower",
                             extent=extent, aspect="auto", interpolation="nearest")
        else:
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
