"""glassnet's validation toolkit: the argument checks the model, the training loop, the
instruments, the data sets, the estimators and the playground share.

Each check takes the value and the ``argument`` name the caller's user wrote, returns the
value in its working type, and otherwise raises an error from :mod:`glassnet.errors` whose
message names the argument, what was expected and what arrived (``ArgumentTypeError``, a
``TypeError``, for the wrong kind of value; ``ConfigError``, a ``ValueError``, for a value
out of range), so a bridge raising the peer's exception types gets them for free::

    check_int(units, "units")                     # an int >= 1 (bools refused)
    check_int(verbose, "verbose", minimum=0)
    check_float(rate, "rate", minimum=0, maximum=1, include_maximum=False)
    check_bool(shuffle, "shuffle")
    check_seed(seed)                              # None or an int >= 0
    as_generator(seed)                            # int / Generator / None -> Generator
    check_float_dtype(dtype)                      # any floating NumPy dtype
    resolve_dtype(dtype)                          # glassnet's float32 / float64
    check_features(X, n_features, dtype)          # a 2-D finite array of examples
    check_built(model); check_compiled(model)     # NotReadyError naming the fix

Validate first, then change: every check is a pure function of its arguments (the global
seed and default dtype aside), so a caller runs them all before touching its state.
"""

from __future__ import annotations

import numbers
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import NDArray

from .errors import ArgumentTypeError, ConfigError, DataError, NotReadyError, ShapeError

__all__ = [
    "DTYPES", "as_generator", "bad_labels", "by_name", "check_bool", "check_built",
    "check_compiled", "check_features", "check_float", "check_float_dtype", "check_int",
    "check_output_kind", "check_rng_seed", "check_seed", "get_default_dtype",
    "get_global_seed", "is_mapped", "new_seed", "resolve_dtype", "set_default_dtype",
    "set_global_seed",
]

DTYPES = {"float32": np.float32, "float64": np.float64}


# The global default seed (``glassnet.set_global_seed``, ``tf.random.set_seed``): when set,
# every seed glassnet would otherwise draw from the operating system is instead the next
# one of a sequence derived from it, so a script that sets it once replays bit for bit.
_global_seed: int | None = None
_global_draws = 0


def set_global_seed(seed: int | None) -> None:
    """Set (or, with ``None``, clear) the global default seed.

    Every model, fit and standalone layer created afterwards *without* an explicit seed
    takes the next seed of a sequence that depends only on ``seed`` and on how many seeds
    were drawn since: the same script gives the same run, bit for bit, in any process.
    An explicit ``seed=`` still wins. Calling it again with the same value restarts the
    sequence (as re-running a notebook cell that calls ``tf.random.set_seed`` does).
    """
    global _global_seed, _global_draws
    _global_seed = check_seed(seed, "seed")
    _global_draws = 0


def get_global_seed() -> int | None:
    """The global default seed set by :func:`set_global_seed`, or ``None``."""
    return _global_seed


def new_seed() -> int:
    """A fresh seed from operating-system entropy (never NumPy's global state), to be recorded
    so that a run started without a seed can still be replayed; or, once a global default
    seed is set (:func:`set_global_seed`), the next seed derived from it."""
    global _global_draws
    if _global_seed is not None:
        seq = np.random.SeedSequence(_global_seed, spawn_key=(_global_draws,))
        _global_draws += 1
    else:
        seq = np.random.SeedSequence()
    return int(seq.generate_state(2, dtype=np.uint32).view(np.uint64)[0] % (2**63))


def check_built(model: Any) -> None:
    """NotReadyError unless ``model`` (a Sequential or anything with ``built``) has weights."""
    if not model.built:
        raise NotReadyError(
            "the model has no weights yet: start it with Input(shape=(n,)), call "
            "build(n), or call fit()"
        )


def check_compiled(model: Any) -> tuple[Any, Any]:
    """``model``'s ``(loss, optimizer)``; NotReadyError naming the fix when it is not
    compiled."""
    if model.loss is None or model.optimizer is None:
        raise NotReadyError(
            "the model is not compiled: call model.compile(loss=..., optimizer=...)"
        )
    return model.loss, model.optimizer


def by_name(items: Any, name: Any) -> Any:
    """The first of ``items`` whose ``.name`` is ``name``; a ConfigError listing the names
    there are otherwise (layers of a model, layers of a report)."""
    for item in items:
        if item.name == name:
            return item
    raise ConfigError(
        f"name: no layer named {name!r}; the layers are "
        f"{', '.join(repr(item.name) for item in items)}"
    )


_default_dtype = "float32"


def set_default_dtype(dtype: Any) -> None:
    """The float type of models and standalone layers created from now on without an
    explicit ``dtype`` (``"float32"``, the default, or ``"float64"``); Keras'
    ``backend.set_floatx``."""
    global _default_dtype
    _default_dtype = resolve_dtype(dtype).name


def get_default_dtype() -> str:
    """The float type :func:`set_default_dtype` chose (``"float32"`` unless changed)."""
    return _default_dtype


def resolve_dtype(dtype: Any, argument: str = "dtype") -> np.dtype[Any]:
    """``"float32"``/``"float64"`` (or the NumPy types) -> ``np.dtype``; ``None`` is the
    default float type (:func:`set_default_dtype`)."""
    if dtype is None:
        dtype = _default_dtype
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise ConfigError(f"{argument}: expected 'float32' or 'float64', got {dtype!r}") from exc
    if dt.name not in DTYPES:
        raise ConfigError(f"{argument}: expected 'float32' or 'float64', got {dtype!r}")
    return dt


@overload
def check_int(value: Any, argument: str, minimum: int = 1,
              allow_none: Literal[False] = False) -> int: ...
@overload
def check_int(value: Any, argument: str, minimum: int = 1, *, allow_none: bool) -> int | None: ...
def check_int(value: Any, argument: str, minimum: int = 1, allow_none: bool = False) -> int | None:
    """An integer (not a bool) of at least ``minimum``, or None when ``allow_none``:
    ArgumentTypeError for the wrong type, ConfigError for a value below ``minimum``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(
            f"{argument}: expected an integer >= {minimum}"
            f"{' or None' if allow_none else ''}, got {value!r}"
        )
    if value < minimum:
        raise ConfigError(f"{argument}: expected an integer >= {minimum}, got {value}")
    return int(value)


def check_float_dtype(dtype: Any, argument: str = "dtype") -> np.dtype[Any]:
    """Resolve ``dtype`` and insist that it is a floating dtype (float32, float64...)."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as exc:
        raise ConfigError(
            f"{argument}: expected a floating dtype such as 'float32' or 'float64', got {dtype!r}"
        ) from exc
    if resolved.kind != "f":
        raise ConfigError(
            f"{argument}: expected a floating dtype such as 'float32' or 'float64', "
            f"got {resolved.name}"
        )
    return resolved


def as_generator(seed: object, argument: str = "seed") -> np.random.Generator:
    """A ``numpy.random.Generator`` from an int seed, a Generator (used as is) or None.

    None draws fresh entropy from the operating system (``default_rng()``); the global
    ``np.random`` state is never touched.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    number = check_rng_seed(seed, argument)
    return np.random.default_rng(number)


def check_rng_seed(seed: object, argument: str = "seed") -> int:
    """A non-negative int seed for a generator (what :func:`as_generator` accepts besides a
    Generator or None); the message names the three things it takes."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ArgumentTypeError(
            f"{argument}: expected an int, a numpy.random.Generator or None, "
            f"got {type(seed).__name__} {seed!r}"
        )
    return check_int(seed, argument, minimum=0)


def is_mapped(arr: Any) -> bool:
    """Whether ``arr`` (or an array it views) is a memory-mapped file."""
    import mmap

    while isinstance(arr, np.ndarray):
        if isinstance(arr, np.memmap):
            return True
        arr = arr.base
    return isinstance(arr, mmap.mmap)


def check_float(
    value: Any,
    argument: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    include_minimum: bool = True,
    include_maximum: bool = True,
    allow_none: bool = False,
    finite: bool = True,
) -> float:
    """A real number in the given range, finite unless ``finite=False`` (ints are accepted;
    bools and strings are not; NaN never is)."""
    if value is None and allow_none:
        return None  # type: ignore[return-value]
    lo = "" if minimum is None else f"{'[' if include_minimum else '('}{minimum:g}"
    hi = "" if maximum is None else f"{maximum:g}{']' if include_maximum else ')'}"
    if minimum is not None and maximum is not None:
        expected = f"a number in {lo}, {hi}"
    elif minimum is not None:
        expected = f"a number {'>=' if include_minimum else '>'} {minimum:g}"
    elif maximum is not None:
        expected = f"a number {'<=' if include_maximum else '<'} {maximum:g}"
    else:
        expected = "a finite number"
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise ArgumentTypeError(f"{argument}: expected {expected}, got {value!r}")
    try:
        v = float(value)
    except OverflowError:  # an int such as 10**400
        raise ConfigError(f"{argument}: expected {expected}, got an integer of "
                          f"{len(str(abs(value)))} digits, beyond the float range") from None
    if np.isnan(v) or (finite and not np.isfinite(v)):
        raise ConfigError(f"{argument}: expected {expected}, got {value!r}")
    if minimum is not None and (v < minimum or (v == minimum and not include_minimum)):
        raise ConfigError(f"{argument}: expected {expected}, got {value!r}")
    if maximum is not None and (v > maximum or (v == maximum and not include_maximum)):
        raise ConfigError(f"{argument}: expected {expected}, got {value!r}")
    return v


def check_bool(value: Any, argument: str) -> bool:
    """A real bool (``True``/``False``, NumPy's included), not a truthy string or number."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{argument}: expected True or False, got {value!r}")
    return bool(value)


def check_seed(value: Any, argument: str = "seed") -> int | None:
    """None, or a non-negative integer seed."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < 0:
        raise ArgumentTypeError(f"{argument}: expected a non-negative int or None, got {value!r}")
    return int(value)


def check_features(
    X: Any,
    n_features: int | None,
    dtype: np.dtype[Any],
    *,
    argument: str = "X",
    layer_name: str | None = None,
    check_finite: bool = True,
    keep_mapped: bool = False,
) -> NDArray[Any]:
    """Validate a feature matrix and return it as a C-contiguous array of ``dtype``.

    float32 data stays float32 in a float32 model (no copy when already contiguous).
    ``keep_mapped``: a memory-mapped array (``np.load(path, mmap_mode="r")``) is returned as
    it is, whatever its dtype, so the caller converts one batch at a time instead of copying
    the whole file into memory.
    """
    if isinstance(X, (str, bytes)) or X is None:
        raise ArgumentTypeError(f"{argument}: expected a 2-D numeric array (m, n), got {X!r}")
    arr = np.asarray(X)
    if arr.dtype.kind == "O":
        arr = _numbers_of_objects(arr)
    if arr.dtype.kind not in "biuf":
        raise DataError(f"{argument}: expected numbers, got "
                        + (_non_numeric_columns(X) or f"an array of dtype {arr.dtype}"))
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1:
            hint = (
                "; pass X.reshape(1, -1) for one example or X.reshape(-1, 1) for one feature"
            )
        raise ShapeError(
            f"{argument}: expected a 2-D array of shape (m, n) with one example per row, "
            f"got shape {arr.shape}{hint}"
        )
    if arr.shape[0] == 0:
        raise ShapeError(f"{argument}: expected at least one example (row), got shape {arr.shape}")
    if n_features is not None and arr.shape[1] != n_features:
        where = f"layer {layer_name!r}" if layer_name else "the model"
        raise ShapeError(
            f"{argument} has {arr.shape[1]} features but {where} expects {n_features}"
        )
    if not (keep_mapped and is_mapped(arr) and arr.flags.c_contiguous):
        arr = np.ascontiguousarray(arr, dtype=dtype)
    check_finite = check_finite and arr.dtype.kind == "f"
    # One matrix-vector product finds any NaN/inf without an (m, n) temporary: a NaN or inf
    # in a row makes that row's sum NaN or inf. Huge finite values can overflow the sum too,
    # so a non-finite sum is confirmed by the exact element-wise check.
    if check_finite:
        with np.errstate(over="ignore", invalid="ignore"):
            row_sums_finite = np.isfinite(arr @ np.ones(arr.shape[1], dtype=arr.dtype)).all()
    if check_finite and not row_sums_finite and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise DataError(
            f"{argument}: expected finite numbers, found {arr[tuple(bad)]} at row {bad[0]}, "
            f"column {bad[1]}"
        )
    return arr


def _numbers_of_objects(arr: NDArray[Any]) -> NDArray[Any]:
    """An object array whose items are all real numbers or bools (``np.array(df)`` of a
    DataFrame with float and bool columns, as ``pd.get_dummies`` makes) as float64; any
    other object array unchanged (the caller names what is wrong)."""
    if arr.size and all(isinstance(v, (int, float, bool, np.integer, np.floating, np.bool_))
                        for v in arr.flat):
        return arr.astype(np.float64)
    return arr


def bad_labels(arr: Any) -> str:
    """What is wrong with float class labels, named: "NaN at index 3 (4 in all)",
    "infinite values at ...", or "non-integer values such as 2.5 at index 7 (...)"."""
    values = np.asarray(arr, dtype=np.float64).reshape(-1)
    for mask, what in ((np.isnan(values), "NaN"), (np.isinf(values), "infinite values")):
        if mask.any():
            where = np.flatnonzero(mask)
            return f"{what} at index {int(where[0])} ({where.size:,} in all)"
    wrong = np.flatnonzero(values != np.round(values))
    if wrong.size:
        return (f"non-integer values such as {values[wrong[0]]:g} at index {int(wrong[0])} "
                f"({wrong.size:,} in all)")
    return "valid labels"


def _non_numeric_columns(X: Any) -> str:
    """For a table with named columns (a pandas DataFrame): which columns are not numeric,
    as "column 'city' (object), column 'when' (datetime64[ns])"; "" for anything else."""
    columns, dtypes = getattr(X, "columns", None), getattr(X, "dtypes", None)
    if columns is None or dtypes is None:
        return ""
    try:
        pairs = list(zip(list(columns), list(dtypes)))
    except TypeError:
        return ""
    bad = [f"column {c!r} ({d})" for c, d in pairs if getattr(d, "kind", "O") not in "biuf"]
    if not bad:
        return ""
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    return ("non-numeric " + ", ".join(bad[:5]) + more
            + "; encode or drop them before training")


def check_output_kind(last: Any, loss: Any) -> str | None:
    """What is wrong, if anything, between the output layer ``last`` and a cross-entropy
    ``loss`` about logits and probabilities; ``None`` when they agree.

    A linear output gives logits; a loss with ``from_logits=False`` reads its input as
    probabilities (clipped to [1e-7, 1 - 1e-7]), so such a model trains, silently and badly.
    The reverse (a softmax/sigmoid output with ``from_logits=True``) applies the squashing
    twice.
    """
    squash = getattr(loss, "fused_activation", None)  # None: not a cross-entropy
    activation = getattr(getattr(last, "activation", None), "name", None)
    if squash is None or activation is None:
        return None
    loss_name = f"{type(loss).__name__}(from_logits={bool(loss.from_logits)})"
    if activation == "linear" and not loss.from_logits:
        return (
            f"output layer {last.name!r} is linear, so it outputs logits, but the loss "
            f"{loss_name} expects probabilities: the model would train badly. Fix: compile "
            f"with {type(loss).__name__}(from_logits=True) (the stable form), or give "
            f"{last.name!r} activation={squash!r}."
        )
    if activation in ("softmax", "sigmoid") and loss.from_logits:
        return (
            f"output layer {last.name!r} applies {activation}, so it outputs probabilities, "
            f"not the logits the loss {loss_name} expects: {activation} would be applied "
            f"twice. Fix: give {last.name!r} activation='linear' (and keep from_logits=True), "
            f"or compile with {type(loss).__name__}() (from_logits=False)."
        )
    return None
