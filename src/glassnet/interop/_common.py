"""What the converters share: walking a model as a list of plain steps.

A glassnet model is read as a list of :class:`Step` objects, each one of ``dense`` (``W``,
``b``), ``activation`` (a name and its parameter), ``dropout`` (inert at inference), and
``affine`` (``x * scale + shift``, per feature: Normalization and BatchNormalization at
inference). Each exporter then writes these few kinds of steps in its own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError, NotReadyError

Array = NDArray[Any]

#: the activations every exporter can write
ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu")


@dataclass
class Step:
    kind: str  # "dense", "activation", "dropout" or "affine"
    name: str
    arrays: list[Array] = field(default_factory=list)
    activation: str = "linear"
    alpha: float = 0.0  # leaky_relu's slope; dropout's rate


def activation_step(name: str, activation: Any) -> Step:
    act_name = str(getattr(activation, "name", activation))
    if act_name not in ACTIVATIONS:
        raise ConfigError(
            f"layer {name!r}: activation {act_name!r} cannot be exported; expected one of "
            f"{', '.join(ACTIVATIONS)}"
        )
    return Step("activation", name, activation=act_name,
                alpha=float(getattr(activation, "alpha", 0.0)))


def model_steps(model: Any) -> list[Step]:
    """The model's layers as steps, in order (a Dense layer gives a dense step and, unless
    linear, an activation step)."""
    if not getattr(model, "built", False) or model.input_dim is None:
        raise NotReadyError("model: build it first (Input(shape=...) or fit), so its "
                            "weights exist")
    steps: list[Step] = []
    for layer in model.layers:
        kind = type(layer).__name__
        name = str(layer.name)
        if kind == "Dense":
            steps.append(Step("dense", name, [np.array(layer.W), np.array(layer.b)]))
            if layer.activation.name != "linear":
                steps.append(activation_step(name, layer.activation))
        elif kind == "Dropout":
            steps.append(Step("dropout", name, alpha=float(layer.rate)))
        elif kind in ("Activation", "ReLU", "LeakyReLU", "Softmax"):
            steps.append(activation_step(name, layer.activation))
        elif kind == "Normalization":
            mean, variance = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
            scale = 1.0 / np.sqrt(np.maximum(variance, _epsilon(layer)))
            steps.append(Step("affine", name, [scale, -mean * scale]))
        elif kind == "BatchNormalization":
            gamma, beta, mean, variance = (np.asarray(w, dtype=np.float64)
                                           for w in layer.get_weights())
            scale = gamma / np.sqrt(variance + float(layer.epsilon))
            steps.append(Step("affine", name, [scale, beta - mean * scale]))
        else:
            raise ConfigError(f"layer {name!r}: {kind} layers cannot be exported; expected "
                              f"Dense, Dropout, activation layers, Normalization or "
                              f"BatchNormalization")
    return steps


def _epsilon(layer: Any) -> float:
    return float(getattr(layer, "epsilon", np.finfo(np.float32).eps))
