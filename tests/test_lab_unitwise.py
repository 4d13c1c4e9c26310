"""The unitwise experiment (Q3, the learner's alternative): the three ways are counted, the
ranking is measured, and a hidden unit's missing target is shown numerically."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from glassnet import cli
from glassnet.errors import ConfigError
from glassnet.lab import run_unitwise
from glassnet.lab.base import ExperimentResult
from glassnet.lab.unitwise import JOINT, LAYERS, UNITS, _answer, _verdict


@pytest.fixture(scope="module")
def result() -> ExperimentResult:
    # the default setting (budget, learning rate, steps per visit, seed); fewer extra runs
    return run_unitwise(starts=2, visit_lengths=(1, 10))


def test_default_setting_joint_is_lowest_for_equal_gradient_evaluations(
    result: ExperimentResult,
) -> None:
    n = result.numbers
    assert n["budget"] == 3000 and n["learning_rate"] == 1.0 and n["steps_per_visit"] == 10
    curves = result.data["curves"]
    assert list(curves) == [JOINT, UNITS, LAYERS]
    for curve in curves.values():  # the loss at every one of the 3,000 passes, and at the end
        assert curve.shape == (3001,)
        assert curve[0] == curves[JOINT][0]  # the same start, bit for bit
    assert n["same_start"]
    assert n["joint_loss"] < n["unit_loss"] < n["layer_loss"] < n["start_loss"]
    assert n["joint_loss"] == curves[JOINT][-1]
    # joint got to the unit-by-unit end in far fewer passes
    reach = n["joint_passes_to_unit_loss"]
    assert reach is not None and reach < 3000 / 2
    assert curves[JOINT][reach] <= n["unit_loss"] < curves[JOINT][reach - 1]
    assert all(r["lowest"] == JOINT for r in result.tables[
        next(t for t in result.tables if t.startswith("Final loss"))])
    assert result.answer.startswith("Solved together is better: for the same 3,000 gradient")


def test_parameters_moved_per_pass_are_counted(result: ExperimentResult) -> None:
    moved = result.data["moved_per_pass"]
    n = result.numbers
    assert n["parameters"] == 13
    assert moved[JOINT].shape == moved[UNITS].shape == moved[LAYERS].shape == (3000,)
    assert set(moved[JOINT]) == {13}  # every pass moves every parameter
    # a hidden unit has 2 weights and a bias, the output unit 3 weights and a bias; visits of
    # 10 passes each, in order L1/0, L1/1, L1/2, L2/0, round after round
    assert list(moved[UNITS][:40]) == [3] * 30 + [4] * 10
    assert n["unit_moved_per_pass"] == pytest.approx((3 * 3 + 4) / 4)
    visits = result.data["visits"]
    assert [v["unit"] for v in visits[:5]] == ["L1/0", "L1/1", "L1/2", "L2/0", "L1/0"]
    assert len(visits) == 300 and all(v["passes"] == 10 for v in visits)
    # layer by layer: L1 (9 parameters) for half the passes, then L2 (4 parameters)
    assert list(moved[LAYERS]) == [9] * 1500 + [4] * 1500
    assert [p["layer"] for p in result.data["phases"]] == ["L1", "L2"]


def test_a_hidden_unit_has_no_target_of_its_own(result: ExperimentResult) -> None:
    n = result.numbers
    # the engine's gradient of each hidden unit is the output error times its outgoing weight
    assert n["chain_rule_max_diff"] < 1e-14
    assert n["output_rule_max_diff"] < 1e-14
    # outgoing weight 0: exactly zero gradient, and fitted alone it does not move at all
    assert n["zero_weight_grad_norms"] == [0.0, 0.0, 0.0]
    assert n["zero_weight_nonzero_entries"] == 0
    assert n["zero_weight_moved"] == 0 and n["zero_weight_loss_change"] == 0.0
    rows = result.tables[next(t for t in result.tables if t.startswith("A hidden unit"))]
    assert all(r["|gradient| at init"] > 0 for r in rows)
    assert all(r["other hidden units' |gradient| then"] > 0 for r in rows)  # only that unit
    sweep, norms = result.data["sweep"], result.data["sweep_grad_norm"]
    zero = int(np.flatnonzero(sweep == 0.0)[0])
    assert norms.shape == (3, sweep.size)
    assert np.all(norms[:, zero] == 0.0) and np.all(np.delete(norms, zero, axis=1) > 0)
    assert "with that weight at 0 it got exactly 0 and did not move" in result.answer


def test_same_seed_same_numbers_other_seed_other_start() -> None:
    a = run_unitwise(budget=60, starts=1, visit_lengths=(5,), steps_per_visit=5, seed=3)
    b = run_unitwise(budget=60, starts=1, visit_lengths=(5,), steps_per_visit=5, seed=3)
    c = run_unitwise(budget=60, starts=1, visit_lengths=(5,), steps_per_visit=5, seed=4)
    for method in (JOINT, UNITS, LAYERS):
        np.testing.assert_array_equal(a.data["curves"][method], b.data["curves"][method])
    assert a.numbers == b.numbers and a.answer == b.answer
    assert a.data["curves"][JOINT][0] != c.data["curves"][JOINT][0]


def test_visits_and_starts_tables(result: ExperimentResult) -> None:
    visits = result.tables[next(t for t in result.tables if t.startswith("Unit by unit"))]
    assert [r["steps per visit"] for r in visits] == [1, 10]
    assert [r["visits"] for r in visits] == [3000, 300]
    assert visits[1]["loss after the passes"] == result.numbers["unit_loss"]
    starts = result.tables[next(t for t in result.tables if t.startswith("Final loss"))]
    assert [r["seed"] for r in starts] == [0, 1]
    assert starts[0][JOINT] == result.numbers["joint_loss"]


def test_the_sentences_follow_the_numbers(result: ExperimentResult) -> None:
    n = result.numbers
    assert result.answer == _answer(n) and result.verdict == _verdict(n)
    assert f"{n['joint_loss']:.3f}" in result.answer and f"{n['unit_loss']:.3f}" in result.answer
    worse = copy.deepcopy(n)
    worse["joint_loss"] = n["unit_loss"] + 1.0
    assert _answer(worse).startswith("Not on this run")
    assert "one unit at a time got lower" in _answer(worse)
    assert "ended lowest 2 times" in result.verdict


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"budget": 1}, "budget"), ({"learning_rate": 0}, "learning_rate"),
     ({"visit_lengths": ()}, "visit_lengths"), ({"visit_lengths": (0,)}, "visit_lengths"),
     ({"hidden": 0}, "hidden"), ({"starts": 0}, "starts"), ({"seed": -1}, "seed")],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        run_unitwise(**kwargs)


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="no matplotlib")
def test_cli_prints_the_answer_and_saves_the_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["unitwise", "--budget", "120", "--starts", "1", "--visit-lengths", "1", "10",
            "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("== unitwise: ")
    assert "Answer: " in out and "120 gradient evaluations" in out
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["unitwise_curves.png",
                                                              "unitwise_target.png"]


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="no matplotlib")
def test_the_report_has_its_section(result: ExperimentResult, tmp_path: Path) -> None:
    from glassnet.report import write_report

    path = write_report([result], tmp_path / "report.html", figure_dir=tmp_path)
    text = path.read_text(encoding="utf-8")
    assert 'id="exp-unitwise"' in text and "1. unitwise (Q3)" in text
    assert text.count('src="data:image/png;base64,') == 2
    assert "passes joint needed for this loss" in text  # the three ways' table
    assert "Solved together is better" in text
    assert (tmp_path / "unitwise_curves.png").is_file()
