"""The drawing helpers of the report's figures: same picture, fewer artists."""

from __future__ import annotations

import io

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib import lines, markers  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from glassnet.report.plots import png_bytes  # noqa: E402
from glassnet.report.plots._draw import minor_ticks_as_marks, tile_images  # noqa: E402
from glassnet.report.plots.labor import _grid_extent  # noqa: E402
from glassnet.report.plots.symmetry import _arrows  # noqa: E402


def _log_figure(share: bool = False) -> Figure:
    fig = Figure(figsize=(6, 3))
    axes = fig.subplots(1, 2, sharex=share, sharey=share)
    x = np.arange(1, 15_001)
    for ax, scale in zip(axes, (1.0, 3.0)):
        ax.plot(x, scale * 50 / np.sqrt(x))
        ax.set_xscale("log")
        ax.set_yscale("log")
    if not share:
        axes[1].set_yscale("linear")  # a linear axis keeps its own ticks
    return fig


def _pixels(fig: Figure) -> np.ndarray:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(np.int16)


def test_minor_ticks_as_marks_sit_where_the_axis_put_them_and_look_the_same() -> None:
    before = _log_figure()
    ax0, ax1 = before.axes
    minor_x = [ax.xaxis.get_minorticklocs() for ax in (ax0, ax1)]
    minor_y0 = ax0.yaxis.get_minorticklocs()
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in (ax0, ax1)]
    assert len(minor_x[0]) > 20 and len(minor_y0) > 10

    after = _log_figure()
    b0, b1 = after.axes
    n_lines = [len(ax.lines) for ax in (b0, b1)]
    minor_ticks_as_marks([b0, b1])
    # the axes keep their lines and limits; their log axes draw no minor ticks of their own
    assert [len(ax.lines) for ax in (b0, b1)] == n_lines
    assert [(ax.get_xlim(), ax.get_ylim()) for ax in (b0, b1)] == limits
    assert len(b0.xaxis.get_minorticklocs()) == 0 == len(b0.yaxis.get_minorticklocs())
    # three log axes, three lines of marks, each at the positions the axis had chosen
    marks = [a for a in after.artists if isinstance(a, lines.Line2D)]
    assert len(marks) == 3
    xs = sorted((m.get_xdata() for m in marks if m.get_marker() == markers.TICKDOWN),
                key=lambda x: x[0])
    lo, hi = ax0.get_xlim()
    for got, want in zip(xs, minor_x):
        want = want[(want >= lo) & (want <= hi)]
        np.testing.assert_array_equal(got, want)
    (left,) = [m for m in marks if m.get_marker() == markers.TICKLEFT]
    lo, hi = ax0.get_ylim()
    np.testing.assert_array_equal(left.get_ydata(), minor_y0[(minor_y0 >= lo) & (minor_y0 <= hi)])
    # and the picture is the same as with matplotlib's own minor ticks (without any minor
    # ticks 0.15% of the pixels differ)
    a, b = _pixels(before), _pixels(after)
    differ = np.any(np.abs(a - b) > 40, axis=-1)
    assert differ.mean() < 1e-4, differ.sum()


def test_minor_ticks_as_marks_on_shared_axes_keeps_every_panels_ticks() -> None:
    fig = _log_figure(share=True)
    minor_ticks_as_marks(fig.axes)
    marks = [a for a in fig.artists if isinstance(a, lines.Line2D)]
    # both panels, both axes (sharing one locator must not leave the second without marks)
    assert len(marks) == 4 and all(len(m.get_xdata()) > 5 for m in marks)


def test_png_of_a_constrained_figure_keeps_its_size_and_a_plain_one_is_cropped() -> None:
    fig = Figure(figsize=(4, 3), layout="constrained")
    fig.subplots().plot([0, 1], [0, 1])
    assert Image.open(io.BytesIO(png_bytes(fig, 50))).size == (200, 150)
    plain = Figure(figsize=(4, 3))
    plain.subplots().plot([0, 1], [0, 1])
    width, height = Image.open(io.BytesIO(png_bytes(plain, 50))).size
    assert width < 200 and height < 150


def test_tile_images_puts_each_image_in_its_cell_with_nan_between() -> None:
    rng = np.random.default_rng(0)
    images = rng.normal(size=(5, 3, 2))
    mosaic, x0, y0 = tile_images(images, rows=2, cols=3, gap=(1, 1.5))
    assert mosaic.shape == (2 * 3 + 2, 3 * 2 + 2 * 1)  # gaps rounded up to whole pixels
    for i, image in enumerate(images):
        np.testing.assert_array_equal(mosaic[y0[i]:y0[i] + 3, x0[i]:x0[i] + 2], image)
    assert list(x0) == [0, 3, 6, 0, 3] and list(y0) == [0, 0, 0, 5, 5]
    covered = np.zeros(mosaic.shape, dtype=bool)
    for x, y in zip(x0, y0):
        covered[y:y + 3, x:x + 2] = True
    assert np.all(np.isnan(mosaic[~covered]))  # gaps and the empty sixth cell
    with pytest.raises(ValueError, match="5 images do not fit a 2 x 2 grid"):
        tile_images(images, rows=2, cols=2)


def test_grid_extent_is_the_cell_edges_of_a_regular_grid_only() -> None:
    xx, yy = np.meshgrid(np.linspace(150, 280, 5), np.linspace(11.5, 15.5, 3))
    assert _grid_extent(xx, yy) == pytest.approx((150 - 16.25, 280 + 16.25, 11.5 - 1, 15.5 + 1))
    bent = xx.copy()
    bent[0, 2] += 3.0
    assert _grid_extent(bent, yy) is None
    uneven_x, _ = np.meshgrid(np.array([0.0, 1.0, 3.0]), np.arange(3.0))
    assert _grid_extent(uneven_x, yy[:, :3]) is None
    descending, _ = np.meshgrid(np.linspace(1.0, 0.0, 4), np.arange(3.0))
    assert _grid_extent(descending, np.meshgrid(np.arange(4.0), np.arange(3.0))[1]) is None


def test_arrows_end_at_the_weights_and_skip_zero_vectors() -> None:
    W = np.array([[1.0, 0.0, -2.0], [0.0, 0.0, 2.0]])
    coll = _arrows(W, lim=3.0, colour="black", width=1.0)
    segments = coll.get_segments()
    assert len(segments) == 4  # a shaft and a head for each non-zero column
    shafts, heads = segments[:2], segments[2:]
    for shaft, head, tip in zip(shafts, heads, ([1.0, 0.0], [-2.0, 2.0])):
        np.testing.assert_allclose(shaft, [[0.0, 0.0], tip])
        np.testing.assert_allclose(head[1], tip)  # the head's point is the tip
        # both barbs lie behind the tip, symmetric about the shaft
        direction = np.asarray(tip) / np.linalg.norm(tip)
        back = [(barb - tip) @ direction for barb in (head[0], head[2])]
        assert back[0] == pytest.approx(back[1]) and back[0] < 0
