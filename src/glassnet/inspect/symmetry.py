"""The symmetry meter: how many *different* units does each layer really have?

Unit ``j`` of a dense layer is its incoming weights and bias, ``v_j = [W[:, j]; b[j]]``.
Every unit sees the same input, so two units with equal ``v`` compute the same output on
every example, receive the same gradient, and stay equal forever: the layer behaves like
fewer units than it has. The meter reports, per dense layer,

- the pairwise cosine similarity of the ``v_j``:  ``cos(j, k) = v_j . v_k / (|v_j| |v_k|)``;
- with a probe batch ``X``, the pairwise cosine similarity and Pearson correlation of the
  units' activations ``a[:, j]`` over the examples;
- the groups of duplicate units and ``k`` distinct units of ``n``. Units ``j`` and ``k`` are
  duplicates when ``max_i |v_ij - v_ik| <= tol * max(1, max |v|)`` (the largest magnitude in
  the layer), and, when ``X`` is given, also ``max_examples |a_j - a_k| <= tol * max(1, max |a|)``.
  Groups are the connected components of that "duplicate" relation.

Conventions: two all-zero vectors have cosine 1 (they are the same); a zero vector and a
non-zero one have cosine 0. A constant activation has no correlation (NaN).

Dead units (with a probe: activation exactly 0 on every example) are reported apart, in
``dead``: two dead units output the same zeros, but they are duplicates only when their
weights are equal too, and they are left out of the "max activation cosine" (two zero
columns would read as cosine 1 without being copies).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from .._table import Display
from ..checks import by_name, check_float
from ..errors import ArgumentTypeError
from ._units import readable, unit_plan, unit_views

__all__ = ["LayerSymmetry", "SymmetryReport", "distinct_units", "pairwise_max_abs_diff",
           "symmetry"]

Array = NDArray[Any]

_BLOCK_ELEMENTS = 1 << 22  # at most ~4M float64 (32 MB) per block of pairwise differences


def pairwise_max_abs_diff(V: Array) -> NDArray[np.float64]:
    """``D[j, k] = max_i |V[i, j] - V[i, k]|`` for the columns of ``V`` (shape ``(d, n)``).

    Computed exactly (no Gram-matrix cancellation), in blocks of columns so memory stays
    bounded for wide layers.
    """
    cols = np.ascontiguousarray(np.asarray(V, dtype=np.float64).T)  # (n, d)
    n, d = cols.shape
    out = np.empty((n, n), dtype=np.float64)
    if d == 0:
        out[:] = 0.0
        return out
    d_block = max(1, min(d, _BLOCK_ELEMENTS // max(1, n)))
    block = max(1, _BLOCK_ELEMENTS // max(1, n * d_block))
    for start in range(0, n, block):
        stop = min(n, start + block)
        for d0 in range(0, d, d_block):
            part = cols[start:stop, None, d0:d0 + d_block] - cols[None, :, d0:d0 + d_block]
            m = np.abs(part, out=part).max(axis=2)  # (block, n)
            out[start:stop] = m if d0 == 0 else np.maximum(out[start:stop], m)
    return out


def _cosine(V: Array) -> NDArray[np.float64]:
    """Cosine similarity of the columns of ``V`` (see the module's zero-vector convention)."""
    V = np.asarray(V, dtype=np.float64)
    norms = np.linalg.norm(V, axis=0)
    zero = norms == 0
    safe = np.where(zero, 1.0, norms)
    U = V / safe
    S = U.T @ U
    np.clip(S, -1.0, 1.0, out=S)
    both_zero = zero[:, None] & zero[None, :]
    one_zero = zero[:, None] ^ zero[None, :]
    S[one_zero] = 0.0
    S[both_zero] = 1.0
    np.fill_diagonal(S, 1.0)
    return S


def _correlation(A: Array) -> NDArray[np.float64]:
    """Pearson correlation of the columns of ``A`` over its rows; NaN where a column is constant."""
    A = np.asarray(A, dtype=np.float64)
    C = A - A.mean(axis=0)
    sd = np.sqrt((C * C).sum(axis=0))
    flat = sd == 0
    U = C / np.where(flat, 1.0, sd)
    R = U.T @ U
    np.clip(R, -1.0, 1.0, out=R)
    R[flat, :] = np.nan
    R[:, flat] = np.nan
    return R


@dataclass
class LayerSymmetry:
    """One layer's symmetry: ``k_distinct`` of ``n_units``; ``groups`` lists the sets of
    duplicate unit indices (only groups of two or more; a unit in no group is unique).

    ``weight_similarity`` and ``activation_similarity`` are ``(n_units, n_units)`` cosine
    matrices (the latter ``None`` without a probe batch); ``activation_correlation`` is the
    Pearson correlation matrix of the activations. ``closest_pair`` and ``closest_gap`` name
    the two units whose ``[W; b]`` columns are nearest (largest absolute difference).
    """

    name: str
    n_units: int
    k_distinct: int
    groups: list[list[int]]
    weight_similarity: NDArray[np.float64]
    activation_similarity: NDArray[np.float64] | None
    activation_correlation: NDArray[np.float64] | None = None
    closest_pair: tuple[int, int] | None = None
    closest_gap: float = float("nan")
    weight_scale: float = 1.0
    dead: list[int] = field(default_factory=list)

    @property
    def collapsed(self) -> bool:
        """True when every unit of a layer with more than one unit is a copy of one unit."""
        return self.n_units > 1 and self.k_distinct == 1

    def describe(self) -> str:
        plural = "s" if self.k_distinct != 1 else ""
        text = f"{self.name}: {self.k_distinct} distinct unit{plural} of {self.n_units}"
        if self.groups:
            text += "; duplicates " + ", ".join(
                "{" + ", ".join(str(u) for u in g) + "}" for g in self.groups)
        if self.dead:
            text += f"; {len(self.dead)} dead on the probe"
        return text


@dataclass(repr=False)
class SymmetryReport(Display):
    """The meter's reading for every dense layer of a model."""

    layers: list[LayerSymmetry]
    tol: float
    with_activations: bool
    n_probe: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def k_distinct(self) -> dict[str, int]:
        """``{layer name: distinct units}``."""
        return {layer.name: layer.k_distinct for layer in self.layers}

    def layer(self, name: str) -> LayerSymmetry:
        found: LayerSymmetry = by_name(self.layers, name)
        return found

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for layer in self.layers:
            off = ~np.eye(layer.n_units, dtype=bool)
            w_off = layer.weight_similarity[off]
            a_off = None
            if layer.activation_similarity is not None:
                live = np.ones(layer.n_units, dtype=bool)
                live[layer.dead] = False
                a_off = layer.activation_similarity[off & live[:, None] & live[None, :]]
            out.append({
                "layer": layer.name,
                "units": layer.n_units,
                "distinct": layer.k_distinct,
                "duplicate groups": "; ".join(
                    "{" + ",".join(str(u) for u in g) + "}" for g in layer.groups) or "-",
                "dead": (", ".join(str(u) for u in layer.dead) if layer.dead else "-")
                if self.with_activations else "n/a",
                "max weight cosine": float(w_off.max()) if w_off.size else float("nan"),
                "max activation cosine": (float(a_off.max()) if a_off is not None and a_off.size
                                          else float("nan")),
                "closest gap": layer.closest_gap,
            })
        return out

    def display_parts(self) -> tuple[str, list[tuple[str, list[dict[str, Any]], str]], str]:
        basis = "weights+bias" + (f" and activations on {self.n_probe} examples"
                                  if self.with_activations else "")
        foot = (f"Duplicates: units equal in {basis} within tol={self.tol:g} "
                f"(relative to max(1, largest magnitude in the layer)).")
        if self.with_activations:
            foot += ("\nDead: output 0 on every probe example; counted as duplicates only when "
                     "their weights are equal too, and left out of the max activation cosine.")
        return "Symmetry meter", [("", self.rows(), ".6g")], foot


_SMALL_GRAPH = 256  # units: below, counts in float32 products stay exact


def duplicate_groups(dup: NDArray[np.bool_]) -> tuple[int, list[list[int]]]:
    """Connected components of the boolean relation ``dup``: (count, groups of size >= 2).

    Layers of course size (up to ``_SMALL_GRAPH`` units) take the transitive closure by
    repeated boolean squaring (a few tiny products, no graph library call: the symmetry
    tracker of the lab measures every layer hundreds of times); larger ones use SciPy."""
    n = int(dup.shape[0])
    linked = int(np.count_nonzero(dup))
    if linked == n:  # only the diagonal: every unit is its own group (the common case)
        return n, []
    if linked == n * n:  # every unit a copy of every other (a collapsed layer)
        return 1, [list(range(n))]
    if n <= _SMALL_GRAPH:
        reach = dup | dup.T | np.eye(n, dtype=bool)
        while True:
            r = reach.astype(np.float32)
            wider = (r @ r) > 0
            if np.array_equal(wider, reach):
                break
            reach = wider
        roots, labels = np.unique(reach.argmax(axis=1), return_inverse=True)
        n_comp = len(roots)
    else:
        n_comp, labels = connected_components(dup.astype(np.int8), directed=False)
    order = np.argsort(labels, kind="stable")
    sizes = np.bincount(labels, minlength=n_comp)
    splits = np.split(order, np.cumsum(sizes)[:-1])
    groups = sorted((sorted(int(u) for u in g) for g in splits if len(g) > 1),
                    key=lambda g: g[0])
    return int(n_comp), groups


def _unit_layers(model: Any, X: Any, tol: float) -> tuple[float, Any, list[tuple[Any, Array,
                                                                            Array | None]]]:
    """The checked ``tol``, the trace on ``X`` and, per layer with units, ``(layer, [W; b],
    activations on X or None)``."""
    if not hasattr(model, "layers") or not hasattr(model, "trace"):
        raise ArgumentTypeError(
            f"model: expected a glassnet Sequential, got {type(model).__name__}"
        )
    tol = check_float(tol, "tol", minimum=0.0)
    model = readable(model)  # nested models' layers read in place
    traces = model.trace(X) if X is not None else None
    views = {v.index: v for v in unit_views(model, traces)} if traces is not None else {}
    layers = []
    for plan in unit_plan(model):  # layers with units (see inspect._units)
        i, layer = plan.index, model.layers[plan.index]
        V = np.vstack([np.asarray(layer.params[0], dtype=np.float64),
                       np.asarray(layer.params[1], dtype=np.float64)[None, :]])
        layers.append((layer, V, views[i].a if traces is not None else None))
    return tol, traces, layers


def find_duplicates(V: Array, A: Array | None, tol: float) -> tuple[float, Array, Array]:
    """The weight scale, the pairwise gaps of the ``[W; b]`` columns, and which pairs of
    units are copies (weights and, given ``A``, activations within tolerance)."""
    scale = max(1.0, float(np.abs(V).max()) if V.size else 0.0)
    gap = pairwise_max_abs_diff(V)
    dup = gap <= tol * scale
    if A is not None:
        a_scale = max(1.0, float(np.abs(A).max()))
        dup &= pairwise_max_abs_diff(A) <= tol * a_scale
    return scale, gap, dup


def distinct_units(model: Any, X: Any = None, *, tol: float = 1e-6) -> dict[str, int]:
    """``{layer: k distinct units}``, as :func:`symmetry` counts them, without its
    similarity matrices: cheap enough to measure every few steps during training."""
    tol, _, layers = _unit_layers(model, X, tol)
    return {str(layer.name): duplicate_groups(find_duplicates(V, A, tol)[2])[0]
            for layer, V, A in layers}


def symmetry(model: Any, X: Any = None, *, tol: float = 1e-6) -> SymmetryReport:
    """Measure the symmetry of every dense layer of ``model`` (optionally on a probe ``X``).

    ``k distinct units of n``: units are duplicates when their ``[W[:, j]; b[j]]`` agree
    within ``tol * max(1, max |[W; b]|)`` and, if ``X`` is given, their activations on
    ``X`` agree within ``tol * max(1, max |a|)``. ``tol=0`` asks for exact copies.
    The model is read, never changed.
    """
    tol, traces, layers = _unit_layers(model, X, tol)
    n_probe = int(traces[0].x.shape[0]) if traces is not None else 0
    out: list[LayerSymmetry] = []
    for layer, V, A in layers:
        n = V.shape[1]
        scale, gap, dup = find_duplicates(V, A, tol)
        a_sim = a_corr = None
        dead: list[int] = []
        if A is not None:
            dead = [int(j) for j in np.flatnonzero(~np.any(A != 0, axis=0))]
            a_sim = _cosine(A)
            a_corr = _correlation(A)
        k, groups = duplicate_groups(dup)
        closest: tuple[int, int] | None = None
        closest_gap = float("nan")
        if n > 1:
            masked = gap + np.diag(np.full(n, np.inf))
            flat = int(np.argmin(masked))
            j, kk = divmod(flat, n)
            closest = (min(j, kk), max(j, kk))
            closest_gap = float(masked[j, kk])
        out.append(LayerSymmetry(
            name=str(layer.name), n_units=int(n), k_distinct=k, groups=groups,
            weight_similarity=_cosine(V), activation_similarity=a_sim,
            activation_correlation=a_corr, closest_pair=closest, closest_gap=closest_gap,
            weight_scale=scale, dead=dead,
        ))
    return SymmetryReport(layers=out, tol=tol, with_activations=traces is not None,
                          n_probe=n_probe)
