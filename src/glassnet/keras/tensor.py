"""``Tensor``: glassnet's results that answer ``.numpy()`` (see :mod:`glassnet.tensor`)."""

from __future__ import annotations

from glassnet.tensor import Tensor, as_tensor

__all__ = ["Tensor", "as_tensor"]
