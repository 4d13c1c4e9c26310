"""``glassnet.keras``: the Keras names a course notebook uses, over glassnet's own objects.

Change the imports of a course notebook and run it::

    from glassnet import tf                               # was: import tensorflow as tf
    from glassnet.keras.models import Sequential          # was: tensorflow.keras.models
    from glassnet.keras.layers import Dense               # was: tensorflow.keras.layers

``Sequential`` here *is* :class:`glassnet.Sequential`, ``Dense`` *is*
:class:`glassnet.layers.Dense`, and so on: nothing is wrapped or re-implemented, so every
instrument (``gn.inspect.symmetry(model, X)``) works on the model the notebook trained.
A name outside the covered surface raises :class:`glassnet.OutsideSubsetError`.
"""

from __future__ import annotations

from glassnet import Sequential

from . import (
    activations,
    backend,
    callbacks,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
    utils,
)
from ._subset import outside
from .layers import Input

__all__ = [
    "Input",
    "Sequential",
    "activations",
    "backend",
    "callbacks",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "optimizers",
    "regularizers",
    "utils",
]

__getattr__ = outside("tf.keras")
