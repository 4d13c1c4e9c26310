"""Per-example weights in a population: ``Population.fit(sample_weight=..., class_weight=...)``
and ``validation_data=(X, y, w)`` train and log each member bit for bit as ``Sequential.fit``
of that member alone with the same weights, seeds and orders; the weighted loss over a
leading member axis equals the one-model call member by member and matches finite
differences; refused arguments give Sequential.fit's errors and change nothing."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import losses as L
from glassnet.layers import Dense, Dropout
from glassnet.population import Population
from stoppers import StopAtStep
from test_losses_members import IDS, LOSSES, _batch_major, _outputs, _targets

# -- the loss: weighted value and gradient over a leading member axis ---------------------------


def _weighted(loss: L.Loss, y: Any, out: Any, w: Any, need_grad: bool) -> tuple[Any, Any]:
    if need_grad:
        return loss.weighted_value_and_grad(y, out, w, logits=loss.from_logits)
    return loss.weighted_value(y, out, w, logits=loss.from_logits), None


def _weights(shape: tuple[int, ...], dtype: Any, rng: np.random.Generator) -> np.ndarray:
    w = rng.random(shape) * 3
    w[..., ::5] = 0.0  # some examples not counted at all
    return w.astype(dtype)


@pytest.mark.parametrize("loss", LOSSES, ids=IDS)
def test_weighted_loss_of_each_member_equals_its_own_call_bit_for_bit(loss: L.Loss) -> None:
    rng = np.random.default_rng(0)
    shapes = [(3, 7, 4), (2, 33, 1), (3, 3000, 3), (1, 50, 5)]
    for dtype, shape, per_member_y, per_member_w, batch_major, need_grad in itertools.product(
            (np.float32, np.float64), shapes, (False, True), (False, True), (False, True),
            (True, False)):
        P, m, k = shape
        y = _targets(loss, (P, m) if per_member_y else (m,), k, dtype, rng)
        w = _weights((P, m) if per_member_w else (m,), dtype, rng)
        out = _outputs(loss, shape, dtype, rng)
        stacked = _batch_major(out) if batch_major else out.copy()
        values, grads = _weighted(loss, y, stacked, w, need_grad)
        assert isinstance(values, np.ndarray) and values.shape == (P,)
        assert values.dtype == np.float64
        if need_grad:
            assert grads.shape == out.shape and grads.dtype == out.dtype
        for p in range(P):
            value, grad = _weighted(loss, y[p] if per_member_y else y, out[p].copy(),
                                    w[p] if per_member_w else w, need_grad)
            assert type(value) is float
            assert values[p].tobytes() == np.float64(value).tobytes(), (dtype, shape, p)
            if need_grad:
                assert np.ascontiguousarray(grads[p]).tobytes() == grad.tobytes(), (
                    dtype, shape, per_member_y, per_member_w, batch_major, p)


@pytest.mark.parametrize("loss", LOSSES, ids=IDS)
def test_weighted_gradient_member_by_member_matches_finite_differences(loss: L.Loss) -> None:
    """d(values[p])/d(out[p]) is grads[p] with member p's own weights, and a member's value
    moves only with its own outputs."""
    rng = np.random.default_rng(1)
    P, m, k = 3, 4, 3
    y = _targets(loss, (P, m), k, np.float64, rng)
    out = _outputs(loss, (P, m, k), np.float64, rng)
    if isinstance(loss, (L.MeanAbsoluteError, L.MeanAbsolutePercentageError)):
        out = out + 0.5  # away from the kinks |y_hat - y| = 0
    if isinstance(loss, L.Huber):
        out = np.where(np.abs(np.abs(out - y) - loss.delta) < 1e-3, out + 0.01, out)
    if isinstance(loss, L.Hinge):
        out = np.where(np.abs(1 - y * out) < 1e-3, out + 0.01, out)
    if not loss.from_logits and isinstance(loss, (L.BinaryCrossentropy,
                                                  L.CategoricalCrossentropy,
                                                  L.SparseCategoricalCrossentropy,
                                                  L.KLDivergence)):
        out = np.clip(out, 1e-3, 1 - 1e-3)
    w = rng.random((P, m)) * 2 + 0.1
    values, grads = _weighted(loss, y, _batch_major(out), w, True)
    h = 1e-6
    numeric = np.zeros_like(out)
    for idx in np.ndindex(out.shape):
        up, down = out.copy(), out.copy()
        up[idx] += h
        down[idx] -= h
        vu = _weighted(loss, y, up, w, False)[0]
        vd = _weighted(loss, y, down, w, False)[0]
        others = [q for q in range(P) if q != idx[0]]
        assert np.array_equal(vu[others], values[others])
        numeric[idx] = (vu[idx[0]] - vd[idx[0]]) / (2 * h)
    np.testing.assert_allclose(grads, numeric, rtol=1e-5, atol=1e-7)
    # the weights matter: the unweighted gradient differs
    plain = loss.logits_value_and_grad(y, out)[1] if loss.from_logits else loss.gradient(y, out)
    assert not np.allclose(plain, grads)


def test_weighted_value_is_the_hand_computed_sum_over_batch_size() -> None:
    """Shared weights: each member's value is sum_i w_i l_i / m of its own outputs."""
    loss = L.MeanSquaredError()
    y = np.array([[0.0], [1.0], [2.0]])
    out = np.array([[[1.0], [1.0], [0.0]], [[0.0], [3.0], [2.0]]])
    w = np.array([2.0, 5.0, 0.5])
    values = loss.weighted_value(y, out, w)
    np.testing.assert_array_equal(values, [(2 * 1 + 0 + 0.5 * 4) / 3, (0 + 5 * 4 + 0) / 3])


# -- Population.fit with per-example weights, against Sequential.fit -----------------------------

@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:500] / 16.0, y[:500]


def _net(seed: int, dtype: str, loss: str = "sparse_categorical_crossentropy",
         optimizer: str = "adam", regularized: bool = False, rate: float = 0.2,
         last: str = "softmax") -> gn.Sequential:
    """130 hidden units (the first kernel goes through BLAS: plain SGD folds its step into a
    gemm), dropout; a penalty on every other member when ``regularized``."""
    reg = gn.regularizers.L2(1e-3) if regularized and seed % 2 else None
    model = gn.Sequential([gn.Input((64,)), Dense(130, "relu", kernel_regularizer=reg),
                           Dropout(rate), Dense(10, last, bias_regularizer=reg)],
                          seed=seed, dtype=dtype)
    model.compile(loss=loss, optimizer=optimizer, metrics=["accuracy"])
    return model


def _assert_member_is(pop: Population, k: int, alone: gn.Sequential, ph: Any, h: Any) -> None:
    """Member ``k`` equals ``alone`` to the last bit: weights, optimizer state and count,
    epochs trained, history (values and key order)."""
    member = pop[k]
    for a, b in zip(alone.get_weights(), member.get_weights()):
        assert b.dtype == a.dtype
        assert b.tobytes() == a.tobytes(), f"member {k}"
    assert member.optimizer.iterations == alone.optimizer.iterations
    mine, theirs = member.optimizer.get_state(), alone.optimizer.get_state()
    assert mine["slots"].keys() == theirs["slots"].keys()
    for name in theirs["slots"]:
        for a, b in zip(theirs["slots"][name], mine["slots"][name]):
            assert b.tobytes() == a.tobytes(), f"member {k} slot {name}"
    assert int(pop.epochs_trained[k]) == alone.epochs_trained
    assert ph.epoch == h.epoch
    assert list(ph.history) == list(h.history)
    assert ph.history == h.history, f"member {k}"


CASES = [  # (loss, output activation, optimizer)
    ("sparse_categorical_crossentropy", "softmax", "adam"),   # fused, labels
    ("categorical_crossentropy", "softmax", "sgd"),           # fused, one-hot; SGD's gemm
    ("mse", "sigmoid", "rmsprop"),                            # not fused
    ("cce_logits", "linear", "sgd"),                          # from_logits, not fused
]


def _loss(name: str) -> Any:
    return (gn.losses.CategoricalCrossentropy(from_logits=True) if name == "cce_logits"
            else name)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shared", [True, False], ids=["shared-batches", "own-orders"])
@pytest.mark.parametrize("regularized", [False, True], ids=["plain", "penalties"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_weighted_members_equal_their_own_fits_bit_for_bit(
        digits: Any, dtype: str, shared: bool, regularized: bool, case: Any) -> None:
    X, y = digits
    loss, last, optimizer = case
    Y = y if loss.startswith("sparse") else np.eye(10)[y]
    rng = np.random.default_rng(3)
    w = rng.random(400) * 2
    w[::7] = 0.0
    w_val = rng.random(100) + 0.5
    K = 3
    seeds = 11 if shared else [11, 12, 13]

    def make(k: int) -> gn.Sequential:
        return _net(k, dtype, _loss(loss), optimizer, regularized, rate=0.1 * k, last=last)

    pop = Population([make(k) for k in range(K)])
    ph = pop.fit(X[:400], Y[:400], epochs=2, batch_size=32, seed=seeds, sample_weight=w,
                 validation_data=(X[400:], Y[400:], w_val))
    for k in range(K):
        alone = make(k)
        h = alone.fit(X[:400], Y[:400], epochs=2, batch_size=32, verbose=0,
                      seed=seeds if shared else seeds[k], sample_weight=w,
                      validation_data=(X[400:], Y[400:], w_val))
        _assert_member_is(pop, k, alone, ph[k], h)
        assert ("data_loss" in h.history) == (regularized and k % 2 == 1)
    # the weights were used: the same population without them trains otherwise
    plain = Population([make(k) for k in range(K)])
    ph0 = plain.fit(X[:400], Y[:400], epochs=2, batch_size=32, seed=seeds,
                    validation_data=(X[400:], Y[400:]))
    for k in range(K):
        assert ph0[k].history["loss"] != ph[k].history["loss"]
        assert ph0[k].history["val_loss"] != ph[k].history["val_loss"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shared", [True, False], ids=["shared-batches", "own-orders"])
def test_class_weight_trains_each_member_as_its_own_fit(digits: Any, dtype: str,
                                                        shared: bool) -> None:
    X, y = digits
    class_weight = {0: 3.0, 3: 0.25, 7: 0.0, 9: 2}
    seeds = 4 if shared else [4, 8]
    pop = Population([_net(k, dtype) for k in range(2)])
    ph = pop.fit(X, y, epochs=2, batch_size=50, seed=seeds, class_weight=class_weight)
    for k in range(2):
        alone = _net(k, dtype)
        h = alone.fit(X, y, epochs=2, batch_size=50, verbose=0, class_weight=class_weight,
                      seed=seeds if shared else seeds[k])
        _assert_member_is(pop, k, alone, ph[k], h)
    # one-hot targets: labels read from the argmax, as Sequential.fit reads them
    Y = np.eye(10)[y]
    pop = Population([_net(k, dtype, "categorical_crossentropy") for k in range(2)])
    ph = pop.fit(X, Y, epochs=1, batch_size=50, seed=seeds, class_weight=class_weight)
    for k in range(2):
        alone = _net(k, dtype, "categorical_crossentropy")
        h = alone.fit(X, Y, epochs=1, batch_size=50, verbose=0, class_weight=class_weight,
                      seed=seeds if shared else seeds[k])
        _assert_member_is(pop, k, alone, ph[k], h)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shared", [True, False], ids=["shared-batches", "own-orders"])
def test_weighted_members_stop_early_as_their_own_fits(digits: Any, dtype: str, shared: bool,
                                                       monkeypatch: Any) -> None:
    """Per-member early stopping with weights: members stop apart (in mid-epoch too), the
    population compacts once half have stopped, and each member equals its own fit."""
    import glassnet.population as population

    compactions: list[int] = []
    compact = population._compact

    def counted(stack: Population, *args: Any) -> Population:
        compactions.append(stack.K)
        return compact(stack, *args)

    monkeypatch.setattr(population, "_compact", counted)
    X, y = digits
    w = np.random.default_rng(5).random(400) * 3
    val = (X[400:], y[400:], np.linspace(0.1, 2.0, 100))
    stops: list[Any] = [
        lambda: gn.EarlyStopping(monitor="val_loss", patience=0, min_delta=10.0),
        lambda: StopAtStep(17),  # in mid-epoch 1 (13 steps an epoch)
        # the val_loss falls each epoch: "max" keeps epoch 0 as the best, stops after
        # epoch 2 and puts epoch 0's weights back
        lambda: gn.EarlyStopping(monitor="val_loss", mode="max", patience=2,
                                 restore_best_weights=True),
        lambda: StopAtStep(10_000),  # never
    ]
    K = len(stops)
    seeds = 2 if shared else [2 + k for k in range(K)]
    pop = Population([_net(k, dtype, optimizer="sgd") for k in range(K)])
    ph = pop.fit(X[:400], y[:400], epochs=5, batch_size=32, seed=seeds, sample_weight=w,
                 validation_data=val, callbacks=[[make()] for make in stops])
    lengths = [len(ph[k].epoch) for k in range(K)]
    assert lengths == [2, 1, 3, 5], lengths
    assert compactions == [4, 2]  # at half stopped: after epoch 1 (2 of 4), epoch 2 (1 of 2)
    for k, make in enumerate(stops):
        alone = _net(k, dtype, optimizer="sgd")
        h = alone.fit(X[:400], y[:400], epochs=5, batch_size=32, verbose=0,
                      seed=seeds if shared else seeds[k], sample_weight=w,
                      validation_data=val, callbacks=[make()])
        _assert_member_is(pop, k, alone, ph[k], h)


def test_evaluate_weighs_each_members_loss_as_sequential_evaluate(digits: Any) -> None:
    X, y = digits
    w = np.random.default_rng(0).random(200)
    members = [_net(k, "float64", regularized=True) for k in range(3)]
    pop = Population(members)
    results = pop.evaluate(X[:200], y[:200], sample_weight=w)
    for k, model in enumerate(members):
        r = model.evaluate(X[:200], y[:200], sample_weight=w, return_dict=True)
        assert results[k]["loss"] == r["loss"]
        assert results[k]["accuracy"] == r["accuracy"]
    assert results[0]["loss"] != pop.evaluate(X[:200], y[:200])[0]["loss"]


def _snapshot(pop: Population) -> Any:
    return ([p.copy() for p in pop.params], pop.iterations.copy(),
            pop.epochs_trained.copy(), pop.learning_rates.copy(), pop.history,
            {name: a.copy() for name, a in pop._state.items()})


BAD = [  # fit keyword arguments Sequential.fit refuses too
    {"sample_weight": np.ones(399)},
    {"sample_weight": np.ones((400, 2))},
    {"sample_weight": np.full(400, np.nan)},
    {"sample_weight": np.array(["a"] * 400)},
    {"sample_weight": np.ones(400), "class_weight": {0: 2.0}},
    {"class_weight": [1.0, 2.0]},
    {"class_weight": {"zero": 1.0}},
    {"class_weight": {True: 1.0}},
    {"class_weight": {0: float("inf")}},
    {"class_weight": {0: "heavy"}},
    {"validation_data": ("X", "y", np.ones(99))},
    {"validation_data": ("X", "y", np.full(100, np.inf))},
]


@pytest.mark.parametrize("kwargs", BAD, ids=[str(i) for i in range(len(BAD))])
def test_refused_weights_give_sequential_fits_error_and_change_nothing(
        digits: Any, kwargs: dict[str, Any]) -> None:
    X, y = digits
    if "validation_data" in kwargs:
        kwargs = dict(kwargs, validation_data=(X[400:], y[400:], kwargs["validation_data"][2]))
    pop = Population([_net(k, "float32") for k in range(2)])
    pop.fit(X[:400], y[:400], epochs=1, seed=[1, 2])  # a state to keep
    before = _snapshot(pop)
    alone = _net(0, "float32")
    with pytest.raises(Exception) as theirs:
        alone.fit(X[:400], y[:400], verbose=0, **kwargs)
    with pytest.raises(type(theirs.value)) as mine:
        pop.fit(X[:400], y[:400], epochs=1, seed=[1, 2], **kwargs)
    assert isinstance(theirs.value, gn.errors.GlassnetError)
    assert str(mine.value) == str(theirs.value)
    after = _snapshot(pop)
    for a, b in zip(before[0], after[0]):
        assert a.tobytes() == b.tobytes()
    for a, b in zip(before[1:4], after[1:4]):
        np.testing.assert_array_equal(a, b)
    assert after[4] is before[4]
    assert before[5].keys() == after[5].keys()
    for name in before[5]:
        if name != "scratch":
            assert before[5][name].tobytes() == after[5][name].tobytes()


def test_fit_with_backup_passes_the_weights_to_every_epoch(digits: Any, tmp_path: Any) -> None:
    """The crash-safe fit (one fit per epoch) weighs as one fit does."""
    from glassnet.population import fit_with_backup

    X, y = digits
    w = np.random.default_rng(2).random(500)
    one = Population([_net(k, "float64") for k in range(2)])
    h1 = one.fit(X, y, epochs=3, batch_size=64, seed=[1, 2], sample_weight=w)
    backed = Population([_net(k, "float64") for k in range(2)])
    h2 = fit_with_backup(backed, X, y, backup_dir=tmp_path / "b", epochs=3, batch_size=64,
                         seed=[1, 2], sample_weight=w)
    for k in range(2):
        assert h2[k].history == h1[k].history
        for a, b in zip(one.get_weights(k), backed.get_weights(k)):
            assert a.tobytes() == b.tobytes()
