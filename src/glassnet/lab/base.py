"""What every experiment returns: numbers, tables, and a verdict drawn from them.

An experiment is a function ``run_<name>(..., seed=...) -> ExperimentResult``. It computes
with :mod:`glassnet.inspect` and the engine and holds *data* only; pictures are drawn
from that data by :mod:`glassnet.report.plots` (``report.plots.<name>.figures(result)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._table import format_table

__all__ = ["ExperimentResult", "format_table"]


@dataclass
class ExperimentResult:
    """The outcome of one experiment.

    ``name``      the experiment's name (``"symmetry"``, ``"flow"``, ...), also the name of
                  its plotting module in ``glassnet.report.plots``
    ``question``  the learner's question it answers
    ``verdict``   a short plain-language answer, computed from ``numbers``
    ``numbers``   the key figures (JSON-able scalars)
    ``tables``    named tables, each a list of row dicts
    ``data``      arrays and anything else the plots need (not printed)
    ``params``    the settings it ran with (seeds, sizes)
    """

    name: str
    question: str
    verdict: str
    numbers: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        """The question, every table, and the verdict, as plain text."""
        parts = [f"== {self.name}: {self.question}"]
        for title, rows in self.tables.items():
            parts += [f"-- {title}", format_table(rows)]
        parts.append(f"Verdict: {self.verdict}")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.summary()
