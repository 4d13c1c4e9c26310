"""Division-of-labor instruments on constructed networks whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.inspect import labor
from glassnet.inspect.labor import (
    ablation,
    activation_map,
    layer_activations,
    redundancy,
    selectivity,
    top_examples,
    unit_images,
)


def _model(sizes, activations, weights, *, loss=None, dtype="float64"):
    layers = [gn.Input((sizes[0],))] + [gn.Dense(n, a) for n, a in zip(sizes[1:], activations)]
    model = gn.Sequential(layers, seed=0, dtype=dtype)
    if weights is not None:
        model.set_weights([np.asarray(w, dtype=dtype) for w in weights])
    if loss is not None:
        model.compile(loss=loss, optimizer="adam", metrics=["accuracy"])
    return model


def _onehot_data(k: int, per_class: int):
    y = np.repeat(np.arange(k), per_class)
    X = np.eye(k)[y]
    return X, y


def _snapshot(model):
    return [w.copy() for w in model.get_weights()]


def _unchanged(model, before) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))


# --------------------------------------------------------------------------- selectivity


def test_unit_built_for_class_3_prefers_it_and_is_fully_selective():
    X, y = _onehot_data(5, 4)
    W1 = np.zeros((5, 3))
    W1[3, 0] = 1.0                  # unit 0 fires only for class 3
    W1[:, 1] = 1.0                  # unit 1 fires equally for every class
    W1[1, 2], W1[2, 2] = 2.0, 1.0   # unit 2: class 1 twice as much as class 2
    model = _model([5, 3, 5], ["relu", "linear"],
                   [W1, np.zeros(3), np.ones((3, 5)), np.zeros(5)])
    before = _snapshot(model)
    s = selectivity(model, X, y, 0)
    assert s.preferred[0] == 3
    assert s.index[0] == pytest.approx(1.0, abs=1e-9)
    assert s.index[1] == pytest.approx(0.0, abs=1e-12)
    assert s.preferred[2] == 1
    mu_rest = (0 + 1 + 0 + 0) / 4
    assert s.index[2] == pytest.approx((2 - mu_rest) / (2 + mu_rest))
    np.testing.assert_allclose(s.class_means[2], [0, 2, 1, 0, 0])
    assert not s.magnitude
    assert s.active.all()
    # unit 1 ties every class: argmax takes the first, class 0
    np.testing.assert_array_equal(s.preferred_counts(), [1, 1, 0, 1, 0])
    assert _unchanged(model, before)


def test_selectivity_uses_magnitude_for_negative_outputs_and_flags_silent_units():
    X, y = _onehot_data(4, 3)
    W1 = np.zeros((4, 2))
    W1[2, 0] = -1.5  # tanh unit strongly negative for class 2 only; unit 1 never moves
    model = _model([4, 2, 4], ["tanh", "linear"], [W1, np.zeros(2), np.ones((2, 4)), np.zeros(4)])
    s = selectivity(model, X, y, "dense")
    assert s.magnitude
    assert s.preferred[0] == 2
    assert s.index[0] == pytest.approx(1.0, abs=1e-9)
    assert s.class_means[0, 2] == pytest.approx(math.tanh(-1.5))
    assert not s.active[1] and s.index[1] == 0.0


def test_selectivity_rejects_bad_labels():
    X, y = _onehot_data(3, 2)
    model = _model([3, 2, 3], ["relu", "linear"], None)
    with pytest.raises(gn.ShapeError, match="y"):
        selectivity(model, X, y[:-1], 0)
    with pytest.raises(gn.DataError, match="classes \\[3\\]"):
        selectivity(model, X, y, 0, n_classes=4)
    with pytest.raises(gn.ConfigError, match="no layer named"):
        selectivity(model, X, y, "nope")


# --------------------------------------------------------------------------- ablation


def _carrier_model():
    """Units 0..2 copy the one-hot input and carry the logits; unit 3 is always 1 but its
    outgoing weights are zero."""
    W1 = np.hstack([np.eye(3), np.ones((3, 1))])
    W2 = np.vstack([5 * np.eye(3), np.zeros((1, 3))])
    return _model([3, 4, 3], ["relu", "linear"], [W1, np.zeros(4), W2, np.zeros(3)],
                  loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True))


def test_ablation_of_a_disconnected_unit_is_zero_and_of_a_carrier_is_not():
    X, y = _onehot_data(3, 5)
    model = _carrier_model()
    before = _snapshot(model)
    result = ablation(model, X, y)
    inc, drop = result.for_layer("dense")
    assert inc[3] == 0.0 and drop[3] == 0.0
    # Silencing unit j turns class j's logits into [0, 0, 0]: loss log 3 on a third of the data.
    base = result.base_loss
    expected = (2 * base + math.log(3)) / 3 - base
    np.testing.assert_allclose(inc[:3], expected, rtol=1e-9)
    # argmax of [0, 0, 0] is class 0: only classes 1 and 2 lose their examples.
    np.testing.assert_allclose(drop, [0, 1 / 3, 1 / 3, 0], atol=1e-12)
    assert result.base_accuracy == 1.0
    top = result.ranking()[0]
    assert top["rank"] == 1 and top["unit"] in (1, 2) and top["layer"] == "dense"
    assert result.ranking()[-1]["unit"] == 3
    assert _unchanged(model, before)


def _reference_ablation(model, X, y, layer_index, unit):
    """Silence a ReLU unit the slow way: a copy with its incoming weights and bias zeroed."""
    clone = gn.Sequential.from_config(model.get_config())
    weights = model.get_weights()
    weights[2 * layer_index][:, unit] = 0.0
    weights[2 * layer_index + 1][unit] = 0.0
    clone.set_weights(weights)
    scores = clone.evaluate(X, y, return_dict=True)
    return scores["loss"], scores["accuracy"]


@pytest.mark.parametrize("budget", [labor._ABLATION_BUDGET, 1])
def test_batched_ablation_matches_one_copy_per_unit(rng, monkeypatch, budget):
    monkeypatch.setattr(labor, "_ABLATION_BUDGET", budget)  # 1: one unit per batch
    X = rng.normal(size=(60, 5))
    y = rng.integers(0, 4, size=60)
    model = gn.Sequential([gn.Input((5,)), gn.Dense(6, "relu"), gn.Dense(5, "relu"),
                           gn.Dense(4, "linear")], seed=3, dtype="float64")
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam", metrics=["accuracy"])
    model.fit(X, y, epochs=5, seed=0, verbose=0)
    before = _snapshot(model)
    result = ablation(model, X, y)
    assert result.layers == ["dense"] * 6 + ["dense_1"] * 5
    for li, name in enumerate(["dense", "dense_1"]):
        for j in range(model.layers[li].output_dim):
            ref_loss, ref_acc = _reference_ablation(model, X, y, li, j)
            row = [r for r in range(len(result.layers))
                   if result.layers[r] == name and result.units[r] == j][0]
            assert result.loss[row] == pytest.approx(ref_loss, rel=1e-10)
            assert result.accuracy[row] == pytest.approx(ref_acc)
    assert _unchanged(model, before)
    single = ablation(model, X, y, layer="dense_1")
    np.testing.assert_allclose(single.loss, result.loss[6:])


def test_ablation_with_sigmoid_output_and_fused_loss():
    X, y = _onehot_data(2, 4)
    yb = y.astype(float)
    W1 = np.array([[1.0, 0.0], [0.0, 1.0]])
    W2 = np.array([[-4.0], [4.0]])
    model = _model([2, 2, 1], ["relu", "sigmoid"], [W1, np.zeros(2), W2, np.zeros(1)],
                   loss="binary_crossentropy")
    result = ablation(model, X, yb)
    assert result.base_accuracy == 1.0
    assert model.loss_value(X, yb) == pytest.approx(result.base_loss)
    inc, drop = result.for_layer("dense")
    assert (inc > 0).all()
    # Silencing unit 1 leaves class-1 examples at p = 0.5, which is not > 0.5: all wrong.
    assert drop[1] == pytest.approx(0.5)


def test_ablation_needs_a_compiled_model_and_a_hidden_layer():
    X, y = _onehot_data(3, 2)
    model = _model([3, 4, 3], ["relu", "linear"], None)
    with pytest.raises(gn.NotReadyError):
        ablation(model, X, y)
    model = _carrier_model()
    with pytest.raises(gn.ConfigError, match="output layer"):
        ablation(model, X, y, layer=-1)


# --------------------------------------------------------------------------- redundancy


def test_redundancy_groups_identical_and_mirrored_units_and_skips_dead_ones(rng):
    X = rng.normal(size=(50, 3))
    W1 = rng.normal(size=(3, 5))
    b1 = rng.normal(size=5)
    W1[:, 2], b1[2] = W1[:, 0], b1[0]        # unit 2 is a copy of unit 0
    W1[:, 4], b1[4] = -2 * W1[:, 1], 1.0     # unit 4 is an (affine) mirror of unit 1
    W1[:, 3], b1[3] = 0.0, 0.0               # unit 3 is constant (always 0)
    model = _model([3, 5, 2], ["linear", "linear"], [W1, b1, np.ones((5, 2)), np.zeros(2)])
    before = _snapshot(model)
    r = redundancy(model, X, 0, threshold=0.99)
    assert r.clusters == [[0, 2], [1, 4]]
    assert r.constant.tolist() == [False, False, False, True, False]
    assert r.correlation[0, 2] == pytest.approx(1.0)
    assert r.correlation[1, 4] == pytest.approx(-1.0)
    assert r.correlation[3].tolist() == [0.0] * 5
    assert r.n_distinct == 2
    assert r.max_abs_correlation() == pytest.approx(1.0)
    assert _unchanged(model, before)
    with pytest.raises(gn.ConfigError, match="threshold"):
        redundancy(model, X, 0, threshold=1.5)


def test_redundancy_finds_no_cluster_among_independent_units(rng):
    X = rng.normal(size=(400, 4))
    model = _model([4, 4, 1], ["linear", "linear"],
                   [np.eye(4), np.zeros(4), np.ones((4, 1)), np.zeros(1)])
    r = redundancy(model, X, "dense")
    assert r.clusters == [] and r.n_distinct == 4
    assert r.max_abs_correlation() < 0.3


# --------------------------------------------------------------------------- pictures


def test_top_examples_are_the_most_active_rows_highest_first():
    X = np.array([[0.1, 0], [3.0, 0], [-1.0, 0], [2.0, 0], [3.0, 1], [0.5, 0]])
    model = _model([2, 2, 1], ["relu", "linear"],
                   [np.eye(2), np.zeros(2), np.ones((2, 1)), np.zeros(1)])
    np.testing.assert_array_equal(top_examples(model, X, 0, 0, k=3), [1, 4, 3])
    np.testing.assert_array_equal(top_examples(model, X, 0, 1, k=1), [4])
    with pytest.raises(gn.ConfigError, match="unit"):
        top_examples(model, X, 0, 2)


def test_unit_images_row_major_and_column_major(rng):
    W1 = rng.normal(size=(6, 3))
    model = _model([6, 3, 1], ["relu", "linear"],
                   [W1, np.zeros(3), np.ones((3, 1)), np.zeros(1)])
    c = unit_images(model, 0, (2, 3), order="C")
    f = unit_images(model, 0, (2, 3), order="F")
    assert c.shape == f.shape == (3, 2, 3)
    for j in range(3):
        np.testing.assert_array_equal(c[j], W1[:, j].reshape(2, 3))
        np.testing.assert_array_equal(f[j], W1[:, j].reshape((2, 3), order="F"))
    # The course's convention for square images: reshape(n, n).T
    W_sq = rng.normal(size=(16, 2))
    sq = _model([16, 2, 1], ["relu", "linear"], [W_sq, np.zeros(2), np.ones((2, 1)), np.zeros(1)])
    np.testing.assert_array_equal(unit_images(sq, 0, (4, 4), order="F")[1],
                                  W_sq[:, 1].reshape(4, 4).T)
    with pytest.raises(gn.ShapeError, match="6 inputs"):
        unit_images(model, 0, (3, 3))
    with pytest.raises(gn.ConfigError, match="order"):
        unit_images(model, 0, (2, 3), order="K")  # type: ignore[arg-type]


def test_activation_map_covers_the_plane_and_honours_transform():
    W1 = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    model = _model([2, 3, 1], ["linear", "linear"],
                   [W1, np.zeros(3), np.ones((3, 1)), np.zeros(1)])
    xx, yy, A = activation_map(model, 0, xlim=(-1, 1), ylim=(0, 2), resolution=5)
    assert xx.shape == yy.shape == (5, 5) and A.shape == (5, 5, 3)
    np.testing.assert_allclose(A[:, :, 0], xx)
    np.testing.assert_allclose(A[:, :, 1], yy)
    np.testing.assert_allclose(A[:, :, 2], xx + yy)
    assert xx[0, 0] == -1 and xx[0, -1] == 1 and yy[-1, 0] == 2
    _, _, A2 = activation_map(model, 0, 2, xlim=(-1, 1), ylim=(0, 2), resolution=5,
                              transform=lambda p: 10 * p)
    np.testing.assert_allclose(A2, 10 * (xx + yy))
    with pytest.raises(gn.ConfigError, match="xlim"):
        activation_map(model, 0, xlim=(1, -1), ylim=(0, 1))
    wide = _model([3, 2, 1], ["relu", "linear"], None)
    with pytest.raises(gn.ShapeError, match="2 input features"):
        activation_map(wide, 0, xlim=(0, 1), ylim=(0, 1))


def test_layer_activations_equal_the_trace(rng):
    X = rng.normal(size=(7, 3))
    model = _model([3, 4, 2], ["tanh", "linear"], None)
    trace = model.trace(X)
    np.testing.assert_allclose(layer_activations(model, X, 0), trace[0].a)
    np.testing.assert_allclose(layer_activations(model, X, -1), trace[1].a)
    with pytest.raises(gn.ConfigError, match="index"):
        layer_activations(model, X, 5)
    with pytest.raises(gn.ArgumentTypeError):
        layer_activations(model, X, 1.5)
