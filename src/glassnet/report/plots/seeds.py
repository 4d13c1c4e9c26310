"""Pictures of the across-seeds experiment (``glassnet.lab.seeds.run_seeds``).

- ``spread``        test accuracy and loss of every seed
- ``matched``       how well each unit finds a partner in another seed (sorted matched
                    correlations per hidden layer)
- ``cka``           linear CKA between every pair of seeds, per hidden layer, and the share of
                    test examples two seeds classify differently
- ``distance``      the weight distance of every pair before and after aligning units
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...lab import ExperimentResult

__all__ = ["captions", "figures"]

_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]


def _figure(width: float, height: float) -> Figure:
    """A pyplot-free figure: nothing global is touched, and saving it as PNG uses Agg."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _spread(result: ExperimentResult) -> Figure:
    """Accuracy on its full 0-100% axis (a zoomed axis makes a 1.5-point spread look
    threefold), each bar labelled; the title follows the measured spread."""
    d = result.data
    seeds = [str(s) for s in d["seeds"]]
    acc = 100 * np.asarray(d["accuracies"])
    loss = np.asarray(d["losses"])
    fig = _figure(11, 4.2)
    ax1, ax2 = fig.subplots(1, 2)
    x = np.arange(len(seeds))
    ax1.bar(x, acc, color="#1f77b4")
    for xi, v in zip(x, acc):
        ax1.text(xi, v + 1, f"{v:.1f}%", ha="center", va="bottom", fontsize=8)
    ax1.set_ylim(0, 108)
    ax1.set_yticks(range(0, 101, 20))
    ax1.set_xticks(x, seeds)
    ax1.set_xlabel("seed")
    ax1.set_ylabel("test accuracy (%)")
    spread = float(acc.max() - acc.min())
    ax1.set_title(f"Accuracy per seed: {acc.min():.1f}% to {acc.max():.1f}% "
                  f"({spread:.1f}-point spread)", fontsize=10)
    ax2.bar(x, loss, color="#ff7f0e")
    for xi, v in zip(x, loss):
        ax2.text(xi, v * 1.01, f"{v:.3f}", ha="center", va="bottom", fontsize=8)
    ax2.set_ylim(0, float(loss.max()) * 1.15)
    ax2.set_xticks(x, seeds)
    ax2.set_xlabel("seed")
    ax2.set_ylabel("test loss (cross-entropy)")
    ax2.set_title(f"Loss per seed: mean {loss.mean():.3f}, std {loss.std():.3f}", fontsize=10)
    quality = "nearly the same quality" if spread < 3 else "noticeably different quality"
    fig.suptitle(f"Different seeds, {quality}", fontweight="bold")
    return fig


def _matched(result: ExperimentResult) -> Figure:
    """One panel per hidden layer (the layers' mean lines overlapped on one axes)."""
    d = result.data
    layers = list(d["layers"])
    fig = _figure(5.2 * len(layers), 4.4)
    axes = fig.subplots(1, len(layers), sharey=True, squeeze=False)[0]
    seeds = d["seeds"]
    for k, (ax, name) in enumerate(zip(axes, layers)):
        values = np.asarray(d["matched_example"].get(name, []))
        colour = _COLOURS[k % len(_COLOURS)]
        ax.plot(np.arange(1, values.size + 1), values, marker="o", color=colour,
                label=f"seeds {seeds[0]} vs {seeds[1]}, each matched pair")
        M = np.asarray(d["matched"][name])
        iu = np.triu_indices(M.shape[0], 1)
        mean = float(np.nanmean(M[iu]))
        ax.axhline(mean, color="black", linestyle="--", linewidth=1,
                   label=f"mean over all {iu[0].size} pairs of seeds: {mean:.2f}")
        ax.axhline(1.0, color="0.6", linewidth=0.8)
        ax.set_ylim(-0.1, 1.08)
        ax.set_xlabel("matched unit pair (best first)")
        ax.set_ylabel("activation correlation of the pair")
        ax.set_title(f"layer {name}", fontsize=10)
        ax.legend(fontsize=8, loc="lower left")
        ax.grid(alpha=0.3)
    fig.suptitle("One-to-one unit matching across seeds (by activation correlation): "
                 "1 = a perfect copy, 0 = a dead unit or no counterpart", fontsize=10,
                 fontweight="bold")
    return fig


def _heat(ax: Any, M: Any, labels: list[str], title: str, vmin: float, vmax: float,
          fmt: str, cmap: str) -> Any:
    im = ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax)
    n = M.shape[0]
    for i in range(n):
        for j in range(n):
            value = M[i, j]
            frac = (value - vmin) / (vmax - vmin) if vmax > vmin else 0.5
            ax.text(j, i, format(value, fmt), ha="center", va="center", fontsize=8,
                    color="black" if frac > 0.5 else "white")
    ax.set_xticks(np.arange(n), labels)
    ax.set_yticks(np.arange(n), labels)
    ax.set_xlabel("seed")
    ax.set_ylabel("seed")
    ax.set_title(title, fontsize=10)
    return im


def _cka(result: ExperimentResult) -> Figure:
    d = result.data
    labels = [str(s) for s in d["seeds"]]
    layers = list(d["layers"])
    fig = _figure(4.3 * (len(layers) + 1), 4.4)
    axes = fig.subplots(1, len(layers) + 1, squeeze=False)[0]
    low = min(float(np.min(d["cka"][name])) for name in layers)
    vmin = min(0.8, np.floor(low * 20) / 20)
    im = None
    for ax, name in zip(axes, layers):
        im = _heat(ax, np.asarray(d["cka"][name]), labels, f"linear CKA, layer {name}",
                   vmin, 1.0, ".2f", "viridis")
    assert im is not None
    fig.colorbar(im, ax=list(axes[:-1]), shrink=0.8, label="linear CKA (1 = same representation)")
    dis = 100 * np.asarray(d["disagreement"])
    im2 = _heat(axes[-1], dis, labels, "test digits classified differently (%)",
                0.0, max(1.0, float(dis.max())), ".1f", "magma")
    fig.colorbar(im2, ax=axes[-1], shrink=0.8, label="disagreement (%)")
    fig.suptitle("Whole layers are similar across seeds (CKA), yet predictions differ")
    return fig


def _distance(result: ExperimentResult) -> Figure:
    d = result.data
    seeds = d["seeds"]
    before = np.asarray(d["distance_before"])
    after = np.asarray(d["distance_after"])
    n = before.shape[0]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    x = np.arange(len(pairs))
    fig = _figure(max(7.0, 0.75 * len(pairs) + 3), 4.3)
    ax = fig.subplots()
    width = 0.4
    ax.bar(x - width / 2, [before[i, j] for i, j in pairs], width, color="#7f7f7f",
           label="before alignment")
    ax.bar(x + width / 2, [after[i, j] for i, j in pairs], width, color="#1f77b4",
           label="after aligning hidden units")
    n_ = result.numbers
    top = float(before.max())
    refs = []
    if "weight_norm_mean" in n_:
        size = float(n_["weight_norm_mean"])
        refs = [(size * np.sqrt(2.0), "--", "#b2182b",
                 f"unrelated (orthogonal) weights of that size: {size * np.sqrt(2.0):.3g}"),
                (size, "-.", "#444444",
                 f"a trained model's own size, ||weights||: {size:.3g}"),
                (float(n_["start_distance"]), ":", "#444444",
                 f"distance between two untrained starts: {n_['start_distance']:.3g}")]
        for value, style, colour, label in refs:
            ax.axhline(value, color=colour, linestyle=style, linewidth=1.4, label=label,
                       zorder=3)
        top = max([top] + [r[0] for r in refs])
    ax.set_xticks(x, [f"{seeds[i]}-{seeds[j]}" for i, j in pairs], fontsize=8)
    ax.set_xlabel("pair of seeds")
    ax.set_ylabel("L2 distance between all weights")
    ax.set_title("Weight distance between seeds: relabelling units removes only part of it")
    ax.set_ylim(0, 1.35 * top)  # room for the legend above the bars
    ax.legend(loc="upper center", ncol=2, fontsize=8)
    return fig


def figures(result: ExperimentResult) -> dict[str, Figure]:
    """The experiment's figures, keyed ``spread``, ``matched``, ``cka``, ``distance``."""
    return {
        "spread": _spread(result),
        "matched": _matched(result),
        "cka": _cka(result),
        "distance": _distance(result),
    }


def captions(result: ExperimentResult) -> dict[str, Any]:
    """One line under each figure, with the numbers it shows."""
    n = result.numbers
    layer_text = ", ".join(f"{name} {mc:.2f}" for name, mc in
                           zip(n["layers"], n["matched_correlation"]))
    cka_text = ", ".join(f"{name} {ck:.2f}" for name, ck in zip(n["layers"], n["cka"]))
    return {
        "spread": (f"{n['n_seeds']} seeds: test accuracy {100 * n['accuracy_mean']:.1f}% "
                   f"+- {100 * n['accuracy_std']:.1f}, loss {n['loss_mean']:.3f} "
                   f"+- {n['loss_std']:.3f}."),
        "matched": f"Mean matched correlation over all pairs: {layer_text}.",
        "cka": (f"Mean linear CKA: {cka_text}; two seeds disagree on "
                f"{100 * n['disagreement_mean']:.1f}% of test digits."),
        "distance": (f"Mean weight distance {n['distance_before']:.3g} before alignment, "
                     f"{n['distance_after']:.3g} after "
                     f"({100 * n['distance_reduction']:.0f}% less). For scale: a trained model's "
                     f"weights have norm {n.get('weight_norm_mean', float('nan')):.3g}, so two "
                     f"unrelated (orthogonal) models of that size would be "
                     f"{np.sqrt(2.0) * n.get('weight_norm_mean', float('nan')):.3g} apart; two "
                     f"untrained starts are {n.get('start_distance', float('nan')):.3g} apart."),
    }
