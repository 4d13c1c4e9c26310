"""Q1: every unit of a layer sees the same input; why don't they all learn the same weights?

Because they start different. Unit ``j`` computes ``g(x . w_j + b_j)``; if two units start
with the same ``(w_j, b_j)`` they compute the same output, receive the same gradient and take
the same step, at every step: they stay copies forever. This experiment replays the Deep
Learning Specialization's "Initialization" exercise with glassnet and measures it:

- data: ``make_circles(300, noise=0.05, random_state=1)`` to train,
  ``make_circles(100, noise=0.05, random_state=2)`` to test (scikit-learn's generator);
- network: ``[2, 10, 5, 1]``, ReLU, ReLU, sigmoid; zero biases;
- training: full-batch gradient descent (``batch_size=None``), SGD with learning rate 0.01,
  binary cross-entropy, 15,000 iterations (one update per epoch), in float64 like the
  course's NumPy code;
- initializations of every weight matrix: zeros, constant 0.5, small random (N(0, 0.01^2)),
  standard normal x 10 (N(0, 10^2)), Glorot (uniform, Keras' default) and He
  (N(0, 2 / fan_in), untruncated, the course's ``randn * sqrt(2 / fan_in)``).

For each, the symmetry meter (:func:`glassnet.inspect.symmetry`) counts the distinct units of
each hidden layer at the start, during training and at the end, and a
:class:`~glassnet.inspect.NeuronRecorder` follows every unit's gradient norm. The two failure
modes come apart in the numbers: zeros gives weight gradients that are exactly 0 (nothing
moves); a constant gives non-zero gradients, the network learns a little, and each hidden
layer stays ``k = 1`` distinct unit.

The course computes its cost as ``-mean(y log a + (1 - y) log(1 - a))`` from a sigmoid
rounded in float64, which is infinite when some ``a`` rounds to exactly 0 or 1 (the
"standard normal x 10" start). glassnet's loss works on the logit ``z`` directly,
``max(z, 0) - z y + log(1 + exp(-|z|))``, which is exact and finite: both are reported.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..callbacks import Callback
from ..checks import check_int
from ..datasets import make_circles
from ..errors import ConfigError
from ..initializers import Constant, RandomNormal, Zeros
from ..inspect import NeuronRecorder, distinct_units, symmetry
from ..layers import Dense, Input
from ..model import Sequential
from ..optimizers import SGD
from ..population import Population
from .base import ExperimentResult

__all__ = ["INITS", "PUBLISHED", "QUESTION", "run_symmetry"]

QUESTION = ("All units in a layer get the same input x. Why don't they learn the same "
            "weights?")

#: key -> (label, initializer of every weight matrix)
INITS: dict[str, tuple[str, Any]] = {
    "zeros": ("zeros", Zeros()),
    "constant": ("constant 0.5", Constant(0.5)),
    "small": ("small random (normal x 0.01)", RandomNormal(stddev=0.01)),
    "normal_x10": ("standard normal x 10", RandomNormal(stddev=10.0)),
    "glorot": ("Glorot (uniform)", "glorot_uniform"),
    "he": ("He (normal x sqrt(2/fan_in))", "he_normal"),
}

#: The course's published figures (and a learner's constant-0.5 run of the course notebook,
#: which was measured, not published; the report cites its own constant-0.5 run beside it).
#: ``first_cost`` "inf" is the course's infinite first cost.
PUBLISHED: dict[str, dict[str, Any]] = {
    "zeros": {"train_acc": 0.50, "test_acc": 0.50, "cost": 0.6931,
              "note": "cost stuck at 0.6931; every weight gradient exactly 0"},
    "normal_x10": {"train_acc": 0.83, "test_acc": 0.86, "first_cost": "inf",
                   "note": "the first cost is infinite"},
    "he": {"train_acc": 0.993, "test_acc": 0.96, "note": ""},
    "constant": {"train_acc": 0.58, "test_acc": 0.59,
                 "note": "a learner's run of the course notebook, not a published "
                         "figure: all 10 L1 units stay identical (this report's own "
                         "constant 0.5 run: 'L1 distinct' in the table of runs)"},
}

HIDDEN = ("L1", "L2")
REFERENCE_ITERATIONS = 15_000


def course_cost(model: Sequential, X: NDArray[Any], y: NDArray[Any]) -> float:
    """The course's ``compute_loss`` on the model's current weights, in float64.

    ``a = 1 / (1 + exp(-z))``; ``cost = nansum(-y log a - (1 - y) log(1 - a)) / m``. A sigmoid
    that rounds to exactly 0 or 1 on a wrong label makes it infinite.
    """
    a = np.asarray(X, dtype=np.float64)
    for layer in model.layers[:-1]:
        a = np.maximum(a @ layer.params[0].astype(np.float64) + layer.params[1], 0.0)
    last = model.layers[-1]
    z = (a @ last.params[0].astype(np.float64) + last.params[1])[:, 0]
    t = np.asarray(y, dtype=np.float64)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        p = 1.0 / (1.0 + np.exp(-z))
        logprobs = -np.log(p) * t - np.log(1.0 - p) * (1.0 - t)
        return float(np.nansum(logprobs) / t.shape[0])


#: the course's random initializations: key -> scale of ``randn`` given ``fan_in``
COURSE_DRAWS: dict[str, Callable[[int], float]] = {
    "normal_x10": lambda fan_in: 10.0,
    "he": lambda fan_in: math.sqrt(2.0 / fan_in),
}
COURSE_SEED = 3
LAYER_SIZES = (2, 10, 5, 1)


def course_weights(key: str) -> list[NDArray[np.float64]]:
    """The course's own initial weights for ``key`` ("normal_x10" or "he"), in glassnet's layout.

    The exercise seeds NumPy's legacy Mersenne-Twister generator with 3 and draws, layer by
    layer, ``W[l] = randn(n_l, n_{l-1}) * scale`` with ``(units, n_in)`` rows; glassnet keeps
    ``W`` as ``(n_in, units)``, so each is transposed. Biases are zero. The draws come from an
    explicit ``RandomState(3)`` object (never the global state): only that legacy generator
    reproduces the course's numbers.
    """
    if key not in COURSE_DRAWS:
        raise ConfigError(f"key: expected one of {', '.join(COURSE_DRAWS)}, got {key!r}")
    rs = np.random.RandomState(COURSE_SEED)
    out: list[NDArray[np.float64]] = []
    for n_in, units in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:]):
        W = rs.randn(units, n_in) * COURSE_DRAWS[key](n_in)
        out += [np.ascontiguousarray(W.T), np.zeros(units)]
    return out


class _SymmetryTracker(Callback):
    """Counts the distinct units of each hidden layer at the start and every ``every`` epochs."""

    def __init__(self, X: NDArray[Any], every: int, tol: float) -> None:
        self.X = X
        self.every = every
        self.tol = tol
        self.epochs: list[int] = []
        self.k: dict[str, list[int]] = {}

    def _measure(self, epochs_done: int) -> None:
        self.epochs.append(epochs_done)
        for name, k in distinct_units(self.model, self.X, tol=self.tol).items():
            self.k.setdefault(name, []).append(k)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._measure(0)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if (epoch + 1) % self.every == 0:
            self._measure(epoch + 1)


def _accuracy(model: Sequential, X: NDArray[Any], y: NDArray[Any]) -> float:
    p = model.predict(X, batch_size=None)[:, 0]
    return float(np.mean((p > 0.5) == (y == 1)))


def _build(init: Any, seed: int, learning_rate: float, dtype: str = "float64") -> Sequential:
    model = Sequential([
        Input(shape=(2,)),
        Dense(10, activation="relu", kernel_initializer=init, bias_initializer="zeros",
              name="L1"),
        Dense(5, activation="relu", kernel_initializer=init, bias_initializer="zeros",
              name="L2"),
        Dense(1, activation="sigmoid", kernel_initializer=init, bias_initializer="zeros",
              name="L3"),
    ], seed=seed, dtype=dtype)
    model.compile(loss="binary_crossentropy", optimizer=SGD(learning_rate=learning_rate))
    return model


def _run_one(
    key: str, init: Any, data: tuple[NDArray[Any], ...], *, iterations: int, seed: int,
    learning_rate: float, every: int, tol: float, dtype: str,
    weights: list[Any] | None = None, batch_size: int | None = None,
) -> dict[str, Any]:
    """Train one initialization for ``iterations`` optimizer steps and measure it.

    ``batch_size=None`` is deterministic full-batch gradient descent (one step per epoch, no
    shuffling); an integer is mini-batch SGD that reshuffles the examples every epoch (with
    ``seed``), for about the same number of steps.
    """
    return _run_many([(key, init, weights)], data, iterations=iterations, seed=seed,
                     learning_rate=learning_rate, every=every, tol=tol, dtype=dtype,
                     batch_size=batch_size)[0]


def _run_many(
    runs: list[tuple[str, Any, list[Any] | None]], data: tuple[NDArray[Any], ...], *,
    iterations: int, seed: int, learning_rate: float, every: int, tol: float, dtype: str,
    batch_size: int | None = None,
) -> list[dict[str, Any]]:
    """:func:`_run_one` for each ``(key, initializer, weights or None)``, all trained together
    as one :class:`~glassnet.population.Population` (each member is bit for bit the network
    trained alone), each with its own recorder and symmetry tracker."""
    X, y, X_test, y_test = data
    steps_per_epoch = 1 if batch_size is None else -(-X.shape[0] // batch_size)
    epochs = max(1, -(-iterations // steps_per_epoch))
    every = max(1, every // steps_per_epoch)
    start = time.perf_counter()
    models: list[Sequential] = []
    before: list[dict[str, Any]] = []
    for _key, init, weights in runs:
        model = _build(init, seed, learning_rate, dtype)
        if weights is not None:
            model.set_weights(weights)
        grads0 = model.gradients(X, y)
        before.append({
            "first_cost": model.loss_value(X, y),
            "first_course": course_cost(model, X, y),
            "grads0": grads0,
            "grad_w0": {str(layer.name): float(np.linalg.norm(grads0[2 * i].astype(np.float64)))
                        for i, layer in enumerate(model.layers)},
            "grad_b0": {str(layer.name):
                        float(np.linalg.norm(grads0[2 * i + 1].astype(np.float64)))
                        for i, layer in enumerate(model.layers)},
            "W1_start": model.layers[0].params[0].copy(),
            "sym0": symmetry(model, X, tol=tol),
        })
        models.append(model)
    recorders = [NeuronRecorder(probe=X, every_epochs=every, include_initial=True) for _ in runs]
    trackers = [_SymmetryTracker(X, every, tol) for _ in runs]
    fit_kwargs: dict[str, Any] = {"epochs": epochs, "batch_size": batch_size,
                                  "shuffle": batch_size is not None, "seed": seed}
    if len(models) == 1:  # one network: the engine's own loop (the same numbers, less work)
        histories: Any = [models[0].fit(X, y, callbacks=[recorders[0], trackers[0]],
                                        verbose=0, **fit_kwargs)]
        trained = models
    else:
        pop = Population(models)
        histories = pop.fit(X, y, callbacks=[[r, t] for r, t in zip(recorders, trackers)],
                            **fit_kwargs)
        trained = pop.models()
    seconds = (time.perf_counter() - start) / len(runs)  # each run's share of the time
    out = []
    for k, (key, _, _) in enumerate(runs):
        model, pre, recorder, tracker = trained[k], before[k], recorders[k], trackers[k]
        grads0, grad_w0 = pre["grads0"], pre["grad_w0"]
        sym0 = pre["sym0"]
        sym1 = symmetry(model, X, tol=tol)
        final_cost = model.loss_value(X, y)

        # Frobenius norm of each layer's weight gradient at each record: sqrt(sum_j ||g_j||^2).
        grad_curves: dict[str, NDArray[np.float64]] = {}
        for name, hist in recorder.history.items():
            g = np.sqrt(np.sum(hist["grad_norm"] ** 2, axis=1))
            g[0] = grad_w0[name]  # the initial record has no step yet: use model.gradients
            grad_curves[name] = g
        all_zero_start = all(np.count_nonzero(grads0[2 * i]) == 0
                             for i in range(len(model.layers)))
        max_grad_training = max(float(np.max(c)) for c in grad_curves.values())
        loss = np.asarray(histories[k].history["loss"] + [final_cost], dtype=np.float64)
        out.append({
            "key": key,
            "label": INITS[key][0] if key in INITS else key,
            "train_acc": _accuracy(model, X, y),
            "test_acc": _accuracy(model, X_test, y_test),
            "first_cost": float(pre["first_cost"]),
            "first_cost_course": pre["first_course"],
            "final_cost": float(final_cost),
            "grad_W_start": grad_w0,
            "grad_b_start": pre["grad_b0"],
            "weight_grads_zero_at_start": bool(all_zero_start),
            "max_weight_grad_norm": max_grad_training,
            "weight_grads_zero_throughout": bool(all_zero_start and max_grad_training == 0.0),
            "k_start": {layer.name: layer.k_distinct for layer in sym0.layers},
            "k_end": {layer.name: layer.k_distinct for layer in sym1.layers},
            "n_units": {layer.name: layer.n_units for layer in sym1.layers},
            "groups_end": {layer.name: layer.groups for layer in sym1.layers},
            "closest_gap_end": {layer.name: layer.closest_gap for layer in sym1.layers},
            "cost_at_1000": float(loss[1000]) if loss.shape[0] > 1000 else float("nan"),
            "output_bias_grad_start": pre["grad_b0"][str(model.layers[-1].name)],
            "loss": loss,
            "k_epochs": np.asarray(tracker.epochs, dtype=np.int64) * steps_per_epoch,
            "steps_per_epoch": steps_per_epoch,
            "batch_size": batch_size,
            "k_curves": {name: np.asarray(v, dtype=np.int64) for name, v in tracker.k.items()},
            "record_epochs": np.asarray(recorder.epochs, dtype=np.int64) * steps_per_epoch,
            "grad_curves": grad_curves,
            "W1_start": pre["W1_start"].astype(np.float64),
            "W1_end": model.layers[0].params[0].astype(np.float64),
            "seconds": seconds,
        })
    return out


def _symmetry_job(job: tuple[Any, ...]) -> list[dict[str, Any]]:
    """One training job of :func:`run_symmetry`: ``(runs, data, settings, batch_size)``."""
    runs, data, settings, batch_size = job
    return _run_many(runs, data, batch_size=batch_size, **settings)


def _map_here(function: Callable[[Any], Any], jobs: list[Any]) -> list[Any]:
    return [function(job) for job in jobs]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if abs(100 * x - round(100 * x)) >= 0.05 else f"{100 * x:.0f}%"


def _verdict(numbers: dict[str, Any]) -> str:
    """The plain-language answer, built from ``numbers`` only (see :func:`run_symmetry`)."""
    runs: dict[str, dict[str, Any]] = numbers["inits"]
    course: dict[str, dict[str, Any]] = numbers.get("course_draws", {})
    iterations = int(numbers["iterations"])
    chance = float(numbers.get("chance_accuracy", 0.5))
    parts: list[str] = []
    for r in runs.values():
        n1, k1s, k1e = r["n_units"]["L1"], r["k_start"]["L1"], r["k_end"]["L1"]
        n2, k2e = r["n_units"]["L2"], r["k_end"]["L2"]
        acc = f"train {_pct(r['train_acc'])}, test {_pct(r['test_acc'])}"
        label = r["label"]
        if r["weight_grads_zero_throughout"]:
            still = abs(float(r["final_cost"]) - float(r["first_cost"])) < 5e-5
            moved = "stays at" if still else f"goes from {float(r['first_cost']):.4f} to"
            text = (f"{label}: every weight gradient is exactly 0, at the start and at every "
                    f"record of {iterations:,} steps, so no weight moves; the cost {moved} "
                    f"{float(r['final_cost']):.4f} (ln 2 = {math.log(2):.4f}) and accuracy is "
                    f"{acc} "
                    f"(L1 is {k1e} distinct unit of {n1}).")
            if r["output_bias_grad_start"] > 0:
                text = text[:-1] + (f"; only the output bias gets a rounding-level gradient "
                                    f"({r['output_bias_grad_start']:.0e}).")
        elif n1 > 1 and k1e == 1:
            g = r["grad_W_start"]["L1"]
            if r["train_acc"] >= chance + 0.05:
                learned = ("it learns a little" if r["train_acc"] < 0.75 else "it learns") \
                    + f" ({acc})"
            else:
                learned = (f"its cost falls ({float(r['first_cost']):.4g} -> "
                           f"{float(r['final_cost']):.4g}) while accuracy stays near chance "
                           f"({acc})")
            text = (f"{label}: the gradients are not zero (||grad W1|| = {g:.3g} at the start) "
                    f"and {learned}, but L1 has {k1e} distinct unit of {n1} "
                    f"at the end and L2 {k2e} of {n2}: identical units got identical "
                    f"gradients at every step, so each layer works as one unit.")
        else:
            if k1s == n1 and k1e == n1:
                sym = f"all {n1} L1 units distinct from start to end"
            else:
                sym = f"L1: {k1s} -> {k1e} distinct units of {n1}"
            change = f"cost {float(r['first_cost']):.4g} -> {float(r['final_cost']):.4g}"
            text = f"{label}: symmetry broken ({sym}); {change}; {acc}"
            if r["train_acc"] < chance + 0.1:
                text += f" - it barely learns in {iterations:,} steps"
            text += "."
        parts.append(text)
    infinite = [r for r in list(runs.values()) + list(course.values())
                if math.isinf(float(r["first_cost_course"]))
                and math.isfinite(float(r["first_cost"]))]
    if infinite:
        r = infinite[0]
        parts.append(
            f"The course's cost formula, log of a sigmoid rounded in float64, gives an infinite "
            f"first cost for {r['label']} (as published); glassnet's loss is computed from the "
            f"logits, exact and finite: {float(r['first_cost']):.4g}.")

    def gap(r: dict[str, Any], pub: dict[str, Any]) -> float:
        return max(abs(r["train_acc"] - pub["train_acc"]), abs(r["test_acc"] - pub["test_acc"]))

    def listing(source: dict[str, dict[str, Any]]) -> tuple[str, float]:
        pairs = [(k, PUBLISHED[k]) for k in PUBLISHED if k in source]
        text = "; ".join(
            f"{source[k]['label']} {_pct(p['train_acc'])}/{_pct(p['test_acc'])} vs "
            f"{_pct(source[k]['train_acc'])}/{_pct(source[k]['test_acc'])}" for k, p in pairs)
        return text, max((gap(source[k], p) for k, p in pairs), default=0.0)

    if iterations != REFERENCE_ITERATIONS:
        parts.append(f"The reference figures are for {REFERENCE_ITERATIONS:,} steps; this run "
                     f"made {iterations:,}, so its accuracies are not compared with them.")
        return "\n".join(parts)
    if course:
        text, worst = listing(course)
        exact = worst < 0.005
        parts.append(
            f"Replaying the course's own random draws (RandomState({COURSE_SEED})), reference vs "
            f"measured (train/test): {text}"
            + (": reproduced exactly." if exact else f"; the largest gap is {100 * worst:.1f} "
                                                      f"points."))
    text, worst = listing(runs)
    if text:
        parts.append(
            f"With glassnet's own draws, reference vs measured: {text}; the largest gap is "
            f"{100 * worst:.1f} points: the exact figures depend on the random draws, the "
            f"failure modes do not.")
    return "\n".join(parts)


def _answer(numbers: dict[str, Any]) -> str:
    """The one-sentence answer, built from ``numbers`` only."""
    runs: dict[str, dict[str, Any]] = numbers["inits"]
    head = "Random initialization is what makes units differ"
    sgd = numbers.get("sgd_check")
    pieces: list[str] = []
    if sgd:
        c, h = sgd["constant_sgd"], sgd["he_gd"]
        n1 = c["n_units"]["L1"]
        if c["k_max"]["L1"] == 1 and h["k_min"]["L1"] == h["n_units"]["L1"]:
            pieces.append(
                f"started all equal (constant 0.5), L1's {n1} units stay 1 distinct unit of "
                f"{n1} even under shuffled mini-batch SGD, while a random start (He) keeps all "
                f"{h['n_units']['L1']} distinct under deterministic full-batch gradient "
                f"descent, so the randomness that breaks the symmetry is the initialization's, "
                f"not the optimizer's")
        else:
            pieces.append(
                f"(but here the constant start under shuffled SGD ended with "
                f"{c['k_end']['L1']} distinct L1 units of {n1}, and the He start under "
                f"full-batch descent with {h['k_end']['L1']} of {h['n_units']['L1']})")
    else:
        collapsed = [r["label"] for r in runs.values()
                     if r["n_units"]["L1"] > 1 and r["k_end"]["L1"] == 1]
        if collapsed:
            pieces.append(f"units that start equal ({', '.join(collapsed)}) stay 1 distinct "
                          f"unit per layer")
    zero = runs.get("zeros")
    if zero is not None and zero["weight_grads_zero_throughout"]:
        pieces.append(f"all-zero weights get exactly zero gradients and never learn "
                      f"({_pct(zero['train_acc'])} train accuracy)")
    return head + (": " + "; ".join(pieces) if pieces else "") + "."


def _check_symmetry_args(
    iterations: Any, seed: Any, records: Any, sgd_batch_size: Any, learning_rate: Any,
    tol: Any, dtype: Any, inits: Any,
) -> tuple[int, int, int, int, list[str]]:
    """Validate :func:`run_symmetry`'s arguments (a ConfigError naming the bad one).

    Returns ``(iterations, seed, records, sgd_batch_size, keys)`` as plain ints and the list
    of initialization names to run.
    """
    iterations = int(check_int(iterations, "iterations"))
    seed = int(check_int(seed, "seed", minimum=0))
    records = int(check_int(records, "records"))
    sgd_batch_size = int(check_int(sgd_batch_size, "sgd_batch_size"))
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) \
            or not learning_rate > 0:
        raise ConfigError(f"learning_rate: expected a number > 0, got {learning_rate!r}")
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
        raise ConfigError(f"tol: expected a number >= 0, got {tol!r}")
    if dtype not in ("float32", "float64"):
        raise ConfigError(f"dtype: expected 'float32' or 'float64', got {dtype!r}")
    keys = list(INITS) if inits is None else list(inits)
    unknown = [k for k in keys if k not in INITS]
    if unknown or not keys:
        raise ConfigError(f"inits: expected names from {', '.join(INITS)}, got {inits!r}")
    return iterations, seed, records, sgd_batch_size, keys


def _train_symmetry(
    keys: list[str],
    replays: list[str],
    data_sets: tuple[NDArray[Any], ...],
    common: dict[str, Any],
    sgd_batch_size: int | None,
    progress: Callable[[str], None] | None,
    map_jobs: Callable[[Callable[[Any], Any], list[Any]], Any] | None,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], dict[str, Any]]:
    """Train every initialization (and the course's draws, and the SGD check if asked).

    Every initialization and the course's own draws train together as one population (one
    population of 8 costs 2/3 of two of 4: a step's fixed cost is paid once); the SGD check
    (``sgd_batch_size`` not None) is a second job, which ``map_jobs`` may run beside it.
    Returns ``(runs, course, sgd)``: each run's measurements by initialization name, the
    course-draw replays by name, and the SGD check's measurements (empty when not run).
    """
    iterations = common["iterations"]
    specs: list[tuple[str, Any, list[Any] | None]] = [(key, INITS[key][1], None)
                                                      for key in keys]
    specs += [(key, INITS[key][1], course_weights(key)) for key in replays]
    groups = [specs]
    jobs: list[tuple[Any, ...]] = [(group, data_sets, common, None) for group in groups]
    if sgd_batch_size is not None:
        jobs.append(([("constant", INITS["constant"][1], None)], data_sets, common,
                     sgd_batch_size))
    if progress is not None:
        progress(f"symmetry: {len(specs)} networks "
                 f"({', '.join(INITS[k][0] for k in keys)}"
                 f"{', and the course draws' if replays else ''}) as one population, "
                 f"{iterations:,} steps")
        if sgd_batch_size is not None:
            progress(f"symmetry: {INITS['constant'][0]}, shuffled mini-batch SGD (batches of "
                     f"{sgd_batch_size}), about {iterations:,} steps")
    outcomes = list((map_jobs or _map_here)(_symmetry_job, jobs))
    results = [r for outcome in outcomes[:len(groups)] for r in outcome]
    runs: dict[str, dict[str, Any]] = dict(zip(keys, results[:len(keys)]))
    course: dict[str, dict[str, Any]] = dict(zip(replays, results[len(keys):]))
    sgd: dict[str, Any] = outcomes[-1][0] if sgd_batch_size is not None else {}
    return runs, course, sgd


def _distinct(r: dict[str, Any], layer: str) -> str:
    """A layer's distinct units as ``"start -> end of n"``."""
    return f"{r['k_start'][layer]} -> {r['k_end'][layer]} of {r['n_units'][layer]}"


def _init_table(runs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's main table: one row per initialization (accuracy, cost, distinct units)."""
    return [{
        "init": r["label"],
        "train acc": _pct(r["train_acc"]),
        "test acc": _pct(r["test_acc"]),
        "first cost": r["first_cost"],
        "first cost (course formula)": r["first_cost_course"],
        "final cost": r["final_cost"],
        "L1 distinct (start -> end)": _distinct(r, "L1"),
        "L2 distinct (start -> end)": _distinct(r, "L2"),
        "||grad W1|| at start": r["grad_W_start"]["L1"],
    } for r in runs.values()]


def _published_table(runs: dict[str, dict[str, Any]],
                     course: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The course's published accuracies beside those measured from both sets of draws."""
    published_rows = []
    for k, p in PUBLISHED.items():
        row = {"init": INITS[k][0], "reference train/test":
               f"{_pct(p['train_acc'])} / {_pct(p['test_acc'])}"}
        for label, source in (("course's draws", course), ("glassnet's draws", runs)):
            r = source.get(k)
            row[f"measured, {label}"] = (f"{_pct(r['train_acc'])} / {_pct(r['test_acc'])}"
                                         if r is not None else "-")
        row["note"] = p["note"] or "-"
        published_rows.append(row)
    return published_rows


_SCALAR_KEYS = ("label", "train_acc", "test_acc", "first_cost", "first_cost_course",
                "cost_at_1000", "final_cost", "weight_grads_zero_at_start",
                "weight_grads_zero_throughout", "max_weight_grad_norm",
                "output_bias_grad_start", "k_start", "k_end", "n_units", "grad_W_start",
                "grad_b_start", "groups_end", "seconds")


def _scalars(r: dict[str, Any]) -> dict[str, Any]:
    """A run's scalar measurements, non-finite floats as strings (for JSON)."""
    return {s: (str(r[s]) if isinstance(r[s], float) and not math.isfinite(r[s])
                else r[s]) for s in _SCALAR_KEYS}


def _symmetry_numbers(
    runs: dict[str, dict[str, Any]], course: dict[str, dict[str, Any]], sgd: dict[str, Any],
    y: NDArray[Any], iterations: int, learning_rate: float,
) -> dict[str, Any]:
    """The experiment's numbers: every run's scalars, chance accuracy, the SGD check, and
    whether the course's published figures were reproduced exactly."""
    numbers: dict[str, Any] = {
        "iterations": iterations,
        "learning_rate": learning_rate,
        "inits": {k: _scalars(r) for k, r in runs.items()},
        "course_draws": {k: _scalars(r) for k, r in course.items()},
        "published": PUBLISHED,
    }
    numbers["chance_accuracy"] = float(max(np.mean(y == 1), np.mean(y != 1)))
    if sgd:
        he = runs["he"]
        numbers["sgd_check"] = {
            "constant_sgd": {"label": f"{INITS['constant'][0]}, shuffled mini-batch SGD",
                             "batch_size": sgd["batch_size"],
                             "steps": int(sgd["k_epochs"][-1]),
                             "k_end": sgd["k_end"], "k_min": {
                                 name: int(np.min(v)) for name, v in sgd["k_curves"].items()},
                             "k_max": {name: int(np.max(v))
                                       for name, v in sgd["k_curves"].items()},
                             "n_units": sgd["n_units"], "train_acc": sgd["train_acc"],
                             "test_acc": sgd["test_acc"]},
            "he_gd": {"label": f"{INITS['he'][0]}, deterministic full-batch gradient descent",
                      "steps": iterations, "k_end": he["k_end"],
                      "k_min": {name: int(np.min(v)) for name, v in he["k_curves"].items()},
                      "n_units": he["n_units"], "train_acc": he["train_acc"],
                      "test_acc": he["test_acc"]},
        }
    numbers["reproduced_exactly"] = bool(course) and iterations == REFERENCE_ITERATIONS and all(
        max(abs(r["train_acc"] - PUBLISHED[k]["train_acc"]),
            abs(r["test_acc"] - PUBLISHED[k]["test_acc"])) < 0.005
        for k, r in course.items())
    return numbers


def _symmetry_data(
    runs: dict[str, dict[str, Any]], course: dict[str, dict[str, Any]], sgd: dict[str, Any],
    numbers: dict[str, Any], train: tuple[NDArray[Any], NDArray[Any]],
    test: tuple[NDArray[Any], NDArray[Any]],
) -> dict[str, Any]:
    """The curves and weights the figures draw (loss, distinct units, gradient norms)."""
    data = {
        "labels": {k: r["label"] for k, r in runs.items()},
        "loss": {k: r["loss"] for k, r in runs.items()},
        "course_loss": {k: r["loss"] for k, r in course.items()},
        "k_epochs": {k: r["k_epochs"] for k, r in runs.items()},
        "k_curves": {k: r["k_curves"] for k, r in runs.items()},
        "n_units": {k: r["n_units"] for k, r in runs.items()},
        "record_epochs": {k: r["record_epochs"] for k, r in runs.items()},
        "grad_curves": {k: r["grad_curves"] for k, r in runs.items()},
        "W1_start": {k: r["W1_start"] for k, r in runs.items()},
        "W1_end": {k: r["W1_end"] for k, r in runs.items()},
        "train": train,
        "test": test,
    }
    if sgd:
        data["sgd_check"] = {
            "constant_sgd": {"steps": sgd["k_epochs"], "k": sgd["k_curves"],
                             "label": numbers["sgd_check"]["constant_sgd"]["label"]},
            "constant_gd": {"steps": runs["constant"]["k_epochs"],
                            "k": runs["constant"]["k_curves"],
                            "label": f"{INITS['constant'][0]}, full-batch gradient descent"},
            "he_gd": {"steps": runs["he"]["k_epochs"], "k": runs["he"]["k_curves"],
                      "label": numbers["sgd_check"]["he_gd"]["label"]},
        }
    return data


def _sgd_table(sgd: dict[str, Any], runs: dict[str, dict[str, Any]],
               iterations: int) -> dict[str, list[dict[str, Any]]]:
    """The SGD check's table: constant init with shuffled SGD vs full-batch GD, and He."""
    return {
        "Does symmetry breaking rely on stochastic gradient descent? (distinct units, "
        "start -> end)": [
            {"initialization": INITS["constant"][0], "training": f"shuffled mini-batch "
             f"SGD, batches of {sgd['batch_size']}",
             "steps": int(sgd["k_epochs"][-1]),
             "L1 distinct": _distinct(sgd, "L1"), "L2 distinct": _distinct(sgd, "L2"),
             "train acc": _pct(sgd["train_acc"])},
            {"initialization": INITS["constant"][0], "training": "full-batch gradient "
             "descent (deterministic)", "steps": iterations,
             "L1 distinct": _distinct(runs["constant"], "L1"),
             "L2 distinct": _distinct(runs["constant"], "L2"),
             "train acc": _pct(runs["constant"]["train_acc"])},
            {"initialization": INITS["he"][0], "training": "full-batch gradient descent "
             "(deterministic)", "steps": iterations,
             "L1 distinct": _distinct(runs["he"], "L1"),
             "L2 distinct": _distinct(runs["he"], "L2"),
             "train acc": _pct(runs["he"]["train_acc"])},
        ]}


def run_symmetry(
    *,
    iterations: int = 15_000,
    seed: int = 0,
    learning_rate: float = 0.01,
    inits: list[str] | tuple[str, ...] | None = None,
    replay_course: bool = True,
    records: int = 150,
    tol: float = 1e-6,
    dtype: str = "float64",
    progress: Callable[[str], None] | None = None,
    sgd_check: bool = True,
    sgd_batch_size: int = 32,
    map_jobs: Callable[[Callable[[Any], Any], list[Any]], Any] | None = None,
) -> ExperimentResult:
    """Train the course's ``[2, 10, 5, 1]`` network from each initialization and measure symmetry.

    Parameters
    ----------
    iterations: full-batch gradient-descent steps (= epochs), 15,000 in the course.
    seed: the model seed: glassnet's random draws for every random initialization.
    learning_rate: SGD's step size (0.01 in the course).
    inits: which of :data:`INITS` to run (default: all six, in that order).
    replay_course: also train from the course's own random draws for the published random
        initializations (standard normal x 10 and He), to compare number for number.
    records: about how many times during training the distinct units and the gradient
        norms are measured (every ``max(1, iterations // records)`` epochs, plus the start).
    tol: the symmetry meter's tolerance (relative to the largest weight of the layer).
    dtype: "float64" (default, as the course's NumPy code) or "float32". In float32 the
        matrix-product library may round the columns of identical units differently
        (differences near 1e-8 that can briefly grow past 1e-6 when a ReLU sits at its
        kink), so copies are exact only up to rounding; float64 keeps them within 1e-16.
    progress: called with a short line before each training run.
    sgd_check: also answer "does this rely on stochastic gradient descent?": train the
        constant initialization again with shuffled mini-batch SGD (batches of
        ``sgd_batch_size``, a new random order every epoch, about ``iterations`` steps) and
        set it beside the random (He) initialization trained with deterministic full-batch
        gradient descent. Needs "constant" and "he" in ``inits``.
    sgd_batch_size: the mini-batch size of that check (300 training examples: 10 steps per
        epoch at 32).
    map_jobs: how to run the independent training jobs (the population of every
        initialization, and the SGD check), ``map_jobs(function, jobs)`` like the built-in
        ``map`` (``function`` and the jobs can be pickled). Default: one after another,
        here. The tour passes its worker processes.

    Returns an :class:`ExperimentResult` named ``"symmetry"``.
    """
    start = time.perf_counter()
    iterations, seed, records, sgd_batch_size, keys = _check_symmetry_args(
        iterations, seed, records, sgd_batch_size, learning_rate, tol, dtype, inits)
    every = max(1, iterations // records)
    X, y = make_circles(300, noise=0.05, seed=1, dtype=dtype)
    X_test, y_test = make_circles(100, noise=0.05, seed=2, dtype=dtype)
    replays = [k for k in keys if k in COURSE_DRAWS] if replay_course else []
    do_sgd = bool(sgd_check) and "constant" in keys and "he" in keys
    common = {"iterations": iterations, "seed": seed, "learning_rate": float(learning_rate),
              "every": every, "tol": tol, "dtype": dtype}
    runs, course, sgd = _train_symmetry(
        keys, replays, (X, y, X_test, y_test), common,
        sgd_batch_size if do_sgd else None, progress, map_jobs)
    numbers = _symmetry_numbers(runs, course, sgd, y, iterations, float(learning_rate))
    return ExperimentResult(
        name="symmetry",
        question=QUESTION,
        verdict=_verdict(numbers),
        numbers=numbers,
        tables={
            f"Initializations of the [2, 10, 5, 1] ReLU-ReLU-sigmoid network on make_circles "
            f"(300 train / 100 test), {iterations:,} full-batch steps, learning rate "
            f"{learning_rate:g}, glassnet's draws (seed {seed})": _init_table(runs),
            "Reference figures (Deep Learning Specialization, 'Initialization') vs measured":
                _published_table(runs, course),
            **(_sgd_table(sgd, runs, iterations) if sgd else {}),
        },
        answer=_answer(numbers),
        data=_symmetry_data(runs, course, sgd, numbers, (X, y), (X_test, y_test)),
        params={"iterations": iterations, "seed": seed, "learning_rate": float(learning_rate),
                "inits": keys, "replay_course": replay_course, "record_every": every,
                "tol": tol, "dtype": dtype, "sgd_check": bool(sgd),
                "sgd_batch_size": sgd_batch_size},
        seconds=time.perf_counter() - start,
    )
