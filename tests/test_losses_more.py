"""The regression and probabilistic losses (mae, mape, msle, huber, log_cosh, hinge, poisson,
kl_divergence): names, gradients against finite differences in float64, per-example weights,
and values against real Keras (torch backend) when it is installed."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import losses
from glassnet.errors import ArgumentTypeError, ConfigError
from glassnet.inspect import gradient_check

# name -> (class, kwargs, output activation, target maker)
M, K, N_IN = 7, 3, 4  # odd M: sums of +-1 over the rows are never exactly 0


def _real(rng: np.random.Generator) -> np.ndarray:
    return rng.normal(size=(M, K))


def _positive(rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0.2, 3.0, size=(M, K))


def _binary(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2, size=(M, K)).astype(np.float64)


def _simplex(rng: np.random.Generator) -> np.ndarray:
    p = rng.uniform(0.1, 1.0, size=(M, K))
    return p / p.sum(axis=1, keepdims=True)


CASES: dict[str, tuple[Any, dict[str, Any], str, Any]] = {
    "mean_absolute_error": (losses.MeanAbsoluteError, {}, "linear", _real),
    "mean_absolute_percentage_error": (losses.MeanAbsolutePercentageError, {}, "linear", _real),
    "mean_squared_logarithmic_error": (losses.MeanSquaredLogarithmicError, {}, "softplus"
                                       if "softplus" in gn.activations.names() else "sigmoid",
                                       _positive),
    "huber": (losses.Huber, {"delta": 0.3}, "linear", _real),
    "log_cosh": (losses.LogCosh, {}, "linear", _real),
    "hinge": (losses.Hinge, {}, "linear", _binary),
    "poisson": (losses.Poisson, {}, "sigmoid", _positive),
    "kl_divergence": (losses.KLDivergence, {}, "softmax", _simplex),
}

ALIASES = {"mae": "mean_absolute_error", "MAE": "mean_absolute_error",
           "mape": "mean_absolute_percentage_error", "MAPE": "mean_absolute_percentage_error",
           "msle": "mean_squared_logarithmic_error", "MSLE": "mean_squared_logarithmic_error",
           "kld": "kl_divergence", "KLD": "kl_divergence", "logcosh": "log_cosh",
           "huber": "huber", "hinge": "hinge", "poisson": "poisson"}


def _model(out_act: str, seed: int = 0) -> gn.Sequential:
    return gn.Sequential([gn.layers.Input((N_IN,)), gn.layers.Dense(5, activation="tanh"),
                          gn.layers.Dense(K, activation=out_act)], seed=seed, dtype="float64")


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_names_and_aliases(alias: str) -> None:
    loss = losses.get(alias)
    assert loss.name == ALIASES[alias]
    assert type(losses.get(loss.to_config())) is type(loss)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_finite_differences(name: str) -> None:
    cls, kwargs, out_act, targets = CASES[name]
    rng = np.random.default_rng(len(name))
    X = rng.normal(size=(M, N_IN))
    y = targets(rng)
    for seed in range(50):
        model = _model(out_act, seed)
        # kinks at y_hat = y (and y y_hat = 1, |d| = delta): stay away from them
        out = model.predict(X)
        kink = {"hinge": np.abs(1 - np.where(y > 0.5, 1, -1) * out),
                "huber": np.abs(np.abs(out - y) - 0.3)}.get(name, np.abs(out - y))
        if kink.min() > 1e-2:
            break
    else:
        pytest.fail("no seed keeps the outputs away from the kinks")
    model.compile(loss=cls(**kwargs), optimizer="sgd")
    result = gradient_check(model, X, y, eps=1e-5)
    assert result.max_relative_error < 1e-6, str(result)
    # and with per-example weights: the rows of the gradient scale with them
    w = rng.uniform(0.0, 2.0, size=M)
    analytic = model.gradients(X, y, sample_weight=w)
    eps = 1e-6
    for p, g in zip(model.trainable_weights, analytic):
        flat, gf = p.reshape(-1), g.reshape(-1)
        for i in range(0, flat.size, 3):
            keep = flat[i]
            flat[i] = keep + eps
            up = model.loss_value(X, y, sample_weight=w)
            flat[i] = keep - eps
            down = model.loss_value(X, y, sample_weight=w)
            flat[i] = keep
            assert gf[i] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_model_learns_with_it(name: str) -> None:
    """A few steps of gradient descent lower the loss (the gradient's sign is right)."""
    cls, kwargs, out_act, targets = CASES[name]
    rng = np.random.default_rng(10 + len(name))
    X = rng.normal(size=(40, N_IN))
    y = np.concatenate([targets(rng) for _ in range(40 // M + 1)])[:40]
    model = _model(out_act, seed=1)
    model.compile(loss=cls(**kwargs), optimizer=gn.optimizers.Adam(0.01))
    before = model.loss_value(X, y)
    model.fit(X, y, epochs=20, batch_size=None, verbose=0)
    assert model.loss_value(X, y) < before


def test_bad_delta_names_the_argument() -> None:
    with pytest.raises(ConfigError, match="delta"):
        losses.Huber(delta=-1.0)
    with pytest.raises(ArgumentTypeError, match="delta"):
        losses.Huber(delta="big")


def test_hinge_maps_binary_targets() -> None:
    y = np.array([[0.0], [1.0]])
    p = np.array([[0.5], [0.5]])
    # {0, 1} -> {-1, 1}: max(1 + 0.5, 0) and max(1 - 0.5, 0)
    assert losses.Hinge()(y, p) == pytest.approx((1.5 + 0.5) / 2)
    assert losses.Hinge()(np.array([[-1.0], [1.0]]), p) == pytest.approx((1.5 + 0.5) / 2)


@pytest.fixture(scope="module")
def keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


KERAS_CLASSES = {"mean_absolute_error": "MeanAbsoluteError",
                 "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
                 "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError",
                 "huber": "Huber", "log_cosh": "LogCosh", "hinge": "Hinge",
                 "poisson": "Poisson", "kl_divergence": "KLDivergence"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_match_keras(keras: Any, name: str) -> None:
    cls, kwargs, _, targets = CASES[name]
    rng = np.random.default_rng(20 + len(name))
    y = targets(rng).astype(np.float32)
    p = rng.uniform(-0.5, 1.5, size=(M, K)).astype(np.float32)
    if name in ("poisson", "kl_divergence", "mean_squared_logarithmic_error"):
        p = np.abs(p) + 0.01
    p[0, 0] = 0.0  # clipping edges
    w = rng.uniform(0.0, 2.0, size=M).astype(np.float32)
    ours = cls(**kwargs)
    theirs = getattr(keras.losses, KERAS_CLASSES[name])(**kwargs)
    assert ours(y, p) == pytest.approx(float(theirs(y, p)), rel=1e-5)
    assert ours(y, p, sample_weight=w) == pytest.approx(
        float(theirs(y, p, sample_weight=w)), rel=1e-5)
    # the per-example losses equal Keras' loss function (no reduction)
    fn = getattr(keras.losses, name)
    t = ours.prepare_targets(y, K, np.float64)  # hinge: {0, 1} -> {-1, 1}
    np.testing.assert_allclose(ours.per_example(t, p.astype(np.float64)),
                               np.asarray(fn(y, p, **kwargs)), rtol=1e-5, atol=1e-6)
    # the string form compiles under the Keras name and aliases
    model = gn.Sequential([gn.layers.Input((2,)), gn.layers.Dense(K)], seed=0)
    model.compile(loss=name, optimizer="sgd")
    assert model.loss.name == name
