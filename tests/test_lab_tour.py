"""The tour's machinery: order, subsets, progress lines, errors (the full quick tour is in
test_cli.py)."""

from __future__ import annotations

from typing import Any

import pytest

import glassnet as gn
from glassnet.lab import TOUR, experiment_function, run_tour, run_vectorize


def test_the_tour_has_the_five_questions_in_order() -> None:
    assert [s.name for s in TOUR] == ["symmetry", "flow", "vectorize", "unitwise", "labor",
                                      "seeds"]
    assert [s.question[:2] for s in TOUR] == ["Q1", "Q2", "Q3", "Q3", "Q4", "Q5"]
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
    # each call is one progress line, folded to 80 columns (the settings made it 111 wide)
    assert max(len(row) for line in lines for row in line.splitlines()) <= 80


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


def test_the_quick_tour_keeps_every_lesson_and_says_what_it_cut() -> None:
    """Smaller sizes, same answers: zeros stays at chance, a constant start stays one unit,
    a random start learns; seeds reach nearly the same quality; each answer comes first."""
    results = {r.name: r for r in run_tour(quick=True, progress=False)}
    inits = results["symmetry"].numbers["inits"]
    assert inits["zeros"]["train_acc"] == 0.5 and inits["zeros"]["weight_grads_zero_throughout"]
    assert inits["constant"]["k_end"]["L1"] == 1
    assert inits["constant"]["train_acc"] < 0.7
    for key in ("glorot", "he"):
        assert inits[key]["train_acc"] > 0.9 and inits[key]["k_end"]["L1"] == 10
    alternative = results["unitwise"].numbers  # 1,000 passes: the same ranking
    assert alternative["joint_loss"] < alternative["unit_loss"] < alternative["layer_loss"]
    assert alternative["zero_weight_grad_norms"] == [0.0, 0.0, 0.0]
    seeds = results["seeds"].numbers
    assert seeds["accuracy_min"] > 0.9 and seeds["accuracy_max"] - seeds["accuracy_min"] < 0.03
    for result in results.values():
        assert result.answer and str(result).splitlines()[1] == f"Answer: {result.answer}"
        assert result.notes[0].startswith("Quick run (smaller sizes, same lesson")
    assert "iterations 2,000 instead of 15,000" in results["symmetry"].notes[0]
    reading = [n for n in results["labor"].notes if n.startswith("Further reading")]
    assert len(reading) >= 4 and any("Morcos" in n for n in reading)


def _flat(d: object, prefix: str = "") -> dict[str, object]:
    if isinstance(d, dict):
        out: dict[str, object] = {}
        for k, v in d.items():
            out.update(_flat(v, f"{prefix}/{k}"))
        return out
    return {prefix: d}


def _timed(key: str) -> bool:
    return "seconds" in key or "speedup" in key


def test_several_workers_give_the_same_numbers_as_one() -> None:
    """The tour on two processes (symmetry's population and its SGD check sent to the
    workers as jobs, the other experiments as tasks) computes exactly what it computes in
    one process; only the measured times differ."""
    import numpy as np

    one = run_tour(quick=True, progress=False, workers=1)
    two = run_tour(quick=True, progress=False, workers=2)
    assert [r.name for r in two] == [s.name for s in TOUR]
    for a, b in zip(one, two):
        fa, fb = _flat(a.numbers), _flat(b.numbers)
        assert fa.keys() == fb.keys()
        same = {k: fa[k] == fb[k] for k in fa if not _timed(k)}
        assert all(same.values()), (a.name, [k for k, v in same.items() if not v])
        assert a.notes == b.notes
        if a.name != "vectorize":  # its answer quotes a measured speed-up
            assert a.answer == b.answer and a.verdict == b.verdict
    for key, curve in one[0].data["loss"].items():
        np.testing.assert_array_equal(two[0].data["loss"][key], curve)
        for layer, k in one[0].data["k_curves"][key].items():
            np.testing.assert_array_equal(two[0].data["k_curves"][key][layer], k)


def _fake_render(result: object, part: int, parts: int) -> list[tuple[str, int, int]]:
    name = getattr(result, "name", "?")
    if name == "flow":
        raise RuntimeError("a broken picture")
    return [(name, part, parts)]


def test_rendering_on_the_workers_splits_and_survives_a_failure() -> None:
    from glassnet.lab import run_tour_and_render

    for workers in (1, 2):
        results, rendered = run_tour_and_render(
            _fake_render, quick=True, progress=False, workers=workers,
            experiments=["symmetry", "flow", "labor"])
        assert [r.name for r in results] == ["symmetry", "flow", "labor"]
        parts = 2 if workers > 1 else 1  # the pictures are shared by the workers
        assert rendered[0] == [("symmetry", p, parts) for p in range(parts)]
        assert rendered[1] is None  # failed: the report draws it again and shows the error
        assert rendered[2] == [("labor", p, parts) for p in range(parts)]


def test_a_failing_experiment_raises_here_and_stops_the_workers() -> None:
    from glassnet.lab import tour

    # symmetry runs in a thread here; flow on a worker: each error reaches the caller
    stages = [tour.TourStage("symmetry", "Q1", quick={"iterations": 0}),
              tour.TourStage("flow", "Q2", quick={"n_examples": 40, "epochs": 1})]
    functions = [experiment_function(s.name) for s in stages]
    with pytest.raises(gn.ConfigError, match="iterations"):
        tour._tour_parallel(stages, functions, None, quick=True, seed=0, progress=False,
                            say=print, workers=2)
    stages = [tour.TourStage("flow", "Q2", quick={"n_examples": -1})]
    with pytest.raises(gn.ConfigError, match="n_examples"):
        tour._tour_parallel(stages * 2, [experiment_function("flow")] * 2, None, quick=True,
                            seed=0, progress=False, say=print, workers=2)


def test_bad_workers() -> None:
    with pytest.raises(gn.ConfigError, match="workers"):
        run_tour(quick=True, workers=0)
    with pytest.raises(gn.ArgumentTypeError, match="workers"):
        run_tour(quick=True, workers="2")  # type: ignore[arg-type]


def _flow_without_jobs(*, map_jobs: Any = None, **kwargs: Any) -> Any:
    """An experiment that accepts map_jobs and never uses it (module level: workers fork)."""
    return experiment_function("flow")(**kwargs)


def test_an_experiment_that_sends_no_job_does_not_hang_the_tour() -> None:
    from glassnet.lab import tour

    stages = [tour.TourStage("flow", "Q2", quick={"n_examples": 40, "epochs": 1}),
              tour.TourStage("vectorize", "Q3", quick={"m": 20, "n_in": 4, "units": 3,
                                                       "dot_n": 1000, "repeats": 1})]
    functions = [_flow_without_jobs, experiment_function("vectorize")]
    done: list[Any] = []

    def run() -> None:
        done.append(tour._tour_parallel(stages, functions, None, quick=True, seed=0,
                                        progress=False, say=print, workers=2))

    import threading

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(timeout=60)  # a hang fails here instead of stalling the test run
    assert done, "the tour did not finish within 60 s"
    results, _ = done[0]
    assert [r.name for r in results] == ["flow", "vectorize"]


def test_the_experiment_running_here_prints_through_print_fn(
        capsys: pytest.CaptureFixture[str]) -> None:
    lines: list[str] = []
    run_tour(quick=True, workers=2, print_fn=lines.append, experiments=["symmetry", "flow"])
    assert any(line.lstrip().startswith("symmetry: ") for line in lines)  # its stage lines
    assert "symmetry: " not in capsys.readouterr().err
