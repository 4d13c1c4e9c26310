"""Sequential: predict against the course's reference functions, weights in Keras order,
layers, summary, gradients and trace that read without writing, and dtypes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import reference
from glassnet.errors import ConfigError, NotReadyError, ShapeError


def _model(seed: int = 0, dtype: str = "float64", acts: tuple[str, ...] = ("relu", "sigmoid",
           "softmax"), widths: tuple[int, ...] = (5, 4, 3), n_in: int = 4) -> gn.Sequential:
    layers: list[Any] = [gn.layers.Input(shape=(n_in,))]
    for i, (w, a) in enumerate(zip(widths, acts)):
        layers.append(gn.layers.Dense(w, activation=a, name=f"L{i + 1}",
                                      bias_initializer=gn.initializers.RandomNormal(0, 0.3)))
    return gn.Sequential(layers, seed=seed, dtype=dtype)


# ----------------------------------------------------------------------------- predict


def test_predict_equals_the_reference_forward_pass(rng: np.random.Generator) -> None:
    model = _model(seed=3)
    X = rng.normal(size=(20, 4))
    expected = reference.sequential(X, model.get_weights(), ["relu", "sigmoid", "softmax"])
    got = model.predict(X)
    assert got.dtype == np.float64 and got.shape == (20, 3)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_predict_equals_the_course_loops(rng: np.random.Generator) -> None:
    """The per-unit, per-example loop of the course gives the engine's numbers."""
    model = _model(seed=4, acts=("tanh", "relu", "sigmoid"), widths=(4, 3, 2))
    X = rng.normal(size=(6, 4))
    acts = ["tanh", "relu", "sigmoid"]
    looped = reference.sequential(X, model.get_weights(), acts,
                                  dense_fn=reference.dense_per_unit_per_example)
    np.testing.assert_allclose(model.predict(X), looped, rtol=1e-12, atol=1e-15)
    one = reference.sequential(X[2], model.get_weights(), acts, dense_fn=reference.dense_loop)
    np.testing.assert_allclose(model.predict(X[2:3])[0], one, rtol=1e-12, atol=1e-15)


def test_pasted_keras_weights_compute_g_of_x_W_plus_b() -> None:
    """Weights typed in as a course notebook prints them: W (n_in, units), b (units,)."""
    W1 = np.array([[-8.93, 0.29, 12.9], [-0.1, -7.32, 10.81]])
    b1 = np.array([-9.82, -9.28, 0.96])
    W2 = np.array([[-31.18], [-27.59], [-32.56]])
    b2 = np.array([15.41])
    model = gn.Sequential([gn.layers.Input(shape=(2,)), gn.layers.Dense(3, "sigmoid"),
                           gn.layers.Dense(1, "sigmoid")], seed=0, dtype="float64")
    model.set_weights([W1, b1, W2, b2])
    X = np.array([[-0.47, 0.42], [-0.47, 3.16]])

    def sig(z: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-z))

    expected = sig(sig(X @ W1 + b1) @ W2 + b2)
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-12)
    assert model.predict(X)[0, 0] > 0.9 and model.predict(X)[1, 0] < 0.1


def test_batched_predict_matches_one_batch_for_any_length(rng: np.random.Generator) -> None:
    model = _model(seed=1)
    X = rng.normal(size=(23, 4))
    full = model.predict(X, batch_size=None)
    for bs in (1, 5, 22, 23, 100):
        np.testing.assert_allclose(model.predict(X, batch_size=bs), full, rtol=1e-13)
    assert model.predict(X[:1]).shape == (1, 3)
    np.testing.assert_array_equal(model(X), model.predict(X))


# ----------------------------------------------------------------------------- building


def test_the_model_builds_as_soon_as_the_input_width_is_known() -> None:
    with_input = _model(seed=7)
    assert with_input.built and with_input.get_layer("L1").W.shape == (4, 5)
    lazy = gn.Sequential([gn.layers.Dense(5, "relu", name="L1",
                                          bias_initializer=gn.initializers.RandomNormal(0, 0.3)),
                          gn.layers.Dense(4, "sigmoid", name="L2",
                                          bias_initializer=gn.initializers.RandomNormal(0, 0.3)),
                          gn.layers.Dense(3, "softmax", name="L3",
                                          bias_initializer=gn.initializers.RandomNormal(0, 0.3))],
                         seed=7, dtype="float64")
    assert not lazy.built
    with pytest.raises(NotReadyError):
        lazy.get_weights()
    lazy.predict(np.zeros((2, 4)))
    assert lazy.built
    # the initial weights depend only on the seed, not on when the model was built
    for a, b in zip(lazy.get_weights(), with_input.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_seed_fixes_the_initial_weights() -> None:
    a, b, c = _model(seed=11), _model(seed=11), _model(seed=12)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])
    fresh = gn.Sequential([gn.layers.Input(shape=(4,)), gn.layers.Dense(2)])
    replay = gn.Sequential([gn.layers.Input(shape=(4,)), gn.layers.Dense(2)], seed=fresh.seed)
    np.testing.assert_array_equal(fresh.get_weights()[0], replay.get_weights()[0])


def test_a_layer_start_does_not_depend_on_the_layers_after_it() -> None:
    short = _model(seed=5, widths=(5,), acts=("relu",))
    long = _model(seed=5)
    np.testing.assert_array_equal(short.get_weights()[0], long.get_weights()[0])


def test_reinitialize_draws_the_seeds_weights_again() -> None:
    model = _model(seed=2)
    start = model.get_weights()
    model.set_weights([np.zeros_like(w) for w in start])
    model.reinitialize()
    for a, b in zip(start, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.reinitialize(seed=3)
    assert model.seed == 3
    for a, b in zip(_model(seed=3).get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- weights


def test_get_weights_is_keras_order_and_shapes() -> None:
    model = _model()
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(4, 5), (5,), (5, 4), (4,), (4, 3), (3,)]
    layer = model.get_layer("L2")
    np.testing.assert_array_equal(weights[2], layer.W)
    np.testing.assert_array_equal(weights[3], layer.b)
    lw = layer.get_weights()
    assert len(lw) == 2 and lw[0].shape == (5, 4) and lw[1].shape == (4,)
    assert model.count_params() == 4 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3


def test_get_weights_returns_copies() -> None:
    model = _model()
    weights = model.get_weights()
    weights[0][...] = 123.0
    assert not np.any(model.get_weights()[0] == 123.0)


def test_pasting_weights_into_another_model_gives_identical_outputs(
    rng: np.random.Generator,
) -> None:
    a, b = _model(seed=1), _model(seed=2)
    X = rng.normal(size=(9, 4))
    assert not np.array_equal(a.predict(X), b.predict(X))
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_set_weights_rejects_wrong_shapes_and_counts() -> None:
    model = _model()
    weights = model.get_weights()
    with pytest.raises(ShapeError, match=r"expected a list of 6 arrays, got 5"):
        model.set_weights(weights[:5])
    bad = [w.copy() for w in weights]
    bad[0] = bad[0].T
    with pytest.raises(ShapeError, match=r"'L1' expects W of shape \(4, 5\), got \(5, 4\)"):
        model.set_weights(bad)
    bad = [w.copy() for w in weights]
    bad[3] = bad[3].reshape(1, -1)
    with pytest.raises(ShapeError, match=r"'L2' expects b of shape \(4,\)"):
        model.set_weights(bad)


def test_get_layer_by_name_and_index() -> None:
    model = _model()
    assert model.get_layer("L2") is model.layers[1]
    assert model.get_layer(index=0) is model.layers[0]
    assert model.get_layer(index=-1).name == "L3"
    with pytest.raises(ConfigError, match=r"no layer named 'L9'.*'L1', 'L2', 'L3'"):
        model.get_layer("L9")
    with pytest.raises(ConfigError, match="index"):
        model.get_layer(index=3)


def test_default_layer_names_are_unique() -> None:
    model = gn.Sequential([gn.layers.Input(shape=(2,)), gn.layers.Dense(3), gn.layers.Dense(3),
                           gn.layers.Dense(1)])
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2"]


def test_summary_lists_layers_shapes_and_parameter_counts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    model = gn.Sequential([gn.layers.Input(shape=(64,)),
                           gn.layers.Dense(25, activation="relu", name="L1"),
                           gn.layers.Dense(15, activation="relu", name="L2"),
                           gn.layers.Dense(10, activation="linear", name="L3")], seed=1234)
    text = model.summary()
    assert capsys.readouterr().out.strip() == text.strip()
    for name, params, shape in (("L1", "1,625", "(64, 25)"), ("L2", "390", "(25, 15)"),
                                ("L3", "160", "(15, 10)")):
        line = next(row for row in text.splitlines() if row.startswith(name))
        assert params in line and shape in line
    assert "Total params: 2,175" in text
    assert model.summary(print_fn=None) == text
    assert capsys.readouterr().out == ""


# ----------------------------------------------------------------------------- gradients


def _fitted(rng: np.random.Generator) -> tuple[gn.Sequential, np.ndarray, np.ndarray]:
    model = _model(seed=8)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    X, y = rng.normal(size=(12, 4)), np.arange(12) % 3
    model.fit(X, y, epochs=2, batch_size=4, verbose=0, seed=0)
    return model, X, y


def test_gradients_change_neither_weights_nor_optimizer(rng: np.random.Generator) -> None:
    model, X, y = _fitted(rng)
    opt = model.optimizer
    assert isinstance(opt, gn.optimizers.Adam)
    weights = model.get_weights()
    iterations = opt.iterations
    moments = [m.copy() for m in opt._m] + [v.copy() for v in opt._v]
    grads = model.gradients(X, y)
    assert [g.shape for g in grads] == [w.shape for w in weights]
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert opt.iterations == iterations
    for a, b in zip(moments, opt._m + opt._v):
        np.testing.assert_array_equal(a, b)
    # asking twice gives the same answer, and the answer is the loss's slope
    for a, b in zip(grads, model.gradients(X, y)):
        np.testing.assert_array_equal(a, b)
    step = 1e-6
    W = model.weights[0]
    old = W[1, 2]
    W[1, 2] = old + step
    up = model.loss_value(X, y)
    W[1, 2] = old - step
    down = model.loss_value(X, y)
    W[1, 2] = old
    assert grads[0][1, 2] == pytest.approx((up - down) / (2 * step), rel=1e-6)


def test_gradients_returns_copies(rng: np.random.Generator) -> None:
    model, X, y = _fitted(rng)
    grads = model.gradients(X, y)
    grads[0][...] = 0.0
    assert np.any(model.gradients(X, y)[0] != 0.0)


def test_one_train_step_is_minus_lr_times_the_gradient(rng: np.random.Generator) -> None:
    model = _model(seed=9)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=gn.optimizers.SGD(0.1))
    X, y = rng.normal(size=(8, 4)), np.arange(8) % 3
    before = model.get_weights()
    grads = model.gradients(X, y)
    model.fit(X, y, epochs=1, batch_size=None, verbose=0)
    for w0, g, w1 in zip(before, grads, model.get_weights()):
        np.testing.assert_allclose(w1, w0 - 0.1 * g, rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------- trace


def test_trace_returns_every_layer_x_z_a(rng: np.random.Generator) -> None:
    model = _model(seed=6)
    X = rng.normal(size=(7, 4))
    weights = model.get_weights()
    traces = model.trace(X)
    assert [t.name for t in traces] == ["L1", "L2", "L3"]
    widths = [4, 5, 4, 3]
    acts = [gn.activations.get(a) for a in ("relu", "sigmoid", "softmax")]
    x = X
    for i, t in enumerate(traces):
        assert t.x.shape == (7, widths[i])
        assert t.z.shape == t.a.shape == (7, widths[i + 1])
        np.testing.assert_allclose(t.x, x, rtol=1e-15)
        np.testing.assert_allclose(t.z, t.x @ t.W + t.b, rtol=1e-14)
        np.testing.assert_allclose(t.a, acts[i](t.z.copy()), rtol=1e-15)
        x = t.a
    np.testing.assert_allclose(traces[-1].a, model.predict(X), rtol=1e-15)
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # the trace holds copies: changing it leaves the model alone
    traces[0].W[...] = 0.0
    assert np.any(model.get_layer("L1").W != 0.0)


# ----------------------------------------------------------------------------- dtype


def test_float32_model_stays_float32_everywhere(rng: np.random.Generator) -> None:
    model = _model(seed=1, dtype="float32")
    X = rng.normal(size=(10, 4)).astype(np.float32)
    y = np.arange(10) % 3
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                  metrics=["accuracy"])
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.check_X(X) is X  # float32 data is used as it is: no copy, no upcast
    model.fit(X, y, epochs=2, batch_size=3, verbose=0, seed=1)
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert all(w.dtype == np.float32 for w in model.weights)
    assert model.predict(X).dtype == np.float32
    assert all(g.dtype == np.float32 for g in model.gradients(X, y))
    for t in model.trace(X):
        assert t.x.dtype == t.z.dtype == t.a.dtype == np.float32
    # float64 data given to a float32 model is computed in float32
    assert model.predict(X.astype(np.float64)).dtype == np.float32


def test_float64_model_works_end_to_end(rng: np.random.Generator) -> None:
    model = _model(seed=1, dtype="float64")
    X = rng.normal(size=(10, 4)).astype(np.float32)
    y = np.arange(10) % 3
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.fit(X, y, epochs=2, batch_size=3, verbose=0, seed=1)
    assert all(w.dtype == np.float64 for w in model.get_weights())
    assert model.predict(X).dtype == np.float64
    assert all(g.dtype == np.float64 for g in model.gradients(X, y))


def test_float32_and_float64_models_agree(rng: np.random.Generator) -> None:
    m64 = _model(seed=1, dtype="float64")
    m32 = _model(seed=1, dtype="float32")
    X = rng.normal(size=(10, 4))
    np.testing.assert_allclose(m32.predict(X), m64.predict(X), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- evaluate, config


def test_evaluate_matches_the_loss_of_the_predictions(rng: np.random.Generator) -> None:
    model = _model(seed=2)
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    X = rng.normal(size=(11, 4))
    Y = np.eye(3)[np.arange(11) % 3]
    P = model.predict(X)
    result = model.evaluate(X, Y, return_dict=True)
    assert set(result) == {"loss", "accuracy"}
    assert result["loss"] == pytest.approx(-np.mean(np.sum(Y * np.log(P), axis=1)), rel=1e-12)
    assert result["accuracy"] == np.mean(P.argmax(1) == Y.argmax(1))
    batched = model.evaluate(X, Y, batch_size=4, return_dict=True)
    assert batched["loss"] == pytest.approx(result["loss"], rel=1e-12)


def test_evaluate_returns_what_keras_returns(rng: np.random.Generator) -> None:
    X = rng.normal(size=(11, 4))
    Y = np.eye(3)[np.arange(11) % 3]
    plain = _model(seed=2)
    plain.compile(loss="categorical_crossentropy", optimizer="sgd")
    loss = plain.evaluate(X, Y)
    assert isinstance(loss, float)
    assert loss == plain.evaluate(X, Y, return_dict=True)["loss"]
    model = _model(seed=2)
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy", "mse"])
    scores = model.evaluate(X, Y)
    as_dict = model.evaluate(X, Y, return_dict=True)
    assert isinstance(scores, list) and all(isinstance(v, float) for v in scores)
    test_loss, test_acc, test_mse = scores  # Keras' unpacking: loss first, then compile's order
    assert [test_loss, test_acc, test_mse] == [as_dict["loss"], as_dict["accuracy"],
                                               as_dict["mse"]]
    with pytest.raises(gn.errors.ArgumentTypeError, match="return_dict"):
        model.evaluate(X, Y, return_dict="yes")


def test_config_rebuilds_the_same_model(rng: np.random.Generator) -> None:
    model = _model(seed=13)
    model.compile(loss=gn.losses.BinaryCrossentropy(), optimizer=gn.optimizers.SGD(0.2, 0.9),
                  metrics=["accuracy"])
    config = model.get_config()
    clone = gn.Sequential.from_config(config)
    assert clone.get_config() == config
    X = rng.normal(size=(5, 4))
    np.testing.assert_array_equal(clone.predict(X), model.predict(X))
    assert repr(model) == "Sequential(4-5-4-3, dtype=float64, seed=13)"
