"""Populations: every member equals the same network trained alone by ``Sequential.fit``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits

import glassnet as gn
from glassnet.population import Population
from glassnet.training import epoch_order


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def _model(seed: int, dtype: str = "float64", optimizer: Any = "adam",
           loss: Any = "sparse_categorical_crossentropy", widths: tuple[int, ...] = (25, 15, 10),
           activations: tuple[str, ...] = ("relu", "relu", "softmax"),
           init: str = "glorot_uniform", metrics: list[str] | None = None) -> gn.Sequential:
    model = gn.Sequential(
        [gn.Input((64,))] + [gn.Dense(w, a, kernel_initializer=init)
                             for w, a in zip(widths, activations)],
        seed=seed, dtype=dtype)
    opt = gn.optimizers.get(optimizer if isinstance(optimizer, str) else optimizer.to_config())
    model.compile(loss=loss, optimizer=opt, metrics=metrics)
    return model


def _largest_difference(alone: list[gn.Sequential], pop: Population) -> float:
    worst = 0.0
    for k, model in enumerate(alone):
        for a, b in zip(model.get_weights(), pop[k].get_weights()):
            worst = max(worst, float(np.max(np.abs(a.astype(np.float64) - b))))
    return worst


OPTIMIZERS = ["adam", "sgd", "rmsprop", gn.optimizers.SGD(0.05, momentum=0.9, nesterov=True)]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=["adam", "sgd", "rmsprop", "nesterov"])
@pytest.mark.parametrize("shared", [True, False], ids=["shared-batches", "own-orders"])
def test_members_equal_single_fits_in_float64(digits: Any, optimizer: Any, shared: bool) -> None:
    X, y = digits
    seeds = [3, 4, 5]
    members = [_model(s, optimizer=optimizer, metrics=["accuracy"]) for s in seeds]
    pop = Population(members)  # copies the starting weights; members stay untouched
    shuffle = 11 if shared else [11, 12, 13]
    ph = pop.fit(X, y, epochs=2, batch_size=32, seed=shuffle,
                 validation_data=(X[:100], y[:100]))
    for k, model in enumerate(members):
        h = model.fit(X, y, epochs=2, batch_size=32, verbose=0,
                      seed=shuffle if shared else shuffle[k],
                      validation_data=(X[:100], y[:100]))
        assert h.history.keys() == ph[k].history.keys()
        for key in h.history:
            np.testing.assert_allclose(ph[k].history[key], h.history[key], rtol=0, atol=1e-12)
        assert ph[k].params["seed"] == h.params["seed"]
    assert _largest_difference(members, pop) <= 1e-12
    # the members did learn (not a population that never moved)
    assert all(h.history["loss"][-1] < h.history["loss"][0] for h in ph.histories)


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=["adam", "sgd", "rmsprop", "nesterov"])
def test_members_equal_single_fits_in_float32(digits: Any, optimizer: Any) -> None:
    X, y = digits
    members = [_model(s, "float32", optimizer=optimizer) for s in (1, 2)]
    pop = Population(members)
    pop.fit(X, y, epochs=2, batch_size=50, seed=[5, 6])
    for k, model in enumerate(members):
        model.fit(X, y, epochs=2, batch_size=50, seed=5 + k, verbose=0)
        for a, b in zip(model.get_weights(), pop[k].get_weights()):
            assert b.dtype == np.float32
            np.testing.assert_allclose(b, a, rtol=2e-6, atol=2e-7)


@pytest.mark.parametrize("loss,activations,outputs", [
    ("mse", ("tanh", "sigmoid", "linear"), "onehot"),
    ("categorical_crossentropy", ("sigmoid", "leaky_relu", "softmax"), "onehot"),
    ("binary_crossentropy", ("relu", "tanh", "sigmoid"), "binary"),
    ("mse", ("relu", "relu", "softmax"), "onehot"),
    (gn.losses.SparseCategoricalCrossentropy(from_logits=True), ("relu", "relu", "linear"),
     "labels"),
])
def test_every_loss_and_activation_pairing(digits: Any, loss: Any, activations: Any,
                                           outputs: str) -> None:
    X, y = digits
    Y = {"onehot": np.eye(10)[y], "binary": (y > 4).astype(float), "labels": y}[outputs]
    widths = (25, 15, 1 if outputs == "binary" else 10)
    members = [_model(s, loss=loss, widths=widths, activations=activations,
                      optimizer="rmsprop") for s in (1, 2)]
    pop = Population(members)
    pop.fit(X, Y, epochs=1, batch_size=64, seed=[1, 2])
    for k, model in enumerate(members):
        model.fit(X, Y, epochs=1, batch_size=64, seed=1 + k, verbose=0)
    assert _largest_difference(members, pop) <= 1e-12


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_large_layers_take_the_engines_blas_paths(digits: Any, optimizer: str) -> None:
    # 64 x 200 = 12,800 weights: above AXPY_MIN_SIZE and FUSED_SGD_MIN_SIZE
    X, y = digits
    members = [_model(s, "float32", optimizer=optimizer, widths=(200, 10),
                      activations=("relu", "softmax")) for s in (1, 2)]
    pop = Population(members)
    pop.fit(X, y, epochs=1, batch_size=32, seed=3)
    for model in members:
        model.fit(X, y, epochs=1, batch_size=32, seed=3, verbose=0)
        np.testing.assert_allclose(pop[members.index(model)].get_weights()[0],
                                   model.get_weights()[0], rtol=2e-6, atol=2e-7)


def test_from_model_sets_seed_initializer_and_learning_rate(digits: Any) -> None:
    X, y = digits
    base = _model(0)
    inits = ["glorot_uniform", "he_normal", "random_normal"]
    rates = [1e-3, 3e-3, 1e-2]
    pop = Population.from_model(base, seeds=[7, 8, 9], kernel_initializers=inits,
                                learning_rates=rates)
    pop.fit(X, y, epochs=1, seed=2)
    for k in range(3):
        alone = _model(7 + k, init=inits[k])
        alone.optimizer.learning_rate = rates[k]  # type: ignore[union-attr]
        alone.fit(X, y, epochs=1, seed=2, verbose=0)
        member = pop[k]
        assert member.seed == 7 + k
        assert member.optimizer.learning_rate == rates[k]  # type: ignore[union-attr]
        assert member.layers[0].kernel_initializer.to_config() == \
            alone.layers[0].kernel_initializer.to_config()
        for a, b in zip(alone.get_weights(), member.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_members_are_ordinary_models_that_go_on_training_alone(digits: Any) -> None:
    X, y = digits
    pop = Population([_model(s) for s in (1, 2)])
    pop.fit(X, y, epochs=1, seed=[4, 5])
    models = pop.models()
    assert len(pop) == 2 and all(isinstance(m, gn.Sequential) for m in models)
    assert models[1].history is pop.history[1]  # type: ignore[index]
    # the optimizer state came along: one more epoch alone = two epochs alone
    models[1].fit(X, y, epochs=1, seed=5, verbose=0)
    alone = _model(2)
    alone.fit(X, y, epochs=1, seed=5, verbose=0)
    alone.fit(X, y, epochs=1, seed=5, verbose=0)
    for a, b in zip(alone.get_weights(), models[1].get_weights()):
        np.testing.assert_array_equal(a, b)
    # predict and evaluate give the members' own answers
    np.testing.assert_array_equal(pop.predict(X)[0], models[0].predict(X))
    own = models[0].evaluate(X, y, return_dict=True)["loss"]
    assert pop.evaluate(X, y)[0]["loss"] == pytest.approx(own, abs=1e-12)


def test_block_shuffle_keeps_blocks_together() -> None:
    rng = np.random.default_rng(0)
    order = epoch_order(rng, 1000, "block", 128, n_steps=10)
    assert order is not None and sorted(order.tolist()) == list(range(1000))
    blocks = order // 128
    changes = np.flatnonzero(np.diff(blocks)) + 1
    assert len(changes) == 7  # 8 blocks, each visited once, contiguously
    assert not np.array_equal(order, np.arange(1000))
    assert sorted(blocks[np.r_[0, changes]].tolist()) == list(range(8))
    # the rows inside a block are shuffled too, not read in file order
    firsts = order[np.r_[0, changes]]
    assert any(f % 128 != 0 for f in firsts.tolist())
    # one-row blocks are a plain random permutation (no per-row work in Python)
    single = epoch_order(np.random.default_rng(1), 100_000, "block", 1, n_steps=10)
    assert single is not None and np.array_equal(np.sort(single), np.arange(100_000))
    assert not np.array_equal(single, np.arange(100_000))


def test_block_shuffle_in_fit_and_population_agree(digits: Any) -> None:
    X, y = digits
    pop = Population([_model(1)])
    pop.fit(X, y, epochs=2, seed=3, shuffle="block", block_size=100)
    alone = _model(1)
    alone.fit(X, y, epochs=2, seed=3, shuffle="block", block_size=100, verbose=0)
    for a, b in zip(alone.get_weights(), pop[0].get_weights()):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("kwargs,error", [
    ({"shuffle": 1}, gn.ArgumentTypeError),
    ({"shuffle": "rows"}, gn.ConfigError),
    ({"shuffle": True, "block_size": 10}, gn.ConfigError),
], ids=["int", "unknown-word", "block-size-without-block"])
def test_fit_and_population_refuse_the_same_shuffle_arguments(digits: Any, kwargs: Any,
                                                              error: Any) -> None:
    X, y = digits
    model = _model(1)
    before = model.get_weights()
    with pytest.raises(error, match="shuffle|block_size") as alone:
        model.fit(X, y, verbose=0, **kwargs)
    with pytest.raises(error) as together:
        Population([_model(1)]).fit(X, y, **kwargs)
    assert str(together.value) == str(alone.value)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_members_of_different_architectures_are_refused() -> None:
    with pytest.raises(gn.ConfigError, match=r"models\[1\].*same layers"):
        Population([_model(1), _model(2, widths=(30, 15, 10))])
    with pytest.raises(gn.ConfigError, match=r"models\[1\].*same dtype"):
        Population([_model(1), _model(2, "float32")])
    with pytest.raises(gn.ConfigError, match=r"same optimizer"):
        Population([_model(1), _model(2, optimizer="sgd")])
    with pytest.raises(gn.NotReadyError, match=r"models\[0\] is not compiled"):
        Population([gn.Sequential([gn.Input((3,)), gn.Dense(2)])])
    with pytest.raises(gn.ConfigError, match="at least one member"):
        Population([])
    with pytest.raises(gn.ArgumentTypeError, match="list of Sequential"):
        Population(_model(1))  # type: ignore[arg-type]


def test_bad_fit_arguments_fail_before_any_training(digits: Any) -> None:
    X, y = digits
    pop = Population([_model(s) for s in (1, 2)])
    before = pop.get_weights()
    with pytest.raises(gn.ConfigError, match="seed: expected .* list of 2 ints"):
        pop.fit(X, y, seed=[1, 2, 3])
    with pytest.raises(gn.ShapeError, match="X has 63 features"):
        pop.fit(X[:, :63], y)
    with pytest.raises(gn.ShapeError, match="y has 599 targets but X has 600"):
        pop.fit(X, y[:-1])
    with pytest.raises(gn.ConfigError, match="shuffle: expected True, False or 'block'"):
        pop.fit(X, y, shuffle="rows")
    with pytest.raises(gn.ArgumentTypeError, match="block_size: expected an integer"):
        pop.fit(X, y, shuffle="block")
    with pytest.raises(gn.ConfigError, match="seed: expected None, one non-negative int"):
        pop.fit(X, y, seed=-1)
    with pytest.raises(gn.ArgumentTypeError, match="shuffle: expected True, False or 'block'"):
        pop.fit(X, y, shuffle=1)  # type: ignore[arg-type]
    for a, b in zip(before, pop.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert pop.history is None


# ----------------------------------------------------------------------------- instruments

def test_recorders_read_members_during_population_training(digits: Any) -> None:
    from glassnet.inspect import NeuronRecorder

    X, y = digits
    pop = Population([_model(s) for s in (1, 2)])
    recs = [NeuronRecorder(probe=X[:50], every_steps=5, include_initial=True) for _ in range(2)]
    pop.fit(X, y, epochs=1, seed=[3, 4], callbacks=[[recs[0]], [recs[1]]])
    for k in range(2):
        alone = _model(1 + k)
        rec = NeuronRecorder(probe=X[:50], every_steps=5, include_initial=True)
        alone.fit(X, y, epochs=1, seed=3 + k, callbacks=[rec], verbose=0)
        np.testing.assert_array_equal(recs[k].steps, rec.steps)
        for layer, metrics in rec.history.items():
            for metric, values in metrics.items():
                np.testing.assert_array_equal(recs[k].history[layer][metric], values,
                                              err_msg=f"{layer} {metric}")


def test_callbacks_come_one_list_per_member(digits: Any) -> None:
    # (members stopping on their own: tests/test_population_stop.py)
    X, y = digits
    pop = Population([_model(1)])
    stop = gn.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    with pytest.raises(gn.ArgumentTypeError, match="one list of Callback objects per member"):
        pop.fit(X, y, callbacks=[stop])  # type: ignore[list-item]


def test_compare_seeds_reads_a_population(digits: Any) -> None:
    from glassnet.inspect import compare_seeds

    X, y = digits
    pop = Population([_model(s) for s in (1, 2, 3)])
    pop.fit(X, y, epochs=1, seed=[1, 2, 3])
    from_pop = compare_seeds(pop, X[:200], y[:200])
    from_models = compare_seeds(pop.models(), X[:200], y[:200])
    assert from_pop.seeds == [1, 2, 3]
    np.testing.assert_array_equal(from_pop.losses, from_models.losses)
    np.testing.assert_array_equal(from_pop.disagreement, from_models.disagreement)


REGULARIZERS = [(None, None), (gn.regularizers.l2(0.01), None),
                (gn.regularizers.l1(0.003), gn.regularizers.l2(0.02)),
                (gn.regularizers.l1_l2(0.001, 0.05), gn.regularizers.l1(0.01))]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_members_with_their_own_penalties_equal_their_own_fits(
        digits: Any, dtype: str, optimizer: str) -> None:
    """A sweep over penalties trains as one population: each member keeps its own kernel
    and bias regularizers (or none), and equals its own fit bit for bit: weights, loss with
    the penalties, data_loss, val_loss. The first layer is large enough that plain SGD folds
    the unpenalized members' steps into a gemm while the penalized ones step from their
    gradient, as the engine does."""
    X, y = digits
    X, y, X_val, y_val = X[:400], y[:400], X[400:500], y[400:500]

    def member(seed: int) -> gn.Sequential:
        kernel, bias = REGULARIZERS[seed % len(REGULARIZERS)]
        model = gn.Sequential([gn.Input((64,)),
                               gn.Dense(160, "relu", kernel_regularizer=kernel,
                                        bias_regularizer=bias),
                               gn.Dense(12, "tanh", kernel_regularizer=kernel),
                               gn.Dense(10, "softmax")], seed=seed, dtype=dtype)
        model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer)
        return model

    alone = [member(s) for s in range(5)]
    pop = Population([member(s) for s in range(5)])
    histories = pop.fit(X, y, epochs=2, batch_size=32, seed=[7 + k for k in range(5)],
                        validation_data=(X_val, y_val))
    for k, model in enumerate(alone):
        model.fit(X, y, epochs=2, batch_size=32, seed=7 + k, verbose=0,
                  validation_data=(X_val, y_val))
        assert histories[k].history == model.history.history  # exact, keys in order
        assert ("data_loss" in histories[k].history) == (k % len(REGULARIZERS) != 0)
    assert _largest_difference(alone, pop) == 0.0
    evaluated = pop.evaluate(X_val, y_val)
    for k, model in enumerate(alone):
        assert evaluated[k]["loss"] == model.evaluate(X_val, y_val, return_dict=True)["loss"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shared", [True, False], ids=["shared-batches", "own-orders"])
def test_members_with_their_own_dropout_equal_their_own_fits(
        digits: Any, dtype: str, shared: bool) -> None:
    """Dropout anywhere between Dense layers (on the input, twice in a row), each member at
    its own rate (0 included) and seed (the layer's own or the model's): every member draws
    the masks its own fit draws, step by step, and ends bit for bit the same."""
    X, y = digits
    X, y = X[:300], y[:300]
    rates = [0.0, 0.2, 0.5, 0.1]

    def member(seed: int) -> gn.Sequential:
        r = rates[seed % len(rates)]
        model = gn.Sequential([
            gn.Input((64,)), gn.layers.Dropout(r / 2, seed=11 if seed % 2 else None),
            gn.Dense(140, "relu"), gn.layers.Dropout(r), gn.Dense(12, "tanh"),
            gn.layers.Dropout(r), gn.layers.Dropout(r / 3), gn.Dense(10, "softmax"),
        ], seed=seed, dtype=dtype)
        model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
        return model

    alone = [member(s) for s in range(4)]
    pop = Population([member(s) for s in range(4)])
    orders = 5 if shared else [5 + k for k in range(4)]
    histories = pop.fit(X, y, epochs=2, batch_size=32, seed=orders)
    for k, model in enumerate(alone):
        model.fit(X, y, epochs=2, batch_size=32, verbose=0,
                  seed=5 if shared else 5 + k)
        assert histories[k].history == model.history.history
    assert _largest_difference(alone, pop) == 0.0
    # predict is inference: no dropout
    np.testing.assert_array_equal(pop.predict(X[:20])[1], alone[1].predict(X[:20]))


def test_dropout_must_not_end_the_network() -> None:
    model = gn.Sequential([gn.Input((4,)), gn.Dense(3), gn.layers.Dropout(0.5)], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(gn.ConfigError, match="last layer must be Dense"):
        Population([model])


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_members_with_learning_rate_schedules_equal_their_own_fits(digits: Any,
                                                                    optimizer: str) -> None:
    X, y = digits
    schedules = [gn.optimizers.schedules.ExponentialDecay(0.05, decay_steps=5, decay_rate=0.5),
                 gn.optimizers.schedules.PiecewiseConstantDecay([8], [0.02, 0.002]),
                 None]

    def make(k: int) -> gn.Sequential:
        opt = gn.optimizers.get({"name": optimizer, "config": {
            "learning_rate": 0.01 if schedules[k] is None else schedules[k].to_config()}})
        model = _model(k + 1)
        model.compile(loss="sparse_categorical_crossentropy", optimizer=opt)
        return model

    members = [make(k) for k in range(3)]
    pop = Population(members)
    pop.fit(X, y, epochs=2, batch_size=64, seed=4)
    fixed = Population([_model(k + 1, optimizer=optimizer) for k in range(2)])
    fixed.fit(X, y, epochs=2, batch_size=64, seed=4)
    for k, model in enumerate(members):
        model.fit(X, y, epochs=2, batch_size=64, seed=4, verbose=0)
        assert pop[k].optimizer.iterations == model.optimizer.iterations == 20
        assert pop.learning_rates[k] == float(model.optimizer.learning_rate)
        if k < 2:  # the schedule was followed: not the fixed-rate run
            assert pop[k].optimizer.schedule is not None
            assert not np.allclose(pop[k].get_weights()[0], fixed[k].get_weights()[0])
    assert _largest_difference(members, pop) <= 1e-12
    # a member taken out continues on its schedule exactly as the model alone
    alone, out = members[0], pop[0]
    alone.fit(X, y, epochs=1, batch_size=64, seed=4, verbose=0)
    out.fit(X, y, epochs=1, batch_size=64, seed=4, verbose=0)
    for a, b in zip(alone.get_weights(), out.get_weights()):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)
