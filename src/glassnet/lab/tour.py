"""The tour: the five experiments, one after another, each answering one learner's question.

``run_tour()`` runs ``symmetry`` (Q1), ``flow`` (Q2), ``vectorize`` (Q3), ``labor`` (Q4) and
``seeds`` (Q5) on built-in data with settings that together take about half a minute on a
two-core machine, and returns their results in that order. ``quick=True`` runs each at a
smaller size chosen to keep each lesson (under 10 s of computing; the numbers are rougher,
and each result's ``notes`` say what was cut).
The command ``glassnet tour`` runs it and writes the HTML report.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._checks import check_int
from ..errors import ArgumentTypeError, ConfigError
from .base import ExperimentResult

__all__ = ["TOUR", "TourStage", "experiment_function", "run_tour"]


@dataclass(frozen=True)
class TourStage:
    """One experiment of the tour: its name, and its settings in the full and quick tours."""

    name: str
    question: str
    full: dict[str, Any] = field(default_factory=dict)
    quick: dict[str, Any] = field(default_factory=dict)


TOUR: tuple[TourStage, ...] = (
    TourStage(
        "symmetry", "Q1: why don't units in a layer learn the same weights?",
        full={},  # the course's 15,000 full-batch steps, six initializations
        # 2,000 steps at a larger rate still separate zeros (50%), constant (k = 1) and
        # random (He/Glorot near 99%); 400 steps at 0.01 did not (He 60%, Glorot 48%).
        quick={"iterations": 2000, "learning_rate": 0.05, "records": 20,
               "replay_course": False},
    ),
    TourStage(
        "flow", "Q2: does every unit process every example?",
        full={},
        quick={"n_examples": 40, "epochs": 5},
    ),
    TourStage(
        "vectorize", "Q3: solved all at once, or neuron by neuron?",
        full={"m": 1000, "n_in": 64, "units": 25, "dot_n": 1_000_000, "repeats": 3},
        quick={"m": 40, "n_in": 16, "units": 8, "dot_n": 20_000, "repeats": 2},
    ),
    TourStage(
        "labor", "Q4: do units divide the labor?",
        full={},
        # the full-size networks, trained less: 8 epochs of a 9-unit layer left too little
        quick={"epochs": 20, "coffee_epochs": 200, "resolution": 24, "top_k": 4},
    ),
    TourStage(
        "seeds", "Q5: do different seeds find different minima?",
        full={},
        # 4 epochs of an 8-unit layer reached 52-63%: a spread that contradicts the lesson
        quick={"n_seeds": 3, "epochs": 20},
    ),
)
"""The tour's experiments in order, with their settings."""


def experiment_function(name: str) -> Callable[..., ExperimentResult]:
    """``glassnet.lab.<name>.run_<name>``, imported on demand.

    A missing or broken experiment is an error that says which one, never a silent gap.
    """
    names = [stage.name for stage in TOUR]
    if name not in names:
        raise ConfigError(f"experiment: expected one of {', '.join(names)}, got {name!r}")
    module_name = f"{__package__}.{name}"
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(
            f"the experiment {name!r} could not be loaded ({module_name}): {exc}"
        ) from exc
    function = getattr(module, f"run_{name}", None)
    if not callable(function):
        raise ImportError(f"{module_name} has no function run_{name}")
    return function


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value}"


def quick_note(function: Callable[..., ExperimentResult], settings: dict[str, Any]) -> str:
    """What a quick run cut: each changed setting against the function's default."""
    params = inspect.signature(function).parameters
    changes = [f"{k} {_fmt(v)} instead of {_fmt(params[k].default)}"
               for k, v in settings.items()
               if k in params and params[k].default is not inspect.Parameter.empty]
    return ("Quick run (smaller sizes, same lesson; rougher numbers): " + ", ".join(changes)
            + ".")


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _fill(line: str, indent: str) -> str:
    """One progress line folded to 80 columns (one string, so one ``print_fn`` call)."""
    return textwrap.fill(line, width=80, subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False)


def run_tour(
    *,
    quick: bool = False,
    seed: int = 0,
    progress: bool = True,
    experiments: Sequence[str] | None = None,
    print_fn: Callable[[str], None] | None = None,
) -> list[ExperimentResult]:
    """Run the tour's experiments in order and return their results.

    Parameters
    ----------
    quick: run every experiment at a tiny size (the whole tour in seconds).
    seed: passed to every experiment (``seed=``); the same seed gives the same numbers.
    progress: print one line as each experiment starts and finishes, with its time.
    experiments: a subset of the names in :data:`TOUR` (default: all five, in order).
    print_fn: where progress lines go (default: standard error).
    """
    if not isinstance(quick, bool):
        raise ArgumentTypeError(f"quick: expected True or False, got {quick!r}")
    seed = int(check_int(seed, "seed", minimum=0))  # type: ignore[arg-type]
    stages = list(TOUR)
    if experiments is not None:
        if isinstance(experiments, str) or not isinstance(experiments, Sequence):
            raise ArgumentTypeError(
                f"experiments: expected a list of names, got {type(experiments).__name__}"
            )
        known = {stage.name: stage for stage in TOUR}
        unknown = [e for e in experiments if e not in known]
        if unknown or not experiments:
            raise ConfigError(
                f"experiments: expected names from {', '.join(known)}, got {list(experiments)!r}"
            )
        stages = [known[e] for e in experiments]
    say = print_fn or _stderr
    functions = [experiment_function(stage.name) for stage in stages]  # fail before running
    results: list[ExperimentResult] = []
    start_all = time.perf_counter()
    for i, (stage, function) in enumerate(zip(stages, functions), start=1):
        settings = stage.quick if quick else stage.full
        if progress:
            shown = ", ".join(
                f"{k}={v:,}" if isinstance(v, int) and not isinstance(v, bool) else f"{k}={v}"
                for k, v in settings.items()
            )
            say(_fill(f"[{i}/{len(stages)}] {stage.name}: {stage.question}"
                      + (f" ({shown})" if shown else ""), " " * 6))
        kwargs = dict(settings)
        if progress and "progress" in inspect.signature(function).parameters:
            # the experiment's own stages
            kwargs["progress"] = lambda line: say(_fill(f"      {line}", " " * 8))
        start = time.perf_counter()
        result = function(seed=seed, **kwargs)
        elapsed = time.perf_counter() - start
        if not result.seconds:
            result.seconds = elapsed
        if quick and settings:
            result.notes.insert(0, quick_note(function, settings))
        results.append(result)
        if progress:
            say(f"      done in {elapsed:.1f} s "
                f"(tour so far {time.perf_counter() - start_all:.1f} s)")
    return results
