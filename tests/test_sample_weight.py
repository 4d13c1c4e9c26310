"""Per-example weights: ``fit(sample_weight=..., class_weight=...)``, ``evaluate`` and
``gradients`` with weights, Keras' rule (``sum_i w_i l_i / batch size``), checked against
finite differences in float64 and against real Keras (torch backend) when it is installed."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import losses
from glassnet.errors import ArgumentTypeError, ConfigError, DataError, ShapeError

M, N_IN = 7, 3

# name -> (output activation, loss, output units, target kind)
CASES: dict[str, tuple[str, Any, int, str]] = {
    "mse": ("linear", losses.MeanSquaredError, 2, "real"),
    "bce_sigmoid": ("sigmoid", losses.BinaryCrossentropy, 2, "binary"),
    "bce_logits": ("linear", lambda: losses.BinaryCrossentropy(from_logits=True), 1, "binary"),
    "bce_softmax": ("softmax", losses.BinaryCrossentropy, 3, "binary"),
    "cce_softmax": ("softmax", losses.CategoricalCrossentropy, 3, "onehot"),
    "cce_logits": ("linear", lambda: losses.CategoricalCrossentropy(from_logits=True), 3,
                   "onehot"),
    "cce_sigmoid": ("sigmoid", losses.CategoricalCrossentropy, 3, "onehot"),
    "scce_softmax": ("softmax", losses.SparseCategoricalCrossentropy, 3, "labels"),
    "scce_logits": ("linear", lambda: losses.SparseCategoricalCrossentropy(from_logits=True), 3,
                    "labels"),
    "scce_sigmoid": ("sigmoid", losses.SparseCategoricalCrossentropy, 3, "labels"),
}


def _targets(kind: str, k: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "real":
        return rng.normal(size=(M, k))
    if kind == "binary":
        return rng.integers(0, 2, size=(M, k)).astype(np.float64)
    if kind == "onehot":
        return np.eye(k)[np.arange(M) % k]
    return np.arange(M) % k


def _model(out_act: str, k: int, dtype: str = "float64", seed: int = 0) -> gn.Sequential:
    return gn.Sequential([gn.layers.Input(shape=(N_IN,)),
                          gn.layers.Dense(4, activation="tanh"),
                          gn.layers.Dense(k, activation=out_act)], seed=seed, dtype=dtype)


def _finite_differences(model: gn.Sequential, X: Any, y: Any, w: Any,
                        eps: float = 1e-5) -> list[np.ndarray]:
    out = []
    for p in model.trainable_weights:
        flat = p.reshape(-1)
        g = np.empty_like(flat)
        for i in range(flat.size):
            keep = flat[i]
            flat[i] = keep + eps
            up = model.loss_value(X, y, sample_weight=w)
            flat[i] = keep - eps
            down = model.loss_value(X, y, sample_weight=w)
            flat[i] = keep
            g[i] = (up - down) / (2 * eps)
        out.append(g.reshape(p.shape))
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_weighted_loss_value_and_gradient(case: str) -> None:
    out_act, make_loss, k, kind = CASES[case]
    rng = np.random.default_rng(len(case))
    X = rng.normal(size=(M, N_IN))
    y = _targets(kind, k, rng)
    w = rng.uniform(0.0, 3.0, size=M)
    model = _model(out_act, k)
    model.compile(loss=make_loss(), optimizer="sgd")
    # the value is Keras' sum over the batch size: sum_i w_i l_i / m
    per = np.array([model.loss_value(X[i:i + 1], y[i:i + 1]) for i in range(M)])
    assert model.loss_value(X, y, sample_weight=w) == pytest.approx(np.dot(w, per) / M,
                                                                    rel=1e-12)
    # unit weights change nothing
    assert model.loss_value(X, y, sample_weight=np.ones(M)) == pytest.approx(
        model.loss_value(X, y), rel=1e-12)
    for a, b in zip(model.gradients(X, y, sample_weight=np.ones(M)), model.gradients(X, y)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    # the gradient against central differences, float64
    analytic = model.gradients(X, y, sample_weight=w)
    numeric = _finite_differences(model, X, y, w)
    for a, n in zip(analytic, numeric):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-9)
    # the loss object's own call takes the weights too (Keras' loss(y, p, sample_weight))
    assert model.loss(y, model.predict(X), sample_weight=w) == pytest.approx(
        np.dot(w, per) / M, rel=1e-6)


def test_zero_weight_examples_do_not_move_the_model() -> None:
    """Training on (X, y) with weights 1 on the first rows and 0 on the rest equals training on
    the first rows alone with the loss scaled by their share of the batch."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(8, N_IN)), rng.normal(size=(8, 2))
    w = np.array([1.0] * 4 + [0.0] * 4)
    a, b = _model("linear", 2), _model("linear", 2)
    a.compile(loss="mse", optimizer=gn.optimizers.SGD(0.1))
    b.compile(loss="mse", optimizer=gn.optimizers.SGD(0.05))  # half the rows: half the step
    a.fit(X, y, sample_weight=w, batch_size=None, epochs=3, verbose=0)
    b.fit(X[:4], y[:4], batch_size=None, epochs=3, verbose=0)
    for p, q in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(p, q, rtol=1e-12)


def test_class_weight_is_sample_weight_by_label() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(20, N_IN))
    labels = rng.integers(0, 3, size=20)
    cw = {0: 0.5, 2: 4.0}  # class 1 not listed: weight 1
    w = np.array([cw.get(int(c), 1.0) for c in labels])
    for y in (labels, np.eye(3)[labels]):
        loss = "sparse_categorical_crossentropy" if y.ndim == 1 else "categorical_crossentropy"
        a, b = _model("softmax", 3), _model("softmax", 3)
        for m in (a, b):
            m.compile(loss=loss, optimizer="adam", metrics=["accuracy"])
        ha = a.fit(X, y, class_weight=cw, epochs=2, batch_size=8, verbose=0)
        hb = b.fit(X, y, sample_weight=w, epochs=2, batch_size=8, verbose=0)
        assert ha.history == hb.history
        for p, q in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_array_equal(p, q)
    # binary targets (m, 1): the rounded target is the label
    yb = (labels == 2).astype(float)[:, None]
    a, b = _model("sigmoid", 1), _model("sigmoid", 1)
    for m in (a, b):
        m.compile(loss="binary_crossentropy", optimizer="sgd")
    a.fit(X, yb, class_weight={0: 1.0, 1: 3.0}, epochs=1, verbose=0)
    b.fit(X, yb, sample_weight=np.where(yb[:, 0] == 1, 3.0, 1.0), epochs=1, verbose=0)
    for p, q in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(p, q)


def test_no_weights_is_bit_for_bit_the_unweighted_run() -> None:
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(30, N_IN)), rng.integers(0, 3, size=30)
    a, b = _model("softmax", 3, "float32"), _model("softmax", 3, "float32")
    for m in (a, b):
        m.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    a.fit(X, y, epochs=2, batch_size=8, verbose=0)
    b.fit(X, y, epochs=2, batch_size=8, verbose=0, sample_weight=np.ones(30))
    for p, q in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(p, q, rtol=1e-6)


def test_evaluate_and_validation_weights() -> None:
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(10, N_IN)), rng.normal(size=(10, 2))
    w = rng.uniform(size=10)
    model = _model("linear", 2)
    model.compile(loss="mse", optimizer="sgd", metrics=["mae"])
    loss, mae = model.evaluate(X, y, sample_weight=w)  # type: ignore[misc]
    assert loss == pytest.approx(model.loss_value(X, y, sample_weight=w))
    assert mae == pytest.approx(model.evaluate(X, y)[1])  # type: ignore[index]  # unweighted
    assert model.evaluate(X, y, sample_weight=w, batch_size=3) == pytest.approx([loss, mae])
    # validation_split holds out the last weights with their examples
    h = model.fit(X, y, sample_weight=w, validation_split=0.3, epochs=1, verbose=0)
    val = model.evaluate(X[7:], y[7:], sample_weight=w[7:], return_dict=True)
    assert h.history["val_loss"][0] == pytest.approx(val["loss"])
    h = model.fit(X[:7], y[:7], validation_data=(X[7:], y[7:], w[7:]), epochs=1, verbose=0)
    val = model.evaluate(X[7:], y[7:], sample_weight=w[7:], return_dict=True)
    assert h.history["val_loss"][0] == pytest.approx(val["loss"])


def test_bad_weights_are_refused_and_change_nothing() -> None:
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(6, N_IN)), rng.integers(0, 3, size=6)
    model = _model("softmax", 3)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    before = model.get_weights()
    with pytest.raises(ShapeError, match="sample_weight"):
        model.fit(X, y, sample_weight=np.ones(5), verbose=0)
    with pytest.raises(DataError, match="sample_weight"):
        model.fit(X, y, sample_weight=np.array([1, 1, 1, 1, 1, np.nan]), verbose=0)
    with pytest.raises(DataError, match="sample_weight"):
        model.fit(X, y, sample_weight=np.array(list("abcdef")), verbose=0)
    with pytest.raises(ConfigError, match="class_weight"):
        model.fit(X, y, sample_weight=np.ones(6), class_weight={0: 1.0}, verbose=0)
    with pytest.raises(ArgumentTypeError, match="class_weight"):
        model.fit(X, y, class_weight=[1.0, 2.0], verbose=0)
    with pytest.raises(ArgumentTypeError, match="class_weight"):
        model.fit(X, y, class_weight={"a": 1.0}, verbose=0)
    with pytest.raises(ArgumentTypeError, match=r"class_weight\[1\]"):
        model.fit(X, y, class_weight={1: "x"}, verbose=0)
    with pytest.raises(ShapeError, match="validation_data"):
        model.fit(X, y, validation_data=(X, y, np.ones(2)), verbose=0)
    with pytest.raises(ShapeError, match="sample_weight"):
        model.evaluate(X, y, sample_weight=np.ones((6, 2)))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.epochs_trained == 0


def test_population_weighs_each_member_as_its_own_fit() -> None:
    """Populations take the same weights (tests/test_population_weights.py has the rest)."""
    from glassnet.population import Population

    def members() -> list[gn.Sequential]:
        out = [_model("softmax", 3, "float32", seed=s) for s in (0, 1)]
        for m in out:
            m.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
        return out

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, N_IN)), rng.integers(0, 3, size=20)
    for kw in ({"sample_weight": rng.random(20)}, {"class_weight": {0: 2.0, 2: 0.5}}):
        pop = Population(members())
        ph = pop.fit(X, y, batch_size=8, epochs=2, seed=[3, 4], **kw)
        for k, alone in enumerate(members()):
            h = alone.fit(X, y, batch_size=8, epochs=2, seed=3 + k, verbose=0, **kw)
            assert ph[k].history == h.history
            for a, b in zip(alone.get_weights(), pop.get_weights(k)):
                np.testing.assert_array_equal(a, b)


# -- against real Keras ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("loss_name", ["mse", "sparse_categorical_crossentropy",
                                       "binary_crossentropy"])
def test_matches_keras_fit_with_weights(keras: Any, loss_name: str) -> None:
    rng = np.random.default_rng(8)
    m = 24
    X = rng.normal(size=(m, N_IN)).astype(np.float32)
    if loss_name == "mse":
        y: Any = rng.normal(size=(m, 2)).astype(np.float32)
        k, act = 2, "linear"
    elif loss_name == "binary_crossentropy":
        y = rng.integers(0, 2, size=(m, 1)).astype(np.float32)
        k, act = 1, "sigmoid"
    else:
        y = rng.integers(0, 3, size=m)
        k, act = 3, "softmax"
    w = rng.uniform(0.0, 2.0, size=m).astype(np.float32)
    metric = "mae" if loss_name == "mse" else "accuracy"
    ours = _model(act, k, "float32", seed=1)
    ours.compile(loss=loss_name, optimizer=gn.optimizers.SGD(0.1), metrics=[metric])
    theirs = keras.Sequential([keras.Input((N_IN,)), keras.layers.Dense(4, activation="tanh"),
                               keras.layers.Dense(k, activation=act)])
    theirs.set_weights(ours.get_weights())
    theirs.compile(loss=loss_name, optimizer=keras.optimizers.SGD(0.1), metrics=[metric])
    h_ours = ours.fit(X, y, sample_weight=w, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h_theirs = theirs.fit(X, y, sample_weight=w, batch_size=8, epochs=2, shuffle=False,
                          verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)
    # metrics are not weighted (Keras' metrics=, not weighted_metrics=)
    np.testing.assert_allclose(h_ours.history[metric], h_theirs.history[metric], rtol=1e-4)
    ev_ours = ours.evaluate(X, y, sample_weight=w)
    ev_theirs = theirs.evaluate(X, y, sample_weight=w, verbose=0)
    np.testing.assert_allclose(ev_ours, ev_theirs, rtol=1e-4)


def test_matches_keras_class_weight(keras: Any) -> None:
    rng = np.random.default_rng(9)
    m = 16
    X = rng.normal(size=(m, N_IN)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, size=m)]
    cw = {0: 0.25, 1: 2.0}
    ours = _model("softmax", 3, "float32", seed=2)
    ours.compile(loss="categorical_crossentropy", optimizer=gn.optimizers.SGD(0.2))
    theirs = keras.Sequential([keras.Input((N_IN,)), keras.layers.Dense(4, activation="tanh"),
                               keras.layers.Dense(3, activation="softmax")])
    theirs.set_weights(ours.get_weights())
    theirs.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.SGD(0.2))
    h1 = ours.fit(X, y, class_weight=cw, batch_size=4, epochs=2, shuffle=False, verbose=0)
    h2 = theirs.fit(X, y, class_weight=cw, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
