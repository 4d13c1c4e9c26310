"""Across-seeds instruments: permutation, matching, CKA, alignment, distances."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.inspect.labor import layer_activations
from glassnet.inspect.seeds import (
    align,
    compare_seeds,
    linear_cka,
    match_units,
    permute_units,
    train_seeds,
    weight_distance,
    weight_distance_per_layer,
)


def _build(seed: int, dtype: str = "float32") -> gn.Sequential:
    model = gn.Sequential([gn.Input((4,)), gn.Dense(7, "relu"), gn.Dense(5, "relu"),
                           gn.Dense(3, "linear")], seed=seed, dtype=dtype)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=gn.optimizers.Adam(learning_rate=0.01), metrics=["accuracy"])
    return model


def _data(rng, m: int = 120):
    X = rng.normal(size=(m, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)
    return X, y


def _random_model(rng, dead_unit: bool = True) -> gn.Sequential:
    model = _build(0)
    weights = [rng.normal(size=w.shape).astype(np.float32) for w in model.get_weights()]
    if dead_unit:
        weights[1][2] = -1e3  # unit 2 of the first layer never fires
        weights[3][4] = -1e3  # unit 4 of the second layer never fires
    model.set_weights(weights)
    return model


def _same(model, before) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))


# --------------------------------------------------------------------------- permutation


def test_permuted_copy_computes_the_same_function_and_leaves_the_original(rng):
    X, _ = _data(rng)
    model = _random_model(rng)
    before = model.get_weights()
    perm = rng.permutation(7)
    permuted = permute_units(model, 0, perm)
    assert permuted is not model and _same(model, before)
    W1, b1, W2 = permuted.get_weights()[:3]
    np.testing.assert_array_equal(W1, before[0][:, perm])
    np.testing.assert_array_equal(b1, before[1][perm])
    np.testing.assert_array_equal(W2, before[2][perm, :])
    out = model.predict(X)
    assert np.max(np.abs(permuted.predict(X) - out)) <= 1e-5 * max(1.0, np.abs(out).max())
    assert weight_distance(model, permuted) > 1.0


def test_a_randomly_permuted_network_is_matched_back_exactly(rng):
    X, _ = _data(rng)
    model = _random_model(rng, dead_unit=True)
    p1, p2 = rng.permutation(7), rng.permutation(5)
    shuffled = permute_units(permute_units(model, 0, p1), 1, p2)
    before = shuffled.get_weights()
    aligned, matchings = align(model, shuffled, X)
    assert _same(shuffled, before)
    np.testing.assert_array_equal(matchings[0].perm, np.argsort(p1))
    np.testing.assert_array_equal(matchings[1].perm, np.argsort(p2))
    # Back to the original labels: the very same weights, bit for bit.
    assert _same(aligned, model.get_weights())
    assert weight_distance(model, aligned) == 0.0
    # The dead units (constant) are excluded from the mean; every live pair correlates 1.
    for match, dead in zip(matchings, (2, 4)):
        assert not match.varying[dead] and match.varying.sum() == match.perm.size - 1
        assert match.mean == pytest.approx(1.0)
        np.testing.assert_allclose(match.correlation[match.varying], 1.0, atol=1e-6)


def test_permute_units_rejects_bad_permutations_and_the_output_layer(rng):
    model = _random_model(rng)
    with pytest.raises(gn.ConfigError, match="perm"):
        permute_units(model, 0, np.array([0, 1, 2, 3, 4, 5, 5]))
    with pytest.raises(gn.ConfigError, match="perm"):
        permute_units(model, 0, np.arange(5))
    with pytest.raises(gn.ConfigError, match="output layer"):
        permute_units(model, 2, np.arange(3))


# --------------------------------------------------------------------------- matching


def test_match_units_recovers_a_column_permutation(rng):
    A = rng.normal(size=(200, 6))
    perm = rng.permutation(6)
    B = A[:, perm] * 3.0 + 1.0 + 1e-3 * rng.normal(size=(200, 6))
    match = match_units(A, B)
    np.testing.assert_array_equal(match.perm, np.argsort(perm))
    np.testing.assert_allclose(B[:, match.perm], A * 3.0 + 1.0, atol=1e-2)
    assert match.mean > 0.999
    assert match.C.shape == (6, 6)
    np.testing.assert_allclose(match.best, match.correlation)
    with pytest.raises(gn.ShapeError):
        match_units(A, B[:, :5])


def test_match_units_is_one_to_one_where_best_partners_collide(rng):
    a = rng.normal(size=(500, 1))
    noise = rng.normal(size=(500, 2))
    A = np.hstack([a, a + 0.5 * noise[:, :1]])       # both units resemble b's unit 0
    B = np.hstack([a, noise[:, 1:]])
    match = match_units(A, B)
    assert sorted(match.perm.tolist()) == [0, 1]
    assert match.perm[0] == 0
    assert match.best[1] > match.correlation[1]      # its best partner was taken


# --------------------------------------------------------------------------- CKA


def test_linear_cka_identity_rotation_scaling_and_gram_formula(rng):
    A = rng.normal(size=(80, 5)) @ rng.normal(size=(5, 5))
    assert linear_cka(A, A) == pytest.approx(1.0)
    Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    assert linear_cka(A, A @ Q) == pytest.approx(1.0)
    assert linear_cka(A, 7.5 * A[:, ::-1] + 3.0) == pytest.approx(1.0)
    B = rng.normal(size=(80, 3))
    value = linear_cka(A, B)
    assert 0.0 <= value < 0.5
    # Same number from the Gram-matrix (HSIC) form: <K, L> / (|K| |L|) with centred kernels.
    H = np.eye(80) - 1.0 / 80
    K, L = H @ A @ A.T @ H, H @ B @ B.T @ H
    assert value == pytest.approx(np.sum(K * L) / (np.linalg.norm(K) * np.linalg.norm(L)))
    assert linear_cka(B, A) == pytest.approx(value)
    assert np.isnan(linear_cka(np.ones((10, 2)), B[:10]))
    with pytest.raises(gn.ShapeError):
        linear_cka(A, B[:10])


def test_cka_of_a_layer_with_itself_is_one(rng):
    X, _ = _data(rng)
    model = _random_model(rng, dead_unit=False)
    acts = layer_activations(model, X, 0)
    assert linear_cka(acts, acts) == pytest.approx(1.0)


# --------------------------------------------------------------------------- distance


def test_weight_distance_is_the_l2_norm_of_all_differences(rng):
    a = _random_model(rng)
    weights = a.get_weights()
    weights[0][0, 0] += 3.0
    weights[5][1] -= 4.0
    b = _build(0)
    b.set_weights(weights)
    assert weight_distance(a, b) == pytest.approx(5.0)
    per = weight_distance_per_layer(a, b)
    assert list(per) == ["dense", "dense_1", "dense_2"]
    assert per == pytest.approx({"dense": 3.0, "dense_1": 0.0, "dense_2": 4.0})
    other = gn.Sequential([gn.Input((4,)), gn.Dense(6, "relu"), gn.Dense(3)], seed=0)
    with pytest.raises(gn.ShapeError, match="widths"):
        weight_distance(a, other)


# --------------------------------------------------------------------------- training


def test_train_seeds_is_deterministic_per_seed(rng):
    X, y = _data(rng, 60)
    kwargs = {"epochs": 3, "batch_size": 16}
    m1, m2 = train_seeds(_build, X, y, [1, 2], fit_kwargs=kwargs)
    (again,) = train_seeds(_build, X, y, [1], fit_kwargs=kwargs)
    assert m1.seed == 1 and m2.seed == 2
    assert _same(again, m1.get_weights())
    assert weight_distance(m1, m2) > 0
    assert m1.history is not None and m1.history.params["seed"] == 1
    with pytest.raises(gn.ConfigError, match="seed"):
        train_seeds(_build, X, y, [1], fit_kwargs={"seed": 3})
    with pytest.raises(gn.ArgumentTypeError, match="seeds"):
        train_seeds(_build, X, y, [])


def test_compare_seeds_on_a_model_and_its_relabelled_copy(rng):
    X, y = _data(rng)
    (model,) = train_seeds(_build, X, y, [0], fit_kwargs={"epochs": 5})
    copy = permute_units(model, 0, rng.permutation(7))
    before = model.get_weights()
    cmp = compare_seeds([model, copy], X, y)
    assert _same(model, before)
    assert cmp.disagreement[0, 1] == 0.0 and cmp.mean_disagreement == 0.0
    assert cmp.weight_distance_before[0, 1] > 0
    assert cmp.weight_distance_after[0, 1] == 0.0
    for name in ("dense", "dense_1"):
        assert cmp.cka[name][0, 1] == pytest.approx(1.0)
        assert cmp.matched_correlation[name][0, 1] == pytest.approx(1.0)
    assert cmp.losses[0] == pytest.approx(cmp.losses[1], rel=1e-5)
    assert cmp.spread("accuracy")["std"] == pytest.approx(0.0)


def test_compare_seeds_statistics_for_different_seeds(rng):
    X, y = _data(rng)
    models = train_seeds(_build, X, y, [0, 1, 2], fit_kwargs={"epochs": 4})
    cmp = compare_seeds(models, X, y)
    assert cmp.seeds == [0, 1, 2]
    assert cmp.layers == ["dense", "dense_1"]
    for i, m in enumerate(models):
        scores = m.evaluate(X, y, return_dict=True)
        assert cmp.losses[i] == pytest.approx(scores["loss"], rel=1e-6)
        assert cmp.accuracies[i] == pytest.approx(scores["accuracy"])
    preds = [m.predict(X).argmax(axis=1) for m in models]
    assert cmp.disagreement[0, 2] == pytest.approx(np.mean(preds[0] != preds[2]))
    np.testing.assert_allclose(cmp.disagreement, cmp.disagreement.T)
    np.testing.assert_allclose(np.diag(cmp.weight_distance_before), 0.0)
    assert weight_distance(models[0], models[1]) == pytest.approx(cmp.weight_distance_before[0, 1])
    # Matching by activations is not weight-optimal in general; on these seeds it brings
    # the weights closer.
    assert cmp.mean_distance_after <= cmp.mean_distance_before
    spread = cmp.spread("loss")
    assert spread["min"] <= spread["mean"] <= spread["max"]
    acts = [layer_activations(m, X, 1) for m in models]
    assert cmp.cka["dense_1"][1, 2] == pytest.approx(linear_cka(acts[1], acts[2]))
    text = cmp.table()
    assert "seed" in text and "cka" in text and "before alignment" in text
    assert len(cmp.seed_rows()) == 3 and [r["layer"] for r in cmp.layer_rows()] == cmp.layers
    with pytest.raises(gn.ArgumentTypeError):
        compare_seeds(models[:1], X, y)
    with pytest.raises(gn.ConfigError):
        cmp.spread("speed")
