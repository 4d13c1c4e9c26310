"""The flow experiment (Q2) at a small size; counts are measured and the verdict follows them."""

from __future__ import annotations

import copy
import importlib.util

import numpy as np
import pytest

from glassnet.errors import ConfigError
from glassnet.lab.base import ExperimentResult
from glassnet.lab.flow import _answer, _verdict, run_flow


@pytest.fixture(scope="module")
def result() -> ExperimentResult:
    return run_flow(epochs=3)


def test_every_unit_processed_every_example(result: ExperimentResult) -> None:
    n = result.numbers
    assert result.name == "flow"
    assert n["trace_examples_per_unit"] == {"L1": [100, 100, 100], "L2": [100]}
    assert n["every_unit_saw_every_example"]
    assert n["every_unit_saw_every_example_each_epoch"]
    assert n["total_multiply_adds"] == 100 * 2 * 3 + 100 * 3 * 1
    layers = result.data["layers"]
    assert [layer["output_shape"] for layer in layers] == [(100, 3), (100, 1)]


def test_steps_and_updates_are_counted(result: ExperimentResult) -> None:
    runs = result.numbers["runs"]
    assert list(runs) == ["full batch (100)", "mini-batch (32)", "stochastic (1)"]
    full, mini, sgd = runs.values()
    assert (full["steps_per_epoch"], full["updates"], full["batch_sizes_epoch1"]) == \
        ([1], 3, [100])
    assert (mini["steps_per_epoch"], mini["updates"], mini["batch_sizes_epoch1"]) == \
        ([4], 12, [32, 32, 32, 4])
    assert (sgd["steps_per_epoch"], sgd["updates"]) == ([100], 300)
    for r in runs.values():
        assert r["updates"] == r["predicted_updates"]
        assert r["unit_examples_per_epoch"] == {"L1": [100], "L2": [100]}
        assert r["start_loss"] == runs["full batch (100)"]["start_loss"]  # same start
    data = result.data
    assert data["epoch_loss"]["mini-batch (32)"].shape == (4,)  # start + 3 epochs
    assert data["step_loss"]["stochastic (1)"].shape == (301,)
    assert data["step_batch_loss"]["mini-batch (32)"].shape == (12,)
    np.testing.assert_allclose(data["epoch_loss"]["full batch (100)"],
                               data["step_loss"]["full batch (100)"])


def test_other_sizes(result: ExperimentResult) -> None:
    r = run_flow(n_examples=50, epochs=2, batch_sizes=(None, 32))
    assert r.numbers["trace_examples_per_unit"] == {"L1": [50] * 3, "L2": [50]}
    mini = r.numbers["runs"]["mini-batch (32)"]
    assert mini["batch_sizes_epoch1"] == [32, 18] and mini["updates"] == 4
    assert "all 50 examples" in r.verdict


def test_big_schedule_and_verdict(result: ExperimentResult) -> None:
    n = result.numbers
    assert n["big_steps_per_epoch"] == 6250
    v = result.verdict
    assert v == _verdict(n)
    assert v.startswith("Every unit processed all 100 examples")
    assert "6,250 steps per epoch" in v and "'6250/6250'" in v
    assert "stochastic (1): 100 steps per epoch (100 x 1), 300 updates" in v
    changed = copy.deepcopy(n)
    changed["every_unit_saw_every_example"] = False
    changed["trace_examples_per_unit"]["L1"][1] = 60
    assert "Some units processed fewer than 100 examples" in _verdict(changed)


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="learning_rate"):
        run_flow(epochs=1, learning_rate=-1.0)
    with pytest.raises(ConfigError, match="batch_sizes"):
        run_flow(epochs=1, batch_sizes=())
    with pytest.raises(ConfigError, match="n_examples"):
        run_flow(n_examples=1)


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="needs matplotlib")
def test_figures(result: ExperimentResult) -> None:
    from glassnet.report.plots.flow import captions, figures

    figs = figures(result)
    assert set(figs) == {"epochs", "updates", "units"}
    for fig in figs.values():
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_legend() is not None or fig.legends
    assert len(figs["epochs"].axes[0].lines) == 3
    heights = [p.get_height() for p in figs["units"].axes[0].patches]
    assert heights == [100, 100, 100, 100]
    assert set(captions(result)) == set(figs)


def test_answer_follows_the_numbers(result: ExperimentResult) -> None:
    n = result.numbers
    assert result.answer == _answer(n)
    assert result.answer.startswith("Every unit processes every example: each of the 4 units")
    assert "6,250 steps" in result.answer and "'6250/6250'" in result.answer
    changed = copy.deepcopy(n)
    changed["every_unit_saw_every_example"] = False
    assert _answer(changed).startswith("Not here")
