"""Drawing helpers that keep a figure's look and cut matplotlib's per-artist cost.

matplotlib spends most of a report figure's time on artists it lays out one by one: every
tick of a log axis is a Tick object (three lines, two texts) measured again by each layout
pass, and every small image is an Axes with its own ticks, spines and title. These helpers
draw the same marks with one artist each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["minor_ticks_as_marks", "tile_images"]


def minor_ticks_as_marks(axes: Iterable[Axes]) -> None:
    """Draw the minor ticks of each axes' log-scaled axis as one line of tick markers.

    The positions are the ones the axis' own minor locator gives for its final limits, and
    the marks have matplotlib's minor-tick size, width and colour, so the picture is the
    same; the axis itself then draws no minor ticks. Call this after the limits are set
    (for shared axes: after every axes of the group has its data).
    """
    from matplotlib import lines, markers, ticker
    from matplotlib import rcParams as rc

    style = {  # matplotlib's own minor-tick look: (direction, size, width, colour)
        "x": (rc["xtick.direction"], rc["xtick.minor.size"], rc["xtick.minor.width"],
              rc["xtick.color"]),
        "y": (rc["ytick.direction"], rc["ytick.minor.size"], rc["ytick.minor.width"],
              rc["ytick.color"]),
    }
    axes = list(axes)
    planned: list[tuple[Any, str, np.ndarray]] = []
    for ax in axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            if axis.get_scale() != "log" or not axis.get_visible():
                continue
            lo, hi = sorted(axis.get_view_interval())
            where = np.asarray(axis.get_minor_locator()(), dtype=np.float64)
            planned.append((ax, name, where[(where >= lo) & (where <= hi)]))
    for ax, name, where in planned:  # shared axes share one locator: replace it afterwards
        getattr(ax, f"{name}axis").set_minor_locator(ticker.NullLocator())
        if where.size == 0:
            continue
        direction, size, width, colour = style[name]
        inward = direction == "in"
        if name == "x":
            xy = (where, np.zeros_like(where))
            transform = ax.get_xaxis_transform()
            marker = markers.TICKUP if inward else markers.TICKDOWN
        else:
            xy = (np.zeros_like(where), where)
            transform = ax.get_yaxis_transform()
            marker = markers.TICKRIGHT if inward else markers.TICKLEFT
        mark = lines.Line2D(*xy, transform=transform, linestyle="none",
                            marker=markers.MarkerStyle(marker),
                            markersize=size, markeredgewidth=width, color=colour,
                            clip_on=False, zorder=2.01)
        mark.set_in_layout(False)  # inside the major ticks' reach: the layout needs none
        # held by the figure, not the axes: the axes' data limits and its lines stay its own
        ax.get_figure(root=False).add_artist(mark)


def tile_images(images: np.ndarray, rows: int, cols: int, gap: Sequence[float] = (1, 1)
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lay ``images`` (n, h, w) out on a ``rows`` x ``cols`` grid with NaN gaps between them.

    Returns ``(mosaic, x0, y0)``: the mosaic (NaN in the gaps and empty cells, so a
    colormap's "bad" colour shows there) and each image's left and top pixel position in
    it, in the order of ``images`` (row by row). ``gap`` is (between columns, between rows)
    in pixels and may be fractional: it is rounded up to whole pixels.
    """
    images = np.asarray(images, dtype=np.float64)
    n, h, w = images.shape
    if n > rows * cols:
        raise ValueError(f"images: {n} images do not fit a {rows} x {cols} grid")
    gx, gy = (int(np.ceil(g)) for g in gap)
    mosaic = np.full((rows * h + (rows - 1) * gy, cols * w + (cols - 1) * gx), np.nan)
    k = np.arange(n)
    x0 = (k % cols) * (w + gx)
    y0 = (k // cols) * (h + gy)
    for i in range(n):  # at most a few dozen small images
        mosaic[y0[i]:y0[i] + h, x0[i]:x0[i] + w] = images[i]
    return mosaic, x0, y0
