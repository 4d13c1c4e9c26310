"""Runs a tutorial script (tests/tutorials/*.py) in one of two interpreters and prints its
global values as JSON on a line ``@@RESULT {...}``:

- ``glassnet``: the script as written (``from glassnet import tf`` ...); each model's Dense
  weights at its first ``fit`` are written to an .npz file;
- ``keras``: the same script with its ``glassnet`` imports pointing at real Keras 3 (torch
  backend; TensorFlow itself is not installed), each model starting its first ``fit`` from
  the glassnet run's recorded weights, so both train from the same start.

Used by tests/test_tutorials_b.py. Not a tutorial: runners skip files starting with ``_``."""

from __future__ import annotations

import json
import os
import runpy
from typing import Any

import numpy as np
from _driver_common import fit_with_first_callback, glassnet_is_keras, keras_tf, main, script_values


def plain(v: Any, depth: int = 0) -> Any:
    """A JSON-able form of a script's value, or None."""
    if depth > 3:
        return None
    history = getattr(v, "history", None)
    if isinstance(history, dict) and hasattr(v, "epoch"):
        return {"history": {k: [float(x) for x in xs] for k, xs in history.items()},
                "epoch": [int(e) for e in v.epoch]}
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, np.ndarray) and v.dtype.kind in "biuf" and v.size <= 100:
        return np.asarray(v, dtype=np.float64).tolist()
    if isinstance(v, dict):
        out = {str(k): plain(x, depth + 1) for k, x in v.items()}
        return {k: x for k, x in out.items() if x is not None} or None
    if isinstance(v, (list, tuple)) and len(v) <= 100:
        items = [plain(x, depth + 1) for x in v]
        return None if any(x is None for x in items) else items
    return None


def dump(g: dict[str, Any]) -> None:
    values = {name: p for name, (p, _) in script_values(g, plain).items()}
    print("@@RESULT " + json.dumps(values))


def run_glassnet(script: str, weights_out: str) -> None:
    import glassnet as gn

    gn.set_global_seed(0)
    recorded: dict[str, np.ndarray] = {}
    seen: list[Any] = []
    class Record(gn.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            if any(m is self.model for m in seen):
                return
            k = len(seen)
            seen.append(self.model)  # the model itself: an id may be reused
            dense = [layer for layer in self.model.layers if layer.has_units]
            for i, layer in enumerate(dense):
                recorded[f"m{k}_{i}_W"] = layer.params[0].copy()
                recorded[f"m{k}_{i}_b"] = layer.params[1].copy()

    fit_with_first_callback(gn.Sequential, Record)
    g = runpy.run_path(script, run_name="__main__")
    np.savez(weights_out, **recorded)
    dump(g)


def run_keras(script: str, weights_in: str) -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    keras.utils.set_random_seed(0)
    glassnet_is_keras(keras, keras_tf(keras))
    weights = dict(np.load(weights_in))
    seen: list[Any] = []

    class Copy(keras.callbacks.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            if any(m is self.model for m in seen):
                return
            k = len(seen)
            seen.append(self.model)  # the model itself: an id may be reused
            dense = [layer for layer in self.model.layers
                     if isinstance(layer, keras.layers.Dense)]
            for i, layer in enumerate(dense):
                layer.kernel.assign(weights[f"m{k}_{i}_W"])
                layer.bias.assign(weights[f"m{k}_{i}_b"])

    fit_with_first_callback(keras.Model, Copy)
    g = runpy.run_path(script, run_name="__main__")
    dump(g)


if __name__ == "__main__":
    main(run_glassnet, run_keras)
