"""Keras 3 files in: :func:`from_keras` (``.keras``) and :func:`load_keras_weights`.

A ``.keras`` file is a zip archive of ``config.json`` (the architecture), ``metadata.json`` and
``model.weights.h5`` (the arrays, HDF5); a ``.weights.h5`` file is that HDF5 part alone.
Reading them never runs anything from the file: the JSON is parsed as data (no class named
in it is imported), and from the HDF5 file only numeric datasets at the places Keras writes
them are read (hard links only: an external link, external storage or a virtual dataset is
refused). Every failure is a :class:`glassnet.ModelFileError` naming the file (or a
:class:`glassnet.ConfigError` naming the file and the layer or option glassnet does not
have): every zip, JSON and HDF5 call runs inside one error boundary, :func:`file_boundary`,
which turns whatever those libraries raise into a ``ModelFileError``. The memory used is
bounded by the file's real size.

HDF5 keeps no checksum of its data, so a flipped bit in a weight goes unseen by the format
itself. What can be verified is: every array's shape against the architecture, its dtype
(numbers only), finite values, and values that fit the model's dtype (a float64 weight of
1e300 is refused for a float32 model rather than read as inf). glassnet's own files keep a
SHA-256 of every array (see :mod:`glassnet.io`).

Keras names each layer's HDF5 group after its class, in snake case, numbered per class in
the order of the layers (``layers/dense``, ``layers/dense_1``, ``layers/batch_normalization``):
that is how the arrays are matched to the layers, here and in :func:`load_keras_weights`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import layers as gn_layers
from .. import regularizers
from ..errors import (
    ConfigError,
    GlassnetError,
    ModelFileError,
)
from ..model import Sequential
from .keras_files import (
    MAX_EXPANSION,
    KerasArrays,
    Plan,
    check_path,
    file_boundary,
    load_keras_weights,
    load_plans,
    read_archive,
    snake_case,
)

__all__ = ["file_boundary", "from_keras", "load_keras_weights"]

Array = NDArray[Any]


_KERAS_ACTIVATIONS = {"linear": "linear", "relu": "relu", "sigmoid": "sigmoid",
                      "tanh": "tanh", "softmax": "softmax", "leaky_relu": "leaky_relu"}


def _option(cfg: dict[str, Any], layer: str, key: str, allowed: Any) -> None:
    """An option that must keep its default (``allowed``: a value or a tuple of values)."""
    value = cfg.get(key, allowed[0] if isinstance(allowed, tuple) else allowed)
    values = allowed if isinstance(allowed, tuple) else (allowed,)
    if value not in values:
        raise ConfigError(f"layer {layer!r}: option {key}={value!r} is not supported by "
                          f"glassnet (expected {' or '.join(repr(v) for v in values)})")


def _activation(name: Any, layer: str) -> Any:
    if not isinstance(name, str) or name not in _KERAS_ACTIVATIONS:
        raise ConfigError(f"layer {layer!r}: activation {name!r} is not supported by glassnet; "
                          f"expected one of {', '.join(_KERAS_ACTIVATIONS)}")
    if name == "leaky_relu":  # keras.activations.leaky_relu's slope is 0.2
        return {"name": "leaky_relu", "config": {"alpha": 0.2}}
    return name


def _regularizer(cfg: Any, layer: str, key: str) -> Any:
    if cfg is None:
        return None
    kind = cfg.get("class_name") if isinstance(cfg, dict) else cfg
    params = cfg.get("config", {}) if isinstance(cfg, dict) else {}
    if kind not in ("L1", "L2", "L1L2"):
        raise ConfigError(f"layer {layer!r}: option {key}={kind!r} is not supported by "
                          f"glassnet (expected None, L1, L2 or L1L2)")
    if kind == "L1":
        return regularizers.l1(float(params.get("l1", 0.01)))
    if kind == "L2":
        return regularizers.l2(float(params.get("l2", 0.01)))
    return regularizers.l1_l2(l1=float(params.get("l1", 0.0)), l2=float(params.get("l2", 0.0)))


def _glassnet_layer(kind: str, name: str) -> Any:
    cls = getattr(gn_layers, kind, None)
    if cls is None:
        raise ConfigError(f"layer {name!r}: glassnet has no {kind} layer")
    return cls


def _plan(entry: Any, key: str, dtype: str) -> Plan:
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise ModelFileError(f"config.json: a layer entry is not an object: {entry!r:.200}")
    kind = entry.get("class_name")
    cfg = entry["config"]
    name = str(cfg.get("name", key))
    layer_dtype = cfg.get("dtype")
    if isinstance(layer_dtype, dict):
        layer_dtype = layer_dtype.get("config", {}).get("name")
    if layer_dtype not in (None, dtype):
        raise ConfigError(f"layer {name!r}: dtype {layer_dtype!r} differs from the model's "
                          f"{dtype!r}; glassnet runs one dtype per model")
    if kind == "Dense":
        for option in ("kernel_constraint", "bias_constraint", "quantization_config",
                       "lora_rank"):
            _option(cfg, name, option, None)
        units = int(cfg["units"])
        use_bias = bool(cfg.get("use_bias", True))
        extra: dict[str, Any] = {}
        for option in ("kernel_regularizer", "bias_regularizer"):
            reg = _regularizer(cfg.get(option), name, option)
            if reg is not None:
                extra[option] = reg
        layer = gn_layers.Dense(units, activation=_activation(cfg.get("activation"), name),
                                name=name, **extra)

        def dense_shapes(n_in: int) -> list[tuple[int, ...]]:
            return [(n_in, units), (units,)] if use_bias else [(n_in, units)]

        def dense_convert(arrays: list[Array]) -> list[Array]:
            return arrays if use_bias else [arrays[0], np.zeros(units, arrays[0].dtype)]

        return Plan(layer, key, dense_shapes, dense_convert)
    if kind == "Dropout":
        _option(cfg, name, "noise_shape", None)
        return Plan(_glassnet_layer("Dropout", name)(float(cfg.get("rate", 0.0)), name=name),
                     key, lambda n: [], lambda a: a)
    if kind == "Activation":
        act = _activation(cfg.get("activation"), name)
        return Plan(_glassnet_layer("Activation", name)(act, name=name), key,
                     lambda n: [], lambda a: a)
    if kind == "ReLU":
        for option, default in (("max_value", None), ("negative_slope", (0.0, 0)),
                                ("threshold", (0.0, 0))):
            _option(cfg, name, option, default)
        return Plan(_glassnet_layer("ReLU", name)(name=name), key, lambda n: [],
                     lambda a: a)
    if kind == "LeakyReLU":
        slope = float(cfg.get("negative_slope", 0.3))
        return Plan(_glassnet_layer("LeakyReLU", name)(negative_slope=slope, name=name),
                     key, lambda n: [], lambda a: a)
    if kind == "Softmax":
        _option(cfg, name, "axis", (-1, [-1]))
        return Plan(_glassnet_layer("Softmax", name)(name=name), key, lambda n: [],
                     lambda a: a)
    if kind == "Normalization":
        _option(cfg, name, "axis", ([-1], -1))
        _option(cfg, name, "invert", False)
        if cfg.get("mean") is not None or cfg.get("variance") is not None:
            raise ConfigError(f"layer {name!r}: mean and variance given in the config are not "
                              f"supported (only adapted ones, stored as weights)")
        return Plan(_glassnet_layer("Normalization", name)(name=name), key,
                     lambda n: [(n,), (n,), ()], lambda a: a[:2])
    if kind == "BatchNormalization":
        _option(cfg, name, "axis", (-1, [-1]))
        _option(cfg, name, "renorm", False)
        center, scale = bool(cfg.get("center", True)), bool(cfg.get("scale", True))
        layer = _glassnet_layer("BatchNormalization", name)(
            momentum=float(cfg.get("momentum", 0.99)), epsilon=float(cfg.get("epsilon", 1e-3)),
            center=center, scale=scale, name=name)

        def bn_shapes(n: int) -> list[tuple[int, ...]]:
            return [(n,)] * (2 + int(center) + int(scale))

        # Keras' order is glassnet's: [gamma if scale] [beta if center] moving_mean, moving_var
        return Plan(layer, key, bn_shapes, lambda a: a)
    raise ConfigError(f"layer {name!r}: {kind} layers are not supported by glassnet (it reads "
                      f"Dense, Dropout, Activation, ReLU, LeakyReLU, Softmax, Normalization "
                      f"and BatchNormalization)")


def _plans(config: dict[str, Any], label: str) -> tuple[int, str, str, list[Plan]]:
    if config.get("class_name") != "Sequential":
        raise ConfigError(f"{label}: a {config.get('class_name')!r} model; glassnet reads "
                          f"Sequential models only")
    body = config.get("config")
    if not isinstance(body, dict) or not isinstance(body.get("layers"), list):
        raise ModelFileError(f"{label}: config.json has no list of layers")
    dtype = body.get("dtype", "float32")
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name", "float32")
    if dtype not in ("float32", "float64"):
        raise ConfigError(f"{label}: dtype policy {dtype!r} is not supported (float32 or "
                          f"float64)")
    entries = list(body["layers"])
    first = entries[0] if entries and isinstance(entries[0], dict) else {}
    input_entry = entries.pop(0) if first.get("class_name") == "InputLayer" else None
    counts: dict[str, int] = {}
    plans = []
    for entry in entries:  # every layer and option is checked before the input's shape
        base = snake_case(str(entry.get("class_name", "layer")) if isinstance(entry, dict)
                      else "layer")
        i = counts.get(base, 0)
        counts[base] = i + 1
        try:
            plans.append(_plan(entry, base if i == 0 else f"{base}_{i}", dtype))
        except GlassnetError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise ModelFileError(f"{label}: config.json has a malformed {base} layer entry "
                                 f"({type(exc).__name__}: {exc})") from exc
    n_in: Any = None
    if input_entry is not None:
        shape = input_entry.get("config", {}).get("batch_shape")
        if not isinstance(shape, list) or len(shape) != 2:
            raise ConfigError(f"{label}: input of shape {shape!r}; glassnet takes rows of "
                              f"features, (batch, n)")
        n_in = shape[1]
    if n_in is None:
        shape = (body.get("build_input_shape") or config.get("build_config", {})
                 .get("input_shape"))
        if isinstance(shape, list) and len(shape) == 2:
            n_in = shape[1]
    if not isinstance(n_in, int) or n_in < 1:
        raise ConfigError(f"{label}: the model has no input width (an Input(shape=(n,)) or a "
                          f"built model is needed)")
    return n_in, dtype, str(body.get("name", "sequential")), plans


def from_keras(path: str | os.PathLike[str], *, seed: int | None = None) -> Sequential:
    """The glassnet model of a Keras 3 ``.keras`` file (a ``Sequential`` model of layers
    glassnet has), with its weights; ``predict`` gives what Keras' ``predict`` gives.

    Only the architecture and the arrays are read: the optimizer state and compile settings
    are not (compile the model before training it). ``seed`` is recorded in the model.
    """
    if isinstance(path, (str, os.PathLike)) and Path(path).name.endswith(".weights.h5"):
        raise ConfigError(f"path: {Path(path).name} holds weights without the architecture; "
                          f"build the glassnet model and call load_keras_weights(model, path)")
    p = check_path(path)
    with file_boundary(str(p)):
        return _from_keras(p, seed)


def _from_keras(p: Path, seed: int | None) -> Sequential:
    config, weights = read_archive(p)
    n_in, dtype, name, plans = _plans(config, str(p))
    # The weights the config asks for must fit in what the file can hold, before any is made.
    need, n = 0, n_in
    for plan in plans:
        need += sum(int(np.prod(shape, dtype=np.int64)) for shape in plan.shapes(n))
        n = plan.units or n
    need *= np.dtype(dtype).itemsize
    if need > MAX_EXPANSION * p.stat().st_size + 2**20:
        raise ModelFileError(f"{p}: config.json asks for {need:,} bytes of weights, more than "
                             f"the file of {p.stat().st_size:,} bytes can hold")
    model = Sequential([gn_layers.Input(shape=(n_in,))] + [plan.layer for plan in plans],
                       seed=seed, dtype=dtype, name=name)
    arrays = KerasArrays(weights, f"{p}:model.weights.h5")
    try:
        load_plans(model, plans, arrays)
    finally:
        arrays.close()
    return model
