"""Built-in data sets: the course's coffee roasts and scikit-learn's 8x8 digits.

Both work offline. :class:`Dataset` bundles the arrays with the names a learner needs
to read them (feature names, class names, how a row becomes an image).

The argument checks of the whole ``glassnet.datasets`` package are glassnet's public
validation toolkit (:mod:`glassnet.checks`); every one of them raises an error that names the
argument, what was expected and what arrived.
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ..checks import as_generator, check_bool, check_float_dtype, check_int
from ..errors import ConfigError, ShapeError

__all__ = ["Dataset", "load_coffee", "load_digits"]

Seed = int | np.random.Generator | None
"""A ``seed`` argument: an int, a ``numpy.random.Generator``, or None (fresh entropy)."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set with the names needed to read it.

    Attributes
    ----------
    X:
        Features, shape ``(m, n)``: one example per row.
    y:
        Labels, shape ``(m,)``.
    feature_names:
        ``n`` names, one per column of ``X``.
    target_names:
        Class names; ``target_names[k]`` is the name of label ``k``.
    description:
        Where the data comes from and how it was prepared.
    image_shape:
        ``(height, width)`` when each row is an image, else None.
    image_order:
        How a row unrolls into an image: ``"C"`` (row by row, like scikit-learn's digits)
        or ``"F"`` (column by column, like the course's 20x20 digits, which are shown with
        ``row.reshape(20, 20).T``). :meth:`image` honours it.
    """

    X: NDArray[Any]
    y: NDArray[Any]
    feature_names: list[str]
    target_names: list[str]
    description: str = ""
    image_shape: tuple[int, int] | None = None
    image_order: Literal["C", "F"] = "C"

    def __post_init__(self) -> None:
        if self.X.ndim != 2:
            raise ShapeError(f"Dataset.X: expected a 2-D array (m, n), got shape {self.X.shape}")
        if self.y.shape != (self.X.shape[0],):
            raise ShapeError(
                f"Dataset.y: expected shape ({self.X.shape[0]},) to match X {self.X.shape}, "
                f"got shape {self.y.shape}"
            )
        if len(self.feature_names) != self.X.shape[1]:
            raise ShapeError(
                f"Dataset.feature_names: expected {self.X.shape[1]} names (one per column of X), "
                f"got {len(self.feature_names)}"
            )
        if self.image_order not in ("C", "F"):
            raise ConfigError(f"Dataset.image_order: expected 'C' or 'F', got {self.image_order!r}")
        if self.image_shape is not None:
            h, w = self.image_shape
            if h * w != self.X.shape[1]:
                raise ShapeError(
                    f"Dataset.image_shape: {self.image_shape} holds {h * w} pixels but each row "
                    f"of X has {self.X.shape[1]} features"
                )

    @property
    def n_samples(self) -> int:
        """``m``, the number of examples (rows of ``X``)."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """``n``, the number of features (columns of ``X``)."""
        return int(self.X.shape[1])

    def image(self, i: int) -> NDArray[Any]:
        """Row ``i`` of ``X`` as a 2-D ``(height, width)`` image, honouring ``image_order``.

        With ``image_order="F"`` this equals ``X[i].reshape(w, h).T`` for a square image,
        the course's ``reshape(20, 20).T``.
        """
        if self.image_shape is None:
            raise ConfigError(
                "Dataset.image: this data set has no image_shape (rows are not images)"
            )
        index = check_int(i, "i", minimum=-(2**63))
        m = self.X.shape[0]
        if not -m <= index < m:
            raise ConfigError(f"Dataset.image: i must be in [{-m}, {m - 1}], got {index}")
        return self.X[index].reshape(self.image_shape, order=self.image_order)


# --------------------------------------------------------------------------- digits


@overload
def load_digits(
    return_X_y: Literal[False] = ...,
    *,
    n_class: int = ...,
    scaled: bool = ...,
    dtype: DTypeLike = ...,
) -> Dataset: ...


@overload
def load_digits(
    return_X_y: Literal[True],
    *,
    n_class: int = ...,
    scaled: bool = ...,
    dtype: DTypeLike = ...,
) -> tuple[NDArray[Any], NDArray[np.int64]]: ...


@overload
def load_digits(
    return_X_y: bool = ...,
    *,
    n_class: int = ...,
    scaled: bool = ...,
    dtype: DTypeLike = ...,
) -> Dataset | tuple[NDArray[Any], NDArray[np.int64]]: ...


def load_digits(
    return_X_y: bool = False,
    *,
    n_class: int = 10,
    scaled: bool = True,
    dtype: DTypeLike = "float32",
) -> Dataset | tuple[NDArray[Any], NDArray[np.int64]]:
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images, offline).

    Each row of ``X`` is one 8x8 image unrolled row by row (``image_order="C"``), so
    ``X[i].reshape(8, 8)`` shows it. Pixels are counts 0..16 in the original.

    Parameters
    ----------
    return_X_y:
        If True return ``(X, y)``, else a :class:`Dataset`.
    n_class:
        Keep only digits ``0 .. n_class - 1`` (2 to 10). ``n_class=2`` keeps only the
        zeros and ones: the course's binary task.
    scaled:
        If True (default) divide the pixels by 16 so they lie in ``[0, 1]``:
        ``x_scaled = x / 16``. If False keep the raw 0..16 counts.
    dtype:
        Floating dtype of ``X`` (default float32).

    Returns
    -------
    A :class:`Dataset` or ``(X, y)`` with ``X`` of shape ``(m, 64)`` and ``y`` int64 class
    labels of shape ``(m,)``.
    """
    n_class = check_int(n_class, "n_class", minimum=-(2**63))
    if not 2 <= n_class <= 10:
        raise ConfigError(f"load_digits: n_class must be between 2 and 10, got {n_class}")
    float_dtype = check_float_dtype(dtype, "dtype")
    check_bool(return_X_y, "return_X_y")
    check_bool(scaled, "scaled")

    data, target = _digits_table(n_class)
    if scaled:
        data = data / 16.0
    X = data.astype(float_dtype)
    y = target
    if return_X_y:
        return X, y
    scale_note = "divided by 16 into [0, 1]" if scaled else "raw counts 0..16"
    description = (
        f"scikit-learn's 8x8 handwritten digits, classes 0..{n_class - 1}: {X.shape[0]} images, "
        f"64 pixels each unrolled row by row (reshape(8, 8) to view); pixels {scale_note}."
    )
    return Dataset(
        X=X,
        y=y,
        feature_names=[f"pixel_{row}_{col}" for row in range(8) for col in range(8)],
        target_names=[str(k) for k in range(n_class)],
        description=description,
        image_shape=(8, 8),
        image_order="C",
    )


def _digits_table(n_class: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The digits' pixels (0..16) and labels, classes ``0 .. n_class - 1``.

    Read from the CSV file scikit-learn installs with itself (each row: 64 pixels, then the
    label), found without importing scikit-learn: importing it takes over a second, reading
    the file a few milliseconds. Where the file is not where scikit-learn has always put it,
    scikit-learn's own loader reads it.
    """
    spec = importlib.util.find_spec("sklearn")
    path = (Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
            if spec is not None and spec.origin else None)
    if path is not None and path.is_file():
        with gzip.open(path, "rt") as f:
            table = np.loadtxt(f, delimiter=",", ndmin=2)
        if table.shape[1] == 65:
            keep = table[:, -1] < n_class
            return (np.ascontiguousarray(table[keep, :-1]),
                    table[keep, -1].astype(np.int64))
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits(n_class=n_class)
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)


# --------------------------------------------------------------------------- coffee


@overload
def load_coffee(
    n_samples: int = ...,
    seed: Seed = ...,
    return_X_y: Literal[True] = ...,
    *,
    dtype: DTypeLike = ...,
) -> tuple[NDArray[Any], NDArray[Any]]: ...


@overload
def load_coffee(
    n_samples: int = ...,
    seed: Seed = ...,
    *,
    return_X_y: Literal[False],
    dtype: DTypeLike = ...,
) -> Dataset: ...


@overload
def load_coffee(
    n_samples: int,
    seed: Seed,
    return_X_y: Literal[False],
    *,
    dtype: DTypeLike = ...,
) -> Dataset: ...


@overload
def load_coffee(
    n_samples: int = ...,
    seed: Seed = ...,
    return_X_y: bool = ...,
    *,
    dtype: DTypeLike = ...,
) -> Dataset | tuple[NDArray[Any], NDArray[Any]]: ...


def load_coffee(
    n_samples: int = 200,
    seed: Seed = 2,
    return_X_y: bool = True,
    *,
    dtype: DTypeLike = "float32",
) -> Dataset | tuple[NDArray[Any], NDArray[Any]]:
    """The course's coffee-roasting data, generated exactly as the course does.

    With ``u`` drawn as ``numpy.random.default_rng(seed).random(2 * n_samples).reshape(-1, 2)``:

    - duration ``d = 4 u[:, 1] + 11.5`` minutes (11.5 to 15.5),
    - temperature ``t = (285 - 150) u[:, 0] + 150`` degrees C (150 to 285),
    - label ``y = 1`` (a good roast) iff ``175 < t < 260`` and ``12 < d < 15`` and
      ``d <= -3/85 t + 21``, else 0.

    The defaults (200 examples, seed 2) give the course's data: 43 good roasts of 200.
    The labels are computed in float64 before ``X`` is cast to ``dtype``.

    Returns
    -------
    ``(X, y)`` by default, or a :class:`Dataset` with ``return_X_y=False``. ``X`` has columns
    ``[temperature, duration]``, shape ``(m, 2)``; ``y`` holds 0.0/1.0 labels of shape ``(m,)``
    in the same floating dtype as ``X``.
    """
    n_samples = check_int(n_samples, "n_samples")
    float_dtype = check_float_dtype(dtype, "dtype")
    check_bool(return_X_y, "return_X_y")
    rng = as_generator(seed, "seed")

    u = rng.random(n_samples * 2).reshape(-1, 2)
    duration = u[:, 1] * 4 + 11.5
    temperature = u[:, 0] * (285 - 150) + 150
    good = (
        (temperature > 175)
        & (temperature < 260)
        & (duration > 12)
        & (duration < 15)
        & (duration <= -3 / 85 * temperature + 21)
    )
    X = np.stack([temperature, duration], axis=1).astype(float_dtype)
    y = good.astype(float_dtype)
    if return_X_y:
        return X, y
    return Dataset(
        X=X,
        y=y,
        feature_names=["temperature", "duration"],
        target_names=["bad roast", "good roast"],
        description=(
            f"The course's coffee roasts: {n_samples} (temperature in deg C, duration in minutes) "
            f"pairs drawn uniformly with default_rng({seed!r}); label 1 (good roast) iff "
            "175 < t < 260, 12 < d < 15 and d <= -3/85 t + 21."
        ),
    )
