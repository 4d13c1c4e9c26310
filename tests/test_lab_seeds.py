"""The seeds experiment (Q5) at a small size: proofs hold, verdict follows the numbers."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from glassnet.lab import ExperimentResult
from glassnet.lab import seeds as lab_seeds
from glassnet.lab.seeds import run_seeds


@pytest.fixture(scope="module")
def result() -> ExperimentResult:
    return run_seeds(n_seeds=3, epochs=4, hidden=8, hidden2=6)


def test_determinism_and_relabelling_proofs_hold(result):
    n = result.numbers
    assert n["deterministic"] is True and n["rerun_max_abs_diff"] == 0.0
    assert n["permutation_same_function"] and n["permutation_max_abs_diff"] < 1e-4
    assert n["permutation_recovered"] is True
    assert n["permutation_distance"] > 1.0
    assert n["permutation_distance_after_align"] == 0.0
    assert n["reshuffle_distance"] > 0.0


def test_numbers_agree_with_the_tables(result):
    n = result.numbers
    seed_rows, layer_rows, pair_rows, proof_rows = result.tables.values()
    assert [r["seed"] for r in seed_rows] == n["seeds"] == [0, 1, 2]
    acc = np.array([r["accuracy"] for r in seed_rows])
    assert n["accuracy_mean"] == pytest.approx(acc.mean())
    assert n["accuracy_std"] == pytest.approx(acc.std())
    assert n["accuracy_min"] == acc.min() and n["accuracy_max"] == acc.max()
    assert len(pair_rows) == 3
    assert n["disagreement_mean"] == pytest.approx(np.mean([r["disagreement"] for r in pair_rows]))
    assert n["distance_before"] == pytest.approx(np.mean([r["distance_before"] for r in pair_rows]))
    assert n["distance_after"] == pytest.approx(np.mean([r["distance_after"] for r in pair_rows]))
    assert [r["layer"] for r in layer_rows] == n["layers"]
    assert n["cka"] == pytest.approx([r["cka"] for r in layer_rows])
    assert all(0 <= c <= 1 for c in n["cka"])
    assert proof_rows[0]["result"] == "bit-identical weights"
    assert result.data["disagreement"].shape == (3, 3)


def test_verdict_is_drawn_from_the_numbers(result):
    n = result.numbers
    assert result.verdict == lab_seeds._verdict(n)
    assert "deterministic" in result.verdict
    assert f"{n['distance_before']:.3g}" in result.verdict
    assert f"{100 * n['disagreement_mean']:.1f}%" in result.verdict


def test_verdict_branches(result):
    n = copy.deepcopy(result.numbers)
    n.update(deterministic=False, rerun_max_abs_diff=0.25)
    assert "DIFFERENT weights" in lab_seeds._verdict(n)
    n = copy.deepcopy(result.numbers)
    n.update(permutation_same_function=False, permutation_max_abs_diff=0.5)
    assert "relabelling check FAILED" in lab_seeds._verdict(n)
    n = copy.deepcopy(result.numbers)
    n.update(distance_reduction=0.1)
    assert "most of the difference is real" in lab_seeds._verdict(n)
    n.update(distance_reduction=0.7)
    assert "much of the difference was relabelling" in lab_seeds._verdict(n)
    n.update(matched_correlation=[0.5, 0.4], cka=[0.95, 0.9])
    assert "different features, similar representations" in lab_seeds._verdict(n)
    n.update(matched_correlation=[0.9, 0.85])
    assert "close counterpart" in lab_seeds._verdict(n)
    n.update(matched_correlation=[0.5, 0.4], cka=[0.5, 0.4])
    assert "both the units and the layers" in lab_seeds._verdict(n)
    n.update(accuracy_min=0.80, accuracy_max=0.95)
    assert "noticeably different quality" in lab_seeds._verdict(n)


def test_rejects_a_single_seed():
    from glassnet.errors import ConfigError

    with pytest.raises(ConfigError, match="n_seeds"):
        run_seeds(n_seeds=1)


def test_figures_have_titles_labelled_axes_and_legends(result):
    pytest.importorskip("matplotlib")
    from glassnet.report.plots import seeds as plots

    figs = plots.figures(result)
    assert set(figs) == {"spread", "matched", "cka", "distance"}
    for key, fig in figs.items():
        axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        assert all(ax.get_title() for ax in axes), key
        assert all(ax.get_xlabel() and ax.get_ylabel() for ax in axes), key
    assert figs["distance"].axes[0].get_legend() is not None
    assert figs["matched"].axes[0].get_legend() is not None
    assert set(plots.captions(result)) == set(figs)


def test_answer_follows_the_numbers(result: ExperimentResult) -> None:
    n = result.numbers
    assert result.answer == lab_seeds._answer(n)
    assert result.answer.startswith("Training is deterministic given the seed")
    assert f"{100 * n['accuracy_min']:.1f}% to {100 * n['accuracy_max']:.1f}%" in result.answer
    changed = copy.deepcopy(n)
    changed["deterministic"] = False
    changed["accuracy_max"] = changed["accuracy_min"] + 0.05
    other = lab_seeds._answer(changed)
    assert "NOT reproducible" in other and "noticeably different quality" in other
    assert result.data["distance_before"].shape == (n["n_seeds"], n["n_seeds"])
    assert 0 < n["start_distance"] and 0 < n["weight_norm_mean"]
