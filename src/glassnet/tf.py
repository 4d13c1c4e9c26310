"""``glassnet.tf``: the TensorFlow names a course notebook uses, imported as ``tf``.

    from glassnet import tf          # was: import tensorflow as tf

``tf.keras`` is :mod:`glassnet.keras` (glassnet's own models and layers under Keras names).
``tf.random.set_seed(s)`` sets glassnet's global seed, from which every model and fit created
afterwards derives its seeds (same notebook, same numbers, bit for bit; an explicit
``seed=`` still wins). ``tf.nn.softmax/relu/sigmoid``, ``tf.sigmoid`` and the ``tf.math``
basics compute with NumPy and return :class:`Tensor` (a NumPy array that answers
``.numpy()``).

Not TensorFlow: there is no graph, no ``GradientTape``, no ``Variable``, no GPU. A name
outside the covered surface raises :class:`glassnet.OutsideSubsetError` saying so.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

import glassnet as gn
from glassnet import keras
from glassnet.keras import activations as _act
from glassnet.keras._subset import outside
from glassnet.keras.tensor import Tensor, as_tensor

__version__ = f"glassnet-{gn.__version__}"

float16 = np.float16
float32 = np.float32
float64 = np.float64
int32 = np.int32
int64 = np.int64
bool = np.bool_  # noqa: A001 (TensorFlow's name)

__all__ = [
    "Tensor", "abs", "add", "argmax", "argmin", "autograph", "cast", "constant",
    "convert_to_tensor", "divide", "exp", "float16", "float32", "float64", "get_logger",
    "int32", "int64", "keras", "log", "math", "maximum", "minimum", "multiply", "nn",
    "random", "reduce_max", "reduce_mean", "reduce_min", "reduce_sum", "reshape", "sigmoid",
    "sqrt", "square", "subtract", "tanh",
]


class _Namespace:
    """A TensorFlow sub-namespace (``tf.nn``, ``tf.math``...): its covered functions, and a
    clear error for any other name."""

    def __init__(self, qualname: str, **members: Any) -> None:
        self.__dict__.update(members)
        self._qualname = qualname
        self._outside = outside(qualname)

    def __getattr__(self, name: str) -> Any:
        return self._outside(name)

    def __dir__(self) -> list[str]:
        return sorted(k for k in self.__dict__ if not k.startswith("_"))

    def __repr__(self) -> str:
        return f"<glassnet's {self._qualname}: {', '.join(self.__dir__())}>"


# -- tensors ---------------------------------------------------------------------------------
def constant(value: Any, dtype: Any = None) -> Tensor:
    """An array (float32 for Python floats, as TensorFlow) that answers ``.numpy()``."""
    arr = np.asarray(value, dtype=dtype)
    if dtype is None and not isinstance(value, np.ndarray) and arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    return arr.view(Tensor)


def convert_to_tensor(value: Any, dtype: Any = None) -> Tensor:
    """``value`` as a :class:`Tensor` (NumPy arrays keep their dtype)."""
    return as_tensor(value, dtype)


def cast(x: Any, dtype: Any) -> Tensor:
    return as_tensor(np.asarray(x).astype(dtype))


def reshape(x: Any, shape: Any) -> Tensor:
    return as_tensor(np.reshape(np.asarray(x), shape))


# -- tf.math (also at the top level, as in TensorFlow) ---------------------------------------
def _unary(f: Any, name: str) -> Any:
    def op(x: Any) -> Tensor:
        return as_tensor(f(np.asarray(x)))

    op.__name__ = name
    op.__doc__ = f"Element-wise {name} (NumPy's ``{f.__name__}``)."
    return op


def _binary(f: Any, name: str) -> Any:
    def op(x: Any, y: Any) -> Tensor:
        return as_tensor(f(np.asarray(x), np.asarray(y)))

    op.__name__ = name
    op.__doc__ = f"Element-wise {name} (NumPy's ``{f.__name__}``)."
    return op


def _reduction(f: Any, name: str) -> Any:
    def op(input_tensor: Any, axis: Any = None, keepdims: Any = False) -> Tensor:
        return as_tensor(f(np.asarray(input_tensor), axis=axis, keepdims=keepdims))

    op.__name__ = name
    op.__doc__ = f"``{name}(x, axis=None, keepdims=False)``: NumPy's ``{f.__name__}``."
    return op


def argmax(input: Any, axis: Any = None) -> Tensor:  # noqa: A002 (TensorFlow's name)
    """Index of the largest value along ``axis`` (``None`` means 0, as in TensorFlow)."""
    return as_tensor(np.argmax(np.asarray(input), axis=0 if axis is None else axis))


def argmin(input: Any, axis: Any = None) -> Tensor:  # noqa: A002
    """Index of the smallest value along ``axis`` (``None`` means 0, as in TensorFlow)."""
    return as_tensor(np.argmin(np.asarray(input), axis=0 if axis is None else axis))


abs = _unary(np.abs, "abs")  # noqa: A001
exp = _unary(np.exp, "exp")
log = _unary(np.log, "log")
sqrt = _unary(np.sqrt, "sqrt")
square = _unary(np.square, "square")
add = _binary(np.add, "add")
subtract = _binary(np.subtract, "subtract")
multiply = _binary(np.multiply, "multiply")
divide = _binary(np.divide, "divide")
maximum = _binary(np.maximum, "maximum")
minimum = _binary(np.minimum, "minimum")
reduce_sum = _reduction(np.sum, "reduce_sum")
reduce_mean = _reduction(np.mean, "reduce_mean")
reduce_max = _reduction(np.max, "reduce_max")
reduce_min = _reduction(np.min, "reduce_min")
sigmoid = _act.sigmoid
tanh = _act.tanh


math = _Namespace(
    "tf.math", abs=abs, add=add, argmax=argmax, argmin=argmin, divide=divide, exp=exp,
    log=log, maximum=maximum, minimum=minimum, multiply=multiply, reduce_max=reduce_max,
    reduce_mean=reduce_mean, reduce_min=reduce_min, reduce_sum=reduce_sum, sigmoid=sigmoid,
    softmax=_act.softmax, sqrt=sqrt, square=square, subtract=subtract, tanh=tanh,
)
# The same objects as keras.activations: callable on arrays (tf.nn.softmax(z, axis=-1),
# tf.nn.leaky_relu(z, alpha=0.2)) and usable as a layer's activation (Dense(activation=tf.nn.relu))
nn = _Namespace("tf.nn", softmax=_act.softmax, relu=_act.relu, sigmoid=sigmoid, tanh=tanh,
                leaky_relu=_act.leaky_relu)
random = _Namespace("tf.random", set_seed=gn.set_global_seed)


def _set_verbosity(level: int, alsologtostdout: Any = False) -> None:
    """TensorFlow's autograph logging: glassnet has no autograph, so nothing to quiet."""


autograph = _Namespace("tf.autograph", set_verbosity=_set_verbosity)


def get_logger() -> logging.Logger:
    """The ``"tensorflow"`` logger of the standard library (glassnet logs nothing there)."""
    return logging.getLogger("tensorflow")


_outside = outside("tf")


def __getattr__(name: str) -> Any:
    return _outside(name)
