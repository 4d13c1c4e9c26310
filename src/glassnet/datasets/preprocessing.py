"""Splitting and scaling: the two things done to data before training.

- :func:`train_test_split` holds some examples back to measure what the model does on data
  it never trained on.
- :class:`Standardizer` rescales every feature to mean 0 and standard deviation 1, using
  statistics of the training data only (the course's Keras ``Normalization`` layer).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..checks import as_generator, check_bool
from ..errors import ArgumentTypeError, ConfigError, DataError, NotReadyError, ShapeError
from .builtin import Seed

__all__ = ["Standardizer", "train_test_split"]


def _n_test(test_size: object, m: int) -> int:
    """How many of ``m`` examples go to the test set."""
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise ArgumentTypeError(
            f"test_size: expected a float in (0, 1) or an int count, "
            f"got {type(test_size).__name__} {test_size!r}"
        )
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
        if not 1 <= n_test <= m - 1:
            raise ConfigError(
                f"test_size: an int count must be between 1 and {m - 1} for {m} examples, "
                f"got {n_test}"
            )
        return n_test
    fraction = float(test_size)
    if not 0.0 < fraction < 1.0:
        raise ConfigError(f"test_size: a float must be in (0, 1), got {fraction!r}")
    n_test = math.ceil(fraction * m)
    if not 1 <= n_test <= m - 1:
        raise ConfigError(
            f"test_size: {fraction!r} of {m} examples leaves an empty train or test set "
            f"({m - n_test} train, {n_test} test)"
        )
    return n_test


def _stratified_test_counts(class_counts: NDArray[np.int64], n_test: int) -> NDArray[np.int64]:
    """Test examples per class, proportional to the class sizes and summing to ``n_test``.

    Each class gets ``floor(n_test * m_c / m)``; the few left over go to the classes with
    the largest remainders (ties: the earlier class), never more than a class holds.
    """
    m = int(class_counts.sum())
    exact = class_counts * n_test / m
    counts = np.floor(exact).astype(np.int64)
    remainder = exact - counts
    for c in np.argsort(-remainder, kind="stable"):
        if counts.sum() >= n_test:
            break
        if counts[c] < class_counts[c]:
            counts[c] += 1
    return counts


def train_test_split(
    X: ArrayLike,
    y: ArrayLike,
    test_size: float | int = 0.2,
    *,
    seed: Seed = None,
    shuffle: bool = True,
    stratify: bool = False,
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Split examples into a training set and a test set.

    Parameters
    ----------
    X, y:
        Examples as rows; ``len(X) == len(y)``.
    test_size:
        A float in ``(0, 1)``: the fraction held out, ``ceil(test_size * m)`` examples;
        or an int: the exact number held out.
    seed:
        An int, a ``numpy.random.Generator`` or None; the same int gives the same split.
    shuffle:
        If False, the test set is the last ``n_test`` rows, in order (no randomness).
    stratify:
        If True, each class (each distinct value of ``y``, or each distinct row of a 2-D
        ``y`` such as one-hot labels) keeps its share in both sets, up to rounding.
        Needs ``shuffle=True``.

    Returns
    -------
    ``X_train, X_test, y_train, y_test``.
    """
    X_arr = np.asarray(X)
    y_arr = np.asarray(y)
    if X_arr.ndim == 0:
        raise ShapeError("X: expected an array of examples (rows), got a scalar")
    if y_arr.ndim == 0:
        raise ShapeError("y: expected an array of labels, got a scalar")
    m = X_arr.shape[0]
    if y_arr.shape[0] != m:
        raise ShapeError(
            f"X and y: expected the same number of examples, got X with {m} "
            f"(shape {X_arr.shape}) and y with {y_arr.shape[0]} (shape {y_arr.shape})"
        )
    if m < 2:
        raise DataError(f"X: need at least 2 examples to split, got {m}")
    n_test = _n_test(test_size, m)
    shuffle = check_bool(shuffle, "shuffle")
    stratify = check_bool(stratify, "stratify")

    if not shuffle:
        if stratify:
            raise ConfigError("stratify=True needs shuffle=True (an ordered split cannot stratify)")
        n_train = m - n_test
        return X_arr[:n_train], X_arr[n_train:], y_arr[:n_train], y_arr[n_train:]

    rng = as_generator(seed, "seed")
    if stratify:
        _, inverse = np.unique(y_arr, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        class_counts = np.bincount(inverse).astype(np.int64)
        per_class = _stratified_test_counts(class_counts, n_test)
        test_parts = []
        for c, k in enumerate(per_class):
            members = np.flatnonzero(inverse == c)
            test_parts.append(rng.permutation(members)[:k])
        is_test = np.zeros(m, dtype=bool)
        is_test[np.concatenate(test_parts)] = True
        test_idx = rng.permutation(np.flatnonzero(is_test))
        train_idx = rng.permutation(np.flatnonzero(~is_test))
    else:
        order = rng.permutation(m)
        test_idx, train_idx = order[:n_test], order[n_test:]
    return X_arr[train_idx], X_arr[test_idx], y_arr[train_idx], y_arr[test_idx]


class Standardizer:
    """Rescale every feature to mean 0 and standard deviation 1.

    For feature column ``j`` of the training data (``m`` rows):

        mu_j    = (1/m) sum_i x_ij
        sigma_j = sqrt((1/m) sum_i (x_ij - mu_j)^2)         (population std, ddof=0)
        x'_ij   = (x_ij - mu_j) / sigma_j

    the same statistics as the course's ``tf.keras.layers.Normalization`` after ``adapt``.
    A column whose values are all equal has ``sigma_j = 0``; it is only centred, not
    scaled (its divisor is taken as 1), so it becomes all zeros instead of NaN.

    The statistics and the arithmetic are float64 (so a float32 column such as
    ``100 +- 0.1`` is not spoiled by rounding ``mu`` to float32); the result keeps a floating
    input's dtype (float32 stays float32) and turns integer input into float64.

    Attributes (after :meth:`fit`): ``mean_`` (``mu``), ``std_`` (``sigma``), ``scale_``
    (the divisor: ``sigma`` with zeros replaced by 1), ``n_features_in_``.
    """

    def __init__(self) -> None:
        self.mean_: NDArray[np.float64] | None = None
        self.std_: NDArray[np.float64] | None = None
        self.scale_: NDArray[np.float64] | None = None
        self.n_features_in_: int | None = None

    @property
    def is_fitted(self) -> bool:
        """True once :meth:`fit` (or :meth:`from_config` with statistics) has run."""
        return self.mean_ is not None

    def __repr__(self) -> str:
        state = f"n_features_in_={self.n_features_in_}" if self.is_fitted else "not fitted"
        return f"Standardizer({state})"

    @staticmethod
    def _as_2d(X: ArrayLike, method: str) -> NDArray[Any]:
        arr = np.asarray(X)
        if arr.dtype.kind not in "biuf":
            raise ArgumentTypeError(
                f"Standardizer.{method}: X must hold numbers, got dtype {arr.dtype}"
            )
        if arr.ndim != 2:
            raise ShapeError(
                f"Standardizer.{method}: X must be 2-D (examples, features), got shape {arr.shape}"
            )
        return arr

    def _set_stats(self, mean: NDArray[np.float64], std: NDArray[np.float64]) -> None:
        self.mean_ = mean
        self.std_ = std
        self.scale_ = np.where(std == 0, 1.0, std)
        self.n_features_in_ = int(mean.shape[0])

    def fit(self, X: ArrayLike) -> Standardizer:
        """Learn ``mu`` and ``sigma`` of each column of ``X`` (shape ``(m, n)``); returns self."""
        arr = self._as_2d(X, "fit")
        if arr.shape[0] == 0:
            raise DataError("Standardizer.fit: X has no rows; need at least one example")
        data = arr.astype(np.float64)
        if not np.all(np.isfinite(data)):
            bad = np.argwhere(~np.isfinite(data))[0]
            raise DataError(
                f"Standardizer.fit: X must be finite, got {data[bad[0], bad[1]]} "
                f"at row {bad[0]}, column {bad[1]}"
            )
        mean = data.mean(axis=0)
        std = data.std(axis=0)
        constant = np.ptp(data, axis=0) == 0
        std[constant] = 0.0
        mean[constant] = data[0, constant]  # exact, so the column becomes exactly 0
        self._set_stats(mean, std)
        return self

    def _check_ready(
        self, X: ArrayLike, method: str
    ) -> tuple[NDArray[Any], NDArray[np.float64], NDArray[np.float64]]:
        """``X`` as a 2-D array plus ``mu`` and the divisor; errors if unfitted or mis-shaped."""
        if self.mean_ is None or self.scale_ is None:
            raise NotReadyError(
                f"Standardizer.{method}: this Standardizer is not fitted yet; "
                "call fit(X_train) first"
            )
        arr = self._as_2d(X, method)
        if arr.shape[1] != self.n_features_in_:
            raise ShapeError(
                f"Standardizer.{method}: X has {arr.shape[1]} features but the Standardizer "
                f"was fitted on {self.n_features_in_}"
            )
        return arr, self.mean_, self.scale_

    @staticmethod
    def _out_dtype(arr: NDArray[Any]) -> np.dtype[Any]:
        return arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)

    def transform(self, X: ArrayLike) -> NDArray[Any]:
        """``(X - mu) / sigma`` column by column (constant columns: ``X - mu``)."""
        arr, mean, scale = self._check_ready(X, "transform")
        return ((arr.astype(np.float64) - mean) / scale).astype(self._out_dtype(arr))

    def fit_transform(self, X: ArrayLike) -> NDArray[Any]:
        """:meth:`fit` then :meth:`transform` on the same ``X``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: ArrayLike) -> NDArray[Any]:
        """Undo :meth:`transform`: ``X' * sigma + mu`` (constant columns: ``X' + mu``)."""
        arr, mean, scale = self._check_ready(X, "inverse_transform")
        return (arr.astype(np.float64) * scale + mean).astype(self._out_dtype(arr))

    def get_config(self) -> dict[str, list[float] | None]:
        """The statistics as plain JSON-able lists: ``{"mean": [...], "std": [...]}``.

        Both are None before :meth:`fit`.
        """
        if self.mean_ is None or self.std_ is None:
            return {"mean": None, "std": None}
        return {"mean": [float(v) for v in self.mean_], "std": [float(v) for v in self.std_]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Standardizer:
        """Rebuild a Standardizer from :meth:`get_config`'s dictionary."""
        if not isinstance(config, dict) or set(config) != {"mean", "std"}:
            raise ConfigError(f"config: expected a dict with keys 'mean' and 'std', got {config!r}")
        scaler = cls()
        mean, std = config["mean"], config["std"]
        if mean is None and std is None:
            return scaler
        try:
            mean_arr = np.asarray(mean, dtype=np.float64)
            std_arr = np.asarray(std, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"config: 'mean' and 'std' must be lists of numbers, got {mean!r} and {std!r}"
            ) from exc
        if mean_arr.ndim != 1 or mean_arr.shape != std_arr.shape or mean_arr.size == 0:
            raise ConfigError(
                f"config: 'mean' and 'std' must be non-empty lists of the same length, "
                f"got shapes {mean_arr.shape} and {std_arr.shape}"
            )
        if not (np.all(np.isfinite(mean_arr)) and np.all(np.isfinite(std_arr))):
            raise ConfigError("config: 'mean' and 'std' must be finite numbers")
        if np.any(std_arr < 0):
            raise ConfigError(f"config: 'std' must be >= 0, got {std_arr.tolist()}")
        scaler._set_stats(mean_arr, std_arr)
        return scaler
