"""The playground's input features and its two regression data sets.

Input features: the network of a 2-D data set reads any of ``x1, x2, x1^2, x2^2, x1*x2,
sin x1, sin x2`` computed from the point ``(x1, x2)``; each is one input unit. The lesson they
carry: a spiral needs hidden units, or the right features.

Regression sets, over the square ``[-1, 1]^2`` (points drawn uniformly, labels with Gaussian
noise of standard deviation ``noise * 0.5``):

* ``plane``: ``y = (x1 + x2) / 2``
* ``mixture``: a sum of four Gaussian bumps, two up and two down,
  ``y = sum_k s_k exp(-|x - c_k|^2 / (2 * 0.3^2))`` with ``s = (+1, -1, +1, -1)`` and the
  centres ``c_k`` drawn from the seed in ``[-0.6, 0.6]^2``.

The exported script imports these same functions, so it rebuilds the same inputs bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError

__all__ = ["FEATURES", "REGRESSION_SETS", "check_features", "make_mixture", "make_plane",
           "transform"]

FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2")
REGRESSION_SETS = ("plane", "mixture")


def check_features(value: Any) -> tuple[str, ...]:
    """The features named by ``value`` (a list of names, at least one), in FEATURES order."""
    if not isinstance(value, (list, tuple)) or not value or not all(
            isinstance(v, str) and v in FEATURES for v in value) or len(set(value)) != len(value):
        raise ConfigError(f"features: expected a list of distinct names from "
                          f"{', '.join(FEATURES)} (at least one), got {value!r:.80}")
    chosen = set(value)
    return tuple(f for f in FEATURES if f in chosen)


def transform(points: NDArray[Any], features: tuple[str, ...]) -> NDArray[np.float32]:
    """The chosen features of each row ``(x1, x2)`` of ``points``, as float32 columns."""
    x = np.asarray(points, dtype=np.float32)
    x1, x2 = x[:, 0], x[:, 1]
    table = {"x1": lambda: x1, "x2": lambda: x2, "x1^2": lambda: x1 * x1,
             "x2^2": lambda: x2 * x2, "x1*x2": lambda: x1 * x2,
             "sin x1": lambda: np.sin(x1), "sin x2": lambda: np.sin(x2)}
    return np.ascontiguousarray(np.stack([table[f]() for f in features], axis=1),
                                dtype=np.float32)


def _points(n: int, rng: np.random.Generator) -> NDArray[np.float64]:
    return rng.uniform(-1.0, 1.0, size=(n, 2))


def make_plane(n_samples: int, *, noise: float, seed: int) -> tuple[NDArray[np.float32],
                                                                     NDArray[np.float32]]:
    """Points in ``[-1, 1]^2`` and ``y = (x1 + x2) / 2`` plus noise (float32)."""
    rng = np.random.default_rng(seed)
    X = _points(n_samples, rng)
    y = (X[:, 0] + X[:, 1]) / 2 + noise * 0.5 * rng.standard_normal(n_samples)
    return X.astype(np.float32), y.astype(np.float32)


def make_mixture(n_samples: int, *, noise: float, seed: int) -> tuple[NDArray[np.float32],
                                                                       NDArray[np.float32]]:
    """Points in ``[-1, 1]^2`` and a sum of four Gaussian bumps plus noise (float32)."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-0.6, 0.6, size=(4, 2))
    signs = np.array([1.0, -1.0, 1.0, -1.0])
    X = _points(n_samples, rng)
    d2 = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    y = (signs * np.exp(-d2 / (2 * 0.3 ** 2))).sum(axis=1)
    y = y + noise * 0.5 * rng.standard_normal(n_samples)
    return X.astype(np.float32), y.astype(np.float32)
