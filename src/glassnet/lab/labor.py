"""Q4: do neurons spontaneously divide the labor, each detecting a different feature?

Two trained networks are read unit by unit with :mod:`glassnet.inspect.labor`:

1. Digits (scikit-learn's 8x8 images, a held-out test set): a 64-25-15-10 network
   (ReLU, ReLU, linear logits + sparse categorical cross-entropy). For every L1 unit:
   its incoming weights as an 8x8 picture, the class it responds to most and how selectively
   (index 0 = the same for every class, 1 = one class only), how much the test loss rises when
   it is silenced (ablation), whether it is a near-copy of another unit (activation
   correlation), whether it is dead (``z <= 0`` on every training example), and the test
   images that excite it most.
2. The course's coffee roasts (standardized temperature and duration): Dense(3, sigmoid),
   Dense(1, sigmoid). Each of the 3 units' activation over the whole (temperature, duration)
   plane, and which bad roasts each unit flags.

The verdict is drawn from the numbers: units come out different (different preferred
classes, very unequal importance), yet nothing assigns a unit a feature: selectivity is
moderate, several units share a preferred class, some are dead or redundant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..checks import check_int
from ..datasets import Standardizer, load_coffee
from ..inspect.labor import (
    ablation,
    activation_map,
    layer_activations,
    redundancy,
    selectivity,
    top_examples,
    unit_images,
)
from ..inspect.units import dead_units
from ..layers import Dense, Input
from ..losses import BinaryCrossentropy
from ..model import Sequential
from ..optimizers import Adam
from ._digits import check_learning_rate, digits_model, digits_split
from .base import ExperimentResult

__all__ = ["run_labor"]

QUESTION = "Do neurons spontaneously divide the labor, each detecting different features?"

#: A unit counts as "selective" when its class-selectivity index is above this.
SELECTIVE = 0.5


def _describe_direction(d: NDArray[Any], names: tuple[str, str]) -> str:
    """A direction in the (standardized) plane in words: "low temperature", "long duration
    and high temperature"..."""
    norm = float(np.linalg.norm(d))
    if norm == 0:
        return "nothing (zero weights)"
    words = {0: ("low", "high"), 1: ("short", "long")}
    parts = [f"{words[i][int(d[i] > 0)]} {names[i]}" for i in np.argsort(-np.abs(d))
             if abs(d[i]) >= 0.38 * norm]
    return " and ".join(parts)


def _coffee(seed: int, epochs: int, learning_rate: float, resolution: int) -> dict[str, Any]:
    """Train the course's coffee network and read its three hidden units."""
    X, y = load_coffee()
    scaler = Standardizer().fit(X)
    Xn = scaler.transform(X)
    model = Sequential([Input((2,)), Dense(3, "sigmoid", name="L1"),
                        Dense(1, "sigmoid", name="L2")], seed=seed, name="coffee")
    model.compile(loss=BinaryCrossentropy(), optimizer=Adam(learning_rate=learning_rate),
                  metrics=["accuracy"])
    model.fit(Xn, y, epochs=epochs, batch_size=32, seed=seed, verbose=0)
    scores = model.evaluate(Xn, y, return_dict=True)
    A = layer_activations(model, Xn, 0)  # (200, 3)
    hidden_layer, out_layer = model.layers
    assert isinstance(hidden_layer, Dense) and isinstance(out_layer, Dense)
    w_out = out_layer.W[:, 0].astype(np.float64)  # (3,)
    # A unit "flags" a roast as bad when it pushes the output towards 0: high activation
    # with a negative outgoing weight, or low activation with a positive one.
    flags = np.where(w_out < 0, A > 0.5, A < 0.5)
    bad = y < 0.5
    flagged_bad = flags[bad]
    share = flagged_bad.mean(axis=0)
    n_flags = flagged_bad.sum(axis=1)
    # Direction in which each unit flags: along +w if its outgoing weight is negative.
    W_in = hidden_layer.W.astype(np.float64)  # (2, 3)
    directions = W_in * np.where(w_out < 0, 1.0, -1.0)
    descriptions = [_describe_direction(directions[:, j], ("temperature", "duration"))
                    for j in range(3)]
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.04 * (hi - lo)
    xx, yy, maps = activation_map(
        model, 0, xlim=(float(lo[0] - pad[0]), float(hi[0] + pad[0])),
        ylim=(float(lo[1] - pad[1]), float(hi[1] + pad[1])), resolution=resolution,
        transform=scaler.transform)
    return {
        "accuracy": float(scores["accuracy"]), "loss": float(scores["loss"]),
        "flag_share": share, "only_one": float((n_flags == 1).mean()),
        "covered": float((n_flags >= 1).mean()), "good_flagged": flags[~bad].mean(axis=0),
        "w_out": w_out, "descriptions": descriptions,
        "xx": xx, "yy": yy, "maps": maps, "X": X, "y": y,
        "n_bad": int(bad.sum()), "n_good": int((~bad).sum()),
    }


@dataclass
class _DigitsRun:
    """The trained digits network, its split and its train/test evaluations."""

    model: Sequential
    X_train: NDArray[Any]
    X_test: NDArray[Any]
    y_train: NDArray[Any]
    y_test: NDArray[Any]
    test: dict[str, float]
    train: dict[str, float]
    names: list[str]


def _train_digits(epochs: int, seed: int, hidden: int, hidden2: int, batch_size: int,
                  learning_rate: float, test_size: float) -> _DigitsRun:
    """Split the digits, train the ``[64, hidden, hidden2, 10]`` network, evaluate it."""
    X_train, X_test, y_train, y_test = digits_split(seed, test_size)
    model = digits_model(hidden, hidden2, seed, learning_rate)
    model.fit(X_train, y_train, epochs=epochs, batch_size=batch_size, seed=seed, verbose=0)
    test = model.evaluate(X_test, y_test, return_dict=True)
    train = model.evaluate(X_train, y_train, return_dict=True)
    names = [str(layer.name) for layer in model.layers]
    return _DigitsRun(model, X_train, X_test, y_train, y_test, test, train, names)


@dataclass
class _UnitReadings:
    """What the instruments read off both hidden layers of the digits network."""

    images: NDArray[Any]
    sel: list[Any]
    abl: Any
    red: list[Any]
    dead: list[NDArray[np.int64]]
    top: NDArray[Any]


def _read_units(run: _DigitsRun, hidden: int, threshold: float, top_k: int) -> _UnitReadings:
    """Read every unit: L1 weight images, selectivity and redundancy of L1 and L2, ablation,
    dead units (z <= 0 on every training example), and each L1 unit's top test digits."""
    model, X_test, y_test = run.model, run.X_test, run.y_test
    images = unit_images(model, 0, (8, 8), order="C")
    sel = [selectivity(model, X_test, y_test, i, n_classes=10) for i in (0, 1)]
    abl = ablation(model, X_test, y_test)
    red = [redundancy(model, X_test, i, threshold=threshold) for i in (0, 1)]
    dead_by_name = dead_units(model, run.X_train)  # z <= 0 on every training example
    dead = [np.asarray(dead_by_name.get(name, []), dtype=np.int64) for name in run.names[:2]]
    top = np.stack([top_examples(model, X_test, 0, j, k=top_k) for j in range(hidden)])
    return _UnitReadings(images, sel, abl, red, dead, top)


@dataclass
class _FirstLayer:
    """Statistics of the first hidden layer's live units (see :func:`_first_layer`)."""

    s1: Any
    inc1: NDArray[Any]
    drop1: NDArray[Any]
    live: NDArray[np.bool_]
    alive1: NDArray[Any]
    live_sel: NDArray[Any]
    live_inc: NDArray[Any]
    pref_counts: NDArray[Any]
    cluster_of: NDArray[Any]
    median_inc: float
    top_unit: int
    ratio: float
    negligible: int
    sel_vs_importance: float


def _first_layer(run: _DigitsRun, read: _UnitReadings, hidden: int) -> _FirstLayer:
    """Summarize L1: which units are live, their selectivity and importance (loss increase
    when silenced), copy groups, and how selectivity ranks against importance."""
    s1 = read.sel[0]
    inc1, drop1 = read.abl.for_layer(run.names[0])
    # Live: active on some training example and on some test example (the statistics below
    # are over the test set, where a unit that never fires has no preferred class).
    live = s1.active.copy()
    live[read.dead[0]] = False
    alive1 = np.flatnonzero(live)
    live_sel = s1.index[alive1] if alive1.size else np.zeros(1)
    live_inc = inc1[alive1] if alive1.size else np.zeros(1)
    pref_counts = np.bincount(s1.preferred[alive1], minlength=10)
    cluster_of = np.full(hidden, -1)
    for c, group in enumerate(read.red[0].clusters):
        cluster_of[group] = c
    median_inc = float(np.median(live_inc))
    top_unit = int(np.argmax(inc1))
    ratio = float(inc1.max() / median_inc) if median_inc > 0 else float("inf")
    negligible = int(np.sum(np.abs(live_inc) < 0.01 * run.test["loss"]))
    # Is a more selective unit a more important one? Spearman rank correlation over the live
    # L1 units (Morcos et al. 2018 found little relation in larger networks).
    if alive1.size >= 3:
        ranks_s = np.argsort(np.argsort(live_sel)).astype(np.float64)
        ranks_i = np.argsort(np.argsort(live_inc)).astype(np.float64)
        sel_vs_importance = float(np.corrcoef(ranks_s, ranks_i)[0, 1])
    else:
        sel_vs_importance = float("nan")
    return _FirstLayer(s1, inc1, drop1, live, alive1, live_sel, live_inc, pref_counts,
                       cluster_of, median_inc, top_unit, ratio, negligible, sel_vs_importance)


def _labor_numbers(run: _DigitsRun, read: _UnitReadings, l1: _FirstLayer,
                   coffee: dict[str, Any], hidden: int, hidden2: int,
                   threshold: float) -> dict[str, Any]:
    """The experiment's numbers: accuracy, selectivity, ablation, dead and redundant units of
    the digits network, and what each coffee unit flags."""
    sel, red, dead, alive1, live_sel = read.sel, read.red, read.dead, l1.alive1, l1.live_sel
    return {
        "test_accuracy": float(run.test["accuracy"]),
        "test_loss": float(run.test["loss"]),
        "train_accuracy": float(run.train["accuracy"]),
        "units": hidden,
        "units_layer2": hidden2,
        "live_units": int(alive1.size),
        "preferred_classes": int((l1.pref_counts > 0).sum()),
        "shared_classes": int((l1.pref_counts >= 2).sum()),
        "max_units_per_class": int(l1.pref_counts.max()) if alive1.size else 0,
        "selectivity_mean": float(live_sel.mean()),
        "selectivity_median": float(np.median(live_sel)),
        "selectivity_min": float(live_sel.min()),
        "selectivity_max": float(live_sel.max()),
        "selective_units": int((live_sel > SELECTIVE).sum()),
        "selectivity_mean_layer2": float(sel[1].index[sel[1].active].mean())
        if sel[1].active.any() else 0.0,
        "ablation_min": float(l1.live_inc.min()),
        "ablation_max": float(l1.inc1.max()),
        "ablation_median": l1.median_inc,
        "ablation_top_unit": l1.top_unit,
        "ablation_top_over_median": l1.ratio,
        "ablation_max_accuracy_drop": float(l1.drop1.max()),
        "negligible_units": l1.negligible,
        "selectivity_importance_rank_correlation": l1.sel_vs_importance,
        "ablation_max_layer2": float(read.abl.for_layer(run.names[1])[0].max()),
        "dead_units": int(dead[0].size),
        "silent_on_test": int(hidden - dead[0].size - alive1.size),
        "dead_units_layer2": int(dead[1].size),
        "redundancy_threshold": float(threshold),
        "redundant_clusters": len(red[0].clusters),
        "redundant_units": int(sum(len(c) for c in red[0].clusters)),
        "redundant_clusters_layer2": len(red[1].clusters),
        "max_abs_correlation": red[0].max_abs_correlation(),
        "distinct_units": red[0].n_distinct,
        "coffee_accuracy": coffee["accuracy"],
        "coffee_flag_share": [float(v) for v in coffee["flag_share"]],
        "coffee_only_one_unit": coffee["only_one"],
        "coffee_covered": coffee["covered"],
        "coffee_unit_flags": coffee["descriptions"],
    }


def _labor_tables(run: _DigitsRun, read: _UnitReadings, l1: _FirstLayer,
                  coffee: dict[str, Any], hidden: int) -> dict[str, list[dict[str, Any]]]:
    """The report's tables: every L1 unit, the 10 most important units, the coffee units."""
    unit_rows = [
        {"unit": j, "preferred": int(l1.s1.preferred[j]) if l1.live[j] else "-",
         "selectivity": float(l1.s1.index[j]), "loss_increase": float(l1.inc1[j]),
         "accuracy_drop": float(l1.drop1[j]),
         "dead": "yes" if j in read.dead[0] else ("silent on test" if not l1.live[j] else ""),
         "copy_group": int(l1.cluster_of[j]) if l1.cluster_of[j] >= 0 else ""}
        for j in range(hidden)
    ]
    ranking = read.abl.ranking()[:10]
    coffee_rows = [
        {"unit": j, "outgoing_weight": float(coffee["w_out"][j]),
         "flags": coffee["descriptions"][j],
         "bad_roasts_flagged": float(coffee["flag_share"][j]),
         "good_roasts_flagged": float(coffee["good_flagged"][j])}
        for j in range(3)
    ]
    return {
        f"First-layer units of the {run.model!r} on {run.X_test.shape[0]} test digits "
        f"(selectivity 0 = same for every class, 1 = one class only)": unit_rows,
        "The 10 most important units of both hidden layers (test-loss increase when "
        "silenced)": ranking,
        f"Coffee: what each of the 3 units flags ({coffee['n_bad']} bad roasts, "
        f"{coffee['n_good']} good)": coffee_rows,
    }


def _labor_data(run: _DigitsRun, read: _UnitReadings, l1: _FirstLayer,
                coffee: dict[str, Any]) -> dict[str, Any]:
    """The arrays the figures draw: weight images, class responses, ablation, correlations,
    top digits, and the coffee units' activation maps."""
    return {
        "weight_images": read.images,
        "preferred": l1.s1.preferred,
        "selectivity": l1.s1.index,
        "class_response": l1.s1.response,
        "class_means_layer2": read.sel[1].response,
        "loss_increase": l1.inc1,
        "accuracy_drop": l1.drop1,
        "loss_increase_layer2": read.abl.for_layer(run.names[1])[0],
        "base_loss": read.abl.base_loss,
        "dead": read.dead[0],
        "live": l1.live,
        "dead_layer2": read.dead[1],
        "clusters": read.red[0].clusters,
        "correlation": read.red[0].correlation,
        "top_examples": read.top,
        "test_images": run.X_test.reshape(-1, 8, 8),
        "test_labels": run.y_test,
        "coffee_xx": coffee["xx"],
        "coffee_yy": coffee["yy"],
        "coffee_maps": coffee["maps"],
        "coffee_X": coffee["X"],
        "coffee_y": coffee["y"],
        "coffee_w_out": coffee["w_out"],
        "coffee_descriptions": coffee["descriptions"],
    }


def run_labor(
    *,
    epochs: int = 60,
    seed: int = 0,
    hidden: int = 25,
    hidden2: int = 15,
    batch_size: int = 32,
    learning_rate: float = 0.003,
    test_size: float = 0.25,
    threshold: float = 0.95,
    top_k: int = 9,
    coffee_epochs: int = 500,
    coffee_learning_rate: float = 0.03,
    resolution: int = 80,
) -> ExperimentResult:
    """Train on digits and coffee, then read every unit (see the module docstring).

    Parameters
    ----------
    epochs: passes over the digits training set.
    seed: the train/test split, the initial weights and the shuffling of both networks.
    hidden: units in L1, the first hidden layer (the units this experiment reads).
    hidden2: units in L2, the second hidden layer.
    batch_size: examples per optimizer step on digits.
    learning_rate: Adam's step size on digits.
    test_size: share of the digits held out as the test set the units are read on.
    threshold: the |activation correlation| above which two units count as copies.
    top_k: how many top-activating test digits are kept per unit.
    coffee_epochs: full-batch steps of the coffee network (3 sigmoid units).
    coffee_learning_rate: Adam's step size on coffee.
    resolution: grid points per side of the coffee units' activation maps.

    Takes a few seconds at the defaults.
    """
    start = time.perf_counter()
    epochs = int(check_int(epochs, "epochs", minimum=1))
    seed = int(check_int(seed, "seed", minimum=0))
    hidden = int(check_int(hidden, "hidden", minimum=2))
    hidden2 = int(check_int(hidden2, "hidden2", minimum=1))
    top_k = int(check_int(top_k, "top_k", minimum=1))
    coffee_epochs = int(check_int(coffee_epochs, "coffee_epochs", minimum=1))
    resolution = int(check_int(resolution, "resolution", minimum=2))
    learning_rate = check_learning_rate(learning_rate)

    run = _train_digits(epochs, seed, hidden, hidden2, batch_size, learning_rate, test_size)
    read = _read_units(run, hidden, threshold, top_k)
    l1 = _first_layer(run, read, hidden)
    coffee = _coffee(seed, coffee_epochs, float(coffee_learning_rate), resolution)
    numbers = _labor_numbers(run, read, l1, coffee, hidden, hidden2, threshold)
    return ExperimentResult(
        name="labor",
        question=QUESTION,
        verdict=_verdict(numbers),
        answer=_answer(numbers),
        notes=further_reading(numbers),
        numbers=numbers,
        tables=_labor_tables(run, read, l1, coffee, hidden),
        data=_labor_data(run, read, l1, coffee),
        params={"epochs": epochs, "seed": seed, "hidden": hidden, "hidden2": hidden2,
                "batch_size": batch_size, "learning_rate": learning_rate,
                "test_size": test_size, "threshold": threshold, "top_k": top_k,
                "coffee_epochs": coffee_epochs, "coffee_learning_rate": coffee_learning_rate,
                "resolution": resolution},
        seconds=time.perf_counter() - start,
    )


def _f3(x: float) -> str:
    """Three decimals, without a "-0.000"."""
    text = f"{x:.3f}"
    return "0.000" if text == "-0.000" else text


def _answer(n: dict[str, Any]) -> str:
    """The one-sentence answer, drawn from the numbers only."""
    ratio = n["ablation_top_over_median"]
    ratio_text = (f"the most important matters {ratio:.1f}x the median unit"
                  if np.isfinite(ratio) else "the most important is the only one that matters")
    caveats = [f"mean selectivity is only {n['selectivity_mean']:.2f} on a 0-1 scale"]
    if n["shared_classes"]:
        caveats.append(f"{n['shared_classes']} digit classes are preferred by several units")
    if n["dead_units"]:
        caveats.append(f"{n['dead_units']} of {n['units']} units are dead")
    if n["redundant_units"]:
        caveats.append(f"{n['redundant_units']} are near-copies")
    return (f"Partly: after training the units do respond to different things (the "
            f"{n['live_units']} live L1 units prefer {n['preferred_classes']} of the 10 digits, "
            f"and {ratio_text}), but nothing assigns a unit a feature and the split is not "
            f"clean: " + ", ".join(caveats) + ".")


#: Further reading for Q4, one line each: (source, what it shows, how it relates).
READING: tuple[tuple[str, str, str], ...] = (
    ("Zeiler & Fergus, 'Visualizing and Understanding Convolutional Networks', ECCV 2014",
     "units of a trained image network respond to different features (edges and colour "
     "blobs in the first layer, object parts deeper)",
     "the weight images and top examples here are the same kind of picture for a tiny MLP"),
    ("Olah, Mordvintsev & Schubert, 'Feature Visualization', Distill 2017",
     "how to see what a unit responds to, and that many units respond to several unrelated "
     "things (polysemantic units)",
     "selectivity well below 1 means the same here: most units answer to several digits"),
    ("Bau, Zhou, Khosla, Oliva & Torralba, 'Network Dissection', CVPR 2017",
     "only some units line up with a human-named concept, and how many depends on the "
     "training and even on a rotation of the representation",
     "the {selective} of {live} live units above {threshold} selectivity are the ones a "
     "dissection would label"),
    ("Morcos, Barrett, Rabinowitz & Botvinick, 'On the importance of single directions for "
     "generalization', ICLR 2018",
     "class-selective units are not the important ones: ablating them hurts no more than "
     "ablating others",
     "here the rank correlation between a unit's selectivity and its ablation importance is "
     "{sel_imp}"),
    ("Li, Yosinski, Clune, Lipson & Hopcroft, 'Convergent Learning: Do different neural "
     "networks learn the same representations?', ICLR 2016",
     "networks trained from different seeds learn some features in common and others not",
     "the seeds experiment (Q5) repeats their one-to-one unit matching"),
    ("Elhage et al., 'Toy Models of Superposition', Anthropic 2022",
     "why a unit often mixes several features: a layer can store more features than it has "
     "units",
     "a reason the division of labor is not one feature per unit"),
)


def _rank_text(r: float) -> str:
    if not np.isfinite(r):
        return "undefined (too few live units)"
    if r < -0.2:
        return f"{r:+.2f}: the more selective units matter less, as they found"
    if r <= 0.2:
        return f"{r:+.2f}: selectivity does not predict importance, as they found"
    return f"{r:+.2f}: here the more selective units do matter more, unlike in their networks"


def further_reading(n: dict[str, Any]) -> list[str]:
    """The reading list, each line tied to this run's numbers."""
    r = n.get("selectivity_importance_rank_correlation", float("nan"))
    values = {"selective": n["selective_units"], "live": n["live_units"],
              "threshold": SELECTIVE,
              "sel_imp": _rank_text(r)}
    return [f"Further reading: {source}: {shows}; {relates.format(**values)}."
            for source, shows, relates in READING]


def _verdict(n: dict[str, Any]) -> str:
    """The plain-language answer, drawn from the numbers only."""
    parts: list[str] = []
    ratio = n["ablation_top_over_median"]
    ratio_text = (f"{ratio:.1f}x the median unit" if np.isfinite(ratio)
                  else "while the median unit's removal does not raise the loss at all")
    differ = n["preferred_classes"] >= 3 or ratio >= 2 or not np.isfinite(ratio)
    if differ:
        parts.append(
            f"Units do come out different: the {n['live_units']} live L1 units prefer "
            f"{n['preferred_classes']} of the 10 digit classes, and silencing one raises the "
            f"test loss by {_f3(n['ablation_min'])} to {_f3(n['ablation_max'])} (from a base "
            f"of {n['test_loss']:.3f}; unit {n['ablation_top_unit']} matters most, "
            f"{ratio_text}"
            + (f"; {n['negligible_units']} live unit(s) change it by under 1%"
               if n["negligible_units"] else "") + ")."
        )
    else:
        parts.append(
            f"The units barely differ: the {n['live_units']} live L1 units prefer only "
            f"{n['preferred_classes']} classes and silencing any one raises the test loss by "
            f"{_f3(n['ablation_min'])} to {_f3(n['ablation_max'])}."
        )
    moderate = n["selectivity_mean"] < SELECTIVE
    caveats: list[str] = []
    if n["shared_classes"]:
        caveats.append(f"{n['shared_classes']} classes are preferred by two or more units "
                       f"(up to {n['max_units_per_class']})")
    if n["dead_units"] or n["dead_units_layer2"]:
        caveats.append(f"{n['dead_units']} L1 and {n['dead_units_layer2']} "
                       f"L2 units are dead (never active on the training set)"
                       + (f", {n['silent_on_test']} more L1 unit(s) never fire on the "
                          f"test set" if n["silent_on_test"] else ""))
    if n["redundant_clusters"]:
        caveats.append(f"{n['redundant_units']} units form {n['redundant_clusters']} group(s) "
                       f"of near-copies (|correlation| >= {n['redundancy_threshold']:g})")
    else:
        caveats.append(f"no two units are copies at |correlation| >= "
                       f"{n['redundancy_threshold']:g} (the closest pair: "
                       f"{n['max_abs_correlation']:.2f})")
    if moderate or n["shared_classes"] or n["dead_units"] or n["redundant_clusters"]:
        parts.append(
            f"But no unit is assigned a feature: selectivity is "
            f"{'moderate' if moderate else 'fairly high'} (mean {n['selectivity_mean']:.2f} on "
            f"a 0-1 scale; {n['selective_units']} of {n['live_units']} live units above "
            f"{SELECTIVE}), " + ", ".join(caveats) + ". What a unit detects is whatever its "
            "random start and its gradients made of it."
        )
    else:
        parts.append(
            f"These units came out selective (mean selectivity {n['selectivity_mean']:.2f}) "
            f"and none is dead or a copy, yet nothing in training assigned them their classes: "
            f"" + ", ".join(caveats) + "."
        )
    share = ", ".join(f"{100 * s:.0f}%" for s in n["coffee_flag_share"])
    distinct = len(set(n["coffee_unit_flags"])) == len(n["coffee_unit_flags"])
    parts.append(
        f"Coffee ({100 * n['coffee_accuracy']:.0f}% accuracy): the 3 units flag "
        f"{'different' if distinct else 'overlapping'} regions of bad "
        f"roasts ({'; '.join(n['coffee_unit_flags'])}), catching {share} of them; "
        f"{100 * n['coffee_only_one_unit']:.0f}% of bad roasts are flagged by exactly one unit "
        f"and {100 * n['coffee_covered']:.0f}% by at least one."
    )
    return " ".join(parts)
