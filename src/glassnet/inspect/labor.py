"""Division of labor: what each unit of a trained network responds to, and how much it matters.

Every function here reads a model and returns numbers; none changes the model (no weight,
cache or optimizer state is touched: layers are run with ``cache=False`` on arrays the
instrument owns).

Notation: ``A`` is a layer's output on a batch, shape ``(m, n)`` (examples are rows, column
``j`` is unit ``j``), ``y`` the integer class labels, ``K`` the number of classes.

- :func:`selectivity`   per unit, the mean activation in each class, the preferred class and a
  class-selectivity index in ``[0, 1]``.
- :func:`ablation`      silence one unit at a time (its output set to 0) and measure how much
  the loss rises and the accuracy falls: the unit's importance.
- :func:`redundancy`    correlations between units' activations; groups of near-copies.
- :func:`top_examples`  the examples a unit responds to most.
- :func:`unit_images`   each first-layer unit's incoming weights drawn as an image.
- :func:`activation_map` each unit's activation over a grid of a 2-D input plane.
- :func:`layer_activations` the output of one layer (the raw material of the others).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .. import metrics as metrics_mod
from .._table import Display
from ..checks import bad_labels, check_built, check_compiled, check_int
from ..errors import ArgumentTypeError, ConfigError, DataError, ShapeError
from ._units import readable

Array = NDArray[Any]

__all__ = [
    "Ablation",
    "Redundancy",
    "Selectivity",
    "ablation",
    "activation_map",
    "correlation_matrix",
    "layer_activations",
    "predicted_classes",
    "redundancy",
    "resolve_layer",
    "selectivity",
    "top_examples",
    "unit_images",
]

#: Largest number of floats one batch of ablations may hold (units x examples x width).
_ABLATION_BUDGET = 4_000_000


# --------------------------------------------------------------------------- shared helpers


def resolve_layer(model: Any, layer: Any, argument: str = "layer") -> int:
    """A layer given by position (``int``, negative counts from the end) or by name -> its
    position in ``model.layers``."""
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list) or not layers:
        raise ArgumentTypeError(
            f"model: expected a built glassnet Sequential with layers, got {type(model).__name__}"
        )
    n = len(layers)
    if isinstance(layer, str):
        for i, candidate in enumerate(layers):
            if candidate.name == layer:
                return i
        names = ", ".join(repr(candidate.name) for candidate in layers)
        raise ConfigError(f"{argument}: no layer named {layer!r}; the layers are {names}")
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
        raise ArgumentTypeError(
            f"{argument}: expected a layer index (int) or a layer name (str), got {layer!r}"
        )
    if not -n <= layer < n:
        raise ConfigError(f"{argument}: expected an index in {-n}..{n - 1}, got {layer}")
    return int(layer) % n


def _dense(model: Any, index: int) -> Any:
    """Layer ``index``, which must have units of its own (a dense layer)."""
    layer = model.layers[index]
    if not layer.has_units:
        raise ConfigError(
            f"layer: layer {index} ({layer.name!r}) is a {layer.kind} layer, which has no units "
            f"of its own; name a dense layer"
        )
    check_built(model)
    return layer


def _output_layer(model: Any) -> Any:
    """The last layer, which must apply its activation separately (dense or activation)."""
    last = model.layers[-1]
    if last.output_activation is None:
        raise ConfigError(
            f"model: the output layer {last.name!r} is a {last.kind} layer; this instrument "
            f"needs a dense (or activation) output layer"
        )
    return last


def _hidden_indices(model: Any) -> list[int]:
    return list(range(len(model.layers) - 1))


def layer_activations(model: Any, X: Any, layer: Any) -> Array:
    """The output ``A = g(z)`` of layer ``layer`` for every row of ``X``, shape ``(m, units)``.

    ``layer`` is an index or a name. Runs the layers up to it once on the whole batch,
    without caching anything in the model.
    """
    model = readable(model)  # nested models' layers read in place
    index = resolve_layer(model, layer)
    a = model.check_X(X)
    for i in range(index + 1):
        a = model.layers[i].forward(a)
    return np.array(a, copy=True)


def _labels(y: Any, m: int, argument: str = "y") -> NDArray[np.int64]:
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.shape[0] != m:
        raise ShapeError(
            f"{argument}: expected {m} integer class labels of shape ({m},) to match X, "
            f"got shape {arr.shape}"
        )
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or not np.all(arr == np.round(arr)):
            raise DataError(f"{argument}: expected integer class labels, got {bad_labels(arr)}")
    elif arr.dtype.kind not in "biu":
        raise DataError(f"{argument}: expected integer class labels, got dtype {arr.dtype}")
    labels = arr.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise DataError(f"{argument}: expected class labels >= 0, got {labels.min()}")
    return labels


def predicted_classes(model: Any, out: Array) -> NDArray[np.int64]:
    """The class a model predicts from its output ``out`` ``(m, K)``.

    ``K > 1``: ``argmax`` over the outputs. ``K = 1`` (binary): 1 where the output passes
    the threshold, which is 0 for a logit output (a ``from_logits`` loss or a linear output
    layer) and 0.5 for a probability.
    """
    if out.shape[1] > 1:
        return np.asarray(out.argmax(axis=1), dtype=np.int64)
    loss = getattr(model, "loss", None)
    last = model.layers[-1]
    act = last.output_activation
    logits = bool(getattr(loss, "from_logits", False)) or (
        act is not None and act.name == "linear"
    )
    return np.asarray(out[:, 0] > (0.0 if logits else 0.5), dtype=np.int64)


def correlation_matrix(A: Array, B: Array | None = None) -> tuple[Array, NDArray[np.bool_]]:
    """Pearson correlations between the columns of ``A`` and of ``B`` (``A`` itself if None).

    ``C[i, j] = sum_r (a_ri - mean a_i)(b_rj - mean b_j) / (m std(a_i) std(b_j))``, in float64.
    A constant column (a dead unit, for instance) has no defined correlation; its entries are
    set to 0. Returns ``(C, constant)`` where ``constant`` flags the constant columns of ``A``
    (and of ``B`` in a second half when ``B`` is given: ``constant[:nA]``, ``constant[nA:]``).
    """
    a = np.asarray(A, dtype=np.float64)
    b = a if B is None else np.asarray(B, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise ShapeError(
            f"activations: expected two 2-D arrays with the same number of rows (examples), "
            f"got shapes {a.shape} and {b.shape}"
        )
    m = a.shape[0]

    def standardize(x: Array) -> tuple[Array, NDArray[np.bool_]]:
        xc = x - x.mean(axis=0)
        sd = np.sqrt((xc * xc).mean(axis=0))
        const = sd <= 1e-12 * np.maximum(1.0, np.abs(x).max(axis=0, initial=0.0))
        return xc / np.where(const, 1.0, sd), const

    za, ca = standardize(a)
    zb, cb = (za, ca) if B is None else standardize(b)
    corr = za.T @ zb / m
    corr[ca, :] = 0.0
    corr[:, cb] = 0.0
    np.clip(corr, -1.0, 1.0, out=corr)
    if B is None:
        idx = np.flatnonzero(~ca)
        corr[idx, idx] = 1.0
        return corr, ca
    return corr, np.concatenate([ca, cb])


# --------------------------------------------------------------------------- selectivity


@dataclass(repr=False)
class Selectivity(Display):
    """Per-unit class preferences of one layer.

    ``class_means[j, k]``  the mean activation of unit ``j`` over the examples of class ``k``
                           (signed, as the unit outputs it), shape ``(units, K)``
    ``response``           the means the index is computed on: ``class_means`` when the layer's
                           outputs are never negative, else the mean of ``|a|`` per class
    ``preferred``          ``argmax_k response[j, k]``: the class unit ``j`` responds to most
    ``index``              the class-selectivity index (see :func:`selectivity`), ``(units,)``
    ``magnitude``          True when ``|a|`` was used (the layer had negative outputs)
    ``active``             False for a unit whose response is 0 in every class (a dead unit);
                           its index is 0 and its preferred class meaningless
    """

    layer: str
    class_means: Array
    response: Array
    preferred: NDArray[np.int64]
    index: Array
    magnitude: bool
    active: NDArray[np.bool_]
    class_counts: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def n_units(self) -> int:
        return int(self.index.shape[0])

    def preferred_counts(self) -> NDArray[np.int64]:
        """How many active units prefer each class, shape ``(K,)``."""
        k = self.class_means.shape[1]
        return np.bincount(self.preferred[self.active], minlength=k).astype(np.int64)

    def rows(self) -> list[dict[str, Any]]:
        """One row per unit: preferred class, selectivity index, its response to that class
        and its mean response to the others."""
        out = []
        for j in range(self.n_units):
            r = self.response[j]
            p = int(self.preferred[j])
            rest = (float(r.sum()) - float(r[p])) / max(1, r.shape[0] - 1)
            out.append({"unit": j,
                        "preferred class": p if self.active[j] else "- (dead)",
                        "selectivity": float(self.index[j]),
                        "response to it": float(r[p]), "mean response to others": rest})
        return out

    def display_parts(self) -> tuple[str, list[tuple[str, list[dict[str, Any]], str]], str]:
        k = self.class_means.shape[1]
        counts = self.preferred_counts()
        foot = (f"selectivity: 0 = the same response to every class, 1 = one class only"
                f"{' (on |a|: the layer has negative outputs)' if self.magnitude else ''}. "
                f"Active units per preferred class 0..{k - 1}: "
                + " ".join(str(int(c)) for c in counts) + ".")
        return (f"Class selectivity of {self.n_units} units of layer {self.layer!r}",
                [("", self.rows(), ".3g")], foot)


def selectivity(
    model: Any, X: Any, y: Any, layer: Any, *, n_classes: int | None = None, eps: float = 1e-12
) -> Selectivity:
    """Class selectivity of every unit of ``layer`` on the labelled batch ``(X, y)``.

    With ``mu_jk`` the mean response of unit ``j`` over the examples of class ``k``::

        preferred_j = argmax_k mu_jk
        mu_max      = mu_j,preferred
        mu_rest     = mean of mu_jk over the other K - 1 classes
        SI_j        = (mu_max - mu_rest) / (mu_max + mu_rest + eps)

    (Morcos et al. 2018's class-selectivity index.) For responses that are never negative
    (ReLU, sigmoid) ``SI`` lies in ``[0, 1]``: 0 when the unit responds equally to every
    class, 1 when it responds to one class only. For a layer with negative outputs
    (tanh, linear, leaky ReLU) the response is the magnitude ``|a|``: a unit strongly
    negative for one class counts as selective for it. Every class in ``0..K-1`` needs at
    least one example. ``K`` is ``n_classes`` or ``max(y) + 1``.
    """
    model = readable(model)  # nested models' layers read in place
    index = resolve_layer(model, layer)
    A = layer_activations(model, X, index).astype(np.float64)
    m = A.shape[0]
    labels = _labels(y, m)
    k = int(labels.max()) + 1 if n_classes is None else int(
        check_int(n_classes, "n_classes", minimum=2)
    )
    if labels.max() >= k:
        raise DataError(f"y: labels must be below n_classes={k}, got {labels.max()}")
    counts = np.bincount(labels, minlength=k)
    if np.any(counts == 0):
        missing = np.flatnonzero(counts == 0).tolist()
        raise DataError(f"y: every class needs at least one example; classes {missing} have none")
    onehot = np.zeros((m, k))
    onehot[np.arange(m), labels] = 1.0
    class_means = (A.T @ onehot) / counts  # (units, K)
    magnitude = bool((A < 0).any())
    response = (np.abs(A).T @ onehot) / counts if magnitude else class_means
    preferred = response.argmax(axis=1).astype(np.int64)
    mu_max = response.max(axis=1)
    mu_rest = (response.sum(axis=1) - mu_max) / (k - 1)
    si = (mu_max - mu_rest) / (mu_max + mu_rest + eps)
    active = response.max(axis=1) > 0
    si = np.where(active, si, 0.0)
    return Selectivity(str(model.layers[index].name), class_means, response, preferred, si,
                       magnitude, active, counts.astype(np.int64))


# --------------------------------------------------------------------------- ablation


@dataclass(repr=False)
class Ablation(Display):
    """Importance of each unit: what happens to the loss and accuracy when it is silenced.

    One row per ablated unit (``layers[r]``, ``units[r]``):
    ``loss[r]``/``accuracy[r]`` with that unit's output set to 0, and
    ``loss_increase = loss - base_loss``, ``accuracy_drop = base_accuracy - accuracy``.
    A unit whose silencing changes nothing has importance 0; a negative increase means the
    network does *better* without it on this batch.
    """

    base_loss: float
    base_accuracy: float
    layers: list[str]
    units: NDArray[np.int64]
    loss: Array
    accuracy: Array

    @property
    def loss_increase(self) -> Array:
        return self.loss - self.base_loss

    @property
    def accuracy_drop(self) -> Array:
        return self.base_accuracy - self.accuracy

    def for_layer(self, layer: str) -> tuple[Array, Array]:
        """``(loss_increase, accuracy_drop)`` of one layer's units, in unit order."""
        mask = np.array([name == layer for name in self.layers], dtype=bool)
        if not mask.any():
            raise ConfigError(
                f"layer: no ablation for {layer!r}; ablated layers are {sorted(set(self.layers))}"
            )
        order = np.argsort(self.units[mask], kind="stable")
        return self.loss_increase[mask][order], self.accuracy_drop[mask][order]

    def ranking(self) -> list[dict[str, Any]]:
        """Rows ``{rank, layer, unit, loss_increase, accuracy_drop}``, most important first
        (largest loss increase; ties by accuracy drop)."""
        inc, drop = self.loss_increase, self.accuracy_drop
        order = np.lexsort((-drop, -inc))
        return [
            {"rank": r + 1, "layer": self.layers[i], "unit": int(self.units[i]),
             "loss_increase": float(inc[i]), "accuracy_drop": float(drop[i])}
            for r, i in enumerate(order)
        ]

    def display_parts(self) -> tuple[str, list[tuple[str, list[dict[str, Any]], str]], str]:
        rows = self.ranking()
        shown = rows[:15]
        foot = (f"base loss {self.base_loss:.4g}, base accuracy {self.base_accuracy:.4g}; "
                f"loss_increase = loss with the unit's output set to 0 - base loss"
                + (f". {len(rows) - 15} more rows: .ranking() lists all" if len(rows) > 15
                   else ""))
        return (f"Ablation of {len(rows)} units, most important first",
                [("", shown, ".4g")], foot)


def _loss_and_accuracy(model: Any, z_out: Array, t: Array, accuracy: Any) -> tuple[float, float]:
    """The compiled loss and accuracy from the output layer's pre-activation ``z_out``."""
    loss = model.loss
    out = _output_layer(model).output_activation.forward(np.array(z_out, copy=True))
    if model.fused_output or loss.from_logits:
        logits = z_out if model.fused_output else out
        value = loss.logits_value_and_grad(t, logits, need_grad=False)[0]
    else:
        value = loss.value(t, out)
    return float(value), float(accuracy(t, out))


def ablation(model: Any, X: Any, y: Any, layer: Any = None) -> Ablation:
    """Silence each unit of ``layer`` (every hidden layer when None) in turn and measure the
    loss (the model's compiled loss) and accuracy on ``(X, y)``.

    Silencing unit ``j`` of layer ``l`` sets column ``j`` of that layer's output to 0 before the
    following layers run: ``A_l[:, j] = 0``. The ablations of one layer run as one batch: the
    layer's output is copied ``c`` times (``(c, m, n_l)``), copy ``i`` with unit ``i`` zeroed,
    and the rest of the network runs on all copies at once (``c`` chosen so the batch stays
    below a few million numbers). The model is not modified.
    """
    model = readable(model)  # nested models' layers read in place
    check_compiled(model)
    x = model.check_X(X)
    t = model.prepare_targets(y, x.shape[0])
    accuracy = metrics_mod.get("accuracy", model.loss)
    if layer is None:
        indices = _hidden_indices(model)
        if not indices:
            raise ConfigError("layer: the model has no hidden layer to ablate; name a layer")
    else:
        indices = [resolve_layer(model, layer)]
        if indices[0] == len(model.layers) - 1:
            raise ConfigError(
                "layer: the output layer cannot be ablated (its units are the predictions); "
                "name a hidden layer"
            )
    m = x.shape[0]
    # The activations of every layer on the clean batch.
    for li in indices:
        _dense(model, li)
    acts = [x]
    for i in range(len(model.layers)):
        acts.append(model.layers[i].forward(acts[-1]))
    last = _output_layer(model)
    base_loss, base_acc = _loss_and_accuracy(model, last.preactivation(acts[-2]), t, accuracy)

    names: list[str] = []
    units: list[Array] = []
    losses: list[float] = []
    accs: list[float] = []
    n_layers = len(model.layers)
    for li in indices:
        A = acts[li + 1]
        n_units = A.shape[1]
        widest = max([n_units] + [model.layers[j].output_dim for j in range(li + 1, n_layers)])
        chunk = max(1, min(n_units, _ABLATION_BUDGET // max(1, m * widest)))
        for start in range(0, n_units, chunk):
            sel = np.arange(start, min(start + chunk, n_units))
            c = sel.size
            batch = np.broadcast_to(A, (c, m, n_units)).copy()
            batch[np.arange(c), :, sel] = 0.0
            a = batch.reshape(c * m, n_units)
            for j in range(li + 1, n_layers - 1):
                a = model.layers[j].forward(a)
            z_out = last.preactivation(a).reshape(c, m, -1)
            for r in range(c):  # one loss per ablation; each call covers all m examples
                value, acc = _loss_and_accuracy(model, z_out[r], t, accuracy)
                losses.append(value)
                accs.append(acc)
            names += [str(model.layers[li].name)] * c
            units.append(sel)
    return Ablation(base_loss, base_acc, names, np.concatenate(units).astype(np.int64),
                    np.asarray(losses), np.asarray(accs))


# --------------------------------------------------------------------------- redundancy


@dataclass(repr=False)
class Redundancy(Display):
    """Which units of a layer carry (nearly) the same signal.

    ``correlation``  ``(units, units)`` Pearson correlations of the units' activations
    ``constant``     units whose activation never changes on the batch (dead ones included):
                     their correlation is undefined (stored as 0) and they join no cluster
    ``clusters``     groups (sorted lists of unit indices, 2 or more units each) linked by
                     ``|correlation| >= threshold``: single linkage, i.e. the connected
                     components of the graph with an edge wherever the threshold is met
    """

    layer: str
    threshold: float
    correlation: Array
    constant: NDArray[np.bool_]
    clusters: list[list[int]]

    @property
    def n_units(self) -> int:
        return int(self.correlation.shape[0])

    @property
    def n_distinct(self) -> int:
        """Distinct signals among the non-constant units: units minus the copies."""
        varying = int((~self.constant).sum())
        return varying - sum(len(c) - 1 for c in self.clusters)

    def max_abs_correlation(self) -> float:
        """The largest ``|correlation|`` between two different units."""
        n = self.n_units
        if n < 2:
            return 0.0
        off = np.abs(self.correlation[~np.eye(n, dtype=bool)])
        return float(off.max())

    def display_parts(self) -> tuple[str, list[tuple[str, list[dict[str, Any]], str]], str]:
        rows = [{"group": i + 1, "units": ", ".join(str(u) for u in c), "size": len(c)}
                for i, c in enumerate(self.clusters)]
        constant = np.flatnonzero(self.constant).tolist()
        foot = (f"{self.n_distinct} distinct signals among {self.n_units} units; "
                f"{len(constant)} constant (dead included){': ' if constant else ''}"
                + ", ".join(str(u) for u in constant)
                + f"; largest |correlation| between two units {self.max_abs_correlation():.3f}")
        title = (f"Redundancy in layer {self.layer!r}: groups with |correlation| >= "
                 f"{self.threshold:g}")
        if not rows:
            return title + ": none", [], foot
        return title, [("", rows, ".4g")], foot


def redundancy(model: Any, X: Any, layer: Any, threshold: float = 0.95) -> Redundancy:
    """Pairwise activation correlations of ``layer``'s units on ``X`` and the clusters of
    units whose ``|correlation| >= threshold`` (see :class:`Redundancy`)."""
    model = readable(model)  # nested models' layers read in place
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
            or not 0.0 < threshold <= 1.0:
        raise ConfigError(f"threshold: expected a number in (0, 1], got {threshold!r}")
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    index = resolve_layer(model, layer)
    A = layer_activations(model, X, index)
    corr, constant = correlation_matrix(A)
    linked = np.abs(corr) >= threshold - 1e-12
    linked[constant, :] = False
    linked[:, constant] = False
    np.fill_diagonal(linked, False)
    _, label = connected_components(csr_matrix(linked), directed=False)
    sizes = np.bincount(label)
    clusters = sorted(
        (np.flatnonzero(label == c).tolist() for c in np.flatnonzero(sizes >= 2)),
        key=lambda group: group[0],
    )
    return Redundancy(str(model.layers[index].name), float(threshold), corr, constant, clusters)


# --------------------------------------------------------------------------- pictures


def top_examples(model: Any, X: Any, layer: Any, unit: int, k: int = 9) -> NDArray[np.int64]:
    """Indices (rows of ``X``) of the ``k`` examples on which ``unit`` of ``layer`` is most
    active, highest first (ties: the lower index first)."""
    model = readable(model)  # nested models' layers read in place
    index = resolve_layer(model, layer)
    n_units = model.layers[index].output_dim
    unit = int(check_int(unit, "unit", minimum=0))
    if unit >= n_units:
        raise ConfigError(f"unit: layer {index} has units 0..{n_units - 1}, got {unit}")
    k = int(check_int(k, "k", minimum=1))
    a = layer_activations(model, X, index)[:, unit]
    order = np.lexsort((np.arange(a.size), -a))
    return order[:k].astype(np.int64)


def unit_images(
    model: Any, layer: Any, image_shape: tuple[int, int], order: Literal["C", "F"] = "C"
) -> Array:
    """Each unit's incoming weights ``W[:, j]`` as an image, shape ``(units, h, w)``.

    ``order="C"``: the input row was an image unrolled row by row (scikit-learn's 8x8
    digits, ``x.reshape(8, 8)``). ``order="F"``: column by column (the course's 20x20 digits,
    shown with ``x.reshape(20, 20).T``). Meaningful for the first layer, whose inputs are pixels.
    """
    model = readable(model)  # nested models' layers read in place
    index = resolve_layer(model, layer)
    W = _dense(model, index).params[0]
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2:
        raise ArgumentTypeError(f"image_shape: expected (height, width), got {image_shape!r}")
    h, w = (int(v) for v in image_shape)
    if h * w != W.shape[0]:
        raise ShapeError(
            f"image_shape: {(h, w)} holds {h * w} pixels but layer {index} has "
            f"{W.shape[0]} inputs"
        )
    if order == "C":
        return np.array(W.T.reshape(-1, h, w), copy=True)
    if order == "F":
        return np.array(W.T.reshape(-1, w, h).transpose(0, 2, 1), copy=True)
    raise ConfigError(f"order: expected 'C' or 'F', got {order!r}")


def activation_map(
    model: Any,
    layer: Any,
    unit: int | None = None,
    *,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    resolution: int = 100,
    transform: Callable[[Array], Any] | None = None,
) -> tuple[Array, Array, Array]:
    """Every unit's activation over a grid of the input plane (for 2-feature inputs).

    Returns ``(xx, yy, A)``: ``xx, yy`` of shape ``(resolution, resolution)`` from
    ``numpy.meshgrid`` over ``xlim`` x ``ylim``, and ``A`` of shape
    ``(resolution, resolution, units)``, or ``(resolution, resolution)`` for one ``unit``.
    ``transform`` maps the grid points ``(k, 2)`` to what the model reads (for instance a
    fitted ``Standardizer.transform``), so the plane can be drawn in the data's own units.
    """
    model = readable(model)  # nested models' layers read in place
    index = resolve_layer(model, layer)
    resolution = int(check_int(resolution, "resolution", minimum=2))
    for name, lim in (("xlim", xlim), ("ylim", ylim)):
        if not isinstance(lim, (tuple, list)) or len(lim) != 2 or not lim[0] < lim[1]:
            raise ConfigError(f"{name}: expected (low, high) with low < high, got {lim!r}")
    if model.input_dim != 2:
        raise ShapeError(
            f"model: an activation map needs a model with 2 input features, "
            f"it has {model.input_dim}"
        )
    xs = np.linspace(float(xlim[0]), float(xlim[1]), resolution)
    ys = np.linspace(float(ylim[0]), float(ylim[1]), resolution)
    xx, yy = np.meshgrid(xs, ys)
    points = np.column_stack([xx.ravel(), yy.ravel()])
    if transform is not None:
        points = np.asarray(transform(points))
    A = layer_activations(model, points, index).reshape(resolution, resolution, -1)
    if unit is None:
        return xx, yy, A
    n_units = A.shape[2]
    unit = int(check_int(unit, "unit", minimum=0))
    if unit >= n_units:
        raise ConfigError(f"unit: layer {index} has units 0..{n_units - 1}, got {unit}")
    return xx, yy, np.array(A[:, :, unit], copy=True)
