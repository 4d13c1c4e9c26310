"""The two interpreters a tutorial script runs in: glassnet (``from glassnet import tf``) and
real Keras 3 (the same script, the same ``glassnet`` import names pointing at Keras on the
torch backend). Both record each model's Dense weights at its ``compile`` (at its first
``fit`` when it is not built yet); the
Keras run takes the glassnet run's, so both train from the same initial weights. At the end
each prints the script's global values as JSON (``@@RESULT``) for the runner to compare.
Not a tutorial: the runner skips files whose name starts with ``_``."""

from __future__ import annotations

import functools
import json
import os
import runpy
import traceback
import types
from typing import Any

import numpy as np
from _driver_common import fit_with_first_callback, glassnet_is_keras, keras_tf, main, script_values


def plain(v: Any, depth: int = 0) -> Any:
    """A JSON-able form of a script's value, or None when it is not a number-like thing."""
    if depth > 3:
        return None
    if hasattr(v, "history") and isinstance(getattr(v, "history", None), dict):
        return {"history": {k: [float(x) for x in xs] for k, xs in v.history.items()},
                "epoch": [int(e) for e in getattr(v, "epoch", [])]}
    if type(v).__module__.startswith("torch"):
        v = v.detach().cpu().numpy() if hasattr(v, "detach") else None
    if v is None or isinstance(v, str):
        return v if depth > 0 else None  # inside a list: a shape's None, a layer's name
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, np.ndarray) and v.dtype.kind in "biuf" and v.size <= 5000:
        return np.asarray(v, dtype=np.float64).tolist()
    if isinstance(v, dict):
        out = {str(k): plain(x, depth + 1) for k, x in v.items()}
        return {k: x for k, x in out.items() if x is not None} or None
    if isinstance(v, (list, tuple)) and len(v) <= 5000:
        items = [plain(x, depth + 1) for x in v]
        return None if any(x is None and y is not None for x, y in zip(items, v)) else items
    return None


def type_name(v: Any) -> str:
    return type(v).__name__


def dump(g: dict[str, Any]) -> None:
    found = script_values(g, plain)
    values = {name: p for name, (p, _) in found.items()}
    types_ = {name: type_name(v) for name, (_, v) in found.items()}
    print("@@RESULT " + json.dumps({"values": values, "types": types_}))


#: functions that build a model from a file: a model they compile keeps the file's weights
_LOADERS = {"load_model", "load_model_from_hdf5", "compile_from_config", "model_from_archive",
            "model_from_file", "checkpoint_from_archive", "checkpoint_from_file",
            "read_checkpoint"}


def _loading() -> bool:
    """True inside a loader (a model read from a file is neither recorded nor given the
    recorded initial weights: it keeps what the file holds, in both runs)."""
    return any(frame.name in _LOADERS for frame in traceback.extract_stack())


def run_glassnet(script: str, weights_out: str) -> None:
    import warnings

    import glassnet as gn

    warnings.simplefilter("error", gn.GlassnetWarning)
    warnings.filterwarnings("ignore", message=r"save: .* will hold glassnet's own format")
    gn.set_global_seed(0)
    recorded: dict[str, np.ndarray] = {}
    seen: list[Any] = []
    original_compile = gn.Sequential.compile

    def record(model: Any) -> None:
        if any(m is model for m in seen) or _loading():
            return
        k = len(seen)
        seen.append(model)  # the model itself: a collected model's id may come again
        dense = [layer for layer in model.flattened().layers if layer.has_units]
        for i, layer in enumerate(dense):
            recorded[f"m{k}_{i}_W"] = layer.W.copy()
            recorded[f"m{k}_{i}_b"] = layer.b.copy()

    class Record(gn.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            record(self.model)

    def compile(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = original_compile(self, *args, **kwargs)
        if self.built:  # the weights at compile time, else at the first fit
            record(self)
        return out

    fit_with_first_callback(gn.Sequential, Record)
    gn.Sequential.compile = compile  # type: ignore[method-assign]
    g = runpy.run_path(script, run_name="__main__")
    np.savez(weights_out, **recorded)
    dump(g)


def _keras_tf() -> types.ModuleType:
    """``tf`` as a script uses it, for real Keras (TensorFlow itself is not installed)."""
    import keras

    tf = keras_tf(keras)
    ops = keras.ops
    tf.nn = types.SimpleNamespace(softmax=ops.softmax, sigmoid=ops.sigmoid,  # type: ignore[attr-defined]
                                  relu=ops.relu)
    tf.random = types.SimpleNamespace(set_seed=keras.utils.set_random_seed)  # type: ignore[attr-defined]
    for name in ("ones", "zeros", "linspace", "expand_dims", "stack", "concatenate", "reshape",
                 "argmax"):
        setattr(tf, name, getattr(ops, name))
    tf.constant = ops.convert_to_tensor  # type: ignore[attr-defined]
    tf.convert_to_tensor = ops.convert_to_tensor  # type: ignore[attr-defined]
    tf.reduce_sum, tf.reduce_mean = ops.sum, ops.mean  # type: ignore[attr-defined]
    return tf


def run_keras(script: str, weights_in: str) -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    import torch

    numpy_of = torch.Tensor.numpy
    # TensorFlow's tensors answer .numpy() whether or not they took part in a gradient
    torch.Tensor.numpy = lambda self, *a, **k: numpy_of(self.detach().cpu(), *a, **k)  # type: ignore[method-assign]
    keras.utils.set_random_seed(0)
    glassnet_is_keras(keras, _keras_tf(), ("layers", "models", "losses", "optimizers",
                                           "callbacks", "activations", "regularizers",
                                           "metrics", "utils"))
    weights = dict(np.load(weights_in))
    seen: list[Any] = []

    def dense_layers(layers: list[Any]) -> list[Any]:
        out = []
        for layer in layers:
            if isinstance(layer, keras.layers.Dense):
                out.append(layer)
            elif hasattr(layer, "layers"):
                out += dense_layers(layer.layers)
        return out

    def copy(model: Any) -> None:
        if any(m is model for m in seen) or _loading():
            return
        k = len(seen)
        seen.append(model)  # the model itself: a collected model's id may come again
        for i, layer in enumerate(dense_layers(model.layers)):
            layer.kernel.assign(weights[f"m{k}_{i}_W"])
            layer.bias.assign(weights[f"m{k}_{i}_b"])

    class Copy(keras.callbacks.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            copy(self.model)

    from keras.src.trainers.trainer import Trainer

    # patched where Keras defines it: Keras' loader compiles a loaded model only when the
    # model's `compile` is Trainer.compile (a patched Model.compile would read as custom)
    original_compile = Trainer.compile

    @functools.wraps(original_compile)
    def compile(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = original_compile(self, *args, **kwargs)
        if self.built:
            copy(self)
        return out

    Trainer.compile = compile  # type: ignore[method-assign]
    fit_with_first_callback(keras.Model, Copy)
    g = runpy.run_path(script, run_name="__main__")
    dump(g)


if __name__ == "__main__":
    main(run_glassnet, run_keras)
