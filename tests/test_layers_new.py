"""The layers the courses teach next: regularizers, Dropout, Normalization, BatchNormalization
and the activation layers. Every gradient against finite differences in float64 (training
mode, with the dropout mask of the step fixed), plus each layer's behaviour and bad input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.inspect import gradient_check
from glassnet.layers import (
    Activation,
    BatchNormalization,
    Dense,
    Dropout,
    Input,
    LeakyReLU,
    Normalization,
    ReLU,
    Softmax,
)
from glassnet.regularizers import l1, l1_l2, l2

L = gn.layers


def _data(rng: np.random.Generator, m: int = 12, n: int = 4, k: int = 3) -> tuple[Any, Any]:
    X = rng.normal(size=(m, n)) * 2.0 + 1.0
    y = np.arange(m) % k
    return X, y


def _check(model: gn.Sequential, X: Any, y: Any, training: bool = True) -> None:
    result = gradient_check(model, X, y, training=training)
    assert result.checked > 0
    assert result.passed, str(result)


def _compiled(layers: list[Any], loss: Any = "sparse_categorical_crossentropy",
              seed: int = 3, optimizer: Any = "sgd") -> gn.Sequential:
    model = gn.Sequential(layers, seed=seed, dtype="float64")
    model.compile(loss=loss, optimizer=optimizer)
    return model


# -- gradient checks ------------------------------------------------------------------------------

@pytest.mark.parametrize("reg", [l2(0.1), l1(0.05), l1_l2(0.02, 0.3)], ids=["l2", "l1", "l1_l2"])
def test_regularized_dense_gradients(reg: Any, rng: np.random.Generator) -> None:
    X, y = _data(rng)
    model = _compiled([Input((4,)), Dense(5, "tanh", kernel_regularizer=reg,
                                          bias_initializer="random_normal",
                                          bias_regularizer=l2(0.2)),
                       Dense(3, "softmax", kernel_regularizer=reg)])
    _check(model, X, y, training=False)
    # the penalty really is in the loss: removing it changes the value by exactly R(W)
    penalty = sum(reg(layer.W) for layer in model.layers) + l2(0.2)(model.layers[0].b)
    assert model.regularization_loss() == pytest.approx(penalty, rel=1e-12)
    data_only = _compiled([Input((4,)), Dense(5, "tanh", bias_initializer="random_normal"),
                           Dense(3, "softmax")])
    data_only.set_weights(model.get_weights())
    assert model.loss_value(X, y) == pytest.approx(data_only.loss_value(X, y) + penalty,
                                                   rel=1e-12)


def test_dropout_gradients_with_the_steps_mask(rng: np.random.Generator) -> None:
    X, y = _data(rng)
    model = _compiled([Input((4,)), Dense(6, "tanh"), Dropout(0.4), Dense(5, "sigmoid"),
                       Dropout(0.3), Dense(3, "softmax")])
    _check(model, X, y, training=True)
    # the training-mode gradient differs from the inference one: the mask is really there
    g_train = model.gradients(X, y, training=True)
    g_test = model.gradients(X, y, training=False)
    assert not np.allclose(g_train[0], g_test[0])


def test_normalization_gradients(rng: np.random.Generator) -> None:
    X, y = _data(rng)
    norm = Normalization()
    norm.adapt(X)
    model = _compiled([Input((4,)), norm, Dense(5, "tanh"), Dense(3, "softmax")])
    _check(model, X, y)


@pytest.mark.parametrize("training", [True, False], ids=["batch-stats", "moving-stats"])
@pytest.mark.parametrize("center,scale", [(True, True), (False, True), (True, False)])
def test_batch_normalization_gradients(training: bool, center: bool, scale: bool,
                                       rng: np.random.Generator) -> None:
    X, y = _data(rng)
    bn = BatchNormalization(center=center, scale=scale, gamma_initializer="random_normal",
                            beta_initializer="random_normal",
                            moving_mean_initializer="random_normal",
                            moving_variance_initializer="ones")
    model = _compiled([Input((4,)), Dense(5, "tanh"), bn, Dense(3, "softmax")])
    result = gradient_check(model, X, y, training=training)
    assert result.checked > 0
    assert result.passed, str(result)
    assert [f"{p}2" for p in bn.param_names] == [n for n in result.per_parameter
                                                 if n.endswith("2")]


@pytest.mark.parametrize("layer,loss,k", [
    (lambda: Activation("tanh"), "mse", 3),
    (lambda: ReLU(), "mse", 3),
    (lambda: LeakyReLU(0.2), "mse", 3),
    (lambda: Softmax(), "sparse_categorical_crossentropy", 3),  # fused with the loss
    (lambda: Activation("sigmoid"), "binary_crossentropy", 1),  # fused with the loss
    (lambda: Softmax(), "mse", 3),                               # not fused: the Jacobian
], ids=["tanh", "relu", "leaky", "softmax-fused", "sigmoid-fused", "softmax-mse"])
def test_activation_layer_gradients(layer: Any, loss: str, k: int,
                                    rng: np.random.Generator) -> None:
    X, y = _data(rng, k=2 if k == 1 else k)
    targets: Any = y % 2 if k == 1 else (np.eye(k)[y] if loss == "mse" else y)
    model = _compiled([Input((4,)), Dense(6, "tanh"), Dense(k, "linear"), layer()], loss=loss)
    _check(model, X, targets, training=False)
    fused = model.fused_output
    assert fused == (loss != "mse")


def test_activation_layer_equals_the_dense_activation(rng: np.random.Generator) -> None:
    X, y = _data(rng)
    a = _compiled([Input((4,)), Dense(5), ReLU(), Dense(3), Softmax()])
    b = _compiled([Input((4,)), Dense(5, "relu"), Dense(3, "softmax")])
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-14)
    for ga, gb in zip(a.gradients(X, y), b.gradients(X, y)):
        np.testing.assert_allclose(ga, gb, rtol=1e-12, atol=1e-14)


# -- dropout --------------------------------------------------------------------------------------

def test_dropout_is_inverted_and_off_at_inference(rng: np.random.Generator) -> None:
    x = np.ones((2000, 50), dtype=np.float32)
    drop = Dropout(0.25, seed=1)
    out = drop(x, training=True)
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)
    assert abs(out.mean() - 1.0) < 0.02  # the expectation is kept
    np.testing.assert_array_equal(drop(x), x)  # inference: the identity


def test_dropout_masks_replay_and_change_each_step(rng: np.random.Generator) -> None:
    X, y = _data(rng, m=40)

    def make() -> gn.Sequential:
        model = gn.Sequential([Input((4,)), Dense(8, "relu"), Dropout(0.5), Dense(3)], seed=7)
        model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer="adam")
        return model

    a, b = make(), make()
    masks = [a.trace(X, training=True)[1].mask for _ in range(2)]
    np.testing.assert_array_equal(masks[0], masks[1])  # same step, same mask
    assert masks[0] is not None and 0 < masks[0].mean() < 1
    a.fit(X, y, epochs=3, batch_size=8, seed=1, verbose=0)
    b.fit(X, y, epochs=3, batch_size=8, seed=1, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    after = a.trace(X, training=True)[1].mask
    assert not np.array_equal(after, masks[0])  # a later step draws another mask
    assert a.trace(X)[1].mask is None  # inference traces drop nothing


def test_dropout_layer_seed_overrides_the_models(rng: np.random.Generator) -> None:
    X, _ = _data(rng, m=30)
    masks = []
    for model_seed in (1, 2):
        model = gn.Sequential([Input((4,)), Dense(8), Dropout(0.5, seed=11)], seed=model_seed)
        masks.append(model.trace(X, training=True)[1].mask)
    np.testing.assert_array_equal(masks[0], masks[1])


@pytest.mark.parametrize("rate,error", [(1.0, gn.ConfigError), (-0.1, gn.ConfigError),
                                        (float("nan"), gn.ConfigError),
                                        ("0.2", gn.ArgumentTypeError)])
def test_dropout_rate_outside_0_1(rate: Any, error: type) -> None:
    with pytest.raises(error, match=r"rate: expected a number in \[0, 1\)"):
        Dropout(rate)


# -- normalization --------------------------------------------------------------------------------

def test_normalization_adapt_and_standalone(rng: np.random.Generator) -> None:
    X = rng.normal(size=(200, 3)) * [1.0, 10.0, 0.1] + [5.0, -2.0, 0.0]
    norm = Normalization(axis=-1)
    norm.adapt(X)
    assert norm.mean.shape == (1, 3) and norm.variance.shape == (1, 3)  # as Keras shapes them
    np.testing.assert_allclose(norm.mean.numpy()[0], X.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(norm.variance.numpy()[0], X.var(axis=0), rtol=1e-5)
    Xn = norm(X)
    np.testing.assert_allclose(Xn, (X - X.mean(0)) / X.std(0), rtol=1e-4, atol=1e-5)
    assert norm.get_weights()[0].shape == (3,)
    given = Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0])
    np.testing.assert_allclose(given(np.array([[3.0, 5.0]])), [[1.0, 1.0]])


def test_normalization_is_saved_and_not_trained(rng: np.random.Generator, tmp_path: Any) -> None:
    X, y = _data(rng, m=60)
    norm = Normalization()
    norm.adapt(X)
    model = gn.Sequential([Input((4,)), norm, Dense(3, "softmax")], seed=1)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    stats = [w.copy() for w in norm.get_weights()]
    model.fit(X, y, epochs=2, verbose=0)
    for a, b in zip(stats, norm.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.reinitialize()  # new initial weights; the data's statistics stay
    for a, b in zip(stats, norm.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.save(tmp_path / "m.npz")
    loaded = gn.load_model(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.layers[0].mean, norm.mean)


def test_normalization_bad_input_changes_nothing(rng: np.random.Generator) -> None:
    X = rng.normal(size=(20, 3))
    norm = Normalization()
    norm.adapt(X)
    before = norm.get_weights()
    with pytest.raises(gn.ShapeError, match="X has 4 features but layer"):
        norm.adapt(rng.normal(size=(20, 4)))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(gn.DataError, match="X: expected finite numbers"):
        norm.adapt(bad)
    for a, b in zip(before, norm.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(gn.NotReadyError, match="adapt"):
        gn.Sequential([Input((3,)), Normalization(), Dense(2)]).predict(X)
    with pytest.raises(gn.ConfigError, match="mean and variance: give both"):
        Normalization(mean=[0.0])


# -- batch normalization --------------------------------------------------------------------------

def test_batch_normalization_moving_statistics(rng: np.random.Generator) -> None:
    X, y = _data(rng, m=16)
    bn = BatchNormalization(momentum=0.9)
    model = _compiled([Input((4,)), bn, Dense(3, "softmax")])
    x = model.check_X(X)
    t = model.prepare_targets(y, 16)
    model.gradients(X, y, training=True)  # reading gradients changes no statistic
    np.testing.assert_array_equal(bn.moving_mean, 0.0)
    model.train_step(x, t)
    np.testing.assert_allclose(bn.moving_mean, 0.1 * X.mean(0), rtol=1e-12)
    np.testing.assert_allclose(bn.moving_variance, 0.9 + 0.1 * X.var(0), rtol=1e-12)
    # inference uses the moving statistics: an affine map of x
    gamma, beta, mm, mv = bn.get_weights()
    expected = (X - mm) / np.sqrt(mv + 1e-3) * gamma + beta
    np.testing.assert_allclose(bn(X), expected, rtol=1e-12)


def test_batch_normalization_batch_of_one_refused_before_training(
        rng: np.random.Generator) -> None:
    X, y = _data(rng, m=9)
    model = _compiled([Input((4,)), Dense(4), BatchNormalization(), Dense(3, "softmax")])
    before = model.get_weights()
    for batch_size in (1, 4):  # 9 = 4 + 4 + 1: the last batch has one example
        with pytest.raises(gn.ConfigError, match="needs training batches of at least 2"):
            model.fit(X, y, batch_size=batch_size, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(gn.ShapeError, match="at least 2 examples"):
        model.gradients(X[:1], y[:1], training=True)
    model.fit(X, y, batch_size=3, epochs=1, verbose=0)  # 3 + 3 + 3 is fine


# -- regularizers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("make,error,pattern", [
    (lambda: l2(-0.1), gn.ConfigError, r"l2: expected a number >= 0, got -0.1"),
    (lambda: l1(float("nan")), gn.ConfigError, r"l1: expected a number >= 0, got nan"),
    (lambda: l2("0.1"), gn.ArgumentTypeError, r"l2: expected a number >= 0, got '0.1'"),
    (lambda: Dense(3, kernel_regularizer="l3"), gn.ConfigError,
     r"kernel_regularizer: unknown regularizer 'l3'"),
    (lambda: Dense(3, kernel_regularizer=0.1), gn.ArgumentTypeError, r"kernel_regularizer"),
])
def test_bad_regularizers(make: Any, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        make()


def test_history_keeps_the_data_loss_apart(rng: np.random.Generator) -> None:
    X, y = _data(rng, m=40)
    model = gn.Sequential([Input((4,)), Dense(6, "relu", kernel_regularizer=l2(0.05)),
                           Dense(3, kernel_regularizer=l2(0.05))], seed=2)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=gn.optimizers.SGD(0.05))
    w0 = model.get_weights()
    penalty0 = model.regularization_loss()
    h = model.fit(X, y, epochs=2, batch_size=None, verbose=0)  # full batch: one step an epoch
    assert h.history["loss"][0] == pytest.approx(h.history["data_loss"][0] + penalty0, rel=1e-5)
    plain = gn.Sequential([Input((4,)), Dense(6, "relu"), Dense(3)], seed=2)
    plain.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=gn.optimizers.SGD(0.05))
    h2 = plain.fit(X, y, epochs=1, batch_size=None, verbose=0)
    assert "data_loss" not in h2.history
    assert h.history["data_loss"][0] == pytest.approx(h2.history["loss"][0], rel=1e-6)
    assert np.abs(model.layers[0].W).sum() < np.abs(w0[0]).sum()


def test_one_sgd_step_includes_the_penalty_gradient(rng: np.random.Generator) -> None:
    X, y = _data(rng, m=20)
    model = _compiled([Input((4,)), Dense(5, "tanh", kernel_regularizer=l2(0.3)),
                       Dense(3, "softmax")], optimizer=gn.optimizers.SGD(0.1))
    plain = _compiled([Input((4,)), Dense(5, "tanh"), Dense(3, "softmax")],
                      optimizer=gn.optimizers.SGD(0.1))
    w0 = model.get_weights()
    g_data = plain.gradients(X, y)
    model.train_step(model.check_X(X), model.prepare_targets(y, 20))
    expected = w0[0] - 0.1 * (g_data[0] + 2 * 0.3 * w0[0])
    np.testing.assert_allclose(model.get_weights()[0], expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.get_weights()[2], w0[2] - 0.1 * g_data[2], rtol=1e-12)


# -- the glass box on the new layers ------------------------------------------------------------

def test_instruments_skip_layers_without_units(rng: np.random.Generator) -> None:
    X, y = _data(rng, m=30)
    norm = Normalization()
    norm.adapt(X)
    model = gn.Sequential([Input((4,)), norm, Dense(6, name="h1"), ReLU(), Dropout(0.3),
                           BatchNormalization(), Dense(3, "softmax", name="out")], seed=1)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    names = [r.name for r in gn.inspect.data_flow(model, X).layers]
    assert names == ["h1", "out"]
    assert [f.activation for f in gn.inspect.data_flow(model, X).layers] == ["relu", "softmax"]
    assert list(gn.inspect.symmetry(model, X).k_distinct) == ["h1", "out"]
    # kill h1's units: the ReLU layer after the linear dense layer makes them dead units
    W, b = model.layers[1].get_weights()
    model.layers[1].set_weights([np.zeros_like(W), np.full_like(b, -1.0)])
    dead = gn.inspect.dead_units(model, X)
    assert dead == {"h1": list(range(6))}
    rec = gn.inspect.NeuronRecorder(probe=X)
    model.fit(X, y, epochs=2, verbose=0, callbacks=[rec])
    assert rec.layer_names == ["h1", "out"]
    assert rec.history["h1"]["firing_rate"].shape == (2, 6)
    # which units the dropout layer zeroed on the last batch (NaN where no dropout follows)
    dropped = rec.history["h1"]["dropped"]
    assert ((dropped >= 0) & (dropped <= 1)).all() and 0.1 < dropped.mean() < 0.5
    assert np.isnan(rec.history["out"]["dropped"]).all()
    text = model.summary(print_fn=None)
    for word in ("Normalization", "ReLU", "Dropout, rate 0.3", "BatchNormalization",
                 "Non-trainable params: 20"):
        assert word in text


def test_a_dense_subclass_with_the_old_forward_signature_still_trains() -> None:
    """A user's Dense whose ``forward(x, training, cache)`` predates the member axis keeps
    working: the loss and trace go through ``preactivation``, which does not call it."""
    calls: list[int] = []

    class Logged(gn.layers.Dense):
        def forward(self, x: Any, training: bool = False, cache: bool = False) -> Any:
            calls.append(x.shape[0])
            return super().forward(x, training, cache)

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    model = gn.Sequential([gn.Input((3,)), Logged(4, "relu"), Logged(2, "softmax")], seed=1)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    history = model.fit(X, y, epochs=2, batch_size=20, verbose=0)
    assert len(history.history["loss"]) == 2 and calls
    loss = model.evaluate(X, y, verbose=0)
    assert np.isfinite(loss)
    assert len(model.trace(X[:5])) == 2
