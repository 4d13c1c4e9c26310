"""Q3: is the network solved all at once, or neuron by neuron, layer by layer?

Three ways to compute one dense layer on the same weights and the same batch
``A_in (m, n_in)``, ``W (n_in, units)``, ``b (units,)``:

    per unit, per example:  A_out[i, j] = g(W[:, j] . A_in[i] + b[j])   m * units dot products
    per example:            A_out[i]    = g(A_in[i] @ W + b)            m vector-matrix products
    matrix form:            A_out       = g(A_in @ W + b)               one matrix product

They are the same arithmetic in a different order, so they agree to rounding
(``max |A_loop - A_matrix|`` around 1e-16 in float64); the matrix form is far faster because
one call to compiled code replaces ``m * units`` trips through the Python interpreter.
The engine's own forward pass (``Sequential.predict``) is the matrix form and is timed too.

The course's demo of the same point: the dot product ``a . b = sum_i a_i b_i`` of two long
vectors, summed in a Python loop versus ``np.dot``.

And training is not neuron by neuron either: one optimizer step follows one forward pass
(all units, all examples of the batch) and one backward pass (every parameter's gradient);
the step then moves every parameter at once. The experiment counts how many parameters one
step changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import reference
from ..checks import check_int
from ..datasets import Standardizer, load_coffee
from ..errors import ConfigError
from ..layers import Dense, Input
from ..losses import BinaryCrossentropy
from ..model import Sequential
from ..optimizers import SGD
from .base import ExperimentResult

__all__ = ["run_vectorize"]

QUESTION = "Is the whole thing solved at once, or neuron by neuron, layer by layer?"

_ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
_AGREE_TOL = 1e-10  # float64: rounding differences are ~1e-16; a wrong loop is off by ~1e-1


def _value_and_best_seconds(fn: Callable[[], Any], repeats: int) -> tuple[Any, float]:
    """``fn()``'s value and :func:`_best_seconds` of it, the value's own call counted as
    the warm-up (a slow loop is not run once more just for its result)."""
    start = time.perf_counter()
    value = fn()
    first = time.perf_counter() - start
    return value, _best_seconds(fn, repeats, first=first)


def _best_seconds(fn: Callable[[], Any], repeats: int, min_batch_s: float = 0.002,
                  first: float | None = None) -> float:
    """The best (smallest) time of one call to ``fn``, over several measurements.

    A slow ``fn`` (one call over ``min_batch_s``) is timed ``repeats`` times; the warm-up call
    counts as the first. A fast ``fn`` is called ``k`` times in a row and timed as
    ``(time of the k calls) / k``, with ``k`` doubled until a batch lasts ``min_batch_s``
    (as :mod:`timeit` does: the clock's resolution then does not matter); such batches are
    cheap, so at least 25 are timed. The minimum is the run least disturbed by other work on
    the machine (on a busy shared machine single runs can be many times slower). ``first``:
    the time of a call already made (it counts as the warm-up).
    """

    def batch(k: int) -> float:
        start = time.perf_counter()
        for _ in range(k):
            fn()
        return time.perf_counter() - start

    if first is None:
        first = batch(1)
    if first >= min_batch_s:
        return min([first] + [batch(1) for _ in range(repeats - 1)])
    k = 1
    elapsed = batch(k)
    while elapsed < min_batch_s and k < 1_000_000:
        k *= 2
        elapsed = batch(k)
    return min([elapsed] + [batch(k) for _ in range(max(repeats, 25) - 1)]) / k


@contextmanager
def _one_blas_thread() -> Iterator[int | None]:
    """Run the timings with the BLAS library on one thread, like the Python loops.

    This makes the comparison one core against one core, and keeps the timings sane on a
    busy machine: a two-thread matrix product whose second thread waits for a core can be
    tens of times slower than the single-thread one. Yields the thread count in force
    (1), or ``None`` when ``threadpoolctl`` (installed with scikit-learn) is missing and the
    library's own setting is kept.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn brings threadpoolctl
        yield None
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield 1


def _per_unit_loop(
    A_in: NDArray[Any], W: NDArray[Any], b: NDArray[Any], activation: str
) -> NDArray[Any]:
    """The course's way: ``my_dense`` (:func:`glassnet.reference.dense_loop`, a Python loop
    over the units) applied to one example at a time, ``A_out[i] = dense_loop(A_in[i], W, b, g)``.

    Slow on purpose: ``m * units`` separate dot products.
    """
    return np.stack([reference.dense_loop(a_in, W, b, activation) for a_in in A_in])


def _dot_loop(a: NDArray[Any], b: NDArray[Any]) -> float:
    """The course's ``my_dot``: ``x = sum_i a[i] * b[i]``, one element per Python step.

    Slow on purpose: it is the thing being compared with ``np.dot``.
    """
    x = 0.0
    for i in range(a.shape[0]):
        x = x + a[i] * b[i]
    return float(x)


STEP_LEARNING_RATE = 1.0


def _fit_step(seed: int) -> dict[str, Any]:
    """One optimizer step of the course's coffee network; which parameters moved?

    ``fit(..., epochs=1, batch_size=None)`` is full-batch gradient descent for one epoch:
    exactly one forward pass, one backward pass and one optimizer step. The optimizer is plain
    gradient descent with learning rate 1, so each parameter's change is minus its gradient
    (an adaptive optimizer such as Adam would move every parameter by about its learning
    rate, hiding how different the gradients are).
    """
    X, y = load_coffee()
    Xn = Standardizer().fit_transform(X)
    model = Sequential(
        [Input(shape=(2,)), Dense(3, activation="sigmoid", name="L1"),
         Dense(1, activation="sigmoid", name="L2")],
        seed=seed,
    )
    model.compile(loss=BinaryCrossentropy(), optimizer=SGD(learning_rate=STEP_LEARNING_RATE))
    grads = model.gradients(Xn, y)  # read-only: the gradients the step is about to use
    before = model.get_weights()
    history = model.fit(Xn, y, epochs=1, batch_size=None, shuffle=False, seed=seed, verbose=0)
    after = model.get_weights()
    rows: list[dict[str, Any]] = []
    parameters: list[dict[str, Any]] = []
    for i, layer in enumerate(model.layers):
        dW = (after[2 * i] - before[2 * i]).astype(np.float64)
        db = (after[2 * i + 1] - before[2 * i + 1]).astype(np.float64)
        delta = np.abs(np.concatenate([dW.ravel(), db.ravel()]))
        grad = np.concatenate([grads[2 * i].ravel(), grads[2 * i + 1].ravel()])
        rows.append({
            "layer": str(layer.name),
            "units": int(layer.output_dim),
            "parameters": int(delta.size),
            "non-zero gradients": int(np.count_nonzero(grad)),
            "changed by the step": int(np.count_nonzero(delta)),
            "smallest |change|": float(delta.min()),
            "largest |change|": float(delta.max()),
        })
        parameters += [
            {"name": f"W{i + 1}[{r},{c}]", "layer": str(layer.name), "change": float(dW[r, c])}
            for r, c in np.ndindex(*dW.shape)
        ]
        parameters += [
            {"name": f"b{i + 1}[{j}]", "layer": str(layer.name), "change": float(db[j])}
            for j in range(db.shape[0])
        ]
    return {
        "rows": rows,
        "parameters": parameters,
        "steps": int(history.params["steps"]),
        "examples": int(Xn.shape[0]),
        "architecture": "2-3-1 sigmoid (the course's coffee network)",
    }


#: One way to compute the layer: (label, how, the work it does, a function computing it).
_Form = tuple[str, str, str, Callable[[], NDArray[Any]]]


def _layer_forms(A_in: NDArray[Any], model: Sequential, W: NDArray[Any], b: NDArray[Any],
                 activation: str) -> list[_Form]:
    """The one-layer ``g(A_in @ W + b)`` (``model``'s weights ``W, b``) four ways: two loops,
    one loop, the matrix form, and glassnet's own ``predict``."""
    m, n_in = A_in.shape
    units = W.shape[1]
    return [
        ("per unit, per example",
         "two Python loops: the course's my_dense (reference.dense_loop, a loop over units) "
         "called for each example",
         f"{m * units:,} dot products of length {n_in}",
         lambda: _per_unit_loop(A_in, W, b, activation)),
        ("per example", "one Python loop over examples",
         f"{m:,} vector-matrix products",
         lambda: reference.dense_per_example(A_in, W, b, activation)),
        ("matrix form", "no loop: g(A_in @ W + b)", "1 matrix product",
         lambda: reference.dense(A_in, W, b, activation)),
        ("glassnet engine", "Sequential.predict (the matrix form)", "1 matrix product",
         lambda: model.predict(A_in, batch_size=None)),
    ]


@dataclass
class _Timings:
    """Every timing of the experiment, all taken on one BLAS thread (where it can be set)."""

    seconds: dict[str, float]  # best time of each form of the layer
    diffs: dict[str, float]    # each form's largest |difference| from the matrix form
    dot_numpy: float
    dot_python: float
    dot_loop_s: float
    dot_numpy_s: float
    blas_threads: int | None


def _time_all(forms: list[_Form], A_matrix: NDArray[Any], a: NDArray[Any], c: NDArray[Any],
              repeats: int) -> _Timings:
    """Time each form of the layer and the course's dot product demo (a Python loop against
    ``np.dot``), best of ``repeats``, and keep what each computed."""
    seconds: dict[str, float] = {}
    diffs: dict[str, float] = {}
    with _one_blas_thread() as blas_threads:
        for label, _how, _work, fn in forms:
            value, seconds[label] = _value_and_best_seconds(fn, repeats)
            diffs[label] = float(np.max(np.abs(value - A_matrix)))
        # -- the course's dot product demo -----------------------------------------------------
        dot_numpy = float(np.dot(a, c))
        dot_python, dot_loop_s = _value_and_best_seconds(lambda: _dot_loop(a, c), repeats)
        dot_numpy_s = _best_seconds(lambda: np.dot(a, c), repeats)
    return _Timings(seconds, diffs, dot_numpy, dot_python, dot_loop_s, dot_numpy_s,
                    blas_threads)


def _layer_rows(forms: list[_Form], t: _Timings) -> list[dict[str, Any]]:
    """One table row per form of the layer: its time, against the matrix form's, and its
    difference from it."""
    matrix_s = t.seconds["matrix form"]
    return [{
        "form": label,
        "how": how,
        "work": calls,
        "seconds (best)": t.seconds[label],
        "time / matrix form": t.seconds[label] / matrix_s,
        "max |diff| vs matrix": t.diffs[label],
    } for label, how, calls, _ in forms]


def _dot_rows(t: _Timings) -> list[dict[str, Any]]:
    """The dot product demo's two rows: the Python loop and ``np.dot``."""
    return [
        {"form": "Python loop", "code": "for i in range(n): x = x + a[i] * b[i]",
         "result": t.dot_python, "|diff| vs np.dot": abs(t.dot_python - t.dot_numpy),
         "seconds (best)": t.dot_loop_s, "time / np.dot": t.dot_loop_s / t.dot_numpy_s},
        {"form": "np.dot", "code": "np.dot(a, b)", "result": t.dot_numpy,
         "|diff| vs np.dot": 0.0, "seconds (best)": t.dot_numpy_s, "time / np.dot": 1.0},
    ]


def _vectorize_numbers(t: _Timings, step: dict[str, Any], m: int, n_in: int, units: int,
                       dot_n: int) -> dict[str, Any]:
    """The experiment's numbers: the forms' agreement and times, the dot product demo's, and
    what one training step changed."""
    seconds, matrix_s = t.seconds, t.seconds["matrix form"]
    max_diff = max(t.diffs.values())
    rows = step["rows"]
    return {
        "m": m, "n_in": n_in, "units": units, "dot_products": m * units,
        "max_abs_diff": max_diff,
        "outputs_agree": bool(max_diff <= _AGREE_TOL),
        "loop_seconds": seconds["per unit, per example"],
        "per_example_seconds": seconds["per example"],
        "matrix_seconds": matrix_s,
        "engine_seconds": seconds["glassnet engine"],
        "speedup_vs_loop": seconds["per unit, per example"] / matrix_s,
        "speedup_vs_per_example": seconds["per example"] / matrix_s,
        "dot_n": dot_n,
        "dot_loop_seconds": t.dot_loop_s,
        "dot_numpy_seconds": t.dot_numpy_s,
        "dot_speedup": t.dot_loop_s / t.dot_numpy_s,
        "dot_relative_diff": abs(t.dot_python - t.dot_numpy) / abs(t.dot_numpy),
        "step_count": step["steps"],
        "params_total": sum(r["parameters"] for r in rows),
        "params_changed": sum(r["changed by the step"] for r in rows),
        "gradients_nonzero": sum(r["non-zero gradients"] for r in rows),
        "layers": len(rows),
        "layers_changed": sum(1 for r in rows if r["changed by the step"] > 0),
    }


def run_vectorize(
    *,
    m: int = 1000,
    n_in: int = 64,
    units: int = 25,
    activation: str = "sigmoid",
    dot_n: int = 1_000_000,
    seed: int = 0,
    repeats: int = 3,
) -> ExperimentResult:
    """Loops versus the matrix form: same numbers, very different speed; one step moves all.

    Parameters
    ----------
    m: examples in the batch ``A_in (m, n_in)``.
    n_in: inputs per example (rows of ``W``).
    units: units of the layer (columns of ``W``). The double loop costs about 4
        microseconds per dot product, ``m * units`` of them (the defaults: 25,000, about
        0.1 s per run).
    activation: ``g`` of the layer: "sigmoid", "tanh", "relu" or "linear".
    dot_n: length of the two vectors in the dot-product demo (the course uses 10,000,000;
        the Python loop takes about 0.5 s per million elements).
    seed: draws the data, the weights and the coffee network's start.
    repeats: each timing is the best of this many runs (``time.perf_counter``).

    Returns an :class:`ExperimentResult` named ``"vectorize"``.
    """
    start = time.perf_counter()
    m = int(check_int(m, "m"))
    n_in = int(check_int(n_in, "n_in"))
    units = int(check_int(units, "units"))
    dot_n = int(check_int(dot_n, "dot_n"))
    seed = int(check_int(seed, "seed", minimum=0))
    repeats = int(check_int(repeats, "repeats"))
    if activation not in _ACTIVATIONS:
        raise ConfigError(
            f"activation: expected one of {', '.join(_ACTIVATIONS)}, got {activation!r}"
        )

    # one layer, four ways, on data and weights drawn from ``seed`` (then the dot demo's)
    rng = np.random.default_rng(seed)
    A_in = rng.standard_normal((m, n_in))
    model = Sequential([Input(shape=(n_in,)), Dense(units, activation=activation, name="layer")],
                       seed=seed, dtype="float64")
    W, b = model.get_weights()
    A_matrix = reference.dense(A_in, W, b, activation)
    forms = _layer_forms(A_in, model, W, b, activation)
    a = rng.random(dot_n)
    c = rng.random(dot_n)
    t = _time_all(forms, A_matrix, a, c, repeats)
    step = _fit_step(seed)  # one training step moves every parameter
    numbers = _vectorize_numbers(t, step, m, n_in, units, dot_n)
    return ExperimentResult(
        name="vectorize",
        question=QUESTION,
        verdict=_verdict(numbers),
        answer=_answer(numbers),
        numbers=numbers,
        tables={
            f"One layer, {m} examples x {n_in} inputs -> {units} {activation} units, four ways "
            f"(float64; best of {repeats})": _layer_rows(forms, t),
            f"Dot product of two vectors of {dot_n:,} elements (best of {repeats})":
                _dot_rows(t),
            f"One step of plain gradient descent (learning rate {STEP_LEARNING_RATE:g}: "
            f"change = -gradient) on the {step['architecture']}, full batch of "
            f"{step['examples']} examples": step["rows"],
        },
        data={
            "layer_seconds": {label: t.seconds[label] for label, *_ in forms},
            "dot_seconds": {"Python loop": t.dot_loop_s, "np.dot": t.dot_numpy_s},
            "step_parameters": step["parameters"],
        },
        params={"m": m, "n_in": n_in, "units": units, "activation": activation,
                "dot_n": dot_n, "seed": seed, "repeats": repeats,
                "blas_threads": "1" if t.blas_threads == 1 else "library default"},
        seconds=time.perf_counter() - start,
    )


def _ratio(x: float) -> str:
    return f"{x:,.0f}x" if x >= 10 else f"{x:.1f}x"


def format_duration(seconds: float) -> str:
    """A time in the unit that suits it: "850 µs", "12.3 ms", "2.10 s"."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.2f} s"


def _faster(speedup: float) -> str:
    """``speedup = t_other / t_fast`` as words: "300x faster" or "2.0x slower"."""
    if speedup >= 1:
        return f"{_ratio(speedup)} faster"
    return f"{_ratio(1 / speedup)} slower"


def _answer(n: dict[str, Any]) -> str:
    """The one-sentence answer, drawn from the measured numbers only."""
    if n["params_changed"] == n["params_total"] and n["outputs_agree"]:
        return (f"All at once: one forward pass computes every unit of every layer for the "
                f"whole batch, one backward pass gives every gradient, and one optimizer step "
                f"changed all {n['params_total']} parameters together; a loop over units and "
                f"examples computes the same numbers (largest difference "
                f"{n['max_abs_diff']:.0e}), but {_ratio(n['speedup_vs_loop'])} slower.")
    return (f"All at once, one step for every parameter: the step changed "
            f"{n['params_changed']} of {n['params_total']} parameters (the rest had a zero "
            f"gradient), and no unit is minimized on its own.")


def _verdict(n: dict[str, Any]) -> str:
    """The plain-language answer, drawn from the measured numbers only."""
    parts: list[str] = []
    if n["outputs_agree"]:
        parts.append(
            f"The double loop ({n['dot_products']:,} separate dot products), the per-example "
            f"loop, the matrix form and glassnet's forward pass compute the same layer: the "
            f"largest difference is "
            f"{n['max_abs_diff']:.1e}, rounding only."
        )
    else:
        parts.append(
            f"The loop forms and the matrix form DISAGREE: the largest difference is "
            f"{n['max_abs_diff']:.3g}, more than rounding ({_AGREE_TOL:g})."
        )
    parts.append(
        f"The matrix form is {_faster(n['speedup_vs_loop'])} than the double loop and "
        f"{_faster(n['speedup_vs_per_example'])} than the per-example loop ({n['m']:,} examples, "
        f"{n['units']} units)."
    )
    parts.append(
        f"The dot product of two {n['dot_n']:,}-element vectors took "
        f"{format_duration(n['dot_numpy_seconds'])} with np.dot and "
        f"{format_duration(n['dot_loop_seconds'])} in a Python loop: np.dot is "
        f"{_faster(n['dot_speedup'])}."
    )
    if n["params_changed"] == n["params_total"]:
        parts.append(
            f"Training is not neuron by neuron: one optimizer step changed all "
            f"{n['params_total']} parameters, in every layer ({n['layers_changed']} of "
            f"{n['layers']}), at once, after one forward and one backward pass. There is no "
            f"per-neuron minimization."
        )
    else:
        parts.append(
            f"One optimizer step changed {n['params_changed']} of {n['params_total']} "
            f"parameters in {n['layers_changed']} of {n['layers']} layers at once; the others had "
            f"a zero gradient ({n['params_total'] - n['gradients_nonzero']} zero gradients). "
            f"Every parameter is updated in the same step; none is minimized on its own."
        )
    return " ".join(parts)
