"""Timing helpers: best-of-N wall-clock times, matrix-multiply rates, matmul-only ceilings.

The machine is shared, so every figure is the best (shortest) of several repeats: the run
least disturbed by other work, which is the closest to what the code itself costs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

#: pause before each timed epoch so that the previous library's BLAS/OpenMP worker threads,
#: which spin for a while after their last task, are asleep when the next one starts
SETTLE_S = 0.1


def best_seconds(fn: Callable[[], Any], repeats: int, inner: int = 1) -> float:
    """The shortest of ``repeats`` timings of ``inner`` back-to-back calls, per call."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - t0) / inner)
    return best


def matmul_probe(dtype: str, n: int = 1024, inner: int = 5) -> Callable[[], float]:
    """A function returning the best of ``inner`` timings of one ``n x n`` product (seconds).

    The machine's rate is ``2 n^3`` over the best time seen across all calls of it.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    c = np.empty((n, n), dtype=dtype)
    np.matmul(a, b, out=c)
    return lambda: best_seconds(lambda: np.matmul(a, b, out=c), inner)


def _products_step(lib: Any, acts: list[Any], Ws: list[Any]) -> Callable[[], None]:
    """One step's matrix products with ``lib.matmul`` (``lib`` is ``numpy`` or ``torch``), all
    written into preallocated outputs: forward ``z = x W`` per layer, backward
    ``grad_W = x^T grad_z`` per layer and ``grad_x = grad_z W^T`` for every layer but the
    first."""
    matmul = lib.matmul
    gWs = [lib.empty_like(W) for W in Ws]
    gxs = [lib.empty_like(a) for a in acts[:-1]]

    def step() -> None:
        for i, W in enumerate(Ws):
            matmul(acts[i], W, out=acts[i + 1])
        for i in range(len(Ws) - 1, -1, -1):
            matmul(acts[i].T, acts[i + 1], out=gWs[i])
            if i > 0:
                matmul(acts[i + 1], Ws[i].T, out=gxs[i])

    step()
    return step


def numpy_step_probe(sizes: tuple[int, ...], batch: int, dtype: str = "float32",
                     inner: int = 20) -> Callable[[], float]:
    """A function returning the best time (seconds) of only the matrix products of one
    training step (:func:`_products_step`), with NumPy's BLAS, over ``inner`` tries. No
    NumPy training step can be faster than this."""
    rng = np.random.default_rng(0)
    acts = [rng.standard_normal((batch, n)).astype(dtype) for n in sizes]
    Ws = [rng.standard_normal((a, b)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    step = _products_step(np, acts, Ws)
    return lambda: best_seconds(step, inner)


def torch_step_probe(sizes: tuple[int, ...], batch: int, dtype: str = "float32",
                     inner: int = 20) -> Callable[[], float]:
    """The same products as :func:`numpy_step_probe`, with PyTorch's BLAS (tensors that
    need no gradient, so no autograd work)."""
    import torch

    tdtype = getattr(torch, dtype)
    gen = torch.Generator().manual_seed(0)
    acts = [torch.randn(batch, n, generator=gen, dtype=tdtype) for n in sizes]
    Ws = [torch.randn(a, b, generator=gen, dtype=tdtype) for a, b in zip(sizes[:-1], sizes[1:])]
    step = _products_step(torch, acts, Ws)
    return lambda: best_seconds(step, inner)


def lean_step_probe(sizes: tuple[int, ...], batch: int, X: np.ndarray, y: np.ndarray,
                    learning_rate: float = 0.01) -> Callable[[], float]:
    """A function that trains one epoch of ``X`` with the leanest NumPy SGD step we could
    write, and returns its time per step (seconds).

    No framework, no glass box, nothing kept for anyone to read: gather the shuffled
    batch, ``z = x W; z += b``, ReLU in place, the softmax cross-entropy gradient inline,
    the ReLU mask as a multiply, and every weight update folded into its gradient's product
    (``W += -eta x^T grad_z``, one BLAS gemm). It measures how fast a NumPy step can get on
    this machine's BLAS, so glassnet's step can be read against it.
    """
    from glassnet import _blas

    rng = np.random.default_rng(0)
    dtype = X.dtype
    Ws = [(rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(dtype)
          for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(b, dtype=dtype) for b in sizes[1:]]
    m, k = X.shape[0], sizes[-1]
    lr = dtype.type(learning_rate)
    steps = -(-m // batch)
    calls = [0]

    def epoch() -> float:
        order = np.random.default_rng(calls[0]).permutation(m)
        calls[0] += 1
        t0 = time.perf_counter()
        for start in range(0, m, batch):
            idx = order[start:start + batch]
            acts = [X[idx]]
            for W, b in zip(Ws[:-1], bs[:-1]):
                z = acts[-1] @ W
                z += b
                acts.append(np.maximum(z, 0, out=z))
            z = acts[-1] @ Ws[-1]
            z += bs[-1]
            n = z.shape[0]
            starts = np.arange(0, n * k, k)
            z -= z.ravel()[starts + z.argmax(axis=1)][:, None]  # row max: argmax + flat pick
            np.exp(z, out=z)
            s = z.sum(axis=1)
            s *= n
            z /= s[:, None]
            z.ravel()[starts + y[idx]] -= dtype.type(1.0 / n)
            grad_z = z
            for i in range(len(Ws) - 1, -1, -1):
                grad_x = grad_z @ Ws[i].T if i > 0 else None
                if not _blas.gemm_at_b_acc(acts[i], grad_z, Ws[i], -learning_rate):
                    Ws[i] -= lr * (acts[i].T @ grad_z)
                bs[i] -= lr * grad_z.sum(axis=0)
                if grad_x is not None:
                    grad_x *= acts[i] > 0
                    grad_z = grad_x
        return (time.perf_counter() - t0) / steps

    epoch()
    return epoch
