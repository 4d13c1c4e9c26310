"""``keras.losses``: glassnet's loss classes under their Keras names, and Keras' loss
functions (``keras.losses.mean_absolute_error(y_true, y_pred)``: one loss per example)."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    Loss,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    get,
)

from ._subset import outside
from .tensor import Tensor, as_tensor

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "Hinge", "Huber", "KLDivergence",
           "LogCosh", "Loss", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson",
           "SparseCategoricalCrossentropy", "binary_crossentropy", "categorical_crossentropy",
           "get", "hinge", "huber", "kl_divergence", "log_cosh", "mean_absolute_error",
           "mean_absolute_percentage_error", "mean_squared_error",
           "mean_squared_logarithmic_error", "poisson", "sparse_categorical_crossentropy"]


def _per_example(make: Any, name: str) -> Any:
    def fn(y_true: Any, y_pred: Any, **kwargs: Any) -> Tensor:
        loss = make(**kwargs)
        y_hat = np.asarray(y_pred)
        if y_hat.dtype.kind != "f":
            y_hat = y_hat.astype(np.float32)
        if y_hat.ndim == 1:
            y_hat = y_hat[:, None]
        y = loss.prepare_targets(y_true, y_hat.shape[1], y_hat.dtype)
        per = (loss.per_example_logits(y, y_hat) if getattr(loss, "from_logits", False)
               else loss.per_example(y, y_hat))
        return as_tensor(per.astype(y_hat.dtype))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Keras' ``{name}(y_true, y_pred)``: one loss per example (shape (m,))."
    return fn


# Keras 3's loss functions (its short aliases "mae", "kld"... are strings for compile only)
mean_squared_error = _per_example(MeanSquaredError, "mean_squared_error")
mean_absolute_error = _per_example(MeanAbsoluteError, "mean_absolute_error")
mean_absolute_percentage_error = _per_example(MeanAbsolutePercentageError,
                                              "mean_absolute_percentage_error")
mean_squared_logarithmic_error = _per_example(MeanSquaredLogarithmicError,
                                              "mean_squared_logarithmic_error")
huber = _per_example(Huber, "huber")
log_cosh = _per_example(LogCosh, "log_cosh")
hinge = _per_example(Hinge, "hinge")
poisson = _per_example(Poisson, "poisson")
kl_divergence = _per_example(KLDivergence, "kl_divergence")
binary_crossentropy = _per_example(BinaryCrossentropy, "binary_crossentropy")
categorical_crossentropy = _per_example(CategoricalCrossentropy, "categorical_crossentropy")
sparse_categorical_crossentropy = _per_example(SparseCategoricalCrossentropy,
                                               "sparse_categorical_crossentropy")

_outside = outside("tf.keras.losses")


def __getattr__(name: str) -> Any:
    return _outside(name)
