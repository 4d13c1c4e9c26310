"""``keras.layers``: glassnet's layers under their Keras names (the same classes).

``Input`` and ``InputLayer`` are glassnet's :class:`~glassnet.layers.Input`
(``InputLayer(input_shape=(n,))`` is accepted); ``Dense(units, input_shape=(n,))`` declares
the model's input as Keras does.
"""

from __future__ import annotations

from typing import Any

import glassnet.layers as _layers
from glassnet.layers import Dense, Input, Layer

from ._subset import outside

InputLayer = Input

__all__ = ["Dense", "Input", "InputLayer", "Layer"]

# The layers of the layer protocol (issue 8) where this glassnet has them.
for _name in ("Activation", "BatchNormalization", "Dropout", "LeakyReLU", "Normalization",
              "ReLU", "Softmax"):
    if hasattr(_layers, _name):
        globals()[_name] = getattr(_layers, _name)
        __all__.append(_name)

_outside = outside("tf.keras.layers")


def __getattr__(name: str) -> Any:
    return _outside(name)
