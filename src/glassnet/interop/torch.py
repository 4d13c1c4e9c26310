"""glassnet <-> PyTorch: :func:`to_torch` and :func:`from_torch` (``torch.nn.Sequential``).

============================  ===============================================================
glassnet                      PyTorch
============================  ===============================================================
Dense(units, activation)      ``nn.Linear`` (``weight`` is ``W.T``: PyTorch keeps one row per
                              unit, glassnet one column) then the activation module
ReLU / Sigmoid / Tanh ...     ``nn.ReLU``, ``nn.Sigmoid``, ``nn.Tanh``, ``nn.Softmax(dim=-1)``,
                              ``nn.LeakyReLU(negative_slope)``
Dropout(rate)                 ``nn.Dropout(p=rate)``
BatchNormalization            ``nn.BatchNorm1d`` (same statistics and epsilon; PyTorch's
                              ``momentum`` is ``1 - momentum``)
Normalization                 ``nn.BatchNorm1d`` in eval mode computing the same affine map
                              (it comes back from :func:`from_torch` as BatchNormalization)
============================  ===============================================================
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, ConfigError
from ..layers import Activation, BatchNormalization, Dense, Dropout, Input, LeakyReLU
from ..model import Sequential
from ._common import model_steps, optional

__all__ = ["from_torch", "to_torch"]


def _torch() -> Any:
    return optional("torch", "glassnet.interop's PyTorch converters need PyTorch: "
                             "pip install 'glassnet[torch]'")


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

    def tensor(a: Any) -> Any:
        return torch.from_numpy(np.ascontiguousarray(a, dtype=model.dtype))

    modules: OrderedDict[str, Any] = OrderedDict()
    taken: set[str] = set()
    for step in model_steps(model):
        module: Any
        if step.kind == "dense":
            W, b = step.arrays
            module = nn.Linear(W.shape[0], W.shape[1], dtype=dtype)
            with torch.no_grad():
                module.weight.copy_(tensor(W.T))
                module.bias.copy_(tensor(b))
        elif step.kind == "activation":
            if step.activation == "leaky_relu":
                module = nn.LeakyReLU(negative_slope=step.alpha)
            elif step.activation == "softmax":
                module = nn.Softmax(dim=-1)
            else:
                module = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
                          "linear": nn.Identity}[step.activation]()
        elif step.kind == "dropout":
            module = nn.Dropout(p=step.alpha)
        elif step.batchnorm is not None:
            layer, n = step.batchnorm
            module = nn.BatchNorm1d(n, eps=float(layer.epsilon),
                                    momentum=1.0 - float(layer.momentum), dtype=dtype)
            with torch.no_grad():
                module.weight.copy_(tensor(np.ones(n) if layer.gamma is None else layer.gamma))
                module.bias.copy_(tensor(np.zeros(n) if layer.beta is None else layer.beta))
                module.running_mean.copy_(tensor(layer.moving_mean))
                module.running_var.copy_(tensor(layer.moving_variance))
        else:  # x * scale + shift: a BatchNorm1d with mean 0, variance 1 and an epsilon too
            scale, shift = step.arrays  # small to change 1 (so that 1 / sqrt(1 + eps) == 1)
            module = nn.BatchNorm1d(scale.shape[0], eps=1e-30, dtype=dtype)
            with torch.no_grad():
                module.weight.copy_(tensor(scale))
                module.bias.copy_(tensor(shift))
                module.running_mean.zero_()
                module.running_var.fill_(1.0)
        modules[_module_name(step.name, taken)] = module
    return nn.Sequential(modules).eval()


_ACTIVATIONS = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax",
                "LeakyReLU": "leaky_relu"}
_READS = "Linear, ReLU, Sigmoid, Tanh, Softmax, LeakyReLU, Identity, Dropout or BatchNorm1d"


def from_torch(module: Any, *, seed: int | None = None) -> Sequential:
    """A glassnet model computing what ``module`` computes in eval mode.

    ``module`` is a ``torch.nn.Sequential`` of ``Linear``, activation modules (``ReLU``,
    ``Sigmoid``, ``Tanh``, ``Softmax(dim=-1)``, ``LeakyReLU``), ``Identity``, ``Dropout`` and
    ``BatchNorm1d``. An activation right after a Linear becomes that Dense layer's activation;
    any other becomes an activation layer. The dtype (float32 or float64) is the module's.
    ``seed`` is recorded in the model (nothing is drawn: every weight comes from ``module``).
    """
    torch = _torch()
    nn = torch.nn
    if not isinstance(module, nn.Sequential):
        raise ArgumentTypeError(
            f"module: expected a torch.nn.Sequential, got {type(module).__name__}"
        )
    children = [(n if not n.isdigit() else f"layer_{n}", c)
                for n, c in module.named_children()]
    params = [p for _, c in children for p in c.parameters()] + \
        [b for _, c in children for b in c.buffers() if b.is_floating_point()]
    dtypes = {p.dtype for p in params}
    if len(dtypes) != 1 or next(iter(dtypes)) not in (torch.float32, torch.float64):
        raise ConfigError(f"module: expected every parameter float32, or every one float64, "
                          f"got {sorted(str(d) for d in dtypes) or 'none'}")
    dtype = "float64" if next(iter(dtypes)) == torch.float64 else "float32"

    def array(t: Any) -> Any:
        return t.detach().cpu().numpy()

    stack: list[Any] = []
    weights: list[Any] = []
    n_in: int | None = None
    previous_linear = False
    for name, child in children:
        kind = type(child).__name__
        is_linear = False
        if isinstance(child, nn.Linear):
            n_in = n_in or child.in_features
            W = array(child.weight).T
            b = array(child.bias) if child.bias is not None else np.zeros(W.shape[1], W.dtype)
            stack.append(Dense(W.shape[1], name=name))
            weights += [W, b]
            is_linear = True
        elif kind in _ACTIVATIONS:
            act: Any = _ACTIVATIONS[kind]
            if kind == "Softmax" and child.dim not in (-1, 1):
                raise ConfigError(f"module: {name!r} is Softmax(dim={child.dim}); expected "
                                  f"dim=-1 (over the features of each example)")
            if kind == "LeakyReLU":
                act = {"name": "leaky_relu", "config": {"alpha": child.negative_slope}}
            if previous_linear:
                last = stack[-1]
                stack[-1] = Dense(last.units, activation=act, name=last.name)
            elif kind == "LeakyReLU":
                stack.append(LeakyReLU(negative_slope=child.negative_slope, name=name))
            else:
                stack.append(Activation(act, name=name))
        elif isinstance(child, nn.Identity):
            continue
        elif isinstance(child, nn.Dropout) and kind == "Dropout":
            stack.append(Dropout(float(child.p), name=name))
        elif isinstance(child, nn.BatchNorm1d) and kind == "BatchNorm1d":
            if not child.track_running_stats or child.running_mean is None:
                raise ConfigError(f"module: {name!r} keeps no running statistics; glassnet's "
                                  f"BatchNormalization needs them")
            if child.momentum is None:
                raise ConfigError(f"module: {name!r} uses a cumulative average "
                                  f"(momentum=None); expected a number")
            n_in = n_in or child.num_features
            stack.append(BatchNormalization(momentum=1.0 - float(child.momentum),
                                            epsilon=float(child.eps), center=child.affine,
                                            scale=child.affine, name=name))
            if child.affine:
                weights += [array(child.weight), array(child.bias)]
            weights += [array(child.running_mean), array(child.running_var)]
        else:
            raise ConfigError(f"module: {name!r} is a {kind}; expected {_READS}")
        previous_linear = is_linear
    if n_in is None:
        raise ConfigError(f"module: no Linear or BatchNorm1d layer gives the input width; "
                          f"expected {_READS}")
    model = Sequential([Input(shape=(n_in,)), *stack], seed=seed, dtype=dtype)
    model.set_weights(weights)
    return model
