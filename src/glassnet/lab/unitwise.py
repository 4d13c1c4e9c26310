"""Q3, the learner's alternative run: train neuron by neuron, or layer by layer, instead?

One of the learners' threads asks whether the network is "solved at once rather than
separately minimizing each neuron with gradient descent before moving forward in the
network". This experiment runs that alternative. The same network (the course's coffee
network, 2-3-1 sigmoid, float64), the same standardized roasts and the same initial weights
are trained three ways with plain full-batch gradient descent at one learning rate:

joint (backpropagation)
    the engine's own ``fit``: every pass moves every parameter.
unit by unit
    the units in turn, forward (the hidden units of ``L1``, then the output unit of ``L2``),
    round after round: a *visit* is ``steps_per_visit`` gradient-descent steps on that unit's
    weights and bias alone, every other parameter frozen.
layer by layer, forward
    one forward sweep: ``L1`` is fitted first, with the output layer above it frozen at its
    initial weights (the course's output layer sits on top from the start: no temporary
    head, no extra parameters), then ``L1`` is frozen and ``L2`` is fitted. Each layer gets
    an equal share of the passes. This is the literal reading of "fitted before the next one
    moves": while a layer is fitted, the layers after it do not move.

Each method gets the same number of *gradient evaluations*. One evaluation is one full-batch
forward and backward pass through the engine (``Sequential.compute_gradients``): a unit's
gradient needs the whole forward pass (the loss is computed at the output) and the backward
pass from the output down to its layer, so fitting one unit costs as much per step as
fitting all of them; it just uses less of what it paid for. The table counts, per method,
the passes, the gradient entries each pass computed, and the parameters each pass actually
changed (compared before and after every step, not assumed).

Then what a hidden unit lacks when it is fitted alone: a target. The loss compares the
*output* with ``y``; a hidden unit's gradient exists only through the layers above it. With
the output layer at its initial weights, unit ``j`` of ``L1`` gets::

    grad W1[:, j] = x.T @ (delta2 * W2[j, 0] * g'(z1[:, j]))      delta2 = dL/dz2 (output error)

so it is the output's error times the unit's *outgoing weight*. The experiment checks this
identity against the engine's backward pass, sweeps one unit's outgoing weight and reads its
gradient, sets it to exactly 0 (the gradient is then exactly 0: "fitted alone" the unit
cannot move), and during unit-by-unit training measures how the gradient a visit drove down
comes back once the layer above has moved (what the unit was fitted to had changed).

All arithmetic is the engine's: ``fit``, ``compute_gradients``, the layers' ``params`` and
``grads``, the loss and activation objects, and :class:`~glassnet.optimizers.SGD` applied to
views of one unit's column of ``W``. The loop over units is the experiment; each step is
vectorized over all examples.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..callbacks import Callback
from ..checks import check_int
from ..datasets import Standardizer, load_coffee
from ..errors import ConfigError
from ..layers import Dense, Input
from ..losses import BinaryCrossentropy
from ..model import Sequential
from ..optimizers import SGD
from ._digits import check_learning_rate
from .base import ExperimentResult

__all__ = ["QUESTION", "run_unitwise"]

QUESTION = ("Is the network solved at once, or could each neuron be minimized separately with "
            "gradient descent before moving forward in the network?")

METHODS = ("joint (backpropagation)", "unit by unit", "layer by layer, forward")
JOINT, UNITS, LAYERS = METHODS


# -- the set-up ------------------------------------------------------------------------------
def _data(n_examples: int) -> tuple[NDArray[np.float64], NDArray[Any]]:
    X, y = load_coffee(n_examples, dtype="float64")
    return Standardizer().fit_transform(X), y


def _model(seed: int, hidden: int, learning_rate: float) -> Sequential:
    """The course's coffee network (2-hidden-1, sigmoid), float64, plain gradient descent."""
    model = Sequential([Input(shape=(2,)), Dense(hidden, activation="sigmoid", name="L1"),
                        Dense(1, activation="sigmoid", name="L2")],
                       seed=seed, dtype="float64", name="coffee")
    model.compile(loss=BinaryCrossentropy(), optimizer=SGD(learning_rate=learning_rate))
    return model


def _flat(model: Sequential) -> NDArray[np.float64]:
    return np.concatenate([w.ravel() for w in model.get_weights()])


class _Changes(Callback):
    """After every step of ``fit``: how many parameters the step changed (read only)."""

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.before = _flat(self.model)
        self.changed: list[int] = []

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        after = _flat(self.model)
        self.changed.append(int(np.count_nonzero(after != self.before)))
        self.before = after


class _Block:
    """One unit's parameters (its column of ``W`` and its entry of ``b``) as views, with
    their gradients as views of the layer's gradient arrays: an optimizer stepping these
    moves that unit alone."""

    def __init__(self, model: Sequential, layer_index: int, unit: int) -> None:
        layer = model.layers[layer_index]
        W, b = layer.params
        gW, gb = layer.grads  # the arrays backward fills in place
        self.layer = layer
        self.label = f"{layer.name}/{unit}"
        self.params = [W[:, unit], b[unit:unit + 1]]
        self.grads = [gW[:, unit], gb[unit:unit + 1]]
        self.size = int(W.shape[0] + 1)


def _blocks(model: Sequential) -> list[_Block]:
    return [_Block(model, i, j) for i, layer in enumerate(model.layers)
            for j in range(layer.output_dim)]


def _let_go(model: Sequential) -> None:
    """Drop the batch the layers cached for backward."""
    for layer in model.layers:
        layer.clear_cache()


def _accuracy(model: Sequential, X: NDArray[Any], y: NDArray[Any]) -> float:
    p = model.predict(X, batch_size=None)[:, 0]
    return float(np.mean((p > 0.5) == (y == 1)))


# -- the three ways ------------------------------------------------------------------------
def _joint(model: Sequential, X: NDArray[Any], y: NDArray[Any], budget: int,
           count: bool = True) -> dict[str, Any]:
    """The engine's own training: ``fit``, full batch, ``budget`` epochs = ``budget`` steps,
    each after one forward and one backward pass. ``history["loss"]`` holds the loss each
    pass computed (before its step)."""
    changes = _Changes()
    history = model.fit(X, y, epochs=budget, batch_size=None, shuffle=False, verbose=0,
                        callbacks=[changes] if count else None)
    return {"loss": list(history.history["loss"]), "changed": changes.changed if count else []}


def _unit_by_unit(model: Sequential, x: NDArray[Any], t: NDArray[Any], budget: int,
                  steps_per_visit: int, count: bool = True) -> dict[str, Any]:
    """The units in turn, forward, round after round; each visit is ``steps_per_visit``
    gradient-descent steps on one unit alone (a fresh optimizer per visit)."""
    blocks = _blocks(model)
    lr = float(model.optimizer.learning_rate)  # type: ignore[union-attr]
    losses: list[float] = []
    changed: list[int] = []
    visits: list[dict[str, Any]] = []
    passes = 0
    while passes < budget:
        for block in blocks:
            if passes >= budget:
                break
            optimizer = SGD(learning_rate=lr)
            start = passes
            for _ in range(steps_per_visit):
                if passes >= budget:
                    break
                before = _flat(model) if count else None
                value, _ = model.compute_gradients(x, t)
                losses.append(float(value))
                optimizer.apply(block.params, block.grads)
                if before is not None:
                    changed.append(int(np.count_nonzero(_flat(model) != before)))
                passes += 1
            visits.append({"unit": block.label, "first_pass": start,
                           "passes": passes - start})
    _let_go(model)
    return {"loss": losses, "changed": changed, "visits": visits}


def _layer_by_layer(model: Sequential, x: NDArray[Any], t: NDArray[Any],
                    budget: int, count: bool = True) -> dict[str, Any]:
    """One forward sweep: each layer fitted for an equal share of ``budget`` passes while
    every other layer is frozen (the layers above at their initial weights)."""
    lr = float(model.optimizer.learning_rate)  # type: ignore[union-attr]
    n = len(model.layers)
    losses: list[float] = []
    changed: list[int] = []
    phases: list[dict[str, Any]] = []
    for i, layer in enumerate(model.layers):
        share = budget // n + (1 if i < budget % n else 0)
        optimizer = SGD(learning_rate=lr)
        phases.append({"layer": str(layer.name), "first_pass": len(losses), "passes": share})
        for _ in range(share):
            before = _flat(model) if count else None
            value, _ = model.compute_gradients(x, t)
            losses.append(float(value))
            optimizer.apply(layer.params, layer.grads)
            if before is not None:
                changed.append(int(np.count_nonzero(_flat(model) != before)))
        phases[-1]["loss_after"] = float(model.loss_value_prepared(x, t))
    _let_go(model)
    return {"loss": losses, "changed": changed, "phases": phases}


# -- what a hidden unit lacks ----------------------------------------------------------------
def _no_target(seed: int, hidden: int, learning_rate: float, X: NDArray[Any], y: NDArray[Any],
               steps_per_visit: int, sweep: NDArray[np.float64]) -> dict[str, Any]:
    """At the initial weights: each hidden unit's gradient against the chain rule through
    its outgoing weight; the gradient with that weight set to 0; a sweep of unit 0's
    outgoing weight; and unit 0 "fitted alone" with its outgoing weight 0."""
    model = _model(seed, hidden, learning_rate)
    x = model.check_X(X)
    t = model.prepare_targets(y, x.shape[0])
    L1, L2 = model.layers
    loss = model.loss
    assert loss is not None and isinstance(L1, Dense) and isinstance(L2, Dense)
    model.compute_gradients(x, t)
    gW1, gb1 = (g.copy() for g in L1.grads)
    gW2 = L2.grads[0].copy()
    # the output layer's error dL/dz2, from the engine's loss object (sigmoid + BCE, fused)
    _, delta2 = loss.logits_value_and_grad(t, L2.cached_preactivation())
    assert delta2 is not None
    assert L1.z is not None and L1.a is not None  # cached by the forward pass
    g_prime = L1.activation.derivative(L1.z, L1.a)
    W2 = L2.params[0]
    rows: list[dict[str, Any]] = []
    identity_diff = 0.0
    for j in range(hidden):
        chain_z = delta2[:, 0] * W2[j, 0] * g_prime[:, j]  # dL/dz1_j by the chain rule
        chain = np.concatenate([x.T @ chain_z, [chain_z.sum()]])
        engine = np.concatenate([gW1[:, j], [gb1[j]]])
        identity_diff = max(identity_diff, float(np.max(np.abs(chain - engine))))
        rows.append({"unit": f"L1/{j}", "outgoing weight W2[j]": float(W2[j, 0]),
                     "|gradient| at init": float(np.linalg.norm(engine)),
                     "chain rule: max |diff|": float(np.max(np.abs(chain - engine)))})
    # the output unit: its error is measured against the target y directly
    out_chain = L1.a.T @ delta2[:, 0]
    out_diff = float(np.max(np.abs(out_chain - gW2[:, 0])))
    _let_go(model)

    start = model.get_weights()
    for j, row in enumerate(rows):
        weights = [w.copy() for w in start]
        weights[2][j, 0] = 0.0
        model.set_weights(weights)
        grads = model.gradients(X, y)
        unit_grad = np.concatenate([grads[0][:, j], grads[1][j:j + 1]])
        others = np.delete(np.concatenate([grads[0], grads[1][None, :]]), j, axis=1)
        row["|gradient| with W2[j] = 0"] = float(np.linalg.norm(unit_grad))
        row["non-zero entries then"] = int(np.count_nonzero(unit_grad))
        row["other hidden units' |gradient| then"] = float(np.linalg.norm(others))

    curve = np.empty((hidden, sweep.size))
    for j in range(hidden):
        for k, c in enumerate(sweep):
            weights = [w.copy() for w in start]
            weights[2][j, 0] = c
            model.set_weights(weights)
            grads = model.gradients(X, y)
            curve[j, k] = float(np.linalg.norm(np.concatenate([grads[0][:, j],
                                                               grads[1][j:j + 1]])))

    # unit 0 "fitted alone" while its outgoing weight is 0: does it move?
    weights = [w.copy() for w in start]
    weights[2][0, 0] = 0.0
    model.set_weights(weights)
    block = _Block(model, 0, 0)
    before = _flat(model)
    loss_before = model.loss_value_prepared(x, t)
    optimizer = SGD(learning_rate=learning_rate)
    for _ in range(steps_per_visit):
        model.compute_gradients(x, t)
        optimizer.apply(block.params, block.grads)
    moved = int(np.count_nonzero(_flat(model) != before))
    loss_after = model.loss_value_prepared(x, t)
    _let_go(model)
    return {"rows": rows, "identity_diff": identity_diff, "output_identity_diff": out_diff,
            "sweep": sweep, "sweep_grad_norm": curve, "zero_weight_steps": steps_per_visit,
            "zero_weight_moved": moved, "zero_weight_loss_change": loss_after - loss_before}


# -- the experiment --------------------------------------------------------------------------
def _passes_to_reach(curve: NDArray[np.float64], level: float) -> int | None:
    """The first gradient evaluation (counted from 0) at which ``curve`` is <= ``level``."""
    hits = np.flatnonzero(curve <= level)
    return int(hits[0]) if hits.size else None


def _three_ways(seed: int, hidden: int, learning_rate: float, X: NDArray[Any], y: NDArray[Any],
                budget: int, steps_per_visit: int, count: bool = True
                ) -> dict[str, dict[str, Any]]:
    runs: dict[str, dict[str, Any]] = {}
    for method in METHODS:
        model = _model(seed, hidden, learning_rate)
        x = model.check_X(X)
        t = model.prepare_targets(y, x.shape[0])
        if method == JOINT:
            run = _joint(model, X, y, budget, count)
        elif method == UNITS:
            run = _unit_by_unit(model, x, t, budget, steps_per_visit, count)
        else:
            run = _layer_by_layer(model, x, t, budget, count)
        final = float(model.loss_value_prepared(x, t))
        run["curve"] = np.asarray(run["loss"] + [final], dtype=np.float64)
        run["final_loss"] = final
        run["accuracy"] = _accuracy(model, X, y)
        run["params"] = model.count_params()
        runs[method] = run
    return runs


def _method_rows(runs: dict[str, dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    """The same passes for each method: what each moved, where each got, and how many passes
    joint backpropagation needed to get as low."""
    joint = runs[JOINT]
    method_rows: list[dict[str, Any]] = []
    for method, run in runs.items():
        changed = np.asarray(run["changed"])
        reach = (None if method == JOINT
                 else _passes_to_reach(joint["curve"], run["final_loss"]))
        method_rows.append({
            "method": method,
            "gradient evaluations (passes)": budget,
            "gradient entries per pass": joint["params"],
            "parameters moved per pass (mean)": float(changed.mean()),
            "parameters moved in all": int(changed.sum()),
            "loss at start": float(run["curve"][0]),
            "loss after the passes": run["final_loss"],
            "accuracy": run["accuracy"],
            "passes joint needed for this loss": reach,
        })
    return method_rows


def _start_rows(runs: dict[str, dict[str, Any]], seed: int, starts: int, hidden: int,
                learning_rate: float, X: NDArray[Any], y: NDArray[Any], budget: int,
                steps_per_visit: int) -> list[dict[str, Any]]:
    """Several starts (seeds ``seed, seed + 1, ...``): does the ranking depend on the start?
    The first start's ``runs`` are reused."""
    start_rows: list[dict[str, Any]] = []
    for s in range(seed, seed + starts):
        r = runs if s == seed else _three_ways(s, hidden, learning_rate, X, y, budget,
                                               steps_per_visit, count=False)
        row: dict[str, Any] = {"seed": s}
        row.update({m: r[m]["final_loss"] for m in METHODS})
        row["lowest"] = min(METHODS, key=lambda m: r[m]["final_loss"])
        start_rows.append(row)
    return start_rows


def _visit_runs(runs: dict[str, dict[str, Any]], lengths: list[int], seed: int, hidden: int,
                learning_rate: float, X: NDArray[Any], y: NDArray[Any], budget: int,
                steps_per_visit: int
                ) -> tuple[list[dict[str, Any]], dict[int, NDArray[np.float64]]]:
    """Unit by unit from the first start with longer or shorter visits: a table row and a loss
    curve per visit length (the run with ``steps_per_visit`` is reused)."""
    visit_rows: list[dict[str, Any]] = []
    visit_curves: dict[int, NDArray[np.float64]] = {}
    for k in lengths:
        if k == steps_per_visit:
            run_k = runs[UNITS]
        else:
            model = _model(seed, hidden, learning_rate)
            x = model.check_X(X)
            t = model.prepare_targets(y, x.shape[0])
            run_k = _unit_by_unit(model, x, t, budget, k, count=False)
            final = float(model.loss_value_prepared(x, t))
            run_k["curve"] = np.asarray(run_k["loss"] + [final])
            run_k["final_loss"] = final
        visit_curves[k] = run_k["curve"]
        n_units = hidden + 1
        visit_rows.append({"steps per visit": k,
                           "visits": len(run_k["visits"]),
                           "rounds over the units": len(run_k["visits"]) / n_units,
                           "loss after the passes": run_k["final_loss"],
                           "joint's loss": runs[JOINT]["final_loss"]})
    return visit_rows, visit_curves


def _unitwise_numbers(runs: dict[str, dict[str, Any]], start_rows: list[dict[str, Any]],
                      visit_rows: list[dict[str, Any]], lack: dict[str, Any],
                      lengths: list[int], budget: int, learning_rate: float,
                      steps_per_visit: int, hidden: int, starts: int) -> dict[str, Any]:
    """The experiment's numbers: each method's loss, accuracy and parameters moved per pass,
    the starts joint won, the visit lengths, and what a hidden unit lacks."""
    joint, units, layers = runs[JOINT], runs[UNITS], runs[LAYERS]
    wins = sum(1 for r in start_rows if r["lowest"] == JOINT)
    return {
        "budget": budget,
        "learning_rate": learning_rate,
        "steps_per_visit": steps_per_visit,
        "parameters": joint["params"],
        "units": hidden + 1,
        "joint_loss": joint["final_loss"],
        "unit_loss": units["final_loss"],
        "layer_loss": layers["final_loss"],
        "start_loss": float(joint["curve"][0]),
        "same_start": bool(joint["curve"][0] == units["curve"][0] == layers["curve"][0]),
        "joint_accuracy": joint["accuracy"],
        "unit_accuracy": units["accuracy"],
        "layer_accuracy": layers["accuracy"],
        "joint_moved_per_pass": float(np.mean(joint["changed"])),
        "unit_moved_per_pass": float(np.mean(units["changed"])),
        "layer_moved_per_pass": float(np.mean(layers["changed"])),
        "joint_passes_to_unit_loss": _passes_to_reach(joint["curve"], units["final_loss"]),
        "joint_passes_to_layer_loss": _passes_to_reach(joint["curve"], layers["final_loss"]),
        "starts": starts,
        "joint_lowest_starts": wins,
        "visit_lengths": lengths,
        "visit_losses": [r["loss after the passes"] for r in visit_rows],
        "chain_rule_max_diff": lack["identity_diff"],
        "output_rule_max_diff": lack["output_identity_diff"],
        "zero_weight_grad_norms": [r["|gradient| with W2[j] = 0"] for r in lack["rows"]],
        "zero_weight_nonzero_entries": sum(r["non-zero entries then"] for r in lack["rows"]),
        "zero_weight_steps": lack["zero_weight_steps"],
        "zero_weight_moved": lack["zero_weight_moved"],
        "zero_weight_loss_change": lack["zero_weight_loss_change"],
        "layer_phases": [{"layer": p["layer"], "passes": p["passes"],
                          "loss_after": p["loss_after"]} for p in layers["phases"]],
    }


def _unitwise_data(runs: dict[str, dict[str, Any]], visit_curves: dict[int, NDArray[Any]],
                   lack: dict[str, Any]) -> dict[str, Any]:
    """The arrays the figures draw: loss curves, visits, phases, the outgoing-weight sweep."""
    return {
        "curves": {m: r["curve"] for m, r in runs.items()},
        "visit_curves": visit_curves,
        "visits": runs[UNITS]["visits"],
        "phases": runs[LAYERS]["phases"],
        "sweep": lack["sweep"],
        "sweep_grad_norm": lack["sweep_grad_norm"],
        "outgoing_weights": [r["outgoing weight W2[j]"] for r in lack["rows"]],
        "init_grad_norms": [r["|gradient| at init"] for r in lack["rows"]],
        "moved_per_pass": {m: np.asarray(r["changed"]) for m, r in runs.items()},
    }


#: What the layer-by-layer run is, and the method it is not.
LAYERWISE_NOTE = (
    "The layer-by-layer run fits L1 through the output layer frozen at its initial "
    "weights (no temporary output head), then fits L2 on L1's frozen features: "
    "each layer is fitted before the next one moves. Greedy layer-wise training "
    "with a temporary head per layer (Bengio et al., 'Greedy Layer-Wise Training "
    "of Deep Networks', NIPS 2006) is a different method and is not run here.")


def run_unitwise(
    *,
    budget: int = 3000,
    learning_rate: float = 1.0,
    steps_per_visit: int = 10,
    hidden: int = 3,
    n_examples: int = 200,
    starts: int = 3,
    visit_lengths: tuple[int, ...] = (1, 10, 100),
    seed: int = 0,
) -> ExperimentResult:
    """Train the coffee network jointly, unit by unit, and layer by layer, from one start.

    Parameters
    ----------
    budget: gradient evaluations (full-batch forward and backward passes) for each method.
    learning_rate: plain gradient descent's step size, the same for every method.
    steps_per_visit: unit by unit: gradient-descent steps on one unit before the next.
    hidden: units of the hidden layer L1 (the course's network has 3).
    n_examples: how many of the course's coffee roasts (standardized) to train on.
    starts: initial weights compared (seeds seed, seed + 1, ...): final losses of each
        method from each start.
    visit_lengths: unit by unit again from the first start, with these steps per visit.
    seed: the first start's initial weights (the same for every method).

    Returns an :class:`ExperimentResult` named ``"unitwise"``.
    """
    t0 = time.perf_counter()
    budget = int(check_int(budget, "budget", minimum=2))
    learning_rate = check_learning_rate(learning_rate)
    steps_per_visit = int(check_int(steps_per_visit, "steps_per_visit"))
    hidden = int(check_int(hidden, "hidden"))
    n_examples = int(check_int(n_examples, "n_examples", minimum=2))
    starts = int(check_int(starts, "starts"))
    seed = int(check_int(seed, "seed", minimum=0))
    if not isinstance(visit_lengths, (tuple, list)) or not visit_lengths:
        raise ConfigError(f"visit_lengths: expected a non-empty tuple of integers >= 1, got "
                          f"{visit_lengths!r}")
    lengths = [int(check_int(k, "visit_lengths")) for k in visit_lengths]

    X, y = _data(n_examples)
    runs = _three_ways(seed, hidden, learning_rate, X, y, budget, steps_per_visit)
    method_rows = _method_rows(runs, budget)
    start_rows = _start_rows(runs, seed, starts, hidden, learning_rate, X, y, budget,
                             steps_per_visit)
    visit_rows, visit_curves = _visit_runs(runs, lengths, seed, hidden, learning_rate, X, y,
                                           budget, steps_per_visit)
    # what a hidden unit lacks: its gradient as its outgoing weight sweeps through 0
    sweep = np.unique(np.concatenate([np.linspace(-2.0, 2.0, 41), [0.0]]))
    lack = _no_target(seed, hidden, learning_rate, X, y, steps_per_visit, sweep)
    numbers = _unitwise_numbers(runs, start_rows, visit_rows, lack, lengths, budget,
                                learning_rate, steps_per_visit, hidden, starts)
    unit_names = ", ".join(f"{r['unit']}" for r in lack["rows"])
    return ExperimentResult(
        name="unitwise",
        question=QUESTION,
        verdict=_verdict(numbers),
        answer=_answer(numbers),
        numbers=numbers,
        tables={
            f"The coffee network (2-{hidden}-1 sigmoid, {numbers['parameters']} parameters) "
            f"trained three ways from the same start (seed {seed}): plain gradient descent, "
            f"learning rate {learning_rate:g}, {budget:,} gradient evaluations each":
                method_rows,
            f"Final loss from {starts} different starts ({budget:,} passes each)": start_rows,
            f"Unit by unit with shorter or longer visits (seed {seed}, {budget:,} passes)":
                visit_rows,
            f"A hidden unit has no target of its own: its gradient at the start is the output "
            f"error times its outgoing weight ({unit_names})": lack["rows"],
        },
        data=_unitwise_data(runs, visit_curves, lack),
        params={"budget": budget, "learning_rate": learning_rate,
                "steps_per_visit": steps_per_visit, "hidden": hidden,
                "n_examples": n_examples, "starts": starts, "visit_lengths": lengths,
                "seed": seed},
        seconds=time.perf_counter() - t0,
        notes=[LAYERWISE_NOTE],
    )


def _fmt_passes(n: int | None, budget: int) -> str:
    return f"{n:,}" if n is not None else f"more than {budget:,}"


def _answer(n: dict[str, Any]) -> str:
    """The one-sentence answer, drawn from the measured numbers only."""
    b = n["budget"]
    losses = (f"joint backpropagation reached loss {n['joint_loss']:.3f}, fitting one unit at "
              f"a time {n['unit_loss']:.3f} and one layer at a time, forward, "
              f"{n['layer_loss']:.3f}")
    target = (f"a hidden unit has no target of its own: its gradient is the output's error "
              f"times its outgoing weight, so with that weight at 0 it got exactly "
              f"{max(n['zero_weight_grad_norms']):g} and did not move")
    if n["joint_loss"] < min(n["unit_loss"], n["layer_loss"]):
        return (f"Solved together is better: for the same {b:,} gradient evaluations (each a "
                f"full forward and backward pass, whichever parameters it then moves), "
                f"{losses}; {target}.")
    best = min((n["unit_loss"], "one unit at a time"), (n["layer_loss"], "one layer at a time"))
    return (f"Not on this run: for the same {b:,} gradient evaluations {losses}, so fitting "
            f"{best[1]} got lower than joint backpropagation here; still, {target}.")


def _verdict(n: dict[str, Any]) -> str:
    """The evidence in plain language, drawn from the measured numbers only."""
    b = n["budget"]
    parts = [
        f"Same network ({n['parameters']} parameters, {n['units']} units), same data, same "
        f"start (loss {n['start_loss']:.4f} for all three"
        f"{'' if n['same_start'] else ' — NOT the same: a bug'}), plain gradient descent at "
        f"learning rate {n['learning_rate']:g}, {b:,} full-batch gradient evaluations each.",
        f"Every pass computes all {n['parameters']} gradient entries; joint training moved "
        f"{n['joint_moved_per_pass']:.2f} parameters per pass, unit by unit "
        f"{n['unit_moved_per_pass']:.2f}, layer by layer {n['layer_moved_per_pass']:.2f}: "
        f"fitting one unit does not make a pass cheaper (the loss is only known at the output, "
        f"so every step needs the whole forward pass and the backward pass from the output "
        f"down to the unit's layer), it uses less of it.",
        f"Loss after the passes: joint {n['joint_loss']:.4f} (accuracy "
        f"{n['joint_accuracy']:.1%}), unit by unit {n['unit_loss']:.4f} "
        f"({n['unit_accuracy']:.1%}), layer by layer {n['layer_loss']:.4f} "
        f"({n['layer_accuracy']:.1%}). Joint training reached the unit-by-unit loss after "
        f"{_fmt_passes(n['joint_passes_to_unit_loss'], b)} passes and the layer-by-layer "
        f"loss after {_fmt_passes(n['joint_passes_to_layer_loss'], b)}.",
        f"From {n['starts']} different starts, joint training ended lowest "
        f"{n['joint_lowest_starts']} time{'s' if n['joint_lowest_starts'] != 1 else ''}.",
    ]
    pairs = ", ".join(f"{k} step{'s' if k != 1 else ''}: {v:.4f}"
                      for k, v in zip(n["visit_lengths"], n["visit_losses"]))
    parts.append(f"Minimizing each unit longer before moving on: unit by unit with {pairs} "
                 f"(joint: {n['joint_loss']:.4f}).")
    parts.append(
        f"A hidden unit is fitted only through the layers above: at the start its engine "
        f"gradient equals the output's error times its outgoing weight times g'(z), times "
        f"its inputs (largest difference {n['chain_rule_max_diff']:.1e}), while the output "
        f"unit's gradient is its own error against the target y times its inputs "
        f"({n['output_rule_max_diff']:.1e}). With its outgoing weight set to 0, each hidden "
        f"unit's gradient had {n['zero_weight_nonzero_entries']} non-zero entries, and "
        f"'fitted alone' for {n['zero_weight_steps']} steps it moved "
        f"{n['zero_weight_moved']} parameters (loss change "
        f"{n['zero_weight_loss_change']:.1e}).")
    phases = n["layer_phases"]
    if len(phases) == 2:
        parts.append(
            f"Layer by layer: {phases[0]['layer']} fitted through the output layer frozen at "
            f"its start ended at loss {phases[0]['loss_after']:.4f} after {phases[0]['passes']:,} "
            f"passes (joint training: {n['joint_loss']:.4f} after {b:,}); fitting "
            f"{phases[1]['layer']} on those frozen features then reached "
            f"{phases[1]['loss_after']:.4f}: a hidden layer fitted first can only serve the "
            f"random weights above it.")
    return " ".join(parts)
