"""One plotting module per experiment: ``figures(result) -> dict[str, Figure]``.

``glassnet.report.plots.<name>`` draws the figures of the experiment named ``<name>``
(``result.name``) from ``result.data`` and ``result.numbers``; it never recomputes the
experiment. A module may also give captions, as ``CAPTIONS = {key: text}`` or a function
``captions(result) -> {key: text}``; without them a figure's title is its caption.

matplotlib is an optional dependency (the ``lab`` extra) and is imported only
here, lazily, when a picture is asked for.
"""

from __future__ import annotations

import importlib
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...lab import ExperimentResult

__all__ = [
    "EXPERIMENTS",
    "MATPLOTLIB_HINT",
    "captions_for",
    "close_figure",
    "figures_for",
    "png_bytes",
    "require_matplotlib",
    "save_figures",
]

EXPERIMENTS = ("symmetry", "flow", "vectorize", "unitwise", "labor", "seeds")
"""The experiments that have a plotting module, in the tour's order."""

MATPLOTLIB_HINT = (
    "glassnet draws its pictures with matplotlib, which is not installed; "
    "install it with: pip install matplotlib (in a checkout, make demo and make test "
    "install it into .venv)"
)

DPI = 110


def require_matplotlib() -> None:
    """Raise ``ImportError`` with the install command when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(MATPLOTLIB_HINT) from exc


def _module(name: object) -> Any:
    if not isinstance(name, str) or name not in EXPERIMENTS:
        raise ConfigError(
            f"result.name: expected one of {', '.join(EXPERIMENTS)} (an experiment with "
            f"pictures), got {name!r}"
        )
    require_matplotlib()
    return importlib.import_module(f"{__name__}.{name}")


def figures_for(result: ExperimentResult) -> dict[str, Figure]:
    """The figures of one experiment's result, keyed by a short name (``"times"``, ...)."""
    figures = _module(result.name).figures(result)
    if not isinstance(figures, dict):
        raise TypeError(
            f"glassnet.report.plots.{result.name}.figures must return a dict of figures, "
            f"got {type(figures).__name__}"
        )
    return figures


def captions_for(result: ExperimentResult, figures: dict[str, Figure]) -> dict[str, str]:
    """A caption for each figure: the module's ``captions``/``CAPTIONS``, else its title."""
    module = _module(result.name)
    given: dict[str, str] = {}
    if callable(getattr(module, "captions", None)):
        given = dict(module.captions(result))
    elif isinstance(getattr(module, "CAPTIONS", None), dict):
        given = dict(module.CAPTIONS)
    out: dict[str, str] = {}
    for key, fig in figures.items():
        text = given.get(key)
        if not text:
            suptitle = getattr(fig, "_suptitle", None)
            text = suptitle.get_text() if suptitle is not None else ""
        if not text:
            text = "; ".join(t for t in (ax.get_title() for ax in fig.axes) if t)
        out[key] = text or key.replace("_", " ")
    return out


def close_figure(fig: Figure) -> None:
    """Release a figure (only figures made with pyplot are held by anything)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes.

    A figure with a layout engine (every figure of glassnet's plotting modules is
    constrained) is saved at its own size: the engine already fitted everything in it, and
    cropping to the tight bounding box would measure every artist once more. A figure
    without one is cropped to what it shows.
    """
    buffer = io.BytesIO()
    tight = "tight" if fig.get_layout_engine() is None else None
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches=tight, facecolor="white",
                pil_kwargs={"compress_level": 4})
    return buffer.getvalue()


def save_figures(
    result: ExperimentResult, directory: str | Path, *, dpi: int = DPI
) -> dict[str, Path]:
    """Draw one experiment's figures and write each as ``<directory>/<name>_<key>.png``.

    The directory is created if needed. Returns ``{key: path}``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for key, fig in figures_for(result).items():
        path = directory / f"{result.name}_{key}.png"
        path.write_bytes(png_bytes(fig, dpi))
        close_figure(fig)
        paths[key] = path
    return paths
