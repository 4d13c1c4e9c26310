"""Optimizers: each step equals its closed-form update, written out here on its own."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import optimizers
from glassnet.errors import ConfigError, ShapeError
from glassnet.optimizers import SGD, Adam, RMSprop

SHAPES = [(3, 2), (2,)]


def _params(rng: np.random.Generator, dtype: type = np.float64) -> list[np.ndarray]:
    return [rng.normal(size=s).astype(dtype) for s in SHAPES]


def _grad_sequence(rng: np.random.Generator, steps: int) -> list[list[np.ndarray]]:
    return [[rng.normal(size=s) for s in SHAPES] for _ in range(steps)]


def _run(opt: optimizers.Optimizer, params: list[np.ndarray],
         grads: list[list[np.ndarray]]) -> list[np.ndarray]:
    live = [p.copy() for p in params]
    for g in grads:
        opt.apply(live, [gi.astype(live[0].dtype) for gi in g])
    return live


# Closed forms, one parameter array at a time, plain float64 arithmetic.

def _sgd(p: np.ndarray, gs: list[np.ndarray], lr: float, mom: float, nesterov: bool) -> np.ndarray:
    p = p.copy()
    v = np.zeros_like(p)
    for g in gs:
        v = mom * v - lr * g
        p = p + (mom * v - lr * g if nesterov else v)
    return p


def _rmsprop(p: np.ndarray, gs: list[np.ndarray], lr: float, rho: float, eps: float) -> np.ndarray:
    p = p.copy()
    s = np.zeros_like(p)
    for g in gs:
        s = rho * s + (1 - rho) * g * g
        p = p - lr * g / (np.sqrt(s) + eps)
    return p


def _adam(p: np.ndarray, gs: list[np.ndarray], lr: float, b1: float, b2: float,
          eps: float) -> np.ndarray:
    """Kingma & Ba, Algorithm 1 with the bias-corrected moments m_hat, v_hat.

    Keras (and glassnet) add epsilon to sqrt(v) before the bias correction of v, i.e.
    eps_hat = eps * sqrt(1 - b2^t) in the paper's "more efficient" ordering (Section 2);
    written here in terms of m_hat and v_hat.
    """
    p = p.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t, g in enumerate(gs, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps / math.sqrt(1 - b2**t))
    return p


CASES = [
    ("sgd", lambda: SGD(learning_rate=0.1),
     lambda p, gs: _sgd(p, gs, 0.1, 0.0, False)),
    ("sgd_momentum", lambda: SGD(learning_rate=0.05, momentum=0.9),
     lambda p, gs: _sgd(p, gs, 0.05, 0.9, False)),
    ("sgd_nesterov", lambda: SGD(learning_rate=0.05, momentum=0.8, nesterov=True),
     lambda p, gs: _sgd(p, gs, 0.05, 0.8, True)),
    ("rmsprop", lambda: RMSprop(learning_rate=0.01, rho=0.85, epsilon=1e-6),
     lambda p, gs: _rmsprop(p, gs, 0.01, 0.85, 1e-6)),
    ("adam", lambda: Adam(learning_rate=0.02, beta_1=0.8, beta_2=0.95, epsilon=1e-3),
     lambda p, gs: _adam(p, gs, 0.02, 0.8, 0.95, 1e-3)),
    ("adam_defaults", lambda: Adam(learning_rate=0.001),
     lambda p, gs: _adam(p, gs, 0.001, 0.9, 0.999, 1e-7)),
]


@pytest.mark.parametrize("steps", [1, 7])
@pytest.mark.parametrize("name,make,closed", CASES, ids=[c[0] for c in CASES])
def test_steps_match_the_closed_form(name, make, closed, steps, rng) -> None:  # type: ignore[no-untyped-def]
    params = _params(rng)
    grads = _grad_sequence(rng, steps)
    opt = make()
    got = _run(opt, params, grads)
    for i, p in enumerate(params):
        expected = closed(p, [g[i] for g in grads])
        np.testing.assert_allclose(got[i], expected, rtol=1e-13, atol=1e-15)
    assert opt.iterations == steps


def test_sgd_one_step_by_hand() -> None:
    p = [np.array([1.0, -2.0])]
    SGD(learning_rate=0.5).apply(p, [np.array([0.2, -4.0])])
    np.testing.assert_array_equal(p[0], [0.9, 0.0])


def test_momentum_two_steps_by_hand() -> None:
    p = [np.array([0.0])]
    opt = SGD(learning_rate=1.0, momentum=0.5)
    opt.apply(p, [np.array([1.0])])  # v = -1, p = -1
    opt.apply(p, [np.array([1.0])])  # v = -0.5 - 1 = -1.5, p = -2.5
    np.testing.assert_array_equal(p[0], [-2.5])
    q = [np.array([0.0])]
    nes = SGD(learning_rate=1.0, momentum=0.5, nesterov=True)
    nes.apply(q, [np.array([1.0])])  # v = -1, p += 0.5 * -1 - 1 = -1.5
    nes.apply(q, [np.array([1.0])])  # v = -1.5, p += 0.5 * -1.5 - 1 = -1.75 -> -3.25
    np.testing.assert_array_equal(q[0], [-3.25])


def test_adam_bias_correction_makes_the_first_step_the_learning_rate() -> None:
    """With m_hat = g and v_hat = g^2 at t = 1, the first step is lr * sign(g) (eps small)."""
    g = np.array([3.0, -0.02, 1e-3])
    p = [np.zeros(3)]
    Adam(learning_rate=0.01, epsilon=1e-12).apply(p, [g])
    np.testing.assert_allclose(p[0], -0.01 * np.sign(g), rtol=1e-7)
    # without the correction the first step would be (1 - b1) / sqrt(1 - b2) ~ 3.2x larger
    assert not np.allclose(p[0], -0.01 * np.sign(g) * 0.1 / math.sqrt(0.001), rtol=1e-2)


@pytest.mark.parametrize("name,make,closed", CASES, ids=[c[0] for c in CASES])
def test_float32_parameters_stay_float32(name, make, closed, rng) -> None:  # type: ignore[no-untyped-def]
    params = _params(rng, np.float32)
    grads = _grad_sequence(rng, 4)
    got = _run(make(), params, grads)
    for i, p in enumerate(params):
        assert got[i].dtype == np.float32
        expected = closed(p.astype(np.float64), [g[i].astype(np.float32) for g in grads])
        np.testing.assert_allclose(got[i], expected, rtol=1e-5, atol=1e-6)


def test_updates_happen_in_place(rng: np.random.Generator) -> None:
    params = _params(rng)
    ids = [id(p) for p in params]
    before = [p.copy() for p in params]
    Adam().apply(params, [np.ones_like(p) for p in params])
    assert [id(p) for p in params] == ids
    assert all(not np.array_equal(a, b) for a, b in zip(params, before))


def test_state_is_per_parameter_and_reset_forgets_it(rng: np.random.Generator) -> None:
    grads = _grad_sequence(rng, 3)
    p0 = _params(rng)
    opt = SGD(learning_rate=0.1, momentum=0.9)
    first = _run(opt, p0, grads)
    opt.reset()
    assert opt.iterations == 0
    again = _run(opt, p0, grads)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_shape_change_without_reset_is_refused(rng: np.random.Generator) -> None:
    opt = Adam()
    opt.apply(_params(rng), [np.ones(s) for s in SHAPES])
    with pytest.raises(ShapeError, match="reset"):
        opt.apply([np.zeros((4, 4))], [np.zeros((4, 4))])


def test_registry_and_config() -> None:
    assert type(optimizers.get("adam")) is Adam
    assert type(optimizers.get("sgd")) is SGD
    assert type(optimizers.get("rmsprop")) is RMSprop
    opt = SGD(learning_rate=0.3, momentum=0.5, nesterov=True)
    rebuilt = optimizers.get(opt.to_config())
    assert type(rebuilt) is SGD and rebuilt.get_config() == opt.get_config()
    assert optimizers.get(opt) is opt
    assert Adam().get_config() == {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                                   "epsilon": 1e-7}


@pytest.mark.parametrize("kwargs", [
    {"learning_rate": 0}, {"learning_rate": -1.0}, {"learning_rate": float("nan")},
    {"beta_1": 1.0}, {"beta_2": -0.1}, {"epsilon": 0},
])
def test_bad_hyperparameters(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=next(iter(kwargs))):
        Adam(**kwargs)  # type: ignore[arg-type]


def test_hyperparameter_of_the_wrong_type() -> None:
    with pytest.raises(gn.ArgumentTypeError, match="learning_rate: expected a number > 0, "
                       "got 'fast'"):
        Adam(learning_rate="fast")  # type: ignore[arg-type]


def test_bad_momentum() -> None:
    with pytest.raises(ConfigError, match="momentum"):
        SGD(momentum=1.5)
    with pytest.raises(ConfigError, match="rho"):
        RMSprop(rho=1.0)


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-12), (np.float32, 2e-5)])
@pytest.mark.parametrize("name,make,closed", CASES, ids=[c[0] for c in CASES])
def test_large_arrays_match_the_closed_form(name, make, closed, dtype, rtol, rng) -> None:  # type: ignore[no-untyped-def]
    # Arrays of >= optimizers.AXPY_MIN_SIZE elements take the BLAS axpy path (where NumPy's
    # BLAS is found); the small arrays of the other tests take the ufunc path.
    shapes = [(128, 80), (80,)]
    assert 128 * 80 >= optimizers.AXPY_MIN_SIZE
    params = [rng.normal(size=s).astype(dtype) for s in shapes]
    grads = [[rng.normal(size=s).astype(dtype) for s in shapes] for _ in range(5)]
    opt = make()
    got = _run(opt, params, grads)
    for i, p in enumerate(params):
        assert got[i].dtype == dtype
        expected = closed(p.astype(np.float64), [g[i].astype(np.float64) for g in grads])
        np.testing.assert_allclose(got[i], expected, rtol=rtol, atol=rtol)
