"""Keras' metrics BinaryCrossentropy, CategoricalCrossentropy, MeanAbsoluteError,
MeanSquaredError, RootMeanSquaredError, Precision, Recall and AUC: epoch values accumulated
over batches as Keras accumulates them, names in the history as Keras names them, saved and
loaded with their settings, and checked against real Keras (torch backend)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import metrics
from glassnet.errors import ArgumentTypeError, ConfigError, OutsideSubsetError
from glassnet.keras import metrics as km


@pytest.fixture(scope="module")
def keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _binary_data(seed: int, m: int = 50, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=(m, k)).astype(np.float32)
    p = np.clip(0.3 * y + rng.uniform(0.0, 0.8, size=(m, k)), 0, 1).astype(np.float32)
    p[0, 0], p[1, 0], p[2, 0] = 0.0, 1.0, 0.5  # edges: a threshold exactly, clip limits
    return y, p


# (our factory, Keras factory, data kind)
PAIRS: dict[str, tuple[Any, Any, str]] = {
    "auc": (lambda: km.AUC(), lambda k: k.metrics.AUC(), "binary"),
    "auc_17": (lambda: km.AUC(num_thresholds=17), lambda k: k.metrics.AUC(num_thresholds=17),
               "binary"),
    "auc_pr": (lambda: km.AUC(curve="PR"), lambda k: k.metrics.AUC(curve="PR"), "binary"),
    "auc_minoring": (lambda: km.AUC(summation_method="minoring"),
                     lambda k: k.metrics.AUC(summation_method="minoring"), "binary"),
    "auc_logits": (lambda: km.AUC(from_logits=True), lambda k: k.metrics.AUC(from_logits=True),
                   "logits"),
    "auc_multi": (lambda: km.AUC(), lambda k: k.metrics.AUC(), "binary3"),
    "precision": (lambda: km.Precision(), lambda k: k.metrics.Precision(), "binary"),
    "precision_03": (lambda: km.Precision(thresholds=0.3),
                     lambda k: k.metrics.Precision(thresholds=0.3), "binary3"),
    "recall": (lambda: km.Recall(), lambda k: k.metrics.Recall(), "binary"),
    "tp": (lambda: km.TruePositives(), lambda k: k.metrics.TruePositives(), "binary3"),
    "fp": (lambda: km.FalsePositives(thresholds=0.3),
           lambda k: k.metrics.FalsePositives(thresholds=0.3), "binary"),
    "tn": (lambda: km.TrueNegatives(), lambda k: k.metrics.TrueNegatives(), "binary"),
    "fn": (lambda: km.FalseNegatives(), lambda k: k.metrics.FalseNegatives(), "binary3"),
    "rmse": (lambda: km.RootMeanSquaredError(), lambda k: k.metrics.RootMeanSquaredError(),
             "real"),
    "mse": (lambda: km.MeanSquaredError(), lambda k: k.metrics.MeanSquaredError(), "real"),
    "mae": (lambda: km.MeanAbsoluteError(), lambda k: k.metrics.MeanAbsoluteError(), "real"),
    "bce": (lambda: km.BinaryCrossentropy(), lambda k: k.metrics.BinaryCrossentropy(),
            "binary3"),
    "bce_logits": (lambda: km.BinaryCrossentropy(from_logits=True),
                   lambda k: k.metrics.BinaryCrossentropy(from_logits=True), "logits"),
    "cce": (lambda: km.CategoricalCrossentropy(), lambda k: k.metrics.CategoricalCrossentropy(),
            "onehot"),
    "scce": (lambda: km.SparseCategoricalCrossentropy(),
             lambda k: k.metrics.SparseCategoricalCrossentropy(), "sparse"),
}


def _data(kind: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if kind == "binary":
        return _binary_data(seed)
    if kind == "binary3":
        return _binary_data(seed, k=3)
    if kind == "logits":
        y, _ = _binary_data(seed)
        return y, rng.normal(size=y.shape).astype(np.float32) * 3
    if kind == "real":
        return (rng.normal(size=(50, 2)).astype(np.float32),
                rng.normal(size=(50, 2)).astype(np.float32))
    z = rng.normal(size=(50, 4))
    p = (np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)).astype(np.float32)
    labels = rng.integers(0, 4, size=50)
    if kind == "onehot":
        return np.eye(4, dtype=np.float32)[labels], p
    return labels, p


@pytest.mark.parametrize("key", sorted(PAIRS))
def test_accumulated_over_batches_as_keras(keras: Any, key: str) -> None:
    ours_f, theirs_f, kind = PAIRS[key]
    y, p = _data(kind, len(key))
    keras.backend.clear_session()
    gn.keras.backend.clear_session()
    ours, theirs = ours_f(), theirs_f(keras)
    state = None
    for start in range(0, 50, 16):  # batches of 16, 16, 16, 2
        yb, pb = y[start:start + 16], p[start:start + 16]
        state = ours.accumulate(state, yb, pb)
        theirs.update_state(yb, pb)
        assert ours.result_from(state) == pytest.approx(float(theirs.result()), rel=2e-5,
                                                        abs=1e-6)
    # the epoch value equals the metric over all the examples at once
    assert ours(y, p) == pytest.approx(ours.result_from(state), rel=1e-12)
    assert ours.name == theirs.name


def test_history_names_as_keras(keras: Any) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = (X[:, :1] > 0).astype(np.float32)
    names = ["auc", "AUC", "precision", "Precision", "recall", "binary_crossentropy", "mse",
             "mae", "mean_squared_error", "mean_absolute_error", "root_mean_squared_error",
             "RootMeanSquaredError", "accuracy"]
    objects = [km.AUC(), km.Precision(name="p"),
               km.BinaryCrossentropy(from_logits=True, name="binary_crossentropy")]
    k_objects = [keras.metrics.AUC(), keras.metrics.Precision(name="p"),
                 keras.metrics.BinaryCrossentropy(from_logits=True, name="binary_crossentropy")]
    for ours_m, theirs_m in ((names, names), (objects, k_objects)):
        model = gn.Sequential([gn.layers.Input((3,)), gn.layers.Dense(1, activation="sigmoid")],
                              seed=0)
        model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=ours_m)
        h = model.fit(X, y, epochs=1, verbose=0, validation_split=0.25)
        theirs = keras.Sequential([keras.Input((3,)),
                                   keras.layers.Dense(1, activation="sigmoid")])
        theirs.compile(loss="binary_crossentropy", optimizer="sgd", metrics=theirs_m)
        hk = theirs.fit(X, y, epochs=1, verbose=0, validation_split=0.25)
        assert sorted(h.history) == sorted(hk.history)


def test_fit_and_evaluate_match_keras(keras: Any) -> None:
    """The Overfit-and-underfit pattern: logits out, BCE(from_logits) loss, BCE(from_logits)
    metric named binary_crossentropy, accuracy, AUC; same initial weights, same batches."""
    keras.backend.clear_session()  # both count unnamed AUCs from here: auc, auc_1...
    gn.keras.backend.clear_session()
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 5)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=64) > 0).astype(np.float32)
    y = y[:, None]
    ours = gn.Sequential([gn.layers.Input((5,)), gn.layers.Dense(8, activation="elu"),
                          gn.layers.Dense(1)], seed=3)
    theirs = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="elu"),
                               keras.layers.Dense(1)])
    theirs.set_weights(ours.get_weights())
    ours.compile(optimizer=gn.optimizers.Adam(0.01),
                 loss=gn.losses.BinaryCrossentropy(from_logits=True),
                 metrics=[km.BinaryCrossentropy(from_logits=True, name="binary_crossentropy"),
                          "accuracy", km.AUC(from_logits=True), "precision", "recall"])
    theirs.compile(optimizer=keras.optimizers.Adam(0.01),
                   loss=keras.losses.BinaryCrossentropy(from_logits=True),
                   metrics=[keras.metrics.BinaryCrossentropy(from_logits=True,
                                                             name="binary_crossentropy"),
                            "accuracy", keras.metrics.AUC(from_logits=True), "precision",
                            "recall"])
    h = ours.fit(X, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                 validation_data=(X[:20], y[:20]))
    hk = theirs.fit(X, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                    validation_data=(X[:20], y[:20]))
    assert sorted(h.history) == sorted(hk.history)
    for key in hk.history:
        np.testing.assert_allclose(h.history[key], hk.history[key], rtol=1e-4, atol=1e-5,
                                   err_msg=key)
    np.testing.assert_allclose(ours.evaluate(X, y), theirs.evaluate(X, y, verbose=0),
                               rtol=1e-4, atol=1e-5)


def test_settings_survive_save_and_load(tmp_path: Any) -> None:
    model = gn.Sequential([gn.layers.Input((2,)), gn.layers.Dense(1)], seed=0)
    model.compile(loss=gn.losses.BinaryCrossentropy(from_logits=True), optimizer="adam",
                  metrics=[km.BinaryCrossentropy(from_logits=True, name="bce"),
                           km.AUC(num_thresholds=50, from_logits=True), "AUC",
                           km.Precision(thresholds=0.7), "root_mean_squared_error",
                           km.Recall()])
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = gn.load_model(path)
    assert [metrics.to_config(m) for m in loaded.metrics] == \
        [metrics.to_config(m) for m in model.metrics]
    assert loaded.metric_names == model.metric_names
    assert loaded.metric_names[0] == "bce" and loaded.metric_names[2:] == [
        "AUC", model.metrics[3].name, "root_mean_squared_error", model.metrics[5].name]
    assert loaded.metrics[0].from_logits and loaded.metrics[1].num_thresholds == 50
    assert loaded.metrics[3].threshold == 0.7


def test_bad_settings_name_the_argument() -> None:
    with pytest.raises(ConfigError, match="num_thresholds"):
        km.AUC(num_thresholds=1)
    with pytest.raises(ConfigError, match="curve"):
        km.AUC(curve="ROCK")
    with pytest.raises(ConfigError, match="summation_method"):
        km.AUC(summation_method="simpson")
    with pytest.raises(OutsideSubsetError, match="multi_label"):
        km.AUC(multi_label=True)
    with pytest.raises(ConfigError, match="thresholds"):
        km.Precision(thresholds=1.5)
    with pytest.raises(OutsideSubsetError, match="top_k"):
        km.Recall(top_k=2)
    with pytest.raises(ArgumentTypeError, match="from_logits"):
        km.BinaryCrossentropy(from_logits="yes")
    with pytest.raises(ArgumentTypeError, match="name"):
        km.MeanSquaredError(name=3)
    with pytest.raises(ConfigError, match="metrics"):
        metrics.get({"class": "os.system", "name": "x", "config": {}}, gn.losses.get("mse"))


def test_population_takes_stateful_metrics() -> None:
    """Populations report stateful metrics (tests/test_population_metrics.py checks them bit
    for bit against each model alone)."""
    from glassnet.population import Population

    members = []
    for s in (0, 1):
        m = gn.Sequential([gn.layers.Input((2,)), gn.layers.Dense(1, activation="sigmoid")],
                          seed=s)
        m.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["auc", "mae"])
        members.append(m)
    pop = Population(members)
    assert pop.metric_names == ["auc", "mae"]
