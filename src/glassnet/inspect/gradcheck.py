"""Finite-difference gradient check: is backpropagation right for *this* model?

For each parameter entry ``theta`` the fourth-order central difference

    g_num = (8 (L(theta + h) - L(theta - h)) - (L(theta + 2h) - L(theta - 2h))) / (12 h)

(error of order h^4, so rounding, not truncation, limits it)
is compared with backpropagation's ``g``; the relative error of one entry is
``|g - g_num| / max(|g| + |g_num|, tiny)``. Run it on a float64 model: in float64 a
correct gradient gives errors around 1e-9 or smaller, a wrong one 1e-2 or larger.
The model's weights are restored exactly afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError

__all__ = ["GradCheckResult", "gradient_check"]


@dataclass
class GradCheckResult:
    """The largest relative error overall and per parameter (``W1``, ``b1``, ...)."""

    max_relative_error: float
    per_parameter: dict[str, float] = field(default_factory=dict)
    checked: int = 0
    tolerance: float = 1e-6

    @property
    def passed(self) -> bool:
        return self.max_relative_error < self.tolerance

    def __str__(self) -> str:
        parts = ", ".join(f"{k} {v:.1e}" for k, v in self.per_parameter.items())
        verdict = "PASS" if self.passed else "FAIL"
        return (f"gradient check {verdict}: largest relative error {self.max_relative_error:.2e} "
                f"over {self.checked} entries (tolerance {self.tolerance:g}); {parts}")


def gradient_check(
    model: Any,
    X: Any,
    y: Any,
    *,
    eps: float = 1e-4,
    max_entries: int | None = None,
    seed: int = 0,
    tolerance: float = 1e-6,
) -> GradCheckResult:
    """Compare ``model.gradients(X, y)`` with finite differences (step ``eps``) of the loss.

    ``max_entries`` checks a random subset of entries per parameter (chosen with ``seed``);
    ``None`` checks every entry. Use a float64 model: float32 differences are too coarse.
    """
    if not eps > 0:
        raise ConfigError(f"eps: expected a number > 0, got {eps!r}")
    analytic = model.gradients(X, y)
    params: list[NDArray[Any]] = model.weights
    names = []
    for layer_i in range(len(params) // 2):
        names += [f"W{layer_i + 1}", f"b{layer_i + 1}"]
    rng = np.random.default_rng(seed)
    per: dict[str, float] = {}
    worst = 0.0
    count = 0
    for name, p, g in zip(names, params, analytic):
        flat = p.reshape(-1)
        idx = np.arange(flat.size)
        if max_entries is not None and flat.size > max_entries:
            idx = rng.choice(flat.size, size=max_entries, replace=False)
        errs = np.empty(idx.size)
        g_flat = g.reshape(-1)
        for k, i in enumerate(idx):
            old = flat[i]
            values = []
            for step in (eps, -eps, 2 * eps, -2 * eps):
                flat[i] = old + step
                values.append(model.loss_value(X, y))
            flat[i] = old
            num = (8 * (values[0] - values[1]) - (values[2] - values[3])) / (12 * eps)
            denom = max(abs(g_flat[i]) + abs(num), 1e-12)
            errs[k] = abs(g_flat[i] - num) / denom
        per[name] = float(errs.max()) if errs.size else 0.0
        worst = max(worst, per[name])
        count += idx.size
    return GradCheckResult(worst, per, count, tolerance)
