"""The symmetry meter on constructed layers whose duplicates are known."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ArgumentTypeError, ConfigError
from glassnet.inspect import symmetry
from glassnet.inspect import symmetry as symmetry_function
from glassnet.inspect.symmetry import pairwise_max_abs_diff


def _model(W1: np.ndarray, b1: np.ndarray, seed: int = 0) -> gn.Sequential:
    n_in, units = W1.shape
    model = gn.Sequential([gn.Input(shape=(n_in,)), gn.Dense(units, "relu", name="hidden"),
                           gn.Dense(2, "sigmoid", name="out")], seed=seed, dtype="float64")
    W2, b2 = model.layers[1].get_weights()
    model.set_weights([W1, b1, W2, b2])
    return model


def _weights(rng: np.random.Generator, n_in: int = 3, units: int = 5) -> tuple:
    return rng.standard_normal((n_in, units)), rng.standard_normal(units)


def test_two_equal_units_are_duplicates_and_a_third_is_not(rng: np.random.Generator) -> None:
    W, b = _weights(rng)
    W[:, 3] = W[:, 1]
    b[3] = b[1]
    model = _model(W, b)
    X = rng.standard_normal((40, 3))
    for probe in (None, X):
        layer = symmetry(model, probe).layer("hidden")
        assert layer.n_units == 5
        assert layer.k_distinct == 4
        assert layer.groups == [[1, 3]]
        assert layer.closest_pair == (1, 3) and layer.closest_gap == 0.0
        assert layer.weight_similarity[1, 3] == pytest.approx(1.0)
        assert layer.weight_similarity[1, 2] < 1.0
        assert not layer.collapsed
    report = symmetry(model, X)
    assert report.k_distinct == {"hidden": 4, "out": 2}
    assert report.with_activations and report.n_probe == 40
    assert report.layer("hidden").activation_similarity[1, 3] == pytest.approx(1.0)
    assert "{1,3}" in report.table()


def test_groups_are_connected_components(rng: np.random.Generator) -> None:
    W, b = _weights(rng, units=7)
    for j in (2, 5):
        W[:, j], b[j] = W[:, 0], b[0]
    W[:, 6], b[6] = W[:, 4], b[4]
    layer = symmetry(_model(W, b)).layer("hidden")
    assert layer.groups == [[0, 2, 5], [4, 6]]
    assert layer.k_distinct == 7 - 2 - 1


def test_all_equal_units_collapse(rng: np.random.Generator) -> None:
    W = np.full((3, 6), 0.5)
    b = np.zeros(6)
    layer = symmetry(_model(W, b), rng.standard_normal((10, 3))).layer("hidden")
    assert layer.k_distinct == 1 and layer.collapsed
    assert layer.groups == [list(range(6))]


def test_tolerance_and_bias_matter(rng: np.random.Generator) -> None:
    W, b = _weights(rng)
    W[:, 1] = W[:, 0] + 1e-3
    b[1] = b[0]
    model = _model(W, b)
    assert symmetry(model, tol=1e-6).layer("hidden").k_distinct == 5
    assert symmetry(model, tol=1e-2).layer("hidden").k_distinct == 4
    # equal weights but a different bias: different units
    W2, b2 = _weights(rng)
    W2[:, 1] = W2[:, 0]
    b2[1] = b2[0] + 0.5
    assert symmetry(_model(W2, b2), tol=1e-3).layer("hidden").k_distinct == 5
    # the tolerance scales with the layer's largest weight: 1e-3 apart in weights of ~1000
    W3, b3 = _weights(rng)
    W3 *= 1000.0
    W3[:, 1] = W3[:, 0] + 1e-3
    b3[1] = b3[0]
    assert symmetry(_model(W3, b3), tol=1e-5).layer("hidden").k_distinct == 4


def test_activations_must_agree_too(rng: np.random.Generator) -> None:
    """Two units with equal weights but not equal biases can both be dead on a probe (equal
    activations): still distinct, because the weights disagree."""
    W, b = _weights(rng)
    W[:, 1] = W[:, 0]
    b[0], b[1] = -100.0, -90.0
    X = rng.standard_normal((20, 3))
    layer = symmetry(_model(W, b), X).layer("hidden")
    assert layer.activation_similarity is not None
    assert layer.activation_similarity[0, 1] == 1.0  # both all-zero: same by convention
    assert np.isnan(layer.activation_correlation[0, 1])  # constant activations: undefined
    assert layer.k_distinct == 5


def test_cosine_conventions(rng: np.random.Generator) -> None:
    W, b = _weights(rng)
    W[:, 2], b[2] = -W[:, 0], -b[0]
    W[:, 3], b[3] = 0.0, 0.0
    W[:, 4], b[4] = 0.0, 0.0
    S = symmetry(_model(W, b)).layer("hidden").weight_similarity
    assert S[0, 2] == pytest.approx(-1.0)
    assert S[3, 4] == 1.0 and S[0, 3] == 0.0
    np.testing.assert_allclose(np.diag(S), 1.0)
    np.testing.assert_allclose(S, S.T)


def test_pairwise_max_abs_diff_blocks_agree_with_brute_force(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    V = rng.standard_normal((9, 13))
    brute = np.abs(V[:, :, None] - V[:, None, :]).max(axis=0)
    np.testing.assert_array_equal(pairwise_max_abs_diff(V), brute)
    # the package exports the function ``symmetry``; the module itself is in sys.modules
    module = importlib.import_module("glassnet.inspect.symmetry")
    monkeypatch.setattr(module, "_BLOCK_ELEMENTS", 20)
    np.testing.assert_array_equal(pairwise_max_abs_diff(V), brute)


def test_symmetry_does_not_change_the_model(rng: np.random.Generator) -> None:
    W, b = _weights(rng)
    model = _model(W, b)
    before = model.get_weights()
    symmetry_function(model, rng.standard_normal((15, 3)))
    for x, y in zip(before, model.get_weights()):
        np.testing.assert_array_equal(x, y)


def test_symmetry_rejects_bad_input(rng: np.random.Generator) -> None:
    W, b = _weights(rng)
    with pytest.raises(ConfigError, match="tol"):
        symmetry(_model(W, b), tol=-1.0)
    with pytest.raises(ArgumentTypeError, match="model"):
        symmetry([1, 2, 3])
    with pytest.raises(ConfigError, match="no layer named"):
        symmetry(_model(W, b)).layer("nope")


def test_dead_units_reported_apart_not_as_copies(rng: np.random.Generator) -> None:
    """Two dead units with different weights: listed as dead, still distinct, and left out of
    the max activation cosine (which would otherwise read 1)."""
    W, b = _weights(rng)
    b[0], b[1] = -100.0, -90.0
    X = rng.standard_normal((20, 3))
    report = symmetry(_model(W, b), X)
    layer = report.layer("hidden")
    assert layer.dead == [0, 1]
    assert layer.k_distinct == layer.n_units
    row = report.rows()[0]
    assert row["dead"] == "0, 1"
    assert row["max activation cosine"] < 1.0
    text = repr(report)
    assert "dead" in text.lower() and "array(" not in text
    assert "<table>" in report._repr_html_()


def test_distinct_units_counts_as_symmetry_does(rng: np.random.Generator) -> None:
    from glassnet.inspect import distinct_units

    W, b = _weights(rng, units=6)
    W[:, 4] = W[:, 1]
    b[4] = b[1]
    W[:, 5] = W[:, 2] + 1e-9  # a copy within the tolerance, not exactly
    b[5] = b[2]
    X = rng.standard_normal((30, 3))
    model = _model(W, b)
    for probe in (None, X):
        for tol in (0.0, 1e-6):
            assert distinct_units(model, probe, tol=tol) == symmetry(model, probe,
                                                                     tol=tol).k_distinct
    assert distinct_units(model, X) == {"hidden": 4, "out": 2}
    assert distinct_units(model, X, tol=0.0) == {"hidden": 5, "out": 2}
    with pytest.raises(ArgumentTypeError, match="model"):
        distinct_units("not a model")
