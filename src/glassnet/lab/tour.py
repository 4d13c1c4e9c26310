"""The tour: the six experiments that answer the learners' five questions.

``run_tour()`` runs ``symmetry`` (Q1), ``flow`` (Q2), ``vectorize`` (Q3), ``unitwise`` (Q3:
the learner's alternative, trained), ``labor`` (Q4) and ``seeds`` (Q5) on built-in data and
returns their results in that order: about 10 s of
computing in one process (``workers=1``), about 6 s on two worker processes. Every
experiment is seeded, so the numbers do not depend on the number of workers.
``quick=True`` runs each at a smaller size chosen to keep each lesson (the numbers are
rougher, and each result's ``notes`` say what was cut). :func:`run_tour_and_render` also
draws each result's pictures on the workers as soon as it arrives; the command
``glassnet tour`` uses it and writes the HTML report (about 10 s on two cores, all included).
"""

from __future__ import annotations

import importlib
import inspect
import multiprocessing
import os
import queue
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..checks import check_int
from ..errors import ArgumentTypeError, ConfigError
from .base import ExperimentResult

__all__ = ["TOUR", "TourStage", "experiment_function", "run_tour", "run_tour_and_render"]


@dataclass(frozen=True)
class TourStage:
    """One experiment of the tour: its name, and its settings in the full and quick tours."""

    name: str
    question: str
    full: dict[str, Any] = field(default_factory=dict)
    quick: dict[str, Any] = field(default_factory=dict)
    #: into how many tasks its pictures are split when the tour runs on several processes
    #: (each task draws them all and encodes its share: drawing is cheap, encoding is not)
    render_parts: int = 2


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
        "unitwise", "Q3: train unit by unit or layer by layer instead? (the learner's "
                    "alternative, run)",
        full={},  # about 1 s: three ways x 3,000 passes, from 3 starts
        # 1,000 passes still rank the three ways the same (joint < unit < layer)
        quick={"budget": 1000, "starts": 2, "visit_lengths": (1, 10)},
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


def _cores() -> int:
    """The CPU cores this process may run on (a container's limit, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _check_workers(workers: Any) -> int:
    if workers is None:
        return max(1, min(_cores(), len(TOUR)))
    return int(check_int(workers, "workers", minimum=1))


def run_tour(
    *,
    quick: bool = False,
    seed: int = 0,
    progress: bool = True,
    experiments: Sequence[str] | None = None,
    print_fn: Callable[[str], None] | None = None,
    workers: int | None = 1,
) -> list[ExperimentResult]:
    """Run the tour's experiments and return their results, in the tour's order.

    Parameters
    ----------
    quick: run every experiment at a tiny size (the whole tour in seconds).
    seed: passed to every experiment (``seed=``); the same seed gives the same numbers.
    progress: print one line as each experiment starts and finishes, with its time.
    experiments: a subset of the names in :data:`TOUR` (default: all six, in order).
    print_fn: where progress lines go (default: standard error). With several workers the
        stage lines of an experiment running in a worker process are printed there, to
        standard error.
    workers: processes to run the experiments on (``None``: one per CPU core, at most six).
        The numbers do not depend on it: every experiment is seeded, and the symmetry
        experiment's populations give each member exactly the network trained alone.
    """
    results, _ = _tour(None, quick=quick, seed=seed, progress=progress,
                       experiments=experiments, print_fn=print_fn, workers=workers)
    return results


def run_tour_and_render(
    render: Callable[[ExperimentResult, int, int], list[Any]],
    *,
    quick: bool = False,
    seed: int = 0,
    progress: bool = True,
    experiments: Sequence[str] | None = None,
    print_fn: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> tuple[list[ExperimentResult], list[list[Any] | None]]:
    """:func:`run_tour`, and ``render(result, part, parts)`` for each result on the same
    workers as soon as it is ready (the report's pictures: ``part`` of ``parts`` of them).

    Returns the results and, for each, the concatenated lists ``render`` returned (``None``
    where rendering failed: the caller draws those itself and shows the error). ``render``
    must be a module-level function (it is sent to the worker processes).
    """
    return _tour(render, quick=quick, seed=seed, progress=progress, experiments=experiments,
                 print_fn=print_fn, workers=workers)


def _tour(
    render: Callable[[ExperimentResult, int, int], list[Any]] | None,
    *,
    quick: bool,
    seed: int,
    progress: bool,
    experiments: Sequence[str] | None,
    print_fn: Callable[[str], None] | None,
    workers: int | None,
) -> tuple[list[ExperimentResult], list[list[Any] | None]]:
    if not isinstance(quick, bool):
        raise ArgumentTypeError(f"quick: expected True or False, got {quick!r}")
    seed = int(check_int(seed, "seed", minimum=0))
    n_workers = _check_workers(workers)
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
    if n_workers > 1 and len(stages) > 1:
        return _tour_parallel(stages, functions, render, quick=quick, seed=seed,
                              progress=progress, say=say, workers=n_workers)
    results: list[ExperimentResult] = []
    rendered: list[list[Any] | None] = []
    start_all = time.perf_counter()
    for i, (stage, function) in enumerate(zip(stages, functions), start=1):
        settings = stage.quick if quick else stage.full
        if progress:
            say(_start_line(i, len(stages), stage, settings))
        kwargs = dict(settings)
        if progress and "progress" in inspect.signature(function).parameters:
            # the experiment's own stages
            kwargs["progress"] = lambda line: say(_fill(f"      {line}", " " * 8))
        start = time.perf_counter()
        result = function(seed=seed, **kwargs)
        elapsed = time.perf_counter() - start
        _finish_result(result, elapsed, function, settings, quick)
        results.append(result)
        if progress:
            say(f"      done in {elapsed:.1f} s "
                f"(tour so far {time.perf_counter() - start_all:.1f} s)")
        if render is not None:
            rendered.append(_render_or_none(render, result, 0, 1))
    return results, rendered if render is not None else [None] * len(results)


def _start_line(i: int, n: int, stage: TourStage, settings: dict[str, Any]) -> str:
    shown = ", ".join(
        f"{k}={v:,}" if isinstance(v, int) and not isinstance(v, bool) else f"{k}={v}"
        for k, v in settings.items()
    )
    return _fill(f"[{i}/{n}] {stage.name}: {stage.question}" + (f" ({shown})" if shown else ""),
                 " " * 6)


def _finish_result(result: ExperimentResult, elapsed: float,
                   function: Callable[..., ExperimentResult], settings: dict[str, Any],
                   quick: bool) -> None:
    if not result.seconds:
        result.seconds = elapsed
    if quick and settings:
        result.notes.insert(0, quick_note(function, settings))


def _render_or_none(render: Callable[[ExperimentResult, int, int], list[Any]],
                    result: ExperimentResult, part: int, parts: int) -> list[Any] | None:
    try:
        return list(render(result, part, parts))
    except Exception:  # the caller draws it again and shows the error in its place
        return None


# -- several processes -------------------------------------------------------------------------
def _worker_say(line: str) -> None:
    _stderr(_fill(f"      {line}", " " * 8))


def _compute_in_worker(name: str, settings: dict[str, Any], seed: int,
                       progress: bool) -> tuple[ExperimentResult, float]:
    """One experiment, in a worker process; returns the result and its wall time."""
    function = experiment_function(name)
    kwargs = dict(settings)
    if progress and "progress" in inspect.signature(function).parameters:
        kwargs["progress"] = _worker_say
    start = time.perf_counter()
    result = function(seed=seed, **kwargs)
    return result, time.perf_counter() - start


def _no_op(_: int) -> int:
    return os.getpid()


class _PoolMap:
    """``map_jobs`` for an experiment run in a thread of this process: its jobs go to the
    tour's worker processes, ahead of whatever is submitted after them."""

    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self.pool = pool
        self.submitted = threading.Event()

    def __call__(self, function: Callable[[Any], Any], jobs: list[Any]) -> list[Any]:
        futures = [self.pool.submit(function, job) for job in jobs]
        self.submitted.set()
        return [f.result() for f in futures]


def _context() -> Any:
    """``fork`` where it is the tested default (Linux: the workers start at once, with the
    modules already imported); the platform's default elsewhere."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _tour_parallel(
    stages: list[TourStage],
    functions: list[Callable[..., ExperimentResult]],
    render: Callable[[ExperimentResult, int, int], list[Any]] | None,
    *,
    quick: bool,
    seed: int,
    progress: bool,
    say: Callable[[str], None],
    workers: int,
) -> tuple[list[ExperimentResult], list[list[Any] | None]]:
    """The experiments (and their pictures) as tasks for ``workers`` processes.

    An experiment that takes ``map_jobs`` runs in a thread here and sends its independent
    training jobs to the workers first; every other experiment is one task. As each result
    arrives its pictures are queued (in ``render_parts`` tasks), so drawing overlaps with
    the experiments still running."""
    n = len(stages)
    start_all = time.perf_counter()
    results: list[ExperimentResult | None] = [None] * n
    parts_done: list[dict[int, list[Any] | None]] = [{} for _ in range(n)]
    events: queue.Queue[tuple[str, int, int, Any]] = queue.Queue()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context())
    threads: list[threading.Thread] = []
    try:
        # start the processes now, while this is the only thread
        list(pool.map(_no_op, range(workers)))
        if progress:
            say(_fill(f"Running the {n} experiments on {workers} processes at once (they "
                      f"finish in any order; the numbers are the same as on one).", ""))

        def settings_of(i: int) -> dict[str, Any]:
            return stages[i].quick if quick else stages[i].full

        def on_done(kind: str, i: int, part: int) -> Callable[[Future[Any]], None]:
            return lambda fut: events.put((kind, i, part, fut))

        order = sorted(range(n), key=lambda i: "map_jobs" not in
                       inspect.signature(functions[i]).parameters)
        for i in order:
            stage, function = stages[i], functions[i]
            settings = settings_of(i)
            if progress:
                say(_start_line(i + 1, n, stage, settings))
            if "map_jobs" in inspect.signature(function).parameters:
                mapper = _PoolMap(pool)
                kwargs = dict(settings, map_jobs=mapper)
                if progress and "progress" in inspect.signature(function).parameters:
                    # it runs here, in a thread: its lines go where this tour's lines go
                    kwargs["progress"] = lambda line: say(_fill(f"      {line}", " " * 8))

                def run(i: int = i, function: Callable[..., Any] = function,
                        kwargs: dict[str, Any] = kwargs, mapper: _PoolMap = mapper) -> None:
                    start = time.perf_counter()
                    try:
                        result = function(seed=seed, **kwargs)
                        events.put(("computed", i, 0, (result, time.perf_counter() - start)))
                    except BaseException as exc:  # reported by the main thread
                        events.put(("failed", i, 0, exc))
                    finally:  # also when it never sent a job: nothing waits for ever
                        mapper.submitted.set()

                thread = threading.Thread(target=run, name=f"tour-{stage.name}", daemon=True)
                threads.append(thread)
                thread.start()
                mapper.submitted.wait()
            else:
                fut = pool.submit(_compute_in_worker, stage.name, settings, seed, progress)
                fut.add_done_callback(on_done("future", i, 0))
        outstanding = n
        while outstanding:
            kind, i, part, payload = events.get()
            if kind == "failed":
                raise payload
            if kind == "future":
                exc = payload.exception()
                if exc is not None:
                    raise exc
                kind, payload = "computed", payload.result()
            if kind == "computed":
                result, elapsed = payload
                _finish_result(result, elapsed, functions[i], settings_of(i), quick)
                results[i] = result
                outstanding -= 1
                if progress:
                    say(f"      {stages[i].name} done in {elapsed:.1f} s "
                        f"(tour so far {time.perf_counter() - start_all:.1f} s)")
                if render is not None:
                    parts = max(1, stages[i].render_parts)
                    for p in range(parts):
                        drawn = pool.submit(_render_or_none, render, result, p, parts)
                        drawn.add_done_callback(on_done("rendered", i, p))
                        outstanding += 1
                    if progress and all(r is not None for r in results):
                        say("      every experiment done; drawing the last figures ...")
            elif kind == "rendered":
                parts_done[i][part] = None if payload.exception() else payload.result()
                outstanding -= 1
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for thread in threads:
            thread.join(timeout=1.0)
    rendered: list[list[Any] | None] = []
    for done in parts_done:
        if render is None or any(v is None for v in done.values()):
            rendered.append(None)
        else:
            rendered.append([item for p in sorted(done) for item in (done[p] or [])])
    return [r for r in results if r is not None], rendered
