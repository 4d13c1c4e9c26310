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

import builtins
import logging
from typing import Any

import numpy as np

import glassnet as gn
from glassnet import keras
from glassnet.errors import ArgumentTypeError, DataError, ShapeError
from glassnet.keras import activations as _act
from glassnet.keras._subset import outside
from glassnet.keras.tensor import Tensor, as_tensor

__version__ = f"glassnet-{gn.__version__}"

float16 = np.float16
float32 = np.float32
float64 = np.float64
int32 = np.int32
int64 = np.int64
int8 = np.int8
int16 = np.int16
uint8 = np.uint8
uint16 = np.uint16
bool = np.bool_  # noqa: A001 (TensorFlow's name)

__all__ = [
    "AUTOTUNE", "Tensor", "TensorSpec", "abs", "add", "add_n", "argmax", "argmin", "autograph",
    "broadcast_to", "cast", "clip_by_value", "eye", "gather", "is_tensor", "linalg", "tile",
    "where",
    "concat", "constant", "convert_to_tensor", "data", "divide", "exp", "expand_dims", "fill",
    "float16", "float32", "float64", "get_logger", "int8", "int16", "int32", "int64", "keras",
    "linspace",
    "log", "math", "matmul", "maximum", "minimum", "multiply", "nn", "one_hot", "ones",
    "ones_like", "random", "range", "rank", "reduce_max", "reduce_mean", "reduce_min",
    "reduce_sum",
    "reshape", "shape", "sigmoid", "size", "sqrt", "square", "squeeze", "stack", "subtract", "tanh",
    "transpose", "uint8", "uint16", "version", "zeros", "zeros_like",
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
def _tf_dtype(arr: np.ndarray, value: Any) -> np.ndarray:
    """TensorFlow's default types for Python numbers: float32 and int32 (NumPy arrays keep
    theirs)."""
    if isinstance(value, np.ndarray):
        return arr
    if arr.dtype == np.float64:
        return arr.astype(np.float32)
    if arr.dtype == np.int64:
        return arr.astype(np.int32)
    return arr


def constant(value: Any, dtype: Any = None, shape: Any = None) -> Tensor:
    """An array (float32 for Python floats, int32 for ints, as TensorFlow) that answers
    ``.numpy()``; ``shape`` fills a shape with a scalar ``value`` or reshapes."""
    arr = np.asarray(value, dtype=dtype)
    if dtype is None:
        arr = _tf_dtype(arr, value)
    if shape is not None:
        shape = tuple(shape) if isinstance(shape, (tuple, list)) else (int(shape),)
        arr = np.full(shape, arr, dtype=arr.dtype) if arr.size == 1 else arr.reshape(shape)
    return arr.view(Tensor)


def ones(shape: Any, dtype: Any = np.float32) -> Tensor:
    """An array of ones (float32 unless ``dtype``)."""
    return as_tensor(np.ones(shape, dtype=dtype))


def zeros(shape: Any, dtype: Any = np.float32) -> Tensor:
    """An array of zeros (float32 unless ``dtype``)."""
    return as_tensor(np.zeros(shape, dtype=dtype))


def ones_like(input: Any, dtype: Any = None) -> Tensor:  # noqa: A002 (TensorFlow's name)
    return as_tensor(np.ones_like(np.asarray(input), dtype=dtype))


def zeros_like(input: Any, dtype: Any = None) -> Tensor:  # noqa: A002
    return as_tensor(np.zeros_like(np.asarray(input), dtype=dtype))


def fill(dims: Any, value: Any) -> Tensor:
    arr = _tf_dtype(np.asarray(value), value)
    return as_tensor(np.full(dims, arr, dtype=arr.dtype))


def linspace(start: Any, stop: Any, num: int, axis: int = 0) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (float32 for Python
    numbers, as TensorFlow)."""
    ref = np.asarray(start)
    dtype = ref.dtype if isinstance(start, np.ndarray) and ref.dtype.kind == "f" \
        else np.float32
    return as_tensor(np.linspace(start, stop, int(num), axis=axis).astype(dtype))


def range(start: Any, limit: Any = None, delta: Any = 1,  # noqa: A001 (TensorFlow's name)
          dtype: Any = None) -> Tensor:
    """``tf.range(5)`` or ``tf.range(start, limit, delta)``: int32 for ints, float32 when a
    bound is a float (as TensorFlow)."""
    if limit is None:
        start, limit = 0, start
    values = np.arange(start, limit, delta)
    if dtype is not None:
        values = values.astype(dtype)
    else:
        values = _tf_dtype(values, None)
    return as_tensor(values)


def add_n(inputs: Any) -> Tensor:
    """The element-wise sum of a list of arrays of one shape."""
    arrays = [np.asarray(a) for a in inputs]
    if not arrays:
        raise gn.ArgumentTypeError("inputs: expected a non-empty list of arrays, got []")
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise gn.ShapeError(f"inputs: expected arrays of one shape, got shapes "
                            f"{sorted(shapes)}")
    total = arrays[0].copy()
    for a in arrays[1:]:
        total = total + a
    return as_tensor(total)


def expand_dims(input: Any, axis: int) -> Tensor:  # noqa: A002
    return as_tensor(np.expand_dims(np.asarray(input), axis))


def squeeze(input: Any, axis: Any = None) -> Tensor:  # noqa: A002
    return as_tensor(np.squeeze(np.asarray(input), axis=axis))


def stack(values: Any, axis: int = 0) -> Tensor:
    return as_tensor(np.stack([np.asarray(v) for v in values], axis=axis))


def concat(values: Any, axis: int) -> Tensor:
    return as_tensor(np.concatenate([np.asarray(v) for v in values], axis=axis))


def transpose(a: Any, perm: Any = None) -> Tensor:
    return as_tensor(np.transpose(np.asarray(a), perm))


def matmul(a: Any, b: Any) -> Tensor:
    return as_tensor(np.matmul(_arg(a), _arg(b)))


def shape(input: Any) -> Tensor:  # noqa: A002
    """The shape as an int32 array (``tf.shape(x)``)."""
    return as_tensor(np.asarray(np.shape(input), dtype=np.int32))


def size(input: Any, out_type: Any = np.int32) -> Tensor:  # noqa: A002
    """The number of elements, as a 0-d int32 tensor (``tf.size(x)``)."""
    return as_tensor(np.asarray(np.size(input), dtype=out_type))


def rank(input: Any) -> Tensor:  # noqa: A002
    """The number of axes, as a 0-d int32 tensor (``tf.rank(x)``)."""
    return as_tensor(np.asarray(np.ndim(input), dtype=np.int32))


def broadcast_to(input: Any, shape: Any) -> Tensor:  # noqa: A002
    """``input`` repeated along new or size-1 axes to ``shape`` (NumPy's broadcasting)."""
    try:
        return as_tensor(np.array(np.broadcast_to(_arg(input), tuple(np.asarray(shape)))))
    except ValueError:
        raise ShapeError(f"shape: cannot broadcast an input of shape {np.shape(input)} to "
                         f"{tuple(np.asarray(shape))}") from None


def is_tensor(x: Any) -> builtins.bool:
    """Whether ``x`` is a glassnet :class:`Tensor` (NumPy arrays are not, as in TensorFlow)."""
    return isinstance(x, Tensor)


def where(condition: Any, x: Any = None, y: Any = None) -> Tensor:
    """``x`` where ``condition`` holds, else ``y``; with ``condition`` alone, the int64
    coordinates of its true entries, one row each (TensorFlow's two forms)."""
    cond = np.asarray(condition)
    if cond.dtype != np.bool_:
        raise gn.ArgumentTypeError(f"condition: expected booleans, got {cond.dtype}")
    if x is None and y is None:
        return as_tensor(np.argwhere(cond).astype(np.int64))
    if x is None or y is None:
        raise gn.ArgumentTypeError("x, y: expected both or neither, got one")
    return as_tensor(np.where(cond, _arg(x), _arg(y)))


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any) -> Tensor:
    """``t`` with every value limited to ``[clip_value_min, clip_value_max]``."""
    arr = _arg(t)
    return as_tensor(np.clip(arr, clip_value_min, clip_value_max).astype(arr.dtype))


def tile(input: Any, multiples: Any) -> Tensor:  # noqa: A002
    """``input`` repeated ``multiples[i]`` times along axis ``i``."""
    return as_tensor(np.tile(_arg(input), tuple(int(m) for m in np.asarray(multiples))))


def gather(params: Any, indices: Any, axis: int = 0) -> Tensor:
    """The slices of ``params`` at ``indices`` along ``axis``."""
    arr = _arg(params)
    idx = np.asarray(indices)
    if idx.size and (idx.min() < -arr.shape[axis] or idx.max() >= arr.shape[axis]):
        raise gn.DataError(f"indices: expected values below {arr.shape[axis]} (axis {axis}), "
                           f"got {idx.max()}")
    return as_tensor(np.take(arr, idx, axis=axis))


def eye(num_rows: int, num_columns: Any = None, dtype: Any = np.float32) -> Tensor:
    """The identity matrix (float32 unless ``dtype``)."""
    return as_tensor(np.eye(int(num_rows), None if num_columns is None else int(num_columns),
                            dtype=dtype))


def one_hot(indices: Any, depth: int, dtype: Any = np.float32) -> Tensor:
    idx = np.asarray(indices).astype(np.int64)
    out = np.zeros(idx.shape + (int(depth),), dtype=dtype)
    inside = (idx >= 0) & (idx < depth)
    np.put_along_axis(out, np.where(inside, idx, 0)[..., None],
                      inside[..., None].astype(dtype), axis=-1)
    return as_tensor(out)


def convert_to_tensor(value: Any, dtype: Any = None) -> Tensor:
    """``value`` as a :class:`Tensor`: NumPy arrays and scalars (and pandas frames) keep
    their dtype; Python floats and ints (and lists of them) become float32 and int32, as in
    TensorFlow."""
    if dtype is None and isinstance(value, (int, float, list, tuple)) and \
            not isinstance(value, np.generic):
        return as_tensor(_tf_dtype(np.asarray(value), value))
    return as_tensor(value, dtype)


def cast(x: Any, dtype: Any) -> Tensor:
    return as_tensor(np.asarray(x).astype(dtype))


def reshape(x: Any, shape: Any) -> Tensor:
    arr = np.asarray(x)
    try:
        return as_tensor(np.reshape(arr, tuple(np.asarray(shape).reshape(-1))))
    except ValueError:
        raise ShapeError(f"shape: cannot reshape {arr.size} values (shape {arr.shape}) to "
                         f"{[int(n) for n in np.asarray(shape).reshape(-1)]}") from None


# -- tf.math (also at the top level, as in TensorFlow) ---------------------------------------
def _arg(x: Any) -> np.ndarray:
    """An operand: NumPy arrays as they are, Python numbers and lists in TensorFlow's types."""
    return _tf_dtype(np.asarray(x), x)


def _unary(f: Any, name: str) -> Any:
    def op(x: Any) -> Tensor:
        return as_tensor(f(_arg(x)))

    op.__name__ = name
    op.__doc__ = f"Element-wise {name} (NumPy's ``{f.__name__}``)."
    return op


def _binary(f: Any, name: str) -> Any:
    def op(x: Any, y: Any) -> Tensor:
        return as_tensor(f(_arg(x), _arg(y)))

    op.__name__ = name
    op.__doc__ = f"Element-wise {name} (NumPy's ``{f.__name__}``)."
    return op


def _reduction(f: Any, name: str) -> Any:
    def op(input_tensor: Any, axis: Any = None, keepdims: Any = False) -> Tensor:
        arr = _arg(input_tensor)
        return as_tensor(np.asarray(f(arr, axis=axis, keepdims=keepdims)).astype(arr.dtype)
                         if name not in ("reduce_std", "reduce_variance") else
                         f(arr, axis=axis, keepdims=keepdims))

    op.__name__ = name
    op.__doc__ = (f"``{name}(x, axis=None, keepdims=False)``: NumPy's ``{f.__name__}``, in "
                  f"the input's type (an integer mean is an integer, as in TensorFlow).")
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
reduce_prod = _reduction(np.prod, "reduce_prod")
reduce_std = _reduction(np.std, "reduce_std")
reduce_variance = _reduction(np.var, "reduce_variance")
pow = _binary(np.power, "pow")  # noqa: A001
round = _unary(np.round, "round")  # noqa: A001
floor = _unary(np.floor, "floor")
ceil = _unary(np.ceil, "ceil")
sign = _unary(np.sign, "sign")
negative = _unary(np.negative, "negative")
reciprocal = _unary(np.reciprocal, "reciprocal")
equal = _binary(np.equal, "equal")
not_equal = _binary(np.not_equal, "not_equal")
greater = _binary(np.greater, "greater")
greater_equal = _binary(np.greater_equal, "greater_equal")
less = _binary(np.less, "less")
less_equal = _binary(np.less_equal, "less_equal")
log1p = _unary(np.log1p, "log1p")
sin = _unary(np.sin, "sin")
cos = _unary(np.cos, "cos")
sigmoid = _act.sigmoid
tanh = _act.tanh


def _confusion_matrix(labels: Any, predictions: Any, num_classes: Any = None,
                     weights: Any = None, dtype: Any = np.int32) -> Tensor:
    """``tf.math.confusion_matrix``: entry ``[i, j]`` counts (or sums ``weights`` of) the
    examples of label ``i`` predicted ``j``; ``num_classes`` defaults to the largest class
    seen plus one. Labels and predictions are class indices (``argmax`` the scores first)."""
    y, p = np.asarray(labels).reshape(-1), np.asarray(predictions).reshape(-1)
    if y.shape != p.shape:
        raise ShapeError(f"labels, predictions: expected as many of each, got {y.size} and "
                         f"{p.size}")
    for name, a in (("labels", y), ("predictions", p)):
        if a.dtype.kind not in "biu" and not (a.dtype.kind == "f" and (a == np.round(a)).all()):
            raise DataError(f"{name}: expected class indices (whole numbers), got "
                            f"{a.dtype} values; argmax the scores first")
        if a.size and a.min() < 0:
            raise DataError(f"{name}: expected class indices >= 0, got {a.min()}")
    y, p = y.astype(np.int64), p.astype(np.int64)
    seen = int(max(y.max(initial=-1), p.max(initial=-1))) + 1
    if num_classes is not None and (isinstance(num_classes, bool) or not isinstance(
            num_classes, (int, np.integer)) or num_classes < 1):
        raise ArgumentTypeError(f"num_classes: expected an int >= 1, got {num_classes!r}")
    n = seen if num_classes is None else int(num_classes)
    if seen > n:
        raise DataError(f"labels, predictions: a class index {seen - 1} is not below "
                        f"num_classes={n}")
    w = np.ones(y.size) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != y.shape:
        raise ShapeError(f"weights: expected one per example ({y.size}), got {w.shape}")
    out = np.zeros((n, n), dtype=np.float64)
    np.add.at(out, (y, p), w)
    return as_tensor(out.astype(dtype))


math = _Namespace(
    "tf.math", confusion_matrix=_confusion_matrix,
    abs=abs, add=add, add_n=add_n, argmax=argmax, argmin=argmin, ceil=ceil,
    cos=cos, divide=divide, equal=equal, exp=exp, floor=floor, greater=greater,
    greater_equal=greater_equal, less=less, less_equal=less_equal, log=log, log1p=log1p,
    maximum=maximum, minimum=minimum, multiply=multiply, negative=negative,
    not_equal=not_equal, pow=pow, reciprocal=reciprocal, reduce_max=reduce_max,
    reduce_mean=reduce_mean, reduce_min=reduce_min, reduce_prod=reduce_prod,
    reduce_std=reduce_std, reduce_sum=reduce_sum, reduce_variance=reduce_variance,
    round=round, sigmoid=sigmoid, sign=sign,
    sin=sin, softmax=_act.softmax, sqrt=sqrt, square=square, subtract=subtract, tanh=tanh,
)
linalg = _Namespace("tf.linalg", matmul=matmul, eye=eye, transpose=transpose)
# The same objects as keras.activations: callable on arrays (tf.nn.softmax(z, axis=-1),
# tf.nn.leaky_relu(z, alpha=0.2)) and usable as a layer's activation (Dense(activation=tf.nn.relu))
nn = _Namespace("tf.nn", softmax=_act.softmax, relu=_act.relu, sigmoid=sigmoid, tanh=tanh,
                leaky_relu=_act.leaky_relu)


def _log_softmax(logits: Any, axis: int = -1) -> Tensor:
    """``log(softmax(z))`` computed stably: ``z - max - log(sum(exp(z - max)))``."""
    z = np.asarray(logits)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return as_tensor(shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True)))


nn.__dict__["log_softmax"] = _log_softmax


def _op_rng(seed: Any) -> np.random.Generator:
    """The generator of one random op: ``seed`` (with the global seed, when set), or the
    next seed glassnet's global seed gives (``tf.random.set_seed``); never NumPy's global
    state."""
    if seed is None:
        return np.random.default_rng(gn.new_seed())
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise gn.ArgumentTypeError(f"seed: expected a non-negative int or None, got {seed!r}")
    base = gn.get_global_seed()
    return np.random.default_rng(np.random.SeedSequence(
        int(seed) if base is None else base, spawn_key=() if base is None else (int(seed),)))


def _random_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = np.float32,
                   seed: Any = None, name: Any = None) -> Tensor:
    """Samples of N(mean, stddev^2) of ``shape`` (float32 unless ``dtype``)."""
    return as_tensor(_op_rng(seed).normal(mean, stddev, size=shape).astype(dtype))


def _random_uniform(shape: Any, minval: float = 0.0, maxval: float | None = None,
                    dtype: Any = np.float32, seed: Any = None, name: Any = None) -> Tensor:
    """Samples of U[minval, maxval) of ``shape`` (``maxval`` 1 for floats; integers need
    it)."""
    rng = _op_rng(seed)
    if np.dtype(dtype).kind in "iu":
        if maxval is None:
            raise gn.ConfigError("maxval: integer samples need a maxval")
        return as_tensor(rng.integers(int(minval), int(maxval), size=shape).astype(dtype))
    hi = 1.0 if maxval is None else maxval
    return as_tensor(rng.uniform(minval, hi, size=shape).astype(dtype))


random = _Namespace("tf.random", set_seed=gn.set_global_seed, normal=_random_normal,
                    uniform=_random_uniform)
version = _Namespace("tf.version", VERSION=__version__)


def _file_dataset(name: str) -> Any:
    def refuse_file(*args: Any, **kwargs: Any) -> Any:
        raise gn.OutsideSubsetError(
            f"tf.data.{name} is outside glassnet's subset: glassnet's datasets hold arrays in "
            f"memory; read the file with NumPy or pandas (pd.read_csv) and pass the arrays to "
            f"tf.data.Dataset.from_tensor_slices")

    refuse_file.__name__ = name
    return refuse_file


TensorSpec = gn.data.TensorSpec
data = _Namespace(
    "tf.data", Dataset=gn.data.Dataset, AUTOTUNE=gn.data.AUTOTUNE,
    INFINITE_CARDINALITY=gn.data.INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY=gn.data.UNKNOWN_CARDINALITY,
    TextLineDataset=_file_dataset("TextLineDataset"),
    TFRecordDataset=_file_dataset("TFRecordDataset"),
    experimental=_Namespace("tf.data.experimental", AUTOTUNE=gn.data.AUTOTUNE,
                            CsvDataset=_file_dataset("experimental.CsvDataset"),
                            make_csv_dataset=_file_dataset("experimental.make_csv_dataset"),
                            cardinality=lambda ds: ds.cardinality(),
                            sample_from_datasets=gn.data.Dataset.sample_from_datasets),
)
AUTOTUNE = gn.data.AUTOTUNE


def _set_verbosity(level: int, alsologtostdout: Any = False) -> None:
    """TensorFlow's autograph logging: glassnet has no autograph, so nothing to quiet."""


autograph = _Namespace("tf.autograph", set_verbosity=_set_verbosity)


def get_logger() -> logging.Logger:
    """The ``"tensorflow"`` logger of the standard library (glassnet logs nothing there)."""
    return logging.getLogger("tensorflow")


_outside = outside("tf")


def __getattr__(name: str) -> Any:
    return _outside(name)
