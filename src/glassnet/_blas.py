"""Two BLAS routines of NumPy's own OpenBLAS, reached with ``ctypes``.

NumPy's matrix product always writes a fresh result. Two steps of training can do better by
calling BLAS directly, in the same library and on the same thread pool NumPy uses:

- ``axpy(p, alpha, x)``: ``p += alpha x`` in one pass (an optimizer step), where
  ``np.multiply`` into a scratch array and ``p += scratch`` are two single-threaded passes;
- ``gemm_at_b_acc(a, b, c, alpha)``: ``c += alpha a.T @ b`` in one product (plain SGD's
  ``W -= eta x.T @ grad_z``): BLAS ``gemm`` with ``beta = 1`` accumulates into ``W`` itself,
  so no gradient array is written and read back.

The library is the OpenBLAS that NumPy's wheels bundle (``numpy.libs`` on Linux and
Windows, ``numpy/.dylibs`` on macOS), opened with ``RTLD_NOLOAD`` where the platform has it,
so only a copy NumPy has already loaded is used (a second copy would start a second thread
pool fighting the first for the cores). Every routine is checked on a small example against
NumPy before first use. Where none is found or a check fails (another NumPy build), the
functions return ``False`` and the caller does the same arithmetic with NumPy.
"""

from __future__ import annotations

import ctypes
import glob
import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

__all__ = ["available", "axpy", "gemm_at_b_acc"]

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112

# dtype -> routine; None until the first call looks the library up
_axpy_fns: dict[np.dtype[Any], Any] | None = None
_gemm_fns: dict[np.dtype[Any], Any] | None = None


def _numpy_openblas() -> list[ctypes.CDLL]:
    here = os.path.dirname(np.__file__)
    paths = sorted(glob.glob(os.path.join(here, os.pardir, "numpy.libs", "*openblas*"))
                   + glob.glob(os.path.join(here, ".dylibs", "*openblas*")))
    mode = getattr(os, "RTLD_NOLOAD", 0) | ctypes.DEFAULT_MODE
    libs = []
    for path in paths:
        try:
            libs.append(ctypes.CDLL(path, mode=mode))
        except OSError:
            continue
    return libs


def _symbol(lib: ctypes.CDLL, letter: str, routine: str) -> tuple[Any, Any] | None:
    """The CBLAS routine and its integer type (64-bit interface first)."""
    for name, c_int in ((f"scipy_cblas_{letter}{routine}64_", ctypes.c_int64),
                        (f"cblas_{letter}{routine}64_", ctypes.c_int64),
                        (f"scipy_cblas_{letter}{routine}", ctypes.c_int),
                        (f"cblas_{letter}{routine}", ctypes.c_int)):
        fn = getattr(lib, name, None)
        if fn is not None:
            return fn, c_int
    return None


_KINDS = ((np.dtype(np.float32), ctypes.c_float, "s"), (np.dtype(np.float64), ctypes.c_double, "d"))


def _load() -> None:
    global _axpy_fns, _gemm_fns
    _axpy_fns, _gemm_fns = {}, {}
    for lib in _numpy_openblas():
        for dtype, c_real, letter in _KINDS:
            found = _symbol(lib, letter, "axpy")
            if found is not None and dtype not in _axpy_fns:
                fn, c_int = found
                fn.argtypes = [c_int, c_real, ctypes.c_void_p, c_int, ctypes.c_void_p, c_int]
                fn.restype = None
                x = np.arange(1, 6, dtype=dtype)
                y = np.full(5, 10, dtype=dtype)
                fn(5, -0.5, x.ctypes.data, 1, y.ctypes.data, 1)
                if np.array_equal(y, 10 - 0.5 * np.arange(1, 6)):
                    _axpy_fns[dtype] = fn
            found = _symbol(lib, letter, "gemm")
            if found is not None and dtype not in _gemm_fns:
                fn, c_int = found
                fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, c_int, c_int, c_int,
                               c_real, ctypes.c_void_p, c_int, ctypes.c_void_p, c_int,
                               c_real, ctypes.c_void_p, c_int]
                fn.restype = None
                _gemm_fns[dtype] = fn
                a: Array = np.linspace(0.0, 2.75, 12).reshape(4, 3).astype(dtype)
                b: Array = np.arange(-3.0, 5.0).reshape(4, 2).astype(dtype)
                c: Array = np.ones((3, 2), dtype=dtype)
                expected = c - 0.5 * (a.T @ b)
                if not (gemm_at_b_acc(a, b, c, -0.5) and np.allclose(c, expected)):
                    del _gemm_fns[dtype]
        if _axpy_fns or _gemm_fns:
            break


def available(dtype: Any) -> bool:
    """Whether both routines run through NumPy's BLAS for arrays of ``dtype``."""
    if _gemm_fns is None:
        _load()
    assert _axpy_fns is not None and _gemm_fns is not None
    d = np.dtype(dtype)
    return d in _axpy_fns and d in _gemm_fns


def axpy(p: Array, alpha: float, x: Array) -> bool:
    """``p += alpha x`` in place through BLAS; ``False`` (nothing done) when BLAS cannot
    take these arrays: another dtype, different shapes, or not C-contiguous."""
    if _axpy_fns is None:
        _load()
    assert _axpy_fns is not None
    fn = _axpy_fns.get(p.dtype)
    if (fn is None or x.dtype != p.dtype or x.shape != p.shape
            or not (p.flags.c_contiguous and x.flags.c_contiguous)):
        return False
    fn(p.size, alpha, x.ctypes.data, 1, p.ctypes.data, 1)
    return True


def _row_major(a: Array) -> bool:
    """Rows of contiguous elements, any row stride of at least one row (BLAS ``ld``)."""
    return (a.ndim == 2 and a.strides[1] == a.itemsize and a.strides[0] % a.itemsize == 0
            and a.strides[0] >= a.shape[1] * a.itemsize)


def gemm_at_b_acc(a: Array, b: Array, c: Array, alpha: float) -> bool:
    """``c += alpha a.T @ b`` in place with one BLAS ``gemm`` (``beta = 1``).

    ``a`` is ``(k, m)``, ``b`` is ``(k, n)``, ``c`` is ``(m, n)`` and C-contiguous. Returns
    ``False`` (nothing done) when BLAS cannot take these arrays (dtype, layout, shapes).
    """
    if _gemm_fns is None:
        _load()
    assert _gemm_fns is not None
    fn = _gemm_fns.get(c.dtype)
    if (fn is None or a.dtype != c.dtype or b.dtype != c.dtype or c.ndim != 2
            or not c.flags.c_contiguous or not (_row_major(a) and _row_major(b))):
        return False
    k, m = a.shape
    if b.shape != (k, c.shape[1]) or c.shape[0] != m or k == 0:
        return False
    n = c.shape[1]
    size = c.itemsize
    fn(_ROW_MAJOR, _TRANS, _NO_TRANS, m, n, k, alpha, a.ctypes.data, max(a.strides[0] // size, 1),
       b.ctypes.data, max(b.strides[0] // size, 1), 1.0, c.ctypes.data, max(n, 1))
    return True
