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

__all__ = ["Tensor", "as_tensor"]


class Tensor(np.ndarray):
    """A NumPy array that also answers ``.numpy()`` (the plain array, no copy)."""

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


def as_tensor(value: Any, dtype: Any = None) -> Tensor:
    """``value`` as a :class:`Tensor` (a view when it is already an array of ``dtype``)."""
    return np.asarray(value, dtype=dtype).view(Tensor)
