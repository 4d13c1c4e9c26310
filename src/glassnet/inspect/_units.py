"""Which layers have units, and what each unit computes: one rule for every instrument.

A layer *has units* (``layer.has_units``: a dense layer) when each of its outputs is a unit
with incoming weights of its own. Dropout, normalization and activation layers have none:
the instruments that count units (data flow, symmetry, dead and saturated units, the
recorder) skip them. One exception keeps the course's two ways of writing a layer alike:
``Dense(n)`` followed by an activation layer (``ReLU()``, ``Activation("tanh")``) is read as
``Dense(n, activation=...)``: the activation layer's ``g`` is those units' activation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from numpy.typing import NDArray

Array = NDArray[Any]


@dataclass(frozen=True)
class UnitPlan:
    """Layer ``index`` has units; their activation is ``activation`` (the layer's own, or
    that of the activation layer at ``merged`` right after a linear dense layer)."""

    index: int
    name: str
    activation: Any
    merged: int | None


def _is_activation_layer(layer: Any) -> bool:
    return (not layer.has_units and not layer.params and not layer.state
            and layer.output_activation is not None)


def unit_plan(model: Any) -> list[UnitPlan]:
    """The layers with units, in order, each with the activation its units apply."""
    layers = model.layers
    plans = []
    for i, layer in enumerate(layers):
        if not layer.has_units:
            continue
        act = layer.output_activation
        merged = None
        if (getattr(act, "name", None) == "linear" and i + 1 < len(layers)
                and _is_activation_layer(layers[i + 1])):
            merged = i + 1
            act = layers[i + 1].output_activation
        plans.append(UnitPlan(i, str(layer.name), act, merged))
    return plans


@dataclass(frozen=True)
class UnitView:
    """One unit layer on a batch: pre-activations ``z`` and outputs ``a`` ``(m, units)``,
    and its incoming weights ``W`` ``(n_in, units)`` and bias ``b``."""

    index: int
    name: str
    activation: Any
    x: Array
    z: Array
    a: Array
    W: Array | None
    b: Array | None


def unit_views(model: Any, traces: list[Any]) -> list[UnitView]:
    """``unit_plan`` applied to ``model.trace(X)``."""
    out = []
    for plan in unit_plan(model):
        tr = traces[plan.index]
        a = traces[plan.merged].a if plan.merged is not None else tr.a
        out.append(UnitView(plan.index, plan.name, plan.activation, tr.x, tr.z, a, tr.W, tr.b))
    return out


def activation_name(activation: Any) -> str:
    return str(getattr(activation, "name", "?"))


def readable(model: Any) -> Any:
    """``model`` as the instruments read it: a built model with nested models (``Sequential(
    [model, Softmax()])``) through :meth:`~glassnet.Sequential.flattened`, the same layers
    and weights with each nested model's layers in its place; any other model as it is."""
    if getattr(model, "built", False) and hasattr(model, "flattened"):
        return model.flattened()
    return model
