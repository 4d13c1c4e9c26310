"""``keras.utils``: the global seed and one-hot labels."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

import glassnet as gn

from ._subset import outside

__all__ = ["set_random_seed", "to_categorical"]


def set_random_seed(seed: int) -> None:
    """Make every model and fit created afterwards replay bit for bit: glassnet's global
    seed (:func:`glassnet.set_global_seed`). Unlike Keras, NumPy's and Python's global
    random states are left alone (glassnet never reads them)."""
    gn.set_global_seed(seed)


def to_categorical(y: Any, num_classes: int | None = None,
                   dtype: Any = "float32") -> NDArray[Any]:
    """One-hot rows for integer labels ``y``: shape ``(m, num_classes)``."""
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or labels.dtype.kind not in "biu" and not (
            labels.dtype.kind == "f" and np.all(labels == np.round(labels))):
        raise gn.DataError(f"y: expected integer labels of shape (m,), got shape "
                           f"{labels.shape} of dtype {labels.dtype}")
    labels = labels.astype(np.int64)
    k = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        raise gn.DataError(f"y: labels must lie in 0..{k - 1}, got {labels.min()} to "
                           f"{labels.max()}")
    out = np.zeros((labels.shape[0], k), dtype=dtype)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


_outside = outside("tf.keras.utils")


def __getattr__(name: str) -> Any:
    return _outside(name)
