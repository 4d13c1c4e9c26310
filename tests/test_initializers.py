"""Initializers: the variance each preset promises, fans, exact constants, formulas in
repr, and seeded reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassnet import initializers
from glassnet.errors import ConfigError
from glassnet.initializers import (
    Constant,
    Ones,
    RandomNormal,
    RandomUniform,
    VarianceScaling,
    Zeros,
    fans,
)

SHAPE = (400, 300)  # 120,000 draws: sample variance within about 1% of the true one
FAN_IN, FAN_OUT = SHAPE

# name -> (variance, uniform limit or None)
PRESETS = {
    "glorot_uniform": (2 / (FAN_IN + FAN_OUT), math.sqrt(6 / (FAN_IN + FAN_OUT))),
    "glorot_normal": (2 / (FAN_IN + FAN_OUT), None),
    "he_normal": (2 / FAN_IN, None),
    "he_uniform": (2 / FAN_IN, math.sqrt(6 / FAN_IN)),
    "lecun_normal": (1 / FAN_IN, None),
    "lecun_uniform": (1 / FAN_IN, math.sqrt(3 / FAN_IN)),
}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_variance_and_range(name: str) -> None:
    var, limit = PRESETS[name]
    w = initializers.get(name)(SHAPE, np.random.default_rng(1), np.float64)
    assert w.shape == SHAPE and w.dtype == np.float64
    assert w.var() == pytest.approx(var, rel=0.03)
    assert abs(w.mean()) < 4 * math.sqrt(var / w.size)
    if limit is not None:
        assert np.abs(w).max() <= limit
        assert np.abs(w).max() > 0.99 * limit  # really uniform up to the limit
    else:
        # a normal has about 4.55% of its mass beyond 2 standard deviations
        beyond = np.mean(np.abs(w) > 2 * math.sqrt(var))
        assert 0.035 < beyond < 0.056


def test_he_normal_is_the_course_formula() -> None:
    """The course writes He as randn(n_in, n_out) * sqrt(2 / n_in)."""
    w = initializers.he_normal()((10, 5), np.random.default_rng(3), np.float64)
    expected = np.random.default_rng(3).standard_normal((10, 5)) * math.sqrt(2 / 10)
    np.testing.assert_allclose(w, expected, rtol=1e-15)


def test_truncated_normal_keeps_the_variance_and_cuts_at_two_std() -> None:
    init = VarianceScaling(2.0, "fan_in", "truncated_normal")
    w = init(SHAPE, np.random.default_rng(2), np.float64)
    var = 2 / FAN_IN
    assert w.var() == pytest.approx(var, rel=0.03)
    assert np.abs(w).max() <= 2 * math.sqrt(var) / 0.87962566103423978 + 1e-12


def test_fan_out_mode() -> None:
    w = VarianceScaling(1.0, "fan_out", "normal")(SHAPE, np.random.default_rng(4), np.float64)
    assert w.var() == pytest.approx(1 / FAN_OUT, rel=0.03)


def test_random_normal_and_uniform() -> None:
    w = RandomNormal(mean=1.0, stddev=0.5)(SHAPE, np.random.default_rng(5), np.float64)
    assert w.mean() == pytest.approx(1.0, abs=0.01)
    assert w.std() == pytest.approx(0.5, rel=0.02)
    u = RandomUniform(-2.0, 3.0)(SHAPE, np.random.default_rng(6), np.float64)
    assert u.min() >= -2.0 and u.max() < 3.0
    assert u.mean() == pytest.approx(0.5, abs=0.03)
    assert u.var() == pytest.approx(25 / 12, rel=0.03)


def test_fans() -> None:
    assert fans((3, 4)) == (3, 4)
    assert fans((7,)) == (7, 7)
    assert fans(()) == (1, 1)
    assert fans((2, 3, 4, 5)) == (24, 30)  # receptive field 2*3 times channels
    assert VarianceScaling(2.0, "fan_in").variance((8, 3)) == 2 / 8
    assert VarianceScaling(1.0, "fan_avg").variance((8, 4)) == 1 / 6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constants_are_exact(dtype: type) -> None:
    rng = np.random.default_rng(0)
    z = Zeros()((3, 4), rng, dtype)
    o = Ones()((3, 4), rng, dtype)
    c = Constant(0.5)((5,), rng, dtype)
    assert z.dtype == o.dtype == c.dtype == dtype
    np.testing.assert_array_equal(z, np.zeros((3, 4)))
    np.testing.assert_array_equal(o, np.ones((3, 4)))
    np.testing.assert_array_equal(c, np.full(5, 0.5))
    # a plain number means Constant
    assert initializers.get(0.25) == Constant(0.25)
    assert initializers.get("zeros") == Zeros()


def test_constants_consume_no_randomness() -> None:
    rng = np.random.default_rng(0)
    Zeros()((3, 3), rng)
    Constant(2.0)((3, 3), rng)
    assert rng.random() == np.random.default_rng(0).random()


@pytest.mark.parametrize("name", sorted(PRESETS) + ["random_normal", "random_uniform"])
def test_seeded_reproducibility_and_dtype(name: str) -> None:
    init = initializers.get(name)
    a = init((6, 5), np.random.default_rng(42), np.float32)
    b = init((6, 5), np.random.default_rng(42), np.float32)
    c = init((6, 5), np.random.default_rng(43), np.float32)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def _evaluate(expression: str, fan_in: int, fan_out: int) -> float:
    """Evaluate a formula printed by an initializer's repr, as a reader would."""
    return float(eval(expression, {"__builtins__": {}},  # noqa: S307 (our own text)
                      {"sqrt": math.sqrt, "fan_in": fan_in, "fan_out": fan_out}))


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_repr_formula_computes_the_actual_variance(name: str) -> None:
    """Reading the formula in repr and evaluating it gives the variance really used."""
    var, limit = PRESETS[name]
    text = repr(initializers.get(name))
    assert text.startswith(f"{name}: w ~ ")
    if limit is not None:
        assert text.count("U(-sqrt(") == 1
        inner = text[text.index("U(-") + 3: text.index(", +")]
        assert _evaluate(inner, FAN_IN, FAN_OUT) == pytest.approx(limit, rel=1e-12)
    else:
        inner = text[text.index("N(0, ") + 5: text.rindex(")")]
        assert _evaluate(inner, FAN_IN, FAN_OUT) == pytest.approx(var, rel=1e-12)


def test_repr_shows_the_formula() -> None:
    assert repr(initializers.he_normal()) == "he_normal: w ~ N(0, 2 / fan_in)"
    assert "N(0, 1 / fan_in)" in repr(initializers.lecun_normal())
    assert "truncated" in repr(VarianceScaling())
    assert repr(Zeros()).endswith("w = 0")
    assert repr(Constant(0.5)).endswith("w = 0.5")
    assert "N(0.0, 0.05^2)" in repr(RandomNormal())
    assert "U(-0.05, 0.05)" in repr(RandomUniform())


def test_every_registered_name_resolves() -> None:
    for name in initializers.names():
        init = initializers.get(name)
        w = init((3, 2), np.random.default_rng(0), np.float64)
        assert w.shape == (3, 2)


def test_config_round_trip() -> None:
    for init in (initializers.he_uniform(), Constant(0.3), RandomNormal(0.1, 2.0),
                 VarianceScaling(3.0, "fan_out", "uniform")):
        rebuilt = initializers.get(init.to_config())
        assert rebuilt == init
        a = init((4, 3), np.random.default_rng(9), np.float64)
        b = rebuilt((4, 3), np.random.default_rng(9), np.float64)
        np.testing.assert_array_equal(a, b)


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="mode"):
        VarianceScaling(mode="fan_sideways")
    with pytest.raises(ConfigError, match="distribution"):
        VarianceScaling(distribution="cauchy")
    with pytest.raises(ConfigError, match="scale"):
        VarianceScaling(scale=0)
    with pytest.raises(ConfigError, match="stddev"):
        RandomNormal(stddev=-1)
