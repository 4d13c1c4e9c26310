"""Every public mutating call is all-or-nothing (issue 20): a refused compile, fit,
set_weights, load_weights, adapt or callback setup leaves the model exactly as it was. The
snapshot covers everything training depends on: weights, the optimizer (object, iterations,
slots), the loss, metrics and compiled objects, the history, the epoch count, the built and
adapted flags."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import GlassnetError


def snapshot(model: gn.Sequential) -> dict[str, Any]:
    """Everything a refused call must leave as it was (bytes of arrays, ids of objects)."""
    optimizer = model.optimizer
    history = model.history
    layers = []
    for layer in model.layers:
        layers.append((id(layer), str(layer.name), bool(layer.built),
                       getattr(layer, "adapted", None),
                       [(w.dtype.str, w.shape, w.tobytes()) for w in layer.weight_arrays()]
                       if layer.built else None))
    state = optimizer.get_state() if optimizer is not None else None
    return {
        "built": model.built,
        "layers": layers,
        "optimizer": None if optimizer is None else (
            id(optimizer), type(optimizer).__name__, repr(optimizer.get_config()),
            state["iterations"],  # type: ignore[index]
            {k: [a.tobytes() for a in v] for k, v in state["slots"].items()}),  # type: ignore[index]
        "loss": (id(model.loss), getattr(model.loss, "name", None)),
        "metrics": [id(m) for m in model.metrics],
        "metric_names": list(model.metric_names),
        "fused": model.fused_output,
        "history": None if history is None else (
            id(history), repr(history.history), list(history.epoch), repr(history.params)),
        "epochs_trained": model.epochs_trained,
        "dtype": str(model.dtype),
        "seed": model.seed,
    }


def trained(dtype: str = "float32") -> tuple[gn.Sequential, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.eye(3)[np.arange(40) % 3]
    norm = gn.layers.Normalization()
    norm.adapt(X)
    model = gn.Sequential([gn.layers.Input(shape=(3,)), norm,
                           gn.layers.Dense(6, activation="tanh"),
                           gn.layers.BatchNormalization(),
                           gn.layers.Dense(3, activation="softmax")], seed=1, dtype=dtype)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    return model, X, y


def _rejected_calls(model: gn.Sequential, X: np.ndarray, y: np.ndarray,
                    tmp: Path) -> list[tuple[str, Callable[[], Any]]]:
    weights = model.get_weights()
    bad_last = [w.copy() for w in weights]
    bad_last[-1] = np.zeros(7)
    negative_var = [w.copy() for w in weights]
    negative_var[1] = -np.ones_like(negative_var[1])  # the Normalization variance
    late_nan = [w.copy() for w in weights]
    late_nan[-2] = np.full_like(late_nan[-2], np.nan)
    huge = [w.astype(np.float64) for w in weights]
    huge[-1] = np.full(huge[-1].shape, 1e300)
    a_file = tmp / "a_file"
    a_file.write_text("x")
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("compile unknown optimizer", lambda: model.compile(loss="mse", optimizer="nope")),
        ("compile unknown loss", lambda: model.compile(loss="nope", optimizer="sgd")),
        ("compile unknown metric",
         lambda: model.compile(loss="mse", optimizer="sgd", metrics=["accuracy", "nope"])),
        ("compile metrics not a list", lambda: model.compile(loss="mse", metrics="accuracy")),
        ("compile optimizer of a bad type", lambda: model.compile(optimizer=3.5)),
        ("fit epochs=0", lambda: model.fit(X, y, epochs=0, verbose=0)),
        ("fit bad labels", lambda: model.fit(X, y[:, :2], verbose=0)),
        ("fit NaN X", lambda: model.fit(np.full_like(X, np.nan), y, verbose=0)),
        ("fit wrong width", lambda: model.fit(X[:, :2], y, verbose=0)),
        ("fit too few labels", lambda: model.fit(X, y[:5], verbose=0)),
        ("fit batch_size=0", lambda: model.fit(X, y, batch_size=0, verbose=0)),
        ("fit batch_size 1.5", lambda: model.fit(X, y, batch_size=1.5, verbose=0)),
        ("fit epochs huge float", lambda: model.fit(X, y, epochs=1e400, verbose=0)),
        ("fit validation_split=2", lambda: model.fit(X, y, validation_split=2.0, verbose=0)),
        ("fit validation_split=10**400",
         lambda: model.fit(X, y, validation_split=10**400, verbose=0)),
        ("fit validation_data short",
         lambda: model.fit(X, y, validation_data=(X,), verbose=0)),
        ("fit validation_data bad labels",
         lambda: model.fit(X, y, validation_data=(X, y[:3]), verbose=0)),
        ("fit callbacks not callbacks", lambda: model.fit(X, y, callbacks=[3], verbose=0)),
        ("fit EarlyStopping on an unknown key", lambda: model.fit(
            X, y, callbacks=[gn.callbacks.EarlyStopping(monitor="nope")], verbose=0)),
        # (a missing folder is made, as Keras makes it; a folder under a file cannot be)
        ("fit ModelCheckpoint into a folder under a file", lambda: model.fit(
            X, y, callbacks=[gn.callbacks.ModelCheckpoint(str(a_file / "no" / "m.gn"))],
            verbose=0)),
        ("fit ModelCheckpoint with a bad format", lambda: model.fit(
            X, y, callbacks=[gn.callbacks.ModelCheckpoint(str(tmp / "m-{nope}.gn"))],
            verbose=0)),
        ("fit BackupAndRestore onto a file", lambda: model.fit(
            X, y, callbacks=[gn.callbacks.BackupAndRestore(str(a_file))], verbose=0)),
        ("fit initial_epoch beyond epochs",
         lambda: model.fit(X, y, epochs=2, initial_epoch=5, verbose=0)),
        ("fit verbose=7", lambda: model.fit(X, y, verbose=7)),
        ("fit verbose an array", lambda: model.fit(X, y, verbose=np.zeros(3))),  # type: ignore[arg-type]
        ("fit shuffle='nope'", lambda: model.fit(X, y, shuffle="nope", verbose=0)),
        ("set_weights too few", lambda: model.set_weights(weights[:-1])),
        ("set_weights last shape wrong", lambda: model.set_weights(bad_last)),
        ("set_weights negative variance first", lambda: model.set_weights(negative_var)),
        ("set_weights NaN late", lambda: model.set_weights(late_nan)),
        ("set_weights 1e300 into float32", lambda: model.set_weights(huge)),
        ("set_weights not a list", lambda: model.set_weights("weights")),
        ("adapt wrong width", lambda: model.layers[0].adapt(X[:, :2])),
        ("adapt NaN", lambda: model.layers[0].adapt(np.full_like(X, np.nan))),
        ("adapt overflowing variance", lambda: model.layers[0].adapt(
            np.array([[1e200, 0, 0], [-1e200, 0, 0]]))),
        ("layer set_weights negative variance",
         lambda: model.layers[0].set_weights([np.zeros(3), -np.ones(3)])),
    ]
    if hasattr(model, "load_weights"):
        calls.append(("load_weights missing file",
                      lambda: model.load_weights(str(tmp / "missing.weights.h5"))))
        calls.append(("load_weights damaged file",
                      lambda: model.load_weights(str(a_file))))
    return calls


def test_every_rejected_call_leaves_the_model_as_it_was(tmp_path: Path) -> None:
    model, X, y = trained()
    changed, accepted = [], []
    for name, call in _rejected_calls(model, X, y, tmp_path):
        before = snapshot(model)
        try:
            call()
        except GlassnetError:
            pass
        else:
            accepted.append(name)
            continue
        if snapshot(model) != before:
            changed.append(name)
    assert not accepted, f"these calls should have been refused: {accepted}"
    assert not changed, f"refused calls that changed the model: {changed}"
    assert os.listdir(tmp_path) == ["a_file"]  # nothing written either


def test_a_refused_fit_leaves_an_unbuilt_model_unbuilt() -> None:
    model = gn.Sequential([gn.layers.Dense(4, activation="relu"),
                           gn.layers.Dense(2, activation="softmax")], seed=1)
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    X = np.ones((10, 3))
    before = snapshot(model)
    with pytest.raises(GlassnetError):
        model.fit(X, np.ones((10, 5)), verbose=0)  # labels for 5 classes, 2 outputs
    with pytest.raises(GlassnetError):
        model.fit(X, np.eye(2)[np.arange(10) % 2], batch_size=0, verbose=0)
    assert snapshot(model) == before
    assert not model.built


def test_compile_keeps_a_trained_optimizer_when_metrics_are_refused() -> None:
    model, X, y = trained()
    optimizer = model.optimizer
    iterations = optimizer.iterations
    assert iterations > 0
    with pytest.raises(gn.ConfigError, match="nope"):
        model.compile(loss="mse", optimizer="sgd", metrics=["nope"])
    assert model.optimizer is optimizer and optimizer.iterations == iterations
    assert model.loss.name == "categorical_crossentropy"
    with pytest.raises(gn.ConfigError, match="optimizer"):
        model.compile(loss="mse", optimizer="nope")
    assert model.loss.name == "categorical_crossentropy"


def test_values_beyond_float32_are_an_error_naming_the_array() -> None:
    model, X, y = trained()
    weights = [w.astype(np.float64) for w in model.get_weights()]
    weights[-2][0, 0] = 1e300
    with pytest.raises(gn.DataError, match=r"layer 'dense_1'.*W.*float32.*1e\+300"):
        model.set_weights(weights)
    weights[-2][0, 0] = 1e30  # fits float32
    model.set_weights(weights)
    assert model.get_weights()[-2][0, 0] == np.float32(1e30)
