"""Plain-text tables: rows of dicts as aligned columns, shared by every ``.table()``."""

from __future__ import annotations

from typing import Any

__all__ = ["format_table"]


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

    def cell(v: Any) -> str:
        return format(v, floatfmt) if isinstance(v, float) else str(v)

    body = [[cell(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(c), *(len(b[i]) for b in body)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(b, widths)) for b in body]
    return "\n".join(line.rstrip() for line in lines)
