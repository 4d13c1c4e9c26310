"""One self-contained HTML report for a list of experiment results.

The file stands alone: the pictures are embedded as base64 PNG ``data:`` URIs, the style
sheet is inline, and there is no script and no link to anything outside the file, so it can
be mailed, archived or opened offline. Every piece of text that comes from a result is
escaped with :func:`html.escape` (a verdict containing ``<script>`` is shown, not run).
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import platform
import re
import warnings
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import check_int
from ..errors import ArgumentTypeError, ConfigError
from ..lab import ExperimentResult
from .plots import DPI, captions_for, close_figure, figures_for, png_bytes

__all__ = ["inline_figures", "render_figures", "write_report"]

ABOUT = (
    "glassnet is a fast, vectorized NumPy multilayer perceptron with instruments that read "
    "every unit: which units are copies of each other, which are dead, what each responds "
    "to, and whether two seeds learned the same thing. Each section below answers one of "
    "the learners' questions by running an experiment: a one-sentence answer first, then the "
    "evidence; both are computed from the "
    "numbers shown with them."
)

_QUESTION_NUMBER = {"symmetry": 1, "flow": 2, "vectorize": 3, "unitwise": 3, "labor": 4,
                    "seeds": 5}

_CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
        --accent: #0b6e4f; --accent-soft: #e7f5ef; --warn: #9a3412; --warn-soft: #fff1e6; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.55;
       font: 16px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 28px 64px; }
header { border-bottom: 2px solid var(--line); padding-bottom: 12px; margin-bottom: 20px; }
h1 { font-size: 1.9em; margin: 0.2em 0 0.3em; }
h2 { font-size: 1.45em; margin: 0 0 0.3em; }
h3 { font-size: 1.05em; margin: 1.6em 0 0.5em; color: var(--muted);
     text-transform: uppercase; letter-spacing: 0.04em; }
.meta { color: var(--muted); font-size: 0.9em; }
nav { background: var(--soft); border: 1px solid var(--line); border-radius: 8px;
      padding: 12px 20px; margin: 20px 0 32px; }
nav h2 { font-size: 1.1em; margin: 0.2em 0; }
nav ol { margin: 0.3em 0; padding-left: 1.4em; }
nav li { margin: 0.25em 0; }
a { color: #0550ae; text-decoration: none; }
a:hover { text-decoration: underline; }
section.experiment { border-top: 1px solid var(--line); padding-top: 28px; margin-top: 36px; }
.question { font-size: 1.15em; font-style: italic; margin: 0.2em 0 0.9em; }
.verdict { background: var(--accent-soft); border-left: 6px solid var(--accent);
           border-radius: 4px; padding: 14px 18px; font-size: 1.08em; margin: 12px 0 8px; }
.verdict p { margin: 0 0 0.5em; }
.evidence { border-left: 6px solid var(--line); padding: 10px 16px; margin: 12px 0; }
.evidence p { margin: 0 0 0.5em; }
.evidence strong { color: var(--muted); display: block; font-size: 0.8em;
                   text-transform: uppercase; letter-spacing: 0.06em; }
nav .answer { color: var(--ink); font-size: 0.92em; }
.verdict p:last-child { margin-bottom: 0; }
.verdict strong { color: var(--accent); display: block; font-size: 0.8em;
                  text-transform: uppercase; letter-spacing: 0.06em; margin-bottom: 4px; }
.error { background: var(--warn-soft); border-left: 6px solid var(--warn); padding: 10px 16px;
         border-radius: 4px; color: var(--warn); }
.scroll { overflow-x: auto; margin: 10px 0 18px; }
table { border-collapse: collapse; font-size: 0.88em; }
caption { text-align: left; font-weight: 600; padding: 4px 0 6px; color: var(--ink); }
th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; vertical-align: top; }
th { background: var(--soft); text-align: left; font-weight: 600; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.numbers { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr));
           gap: 4px 18px; font-size: 0.88em; margin: 8px 0 14px; }
.numbers div { display: flex; justify-content: space-between; gap: 10px;
               border-bottom: 1px dotted var(--line); padding: 3px 0; }
.numbers .key { color: var(--muted); overflow-wrap: anywhere; }
.numbers .value { font-variant-numeric: tabular-nums; text-align: right; }
details { margin: 4px 0; font-size: 0.88em; }
summary { cursor: pointer; color: var(--muted); }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 4px;
      padding: 8px 12px; overflow-x: auto; font-size: 0.92em; max-height: 420px; }
figure { margin: 18px 0 26px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 0.92em; margin-top: 6px; }
.settings { color: var(--muted); font-size: 0.88em; }
footer { margin-top: 48px; color: var(--muted); font-size: 0.85em;
         border-top: 1px solid var(--line); padding-top: 12px; }
"""


def _e(value: object) -> str:
    """Escaped text for HTML content and attribute values."""
    return html.escape(str(value), quote=True)


def _format(value: Any, none: str = "-") -> str:
    """A cell's text: 4 significant digits for floats, thousands separators for integers;
    ``none`` stands for ``None`` (a dash in tables, "None" in settings)."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        x = float(value)
        if math.isnan(x) or math.isinf(x):
            return str(x)
        if x != 0 and (abs(x) >= 1e12 or abs(x) < 1e-3):
            return f"{x:.3e}"
        if abs(x) >= 1000:
            return f"{x:,.1f}"
        return f"{x:.4g}"
    if value is None:
        return none
    if isinstance(value, list | tuple):
        text = ", ".join(_format(v, none) for v in value[:12])
        return f"[{text}{', ...' if len(value) > 12 else ''}]"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _table(rows: list[dict[str, Any]], caption: str) -> str:
    if not rows:
        return f'<p class="settings">{_e(caption)}: (no rows)</p>'
    columns: list[str] = []
    for row in rows:
        columns += [str(k) for k in row if str(k) not in columns]
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        lookup = {str(k): v for k, v in row.items()}
        for c in columns:
            v = lookup.get(c)
            cls = ' class="num"' if _is_number(v) else ""
            cells.append(f"<td{cls}>{_e(_format(v))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<div class="scroll"><table><caption>{_e(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def _is_scalar(value: Any) -> bool:
    """Short enough for the grid: a number, a short string, or a short list of those."""
    if isinstance(value, str):
        return len(value) <= 40
    if isinstance(value, list | tuple):
        return all(_is_scalar(v) for v in value) and len(_format(value)) <= 40
    return value is None or isinstance(value, bool | int | float | np.generic)


def _numbers_html(numbers: dict[str, Any]) -> str:
    """Scalars as a grid of name/value pairs; nested values (dicts, lists) folded below."""
    cells = "".join(
        f'<div><span class="key">{_e(k)}</span> <span class="value">{_e(_format(v))}</span>'
        f"</div>"
        for k, v in numbers.items() if _is_scalar(v)
    )
    out = [f'<div class="numbers">{cells}</div>'] if cells else []
    for k, v in numbers.items():
        if not _is_scalar(v):
            text = json.dumps(v, indent=1, default=str, ensure_ascii=False)
            out.append(f"<details><summary>{_e(k)}</summary><pre>{_e(text)}</pre></details>")
    return "\n".join(out)


def _anchor(name: str, taken: set[str]) -> str:
    base = "exp-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x")
    anchor, i = base, 2
    while anchor in taken:
        anchor, i = f"{base}-{i}", i + 1
    taken.add(anchor)
    return anchor


def render_figures(result: ExperimentResult, part: int = 0, parts: int = 1,
                   dpi: int = DPI) -> list[tuple[str, str, bytes]]:
    """An experiment's pictures as ``(key, caption, PNG bytes)``, in order: share ``part``
    of ``parts`` consecutive shares (so ``parts`` processes can share one experiment's
    pictures; the shares put together in order are all of them, in order)."""
    parts = int(check_int(parts, "parts", minimum=1))
    part = int(check_int(part, "part", minimum=0))
    if part >= parts:
        raise ConfigError(f"part: expected 0 to {parts - 1} (parts={parts}), got {part}")
    figures = figures_for(result)
    try:
        captions = captions_for(result, figures)
        n = len(figures)
        first, stop = part * n // parts, (part + 1) * n // parts
        return [(key, captions.get(key, key), png_bytes(fig, dpi))
                for key, fig in list(figures.items())[first:stop]]
    finally:
        for fig in figures.values():
            close_figure(fig)


def _figures_html(
    result: ExperimentResult, figure_dir: Path | None, dpi: int,
    rendered: list[tuple[str, str, bytes]] | None = None,
) -> tuple[str, list[Path]]:
    """``<figure>`` blocks with embedded PNGs (and the PNG files, when ``figure_dir``).

    ``rendered``: the pictures already drawn (:func:`render_figures`), else they are drawn
    here. A plotting error is shown in the report (and warned about) instead of losing the
    whole report.
    """
    saved: list[Path] = []
    try:
        items = rendered if rendered is not None else render_figures(result, dpi=dpi)
        blocks = []
        for key, caption, data in items:
            if figure_dir is not None:
                figure_dir.mkdir(parents=True, exist_ok=True)
                path = figure_dir / f"{result.name}_{key}.png"
                path.write_bytes(data)
                saved.append(path)
            uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            blocks.append(f'<figure><img src="{uri}" alt="{_e(caption)}">'
                          f"<figcaption>{_e(caption)}</figcaption></figure>")
    except ImportError:
        raise
    except Exception as exc:  # a broken picture must not lose the other results
        warnings.warn(f"report: the figures of {result.name!r} failed: {exc!r}", stacklevel=3)
        return (f'<p class="error">The figures of this experiment could not be drawn: '
                f"{_e(type(exc).__name__)}: {_e(exc)}</p>"), saved
    return "".join(blocks), saved


def inline_figures(result: ExperimentResult, dpi: int = DPI) -> str:
    """An experiment's figures as HTML with embedded PNGs (for Jupyter and the report)."""
    figures_html, _ = _figures_html(result, None, dpi)
    return figures_html


def _section(result: ExperimentResult, anchor: str, index: int, figures_html: str) -> str:
    q = _QUESTION_NUMBER.get(result.name)
    heading = f"{index}. {result.name}" + (f" (Q{q})" if q else "")
    parts = [
        f'<section class="experiment" id="{_e(anchor)}">',
        f"<h2>{_e(heading)}</h2>",
        f'<p class="question">&ldquo;{_e(result.question)}&rdquo;</p>',
    ]
    if result.answer:
        parts.append(f'<div class="verdict"><strong>Answer</strong><p>{_e(result.answer)}</p>'
                     "</div>")
    quick = [n for n in result.notes if n.startswith("Quick run")]
    reading = [n for n in result.notes if not n.startswith("Quick run")]
    parts += [f'<p class="settings">{_e(n)}</p>' for n in quick]
    parts.append(
        '<div class="evidence"><strong>Evidence</strong>'
        + "".join(f"<p>{_e(line)}</p>" for line in result.verdict.splitlines() if line.strip())
        + "</div>")
    if figures_html:
        parts += ["<h3>Figures</h3>", figures_html]
    if result.tables:
        parts.append("<h3>Tables</h3>")
        parts += [_table(rows, title) for title, rows in result.tables.items()]
    if reading:
        parts.append("<h3>Further reading</h3>")
        parts.append("<ul>" + "".join(
            f"<li>{_e(n.removeprefix('Further reading: '))}</li>" for n in reading) + "</ul>")
    if result.numbers:
        parts.append("<h3>Key numbers</h3>")
        parts.append(_numbers_html(result.numbers))
    settings = ", ".join(f"{k}={_format(v, 'None')}" for k, v in result.params.items())
    parts.append(f'<p class="settings">Settings: {_e(settings or "defaults")}. '
                 f"Took {_e(f'{result.seconds:.1f}')} s.</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    return (f"{platform.system()} {platform.release()} ({cpu}, {os.cpu_count()} CPU cores); "
            f"Python {platform.python_version()}, NumPy {np.__version__}")


def write_report(
    results: Sequence[ExperimentResult],
    path: str | os.PathLike[str],
    *,
    title: str = "glassnet lab report",
    figure_dir: str | os.PathLike[str] | None = None,
    dpi: int = DPI,
    rendered: Sequence[list[tuple[str, str, bytes]] | None] | None = None,
) -> Path:
    """Write one self-contained HTML file describing ``results``; returns its path.

    Parameters
    ----------
    results: the experiments' results, in the order they should appear.
    path: the HTML file to write (its folder is created if needed).
    title: the page's title and heading.
    figure_dir: when given, each figure is also saved there as ``<name>_<key>.png``.
    dpi: resolution of the pictures.
    rendered: for each result, its pictures already drawn by :func:`render_figures` (at
        ``dpi``), or ``None`` to draw them here (the tour draws them on its workers).
    """
    from .. import __version__

    if isinstance(results, ExperimentResult) or not isinstance(results, Sequence):
        raise ArgumentTypeError(
            f"results: expected a list of ExperimentResult, got {type(results).__name__}"
        )
    if not results:
        raise ConfigError("results: expected at least one ExperimentResult, got an empty list")
    for i, r in enumerate(results):
        if not isinstance(r, ExperimentResult):
            raise ArgumentTypeError(
                f"results[{i}]: expected an ExperimentResult, got {type(r).__name__}"
            )
    out = Path(path)
    fig_dir = Path(figure_dir) if figure_dir is not None else None

    taken: set[str] = set()
    anchors = [_anchor(r.name, taken) for r in results]
    sections = []
    if rendered is not None and (isinstance(rendered, (str, bytes)) or not isinstance(
            rendered, Sequence) or len(rendered) != len(results)):
        raise ArgumentTypeError(
            f"rendered: expected one entry per result ({len(results)}), got {rendered!r:.80}")
    for i, (r, anchor) in enumerate(zip(results, anchors), start=1):
        figures_html, _ = _figures_html(r, fig_dir, dpi,
                                        rendered[i - 1] if rendered is not None else None)
        sections.append(_section(r, anchor, i, figures_html))
    toc = "".join(
        f'<li><a href="#{_e(a)}">{_e(r.name)}</a>: {_e(r.question)} '
        f'<span class="meta">({_e(f"{r.seconds:.1f}")} s)</span>'
        + (f'<br><span class="answer">{_e(r.answer)}</span>' if r.answer else "")
        + "</li>"
        for r, a in zip(results, anchors)
    )
    total = sum(r.seconds for r in results)
    now = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<header>
<h1>{_e(title)}</h1>
<p>{_e(ABOUT)}</p>
<p class="meta">Generated {_e(now)} with glassnet {_e(__version__)} on {_e(_machine())}.
{len(results)} experiment(s), {_e(f"{total:.1f}")} s of computing in all.</p>
</header>
<nav>
<h2>Contents</h2>
<ol>{toc}</ol>
</nav>
{chr(10).join(sections)}
<footer>Written by glassnet {_e(__version__)}. Every number above was computed when this
report was made; the experiments are seeded, so running them again reproduces them (timings
vary with the machine).</footer>
</main>
</body>
</html>
"""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out
