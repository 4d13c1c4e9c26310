"""Two-dimensional toy problems: small, fast, and easy to draw.

Every generator returns ``(X, y)``: ``X`` of shape ``(m, 2)`` (float32 unless ``dtype``
says otherwise) and ``y`` int64 class labels of shape ``(m,)``.

``make_circles`` reproduces ``sklearn.datasets.make_circles`` number for number (so that
published results built on ``make_circles(300, noise=0.05, random_state=1)`` can be
reproduced) without importing scikit-learn, which takes longer than drawing the points;
``make_moons`` delegates to scikit-learn. ``make_xor``, ``make_gaussians`` and ``make_spirals`` are
glassnet's own, driven by ``numpy.random.default_rng(seed)``.

``seed`` accepts an int, a ``numpy.random.Generator`` or None (fresh operating-system
entropy). The global ``np.random`` state is never used.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from ..checks import as_generator, check_float, check_float_dtype, check_int, check_rng_seed
from ..errors import ArgumentTypeError, ConfigError, ShapeError
from .builtin import Seed

__all__ = ["make_circles", "make_gaussians", "make_moons", "make_spirals", "make_xor"]

XY = tuple[NDArray[Any], NDArray[np.int64]]


def _sklearn_seed(seed: object, argument: str = "seed") -> int:
    """An int ``random_state`` for scikit-learn.

    An int passes through unchanged (so results equal scikit-learn's for the same int);
    a Generator or None is turned into an int by drawing one from it (None: fresh entropy),
    which keeps scikit-learn away from the global ``np.random`` state.
    """
    if isinstance(seed, np.random.Generator) or seed is None:
        return int(as_generator(seed, argument).integers(0, 2**32 - 1))
    return check_rng_seed(seed, argument)


def _finish(X: NDArray[Any], y: NDArray[Any], dtype: np.dtype[Any]) -> XY:
    return np.ascontiguousarray(X, dtype=dtype), np.asarray(y, dtype=np.int64)


def make_circles(
    n_samples: int = 300,
    *,
    noise: float = 0.05,
    factor: float = 0.8,
    seed: Seed = None,
    dtype: DTypeLike = "float32",
) -> XY:
    """Two concentric circles: class 0 outside (radius 1), class 1 inside (radius ``factor``).

    Equal to ``sklearn.datasets.make_circles(n_samples, noise=noise, factor=factor,
    random_state=seed)`` for an int ``seed`` (cast to ``dtype``). ``factor`` defaults to
    scikit-learn's 0.8, the value behind the Deep Learning Specialization's
    ``make_circles(n_samples=300, noise=0.05, random_state=1)``. Gaussian noise with standard
    deviation ``noise`` is added to each coordinate.
    """
    n_samples = check_int(n_samples, "n_samples")
    noise = check_float(noise, "noise", minimum=0.0)
    factor_value = check_float(factor, "factor", minimum=0.0)
    if not 0 <= factor_value < 1:
        raise ConfigError(f"make_circles: factor must be in [0, 1), got {factor!r}")
    float_dtype = check_float_dtype(dtype, "dtype")
    # The same draws from the same legacy generator as scikit-learn's function: evenly
    # spaced angles on each circle (outer first), one shuffle of the rows, then the noise.
    draws = np.random.RandomState(_sklearn_seed(seed))
    n_outer = n_samples // 2
    points = []
    for count, radius in ((n_outer, 1.0), (n_samples - n_outer, factor_value)):
        angle = np.linspace(0.0, 2.0 * np.pi, count, endpoint=False)
        points.append(np.stack([np.cos(angle), np.sin(angle)], axis=1) * radius)
    X = np.concatenate(points)
    y = (np.arange(n_samples) >= n_outer).astype(np.int64)
    rows = np.arange(n_samples)
    draws.shuffle(rows)
    X, y = X[rows], y[rows]
    X += draws.normal(scale=noise, size=X.shape)
    return _finish(X, y, float_dtype)


def make_moons(
    n_samples: int = 200,
    *,
    noise: float = 0.1,
    seed: Seed = None,
    dtype: DTypeLike = "float32",
) -> XY:
    """Two interleaving half circles.

    Equal to ``sklearn.datasets.make_moons(n_samples, noise=noise, random_state=seed)`` for
    an int ``seed`` (cast to ``dtype``). Gaussian noise with standard deviation ``noise`` is
    added to each coordinate.
    """
    from sklearn.datasets import make_moons as _sk_make_moons

    n_samples = check_int(n_samples, "n_samples")
    noise = check_float(noise, "noise", minimum=0.0)
    float_dtype = check_float_dtype(dtype, "dtype")
    X, y = _sk_make_moons(n_samples, noise=noise, random_state=_sklearn_seed(seed))
    return _finish(X, y, float_dtype)


def _split_counts(n_samples: int, n_groups: int) -> NDArray[np.int64]:
    """``n_samples`` split into ``n_groups`` counts that differ by at most one."""
    counts = np.full(n_groups, n_samples // n_groups, dtype=np.int64)
    counts[: n_samples % n_groups] += 1
    return counts


def make_xor(
    n_samples: int = 200,
    *,
    noise: float = 0.1,
    seed: Seed = None,
    dtype: DTypeLike = "float32",
) -> XY:
    """Four Gaussian clusters at ``(+-1, +-1)`` labelled by the XOR of the centre's signs.

    Clusters centred at ``(1, 1)`` and ``(-1, -1)`` are class 0; ``(1, -1)`` and ``(-1, 1)``
    are class 1: ``y = [sign(c_1) != sign(c_2)]`` for centre ``c``. Each point is its centre
    plus Gaussian noise of standard deviation ``noise`` per coordinate. The label belongs to
    the cluster, so with large noise a point may stray into another quadrant. No straight
    line separates the classes: a network needs a hidden layer. The ``n_samples`` points are
    spread as evenly as possible over the four clusters and returned in random order.
    """
    n_samples = check_int(n_samples, "n_samples")
    noise = check_float(noise, "noise", minimum=0.0)
    float_dtype = check_float_dtype(dtype, "dtype")
    rng = as_generator(seed, "seed")

    centers = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    labels = np.array([0, 0, 1, 1])
    cluster = np.repeat(np.arange(4), _split_counts(n_samples, 4))
    cluster = cluster[rng.permutation(n_samples)]
    X = centers[cluster] + noise * rng.standard_normal((n_samples, 2))
    return _finish(X, labels[cluster], float_dtype)


def make_gaussians(
    n_samples: int = 200,
    *,
    centers: int | ArrayLike = 2,
    std: float | ArrayLike = 1.0,
    seed: Seed = None,
    dtype: DTypeLike = "float32",
) -> XY:
    """Gaussian blobs, one class per centre.

    ``centers`` is either a count ``k`` (the centres are then placed evenly on a circle of
    radius 2, ``c_k = 2 (cos(2 pi k / K), sin(2 pi k / K))``; with 2 they sit at ``(2, 0)``
    and ``(-2, 0)``) or an array of shape ``(K, 2)``. Point ``i`` of class ``k`` is
    ``c_k + std_k * N(0, I)``; ``std`` is one number for every class or ``K`` numbers. The
    ``n_samples`` points are spread as evenly as possible over the classes and returned in
    random order.
    """
    n_samples = check_int(n_samples, "n_samples")
    float_dtype = check_float_dtype(dtype, "dtype")
    rng = as_generator(seed, "seed")

    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        n_centers = check_int(centers, "centers")
        angles = 2 * np.pi * np.arange(n_centers) / n_centers
        center_array = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        try:
            center_array = np.asarray(centers, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ArgumentTypeError(
                f"centers: expected an int or an array of shape (k, 2), got {centers!r}"
            ) from exc
        if center_array.ndim != 2 or center_array.shape[1] != 2 or center_array.shape[0] == 0:
            raise ShapeError(
                f"centers: expected an array of shape (k, 2), got shape {center_array.shape}"
            )
        if not np.all(np.isfinite(center_array)):
            raise ConfigError("centers: expected finite coordinates, got NaN or inf")
    n_centers = center_array.shape[0]

    if isinstance(std, numbers.Real):
        std_array = np.full(n_centers, check_float(std, "std", minimum=0.0))
    else:
        try:
            std_array = np.asarray(std, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ArgumentTypeError(
                f"std: expected a number or {n_centers} numbers, got {std!r}"
            ) from exc
        if std_array.shape != (n_centers,):
            raise ShapeError(
                f"std: expected one number or shape ({n_centers},) (one per centre), "
                f"got shape {std_array.shape}"
            )
        if not np.all(np.isfinite(std_array)) or np.any(std_array < 0):
            raise ConfigError(f"std: expected finite numbers >= 0, got {std_array.tolist()}")

    label = np.repeat(np.arange(n_centers), _split_counts(n_samples, n_centers))
    label = label[rng.permutation(n_samples)]
    X = center_array[label] + std_array[label, None] * rng.standard_normal((n_samples, 2))
    return _finish(X, label, float_dtype)


def make_spirals(
    n_samples: int = 300,
    *,
    n_classes: int = 2,
    noise: float = 0.1,
    turns: float = 1.5,
    seed: Seed = None,
    dtype: DTypeLike = "float32",
) -> XY:
    """Interleaved spiral arms, one per class.

    Arm ``k`` of ``K`` is the curve, for ``t`` evenly spaced in ``[0, 1]``:

        r = t,   theta = 2 pi (turns * t + k / K),
        x = (r cos theta, r sin theta) + noise * N(0, I)

    so every arm starts at the origin and winds ``turns`` times around it, the arms rotated
    by ``1/K`` of a turn from each other. The points are returned in random order.
    """
    n_samples = check_int(n_samples, "n_samples")
    n_classes = check_int(n_classes, "n_classes")
    noise = check_float(noise, "noise", minimum=0.0)
    turns_value = check_float(turns, "turns", minimum=0.0)
    float_dtype = check_float_dtype(dtype, "dtype")
    rng = as_generator(seed, "seed")

    counts = _split_counts(n_samples, n_classes)
    t = np.concatenate([np.linspace(0.0, 1.0, int(c)) for c in counts])
    label = np.repeat(np.arange(n_classes), counts)
    theta = 2 * np.pi * (turns_value * t + label / n_classes)
    X = np.stack([t * np.cos(theta), t * np.sin(theta)], axis=1)
    X = X + noise * rng.standard_normal((n_samples, 2))
    order = rng.permutation(n_samples)
    return _finish(X[order], label[order], float_dtype)
