"""What the converters share: walking a model as a list of plain steps.

A glassnet model is read as a list of :class:`Step` objects, each one of ``dense`` (``W``,
``b``), ``activation`` (a name and its parameter), ``dropout`` (inert at inference), and
``affine`` (``x * scale + shift``, per feature: Normalization and BatchNormalization at
inference). Each exporter then writes these few kinds of steps in its own format.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError, NotReadyError
from ..layers.normalization import NORMALIZATION_EPSILON

Array = NDArray[Any]

def optional(module: str, hint: str) -> Any:
    """The optional library ``module``, imported; missing, an ``ImportError`` saying
    ``hint`` (what needs it and the install command)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(hint) from exc


#: the activations every exporter can write
ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu")


@dataclass
class Step:
    kind: str  # "dense", "activation", "dropout" or "affine"
    name: str
    arrays: list[Array] = field(default_factory=list)
    activation: str = "linear"
    alpha: float = 0.0  # leaky_relu's slope; dropout's rate
    batchnorm: Any = None  # (layer, width) for a BatchNormalization layer


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
    n = int(model.input_dim)
    for layer in model.flattened().layers:  # a nested model's layers in its place
        kind = type(layer).__name__
        name = str(layer.name)
        if kind == "Dense":
            steps.append(Step("dense", name, [np.array(layer.W), np.array(layer.b)]))
            if layer.activation.name != "linear":
                steps.append(activation_step(f"{name}_{layer.activation.name}",
                                             layer.activation))
        elif kind == "Dropout":
            steps.append(Step("dropout", name, alpha=float(layer.rate)))
        elif kind in ("Activation", "ReLU", "LeakyReLU", "Softmax"):
            steps.append(activation_step(name, layer.activation))
        elif kind == "Normalization":
            # a = (x - mean) / max(sqrt(variance), eps), as the layer computes it
            mean = np.broadcast_to(np.asarray(layer.mean, dtype=np.float64).reshape(-1), (n,))
            variance = np.broadcast_to(np.asarray(layer.variance, dtype=np.float64).reshape(-1),
                                       (n,))
            scale = 1.0 / np.maximum(np.sqrt(variance), NORMALIZATION_EPSILON)
            steps.append(Step("affine", name, [scale, -mean * scale]))
        elif kind == "BatchNormalization":
            # at inference a = gamma (x - moving_mean) / sqrt(moving_variance + eps) + beta
            mean = np.asarray(layer.moving_mean, dtype=np.float64)
            variance = np.asarray(layer.moving_variance, dtype=np.float64)
            gamma = np.ones(n) if layer.gamma is None else np.asarray(layer.gamma, np.float64)
            beta = np.zeros(n) if layer.beta is None else np.asarray(layer.beta, np.float64)
            scale = gamma / np.sqrt(variance + float(layer.epsilon))
            steps.append(Step("affine", name, [scale, beta - mean * scale],
                              batchnorm=(layer, n)))
        else:
            raise ConfigError(f"layer {name!r}: {kind} layers cannot be exported; expected "
                              f"Dense, Dropout, activation layers, Normalization or "
                              f"BatchNormalization")
        n = int(layer.output_dim)
    return steps

