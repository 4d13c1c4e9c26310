"""Every bad input gets an error from glassnet.errors whose message names the argument,
what was expected, and what arrived."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import (
    ArgumentTypeError,
    ConfigError,
    DataError,
    GlassnetError,
    ModelFileError,
    NotReadyError,
    ShapeError,
)


def _model(compiled: bool = True, loss: Any = "sparse_categorical_crossentropy",
           units: int = 10) -> gn.Sequential:
    model = gn.Sequential([gn.layers.Input(shape=(4,)), gn.layers.Dense(3, "relu", name="L1"),
                           gn.layers.Dense(units, "softmax", name="L2")], seed=0)
    if compiled:
        model.compile(loss=loss, optimizer="sgd")
    return model


X4 = np.arange(24, dtype=np.float32).reshape(6, 4) / 24
Y = np.arange(6) % 3


# ----------------------------------------------------------------------------- the tree


@pytest.mark.parametrize("cls,builtin", [
    (ConfigError, ValueError), (ArgumentTypeError, TypeError), (ShapeError, ValueError),
    (DataError, ValueError), (NotReadyError, RuntimeError), (ModelFileError, ValueError),
])
def test_every_error_is_a_glassnet_error_and_the_expected_builtin(cls: type,
                                                                   builtin: type) -> None:
    assert issubclass(cls, GlassnetError)
    assert issubclass(cls, builtin)
    assert getattr(gn, cls.__name__) is cls


# ----------------------------------------------------------------------------- data


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("call", ["predict", "fit", "evaluate", "gradients"])
def test_non_finite_inputs_name_row_and_column(bad: float, call: str) -> None:
    model = _model()
    X = X4.copy()
    X[2, 1] = bad
    with pytest.raises(DataError, match=rf"X: expected finite numbers, found {bad} at row 2, "
                                        r"column 1"):
        if call == "predict":
            model.predict(X)
        elif call == "fit":
            model.fit(X, Y, verbose=0)
        elif call == "evaluate":
            model.evaluate(X, Y)
        else:
            model.gradients(X, Y)


def test_non_finite_validation_data_is_named() -> None:
    Xv = X4.copy()
    Xv[0, 3] = np.nan
    with pytest.raises(DataError, match=r"validation_data\[0\].*row 0, column 3"):
        _model().fit(X4, Y, validation_data=(Xv, Y), verbose=0)


def test_non_finite_targets() -> None:
    model = _model(loss="mse", units=1)
    with pytest.raises(DataError, match="NaN or infinite"):
        model.fit(X4, np.array([0, 1, np.nan, 0, 1, 0]), verbose=0)


def test_non_numeric_inputs() -> None:
    with pytest.raises(DataError, match="expected numbers.*dtype"):
        _model().predict(np.array([["a", "b", "c", "d"]]))
    with pytest.raises(ArgumentTypeError, match="X: expected a 2-D numeric array"):
        _model().predict("some text")
    with pytest.raises(ArgumentTypeError, match="X: expected a 2-D numeric array"):
        _model().predict(None)


# ----------------------------------------------------------------------------- shapes


@pytest.mark.parametrize("call", ["predict", "fit", "evaluate", "gradients", "trace"])
def test_wrong_feature_count(call: str) -> None:
    model = _model()
    X3 = X4[:, :3]
    with pytest.raises(ShapeError, match=r"^X has 3 features but layer 'L1' expects 4$"):
        if call == "predict":
            model.predict(X3)
        elif call == "fit":
            model.fit(X3, Y, verbose=0)
        elif call == "evaluate":
            model.evaluate(X3, Y)
        elif call == "gradients":
            model.gradients(X3, Y)
        else:
            model.trace(X3)


def test_wrong_feature_count_after_a_lazy_build() -> None:
    model = gn.Sequential([gn.layers.Dense(2, name="first")], seed=0)
    model.predict(np.zeros((1, 5)))
    with pytest.raises(ShapeError, match=r"X has 4 features but layer 'first' expects 5"):
        model.predict(np.zeros((1, 4)))


def test_one_dimensional_and_empty_inputs() -> None:
    with pytest.raises(ShapeError, match=r"shape \(4,\).*reshape\(1, -1\)"):
        _model().predict(np.zeros(4))
    with pytest.raises(ShapeError, match="at least one example"):
        _model().predict(np.zeros((0, 4)))


def test_target_count_mismatch() -> None:
    with pytest.raises(ShapeError, match="^y has 5 targets but X has 6 examples$"):
        _model().fit(X4, Y[:5], verbose=0)
    with pytest.raises(ShapeError, match=r"validation_data\[1\] has 2 targets but X has 3"):
        _model().fit(X4, Y, validation_data=(X4[:3], Y[:2]), verbose=0)
    with pytest.raises(ShapeError, match="y has 0 targets"):
        _model().fit(X4, 3, verbose=0)


# ----------------------------------------------------------------------------- labels


def test_labels_that_do_not_fit_the_loss() -> None:
    with pytest.raises(DataError, match=r"0\.\.9 for a model with 10 output units.*to 10"):
        _model().fit(X4, np.array([0, 1, 2, 10, 4, 5]), verbose=0)
    with pytest.raises(DataError, match="integer class labels"):
        _model().fit(X4, np.array([0, 1, 2.5, 3, 4, 5]), verbose=0)
    with pytest.raises(ShapeError, match="one-hot"):
        _model().fit(X4, np.eye(10)[:6], verbose=0)
    bce = _model(loss="binary_crossentropy", units=1)
    with pytest.raises(DataError, match=r"targets in \[0, 1\], got values from 0 to 2"):
        bce.fit(X4, np.array([0, 1, 2, 0, 1, 0]), verbose=0)
    cce = _model(loss="categorical_crossentropy", units=3)
    with pytest.raises(ShapeError, match="integer labels"):
        cce.fit(X4, Y, verbose=0)


# ----------------------------------------------------------------------------- names


@pytest.mark.parametrize("make,argument,wrong,right", [
    (lambda: gn.layers.Dense(3, activation="rleu"), "activation", "rleu", "relu"),
    (lambda: _model(compiled=False).compile(loss="mse", optimizer="adamm"), "optimizer",
     "adamm", "adam"),
    (lambda: gn.layers.Dense(3, kernel_initializer="he_nromal"), "initializer", "he_nromal",
     "he_normal"),
    (lambda: _model(compiled=False).compile(loss="binary_crossentropyy"), "loss",
     "binary_crossentropyy", "binary_crossentropy"),
])
def test_unknown_names_list_the_valid_ones(make: Any, argument: str, wrong: str,
                                           right: str) -> None:
    with pytest.raises(ConfigError) as info:
        make()
    message = str(info.value)
    assert f"{argument}: unknown" in message
    assert repr(wrong) in message
    assert "expected one of" in message
    valid = message.split("expected one of", 1)[1]
    assert right in [name.strip() for name in valid.split(",")]


def test_unknown_metric() -> None:
    with pytest.raises(ConfigError, match=r"unknown metric 'accuracyy'; expected one of.*accuracy"):
        _model(compiled=False).compile(loss="mse", metrics=["accuracyy"])


# ----------------------------------------------------------------------------- types


@pytest.mark.parametrize("make,pattern", [
    (lambda: gn.layers.Dense("3"), r"units: expected an integer >= 1, got '3'"),
    (lambda: gn.layers.Dense(2.5), r"units: expected an integer"),
    (lambda: gn.layers.Dense(True), r"units: expected an integer"),
    (lambda: gn.layers.Dense(3, activation=3),
     r"activation: expected an? activation name.*got int"),
    (lambda: gn.layers.Dense(3, kernel_initializer=[1]), r"initializer: expected"),
    (lambda: _model(compiled=False).compile(loss="mse", optimizer=5), r"optimizer: expected"),
    (lambda: _model(compiled=False).compile(loss=None), r"loss: expected"),
    (lambda: _model(compiled=False).compile(loss="mse", metrics="accuracy"), r"metrics"),
    (lambda: _model(compiled=False).compile(loss="mse", metrics=[len]), r"metrics"),
    (lambda: gn.Sequential(seed="one"), r"seed: expected a non-negative int"),
    (lambda: gn.Sequential(seed=1.5), r"seed"),
    (lambda: gn.Sequential([object()]), r"layers: expected Input or glassnet.layers.Layer"),
    (lambda: gn.layers.Input(shape="4"), r"shape: expected the shape of one example"),
    (lambda: gn.layers.Input(shape=(4, None)), r"shape: expected the shape of one example"),
    (lambda: _model().fit(X4, Y, epochs=2.5, verbose=0), r"epochs: expected an integer"),
    (lambda: _model().fit(X4, Y, batch_size="32", verbose=0), r"batch_size"),
    (lambda: _model().fit(X4, Y, callbacks=[print], verbose=0), r"callbacks: expected"),
    (lambda: _model().fit(X4, Y, callbacks=gn.History(), verbose=0), r"callbacks: expected"),
    (lambda: _model().fit(X4, Y, validation_data=X4, verbose=0), r"validation_data"),
    (lambda: _model().fit(X4, None, verbose=0), r"y: expected targets, got None"),
])
def test_wrong_types(make: Any, pattern: str) -> None:
    with pytest.raises(ArgumentTypeError, match=pattern):
        make()


@pytest.mark.parametrize("make,pattern", [
    (lambda: gn.layers.Dense(0), r"units: expected an integer >= 1, got 0"),
    (lambda: gn.Sequential(dtype="float16"), r"dtype: expected 'float32' or 'float64'"),
    (lambda: gn.Sequential(dtype="banana"), r"dtype"),
    (lambda: _model().fit(X4, Y, epochs=0, verbose=0), r"epochs: expected an integer >= 1"),
    (lambda: _model().fit(X4, Y, batch_size=0, verbose=0), r"batch_size"),
    (lambda: _model().fit(X4, Y, validation_split=1.5, verbose=0), r"validation_split"),
    (lambda: _model().fit(X4, Y, validation_split=0.01, verbose=0),
     r"leaves 0 for validation"),
    (lambda: _model().fit(X4, Y, validation_split=0.5, validation_data=(X4, Y), verbose=0),
     r"give one, not both"),
    (lambda: _model().fit(X4, Y, verbose=3), r"verbose: expected 0, 1 or 2"),
    (lambda: gn.Sequential([gn.layers.Dense(2, name="a"), gn.layers.Dense(2, name="a")]),
     r"two layers are named 'a'"),
    (lambda: gn.Sequential([gn.layers.Dense(2), gn.layers.Input(shape=(3,))]),
     r"Input must come first"),
    (lambda: gn.EarlyStopping(patience=-1), r"patience"),
    (lambda: gn.EarlyStopping(mode="up"), r"mode: expected 'auto', 'min' or 'max'"),
    (lambda: gn.optimizers.Adam(learning_rate=-0.1), r"learning_rate: expected a number > 0"),
])
def test_bad_values(make: Any, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        make()


# ----------------------------------------------------------------------------- not ready


def test_a_model_without_layers_cannot_predict() -> None:
    with pytest.raises(NotReadyError, match="no layers"):
        gn.Sequential().predict(X4)


@pytest.mark.parametrize("call", ["fit", "evaluate", "gradients", "loss_value"])
def test_calls_that_need_compile(call: str) -> None:
    model = _model(compiled=False)
    with pytest.raises(NotReadyError, match=r"not compiled.*model.compile"):
        getattr(model, call)(X4, Y) if call != "fit" else model.fit(X4, Y, verbose=0)


def test_calls_that_need_weights() -> None:
    model = gn.Sequential([gn.layers.Dense(3, name="L1")])
    for call in (model.get_weights, model.summary, model.count_params,
                 lambda: model.set_weights([])):
        with pytest.raises(NotReadyError, match="Input"):
            call()
    with pytest.raises(NotReadyError, match="'L1' has no weights yet"):
        _ = model.layers[0].W
