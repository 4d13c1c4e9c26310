"""Pictures (matplotlib) and the self-contained HTML report.

- :func:`write_report`: one HTML file with every experiment's verdict, tables and figures
  (embedded), readable offline.
- :func:`figures_for`, :func:`save_figures`: an experiment's figures, as matplotlib figures
  or PNG files.

matplotlib (``pip install glassnet[lab]``) is imported only when a figure is drawn.
"""

from .html import write_report
from .plots import MATPLOTLIB_HINT, figures_for, require_matplotlib, save_figures

__all__ = ["MATPLOTLIB_HINT", "figures_for", "require_matplotlib", "save_figures", "write_report"]
