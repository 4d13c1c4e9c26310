"""Load your own data: numeric CSV files and NumPy ``.npz`` / ``.npy`` files.

Only the Python standard library and NumPy are used (no pandas needed). Pickles are never
loaded: ``np.load`` always runs with ``allow_pickle=False``, so a file holding Python objects
is refused with a :class:`~glassnet.errors.DataError` instead of running code from it.
"""

from __future__ import annotations

import csv
import math
import os
import zipfile
from typing import Any, Literal

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ..errors import ArgumentTypeError, ConfigError, DataError, ShapeError
from .builtin import _check_float_dtype, _check_int

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
        raise FileNotFoundError(f"{argument}: no such file: {text!r}")
    return text


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


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
        The CSV file. Blank lines are skipped; every other line must have the same number
        of cells, each a finite number.
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
    file order; ``y`` of shape ``(m,)``, int64 when every label is a whole number, otherwise
    ``dtype``.

    Errors
    ------
    FileNotFoundError if the file is missing; DataError naming the file, the line number
    and the column for a cell that is not a finite number or a line of the wrong length.
    """
    file = _check_path(path)
    float_dtype = _check_float_dtype(dtype, "dtype")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ConfigError(f"delimiter: expected a single character, got {delimiter!r}")
    if not (isinstance(header, bool) or (isinstance(header, str) and header == "infer")):
        raise ConfigError(f"header: expected 'infer', True or False, got {header!r}")
    if not isinstance(label_column, str):
        label_column = _check_int(label_column, "label_column")

    rows: list[tuple[int, list[str]]] = []
    with open(file, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        for row in reader:
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            rows.append((reader.line_num, cells))
    if not rows:
        raise DataError(f"{file}: the file holds no data")

    first_line, first = rows[0]
    has_header = not all(_is_number(cell) for cell in first) if header == "infer" else bool(header)
    names: list[str] | None = first if has_header else None
    data_rows = rows[1:] if has_header else rows
    if not data_rows:
        raise DataError(f"{file}: the file holds a header (line {first_line}) but no data rows")

    n_columns = len(first)
    if n_columns < 2:
        raise DataError(
            f"{file}: expected at least 2 columns (features and a label), "
            f"got {n_columns} on line {first_line}"
        )

    def describe(j: int) -> str:
        return f"column {j} ({names[j]!r})" if names is not None else f"column {j}"

    values = np.empty((len(data_rows), n_columns), dtype=np.float64)
    for i, (line, cells) in enumerate(data_rows):
        if len(cells) != n_columns:
            raise DataError(
                f"{file}: line {line}: expected {n_columns} cells (like line {first_line}), "
                f"got {len(cells)}"
            )
        for j, cell in enumerate(cells):
            try:
                number = float(cell)
            except ValueError:
                raise DataError(
                    f"{file}: line {line}, {describe(j)}: expected a number, got {cell!r}"
                ) from None
            if not math.isfinite(number):
                raise DataError(
                    f"{file}: line {line}, {describe(j)}: expected a finite number, got {cell!r}"
                )
            values[i, j] = number

    if isinstance(label_column, str):
        if names is None:
            raise ConfigError(
                f"label_column: {label_column!r} is a column name but {file} has no header row "
                "(pass the column's index instead)"
            )
        if label_column not in names:
            raise ConfigError(
                f"label_column: expected one of the header names {names}, got {label_column!r}"
            )
        label_index = names.index(label_column)
    else:
        if not -n_columns <= label_column < n_columns:
            raise ConfigError(
                f"label_column: expected an index in [{-n_columns}, {n_columns - 1}] "
                f"for {n_columns} columns, got {label_column}"
            )
        label_index = label_column % n_columns

    X = np.delete(values, label_index, axis=1).astype(float_dtype)
    labels = values[:, label_index]
    if np.all(labels == np.round(labels)):
        y: NDArray[Any] = labels.astype(np.int64)
    else:
        y = labels.astype(float_dtype)
    return X, y


def _numeric(array: NDArray[Any], file: str, key: str) -> NDArray[Any]:
    if array.dtype.kind not in "biuf":
        raise DataError(f"{file}: array {key!r} must hold numbers, got dtype {array.dtype}")
    return array


def _load(file: str, loader: Any) -> Any:
    try:
        return loader()
    except ValueError as exc:
        text = str(exc).lower()
        if "pickle" in text or "object arrays" in text:
            raise DataError(
                f"{file} contains Python objects; glassnet never loads pickles "
                "(save plain numeric arrays with numpy.savez)"
            ) from None
        raise DataError(f"{file}: not a readable .npy/.npz file: {exc}") from exc
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{file}: not a readable .npy/.npz file: {exc}") from exc


def load_arrays(
    path: PathLike,
    *,
    x_key: str = "X",
    y_key: str | None = "y",
    mmap_mode: str | None = None,
) -> tuple[NDArray[Any], NDArray[Any] | None]:
    """Load arrays saved with NumPy, never unpickling anything.

    - A ``.npz`` archive (``numpy.savez(path, X=X, y=y)``) gives ``(archive[x_key],
      archive[y_key])``; with ``y_key=None`` the labels are not read and ``y`` is None.
    - A ``.npy`` file (``numpy.save``) holds one array and gives ``(X, None)``.

    Both arrays must hold numbers, and ``X`` and ``y`` must have the same number of rows.
    A file containing Python objects (object arrays, pickles) raises DataError; a missing
    key raises DataError listing the keys the archive does hold.

    ``mmap_mode="r"`` maps a ``.npy`` file instead of reading it (as ``np.load``): ``fit`` and
    populations then read it one batch at a time (archives are always read).
    """
    file = _check_path(path)
    if not isinstance(x_key, str):
        raise ArgumentTypeError(f"x_key: expected a str, got {type(x_key).__name__}")
    if y_key is not None and not isinstance(y_key, str):
        raise ArgumentTypeError(f"y_key: expected a str or None, got {type(y_key).__name__}")

    if mmap_mode not in (None, "r", "c"):
        raise ArgumentTypeError(f"mmap_mode: expected None, 'r' or 'c', got {mmap_mode!r}")
    loaded = _load(file, lambda: np.load(file, allow_pickle=False,
                                             mmap_mode=mmap_mode))  # type: ignore[arg-type]
    if isinstance(loaded, np.ndarray):
        return _numeric(loaded, file, "array"), None

    with loaded as archive:
        wanted = [x_key] if y_key is None else [x_key, y_key]
        missing = [key for key in wanted if key not in archive.files]
        if missing:
            raise DataError(
                f"{file}: no array named {', '.join(repr(k) for k in missing)}; "
                f"the archive holds {sorted(archive.files)} "
                "(choose them with x_key= and y_key=)"
            )
        X = _numeric(_load(file, lambda: archive[x_key]), file, x_key)
        if y_key is None:
            return X, None
        y = _numeric(_load(file, lambda: archive[y_key]), file, y_key)
    if X.ndim == 0 or y.ndim == 0 or X.shape[0] != y.shape[0]:
        raise ShapeError(
            f"{file}: X ({x_key!r}, shape {X.shape}) and y ({y_key!r}, shape {y.shape}) "
            "must have the same number of rows"
        )
    return X, y
