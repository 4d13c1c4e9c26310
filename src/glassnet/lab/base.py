"""What every experiment returns: a one-sentence answer, then numbers, tables and evidence.

An experiment is a function ``run_<name>(..., seed=...) -> ExperimentResult``. It computes
with :mod:`glassnet.inspect` and the engine and holds *data* only; pictures are drawn
from that data by :mod:`glassnet.report.plots` (``report.plots.<name>.figures(result)``).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._table import format_table, html_table

__all__ = ["ExperimentResult", "format_table", "register_figure_renderer"]

_FIGURE_RENDERERS: list[Callable[[ExperimentResult], str]] = []


def register_figure_renderer(render: Callable[[ExperimentResult], str]) -> None:
    """Let a picture layer add a result's figures to its Jupyter display.

    ``render(result)`` returns HTML. :mod:`glassnet.report` registers one when it is
    imported (the lab never imports the report: the imports point the other way), so after
    ``import glassnet.report`` a result shows its figures inline in Jupyter.
    """
    if render not in _FIGURE_RENDERERS:
        _FIGURE_RENDERERS.append(render)


@dataclass(repr=False)
class ExperimentResult:
    """The outcome of one experiment.

    ``name``      the experiment's name (``"symmetry"``, ``"flow"``, ...), also the name of
                  its plotting module in ``glassnet.report.plots``
    ``question``  the learner's question it answers
    ``verdict``   the evidence in plain language, computed from ``numbers``
    ``answer``    the answer in one sentence, computed from ``numbers`` (shown first)
    ``numbers``   the key figures (JSON-able scalars)
    ``tables``    named tables, each a list of row dicts
    ``data``      arrays and anything else the plots need (not printed)
    ``params``    the settings it ran with (seeds, sizes)
    ``notes``     what a reduced run (``--quick``) cut, and further reading, one line each
    """

    name: str
    question: str
    verdict: str
    numbers: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    answer: str = ""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The question, the one-sentence answer, every table, and the evidence, as text."""
        parts = [f"== {self.name}: {self.question}"]
        if self.answer:
            parts.append(f"Answer: {self.answer}")
        for title, rows in self.tables.items():
            parts += [f"-- {title}", format_table(rows)]
        parts.append(f"Evidence: {self.verdict}")
        parts += [f"Note: {note}" for note in self.notes]
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"<ExperimentResult {self.name!r}: {self.answer or self.verdict[:120]} "
                f"({len(self.tables)} tables; print() it for all)>")

    def _repr_html_(self) -> str:
        parts = [f"<div><h4>{html.escape(self.name)}: {html.escape(self.question)}</h4>"]
        if self.answer:
            parts.append(f"<p><b>Answer:</b> {html.escape(self.answer)}</p>")
        for render in _FIGURE_RENDERERS:
            try:
                parts.append(render(self))
            except Exception as exc:  # a picture must not hide the numbers
                parts.append(f"<p>(the figures could not be drawn: "
                             f"{html.escape(type(exc).__name__)}: {html.escape(str(exc))})</p>")
        for title, rows in self.tables.items():
            parts.append(html_table(rows, caption=title))
        parts.append(f"<p><b>Evidence:</b> {html.escape(self.verdict)}</p>")
        parts += [f"<p><i>Note:</i> {html.escape(note)}</p>" for note in self.notes]
        parts.append("</div>")
        return "\n".join(parts)
