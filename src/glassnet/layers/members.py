"""Arrays with a leading member axis: the layouts a population's layers compute in.

A layer's arithmetic is written once, over arrays that may carry a leading member axis
``K``: a single model's batch is ``(m, n)`` and its weights ``W (n, u)``, ``b (u,)``; a
population's batch is ``(m, n)`` (shared by every member) or ``(K, m, n)`` and its weights
``W (K, n, u)``, ``b (K, u)``. NumPy's ``matmul`` runs the stacked product as one BLAS call
per member slice, the same call a single model makes, so each member's numbers are the ones
its model computes alone.

Three layout rules keep that true to the last bit and fast (they are options of the shared
code, not a second copy of the maths):

- :func:`batch_major`: a layer's ``(K, m, u)`` output lives in an ``(m, K, u)`` buffer, so
  the element-wise passes that follow (``z += b``, activations, the bias gradient's sum)
  run over long contiguous rows;
- :func:`member_contiguous`: a matrix-vector product (a one-wide operand) sees each
  member's block contiguous, since BLAS may round a strided vector differently;
- :func:`bias_sum`: ``grad_b = grad_z`` summed over the batch, rounded as the single
  model's ``grad_z.sum(axis=0)`` rounds it.

A layer whose code knows only 2-D arrays runs in a population through :class:`MemberLoop`,
which loops over the members.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Array, Layer

__all__ = ["MemberLoop", "batch_major", "bias_sum", "member_contiguous"]


def batch_major(m: int, K: int, n: int, dtype: Any) -> Array:
    """A new ``(K, m, n)`` array laid out as ``(m, K, n)`` in memory (its ``base``).

    NumPy's ``matmul`` writes each member's ``(m, n)`` block through BLAS with a row stride
    of ``K n`` (the same call as for a contiguous block), and the passes that follow run
    over rows of ``K n`` contiguous elements instead of ``n``: for course-sized layers that
    is what a population step's element-wise time was spent on.

    A one-wide layer keeps the plain ``(K, m, 1)`` layout: there its products are
    matrix-vector products, which BLAS may round differently for a strided vector."""
    if n == 1:
        return np.empty((K, m, 1), dtype=dtype)
    return np.empty((m, K, n), dtype=dtype).transpose(1, 0, 2)


def member_contiguous(a: Any) -> Any:
    """``a`` with each member's block contiguous (a copy only for a batch-major array)."""
    return a if not isinstance(a, np.ndarray) or a.flags.c_contiguous \
        else np.ascontiguousarray(a)


def bias_sum(grad: Array, out: Array) -> None:
    """``out = grad`` summed over the batch (its second-to-last axis), with the single
    model's rounding for every member.

    A single model sums an ``(m, n)`` gradient over its rows one row after another when
    ``n > 1`` (NumPy reduces a non-contiguous axis sequentially) and pairwise when ``n == 1``
    (a contiguous column). A batch-major ``(K, m, n)`` stack summed over its rows as the
    ``(m, K n)`` buffer it is repeats the first for every member in one pass; any other
    stack is summed member by member's contiguous block, which repeats the second."""
    if grad.ndim == 2:
        grad.sum(axis=0, out=out)
        return
    batch_first = grad.transpose(1, 0, 2)
    if grad.shape[2] > 1 and batch_first.flags.c_contiguous:
        np.add.reduce(batch_first, axis=0, out=out)
    else:
        np.add.reduce(np.ascontiguousarray(grad), axis=1, out=out)


class MemberLoop(Layer):
    """The fallback for a layer whose code knows only a single model's 2-D arrays (a
    user's own :class:`Layer` subclass, ``Normalization``, ``Flatten``, ...): it holds one
    layer object per member and **loops over the members**, calling each one's own
    ``forward``/``backward`` on that member's ``(m, n)`` rows (made contiguous, as its model
    alone would see them) and stacking the results into ``(K, m, u)``.

    Each member's layer is a copy of that member's layer whose ``params``, ``grads`` and
    ``state`` are member ``k``'s slices of the population's stacked arrays, so the layer
    must read its weights from ``params`` and write its gradients into ``grads`` (the
    arrays, in place), as the layer protocol asks. A stochastic layer gets each member's
    generator before each training step (``rngs``, set by the population). This costs one
    Python call per member and step: layers written over the member axis (Dense, Dropout,
    BatchNormalization, the activation layers) do not need it."""

    def __init__(self, layers: list[Layer]) -> None:
        first = layers[0]
        super().__init__(first.name)
        self.members = layers
        self.stochastic = first.stochastic
        self.has_units = first.has_units
        self.built = True
        self.n_in = first.n_in

    @property
    def kind(self) -> str:
        return self.members[0].kind

    @property
    def output_dim(self) -> int:
        return int(self.members[0].output_dim)

    def set_rngs(self, rngs: list[Any]) -> None:
        """Each member's generator of the coming training step (a stochastic layer)."""
        for layer, rng in zip(self.members, rngs):
            layer.rng = rng  # type: ignore[attr-defined]

    def forward(self, x: Array, training: bool = False, cache: bool = False) -> Array:
        shared = x.ndim == 2
        return np.stack([layer.forward(x if shared else np.ascontiguousarray(x[k]), training,
                                       cache)
                         for k, layer in enumerate(self.members)])

    def backward(self, grad_a: Array, need_input_grad: bool = True,
                 defer: bool = False) -> Array | None:
        grads = [layer.backward(np.ascontiguousarray(grad_a[k]), need_input_grad)
                 for k, layer in enumerate(self.members)]
        if not need_input_grad:
            return None
        return np.stack(grads)  # type: ignore[arg-type]

    def finish_step(self) -> None:
        for layer in self.members:
            layer.finish_step()

    def clear_cache(self) -> None:
        for layer in self.members:
            layer.clear_cache()

    def trace_mask(self) -> Array | None:
        return None

    def get_config(self) -> dict[str, Any]:
        return self.members[0].get_config()
