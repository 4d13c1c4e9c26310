"""Tables: rows of dicts as aligned plain text or as HTML, shared by every ``.table()``."""

from __future__ import annotations

import html
import textwrap
from typing import Any

__all__ = ["Display", "Text", "format_table", "html_table"]


class Text(str):
    """A string that a REPL shows as its lines (``repr`` is the text itself), so that
    ``result.table()`` typed at a prompt reads as a table instead of one quoted line of
    ``\\n``s. It is a ``str`` in every other way."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def _cell(v: Any, floatfmt: str) -> str:
    return format(v, floatfmt) if isinstance(v, float) else str(v)


def format_table(
    rows: list[dict[str, Any]], floatfmt: str = ".4g", empty: str = "(empty)"
) -> str:
    """Rows of dicts as an aligned plain-text table; the columns come from the first row.

    Floats are written with ``floatfmt``; everything else with ``str``. ``empty`` is returned
    when there are no rows.
    """
    if not rows:
        return empty
    cols = list(rows[0])
    body = [[_cell(r.get(c, ""), floatfmt) for c in cols] for r in rows]
    widths = [max(len(c), *(len(b[i]) for b in body)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(b, widths)) for b in body]
    return "\n".join(line.rstrip() for line in lines)


def html_table(
    rows: list[dict[str, Any]], floatfmt: str = ".4g", caption: str = "",
    empty: str = "(empty)",
) -> str:
    """The same rows as an HTML ``<table>`` (escaped), for Jupyter and the report."""
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    if not rows:
        return f"<table>{cap}<tr><td>{html.escape(empty)}</td></tr></table>"
    cols = list(rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(r.get(c, ''), floatfmt))}</td>"
                         for c in cols) + "</tr>" for r in rows)
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Display:
    """Readable everywhere: ``str``/``repr`` print :meth:`table`, Jupyter shows HTML.

    A subclass gives :meth:`display_parts`: ``(title, [(caption, rows, floatfmt), ...],
    footnote)``. Arrays stay attributes; they are never dumped by ``repr``.
    """

    def display_parts(self) -> tuple[str, list[tuple[str, list[dict[str, Any]], str]], str]:
        raise NotImplementedError

    def table(self) -> str:
        """The title, the tables and the notes as plain text (notes wrapped at 88 columns)."""
        title, tables, foot = self.display_parts()
        parts = [title] if title else []
        for caption, rows, fmt in tables:
            if caption:
                parts.append(caption)
            parts.append(format_table(rows, fmt))
        for line in foot.splitlines():
            parts.append(textwrap.fill(line, width=88, break_on_hyphens=False))
        return Text("\n".join(parts))

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        title, tables, foot = self.display_parts()
        parts = [f"<p><b>{html.escape(title)}</b></p>"] if title else []
        parts += [html_table(rows, fmt, caption=caption) for caption, rows, fmt in tables]
        if foot:
            parts.append("<p>" + html.escape(foot).replace("\n", "<br>") + "</p>")
        return "<div>" + "\n".join(parts) + "</div>"
