"""Keras' other activations (elu, selu, gelu exact and tanh, silu/swish, softplus, softsign,
hard_sigmoid, exponential): derivatives against finite differences in float64, backprop
through a model gradient-checked, stability, dtype, and values against real Keras."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import activations
from glassnet.errors import ArgumentTypeError
from glassnet.inspect import gradient_check

NEW: dict[str, dict[str, Any]] = {
    "elu": {}, "elu_a": {"alpha": 0.5}, "selu": {}, "gelu": {}, "gelu_tanh": {"approximate": True},
    "silu": {}, "softplus": {}, "softsign": {}, "hard_sigmoid": {}, "exponential": {},
}


def _act(key: str) -> activations.Activation:
    name = key.split("_")[0] if key in ("elu_a", "gelu_tanh") else key
    return activations.get({"name": name, "config": NEW[key]})


def _points(rng: np.random.Generator) -> np.ndarray:
    z = rng.uniform(-4.0, 4.0, size=(6, 5))
    z[np.abs(z) < 0.05] += 0.1  # away from the kinks at 0 (elu, selu) ...
    z[np.abs(np.abs(z) - 3.0) < 0.05] += 0.1  # ... and at +-3 (hard_sigmoid)
    return z


@pytest.mark.parametrize("key", sorted(NEW))
def test_derivative_matches_finite_differences(key: str) -> None:
    act = _act(key)
    z = _points(np.random.default_rng(len(key)))
    eps = 1e-6
    numeric = (act.forward(z + eps) - act.forward(z - eps)) / (2 * eps)
    np.testing.assert_allclose(act.derivative(z, act.forward(z.copy())), numeric,
                               rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("key", sorted(NEW))
def test_backprop_through_a_model(key: str) -> None:
    rng = np.random.default_rng(100 + len(key))
    X, y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    model = gn.Sequential([gn.layers.Input((3,)), gn.layers.Dense(5, activation=_act(key)),
                           gn.layers.Dense(4, activation=_act(key)), gn.layers.Dense(2)],
                          seed=3, dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    result = gradient_check(model, X, y, eps=1e-5)
    assert result.max_relative_error < 1e-6, str(result)
    # the name form builds the same layer, and the model saves and loads with it
    assert model.get_config()["layers"][0]["config"]["activation"] == _act(key).to_config() \
        or model.get_config()["layers"][0]["config"]["activation"] == _act(key).name


def test_names_and_aliases() -> None:
    assert type(activations.get("swish")) is activations.SiLU
    assert type(activations.get("silu")) is activations.SiLU
    assert activations.get("gelu").approximate is False  # Keras' default: the erf form
    for name in ("elu", "selu", "gelu", "silu", "softplus", "softsign", "hard_sigmoid",
                 "exponential"):
        assert name in activations.names()
        assert activations.get(name).name == name
    with pytest.raises(ArgumentTypeError, match="approximate"):
        activations.GELU(approximate="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize("key", sorted(NEW))
def test_stable_and_keeps_dtype(key: str) -> None:
    act = _act(key)
    z = np.array([[-1e4, -50.0, 0.0, 50.0, 80.0]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.forward(z.copy())
        d = act.derivative(z, a)
    assert a.dtype == np.float32 and d.dtype == np.float32
    assert not np.isnan(a).any() and not np.isnan(d).any()


def test_hard_sigmoid_is_keras3s_relu6() -> None:
    z = np.array([[-4.0, -3.0, -1.5, 0.0, 1.5, 3.0, 4.0]])
    np.testing.assert_allclose(activations.HardSigmoid().forward(z),
                               np.minimum(np.maximum(z + 3, 0), 6) / 6)


@pytest.fixture(scope="module")
def keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("key", sorted(NEW))
def test_values_and_derivatives_match_keras(keras: Any, key: str) -> None:
    import torch

    name = key.split("_")[0] if key in ("elu_a", "gelu_tanh") else key
    z = _points(np.random.default_rng(7)).astype(np.float64)
    zt = torch.tensor(z, requires_grad=True)
    theirs = getattr(keras.activations, name)(zt, **NEW[key])
    theirs.sum().backward()
    act = _act(key)
    ours = act.forward(z.copy())
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(act.derivative(z, ours), zt.grad.numpy(), rtol=1e-7,
                               atol=1e-15)
    # a Keras layer with the activation's name gives the same outputs as ours
    layer = keras.layers.Dense(3, activation=name if not NEW[key] else None)
    if not NEW[key]:
        model = gn.Sequential([gn.layers.Input((5,)), gn.layers.Dense(3, activation=name)],
                              seed=0)
        layer.build((None, 5))
        layer.set_weights(model.get_weights())
        x = z.astype(np.float32)
        np.testing.assert_allclose(model.predict(x), np.asarray(layer(x).detach()),
                                   rtol=2e-5, atol=1e-6)


def test_bridge_functions_take_keras_arguments(keras: Any) -> None:
    from glassnet.keras import activations as ka

    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(ka.gelu(x, approximate=True),
                               np.asarray(keras.activations.gelu(x, approximate=True)),
                               rtol=1e-6)
    np.testing.assert_allclose(ka.elu(x, alpha=0.3),
                               np.asarray(keras.activations.elu(x, alpha=0.3)), rtol=1e-6)
    for name in ("selu", "swish", "silu", "softplus", "softsign", "hard_sigmoid", "exponential",
                 "gelu"):
        np.testing.assert_allclose(getattr(ka, name)(x),
                                   np.asarray(getattr(keras.activations, name)(x)),
                                   rtol=1e-6, atol=1e-7)
        assert getattr(ka, name) == activations.get(name)


@pytest.mark.parametrize("act,loss", [("elu", "mae"), ("gelu", "huber"), ("selu", "log_cosh"),
                                      ("swish", "mse"), ("softplus", "poisson"),
                                      ("hard_sigmoid", "msle"), ("softsign", "kld")])
def test_a_population_trains_them_as_its_members_fits_do(act: str, loss: str) -> None:
    """The new activations and losses go through a population's stacked arrays as through a
    single model: each member ends bit for bit where its own fit does."""
    from glassnet.population import Population

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 2))
    positive = loss in ("poisson", "msle", "kld")
    if positive:
        y = np.abs(y) / np.abs(y).sum(axis=1, keepdims=True)
    members = []
    for seed in (0, 1):
        m = gn.Sequential([gn.layers.Input((3,)), gn.layers.Dense(5, activation=act),
                           gn.layers.Dense(2, activation="softmax" if positive else None)],
                          seed=seed, dtype="float64")
        m.compile(loss=loss, optimizer="adam")
        members.append(m)
    pop = Population(members)
    pop.fit(X, y, epochs=3, batch_size=8, verbose=0)
    for k, m in enumerate(members):
        m.fit(X, y, epochs=3, batch_size=8, verbose=0)
        for a, b in zip(m.get_weights(), pop[k].get_weights()):
            np.testing.assert_array_equal(a, b)
