"""The run's networks: the variants trained side by side (:func:`variants`), each built by
:func:`build_model`, and :func:`model_source`, the same calls written out as Python."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import glassnet as gn

from .config import PlayConfig
from .data import PlayData

__all__ = ["Variant", "build_model", "model_source", "regularizer_expr", "variants"]

@dataclass(frozen=True)
class Variant:
    """One network of the side-by-side comparison: its initializer and its seed."""

    label: str
    initializer: str
    constant: float
    seed: int


def variants(cfg: PlayConfig) -> list[Variant]:
    """The networks trained in lockstep: one, or zeros/constant/random, or three seeds."""
    own = Variant(_init_label(cfg.initializer, cfg.constant), cfg.initializer, cfg.constant,
                  cfg.seed)
    if cfg.compare == "inits":
        random = cfg.initializer if cfg.initializer not in ("zeros", "ones", "constant") \
            else "glorot_uniform"
        const = cfg.constant if cfg.constant != 0 else 0.5
        return [Variant("zeros", "zeros", 0.0, cfg.seed),
                Variant(f"constant {const:g}", "constant", const, cfg.seed),
                Variant(random, random, cfg.constant, cfg.seed)]
    if cfg.compare == "seeds":
        return [replace(own, label=f"seed {cfg.seed + i}", seed=cfg.seed + i) for i in range(3)]
    return [own]


def _init_label(name: str, constant: float) -> str:
    return f"constant {constant:g}" if name == "constant" else name


def _output(data: PlayData) -> tuple[int, str, str]:
    """(units, activation, loss expression) of the output layer for the task."""
    if data.task == "binary":
        return 1, "sigmoid", "gn.losses.BinaryCrossentropy()"
    if data.task == "multiclass":
        return (data.n_classes, "linear",
                "gn.losses.SparseCategoricalCrossentropy(from_logits=True)")
    return 1, "linear", "gn.losses.MeanSquaredError()"


def _init_expr(v: Variant) -> str:
    return f"gn.initializers.Constant({v.constant!r})" if v.initializer == "constant" \
        else repr(v.initializer)


_OPTIMIZER_CLASS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}


def regularizer_expr(cfg: PlayConfig) -> str | None:
    if cfg.regularization == "none" or cfg.reg_rate == 0:
        return None
    return f"gn.regularizers.{cfg.regularization}({cfg.reg_rate!r})"


def model_source(cfg: PlayConfig, data: PlayData, v: Variant) -> str:
    """The Python that builds and compiles the network (written into the exported script;
    :func:`build_model` makes the same calls)."""
    units, out_act, loss = _output(data)
    init = _init_expr(v)
    reg = regularizer_expr(cfg)
    extra = f", kernel_regularizer={reg}" if reg else ""
    lines = ["model = gn.Sequential([",
             f"    gn.layers.Input(shape=({data.n_features},)),"]
    for i, u in enumerate(cfg.hidden):
        lines.append(f"    gn.layers.Dense({u}, activation={cfg.activation!r}, "
                     f"kernel_initializer={init}{extra}, name='hidden{i + 1}'),")
        if cfg.dropout > 0:
            lines.append(f"    gn.layers.Dropout({cfg.dropout!r}, name='dropout{i + 1}'),")
    lines.append(f"    gn.layers.Dense({units}, activation={out_act!r}, "
                 f"kernel_initializer={init}{extra}, name='output'),")
    lines.append(f"], seed={v.seed})")
    lines.append(f"model.compile(loss={loss},")
    lines.append(f"              optimizer=gn.optimizers.{_OPTIMIZER_CLASS[cfg.optimizer]}"
                 f"(learning_rate={cfg.learning_rate!r}))")
    return "\n".join(lines)


def build_model(cfg: PlayConfig, data: PlayData, v: Variant) -> gn.Sequential:
    """The network of variant ``v``: the same calls :func:`model_source` writes out."""
    units, out_act, _ = _output(data)
    init: Any = gn.initializers.Constant(v.constant) if v.initializer == "constant" \
        else v.initializer
    def reg() -> Any:
        if cfg.regularization == "none" or cfg.reg_rate == 0:
            return None
        return getattr(gn.regularizers, cfg.regularization)(cfg.reg_rate)

    layers: list[Any] = [gn.layers.Input(shape=(data.n_features,))]
    for i, u in enumerate(cfg.hidden):
        layers.append(gn.layers.Dense(u, activation=cfg.activation, kernel_initializer=init,
                                      kernel_regularizer=reg(), name=f"hidden{i + 1}"))
        if cfg.dropout > 0:
            layers.append(gn.layers.Dropout(cfg.dropout, name=f"dropout{i + 1}"))
    layers.append(gn.layers.Dense(units, activation=out_act, kernel_initializer=init,
                                  kernel_regularizer=reg(), name="output"))
    model = gn.Sequential(layers, seed=v.seed)
    loss: Any = {"binary": gn.losses.BinaryCrossentropy(),
                 "multiclass": gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                 "regression": gn.losses.MeanSquaredError()}[data.task]
    optimizer = {"sgd": gn.optimizers.SGD, "adam": gn.optimizers.Adam,
                 "rmsprop": gn.optimizers.RMSprop}[cfg.optimizer]
    model.compile(loss=loss, optimizer=optimizer(learning_rate=cfg.learning_rate))
    return model
