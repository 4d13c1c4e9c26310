"""Across seeds: did different random starts learn the same thing?

Training is deterministic given its seeds (one for the initial weights, one for the
shuffling order). Different seeds end at different weights; part of that difference is a
mere relabelling of hidden units (permuting a hidden layer's units, together with the next
layer's rows, computes exactly the same function), part is real. These instruments separate
the two:

- :func:`train_seeds`     train one model per seed.
- :func:`linear_cka`      how similar two layers' representations are, whatever the unit order
  (Kornblith et al., "Similarity of Neural Network Representations Revisited", ICML 2019).
- :func:`match_units`     a one-to-one matching of units by activation correlation (Li et al.,
  "Convergent Learning", ICLR 2016), solved exactly with the Hungarian method.
- :func:`permute_units`   a relabelled copy of a model that computes the same function.
- :func:`align`           relabel every hidden layer of one model to match another.
- :func:`weight_distance` how far apart two models' parameters are.
- :func:`compare_seeds`   all of the above over a set of trained models.

None of them changes a model it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import metrics as metrics_mod
from .._table import Display
from ..checks import check_built, check_compiled
from ..errors import ArgumentTypeError, ConfigError, ShapeError
from ..model import Sequential
from .labor import (
    correlation_matrix,
    layer_activations,
    predicted_classes,
    resolve_layer,
)

Array = NDArray[Any]

__all__ = [
    "Matching",
    "SeedComparison",
    "align",
    "compare_seeds",
    "linear_cka",
    "match_units",
    "permute_units",
    "train_seeds",
    "weight_distance",
    "weight_distance_per_layer",
]


def _check_model(model: Any, argument: str = "model") -> Sequential:
    if not isinstance(model, Sequential):
        raise ArgumentTypeError(
            f"{argument}: expected a glassnet Sequential, got {type(model).__name__}"
        )
    check_built(model)
    for layer in model.layers:
        # Relabelling units moves a unit's incoming and outgoing weights together; layers
        # without units of their own (dropout, normalization) have no such weights.
        if not layer.has_units or len(layer.weight_arrays()) != 2:
            raise ConfigError(
                f"{argument}: seed comparison reads models made of dense layers only; layer "
                f"{layer.name!r} is a {layer.kind} layer"
            )
    return model


def train_seeds(
    build: Callable[[int], Sequential],
    X: Any,
    y: Any,
    seeds: Sequence[int],
    *,
    fit_kwargs: dict[str, Any] | None = None,
) -> list[Sequential]:
    """Train one model per seed: ``model = build(seed)`` then
    ``model.fit(X, y, seed=seed, **fit_kwargs)``.

    ``build(seed)`` must return a compiled :class:`Sequential` whose initial weights come from
    ``seed`` (``Sequential(..., seed=seed)``); the same seed also fixes the shuffling order,
    so each run can be replayed bit for bit. ``fit_kwargs`` (epochs, batch_size, ...) may
    not contain ``seed``; ``verbose`` defaults to 0.
    """
    if not callable(build):
        raise ArgumentTypeError(f"build: expected a function seed -> Sequential, got {build!r}")
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or not seeds:
        raise ArgumentTypeError(f"seeds: expected a non-empty list of ints, got {seeds!r}")
    kwargs = dict(fit_kwargs or {})
    if "seed" in kwargs:
        raise ConfigError("fit_kwargs: must not contain 'seed'; each run uses its own seed")
    kwargs.setdefault("verbose", 0)
    models = []
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ArgumentTypeError(f"seeds: expected non-negative ints, got {s!r}")
    pop = _as_population(build, seeds, kwargs)
    if pop is not None:  # the same runs, trained together (each member equals its fit alone)
        pop.fit(X, y, seed=[int(s) for s in seeds], **kwargs)
        return pop.models()
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ArgumentTypeError(f"seeds: expected non-negative ints, got {s!r}")
        model = build(int(s))
        if not isinstance(model, Sequential):
            raise ArgumentTypeError(
                f"build: expected build(seed) to return a Sequential, got {type(model).__name__}"
            )
        model.fit(X, y, seed=int(s), **kwargs)
        models.append(model)
    return models


_POPULATION_FIT_ARGS = {"epochs", "batch_size", "validation_data", "shuffle", "verbose"}


def _as_population(build: Callable[[int], Sequential], seeds: Sequence[int],
                   kwargs: dict[str, Any]) -> Any:
    """The runs of :func:`train_seeds` as one population when they can be (Dense members of
    one architecture, ``fit`` arguments a population takes), else ``None``."""
    from ..errors import GlassnetError
    from ..population import Population

    if set(kwargs) - _POPULATION_FIT_ARGS or kwargs.get("verbose"):
        return None
    members = []
    for s in seeds:
        model = build(int(s))
        if not isinstance(model, Sequential):
            raise ArgumentTypeError(
                f"build: expected build(seed) to return a Sequential, got {type(model).__name__}"
            )
        members.append(model)
    try:
        return Population(members)
    except GlassnetError:
        return None


def linear_cka(A: Any, B: Any) -> float:
    """Linear centered kernel alignment of two representations of the same ``m`` examples.

    With ``A (m, p)`` and ``B (m, q)`` centred column-wise (``A <- A - mean over rows``)::

        CKA(A, B) = ||B^T A||_F^2 / ( ||A^T A||_F  ||B^T B||_F )

    In ``[0, 1]``; ``CKA(A, A) = 1``; unchanged when ``A`` or ``B`` is rotated by an
    orthogonal matrix (a permutation of units included) or scaled by a number; ``p`` and ``q``
    may differ. Computed in float64. A representation with no variance has no defined CKA:
    returns NaN.
    """
    a = np.asarray(A, dtype=np.float64)
    b = np.asarray(B, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise ShapeError(
            f"A, B: expected 2-D arrays with the same number of rows (examples), "
            f"got shapes {a.shape} and {b.shape}"
        )
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    cross = np.linalg.norm(b.T @ a, "fro") ** 2
    norm = np.linalg.norm(a.T @ a, "fro") * np.linalg.norm(b.T @ b, "fro")
    if norm <= 0.0:
        return float("nan")
    return min(1.0, float(cross) / float(norm))


@dataclass(repr=False)
class Matching(Display):
    """A one-to-one matching of the units of layer *b* to those of layer *a*.

    ``perm[j]`` is the unit of *b* matched to unit ``j`` of *a*, so ``B[:, perm]`` lines
    *b*'s units up with *a*'s and ``permute_units(model_b, layer, perm)`` relabels model *b*
    accordingly. ``correlation[j] = C[j, perm[j]]`` is the activation correlation of each
    matched pair; ``best[j] = max_i C[j, i]`` is unit ``j``'s best partner if partners could be
    shared (Li et al.'s semi-matching; NaN for a constant unit). ``C`` is the full
    ``(units_a, units_b)`` matrix; ``constant_a``/``constant_b`` flag constant units.
    ``varying[j]`` is False when unit ``j`` of *a* or its partner is constant on the batch
    (a dead unit, say): such a pair has no defined correlation (stored as 0).
    """

    perm: NDArray[np.int64]
    correlation: Array
    best: Array
    C: Array = field(repr=False)
    varying: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    constant_a: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    constant_b: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def mean(self) -> float:
        """The mean correlation of the matched pairs whose units both vary (NaN if none)."""
        if not self.varying.any():
            return float("nan")
        return float(self.correlation[self.varying].mean())

    def display_parts(self) -> tuple[str, list[tuple[str, list[dict[str, Any]], str]], str]:
        rows = [{"unit of a": j, "matched unit of b": int(self.perm[j]),
                 "correlation": float(self.correlation[j]) if self.varying[j] else "constant",
                 "best partner's": float(self.best[j])}
                for j in range(self.perm.shape[0])]
        return ("One-to-one unit matching", [("", rows, ".3f")],
                f"mean matched correlation (varying pairs) {self.mean:.3f}")


def match_units(
    acts_a: Any, acts_b: Any, *, weights_a: Any = None, weights_b: Any = None
) -> Matching:
    """Match the units of two layers one to one by activation correlation.

    ``acts_a`` and ``acts_b`` are ``(m, n)`` activations of two layers with the same width on
    the same examples. ``C[j, i]`` is the Pearson correlation of unit ``j`` of *a* with unit
    ``i`` of *b* (0 for a constant unit); the matching maximizes ``sum_j C[j, perm[j]]`` over
    all permutations, solved exactly by ``scipy.optimize.linear_sum_assignment``.

    Constant units (dead ones, for instance) correlate with nothing, so activations cannot tell
    them apart. ``weights_a``/``weights_b`` (``(n, d)``, one row per unit, e.g. its incoming
    weights and bias) break such ties: the assignment maximizes ``C + 1e-6 S`` where ``S`` is
    the cosine similarity of the rows. The reported correlations are those of ``C`` alone.
    """
    from scipy.optimize import linear_sum_assignment

    a = np.asarray(acts_a)
    b = np.asarray(acts_b)
    if a.ndim != 2 or b.ndim != 2 or a.shape != b.shape:
        raise ShapeError(
            f"acts_a, acts_b: expected two (m, n) arrays of the same shape, "
            f"got {a.shape} and {b.shape}"
        )
    n = a.shape[1]
    C, constant = correlation_matrix(a, b)
    score = C
    if weights_a is not None or weights_b is not None:
        if weights_a is None or weights_b is None:
            raise ConfigError("weights_a, weights_b: give both or neither")
        wa = np.asarray(weights_a, dtype=np.float64)
        wb = np.asarray(weights_b, dtype=np.float64)
        if wa.ndim != 2 or wa.shape != wb.shape or wa.shape[0] != n:
            raise ShapeError(
                f"weights_a, weights_b: expected two arrays of shape ({n}, d), "
                f"got {wa.shape} and {wb.shape}"
            )
        na = np.linalg.norm(wa, axis=1, keepdims=True)
        nb = np.linalg.norm(wb, axis=1, keepdims=True)
        S = (wa / np.where(na > 0, na, 1.0)) @ (wb / np.where(nb > 0, nb, 1.0)).T
        score = C + 1e-6 * S
    rows, cols = linear_sum_assignment(score, maximize=True)
    perm = np.empty(n, dtype=np.int64)
    perm[rows] = cols
    idx = np.arange(n)
    ca, cb = constant[:n], constant[n:]
    varying = ~ca & ~cb[perm]
    best = np.where(ca, np.nan, C.max(axis=1))
    return Matching(perm, C[idx, perm].copy(), best, C, varying, ca, cb)


def _unit_weights(model: Sequential, index: int) -> Array:
    """Each unit's incoming weights and bias as one row ``[W[:, j], b[j]]``: (units, n_in + 1)."""
    layer = model.layers[index]
    return np.column_stack([np.asarray(layer.params[0]).T, np.asarray(layer.params[1])])


def _copy(model: Sequential) -> Sequential:
    clone = Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    return clone


def permute_units(model: Any, layer: Any, perm: Any) -> Sequential:
    """A new model whose hidden ``layer`` has its units relabelled: new unit ``j`` is old unit
    ``perm[j]``.

    ``W_l <- W_l[:, perm]``, ``b_l <- b_l[perm]`` and the next layer's rows
    ``W_{l+1} <- W_{l+1}[perm, :]``. Each unit keeps its incoming weights and its outgoing
    weights, so the new model computes the same function (up to the order in which floating
    point sums are taken). ``model`` is not changed.
    """
    model = _check_model(model)
    index = resolve_layer(model, layer)
    if index == len(model.layers) - 1:
        raise ConfigError(
            "layer: the output layer's units cannot be permuted without changing the outputs; "
            "name a hidden layer"
        )
    n = model.layers[index].output_dim
    p = np.asarray(perm)
    if p.shape != (n,) or p.dtype.kind not in "iu" or not np.array_equal(np.sort(p), np.arange(n)):
        raise ConfigError(
            f"perm: expected a permutation of 0..{n - 1} (an int array of shape ({n},)), "
            f"got {np.array2string(p, threshold=12)}"
        )
    weights = model.get_weights()
    weights[2 * index] = weights[2 * index][:, p]
    weights[2 * index + 1] = weights[2 * index + 1][p]
    weights[2 * index + 2] = weights[2 * index + 2][p, :]
    new = Sequential.from_config(model.get_config())
    new.set_weights(weights)
    return new


def _same_architecture(a: Sequential, b: Sequential) -> None:
    wa = [a.input_dim] + [layer.output_dim for layer in a.layers]
    wb = [b.input_dim] + [layer.output_dim for layer in b.layers]
    if wa != wb:
        raise ShapeError(
            f"models: expected the same layer widths, got {'-'.join(map(str, wa))} and "
            f"{'-'.join(map(str, wb))}"
        )


def align(model_a: Any, model_b: Any, X: Any) -> tuple[Sequential, list[Matching]]:
    """Relabel every hidden layer of ``model_b`` to match ``model_a``, first layer first.

    For each hidden layer, the units are matched by activation correlation on ``X``
    (:func:`match_units`, ties between constant units broken by incoming weights, which are
    comparable because the previous layer is already aligned) and ``model_b``'s copy is
    permuted accordingly (:func:`permute_units`). Permuting a layer leaves the activations of
    every later layer unchanged, so each layer's matching reads the units exactly as trained.
    Returns the aligned copy (same function as ``model_b``) and one :class:`Matching` per
    hidden layer.
    """
    a = _check_model(model_a, "model_a")
    b = _check_model(model_b, "model_b")
    _same_architecture(a, b)
    aligned = _copy(b)
    matchings = []
    for i in range(len(a.layers) - 1):
        match = match_units(layer_activations(a, X, i), layer_activations(aligned, X, i),
                            weights_a=_unit_weights(a, i), weights_b=_unit_weights(aligned, i))
        aligned = permute_units(aligned, i, match.perm)
        matchings.append(match)
    return aligned, matchings


def weight_distance_per_layer(model_a: Any, model_b: Any) -> dict[str, float]:
    """Per layer, ``sqrt(||W_a - W_b||^2 + ||b_a - b_b||^2)`` (float64), keyed by the layer
    names of ``model_a``."""
    a = _check_model(model_a, "model_a")
    b = _check_model(model_b, "model_b")
    _same_architecture(a, b)
    out = {}
    for la, lb in zip(a.layers, b.layers):
        sq = sum(float(np.sum((np.asarray(pa, np.float64) - np.asarray(pb, np.float64)) ** 2))
                 for pa, pb in zip(la.params, lb.params))
        out[str(la.name)] = float(np.sqrt(sq))
    return out


def weight_distance(model_a: Any, model_b: Any) -> float:
    """The Euclidean (L2) distance between all parameters of two models of the same shape:
    ``sqrt(sum over every W and b of the squared entry differences)``."""
    per = weight_distance_per_layer(model_a, model_b)
    return float(np.sqrt(sum(d * d for d in per.values())))


# --------------------------------------------------------------------------- comparison


def _nanmean(values: Array) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")


def _pair_mean(M: Array) -> float:
    n = M.shape[0]
    iu = np.triu_indices(n, 1)
    return float(np.nanmean(M[iu])) if iu[0].size else float("nan")


@dataclass(repr=False)
class SeedComparison(Display):
    """How several trained models (one per seed) agree.

    Per model: ``seeds``, ``losses``, ``accuracies`` (on the batch given to
    :func:`compare_seeds`). Per pair ``(i, j)``, symmetric ``(N, N)`` matrices:
    ``disagreement`` (share of examples with different predicted classes),
    ``weight_distance_before`` / ``weight_distance_after`` (all parameters, before and after
    aligning model ``j``'s hidden units to model ``i``'s; the diagonal is 0), and per hidden
    layer ``matched_correlation[layer]`` (mean correlation of the one-to-one matched units)
    and ``cka[layer]`` (linear CKA; the diagonal is 1). ``best_correlation[layer][i, j]`` is
    the mean, over the units of model ``i``, of the correlation with their best partner in
    model ``j`` (partners may be shared, so it is not symmetric). ``matched_example[layer]``
    holds the matched correlations of every unit for the pair (0, 1), sorted, highest first.
    """

    seeds: list[int]
    losses: Array
    accuracies: Array
    disagreement: Array
    layers: list[str]
    matched_correlation: dict[str, Array]
    best_correlation: dict[str, Array]
    cka: dict[str, Array]
    weight_distance_before: Array
    weight_distance_after: Array
    matched_example: dict[str, Array] = field(default_factory=dict)

    @property
    def n_models(self) -> int:
        return len(self.seeds)

    def spread(self, which: str = "accuracy") -> dict[str, float]:
        """``{mean, std, min, max}`` of ``"accuracy"`` or ``"loss"`` across the models
        (population std)."""
        values = {"accuracy": self.accuracies, "loss": self.losses}.get(which)
        if values is None:
            raise ConfigError(f"which: expected 'accuracy' or 'loss', got {which!r}")
        return {"mean": float(values.mean()), "std": float(values.std()),
                "min": float(values.min()), "max": float(values.max())}

    @property
    def mean_disagreement(self) -> float:
        return _pair_mean(self.disagreement)

    @property
    def mean_distance_before(self) -> float:
        return _pair_mean(self.weight_distance_before)

    @property
    def mean_distance_after(self) -> float:
        return _pair_mean(self.weight_distance_after)

    def layer_summary(self) -> dict[str, dict[str, float]]:
        """Per hidden layer, the mean over pairs of the matched correlation, the best
        (semi-matching) correlation and the linear CKA."""
        return {
            name: {"matched_correlation": _pair_mean(self.matched_correlation[name]),
                   "best_correlation": _pair_mean(self.best_correlation[name]),
                   "cka": _pair_mean(self.cka[name])}
            for name in self.layers
        }

    def seed_rows(self) -> list[dict[str, Any]]:
        """One row per model: seed, loss, accuracy, mean disagreement with the others."""
        n = self.n_models
        dis = (self.disagreement.sum(axis=1) / (n - 1)) if n > 1 else np.zeros(n)
        return [{"seed": int(s), "loss": float(lo), "accuracy": float(acc),
                 "disagreement": float(d)}
                for s, lo, acc, d in zip(self.seeds, self.losses, self.accuracies, dis)]

    def layer_rows(self) -> list[dict[str, Any]]:
        """One row per hidden layer: matched correlation, best correlation, CKA."""
        return [{"layer": name, **{k: float(v) for k, v in row.items()}}
                for name, row in self.layer_summary().items()]

    def display_parts(self) -> tuple[str, list[tuple[str, list[dict[str, Any]], str]], str]:
        """The per-seed table, the per-layer table, and the pair means."""
        acc = self.spread("accuracy")
        loss = self.spread("loss")
        lines = [
            f"accuracy {acc['mean']:.4f} +- {acc['std']:.4f} (min {acc['min']:.4f}, "
            f"max {acc['max']:.4f}); loss {loss['mean']:.4f} +- {loss['std']:.4f}",
            f"mean prediction disagreement between two seeds: {self.mean_disagreement:.2%}",
            f"mean weight distance: {self.mean_distance_before:.4g} before alignment, "
            f"{self.mean_distance_after:.4g} after",
        ]
        return (f"{self.n_models} models compared",
                [("", self.seed_rows(), ".4g"), ("", self.layer_rows(), ".4g")],
                "\n".join(lines))


def compare_seeds(models: Sequence[Any], X: Any, y: Any) -> SeedComparison:
    """Compare trained models of one architecture (one per seed) on ``(X, y)``.

    Loss is each model's compiled loss; accuracy the matching accuracy metric; the predicted
    class is the argmax of the outputs (or the threshold for one output). For every pair
    ``i < j``: the share of examples they classify differently, the matching and linear CKA of
    each hidden layer, and the weight distance before and after :func:`align`.
    ``models`` may be a trained :class:`~glassnet.population.Population` (its members).
    """
    from ..population import Population

    if isinstance(models, Population):
        models = models.models()
    if not isinstance(models, Sequence) or len(models) < 2:
        raise ArgumentTypeError(f"models: expected a list of at least 2 models, got {models!r:.80}")
    ms = [_check_model(m, f"models[{i}]") for i, m in enumerate(models)]
    for m in ms[1:]:
        _same_architecture(ms[0], m)
    n = len(ms)
    x = ms[0].check_X(X)
    losses = np.empty(n)
    accs = np.empty(n)
    preds = []
    for i, m in enumerate(ms):
        loss, _ = check_compiled(m)
        t = m.prepare_targets(y, x.shape[0])
        out = m.predict(x, batch_size=None)
        losses[i] = m.loss_value_prepared(x, t)
        accs[i] = metrics_mod.get("accuracy", loss)(t, out)
        preds.append(predicted_classes(m, out))
    P = np.stack(preds)  # (N, m)
    disagreement = (P[:, None, :] != P[None, :, :]).mean(axis=2)

    hidden = list(range(len(ms[0].layers) - 1))
    names = [str(ms[0].layers[i].name) for i in hidden]
    acts = [[layer_activations(m, x, i) for i in hidden] for m in ms]
    matched = {name: np.eye(n) for name in names}
    best = {name: np.eye(n) for name in names}
    cka = {name: np.eye(n) for name in names}
    before = np.zeros((n, n))
    after = np.zeros((n, n))
    example: dict[str, Array] = {}
    for i in range(n):
        for j in range(i + 1, n):
            aligned, matchings = align(ms[i], ms[j], x)
            before[i, j] = before[j, i] = weight_distance(ms[i], ms[j])
            after[i, j] = after[j, i] = weight_distance(ms[i], aligned)
            for k, name in enumerate(names):
                match = matchings[k]
                matched[name][i, j] = matched[name][j, i] = match.mean
                b_ij = _nanmean(match.best)
                b_ji = _nanmean(np.where(match.constant_b, np.nan, match.C.max(axis=0)))
                best[name][i, j], best[name][j, i] = b_ij, b_ji
                cka[name][i, j] = cka[name][j, i] = linear_cka(acts[i][k], acts[j][k])
                if (i, j) == (0, 1):
                    example[name] = np.sort(match.correlation)[::-1]
    return SeedComparison([int(m.seed) for m in ms], losses, accs, disagreement, names,
                          matched, best, cka, before, after, example)
