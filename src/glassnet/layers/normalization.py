"""``Normalization`` (fixed statistics from ``adapt``) and ``BatchNormalization``.

``Normalization(axis=-1)``: each feature is standardized with statistics of the data given to
``adapt(X)`` (or passed as ``mean=``/``variance=``)::

    a = (x - mean) / max(sqrt(variance), 1e-7)          grad_x = grad_a / max(sqrt(variance), 1e-7)

``mean`` and ``variance`` (population variance, ``ddof=0``) are non-trainable weights: saved
with the model, never changed by training.

``BatchNormalization``: in training, each feature is standardized with the statistics of the
batch, then scaled and shifted by trainable ``gamma`` and ``beta``::

    mu = mean_i x_i,   var = mean_i (x_i - mu)^2,   s = 1 / sqrt(var + eps)
    x_hat = (x - mu) s,   a = gamma x_hat + beta

    grad_gamma = sum_i grad_a_i x_hat_i,   grad_beta = sum_i grad_a_i
    d = grad_a gamma
    grad_x = s (d - mean_i d_i - x_hat mean_i (d_i x_hat_i))

and after each training step the moving statistics follow the batch's::

    moving_mean = momentum moving_mean + (1 - momentum) mu      (same for the variance)

At inference ``mu, var`` are the moving statistics, so ``a`` is an affine map of ``x`` and
``grad_x = grad_a gamma s``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import initializers
from ..checks import check_bool, check_features, check_float
from ..errors import ArgumentTypeError, ConfigError, DataError, NotReadyError, ShapeError
from ..tensor import Tensor, as_tensor
from .base import Array, Layer
from .input import declared_input_shape

__all__ = ["BatchNormalization", "Normalization"]

#: Keras' backend epsilon: the smallest standard deviation ``Normalization`` divides by
NORMALIZATION_EPSILON = 1e-7


def _check_axis(axis: Any, allow_none: bool) -> int | None:
    if axis is None and allow_none:
        return None
    if axis in (-1, 1) and not isinstance(axis, bool):
        return -1
    expected = "-1 (each feature), or None (one mean and variance for all)" if allow_none \
        else "-1 (each feature)"
    raise ConfigError(f"axis: expected {expected}, got {axis!r}")


class Normalization(Layer):
    """Standardize features with fixed statistics: ``(x - mean) / sqrt(variance)``.

    Call ``adapt(X)`` with training data first (or give ``mean`` and ``variance``). Works
    inside a model and on its own: ``norm = Normalization(); norm.adapt(X); Xn = norm(X)``.
    """

    def __init__(self, axis: int | None = -1, mean: Any = None, variance: Any = None,
                 name: str | None = None, input_shape: Any = None,
                 input_dim: int | None = None) -> None:
        super().__init__(name)
        self.axis = _check_axis(axis, allow_none=True)
        #: Keras' ``input_shape=(n,)`` on a model's first layer: the model's input shape
        self.declared_input_shape = declared_input_shape(input_shape, input_dim)
        if (mean is None) != (variance is None):
            raise ConfigError("mean and variance: give both or neither")
        self.adapted = False
        self._stats: tuple[Array, Array] | None = None
        if mean is not None:
            m = np.asarray(mean, dtype=np.float64)
            v = np.asarray(variance, dtype=np.float64)
            if m.ndim > 1 or v.shape != m.shape:
                raise ShapeError(
                    f"mean and variance: expected two 1-D arrays of one shape, got "
                    f"{m.shape} and {v.shape}"
                )
            if not (np.isfinite(m).all() and np.isfinite(v).all()) or (v < 0).any():
                raise ConfigError("mean and variance: expected finite numbers, variance >= 0")
            self._stats = (m, v)
            self.adapted = True

    @property
    def weight_names(self) -> list[str]:
        return ["mean", "variance"]

    def _stat_shape(self, n_in: int) -> tuple[int, ...]:
        return () if self.axis is None else (n_in,)

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype[Any]) -> None:
        shape = self._stat_shape(int(n_in))
        stats = self._stats
        if self.built:  # keep what adapt or set_weights wrote
            stats = (self.state[0], self.state[1])
        if stats is not None:
            m, v = stats
            if m.size != 1 and m.shape != shape:
                raise ShapeError(
                    f"layer {self.name!r}: its statistics are for {m.shape[0]} features, but "
                    f"its input has {n_in}"
                )
            m = np.broadcast_to(m, shape)
            v = np.broadcast_to(v, shape)
        else:
            m, v = np.zeros(shape), np.ones(shape)
        super().build(n_in, rng, dtype)
        self.state = [np.array(m, dtype=dtype), np.array(v, dtype=dtype)]
        self._stats = None
        self._refresh()

    def _refresh(self) -> None:
        var = self.state[1]
        self._denom = np.maximum(np.sqrt(var), var.dtype.type(NORMALIZATION_EPSILON))

    def adapt(self, X: Any) -> None:
        """Compute ``mean`` and ``variance`` of each feature of ``X`` (rows are examples).

        One-dimensional data (``adapt(np.array(df["Horsepower"]))``) is one feature: a column.
        On data of the wrong width, or with NaN or inf, raises and changes nothing. ``X`` may
        be a ``tf.data`` dataset of features, batched or not (``ds.map(lambda x, y: x)``), as
        in Keras: its elements are read once, in order."""
        from ..data import Dataset

        if isinstance(X, Dataset):
            X = _dataset_features(X, self.name or self.kind)
        if np.ndim(X) == 1:
            X = np.asarray(X).reshape(-1, 1)
        arr = check_features(X, self.n_in if self.built else None, np.dtype(np.float64),
                             argument="X", layer_name=self.name or self.kind)
        axis = 0 if self.axis is not None else None
        with np.errstate(over="ignore", invalid="ignore"):
            mean = arr.mean(axis=axis)
            var = arr.var(axis=axis)
        dtype = self.state[1].dtype if self.built else np.dtype(np.float32)
        limit = float(np.finfo(dtype).max)
        if not (np.isfinite(mean).all() and np.isfinite(var).all()) \
                or max(float(np.max(np.abs(mean))), float(np.max(var))) > limit:
            raise DataError(
                f"X: layer {self.name!r} cannot adapt to it: the mean or variance of a "
                f"feature is beyond the range of {dtype} (|x| <= {limit:.3g}); scale X first")
        if not self.built:
            self.build(arr.shape[1], np.random.default_rng(0), np.dtype(np.float32))
        self.state[0][...] = mean
        self.state[1][...] = var
        self._refresh()
        self.adapted = True

    def _require_built(self) -> None:
        if not self.built:
            raise NotReadyError(
                f"layer {self.name or self.kind!r} has no statistics yet: call adapt(X_train) "
                f"on it first, or give mean= and variance=")

    def check_weights(self, weights: list[Any]) -> list[Array]:
        arrays = super().check_weights(weights)
        if (arrays[1] < 0).any():  # here, so a model's set_weights refuses before writing
            raise ConfigError(f"weights: layer {self.name!r} expects a variance >= 0")
        return arrays

    def set_weights(self, weights: list[Any]) -> None:
        arrays = self.check_weights(weights)
        super().set_weights(arrays)
        self._refresh()
        self.adapted = True

    @property
    def mean(self) -> Tensor:
        """The statistics' mean as Keras shapes it: ``(1, n)`` per feature, ``(1,)`` with
        ``axis=None`` (a view of the live array; ``.numpy()`` gives it as NumPy)."""
        self._require_built()
        return as_tensor(self.state[0].reshape(self._keras_stat_shape()))

    @property
    def variance(self) -> Tensor:
        """The population variance, shaped as :attr:`mean`."""
        self._require_built()
        return as_tensor(self.state[1].reshape(self._keras_stat_shape()))

    def _keras_stat_shape(self) -> tuple[int, ...]:
        return (1,) if self.axis is None else (1, int(self.n_in or 0))

    def forward(self, x: Array, training: bool = False, cache: bool = False) -> Array:
        if not self.adapted:
            raise NotReadyError(
                f"layer {self.name!r} (Normalization) has no statistics yet: call "
                f"adapt(X_train) on it first, or give mean= and variance="
            )
        a = x - self.state[0]
        a /= self._denom
        return a

    def backward(self, grad_a: Array, need_input_grad: bool = True,
                 defer: bool = False) -> Array | None:
        return grad_a / self._denom if need_input_grad else None

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis, "name": self.name}

    def summary_detail(self) -> str:
        return "adapted" if self.adapted else "not adapted"


def _rows(v: Any) -> Any:
    """A per-feature vector ready to broadcast over a batch's rows: ``(n,)`` as it is, a
    population's ``(K, n)`` as ``(K, 1, n)``."""
    return v if v is None or v.ndim == 1 else v[:, None, :]


class BatchNormalization(Layer):
    """Standardize each feature with the batch's statistics in training and the moving
    statistics at inference, then ``gamma x_hat + beta`` (see the module docstring)."""

    min_training_batch = 2

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.axis = _check_axis(axis, allow_none=False)
        self.momentum = check_float(momentum, "momentum", minimum=0.0, maximum=1.0)
        self.epsilon = check_float(epsilon, "epsilon", minimum=0.0, include_minimum=False)
        self.center = check_bool(center, "center")
        self.scale = check_bool(scale, "scale")
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self._cache: tuple[Array, Array] | None = None  # x_hat, s
        self._batch: tuple[Array, Array] | None = None  # mu, var of the last training batch

    @property
    def weight_names(self) -> list[str]:
        names = (["gamma"] if self.scale else []) + (["beta"] if self.center else [])
        return names + ["moving_mean", "moving_variance"]

    def _needs_weights(self) -> bool:
        return True

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype[Any]) -> None:
        super().build(n_in, rng, dtype)
        shape = (int(n_in),)

        def make(init: Any) -> Array:
            return np.ascontiguousarray(init(shape, rng, dtype), dtype=dtype)

        self.params = ([make(self.gamma_initializer)] if self.scale else []) + \
            ([make(self.beta_initializer)] if self.center else [])
        self.grads = [np.zeros_like(p) for p in self.params]
        self.state = [make(self.moving_mean_initializer), make(self.moving_variance_initializer)]

    @property
    def gamma(self) -> Array | None:
        return self.params[0] if self.scale else None

    @property
    def beta(self) -> Array | None:
        return self.params[-1] if self.center else None

    @property
    def moving_mean(self) -> Array:
        return self.state[0]

    @property
    def moving_variance(self) -> Array:
        return self.state[1]

    def forward(self, x: Array, training: bool = False, cache: bool = False) -> Array:
        """Over the batch axis (the second to last): a single model's ``x (m, n)``; in a
        population ``x (m, n)`` shared or ``(K, m, n)`` with ``gamma``, ``beta`` and the
        moving statistics ``(K, n)``, each member standardized with its own statistics
        (in training: the mean and variance of its own rows)."""
        t = x.dtype.type
        if training:
            if x.shape[-2] < 2:
                raise ShapeError(
                    f"layer {self.name!r} (BatchNormalization): a training batch needs at "
                    f"least 2 examples to have a variance, got {x.shape[-2]}"
                )
            mu = x.mean(axis=-2)
            var = x.var(axis=-2)
        else:
            mu, var = self.state[0], self.state[1]
        s = 1.0 / np.sqrt(var + t(self.epsilon))
        x_hat = x - _rows(mu)
        x_hat *= _rows(s)
        a = x_hat * _rows(self.gamma) if self.scale else x_hat.copy()
        if self.center:
            a += _rows(self.beta)
        if cache:
            self._cache = (x_hat, s)
            self._batch = (mu, var) if training else None
        return a

    def backward(self, grad_a: Array, need_input_grad: bool = True,
                 defer: bool = False) -> Array | None:
        if self._cache is None:
            raise NotReadyError(f"layer {self.name!r}: backward() called before forward()")
        x_hat, s = self._cache
        i = 0
        if self.scale:
            np.sum(grad_a * x_hat, axis=-2, out=self._grads[0])
            i = 1
        if self.center:
            np.sum(grad_a, axis=-2, out=self._grads[i])
        if not need_input_grad:
            return None
        d = grad_a * _rows(self.gamma) if self.scale else grad_a.copy()
        if self._batch is None:  # inference statistics: an affine map
            d *= _rows(s)
            return d
        d -= _rows(d.mean(axis=-2))
        d -= x_hat * _rows((d * x_hat).mean(axis=-2))
        d *= _rows(s)
        return d

    def finish_step(self) -> None:
        """Move the moving statistics toward the last training batch's (after the step)."""
        if self._batch is None:
            return
        mu, var = self._batch
        t = self.state[0].dtype.type
        for moving, batch in ((self.state[0], mu), (self.state[1], var)):
            moving *= t(self.momentum)
            moving += t(1.0 - self.momentum) * batch
        self._batch = None

    def clear_cache(self) -> None:
        self._cache = None
        self._batch = None

    def get_config(self) -> dict[str, Any]:
        return {
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": self.beta_initializer.to_config(),
            "gamma_initializer": self.gamma_initializer.to_config(),
            "moving_mean_initializer": self.moving_mean_initializer.to_config(),
            "moving_variance_initializer": self.moving_variance_initializer.to_config(),
            "name": self.name,
        }


def _dataset_features(dataset: Any, layer: str) -> Array:
    """The rows of a dataset of features, for ``adapt``: batches joined, elements stacked."""
    parts = []
    for elem in dataset.as_numpy_iterator():
        if isinstance(elem, (tuple, dict)):
            raise ArgumentTypeError(
                f"X: layer {layer!r} adapts to features, but the dataset's elements are "
                f"{type(elem).__name__}s; give it the features alone: "
                f"ds.map(lambda x, y: x)")
        parts.append(np.asarray(elem))
    if not parts:
        raise ShapeError(f"X: layer {layer!r} cannot adapt to an empty dataset")
    if dataset.batched:
        return np.concatenate(parts)
    return np.stack(parts)
