"""The labor experiment (Q4) at a small size: numbers agree with tables, verdict with numbers."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from glassnet.lab import ExperimentResult
from glassnet.lab import labor as lab_labor
from glassnet.lab.labor import run_labor


@pytest.fixture(scope="module")
def result() -> ExperimentResult:
    return run_labor(epochs=8, hidden=9, hidden2=6, coffee_epochs=40, resolution=12, top_k=4)


def test_result_shape_and_data(result):
    assert result.name == "labor"
    assert "divide the labor" in result.question
    d = result.data
    assert d["weight_images"].shape == (9, 8, 8)
    assert d["class_response"].shape == (9, 10)
    assert d["top_examples"].shape == (9, 4)
    assert d["coffee_maps"].shape == (12, 12, 3)
    assert d["coffee_maps"].min() >= 0 and d["coffee_maps"].max() <= 1
    assert d["loss_increase"].shape == (9,) and d["loss_increase_layer2"].shape == (6,)
    assert result.params["hidden"] == 9 and result.seconds > 0
    assert len(result.summary()) > 200


def test_numbers_agree_with_the_unit_table(result):
    n = result.numbers
    rows = next(iter(result.tables.values()))
    assert len(rows) == 9
    live = [r for r in rows if r["dead"] == ""]
    assert n["live_units"] == len(live)
    assert n["dead_units"] == sum(r["dead"] == "yes" for r in rows)
    assert n["preferred_classes"] == len({r["preferred"] for r in live})
    counts = np.bincount([r["preferred"] for r in live], minlength=10)
    assert n["shared_classes"] == int((counts >= 2).sum())
    assert n["ablation_max"] == pytest.approx(max(r["loss_increase"] for r in rows))
    assert n["ablation_min"] == pytest.approx(min(r["loss_increase"] for r in live))
    assert n["selectivity_mean"] == pytest.approx(np.mean([r["selectivity"] for r in live]))
    assert n["ablation_top_unit"] == max(rows, key=lambda r: r["loss_increase"])["unit"]
    for r in rows:
        if r["dead"]:
            assert r["loss_increase"] == 0.0 and r["selectivity"] == 0.0
    assert 0 <= n["coffee_covered"] <= 1 and 0 <= n["coffee_only_one_unit"] <= n["coffee_covered"]
    assert len(n["coffee_flag_share"]) == 3 and len(n["coffee_unit_flags"]) == 3


def test_verdict_is_drawn_from_the_numbers(result):
    n = result.numbers
    v = result.verdict
    assert v == lab_labor._verdict(n)
    k = n["preferred_classes"]
    assert f"prefer {k} of the 10" in v or f"only {k}" in v
    assert f"{n['ablation_max']:.3f}" in v
    assert f"{100 * n['coffee_accuracy']:.0f}% accuracy" in v


def _base_numbers(result):
    n = copy.deepcopy(result.numbers)
    n.update(preferred_classes=8, ablation_top_over_median=4.0, selectivity_mean=0.3,
             shared_classes=3, max_units_per_class=3, dead_units=2, dead_units_layer2=1,
             silent_on_test=0, redundant_clusters=0, live_units=7)
    return n


def test_verdict_branches_follow_the_numbers(result):
    n = _base_numbers(result)
    v = lab_labor._verdict(n)
    assert v.startswith("Units do come out different")
    assert "no unit is assigned a feature" in v and "moderate (mean 0.30" in v
    assert "3 classes are preferred by two or more units" in v
    assert "2 L1 and 1 L2 units are dead" in v

    n = _base_numbers(result)
    n.update(preferred_classes=2, ablation_top_over_median=1.2)
    assert lab_labor._verdict(n).startswith("The units barely differ")

    n = _base_numbers(result)
    n.update(selectivity_mean=0.8, shared_classes=0, dead_units=0, dead_units_layer2=0,
             redundant_clusters=0)
    v = lab_labor._verdict(n)
    assert "came out selective (mean selectivity 0.80)" in v

    n = _base_numbers(result)
    n.update(redundant_clusters=2, redundant_units=5, redundancy_threshold=0.9)
    assert "5 units form 2 group(s) of near-copies" in lab_labor._verdict(n)

    n = _base_numbers(result)
    n.update(coffee_unit_flags=["low temperature", "low temperature", "long duration"])
    assert "overlapping regions" in lab_labor._verdict(n)


def test_same_seed_same_numbers():
    a = run_labor(epochs=2, hidden=4, hidden2=3, coffee_epochs=2, resolution=4, seed=3)
    b = run_labor(epochs=2, hidden=4, hidden2=3, coffee_epochs=2, resolution=4, seed=3)
    assert a.numbers == b.numbers
    np.testing.assert_array_equal(a.data["weight_images"], b.data["weight_images"])


def test_figures_have_titles_and_labelled_axes(result):
    pytest.importorskip("matplotlib")
    from glassnet.report.plots import labor as plots

    figs = plots.figures(result)
    assert set(figs) == {"weights", "ablation", "selectivity", "top_examples", "coffee"}
    for key, fig in figs.items():
        title = fig._suptitle.get_text() if fig._suptitle is not None else ""
        titles = [ax.get_title() for ax in fig.axes]
        assert title or any(titles), key
        labelled = [ax for ax in fig.axes if ax.get_xlabel() or ax.get_ylabel()]
        assert labelled or getattr(fig, "_supxlabel", None) is not None, key
    assert set(plots.captions(result)) == set(figs)
    # every unit's weights are shown, as one tile each of the weights figure's one image
    # (it was one Axes per unit), each tile titled with its unit
    images = np.asarray(result.data["weight_images"])
    n, h, w = images.shape
    assert n >= 9
    (mosaic,) = [ax for ax in figs["weights"].axes if ax.images][0].images
    shown = np.ma.getdata(mosaic.get_array())
    found = {j for j in range(n) for r in range(shown.shape[0] - h + 1)
             for c in range(shown.shape[1] - w + 1)
             if np.array_equal(shown[r:r + h, c:c + w], images[j])}
    assert found == set(range(n))
    titles = [t.get_text() for ax in figs["weights"].axes for t in ax.texts]
    assert all(any(t.startswith(f"unit {j}:") for t in titles) for j in range(n))
    # the top examples: one tile per (unit, example) shown, each labelled with its class
    top = figs["top_examples"].axes[0]
    k = np.asarray(result.data["top_examples"]).shape[1]
    assert sum(t.get_text().startswith("label ") for t in top.texts) == min(6, n) * k
