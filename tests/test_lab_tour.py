"""The tour's machinery: order, subsets, progress lines, errors (the full quick tour is in
test_cli.py)."""

from __future__ import annotations

import pytest

import glassnet as gn
from glassnet.lab import TOUR, experiment_function, run_tour, run_vectorize


def test_the_tour_has_the_five_questions_in_order() -> None:
    assert [s.name for s in TOUR] == ["symmetry", "flow", "vectorize", "labor", "seeds"]
    assert [s.question[:2] for s in TOUR] == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    for stage in TOUR:
        assert callable(experiment_function(stage.name))
    assert experiment_function("vectorize") is run_vectorize


def test_a_subset_runs_with_progress_lines() -> None:
    lines: list[str] = []
    results = run_tour(quick=True, experiments=["vectorize"], print_fn=lines.append, seed=2)
    assert [r.name for r in results] == ["vectorize"]
    assert results[0].params["seed"] == 2 and results[0].params["m"] == 40  # quick settings
    assert results[0].seconds > 0
    assert lines[0].startswith("[1/1] vectorize: Q3")
    assert "done in" in lines[1]


def test_no_progress_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    run_tour(quick=True, experiments=["vectorize"], progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"experiments": ["vectorize", "nope"]}, gn.ConfigError),
        ({"experiments": []}, gn.ConfigError),
        ({"experiments": "vectorize"}, gn.ArgumentTypeError),
        ({"quick": "yes"}, gn.ArgumentTypeError),
        ({"seed": -1}, gn.ConfigError),
    ],
)
def test_bad_arguments(kwargs: dict, error: type) -> None:
    with pytest.raises(error):
        run_tour(**kwargs)


def test_unknown_experiment_function() -> None:
    with pytest.raises(gn.ConfigError, match="experiment"):
        experiment_function("nope")
