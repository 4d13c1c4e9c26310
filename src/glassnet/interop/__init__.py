"""Models in and out of glassnet, exactly: Keras files in, PyTorch in and out, ONNX out.

Every function here needs an optional library and imports it only when called:

- :func:`from_keras` reads a Keras 3 ``.keras`` file (or a ``.weights.h5`` file into a glassnet
  model of the same architecture) with ``h5py``, reading only JSON and arrays, never running
  anything from the file (``pip install glassnet[interop]``, or h5py alone);
- :func:`to_torch` / :func:`from_torch` convert to and from a ``torch.nn.Sequential``
  (``pip install glassnet[torch]``);
- :func:`to_onnx` writes an ONNX file with the ``onnx`` package, checked with ``onnxruntime``
  (``pip install glassnet[onnx]``).

Only ``Sequential`` stacks of layers glassnet has are converted; anything else is a
:class:`glassnet.ConfigError` (or :class:`glassnet.ModelFileError` for a file) naming it.
"""

from __future__ import annotations

from .keras import from_keras, load_keras_weights
from .onnx import to_onnx
from .torch import from_torch, to_torch

__all__ = ["from_keras", "from_torch", "load_keras_weights", "to_onnx", "to_torch"]
