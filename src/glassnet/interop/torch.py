"""glassnet <-> PyTorch: :func:`to_torch` and :func:`from_torch` (``torch.nn.Sequential``).

A Dense layer is an ``nn.Linear`` (whose ``weight`` is ``W.T``: PyTorch stores one row per
unit, glassnet one column) followed by its activation module; Dropout is ``nn.Dropout``;
a per-feature affine layer (Normalization, BatchNormalization at inference) is an
``nn.BatchNorm1d`` in eval mode holding the same statistics.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, ConfigError
from ..layers import Dense, Input
from ..model import Sequential
from ._common import model_steps

__all__ = ["from_torch", "to_torch"]


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ImportError("glassnet.interop's PyTorch converters need PyTorch: "
                          "pip install 'glassnet[torch]'") from exc
    return torch


def _module_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^0-9A-Za-z_]", "_", name) or "layer"
    out, i = base, 1
    while out in taken:
        out, i = f"{base}_{i}", i + 1
    taken.add(out)
    return out


def to_torch(model: Sequential) -> Any:
    """A ``torch.nn.Sequential`` (in eval mode) computing what ``model.predict`` computes,
    in the model's dtype. Module names follow the glassnet layer names."""
    torch = _torch()
    nn = torch.nn
    dtype = torch.float64 if model.dtype == np.float64 else torch.float32
    modules: OrderedDict[str, Any] = OrderedDict()
    taken: set[str] = set()
    for step in model_steps(model):
        if step.kind == "dense":
            W, b = step.arrays
            linear = nn.Linear(W.shape[0], W.shape[1], dtype=dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
                linear.bias.copy_(torch.from_numpy(b))
            modules[_module_name(step.name, taken)] = linear
        elif step.kind == "activation":
            if step.activation == "leaky_relu":
                act = nn.LeakyReLU(negative_slope=step.alpha)
            elif step.activation == "softmax":
                act = nn.Softmax(dim=-1)
            else:
                act = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
                       "linear": nn.Identity}[step.activation]()
            modules[_module_name(f"{step.name}_{step.activation}", taken)] = act
        elif step.kind == "dropout":
            modules[_module_name(step.name, taken)] = nn.Dropout(p=step.alpha)
        else:  # affine: x * scale + shift, as a BatchNorm1d with mean 0 and variance 1 - eps
            scale, shift = step.arrays
            norm = nn.BatchNorm1d(scale.shape[0], eps=0.0, dtype=dtype)
            with torch.no_grad():
                norm.weight.copy_(torch.from_numpy(scale))
                norm.bias.copy_(torch.from_numpy(shift))
                norm.running_mean.zero_()
                norm.running_var.fill_(1.0)
            modules[_module_name(step.name, taken)] = norm
    return nn.Sequential(modules).eval()


_ACTIVATION_MODULES = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh",
                       "Softmax": "softmax", "LeakyReLU": "leaky_relu", "Identity": "linear"}


def from_torch(module: Any, *, seed: int | None = None) -> Sequential:
    """A glassnet model computing what ``module`` computes in eval mode.

    ``module`` is a ``torch.nn.Sequential`` of ``Linear`` layers, each optionally followed by
    one activation (``ReLU``, ``Sigmoid``, ``Tanh``, ``Softmax(dim=-1)``, ``LeakyReLU``,
    ``Identity``), and ``Dropout``. The dtype (float32 or float64) is the Linear layers'.
    ``seed`` is recorded in the model (it draws nothing: every weight comes from ``module``).
    """
    torch = _torch()
    nn = torch.nn
    if not isinstance(module, nn.Sequential):
        raise ArgumentTypeError(
            f"module: expected a torch.nn.Sequential, got {type(module).__name__}"
        )
    children = list(module.named_children())
    if not children or not isinstance(children[0][1], nn.Linear):
        first = type(children[0][1]).__name__ if children else "nothing"
        raise ConfigError(f"module: expected a Linear layer first, got {first}")
    dtypes = {c.weight.dtype for _, c in children if isinstance(c, nn.Linear)}
    if len(dtypes) != 1 or next(iter(dtypes)) not in (torch.float32, torch.float64):
        raise ConfigError(f"module: expected Linear layers all float32 or all float64, got "
                          f"{sorted(str(d) for d in dtypes)}")
    dtype = "float64" if next(iter(dtypes)) == torch.float64 else "float32"
    specs: list[dict[str, Any]] = []  # one per Linear: its name, weights and activation
    for name, child in children:
        kind = type(child).__name__
        if isinstance(child, nn.Linear):
            W = child.weight.detach().cpu().numpy().T
            b = (child.bias.detach().cpu().numpy() if child.bias is not None
                 else np.zeros(W.shape[1], dtype=W.dtype))
            specs.append({"name": f"dense_{name}" if name.isdigit() else name, "W": W, "b": b,
                          "activation": "linear"})
        elif kind in _ACTIVATION_MODULES:
            spec = specs[-1]
            if spec["activation"] != "linear":
                raise ConfigError(f"module: {name!r} ({kind}) follows another activation; "
                                  f"expected one activation after each Linear")
            act: Any = _ACTIVATION_MODULES[kind]
            if kind == "Softmax" and child.dim not in (-1, 1):
                raise ConfigError(f"module: {name!r} is Softmax(dim={child.dim}); expected "
                                  f"dim=-1 (over the units)")
            if kind == "LeakyReLU":
                act = {"name": "leaky_relu", "config": {"alpha": child.negative_slope}}
            spec["activation"] = act
        elif isinstance(child, nn.Dropout):
            continue  # dropout does nothing at inference
        else:
            raise ConfigError(
                f"module: {name!r} is a {kind}; expected Linear, ReLU, Sigmoid, Tanh, "
                f"Softmax, LeakyReLU, Identity or Dropout"
            )
    model = Sequential([Input(shape=(specs[0]["W"].shape[0],))] + [
        Dense(s["W"].shape[1], activation=s["activation"], name=_module_name(s["name"], set()))
        for s in specs
    ], seed=seed, dtype=dtype)
    model.set_weights([w for s in specs for w in (s["W"], s["b"])])
    return model
