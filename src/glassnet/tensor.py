"""Results that answer ``.numpy()``, as TensorFlow's tensors do.

glassnet's tensors are NumPy arrays. :class:`Tensor` is an ``ndarray`` subclass (a view, no
copy) with one more method, ``numpy()``, which returns the plain array; ``.shape``,
``.dtype`` and everything NumPy does with an array it does with a Tensor. It is what
glassnet gives where Keras gives a tensor: ``model(x)``, ``layer(x)``, a loss object's call,
``Dense.kernel``, ``Normalization.mean``, the ``tf`` functions. ``model.predict`` keeps
returning a plain ``ndarray``, as Keras' ``predict`` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Tensor", "TensorShape", "Weight", "as_tensor"]


class TensorShape(tuple[int, ...]):
    """A Tensor's ``.shape``: the tuple NumPy gives, which also answers TensorFlow's
    ``as_list()`` and ``rank``."""

    def as_list(self) -> list[int]:
        """The sizes as a list of ints (``tf.zeros([3, 2]).shape.as_list() == [3, 2]``)."""
        return [int(n) for n in self]

    @property
    def rank(self) -> int:
        """The number of axes."""
        return len(self)


_ndarray_shape: Any = np.ndarray.shape


class Tensor(np.ndarray):
    """A NumPy array that also answers ``.numpy()`` (the plain array, no copy)."""

    @property
    def shape(self) -> TensorShape:
        """NumPy's shape tuple, as a :class:`TensorShape` (it answers ``as_list()``)."""
        return TensorShape(_ndarray_shape.__get__(self))

    @shape.setter
    def shape(self, value: Any) -> None:
        _ndarray_shape.__set__(self, value)

    def __getitem__(self, key: Any) -> Any:
        """NumPy's indexing; one element is a 0-d Tensor (``x[0].numpy()``), as in
        TensorFlow, not a bare NumPy scalar."""
        out = super().__getitem__(key)
        return out if isinstance(out, np.ndarray) else np.asarray(out).view(Tensor)

    def numpy(self) -> Any:
        """The plain array (a view, no copy); a 0-d Tensor gives a NumPy scalar, as
        TensorFlow's ``tf.constant(1.0).numpy()`` gives ``np.float32(1.0)``."""
        arr = self.view(np.ndarray)
        return arr[()] if arr.ndim == 0 else arr

    def __repr__(self) -> str:
        arr = self.view(np.ndarray)
        if arr.ndim == 0:  # TensorFlow shows a scalar's value: numpy=0, numpy=0.5
            return f"<Tensor: shape=(), dtype={arr.dtype}, numpy={arr}>"
        return f"<Tensor: shape={arr.shape}, dtype={arr.dtype}, numpy=\n{arr!r}>" \
            if arr.ndim > 1 else f"<Tensor: shape={arr.shape}, dtype={arr.dtype}, numpy={arr!r}>"

    def __str__(self) -> str:
        return f"Tensor({self.view(np.ndarray)}, shape={self.shape}, dtype={self.dtype})"


class Weight(Tensor):
    """A live view of a layer's weight (``Dense.kernel``, ``Dense.bias``) that also answers
    Keras' variable methods ``assign``, ``assign_add`` and ``assign_sub``: they write into the
    weight in place (as ``layer.kernel[...] = value`` would), after checking the value: the
    weight's shape exactly, finite numbers; a refused value writes nothing. What NumPy
    computes from a Weight is a plain :class:`Tensor`."""

    def __array_wrap__(self, arr: Any, context: Any = None,
                       return_scalar: bool = False) -> Any:
        out = super().__array_wrap__(arr, context, return_scalar)
        return out.view(Tensor) if type(out) is Weight else out

    def _checked(self, value: Any, argument: str) -> np.ndarray:
        from .errors import DataError, ShapeError

        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError(f"{argument}: expected numbers, got {value!r:.80}") from None
        if arr.shape != self.shape:
            raise ShapeError(f"{argument}: expected the weight's shape {self.shape}, got "
                             f"{arr.shape}")
        if not np.isfinite(arr).all() or \
                np.abs(arr).max(initial=0.0) > float(np.finfo(self.dtype).max):
            raise DataError(f"{argument}: expected finite numbers within {self.dtype}")
        return arr

    def assign(self, value: Any) -> Weight:
        """Write ``value`` into the weight (Keras' ``variable.assign``)."""
        self[...] = self._checked(value, "value")
        return self

    def assign_add(self, delta: Any) -> Weight:
        """Add ``delta`` to the weight in place."""
        return self.assign(self.view(np.ndarray) + self._checked(delta, "delta"))

    def assign_sub(self, delta: Any) -> Weight:
        """Subtract ``delta`` from the weight in place."""
        return self.assign(self.view(np.ndarray) - self._checked(delta, "delta"))


def as_tensor(value: Any, dtype: Any = None) -> Tensor:
    """``value`` as a :class:`Tensor` (a view when it is already an array of ``dtype``)."""
    return np.asarray(value, dtype=dtype).view(Tensor)
