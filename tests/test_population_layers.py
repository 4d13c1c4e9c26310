"""A population steps its members through the layers' own code (one engine over a member
axis): every activation, the shared layer arithmetic and the per-member penalties, each
member bit for bit the model trained alone."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits

import glassnet as gn
from glassnet import activations, regularizers
from glassnet.layers import Dense
from glassnet.layers.members import batch_major
from glassnet.population import Population


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X[:256] / 16.0, y[:256]


def _assert_members_equal(alone: list[gn.Sequential], pop: Population) -> None:
    for k, model in enumerate(alone):
        for a, b in zip(model.get_weights(), pop[k].get_weights()):
            np.testing.assert_array_equal(b, a)


HIDDEN = [name for name in activations.names() if name not in ("softmax",)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("hidden", sorted(set(HIDDEN) - {"identity", "none", "logistic",
                                                         "leakyrelu", "swish"}))
def test_every_activation_trains_members_bit_for_bit(digits: Any, dtype: str,
                                                     hidden: str) -> None:
    """Each activation runs over the stacked (K, m, units) arrays in one call (no member
    loop): the members still equal their own fits exactly."""
    X, y = digits

    def member(seed: int) -> gn.Sequential:
        model = gn.Sequential([gn.Input((64,)), gn.Dense(12, hidden), gn.Dense(7, hidden),
                               gn.Dense(10, "softmax")], seed=seed, dtype=dtype)
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        return model

    alone = [member(s) for s in (1, 2, 3)]
    pop = Population([member(s) for s in (1, 2, 3)])
    hist = pop.fit(X, y, epochs=1, batch_size=32, seed=[4, 5, 6])
    for k, model in enumerate(alone):
        model.fit(X, y, epochs=1, batch_size=32, seed=4 + k, verbose=0)
        assert hist[k].history == model.history.history
    _assert_members_equal(alone, pop)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_output_without_a_fused_loss_is_bit_for_bit(digits: Any, dtype: str) -> None:
    """Softmax's backward (its Jacobian, a sum over each example's units) over a batch-major
    (K, m, units) stack, as under a mean squared error (nothing fused)."""
    X, y = digits
    Y = np.eye(10)[y]

    def member(seed: int) -> gn.Sequential:
        model = gn.Sequential([gn.Input((64,)), gn.Dense(20, "elu"),
                               gn.Dense(10, "softmax")], seed=seed, dtype=dtype)
        model.compile(loss="mse", optimizer="sgd", metrics=["accuracy"])
        return model

    alone = [member(s) for s in (7, 8)]
    pop = Population([member(s) for s in (7, 8)])
    hist = pop.fit(X, Y, epochs=2, batch_size=16, seed=3)
    for k, model in enumerate(alone):
        model.fit(X, Y, epochs=2, batch_size=16, seed=3, verbose=0)
        assert hist[k].history == model.history.history
    _assert_members_equal(alone, pop)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_backward_over_leading_axes_equals_each_member(dtype: Any) -> None:
    rng = np.random.default_rng(0)
    soft = activations.Softmax()
    z = batch_major(9, 3, 5, dtype)
    z[...] = rng.normal(size=z.shape)
    g = rng.normal(size=z.shape).astype(dtype)
    a = soft.forward(z.copy())
    stacked = soft.backward(g.copy(), z, a)
    assert stacked.shape == z.shape
    for k in range(3):
        np.testing.assert_array_equal(a[k], soft.forward(z[k].copy()))
        np.testing.assert_array_equal(stacked[k],
                                      soft.backward(g[k].copy(), z[k], a[k].copy()))


def _stacked_dense(K: int, n: int, units: int, activation: str, kernel: Any, bias: Any,
                   rng: np.random.Generator) -> tuple[Dense, list[Dense]]:
    """A Dense layer over the member axis and its K single twins with the same weights."""
    singles = []
    for k in range(K):
        layer = Dense(units, activation, kernel_regularizer=kernel[k],
                      bias_regularizer=bias[k])
        layer.build(n, rng, np.dtype(np.float64))
        layer.params[1][...] = rng.normal(size=units)
        singles.append(layer)
    stacked = Dense(units, activation)
    stacked.build(n, rng, np.dtype(np.float64))
    W = np.stack([s.params[0] for s in singles])
    b = np.stack([s.params[1] for s in singles])
    stacked.params = [W, b]
    stacked.grads = [np.zeros_like(W), np.zeros_like(b)]
    stacked.kernel_regularizer = regularizers.MemberPenalties(  # type: ignore[assignment]
        list(kernel), W.shape[1:], np.float64)
    stacked.bias_regularizer = regularizers.MemberPenalties(  # type: ignore[assignment]
        list(bias), b.shape[1:], np.float64)
    return stacked, singles


@pytest.mark.parametrize("shared", [True, False], ids=["shared-x", "own-x"])
@pytest.mark.parametrize("units", [1, 4])
def test_stacked_dense_equals_each_member_and_finite_differences(shared: bool,
                                                                   units: int) -> None:
    """The Dense code over a member axis: forward and every gradient equal each member's
    layer alone bit for bit (penalties differing per member, one member without any), and
    the stacked gradients match central differences of the members' summed objective."""
    rng = np.random.default_rng(1)
    K, m, n = 3, 6, 5
    kernel = [regularizers.l1_l2(0.01, 0.03), None, regularizers.l2(0.2)]
    bias = [None, regularizers.l1(0.05), regularizers.l2(0.1)]
    stacked, singles = _stacked_dense(K, n, units, "tanh", kernel, bias, rng)
    x = rng.normal(size=(m, n)) if shared else rng.normal(size=(K, m, n))
    upstream = rng.normal(size=(K, m, units))
    a = stacked.forward(x, training=True, cache=True)
    grad_x = stacked.backward(upstream.copy())
    assert grad_x is not None
    for k, layer in enumerate(singles):
        xk = x if shared else x[k]
        np.testing.assert_array_equal(a[k], layer.forward(xk, training=True, cache=True))
        gxk = layer.backward(upstream[k].copy())
        assert gxk is not None
        if not shared:
            np.testing.assert_array_equal(grad_x[k], gxk)
        np.testing.assert_array_equal(stacked.grads[0][k], layer.grads[0])
        np.testing.assert_array_equal(stacked.grads[1][k], layer.grads[1])

    def objective() -> float:
        total = float(np.sum(stacked.forward(x) * upstream))
        for k in range(K):
            total += regularizers.layer_penalty(kernel[k], bias[k], stacked.params[0][k],
                                                stacked.params[1][k])
        return total

    eps = 1e-6
    for p, g in zip(stacked.params, stacked.grads):
        numeric = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            keep = p[i]
            p[i] = keep + eps
            up = objective()
            p[i] = keep - eps
            down = objective()
            p[i] = keep
            numeric[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


def test_member_penalties_leave_unpenalized_members_untouched() -> None:
    """A member without a term is left exactly as it was (no ``+ 0`` turning -0.0 or nan),
    and each penalized member gets its own factor."""
    W = np.array([[[-0.0, 2.0]], [[np.nan, -1.0]], [[3.0, -0.5]]])
    regs = [None, regularizers.l1(0.5), regularizers.l1_l2(0.25, 2.0)]
    grad = np.array([[[-0.0, 1.0]], [[1.0, 1.0]], [[1.0, 1.0]]])
    penalties = regularizers.MemberPenalties(regs, W.shape[1:], np.float64)
    penalties.add_gradient(W, grad)
    assert np.signbit(grad[0, 0, 0]) and grad[0, 0, 1] == 1.0
    np.testing.assert_array_equal(grad[1], [[np.nan, 0.5]])
    np.testing.assert_array_equal(grad[2], [[1.0 + 12.0 + 0.25, 1.0 - 2.0 - 0.25]])
    assert regularizers.MemberPenalties([None, None], (2,), np.float64).active is False


def test_dropout_on_the_input_of_shared_batches_stays_bit_for_bit(digits: Any) -> None:
    """A Dropout first (on the shared batch, so the members' inputs split there) followed
    by a large layer whose plain SGD steps fold into a gemm, with a recorder reading every
    member's gradients (the folded layer's gradient is computed for it)."""
    X, y = digits

    def member(seed: int) -> gn.Sequential:
        model = gn.Sequential([gn.Input((64,)), gn.layers.Dropout(0.1 * seed),
                               gn.Dense(160, "relu"), gn.Dense(10, "softmax")],
                              seed=seed, dtype="float32")
        model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
        return model

    alone = [member(s) for s in (0, 1, 2)]
    pop = Population([member(s) for s in (0, 1, 2)])
    recs = [gn.inspect.NeuronRecorder(probe=X[:40], every_steps=3) for _ in range(3)]
    pop.fit(X, y, epochs=1, batch_size=32, seed=9, callbacks=[[r] for r in recs])
    for k, model in enumerate(alone):
        rec = gn.inspect.NeuronRecorder(probe=X[:40], every_steps=3)
        model.fit(X, y, epochs=1, batch_size=32, seed=9, verbose=0, callbacks=[rec])
        for layer, metrics in rec.history.items():
            for metric, values in metrics.items():
                np.testing.assert_array_equal(recs[k].history[layer][metric], values)
    _assert_members_equal(alone, pop)


def _bn_member(seed: int, dtype: str, optimizer: str = "adam", first: bool = False,
               momentum: float = 0.9) -> gn.Sequential:
    layers: list[Any] = [gn.Input((64,))]
    if first:  # on the shared input: each member's own statistics of the same rows
        layers.append(gn.layers.BatchNormalization(momentum=momentum))
    layers += [gn.Dense(24, "relu"), gn.layers.BatchNormalization(momentum=momentum),
               gn.Dense(12, "tanh"), gn.layers.Dropout(0.1 * (seed % 3)),
               gn.layers.BatchNormalization(momentum=momentum, center=False),
               gn.Dense(10, "softmax")]
    model = gn.Sequential(layers, seed=seed, dtype=dtype)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer,
                  metrics=["accuracy"])
    return model


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shared", [True, False], ids=["shared-batches", "own-orders"])
@pytest.mark.parametrize("first", [False, True], ids=["after-dense", "on-input"])
def test_batch_normalization_trains_each_member_bit_for_bit(
        digits: Any, dtype: str, shared: bool, first: bool) -> None:
    """BatchNormalization in a population: batch statistics over each member's own rows,
    moving statistics per member; every member equals its own fit bit for bit (weights,
    moving statistics, history with validation at the moving statistics), and
    ``member_state``/``pop[k]`` give the member back with its moving statistics."""
    X, y = digits
    seeds = [1, 2, 3]
    alone = [_bn_member(s, dtype, first=first) for s in seeds]
    pop = Population([_bn_member(s, dtype, first=first) for s in seeds])
    orders = 5 if shared else [5, 6, 7]
    hist = pop.fit(X, y, epochs=2, batch_size=32, seed=orders,
                   validation_data=(X[:64], y[:64]))
    for k, model in enumerate(alone):
        model.fit(X, y, epochs=2, batch_size=32, seed=5 if shared else 5 + k, verbose=0,
                  validation_data=(X[:64], y[:64]))
        assert hist[k].history == model.history.history
        member = pop[k]
        for a, b in zip(model.get_weights(), member.get_weights()):  # moving stats included
            np.testing.assert_array_equal(b, a)
        moving = [layer.moving_mean for layer in model.layers
                  if isinstance(layer, gn.layers.BatchNormalization)]
        assert all(np.any(m != 0) for m in moving)  # the statistics did move
        np.testing.assert_array_equal(member.predict(X[:50]), model.predict(X[:50]))
        np.testing.assert_array_equal(pop.predict(X[:50])[k], model.predict(X[:50]))
        # and the member goes on training alone exactly as the model does
        member.fit(X, y, epochs=1, batch_size=32, seed=9, verbose=0)
        model.fit(X, y, epochs=1, batch_size=32, seed=9, verbose=0)
        for a, b in zip(model.get_weights(), member.get_weights()):
            np.testing.assert_array_equal(b, a)


def test_population_keeps_members_moving_statistics_they_bring(digits: Any) -> None:
    """Members that trained before joining bring their moving statistics (different per
    member) into the population and out again."""
    X, y = digits
    models = [_bn_member(s, "float64", optimizer="sgd") for s in (4, 5)]
    for k, model in enumerate(models):
        model.fit(X, y, epochs=1, batch_size=64, seed=k, verbose=0)
    pop = Population(models)
    for k, model in enumerate(models):
        state = pop.member_state(k)
        expected = [s for layer in model.layers for s in layer.state]
        assert len(state["layer_states"]) == len(expected) == 4
        for a, b in zip(expected, state["layer_states"]):
            np.testing.assert_array_equal(b, a)
    np.testing.assert_array_equal(pop.predict(X[:20])[1], models[1].predict(X[:20]))


def test_batch_normalization_over_the_member_axis_has_checked_gradients() -> None:
    """The layer's own backward on a stacked (K, m, n) batch against central differences
    (float64), in training (batch statistics) and at inference (moving statistics)."""
    rng = np.random.default_rng(3)
    K, m, n = 2, 5, 3
    layer = gn.layers.BatchNormalization()
    layer.build(n, rng, np.dtype(np.float64))
    layer.params = [rng.normal(size=(K, n)), rng.normal(size=(K, n))]
    layer.grads = [np.zeros((K, n)), np.zeros((K, n))]
    layer.state = [rng.normal(size=(K, n)), rng.uniform(0.5, 2.0, size=(K, n))]
    x = rng.normal(size=(K, m, n))
    upstream = rng.normal(size=(K, m, n))
    for training in (True, False):
        layer.forward(x, training=training, cache=True)
        grad_x = layer.backward(upstream.copy())
        assert grad_x is not None

        def objective(training: bool = training) -> float:
            return float(np.sum(layer.forward(x, training=training) * upstream))

        eps = 1e-6
        for p, g in [(x, grad_x)] + list(zip(layer.params, layer.grads)):
            numeric = np.zeros_like(p)
            for i in np.ndindex(p.shape):
                keep = p[i]
                p[i] = keep + eps
                up = objective()
                p[i] = keep - eps
                down = objective()
                p[i] = keep
                numeric[i] = (up - down) / (2 * eps)
            np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


@gn.register
class MemberTestScale(gn.layers.Layer):
    """A user's layer that knows only 2-D arrays: ``a = x * s + t`` with trainable
    per-feature ``s``, ``t``, an L2 penalty on ``s`` and, in training, multiplicative noise
    drawn from the generator the model hands it each step."""

    stochastic = True

    def __init__(self, l2: float = 0.0, noise: float = 0.0, name: str | None = None) -> None:
        super().__init__(name)
        self.l2, self.noise = float(l2), float(noise)
        self.rng: np.random.Generator | None = None

    def build(self, n_in: int, rng: np.random.Generator, dtype: Any) -> None:
        super().build(n_in, rng, dtype)
        self.params = [rng.uniform(0.5, 1.5, size=n_in).astype(dtype),
                       rng.normal(size=n_in).astype(dtype)]
        self.grads = [np.zeros_like(p) for p in self.params]

    def forward(self, x: Any, training: bool = False, cache: bool = False) -> Any:
        assert x.ndim == 2  # this layer was written for one model
        scale = self.params[0]
        if training and self.noise and self.rng is not None:
            noise = self.noise * self.rng.standard_normal(x.shape[1])
            scale = scale * (1.0 + noise).astype(x.dtype)
        if cache:
            self.x, self.scale = x, scale
        return x * scale + self.params[1]

    def backward(self, grad_a: Any, need_input_grad: bool = True, defer: bool = False) -> Any:
        assert grad_a.ndim == 2
        np.sum(grad_a * self.x * (self.scale / self.params[0]), axis=0, out=self._grads[0])
        np.sum(grad_a, axis=0, out=self._grads[1])
        if self.l2:
            self._grads[0] += 2.0 * self.l2 * self.params[0]
        return grad_a * self.scale if need_input_grad else None

    @property
    def regularized(self) -> bool:
        return self.l2 != 0.0

    def regularization_loss(self) -> float:
        return self.l2 * float(np.sum(self.params[0] ** 2))

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2, "noise": self.noise, "name": self.name}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shared", [True, False], ids=["shared-batches", "own-orders"])
def test_a_users_2d_layer_runs_through_the_member_loop_bit_for_bit(
        digits: Any, dtype: str, shared: bool) -> None:
    """A user's own layer written for 2-D arrays (with weights, a penalty and per-step
    randomness), Normalization adapted differently per member, Flatten and the activation
    layers: every member equals its own fit bit for bit, and ``pop[k]`` gives it back."""
    X, y = digits

    def member(seed: int) -> gn.Sequential:
        norm = gn.layers.Normalization()
        norm.adapt(X[seed * 20: seed * 20 + 60])  # each member its own statistics
        model = gn.Sequential([
            gn.Input((64,)), norm, MemberTestScale(noise=0.1), gn.layers.Flatten(),
            gn.Dense(20), gn.layers.LeakyReLU(0.2),
            MemberTestScale(l2=0.01, noise=0.05), gn.layers.ReLU(),
            gn.Dense(10, "softmax")], seed=seed, dtype=dtype)
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        return model

    seeds = [1, 2, 3]
    alone = [member(s) for s in seeds]
    pop = Population([member(s) for s in seeds])
    assert type(pop._layers[0]).__name__ == "MemberLoop"
    orders = 4 if shared else [4, 5, 6]
    hist = pop.fit(X, y, epochs=2, batch_size=32, seed=orders,
                   validation_data=(X[:40], y[:40]))
    for k, model in enumerate(alone):
        model.fit(X, y, epochs=2, batch_size=32, seed=4 if shared else 4 + k, verbose=0,
                  validation_data=(X[:40], y[:40]))
        assert hist[k].history == model.history.history
        assert "data_loss" in hist[k].history  # the layer's penalty, as alone
        member_k = pop[k]
        for a, b in zip(model.get_weights(), member_k.get_weights()):
            np.testing.assert_array_equal(b, a)
        np.testing.assert_array_equal(pop.predict(X[:30])[k], model.predict(X[:30]))


def test_models_used_as_layers_are_refused() -> None:
    inner = gn.Sequential([gn.Input((4,)), gn.Dense(3)], seed=0)
    model = gn.Sequential([gn.Input((4,)), inner, gn.Dense(2)], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(gn.errors.ConfigError, match="model used as a layer"):
        Population([model])
