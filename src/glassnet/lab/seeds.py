"""Q5: if training is deterministic, isn't the minimum the same? Do seeds find other minima?

The same 64-25-15-10 digits network (ReLU, ReLU, linear logits) is trained from several
seeds (the seed fixes the initial weights and the shuffling order) and compared on a
held-out test set with :mod:`glassnet.inspect.seeds`:

- determinism: the same seed twice gives bit-identical weights; the same initial weights
  with a different shuffling order do not;
- spread: test loss and accuracy per seed, and how often two seeds predict different classes;
- relabelling: permuting a hidden layer's units (and the next layer's rows) moves the weights
  far but leaves the outputs unchanged up to rounding, and one-to-one matching recovers the
  exact permutation;
- what is real: units matched across seeds by activation correlation (Li et al. 2016), whole
  layers compared with linear CKA (Kornblith et al. 2019), and the weight distance between
  seeds before and after aligning their units.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..checks import check_int
from ..inspect.labor import predicted_classes
from ..inspect.seeds import (
    SeedComparison,
    align,
    compare_seeds,
    permute_units,
    train_seeds,
    weight_distance,
)
from ..model import Sequential
from ..population import Population
from ._digits import check_learning_rate, digits_model, digits_split
from .base import ExperimentResult

__all__ = ["run_seeds"]

QUESTION = ("If training is deterministic, wouldn't the minimum be the same? "
            "Do different seeds find different local minima?")

#: A permuted copy "computes the same function" when no output moves by more than this
#: (float32 rounding of a reordered sum is ~1e-6 on logits of size ~10).
SAME_FUNCTION_TOL = 1e-4


@dataclass
class _SeedRuns:
    """The networks trained from ``seeds`` on one digits split, and their comparison."""

    build: Callable[[int], Sequential]
    fit_kwargs: dict[str, Any]
    seeds: list[int]
    X_train: NDArray[Any]
    X_test: NDArray[Any]
    y_train: NDArray[Any]
    y_test: NDArray[Any]
    models: list[Sequential]
    cmp: SeedComparison
    out0: NDArray[Any]  # the first seed's outputs on the test set


def _train_runs(n_seeds: int, epochs: int, seed: int, hidden: int, hidden2: int,
                batch_size: int, lr: float, test_size: float) -> _SeedRuns:
    """Split the digits, train one network per seed ``seed, seed + 1, ...`` and compare them
    on the test set (:func:`~glassnet.inspect.seeds.compare_seeds`)."""
    X_train, X_test, y_train, y_test = digits_split(seed, test_size)

    def build(model_seed: int) -> Sequential:
        return digits_model(hidden, hidden2, model_seed, lr, name=f"seed_{model_seed}")

    fit_kwargs: dict[str, Any] = {"epochs": epochs, "batch_size": batch_size}
    seeds = [seed + i for i in range(n_seeds)]
    models = train_seeds(build, X_train, y_train, seeds, fit_kwargs=fit_kwargs)
    cmp = compare_seeds(models, X_test, y_test)
    out0 = models[0].predict(X_test)
    return _SeedRuns(build, fit_kwargs, seeds, X_train, X_test, y_train, y_test, models, cmp,
                     out0)


@dataclass
class _Determinism:
    """The first seed trained again, and its start trained with another shuffling order."""

    shuffle_seed: int
    same: bool
    rerun_diff: float
    reshuffle_dist: float
    reshuffle_acc: float
    reshuffle_dis: float


def _determinism(runs: _SeedRuns) -> _Determinism:
    """The same seed again; the same start with another shuffling order (both trained together
    as a population: each member is exactly its fit alone)."""
    base, seeds, X_test = runs.models[0], runs.seeds, runs.X_test
    shuffle_seed = seeds[0] + 1000
    pair = Population([runs.build(seeds[0]), runs.build(seeds[0])])
    pair.fit(runs.X_train, runs.y_train, seed=[seeds[0], shuffle_seed], **runs.fit_kwargs)
    again, reshuffled = pair.models()
    same = all(np.array_equal(p, q) for p, q in zip(base.get_weights(), again.get_weights()))
    rerun_diff = max(float(np.max(np.abs(p - q)))
                     for p, q in zip(base.get_weights(), again.get_weights()))
    reshuffle_dist = weight_distance(base, reshuffled)
    reshuffle_acc = float(reshuffled.evaluate(X_test, runs.y_test,
                                              return_dict=True)["accuracy"])
    reshuffle_dis = float(np.mean(
        predicted_classes(base, runs.out0)
        != predicted_classes(reshuffled, reshuffled.predict(X_test))
    ))
    return _Determinism(shuffle_seed, same, rerun_diff, reshuffle_dist, reshuffle_acc,
                        reshuffle_dis)


@dataclass
class _Relabelling:
    """A copy of the first network with its hidden units permuted, and its realignment."""

    diff: float        # largest |output difference|
    rel: float         # the same, relative to the largest output
    dist: float        # weight distance to the original
    recovered: bool    # alignment found the exact permutation back
    dist_after: float  # weight distance after alignment


def _relabelling(runs: _SeedRuns, seed: int) -> _Relabelling:
    """Permute every hidden layer's units at random (by ``seed``): the copy computes the same
    function, and :func:`~glassnet.inspect.seeds.align` recovers the permutation."""
    base, X_test, out0 = runs.models[0], runs.X_test, runs.out0
    rng = np.random.default_rng(seed)
    permuted = base
    perms = []
    for i in range(len(base.layers) - 1):
        perm = rng.permutation(base.layers[i].output_dim)
        perms.append(perm)
        permuted = permute_units(permuted, i, perm)
    perm_diff = float(np.max(np.abs(permuted.predict(X_test) - out0)))
    perm_rel = perm_diff / float(np.max(np.abs(out0)))
    perm_dist = weight_distance(base, permuted)
    realigned, matchings = align(base, permuted, X_test)
    recovered = all(np.array_equal(match.perm, np.argsort(p))
                    for match, p in zip(matchings, perms))
    perm_dist_after = weight_distance(base, realigned)
    return _Relabelling(perm_diff, perm_rel, perm_dist, recovered, perm_dist_after)


def _seeds_numbers(runs: _SeedRuns, det: _Determinism, rel: _Relabelling) -> dict[str, Any]:
    """The experiment's numbers: the spread over seeds, the layers compared across seeds, the
    weight distances (with two references for their size), determinism and relabelling."""
    models, seeds, cmp, build = runs.models, runs.seeds, runs.cmp, runs.build
    # References for "how large is a weight distance": a trained model's own size (its
    # distance from all-zero weights) and the distance between two untrained starts.
    weight_norm = float(np.mean([np.sqrt(sum(float(np.sum(np.square(w.astype(np.float64))))
                                             for w in m.get_weights())) for m in models]))
    start_distance = weight_distance(build(seeds[0]), build(seeds[1]))

    acc = cmp.spread("accuracy")
    loss = cmp.spread("loss")
    layer_summary = cmp.layer_summary()
    names = cmp.layers
    before, after = cmp.mean_distance_before, cmp.mean_distance_after
    return {
        "n_seeds": len(seeds),
        "seeds": seeds,
        "accuracy_mean": acc["mean"], "accuracy_std": acc["std"],
        "accuracy_min": acc["min"], "accuracy_max": acc["max"],
        "loss_mean": loss["mean"], "loss_std": loss["std"],
        "loss_min": loss["min"], "loss_max": loss["max"],
        "error_rate_mean": 1.0 - acc["mean"],
        "disagreement_mean": cmp.mean_disagreement,
        "disagreement_max": float(cmp.disagreement.max()),
        "layers": names,
        "matched_correlation": [layer_summary[k]["matched_correlation"] for k in names],
        "best_correlation": [layer_summary[k]["best_correlation"] for k in names],
        "cka": [layer_summary[k]["cka"] for k in names],
        "distance_before": before,
        "distance_after": after,
        "distance_reduction": 1.0 - after / before if before > 0 else 0.0,
        "weight_norm_mean": weight_norm,
        "start_distance": start_distance,
        "deterministic": bool(det.same),
        "rerun_max_abs_diff": det.rerun_diff,
        "reshuffle_distance": det.reshuffle_dist,
        "reshuffle_accuracy": det.reshuffle_acc,
        "reshuffle_disagreement": det.reshuffle_dis,
        "permutation_max_abs_diff": rel.diff,
        "permutation_max_rel_diff": rel.rel,
        "permutation_same_function": bool(rel.diff <= SAME_FUNCTION_TOL),
        "permutation_distance": rel.dist,
        "permutation_recovered": bool(rel.recovered),
        "permutation_distance_after_align": rel.dist_after,
    }


def _seeds_tables(runs: _SeedRuns, det: _Determinism, rel: _Relabelling, hidden: int,
                  hidden2: int) -> dict[str, list[dict[str, Any]]]:
    """The report's tables: every seed, the hidden layers, every pair of seeds, and the checks
    of determinism and relabelling."""
    seeds, cmp, names = runs.seeds, runs.cmp, runs.cmp.layers
    n = len(seeds)
    pair_rows = [
        {"pair": f"{seeds[i]} vs {seeds[j]}", "disagreement": float(cmp.disagreement[i, j]),
         "distance_before": float(cmp.weight_distance_before[i, j]),
         "distance_after": float(cmp.weight_distance_after[i, j]),
         **{f"cka_{k}": float(cmp.cka[k][i, j]) for k in names}}
        for i in range(n) for j in range(i + 1, n)
    ]
    proof_rows: list[dict[str, Any]] = [
        {"check": f"seed {seeds[0]} trained twice", "result":
            "bit-identical weights" if det.same else "DIFFERENT weights",
         "number": det.rerun_diff, "meaning": "largest |weight difference|"},
        {"check": f"seed {seeds[0]} start, shuffling seed {det.shuffle_seed}", "result":
            f"accuracy {det.reshuffle_acc:.4f}", "number": det.reshuffle_dist,
         "meaning": "weight distance to the first run"},
        {"check": "hidden units permuted (both layers)", "result":
            "same function" if rel.diff <= SAME_FUNCTION_TOL else "DIFFERENT function",
         "number": rel.diff, "meaning": "largest |output difference|"},
        {"check": "permuted copy: weights", "result": f"distance {rel.dist:.4g}",
         "number": rel.dist_after, "meaning": "weight distance after alignment"},
        {"check": "permuted copy: matching", "result":
            "exact permutation recovered" if rel.recovered else "NOT recovered",
         "number": float(rel.recovered), "meaning": "1 = recovered"},
    ]
    return {
        f"{n} seeds of the 64-{hidden}-{hidden2}-10 network, "
        f"{runs.X_test.shape[0]} test digits": cmp.seed_rows(),
        "Hidden layers across seeds (means over pairs; matched = one-to-one by activation "
        "correlation, CKA = whole layer)": cmp.layer_rows(),
        "Pairs of seeds": pair_rows,
        "Determinism and relabelling": proof_rows,
    }


def _seeds_data(runs: _SeedRuns) -> dict[str, Any]:
    """The arrays the figures draw: losses, accuracies, disagreement, CKA, matched units and
    weight distances."""
    cmp = runs.cmp
    return {
        "seeds": runs.seeds,
        "losses": cmp.losses,
        "accuracies": cmp.accuracies,
        "disagreement": cmp.disagreement,
        "layers": cmp.layers,
        "cka": cmp.cka,
        "matched": cmp.matched_correlation,
        "matched_example": cmp.matched_example,
        "distance_before": cmp.weight_distance_before,
        "distance_after": cmp.weight_distance_after,
    }


def run_seeds(
    *,
    n_seeds: int = 5,
    epochs: int = 40,
    seed: int = 0,
    hidden: int = 25,
    hidden2: int = 15,
    batch_size: int = 32,
    learning_rate: float = 0.003,
    test_size: float = 0.25,
) -> ExperimentResult:
    """Train ``n_seeds`` networks (seeds ``seed, seed + 1, ...``) on digits and compare them.

    Parameters
    ----------
    n_seeds: how many networks to train, one per seed (at least 2).
    epochs: passes over the digits training set, the same for every seed.
    seed: the first model seed; also the train/test split and the random permutation of
        the relabelling check.
    hidden: units in L1, the first hidden layer.
    hidden2: units in L2, the second hidden layer.
    batch_size: examples per optimizer step.
    learning_rate: Adam's step size.
    test_size: share of the digits held out as the test set the models are compared on.

    Takes a few seconds at the defaults.
    """
    start = time.perf_counter()
    n_seeds = int(check_int(n_seeds, "n_seeds", minimum=2))
    epochs = int(check_int(epochs, "epochs", minimum=1))
    seed = int(check_int(seed, "seed", minimum=0))
    hidden = int(check_int(hidden, "hidden", minimum=2))
    hidden2 = int(check_int(hidden2, "hidden2", minimum=2))
    lr = check_learning_rate(learning_rate)

    runs = _train_runs(n_seeds, epochs, seed, hidden, hidden2, batch_size, lr, test_size)
    det = _determinism(runs)
    rel = _relabelling(runs, seed)
    numbers = _seeds_numbers(runs, det, rel)
    return ExperimentResult(
        name="seeds",
        question=QUESTION,
        verdict=_verdict(numbers),
        answer=_answer(numbers),
        numbers=numbers,
        tables=_seeds_tables(runs, det, rel, hidden, hidden2),
        data=_seeds_data(runs),
        params={"n_seeds": n_seeds, "epochs": epochs, "seed": seed, "hidden": hidden,
                "hidden2": hidden2, "batch_size": batch_size, "learning_rate": learning_rate,
                "test_size": test_size},
        seconds=time.perf_counter() - start,
    )


def _quality(n: dict[str, Any]) -> str:
    spread = n["accuracy_max"] - n["accuracy_min"]
    return "nearly the same quality" if spread < 0.03 else "noticeably different quality"


def _answer(n: dict[str, Any]) -> str:
    """The one-sentence answer, drawn from the numbers only."""
    det = ("Training is deterministic given the seed (the same seed twice gives bit-identical "
           "weights)" if n["deterministic"] else
           "Training was NOT reproducible here (the same seed gave different weights)")
    gap = 100 * (n["accuracy_max"] - n["accuracy_min"])
    spread = (f"test accuracy {100 * n['accuracy_min']:.1f}% to "
              f"{100 * n['accuracy_max']:.1f}%, a {gap:.1f}-point spread")
    real = ("not just relabelled copies of one another: aligning their units removes only "
            f"{100 * n['distance_reduction']:.0f}% of the weight distance"
            if n["distance_reduction"] < 0.5 else
            f"largely relabelled copies: aligning their units removes "
            f"{100 * n['distance_reduction']:.0f}% of the weight distance")
    return (f"{det}, and yes, different seeds find different minima: {n['n_seeds']} seeds end "
            f"at different weights, {real}, with {_quality(n)} ({spread}; two seeds disagree "
            f"on {100 * n['disagreement_mean']:.1f}% of test digits).")


def _verdict(n: dict[str, Any]) -> str:
    """The plain-language answer, drawn from the numbers only."""
    parts: list[str] = []
    s0 = n["seeds"][0]
    if n["deterministic"]:
        parts.append(f"Training is deterministic: seed {s0} trained twice gives bit-identical "
                     f"weights.")
    else:
        parts.append(f"Seed {s0} trained twice gave DIFFERENT weights (largest difference "
                     f"{n['rerun_max_abs_diff']:.3g}): something random escaped the seeds.")
    parts.append(
        f"The same start with another shuffling order already ends elsewhere (weight distance "
        f"{n['reshuffle_distance']:.3g}; {100 * n['reshuffle_disagreement']:.1f}% of test "
        f"digits classified differently)."
    )
    rel_spread = n["loss_std"] / n["loss_mean"] if n["loss_mean"] > 0 else 0.0
    quality = _quality(n)
    parts.append(
        f"{n['n_seeds']} seeds end at different weights with {quality}: test accuracy "
        f"{100 * n['accuracy_mean']:.1f}% +- {100 * n['accuracy_std']:.1f} (from "
        f"{100 * n['accuracy_min']:.1f}% to {100 * n['accuracy_max']:.1f}%), loss "
        f"{n['loss_mean']:.3f} +- {n['loss_std']:.3f} ({100 * rel_spread:.0f}% relative); yet "
        f"two seeds disagree on {100 * n['disagreement_mean']:.1f}% of test digits on average "
        f"(their error rate is {100 * n['error_rate_mean']:.1f}%)."
    )
    if n["permutation_same_function"] and n["permutation_recovered"]:
        parts.append(
            f"Part of the difference is only a relabelling: permuting the hidden units moves "
            f"the weights by {n['permutation_distance']:.3g} but the outputs by at most "
            f"{n['permutation_max_abs_diff']:.1e} ({n['permutation_max_rel_diff']:.0e} of the "
            f"largest output: float32 rounding), and matching by activation recovers the exact "
            f"permutation."
        )
    else:
        parts.append(
            f"The relabelling check FAILED: output difference "
            f"{n['permutation_max_abs_diff']:.3g}, permutation recovered: "
            f"{n['permutation_recovered']}."
        )
    real = "most of the difference is real" if n["distance_reduction"] < 0.5 else \
        "much of the difference was relabelling"
    parts.append(
        f"Aligning each pair's units shrinks the weight distance only from "
        f"{n['distance_before']:.3g} to {n['distance_after']:.3g} "
        f"({100 * n['distance_reduction']:.0f}% less): {real}."
    )
    layer_text = "; ".join(
        f"{name}: matched units correlate {mc:.2f} on average, CKA {ck:.2f}"
        for name, mc, ck in zip(n["layers"], n["matched_correlation"], n["cka"]))
    if min(n["matched_correlation"]) < 0.8 and min(n["cka"]) >= 0.8:
        tail = ("the layers carry similar information, spread differently over the units: "
                "different features, similar representations.")
    elif min(n["matched_correlation"]) >= 0.8:
        tail = "most units have a close counterpart in every other seed."
    else:
        tail = "both the units and the layers as a whole differ between seeds."
    parts.append(f"Unit by unit ({layer_text}), {tail}")
    return " ".join(parts)
