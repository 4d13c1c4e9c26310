"""``keras.layers``: glassnet's layers under their Keras names (the same classes).

``Dense(units, input_shape=(n,))`` (or ``input_dim=n``) on a model's first layer declares the
model's input as Keras does; ``InputLayer(input_shape=(n,))`` is accepted too.
"""

from __future__ import annotations

from typing import Any

from glassnet.layers import (
    Activation,
    BatchNormalization,
    Dense,
    Dropout,
    Flatten,
    Input,
    InputLayer,
    Layer,
    LeakyReLU,
    Normalization,
    ReLU,
    Reshape,
    Softmax,
)

from ._subset import outside

__all__ = ["Activation", "BatchNormalization", "Dense", "Dropout", "Flatten", "Input",
           "InputLayer", "Layer", "LeakyReLU", "Normalization", "ReLU", "Reshape", "Softmax"]

_outside = outside("tf.keras.layers")


def __getattr__(name: str) -> Any:
    return _outside(name)
