"""In-memory datasets: slices of arrays, batched, shuffled, mapped (TensorFlow's ``tf.data``).

    ds = Dataset.from_tensor_slices((X, y)).shuffle(1000, seed=1).batch(32)
    model.fit(ds, epochs=5)                 # the batches come from the dataset

A dataset is a recipe: each iteration (``for batch in ds``, each epoch of ``fit``) runs it
afresh, so ``shuffle`` gives a new order every iteration (``reshuffle_each_iteration=True``)
drawn from its seed and the iteration's number: same seeds, same orders, bit for bit. The
seed is ``shuffle(seed=...)`` or else the next one glassnet's global seed gives
(``tf.random.set_seed``), never NumPy's global state.

As long as no ``map`` or ``unbatch`` comes first, a pipeline is computed on row indices of
the source arrays (one ``take`` per batch), so batching is vectorized. ``map`` calls its
Python function on each element (or each batch, after ``batch``). Iterating gives
:class:`~glassnet.tensor.Tensor` leaves (``.numpy()``); ``as_numpy_iterator`` plain NumPy.
``prefetch`` and ``AUTOTUNE`` are accepted and change nothing (everything is in memory).
File datasets (``TextLineDataset``, ``TFRecordDataset``, ``CsvDataset``) stay outside.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .checks import check_int, check_seed, new_seed
from .errors import ArgumentTypeError, ConfigError, OutsideSubsetError, ShapeError
from .tensor import Tensor, as_tensor

Array = NDArray[Any]

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Dataset", "TensorSpec"]

#: ``prefetch(AUTOTUNE)``, ``map(num_parallel_calls=AUTOTUNE)``: accepted, nothing to tune
AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


class OutsideAttributeError(OutsideSubsetError, AttributeError):
    """A dataset's attribute outside the subset: an :class:`OutsideSubsetError` that is also
    an ``AttributeError``, so ``hasattr(ds, name)`` and other probing answer False as they
    would on TensorFlow's datasets."""


class TensorSpec:
    """The shape and dtype of one leaf of a dataset's elements (``Dataset.element_spec``):
    ``None`` where the size varies (the batch dimension of a ``batch`` without
    ``drop_remainder``). Compared by shape, dtype and name."""

    def __init__(self, shape: Any, dtype: Any = np.float32, name: str | None = None) -> None:
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.name = name

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name)
                == (other.shape, other.dtype, other.name))

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self) -> str:
        dtype = "string" if self.dtype.kind in "OSU" else self.dtype.name  # TensorFlow's name
        return f"TensorSpec(shape={self.shape}, dtype=tf.{dtype}, name={self.name!r})"


# -- element structures: an array, a tuple/list of structures, or a dict of them ------------
def _map(f: Callable[[Any], Any], elem: Any) -> Any:
    if isinstance(elem, dict):
        return {k: _map(f, v) for k, v in elem.items()}
    if isinstance(elem, (tuple, list)):
        return tuple(_map(f, v) for v in elem)
    return f(elem)


def _leaves(elem: Any) -> list[Any]:
    if isinstance(elem, dict):
        return [leaf for v in elem.values() for leaf in _leaves(v)]
    if isinstance(elem, (tuple, list)):
        return [leaf for v in elem for leaf in _leaves(v)]
    return [elem]


def _stack(elems: list[Any]) -> Any:
    first = elems[0]
    if isinstance(first, dict):
        return {k: _stack([e[k] for e in elems]) for k in first}
    if isinstance(first, (tuple, list)):
        return tuple(_stack([e[i] for e in elems]) for i in range(len(first)))
    return np.stack([np.asarray(e) for e in elems])


def _plain(leaf: Any) -> Any:
    arr = np.asarray(leaf)
    return arr[()] if arr.ndim == 0 else arr.view(np.ndarray)


class _Meta(type):
    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise OutsideSubsetError(
            f"tf.data.Dataset.{name} is outside glassnet's subset: glassnet's datasets hold "
            f"arrays in memory (from_tensor_slices, from_tensors, range); load files with "
            f"NumPy or pandas and pass the arrays")


class Dataset(metaclass=_Meta):
    """A recipe for a sequence of elements (see the module docstring)."""

    def __init__(self, parent: Dataset | None = None) -> None:
        self._parent = parent

    # -- sources ---------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any) -> Dataset:
        """One element per row of ``tensors``: an array, a tuple ``(X, y)`` or a dict of
        arrays (a pandas DataFrame gives its values; ``dict(df)`` a dict of columns)."""
        return _Slices(tensors)

    @staticmethod
    def from_tensors(tensors: Any) -> Dataset:
        """A dataset of one element: ``tensors`` itself."""
        return _Slices(_map(lambda a: np.asarray(a)[None], tensors))

    @staticmethod
    def range(*args: int) -> Dataset:  # noqa: A003 (TensorFlow's name)
        """``range(stop)`` or ``range(start, stop, step)``: int64 elements."""
        return _Slices(np.arange(*args, dtype=np.int64))

    @staticmethod
    def zip(datasets: Any) -> Dataset:  # noqa: A003 (TensorFlow's name)
        """Elements of several datasets side by side: ``zip((a, b))`` gives ``(x_a, x_b)``,
        as long as the shortest."""
        if isinstance(datasets, Dataset) or not isinstance(datasets, (tuple, list)) \
                or not all(isinstance(d, Dataset) for d in datasets):
            raise ArgumentTypeError(f"datasets: expected a tuple of datasets, got "
                                    f"{type(datasets).__name__}")
        return _Zip(tuple(datasets))

    @staticmethod
    def sample_from_datasets(datasets: Any, weights: Any = None, seed: int | None = None,
                             stop_on_empty_dataset: bool = False,
                             rerandomize_each_iteration: Any = None) -> Dataset:
        """Each element from one of ``datasets``, drawn at random with probabilities
        ``weights`` (equal unless given; normalized). An exhausted dataset drops out of the
        draw (the others' weights renormalized) unless ``stop_on_empty_dataset``, which ends
        there. The draws come from ``seed`` (else glassnet's global seed), new each
        iteration."""
        if not isinstance(datasets, (tuple, list)) or not datasets \
                or not all(isinstance(d, Dataset) for d in datasets):
            raise ArgumentTypeError(f"datasets: expected a list of datasets, got "
                                    f"{type(datasets).__name__}")
        if weights is None:
            w = np.full(len(datasets), 1.0 / len(datasets))
        else:
            try:
                w = np.asarray(weights, dtype=np.float64).reshape(-1)
            except (TypeError, ValueError):
                raise ArgumentTypeError(f"weights: expected {len(datasets)} numbers, got "
                                        f"{weights!r:.80}") from None
            if w.shape != (len(datasets),) or not np.isfinite(w).all() or (w < 0).any() \
                    or w.sum() <= 0:
                raise ConfigError(f"weights: expected {len(datasets)} numbers >= 0, not all "
                                  f"0, got {weights!r:.80}")
        if len({d.batched for d in datasets}) > 1:
            raise ShapeError("datasets: expected all batched or none batched")
        return _Sample(tuple(datasets), w / w.sum(), check_seed(seed, "seed"),
                       _bool(stop_on_empty_dataset, "stop_on_empty_dataset"))

    def concatenate(self, dataset: Dataset) -> Dataset:
        """This dataset's elements, then ``dataset``'s."""
        if not isinstance(dataset, Dataset):
            raise ArgumentTypeError(f"dataset: expected a Dataset, got "
                                    f"{type(dataset).__name__}")
        return _Concatenate(self, dataset)

    # -- transformations --------------------------------------------------------------------
    def batch(self, batch_size: int, drop_remainder: bool = False,
              num_parallel_calls: Any = None, deterministic: Any = None) -> Dataset:
        """Consecutive elements stacked into batches of ``batch_size`` (the last one shorter
        unless ``drop_remainder``)."""
        return _Batch(self, int(check_int(batch_size, "batch_size", minimum=1)),
                      _bool(drop_remainder, "drop_remainder"))

    def shuffle(self, buffer_size: int, seed: int | None = None,
                reshuffle_each_iteration: bool = True) -> Dataset:
        """Elements in random order, drawn through a buffer of ``buffer_size`` (a buffer as
        large as the dataset gives a uniform permutation)."""
        return _Shuffle(self, int(check_int(buffer_size, "buffer_size", minimum=1)),
                        check_seed(seed, "seed"),
                        _bool(reshuffle_each_iteration, "reshuffle_each_iteration"))

    def repeat(self, count: int | None = None) -> Dataset:
        """The dataset ``count`` times (``None`` or -1: forever), each pass a new iteration."""
        if count is not None and count != -1:
            count = int(check_int(count, "count", minimum=0))
        return _Repeat(self, None if count == -1 else count)

    def take(self, count: int) -> Dataset:
        """The first ``count`` elements (-1: all)."""
        return _Take(self, int(check_int(count, "count", minimum=-1)))

    def skip(self, count: int) -> Dataset:
        """All but the first ``count`` elements."""
        return _Skip(self, int(check_int(count, "count", minimum=0)))

    def cache(self, filename: str = "") -> Dataset:
        """The first iteration's elements kept in memory and given again after (a shuffle
        before ``cache`` is then the same every iteration)."""
        if filename:
            raise OutsideSubsetError(
                "Dataset.cache(filename) is outside glassnet's subset: the cache is kept in "
                "memory; call cache() without a file name")
        return _Cache(self)

    def prefetch(self, buffer_size: Any = AUTOTUNE) -> Dataset:
        """Accepted for TensorFlow's pipelines; the data is in memory, nothing to overlap."""
        return _Pass(self)

    def map(self, map_func: Callable[..., Any], num_parallel_calls: Any = None,
            deterministic: Any = None) -> Dataset:
        """``map_func`` applied to each element (a tuple element is passed as arguments)."""
        if not callable(map_func):
            raise ArgumentTypeError(f"map_func: expected a function, got {map_func!r}")
        return _MapDataset(self, map_func)

    def filter(self, predicate: Callable[..., Any]) -> Dataset:
        """The elements for which ``predicate`` is true."""
        if not callable(predicate):
            raise ArgumentTypeError(f"predicate: expected a function, got {predicate!r}")
        return _Filter(self, predicate)

    def unbatch(self) -> Dataset:
        """Each batch split back into its rows."""
        return _Unbatch(self)

    # -- reading ------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Any]:
        for elem in self.raw_elements():
            yield _map(as_tensor, elem)

    def as_numpy_iterator(self) -> Iterator[Any]:
        """The elements with plain NumPy leaves (0-d ones as NumPy scalars)."""
        for elem in self.raw_elements():
            yield _map(_plain, elem)

    def raw_elements(self) -> Iterator[Any]:
        plan = self._plan()
        if plan is not None:
            source = self._source()
            for i in plan:
                yield source.row(int(i))
        else:
            yield from self._elements()

    def cardinality(self) -> Tensor:
        """The number of elements (-1: infinite, -2: unknown), as a 0-d int64 Tensor."""
        return as_tensor(np.asarray(self._count(), dtype=np.int64))

    def __len__(self) -> int:
        n = self._count()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return n

    @property
    def element_spec(self) -> Any:
        """The structure of the elements with a :class:`TensorSpec` per leaf (read from the
        first element: a ``map`` function runs once, as TensorFlow traces it)."""
        first = next(iter(self.raw_elements()), None)
        if first is None:
            raise ShapeError("element_spec: the dataset has no elements to read it from")
        size = self._static_batch()

        def spec(leaf: Any) -> TensorSpec:
            arr = np.asarray(leaf)
            shape = arr.shape if size == 0 else (None if size < 0 else size, *arr.shape[1:])
            return TensorSpec(shape, arr.dtype)

        return _map(spec, first)

    def _static_batch(self) -> int:
        """0: not batched; -1: batched, the size varies; else the fixed batch size."""
        node: Dataset | None = self
        while node is not None and not isinstance(node, (_Batch, _Unbatch)):
            if isinstance(node, (_Zip, _Concatenate, _Sample)):
                return -1 if self.batched else 0
            node = node._parent
        if isinstance(node, _Batch):
            return node.size if node.drop_remainder else -1
        return 0

    @property
    def batched(self) -> bool:
        """Whether the elements are batches (a ``batch`` with no ``unbatch`` after it)."""
        return self._parent.batched if self._parent is not None else False

    # -- for subclasses -----------------------------------------------------------------------
    def _plan(self) -> Array | None:
        """The source rows of one fresh iteration, in order, or None (not index-based)."""
        return None

    def _source(self) -> _Slices:
        assert self._parent is not None
        return self._parent._source()

    def _elements(self) -> Iterator[Any]:
        raise NotImplementedError

    def _count(self) -> int:
        return self._parent._count() if self._parent is not None else UNKNOWN_CARDINALITY

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise OutsideAttributeError(
            f"Dataset.{name} is outside glassnet's subset of tf.data (in-memory datasets: "
            f"batch, shuffle, repeat, take, skip, cache, prefetch, map, filter, unbatch)")

    def __repr__(self) -> str:
        return f"<{type(self).__name__.lstrip('_')}Dataset cardinality={self._count()}>"


def _bool(value: Any, argument: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{argument}: expected True or False, got {value!r}")
    return bool(value)


class _Slices(Dataset):
    def __init__(self, tensors: Any) -> None:
        super().__init__(None)
        if isinstance(tensors, Dataset):
            raise ArgumentTypeError("tensors: expected arrays, a tuple or a dict of arrays, "
                                    "got a Dataset (to pair datasets use Dataset.zip)")
        if tensors is None or isinstance(tensors, (str, bytes)):
            raise ArgumentTypeError(f"tensors: expected arrays, a tuple or a dict of arrays, "
                                    f"got {tensors!r:.80}")
        if hasattr(tensors, "to_numpy") and not isinstance(tensors, dict):
            tensors = tensors.to_numpy()  # a pandas DataFrame or Series
        self.tensors = _slices_of(tensors)
        firsts = {leaf.shape[0] for leaf in _leaves(self.tensors)}
        if len(firsts) != 1:
            raise ShapeError(f"tensors: expected arrays with one number of rows, got "
                             f"{sorted(firsts)}")
        self.n = firsts.pop()

    def _plan(self) -> Array | None:
        return np.arange(self.n)

    def _source(self) -> _Slices:
        return self

    def row(self, i: int) -> Any:
        return _map(lambda a: a[i], self.tensors)

    def rows(self, idx: Any) -> Any:
        return _map(lambda a: a[idx], self.tensors)

    def _count(self) -> int:
        return self.n


def _slices_of(tensors: Any) -> Any:
    """The source arrays of ``from_tensor_slices``: tuples and dicts are structures, a list
    is one array (as TensorFlow converts it), anything else an array."""
    if isinstance(tensors, dict):
        return {k: _slices_of(v) for k, v in tensors.items()}
    if isinstance(tensors, tuple):
        return tuple(_slices_of(v) for v in tensors)
    return _leaf_array(tensors)


def _leaf_array(value: Any) -> Array:
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    arr = np.asarray(value)
    if arr.ndim == 0:
        raise ShapeError("tensors: expected arrays with a first dimension to slice, got a "
                         "scalar")
    if not isinstance(value, np.ndarray):  # Python numbers: TensorFlow's float32 and int32
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        elif arr.dtype == np.int64:
            arr = arr.astype(np.int32)
    return arr


class _Pass(Dataset):
    def _plan(self) -> Array | None:
        assert self._parent is not None
        return self._parent._plan()

    def _elements(self) -> Iterator[Any]:
        assert self._parent is not None
        return self._parent.raw_elements()


class _Shuffle(_Pass):
    def __init__(self, parent: Dataset, buffer_size: int, seed: int | None,
                 reshuffle: bool) -> None:
        super().__init__(parent)
        self.buffer_size = buffer_size
        self.seed = new_seed() if seed is None else seed
        self.reshuffle = reshuffle
        self.iterations = 0

    def _rng(self) -> np.random.Generator:
        k = self.iterations if self.reshuffle else 0
        self.iterations += 1
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(k,)))

    def _plan(self) -> Array | None:
        assert self._parent is not None
        plan = self._parent._plan()
        if plan is None:
            return None
        rng = self._rng()
        if self.buffer_size >= len(plan):
            return plan[rng.permutation(len(plan))]
        return plan[_buffered_order(len(plan), self.buffer_size, rng)]

    def _elements(self) -> Iterator[Any]:
        """The buffer over the parent's stream (which may be endless: ``repeat().shuffle``):
        each element given is drawn uniformly from the buffer and replaced by the next."""
        assert self._parent is not None
        rng = self._rng()
        stream = self._parent.raw_elements()
        buffer = list(itertools.islice(stream, self.buffer_size))
        for elem in stream:
            j = int(rng.integers(len(buffer)))
            yield buffer[j]
            buffer[j] = elem
        for j in rng.permutation(len(buffer)):
            yield buffer[int(j)]


def _buffered_order(n: int, buffer_size: int, rng: np.random.Generator) -> Array:
    """The order a shuffle buffer of ``buffer_size`` gives ``n`` elements: the buffer starts
    with the first ``buffer_size``; each step gives a uniformly drawn element of the buffer
    and puts the next element in its place (index bookkeeping only; the rows are gathered
    afterwards in one ``take``)."""
    picks = rng.random(n)
    buffer = list(range(min(buffer_size, n)))
    nxt = len(buffer)
    out = np.empty(n, dtype=np.int64)
    for k in range(n):
        j = int(picks[k] * len(buffer))
        out[k] = buffer[j]
        if nxt < n:
            buffer[j] = nxt
            nxt += 1
        else:
            buffer[j] = buffer[-1]
            buffer.pop()
    return out


class _Repeat(_Pass):
    def __init__(self, parent: Dataset, count: int | None) -> None:
        super().__init__(parent)
        self.count = count

    def _plan(self) -> Array | None:
        assert self._parent is not None
        if self.count is None:
            return None
        plans = [self._parent._plan() for _ in range(self.count)]
        if any(p is None for p in plans):
            return None
        return (np.concatenate([p for p in plans if p is not None]) if plans
                else np.zeros(0, dtype=np.int64))

    def _elements(self) -> Iterator[Any]:
        assert self._parent is not None
        for _ in (itertools.count() if self.count is None else range(self.count)):
            yield from self._parent.raw_elements()

    def _count(self) -> int:
        assert self._parent is not None
        n = self._parent._count()
        if self.count is None:
            return INFINITE_CARDINALITY if n != 0 else 0
        return n * self.count if n >= 0 else n


class _Take(_Pass):
    def __init__(self, parent: Dataset, count: int) -> None:
        super().__init__(parent)
        self.count = count

    def _plan(self) -> Array | None:
        assert self._parent is not None
        if self._parent._count() == INFINITE_CARDINALITY:
            return None
        plan = self._parent._plan()
        return None if plan is None else (plan if self.count < 0 else plan[:self.count])

    def _elements(self) -> Iterator[Any]:
        assert self._parent is not None
        raw = self._parent.raw_elements()
        return raw if self.count < 0 else itertools.islice(raw, self.count)

    def _count(self) -> int:
        assert self._parent is not None
        n = self._parent._count()
        if self.count < 0:
            return n
        if n == INFINITE_CARDINALITY:
            return self.count
        return min(n, self.count) if n >= 0 else n


class _Skip(_Pass):
    def __init__(self, parent: Dataset, count: int) -> None:
        super().__init__(parent)
        self.count = count

    def _plan(self) -> Array | None:
        plan = super()._plan()
        return None if plan is None else plan[self.count:]

    def _elements(self) -> Iterator[Any]:
        assert self._parent is not None
        return itertools.islice(self._parent.raw_elements(), self.count, None)

    def _count(self) -> int:
        assert self._parent is not None
        n = self._parent._count()
        return max(0, n - self.count) if n >= 0 else n


class _Cache(_Pass):
    def __init__(self, parent: Dataset) -> None:
        super().__init__(parent)
        self.stored_plan: Array | None = None
        self.stored: list[Any] | None = None

    def _plan(self) -> Array | None:
        if self.stored_plan is None and self.stored is None:
            self.stored_plan = super()._plan()
        return self.stored_plan

    def _elements(self) -> Iterator[Any]:
        if self.stored is None:
            items = []
            for elem in super()._elements():
                items.append(elem)
                yield elem
            self.stored = items
        else:
            yield from self.stored


class _MapDataset(Dataset):
    def __init__(self, parent: Dataset, func: Callable[..., Any]) -> None:
        super().__init__(parent)
        self.func = func

    def _elements(self) -> Iterator[Any]:
        assert self._parent is not None
        for elem in self._parent.raw_elements():
            elem = _map(as_tensor, elem)
            yield self.func(*elem) if isinstance(elem, tuple) else self.func(elem)


class _Filter(_MapDataset):
    def _elements(self) -> Iterator[Any]:
        assert self._parent is not None
        for elem in self._parent.raw_elements():
            args = _map(as_tensor, elem)
            keep = self.func(*args) if isinstance(args, tuple) else self.func(args)
            if bool(np.asarray(keep)):
                yield elem

    def _count(self) -> int:
        return UNKNOWN_CARDINALITY


class _Batch(Dataset):
    def __init__(self, parent: Dataset, size: int, drop_remainder: bool) -> None:
        super().__init__(parent)
        self.size = size
        self.drop_remainder = drop_remainder

    @property
    def batched(self) -> bool:
        return True

    def _elements(self) -> Iterator[Any]:
        assert self._parent is not None
        plan = self._parent._plan() if self._parent._count() != INFINITE_CARDINALITY else None
        if plan is not None:
            source = self._parent._source()
            for start in range(0, len(plan), self.size):
                idx = plan[start:start + self.size]
                if len(idx) < self.size and self.drop_remainder:
                    return
                yield source.rows(idx)
            return
        chunk: list[Any] = []
        for elem in self._parent.raw_elements():
            chunk.append(elem)
            if len(chunk) == self.size:
                yield _stack(chunk)
                chunk = []
        if chunk and not self.drop_remainder:
            yield _stack(chunk)

    def _count(self) -> int:
        assert self._parent is not None
        n = self._parent._count()
        if n < 0:
            return n
        return n // self.size if self.drop_remainder else math.ceil(n / self.size)


def _row_of(i: int) -> Callable[[Any], Any]:
    def row(a: Any) -> Any:
        return a[i]

    return row


class _Unbatch(Dataset):
    @property
    def batched(self) -> bool:
        return False

    def _elements(self) -> Iterator[Any]:
        assert self._parent is not None
        for batch in self._parent.raw_elements():
            n = _leaves(batch)[0].shape[0]
            for i in range(n):
                yield _map(_row_of(i), batch)

    def _count(self) -> int:
        return UNKNOWN_CARDINALITY


class _Zip(Dataset):
    def __init__(self, datasets: tuple[Dataset, ...]) -> None:
        super().__init__(None)
        self.datasets = datasets

    @property
    def batched(self) -> bool:
        return all(d.batched for d in self.datasets)

    def _elements(self) -> Iterator[Any]:
        return zip(*(d.raw_elements() for d in self.datasets))  # noqa: B905 (the shortest, as TF)

    def _count(self) -> int:
        counts = [d._count() for d in self.datasets]
        finite = [c for c in counts if c >= 0]
        if finite:
            return min(finite)
        return UNKNOWN_CARDINALITY if UNKNOWN_CARDINALITY in counts else INFINITE_CARDINALITY


class _Sample(Dataset):
    def __init__(self, datasets: tuple[Dataset, ...], weights: Array, seed: int | None,
                 stop: bool) -> None:
        super().__init__(None)
        self.datasets, self.weights, self.stop = datasets, weights, stop
        self.seed = new_seed() if seed is None else seed
        self.iterations = 0

    @property
    def batched(self) -> bool:
        return self.datasets[0].batched

    def _elements(self) -> Iterator[Any]:
        rng = np.random.default_rng(np.random.SeedSequence(self.seed,
                                                           spawn_key=(self.iterations,)))
        self.iterations += 1
        streams = [d.raw_elements() for d in self.datasets]
        live = np.ones(len(streams), dtype=bool)
        while live.any():
            p = np.where(live, self.weights, 0.0)
            if p.sum() <= 0:  # only weight-0 datasets are left: nothing more is drawn
                return
            i = int(rng.choice(len(streams), p=p / p.sum()))
            elem = next(streams[i], _END)
            if elem is _END:
                if self.stop:
                    return
                live[i] = False
                continue
            yield elem

    def _count(self) -> int:
        counts = [d._count() for d in self.datasets]
        if all(c == INFINITE_CARDINALITY for c in counts):
            return INFINITE_CARDINALITY
        return UNKNOWN_CARDINALITY


_END = object()


class _Concatenate(Dataset):
    def __init__(self, first: Dataset, second: Dataset) -> None:
        super().__init__(first)
        self.second = second

    def _elements(self) -> Iterator[Any]:
        assert self._parent is not None
        yield from self._parent.raw_elements()
        yield from self.second.raw_elements()

    def _count(self) -> int:
        assert self._parent is not None
        a, b = self._parent._count(), self.second._count()
        if INFINITE_CARDINALITY in (a, b):
            return INFINITE_CARDINALITY
        return a + b if a >= 0 and b >= 0 else UNKNOWN_CARDINALITY


# -- what fit, evaluate and predict read ------------------------------------------------------
def split_xy(elem: Any, where: str) -> tuple[Any, Any]:
    """A dataset element as ``(x, y)``; ``y`` is None for an element of inputs only."""
    if isinstance(elem, dict):
        raise OutsideSubsetError(
            f"{where}: a dataset of named inputs (dicts) is outside glassnet's subset (it "
            f"feeds Keras' functional models); give (x, y) pairs of arrays")
    if isinstance(elem, (tuple, list)):
        if len(elem) == 2:
            return elem[0], elem[1]
        if len(elem) == 1:
            return elem[0], None
        if len(elem) == 3:
            raise OutsideSubsetError(
                f"{where}: (x, y, sample_weight) elements are outside glassnet's subset of "
                f"tf.data; pass arrays to fit(x, y, sample_weight=...) instead")
        raise ConfigError(f"{where}: expected elements (x, y), got tuples of {len(elem)}")
    return elem, None


def batches_of(dataset: Dataset, where: str) -> list[tuple[Any, Any]]:
    """One iteration of ``dataset`` as a list of ``(x, y)`` batches (plain arrays)."""
    if dataset._count() == INFINITE_CARDINALITY:
        raise ConfigError(
            f"{where}: the dataset repeats forever; give repeat() a count, or take(n)")
    out = [split_xy(elem, where) for elem in dataset.raw_elements()]
    if not out:
        raise ShapeError(f"{where}: the dataset has no elements")
    return out


def concat_batches(batches: list[tuple[Any, Any]], where: str) -> tuple[Array, Array | None]:
    """The batches' inputs (and targets, when every batch has them) as two arrays."""
    xs = [np.asarray(x) for x, _ in batches]
    if any(x.ndim == 0 for x in xs):
        raise ShapeError(f"{where}: expected batches of examples, got scalars")
    ys = [y for _, y in batches]
    x = np.concatenate(xs) if len(xs) > 1 else xs[0]
    if any(y is None for y in ys):
        return x, None
    yarr = [np.asarray(y) for y in ys]
    return x, (np.concatenate(yarr) if len(yarr) > 1 else yarr[0])
