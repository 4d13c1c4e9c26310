"""The vectorize experiment (Q3): loops and the matrix form agree, timings, one step moves all."""

from __future__ import annotations

import time

import numpy as np
import pytest

import glassnet as gn
from glassnet.lab import ExperimentResult, run_vectorize
from glassnet.lab import vectorize as vec

SMALL = {"m": 24, "n_in": 8, "units": 5, "dot_n": 3000, "repeats": 1}


@pytest.fixture(scope="module")
def result() -> ExperimentResult:
    return run_vectorize(**SMALL)


def test_all_forms_agree_to_rounding(result: ExperimentResult) -> None:
    n = result.numbers
    assert result.name == "vectorize"
    assert n["outputs_agree"] is True
    assert 0 <= n["max_abs_diff"] < 1e-12
    rows = next(iter(result.tables.values()))
    assert [r["form"] for r in rows] == [
        "per unit, per example", "per example", "matrix form", "glassnet engine"
    ]
    assert all(r["max |diff| vs matrix"] < 1e-12 for r in rows)
    assert n["dot_products"] == SMALL["m"] * SMALL["units"]
    assert n["dot_relative_diff"] < 1e-12


def test_timings_are_positive_and_ratios_consistent(result: ExperimentResult) -> None:
    n = result.numbers
    for key in ("loop_seconds", "per_example_seconds", "matrix_seconds", "engine_seconds",
                "dot_loop_seconds", "dot_numpy_seconds"):
        assert n[key] > 0
    assert n["speedup_vs_loop"] == pytest.approx(n["loop_seconds"] / n["matrix_seconds"])
    assert n["dot_speedup"] == pytest.approx(n["dot_loop_seconds"] / n["dot_numpy_seconds"])
    # 120 interpreted dot products cost more than one matrix product, even at this size
    assert n["loop_seconds"] > n["matrix_seconds"]
    assert set(result.data["layer_seconds"]) == {
        "per unit, per example", "per example", "matrix form", "glassnet engine"
    }


def test_one_step_changes_every_parameter(result: ExperimentResult) -> None:
    n = result.numbers
    assert n["step_count"] == 1
    assert n["params_total"] == 2 * 3 + 3 + 3 * 1 + 1  # the 2-3-1 coffee network
    assert n["params_changed"] == n["params_total"] == n["gradients_nonzero"]
    assert n["layers_changed"] == n["layers"] == 2
    changes = [p["change"] for p in result.data["step_parameters"]]
    assert len(changes) == n["params_total"]
    assert all(c != 0 for c in changes)


def test_verdict_states_the_measured_numbers(result: ExperimentResult) -> None:
    n = result.numbers
    v = result.verdict
    assert "compute the same layer" in v
    assert f"{n['max_abs_diff']:.1e}" in v
    assert f"all {n['params_total']} parameters" in v
    assert "no per-neuron minimization" in v
    assert f"{n['dot_n']:,}" in v
    assert "\nEvidence: " in result.summary()
    assert result.answer.startswith("All at once: ") and "Answer: All at once" in str(result)


def test_verdict_follows_the_numbers_when_they_change(result: ExperimentResult) -> None:
    bad = dict(result.numbers, outputs_agree=False, max_abs_diff=0.25,
               speedup_vs_loop=0.5, params_changed=12, gradients_nonzero=12)
    v = vec._verdict(bad)
    assert "DISAGREE" in v and "0.25" in v
    assert "2.0x slower than the double loop" in v
    assert "changed 12 of 13 parameters" in v
    assert "no per-neuron minimization" not in v


def test_a_wrong_loop_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agreement is measured, not assumed: a broken per-example loop shows."""
    real = gn.reference.dense_per_example

    def off_by_one_unit(A_in, W, b, g):  # type: ignore[no-untyped-def]
        out = real(A_in, W, b, g)
        out[:, 0] += 0.5
        return out

    monkeypatch.setattr(vec.reference, "dense_per_example", off_by_one_unit)
    r = run_vectorize(**SMALL)
    assert r.numbers["outputs_agree"] is False
    assert r.numbers["max_abs_diff"] == pytest.approx(0.5)
    assert "DISAGREE" in r.verdict


def test_same_seed_same_data_and_step(result: ExperimentResult) -> None:
    again = run_vectorize(**SMALL)
    assert again.numbers["max_abs_diff"] == result.numbers["max_abs_diff"]
    assert again.data["step_parameters"] == result.data["step_parameters"]
    other = run_vectorize(**dict(SMALL, seed=1))
    assert other.data["step_parameters"] != result.data["step_parameters"]


def test_best_seconds_measures_slow_and_fast_calls() -> None:
    calls = []

    def slow() -> None:
        calls.append(1)
        time.sleep(0.004)

    t = vec._best_seconds(slow, repeats=3)
    assert 0.004 <= t < 0.1
    assert len(calls) == 3  # the warm-up counts as the first measurement

    counter = [0]

    def fast() -> None:
        counter[0] += 1

    t_fast = vec._best_seconds(fast, repeats=2)
    assert 0 < t_fast < 1e-4
    assert counter[0] > 25  # batched: many calls per measurement


def test_dot_loop_is_the_dot_product(rng: np.random.Generator) -> None:
    a, b = rng.random(50), rng.random(50)
    assert vec._dot_loop(a, b) == pytest.approx(float(np.dot(a, b)), rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"m": 0}, gn.ConfigError, "m"),
        ({"units": 2.5}, gn.ArgumentTypeError, "units"),
        ({"dot_n": -1}, gn.ConfigError, "dot_n"),
        ({"repeats": 0}, gn.ConfigError, "repeats"),
        ({"seed": -1}, gn.ConfigError, "seed"),
        ({"activation": "softmax"}, gn.ConfigError, "activation"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs: dict, error: type, text: str) -> None:
    with pytest.raises(error, match=text):
        run_vectorize(**dict(SMALL, **kwargs))
