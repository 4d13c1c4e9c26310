"""The symmetry experiment (Q1) at a small size; its verdict follows its numbers; the course's
published figures are reproduced from the course's own draws."""

from __future__ import annotations

import copy
import importlib.util
import math

import numpy as np
import pytest

from glassnet.errors import ConfigError
from glassnet.lab.base import ExperimentResult
from glassnet.lab.symmetry import (
    INITS,
    PUBLISHED,
    _answer,
    _run_one,
    _verdict,
    course_weights,
    run_symmetry,
)


@pytest.fixture(scope="module")
def result() -> ExperimentResult:
    return run_symmetry(iterations=300, records=10)


def test_result_shape(result: ExperimentResult) -> None:
    assert result.name == "symmetry"
    assert set(result.numbers["inits"]) == set(INITS)
    assert set(result.numbers["course_draws"]) == {"normal_x10", "he"}
    assert result.numbers["published"] == PUBLISHED
    table = next(iter(result.tables.values()))
    assert [row["init"] for row in table] == [label for label, _ in INITS.values()]
    for key in INITS:
        assert result.data["loss"][key].shape == (301,)  # 300 step losses + the final cost
        assert result.data["k_epochs"][key].tolist() == list(range(0, 301, 30))
    assert "\nEvidence: " in result.summary()
    assert result.summary().splitlines()[1].startswith(
        "Answer: Random initialization is what makes units differ")


def test_zeros_gradients_exactly_zero_and_one_unit(result: ExperimentResult) -> None:
    z = result.numbers["inits"]["zeros"]
    assert z["weight_grads_zero_at_start"] and z["weight_grads_zero_throughout"]
    assert z["grad_W_start"] == {"L1": 0.0, "L2": 0.0, "L3": 0.0}
    assert z["k_start"]["L1"] == z["k_end"]["L1"] == 1
    assert z["first_cost"] == pytest.approx(math.log(2))
    assert z["final_cost"] == pytest.approx(math.log(2))
    assert z["train_acc"] == 0.5 and z["test_acc"] == 0.5
    np.testing.assert_array_equal(result.data["W1_end"]["zeros"], 0.0)


def test_constant_learns_but_stays_one_unit(result: ExperimentResult) -> None:
    c = result.numbers["inits"]["constant"]
    assert c["grad_W_start"]["L1"] > 0 and not c["weight_grads_zero_throughout"]
    assert c["final_cost"] < c["first_cost"]  # it learns something
    assert c["k_end"] == {"L1": 1, "L2": 1, "L3": 1}
    assert c["groups_end"]["L1"] == [list(range(10))]
    assert np.all(result.data["k_curves"]["constant"]["L1"] == 1)
    W = result.data["W1_end"]["constant"]
    assert np.ptp(W, axis=1).max() == 0.0  # the ten columns are exact copies
    assert not np.allclose(W, 0.5)  # ... and they moved


def test_random_starts_break_symmetry(result: ExperimentResult) -> None:
    for key in ("small", "normal_x10", "glorot", "he"):
        r = result.numbers["inits"][key]
        assert r["k_start"]["L1"] == r["k_end"]["L1"] == 10
        assert r["k_end"]["L2"] == 5
    x10 = result.numbers["inits"]["normal_x10"]
    assert x10["first_cost_course"] == "inf"  # the course's formula
    assert math.isfinite(x10["first_cost"]) and x10["first_cost"] > 100  # glassnet: exact


def test_verdict_follows_the_numbers(result: ExperimentResult) -> None:
    v = result.verdict
    assert _verdict(result.numbers) == v
    assert "zeros: every weight gradient is exactly 0" in v
    assert "L1 has 1 distinct unit of 10" in v
    assert "infinite first cost" in v
    assert "not compared" in v  # 300 steps are not the reference's 15,000
    changed = copy.deepcopy(result.numbers)
    changed["inits"]["constant"]["k_end"]["L1"] = 10
    changed["inits"]["zeros"]["weight_grads_zero_throughout"] = False
    other = _verdict(changed)
    assert "constant 0.5: symmetry broken (L1: 1 -> 10 distinct units of 10)" in other
    assert "zeros: every weight gradient is exactly 0" not in other
    assert "zeros: the gradients are not zero" in other
    changed["inits"]["constant"]["train_acc"] = 0.9
    changed["inits"]["constant"]["k_end"]["L1"] = 1
    assert "it learns (train 90%" in _verdict(changed)


def test_course_weights_layout() -> None:
    shapes = [w.shape for w in course_weights("he")]
    assert shapes == [(2, 10), (10,), (10, 5), (5,), (5, 1), (1,)]
    W10 = course_weights("normal_x10")[0]
    np.testing.assert_allclose(course_weights("he")[0] * 10.0, W10)  # sqrt(2 / 2) = 1
    with pytest.raises(ConfigError):
        course_weights("zeros")


def test_course_figures_reproduced_exactly() -> None:
    """The full 15,000 steps from the course's own draws give the published table."""
    from glassnet.datasets import make_circles

    X, y = make_circles(300, noise=0.05, seed=1, dtype="float64")
    Xt, yt = make_circles(100, noise=0.05, seed=2, dtype="float64")
    runs = {key: _run_one(key, INITS[key][1], (X, y, Xt, yt), iterations=15_000, seed=0,
                          learning_rate=0.01, every=5_000, tol=1e-6, dtype="float64",
                          weights=course_weights(key))
            for key in ("normal_x10", "he")}
    he, x10 = runs["he"], runs["normal_x10"]
    assert he["first_cost"] == pytest.approx(0.8830537463419761, abs=1e-12)  # the course's
    assert he["cost_at_1000"] == pytest.approx(0.6879825919728063, abs=1e-9)  # printed costs
    assert (round(he["train_acc"], 4), he["test_acc"]) == (0.9933, 0.96)
    assert (x10["train_acc"], x10["test_acc"]) == (0.83, 0.86)
    assert math.isinf(x10["first_cost_course"]) and math.isfinite(x10["first_cost"])


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="inits"):
        run_symmetry(iterations=2, inits=["bogus"])
    with pytest.raises(ConfigError, match="dtype"):
        run_symmetry(iterations=2, dtype="float16")
    with pytest.raises(ConfigError, match="learning_rate"):
        run_symmetry(iterations=2, learning_rate=0)


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="needs matplotlib")
def test_figures(result: ExperimentResult) -> None:
    from glassnet.report.plots.symmetry import captions, figures

    figs = figures(result)
    assert set(figs) == {"loss", "distinct", "gradients", "weights", "sgd"}
    for key, fig in figs.items():
        axes = [ax for ax in fig.axes if ax.get_visible()]
        assert axes
        for ax in axes:
            assert ax.get_title(), key
            if key != "loss":  # the loss panels share fig.supxlabel / fig.supylabel
                assert ax.get_xlabel(), key
    assert figs["distinct"].axes[0].get_legend() is not None
    # one panel per initialization, so no curve hides another: its curve and ln 2 (and the
    # course's draws where they were replayed)
    panels = [ax for ax in figs["loss"].axes if ax.get_visible()]
    assert len(panels) == len(INITS)
    assert figs["loss"].get_supxlabel() and figs["loss"].get_supylabel()
    for ax, key in zip(panels, INITS):
        assert len(ax.lines) == (3 if key in ("normal_x10", "he") else 2)
    left, right = figs["sgd"].axes
    assert len(left.lines) == 2 and len(right.lines) == 1
    assert set(captions(result)) == set(figs)


def test_symmetry_breaking_is_the_initializations_not_sgds(result: ExperimentResult) -> None:
    """A constant start under shuffled mini-batch SGD stays 1 distinct unit of n; a random
    start under deterministic full-batch descent stays n of n, at every record."""
    sgd = result.numbers["sgd_check"]
    c, h = sgd["constant_sgd"], sgd["he_gd"]
    assert c["batch_size"] == 32 and 300 <= c["steps"] < 310
    assert c["k_max"] == {"L1": 1, "L2": 1, "L3": 1}
    assert h["k_min"]["L1"] == 10 and h["k_min"]["L2"] == 5
    curves = result.data["sgd_check"]["constant_sgd"]
    assert curves["steps"][-1] == c["steps"] and np.all(curves["k"]["L1"] == 1)
    assert "not the optimizer's" in result.answer
    assert _answer(result.numbers) == result.answer
    broken = copy.deepcopy(result.numbers)
    broken["sgd_check"]["constant_sgd"]["k_max"]["L1"] = 4
    assert "not the optimizer's" not in _answer(broken)
