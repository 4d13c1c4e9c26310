"""Finite-difference gradient check: is backpropagation right for *this* model?

For each parameter entry ``theta`` the fourth-order central difference

    g_num = (8 (L(theta + h) - L(theta - h)) - (L(theta + 2h) - L(theta - 2h))) / (12 h)

(error of order h^4, so rounding, not truncation, limits it)
is compared with backpropagation's ``g``; the relative error of one entry is
``|g - g_num| / max(|g| + |g_num|, tiny)``. Run it on a float64 model: in float64 a
correct gradient gives errors around 1e-9 or smaller, a wrong one 1e-2 or larger.
The model's weights are restored exactly afterwards.

ReLU and leaky ReLU have a kink at z = 0, where the loss has no derivative. If a step
moves some example's pre-activation across 0, the difference measures the kink, not the
gradient. Each entry's steps are checked for that (the on/off pattern of every ReLU-like
unit on every example must be the same at theta - 2h and theta + 2h as at theta); a step
that crosses a kink is retried ten and a hundred times smaller, and an entry that still
crosses one is counted in ``kinks`` and left out of the errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._table import Display
from ..errors import ConfigError

__all__ = ["GradCheckResult", "gradient_check"]


FLOAT32_NOTE = (
    "float32 cannot resolve these differences: its rounding (about 1e-7 of the loss) is as "
    "large as the change a step of eps makes, so a correct gradient looks wrong. Check in "
    "float64: gradient_check(model, X, y) does it on a float64 copy by default "
    "(as_float64=True), or build the model with Sequential(..., dtype='float64')."
)


@dataclass(repr=False)
class GradCheckResult(Display):
    """The largest relative error overall and per parameter (``W1``, ``b1``, ...).

    ``dtype`` is the precision the differences were taken in; ``copied`` is True when a
    float32 model was checked through a float64 copy with the same weights.
    """

    max_relative_error: float
    per_parameter: dict[str, float] = field(default_factory=dict)
    checked: int = 0
    tolerance: float = 1e-6
    kinks: int = 0
    dtype: str = "float64"
    copied: bool = False

    @property
    def passed(self) -> bool:
        return self.max_relative_error < self.tolerance

    def sentence(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        kinks = (f"; {self.kinks} entries left out: every step crossed a ReLU kink"
                 if self.kinks else "")
        text = (f"gradient check {verdict}: largest relative error "
                f"{self.max_relative_error:.2e} over {self.checked} entries (tolerance "
                f"{self.tolerance:g}, {self.dtype}){kinks}")
        if self.copied:
            text += ("\nThe model is float32; it was checked on a float64 copy with the same "
                     "weights (float32 cannot resolve finite differences).")
        elif self.dtype == "float32" and not self.passed:
            text += "\nThis FAIL says nothing about backpropagation: " + FLOAT32_NOTE
        return text

    def display_parts(self) -> tuple[str, list[tuple[str, list[dict[str, Any]], str]], str]:
        rows = [{"parameter": k, "largest relative error": v}
                for k, v in self.per_parameter.items()]
        return self.sentence(), [("", rows, ".2e")], ""

    def __str__(self) -> str:
        parts = ", ".join(f"{k} {v:.1e}" for k, v in self.per_parameter.items())
        head, _, tail = self.sentence().partition("\n")
        return f"{head}; {parts}" + (f"\n{tail}" if tail else "")


def gradient_check(
    model: Any,
    X: Any,
    y: Any,
    *,
    eps: float = 1e-3,
    max_entries: int | None = None,
    seed: int = 0,
    tolerance: float = 1e-6,
    training: bool = False,
    as_float64: bool = True,
) -> GradCheckResult:
    """Compare ``model.gradients(X, y)`` with finite differences (step ``eps``) of the loss
    (penalties of regularized layers included).

    ``max_entries`` checks a random subset of entries per parameter (chosen with ``seed``);
    ``None`` checks every entry. float32 differences are too coarse to check a gradient, so
    a float32 model is checked through a float64 copy with the same weights
    (``as_float64=True``, the default; the result says so). ``as_float64=False`` checks the
    float32 model itself, and a failure then explains that float32 is the cause.
    ``training=True`` checks the training-mode loss: batch statistics, and the dropout masks
    of the model's next step (the same masks in every evaluation, so the loss is a smooth
    function of the weights). Parameters are named by kind and layer position: ``W1``,
    ``b1`` for a first dense layer, ``gamma2``, ``beta2`` for a batch normalization second.
    """
    if not eps > 0:
        raise ConfigError(f"eps: expected a number > 0, got {eps!r}")
    if not isinstance(as_float64, bool):
        raise ConfigError(f"as_float64: expected True or False, got {as_float64!r}")
    dtype = str(np.dtype(getattr(model, "dtype", np.float64)))
    copied = False
    if dtype != "float64" and as_float64:
        model = _float64_copy(model)
        dtype, copied = "float64", True
    analytic = model.gradients(X, y, training=training)
    params: list[NDArray[Any]] = model.trainable_weights
    names = [f"{pname}{li + 1}" for li, layer in enumerate(model.layers)
             for pname in layer.param_names]
    rng = np.random.default_rng(seed)
    per: dict[str, float] = {}
    worst = 0.0
    count = 0
    kinks = 0
    base_pattern = _kink_pattern(model, X, training)
    for name, p, g in zip(names, params, analytic):
        flat = p.reshape(-1)
        idx = np.arange(flat.size)
        if max_entries is not None and flat.size > max_entries:
            idx = rng.choice(flat.size, size=max_entries, replace=False)
        errs = np.full(idx.size, np.nan)
        g_flat = g.reshape(-1)
        for k, i in enumerate(idx):
            num = _difference(model, X, y, flat, int(i), eps, base_pattern, training)
            if num is None:
                kinks += 1
                continue
            denom = max(abs(g_flat[i]) + abs(num), 1e-12)
            errs[k] = abs(g_flat[i] - num) / denom
        per[name] = float(np.nanmax(errs)) if np.isfinite(errs).any() else 0.0
        worst = max(worst, per[name])
        count += idx.size
    return GradCheckResult(worst, per, count - kinks, tolerance, kinks, dtype, copied)


def _in_float64(config: dict[str, Any]) -> dict[str, Any]:
    """A model config in float64, nested models' configs included."""
    out = dict(config, dtype="float64")
    out["layers"] = [
        dict(entry, config=dict(entry["config"], model=_in_float64(entry["config"]["model"])))
        if isinstance(entry.get("config"), dict) and isinstance(entry["config"].get("model"),
                                                                dict) else entry
        for entry in config.get("layers", [])]
    return out


def _float64_copy(model: Any) -> Any:
    """The same architecture, compile settings and weights, in float64 (the model is untouched)."""
    copy = type(model).from_config(_in_float64(model.get_config()))
    copy.set_weights([np.asarray(w, dtype=np.float64) for w in model.get_weights()])
    optimizer, copy_optimizer = getattr(model, "optimizer", None), getattr(copy, "optimizer", None)
    if optimizer is not None and copy_optimizer is not None:
        # dropout masks follow the global step: the copy must be at the same step
        copy_optimizer.iterations = optimizer.iterations
    return copy


def _kink_pattern(model: Any, X: Any, training: bool = False) -> NDArray[np.bool_] | None:
    """Which ReLU-like units are on (z > 0) for each example; None without such units."""
    parts = [(t.z > 0).ravel() for t, layer in zip(model.trace(X, training=training),
                                                   model.layers)
             if getattr(layer.output_activation, "name", None) in ("relu", "leaky_relu")]
    return np.concatenate(parts) if parts else None


def _difference(
    model: Any, X: Any, y: Any, flat: NDArray[Any], i: int, eps: float,
    base_pattern: NDArray[np.bool_] | None, training: bool = False,
) -> float | None:
    """The five-point difference for entry ``i`` of ``flat`` (a view of a parameter), with
    a step that crosses no kink; None when even ``eps / 100`` crosses one."""
    old = flat[i]
    try:
        h = eps
        for _ in range(3):
            if base_pattern is not None:
                crossed = False
                for step in (2 * h, -2 * h):
                    flat[i] = old + step
                    pattern = _kink_pattern(model, X, training)
                    if pattern is None or not np.array_equal(pattern, base_pattern):
                        crossed = True
                        break
                if crossed:
                    h /= 10
                    continue
            values = []
            for step in (h, -h, 2 * h, -2 * h):
                flat[i] = old + step
                values.append(model.loss_value(X, y, training=training))
            return float((8 * (values[0] - values[1]) - (values[2] - values[3])) / (12 * h))
        return None
    finally:
        flat[i] = old
