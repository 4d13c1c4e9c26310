"""The HTML report and the figure registry: one self-contained, escaped file."""

from __future__ import annotations

import base64
import dataclasses
import html
import re
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

import glassnet as gn  # noqa: E402
from glassnet.lab import ExperimentResult, run_vectorize  # noqa: E402
from glassnet.report import figures_for, save_figures, write_report  # noqa: E402
from glassnet.report import html as report_html  # noqa: E402
from glassnet.report.plots import captions_for  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result() -> ExperimentResult:
    return run_vectorize(m=16, n_in=6, units=4, dot_n=2000, repeats=1)


@pytest.fixture(scope="module")
def written(result: ExperimentResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of two results (the second full of markup); returns its path."""
    evil = dataclasses.replace(
        result,
        question="What if a question says <b>bold</b> & more?",
        verdict='Verdict with <script>alert("x")</script> inside',
        tables={"rows <i>": [{"col <u>": "<img src=x onerror=alert(1)>", "n": 3}]},
    )
    out = tmp_path_factory.mktemp("report") / "sub" / "report.html"
    path = write_report([result, evil], out, title="Test <report>",
                        figure_dir=out.parent / "png")
    assert path == out
    return out


@pytest.fixture(scope="module")
def report(written: Path) -> str:
    return written.read_text(encoding="utf-8")


def test_contains_every_verdict_question_and_table(result: ExperimentResult, report: str) -> None:
    assert html.escape(result.verdict) in report
    assert html.escape(result.question) in report
    for title in result.tables:
        assert html.escape(title) in report
    assert "<!DOCTYPE html>" in report and report.rstrip().endswith("</html>")
    assert f"glassnet {gn.__version__}" in report
    assert 'href="#exp-vectorize"' in report and 'id="exp-vectorize"' in report
    assert 'href="#exp-vectorize-2"' in report and 'id="exp-vectorize-2"' in report  # unique


def test_figures_are_embedded_pngs(report: str) -> None:
    uris = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', report)
    assert len(uris) == 4  # two figures for each of the two results
    assert all(base64.b64decode(u)[:8] == PNG_MAGIC for u in uris)
    assert "<figcaption>" in report


def test_self_contained_no_external_assets_no_script(report: str) -> None:
    assert not re.search(r'(src|href)\s*=\s*["\']?\s*(https?:)?//', report, re.I)
    assert "<link" not in report.lower()
    assert "<script" not in report.lower()
    assert "@import" not in report and "url(" not in report


def test_all_text_is_escaped(report: str) -> None:
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in report
    assert "<b>bold</b>" not in report and "&lt;b&gt;bold&lt;/b&gt; &amp; more" in report
    assert "<img src=x" not in report and "&lt;img src=x onerror=alert(1)&gt;" in report
    assert "&lt;u&gt;" in report and "&lt;i&gt;" in report
    assert "<title>Test &lt;report&gt;</title>" in report


def test_figure_dir_gets_the_pngs(written: Path) -> None:
    names = sorted(p.name for p in (written.parent / "png").iterdir())
    assert names == ["vectorize_step.png", "vectorize_times.png"]


def test_save_figures_and_captions(result: ExperimentResult, tmp_path: Path) -> None:
    paths = save_figures(result, tmp_path / "figs")
    assert set(paths) == {"times", "step"}
    for path in paths.values():
        assert path.read_bytes()[:8] == PNG_MAGIC
    figures = figures_for(result)
    captions = captions_for(result, figures)
    assert set(captions) == set(figures)
    assert all(captions.values())
    for fig in figures.values():  # every figure is labelled
        assert fig.axes and all(ax.get_title() and ax.get_xlabel() for ax in fig.axes)


def test_a_broken_figure_is_shown_not_hidden(
    result: ExperimentResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: ExperimentResult) -> dict:
        raise ValueError("no data <here>")

    monkeypatch.setattr(report_html, "figures_for", broken)
    with pytest.warns(UserWarning, match="vectorize"):
        path = write_report([result], tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    assert "could not be drawn" in text and "no data &lt;here&gt;" in text
    assert html.escape(result.verdict) in text


def test_unknown_experiment_and_bad_arguments(result: ExperimentResult, tmp_path: Path) -> None:
    with pytest.raises(gn.ConfigError, match="result.name"):
        figures_for(dataclasses.replace(result, name="nope"))
    with pytest.raises(gn.ConfigError, match="results"):
        write_report([], tmp_path / "r.html")
    with pytest.raises(gn.ArgumentTypeError, match="results"):
        write_report(result, tmp_path / "r.html")  # type: ignore[arg-type]
    with pytest.raises(gn.ArgumentTypeError, match=r"results\[1\]"):
        write_report([result, "text"], tmp_path / "r.html")  # type: ignore[list-item]


def test_nested_numbers_are_folded_not_spilled(result: ExperimentResult, tmp_path: Path) -> None:
    nested = dataclasses.replace(result, numbers={
        **result.numbers, "accuracy": 0.5, "seeds": [0, 1, 2],
        "per_init": {"zeros <z>": {"acc": 0.5}}, "long_list": list(range(40)),
    })
    text = write_report([nested], tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<span class="key">accuracy</span> <span class="value">0.5</span>' in text
    assert '<span class="value">[0, 1, 2]</span>' in text  # short lists stay inline
    assert "<details><summary>per_init</summary><pre>" in text
    assert "zeros &lt;z&gt;" in text and "<z>" not in text
    assert "<details><summary>long_list</summary>" in text


def test_a_result_shows_its_figures_inline_in_jupyter_once_report_is_imported() -> None:
    pytest.importorskip("matplotlib")
    import glassnet.report  # noqa: F401  (registers the figure renderer)
    from glassnet.lab import run_flow

    result = run_flow(n_examples=12, epochs=2)
    page = result._repr_html_()
    assert page.count('src="data:image/png;base64,') == 3  # flow's three figures
    assert page.index("Answer:") < page.index("<figure>") < page.index("<table>")


def test_pictures_rendered_in_shares_are_the_whole_set_in_order() -> None:
    """The tour's workers each encode a share of an experiment's pictures; put together in
    order they must be exactly the pictures, in the report's order."""
    from glassnet.lab import run_flow
    from glassnet.report import render_figures

    result = run_flow(n_examples=20, epochs=2)
    whole = render_figures(result)
    assert len(whole) >= 3
    for parts in (2, 3, len(whole) + 1):
        shares = [render_figures(result, p, parts) for p in range(parts)]
        assert [item[:2] for share in shares for item in share] == [item[:2] for item in whole]
        assert [item[2] for share in shares for item in share] == [item[2] for item in whole]

    with pytest.raises(gn.ConfigError, match="parts"):
        render_figures(result, 0, 0)
    with pytest.raises(gn.ConfigError, match="part: expected 0 to 1"):
        render_figures(result, 2, 2)
    with pytest.raises(gn.ConfigError, match="part"):
        render_figures(result, -1, 2)
