"""Pictures (matplotlib) and the self-contained HTML report.

- :func:`write_report`: one HTML file with every experiment's verdict, tables and figures
  (embedded), readable offline.
- :func:`figures_for`, :func:`save_figures`: an experiment's figures, as matplotlib figures
  or PNG files.

matplotlib (the ``lab`` extra) is imported only when a figure is drawn. Importing this
package also lets an :class:`~glassnet.lab.ExperimentResult` show its figures inline in
Jupyter (``_repr_html_``).
"""

from ..lab.base import ExperimentResult, register_figure_renderer
from .html import inline_figures, render_figures, write_report
from .plots import EXPERIMENTS, MATPLOTLIB_HINT, figures_for, require_matplotlib, save_figures


def _jupyter_figures(result: ExperimentResult) -> str:
    return inline_figures(result) if result.name in EXPERIMENTS else ""


register_figure_renderer(_jupyter_figures)

__all__ = ["MATPLOTLIB_HINT", "figures_for", "render_figures", "require_matplotlib",
           "save_figures", "write_report"]
