"""Load your own data: numeric CSV files and NumPy ``.npz`` / ``.npy`` files.

Only the Python standard library and NumPy are used (no pandas needed). Pickles are never
loaded: ``.npy``/``.npz`` files are read by :mod:`glassnet.io`'s checked reader (headers parsed
and checked against the file's real size before anything is allocated), so a file holding
Python objects is refused with a :class:`~glassnet.errors.DataError` instead of running code.
"""

from __future__ import annotations

import csv
import math
import os
import re
from typing import Any, Literal

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ..checks import check_float_dtype, check_int
from ..errors import ArgumentTypeError, ConfigError, DataError, MissingFileError, ShapeError
from ..io import NPY_MAGIC, NpzReader, read_magic, read_npy_file

__all__ = ["load_arrays", "load_csv"]

PathLike = str | os.PathLike[str]


def _check_path(path: object, argument: str = "path") -> str:
    if not isinstance(path, str | os.PathLike):
        raise ArgumentTypeError(
            f"{argument}: expected a file path (str or os.PathLike), got {type(path).__name__}"
        )
    text = os.fspath(path)
    if not isinstance(text, str):
        raise ArgumentTypeError(f"{argument}: expected a text path, got {text!r}")
    if not os.path.exists(text):
        raise MissingFileError(f"{argument}: no such file: {text!r}")
    return text


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


_INT64 = (-(2**63), 2**63 - 1)
_CHUNK_ROWS = 4096
_INTEGER = re.compile(r"[+-]?[0-9]+")


class _Columns:
    """The rows read so far, in float64 chunks (memory: 8 bytes a cell, never Python
    objects per cell), with each row's line number and its label as an exact int."""

    def __init__(self, n_columns: int) -> None:
        self.n_columns = n_columns
        self.chunks: list[NDArray[np.float64]] = []
        self.int_chunks: list[NDArray[np.int64]] = []
        self.line_chunks: list[NDArray[np.int64]] = []
        self.k = _CHUNK_ROWS
        self.all_int = True  # every label cell so far is an integer literal

    def add(self, line: int, values: list[float], label_int: int | None) -> None:
        if self.k == _CHUNK_ROWS:
            self.chunks.append(np.empty((_CHUNK_ROWS, self.n_columns), dtype=np.float64))
            self.int_chunks.append(np.zeros(_CHUNK_ROWS, dtype=np.int64))
            self.line_chunks.append(np.empty(_CHUNK_ROWS, dtype=np.int64))
            self.k = 0
        self.chunks[-1][self.k] = values
        self.line_chunks[-1][self.k] = line
        if label_int is None:
            self.all_int = False
        else:
            self.int_chunks[-1][self.k] = label_int
        self.k += 1

    def collect(self) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
        """All rows so far: (values (m, n_columns), exact int labels (m,), lines (m,))."""
        if not self.chunks:
            return (np.empty((0, self.n_columns)), np.empty(0, np.int64),
                    np.empty(0, np.int64))
        k = self.k

        def join(chunks: list[Any]) -> Any:
            out = np.concatenate([*chunks[:-1], chunks[-1][:k]])
            chunks.clear()
            return out

        return join(self.chunks), join(self.int_chunks), join(self.line_chunks)


def _cell_number(cell: str, file: str, line: int, where: str) -> float:
    try:
        number = float(cell)
    except ValueError:
        raise DataError(f"{file}: line {line}, {where}: expected a number, "
                        f"got {cell[:40]!r}") from None
    if not math.isfinite(number):
        raise DataError(f"{file}: line {line}, {where}: expected a finite number, "
                        f"got {cell[:40]!r}")
    return number


def _label_int(cell: str, file: str, line: int, where: str) -> int | None:
    """The label cell as an exact int when it is an integer literal (else None)."""
    if not _INTEGER.fullmatch(cell):
        return None
    value = int(cell) if len(cell) <= 25 else None
    if value is None or not _INT64[0] <= value <= _INT64[1]:
        raise DataError(
            f"{file}: line {line}, {where}: the label {cell[:40]} is a whole number beyond "
            "the int64 range (-2**63 .. 2**63-1) that class labels use")
    return value


def load_csv(
    path: PathLike,
    *,
    label_column: int | str = -1,
    header: bool | Literal["infer"] = "infer",
    delimiter: str = ",",
    dtype: DTypeLike = "float32",
) -> tuple[NDArray[Any], NDArray[Any]]:
    """Read a numeric CSV file into features ``X`` and labels ``y``.

    Parameters
    ----------
    path:
        The CSV file (UTF-8 text). Blank lines are skipped; every other line must have the
        same number of cells, each a finite number.
    label_column:
        Which column holds the labels: an index (``-1``, the default, is the last column)
        or a name from the header row.
    header:
        ``"infer"`` (default): the first line is a header if any of its cells is not a
        number. ``True``: the first line is a header. ``False``: there is no header.
    delimiter:
        The one-character cell separator.
    dtype:
        Floating dtype of ``X`` (default float32).

    Returns
    -------
    ``(X, y)``: ``X`` of shape ``(m, n)`` holding every column except the label column, in
    file order; ``y`` of shape ``(m,)``: int64 when every label is written as an integer or
    is a whole number below 2**53 in size, otherwise ``dtype``.

    Errors
    ------
    FileNotFoundError if the file is missing; DataError naming the file, the line number
    and the column for a cell that is not a finite number, a value beyond the range of
    ``dtype`` (float32 ends near 3.4e38), an integer label beyond int64, a line of the wrong
    length, or text that is not UTF-8. Memory grows with the file's content: about 8 bytes
    a cell while reading.
    """
    file = _check_path(path)
    float_dtype = check_float_dtype(dtype, "dtype")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ConfigError(f"delimiter: expected a single character, got {delimiter!r}")
    if not (isinstance(header, bool) or (isinstance(header, str) and header == "infer")):
        raise ConfigError(f"header: expected 'infer', True or False, got {header!r}")
    if not isinstance(label_column, str):
        label_column = check_int(label_column, "label_column", minimum=-(2**63))
    try:
        with open(file, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, delimiter=delimiter, strict=True)
            return _read_csv(reader, file, label_column, header, np.dtype(float_dtype))
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{file}: line {reader.line_num + 1} (or near it) is not UTF-8 text: byte "
            f"{exc.object[exc.start:exc.start + 1]!r} cannot be decoded; save the file as UTF-8"
        ) from None
    except csv.Error as exc:
        raise DataError(f"{file}: line {reader.line_num}: not readable as CSV: {exc}") from None
    except OSError as exc:
        raise DataError(f"{file}: cannot be read: {exc}") from None


def _read_csv(reader: Any, file: str, label_column: int | str,
              header: bool | str, float_dtype: np.dtype[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    first: list[str] | None = None
    first_line = 0
    names: list[str] | None = None
    columns: _Columns | None = None
    label_index = 0

    def describe(j: int) -> str:
        return f"column {j} ({names[j][:40]!r})" if names is not None else f"column {j}"

    for row in reader:
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        line = reader.line_num
        if first is None:
            first, first_line = cells, line
            n_columns = len(first)
            if n_columns < 2:
                raise DataError(
                    f"{file}: expected at least 2 columns (features and a label), "
                    f"got {n_columns} on line {first_line}"
                )
            has_header = (not all(_is_number(cell) for cell in first) if header == "infer"
                          else bool(header))
            names = first if has_header else None
            label_index = _label_index(label_column, names, n_columns, file)
            columns = _Columns(n_columns)
            if has_header:
                continue
        if columns is None:  # not reached: the first row sets it
            raise DataError(f"{file}: line {line}: no column layout")
        if len(cells) != columns.n_columns:
            raise DataError(
                f"{file}: line {line}: expected {columns.n_columns} cells (like line "
                f"{first_line}), got {len(cells)}"
            )
        values = [_cell_number(cell, file, line, describe(j)) for j, cell in enumerate(cells)]
        label = _label_int(cells[label_index], file, line, describe(label_index))
        columns.add(line, values, label)

    if first is None or columns is None:
        raise DataError(f"{file}: the file holds no data")
    values_all, label_ints, lines = columns.collect()
    if values_all.shape[0] == 0:
        raise DataError(f"{file}: the file holds a header (line {first_line}) but no data rows")

    X64 = np.delete(values_all, label_index, axis=1)
    X = _narrow(X64, float_dtype, file, lines, [j for j in range(columns.n_columns)
                                                if j != label_index], describe)
    labels = values_all[:, label_index]
    if columns.all_int:
        y: NDArray[Any] = label_ints
    elif np.all(labels == np.round(labels)) and np.all(np.abs(labels) < 2.0**53):
        y = labels.astype(np.int64)
    else:
        y = _narrow(labels[:, None], float_dtype, file, lines, [label_index], describe)[:, 0]
    return X, y


def _label_index(label_column: int | str, names: list[str] | None, n_columns: int,
                 file: str) -> int:
    if isinstance(label_column, str):
        if names is None:
            raise ConfigError(
                f"label_column: {label_column!r} is a column name but {file} has no header row "
                "(pass the column's index instead)"
            )
        if label_column not in names:
            raise ConfigError(
                f"label_column: expected one of the header names {names[:50]}, "
                f"got {label_column!r}"
            )
        return names.index(label_column)
    if not -n_columns <= label_column < n_columns:
        raise ConfigError(
            f"label_column: expected an index in [{-n_columns}, {n_columns - 1}] "
            f"for {n_columns} columns, got {label_column}"
        )
    return label_column % n_columns


def _narrow(values: NDArray[np.float64], dtype: np.dtype[Any], file: str,
            lines: NDArray[np.int64], column_ids: list[int],
            describe: Any) -> NDArray[Any]:
    """``values`` in ``dtype``; a DataError naming the first cell beyond its range."""
    if dtype == np.float64:
        return values
    limit = float(np.finfo(dtype).max)
    too_big = np.abs(values) > limit
    if too_big.any():
        i, j = np.argwhere(too_big)[0]
        raise DataError(
            f"{file}: line {int(lines[i])}, {describe(column_ids[j])}: {values[i, j]:.6g} is "
            f"beyond the range of {dtype} (about {limit:.3g}); pass dtype='float64'"
        )
    return values.astype(dtype)


def load_arrays(
    path: PathLike,
    *,
    x_key: str = "X",
    y_key: str | None = "y",
    mmap_mode: str | None = None,
) -> tuple[NDArray[Any], NDArray[Any] | None]:
    """Load arrays saved with NumPy, never unpickling anything.

    - A ``.npz`` archive (``numpy.savez(path, X=X, y=y)`` or ``savez_compressed``) gives
      ``(archive[x_key], archive[y_key])``; with ``y_key=None`` the labels are not read and
      ``y`` is None.
    - A ``.npy`` file (``numpy.save``) holds one array and gives ``(X, None)``.

    Both arrays must hold real numbers (bool, int, float), and ``X`` and ``y`` must have the
    same number of rows. Every problem with the file raises DataError naming it: Python
    objects (pickles), complex numbers, a missing key (the message lists the keys there
    are), a damaged archive, or an array whose declared shape needs more bytes than the file
    holds (checked before anything is allocated, so memory follows the file's real content).

    ``mmap_mode="r"`` maps a ``.npy`` file instead of reading it (as ``np.load``), once its
    header has been checked against the file's size: ``fit`` and populations then read it
    one batch at a time (archives are always read).
    """
    file = _check_path(path)
    if not isinstance(x_key, str):
        raise ArgumentTypeError(f"x_key: expected a str, got {type(x_key).__name__}")
    if y_key is not None and not isinstance(y_key, str):
        raise ArgumentTypeError(f"y_key: expected a str or None, got {type(y_key).__name__}")
    if mmap_mode not in (None, "r", "c"):
        raise ArgumentTypeError(f"mmap_mode: expected None, 'r' or 'c', got {mmap_mode!r}")
    head = read_magic(file, file, DataError, "is not a regular file (not a .npy or .npz file)")
    if head == NPY_MAGIC:
        return read_npy_file(file, error=DataError, mmap_mode=mmap_mode), None
    if not head.startswith(b"PK"):
        raise DataError(f"{file}: not a .npy or .npz file (it starts with {head!r})")

    with NpzReader(file, DataError) as archive:
        wanted = [x_key] if y_key is None else [x_key, y_key]
        missing = [key for key in wanted if key not in archive.files]
        if missing:
            raise DataError(
                f"{file}: no array named {', '.join(repr(k) for k in missing)}; "
                f"the archive holds {sorted(archive.files)[:50]} "
                "(choose them with x_key= and y_key=)"
            )
        X = archive[x_key]  # NpzReader gives plain numbers only (bool, int, float)
        if y_key is None:
            return X, None
        y = archive[y_key]
    if X.ndim == 0 or y.ndim == 0 or X.shape[0] != y.shape[0]:
        raise ShapeError(
            f"{file}: X ({x_key!r}, shape {X.shape}) and y ({y_key!r}, shape {y.shape}) "
            "must have the same number of rows"
        )
    return X, y
