"""Per-member early stopping in populations: a member whose callback sets ``stop_training``
ends its fit where ``Sequential.fit`` with the same callback ends it, bit for bit, and is
frozen while the others go on exactly as if it had never stopped."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits

import glassnet as gn
from glassnet.population import Population
from stoppers import StopAtEpoch, StopAtStep


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def _net(seed: int, dtype: str = "float64", rate: float = 0.2,
         optimizer: str = "adam") -> gn.Sequential:
    """130 hidden units: the first kernel (64 x 130) is updated through BLAS, the rest by
    ufuncs over the member axis; dropout and a learning-rate schedule."""
    schedule = gn.optimizers.schedules.ExponentialDecay(0.01, decay_steps=7, decay_rate=0.8)
    model = gn.Sequential([gn.Input((64,)), gn.Dense(130, "relu"), gn.layers.Dropout(rate),
                           gn.Dense(10, "softmax")], seed=seed, dtype=dtype)
    opt = gn.optimizers.get({"name": optimizer,
                             "config": {"learning_rate": schedule.to_config()}})
    model.compile(loss="sparse_categorical_crossentropy", optimizer=opt, metrics=["accuracy"])
    return model


class StopAtEpochBegin(gn.callbacks.Callback):
    """Ask to stop when epoch ``epoch`` begins (its first step is still taken)."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        if epoch == self.epoch:
            self.model.stop_training = True


class CountEnds(gn.callbacks.Callback):
    def __init__(self) -> None:
        self.ends = 0
        self.begins = 0

    def on_train_begin(self, logs: Any = None) -> None:
        self.begins += 1

    def on_train_end(self, logs: Any = None) -> None:
        self.ends += 1


def _assert_member_is(pop: Population, k: int, alone: gn.Sequential, ph: Any,
                      h: Any) -> None:
    """Member ``k`` of ``pop`` (and its history ``ph``) equals ``alone`` (history ``h``) to
    the last bit: weights, optimizer step count and state, rate, epochs trained, history."""
    member = pop[k]
    for a, b in zip(alone.get_weights(), member.get_weights()):
        assert b.dtype == a.dtype
        np.testing.assert_array_equal(b, a, err_msg=f"member {k}")
    assert int(pop.iterations[k]) == alone.optimizer.iterations
    assert member.optimizer.iterations == alone.optimizer.iterations
    mine, theirs = member.optimizer.get_state(), alone.optimizer.get_state()
    assert mine["slots"].keys() == theirs["slots"].keys()
    for name in theirs["slots"]:
        for a, b in zip(theirs["slots"][name], mine["slots"][name]):
            np.testing.assert_array_equal(b, a, err_msg=f"member {k} slot {name}")
    assert pop.learning_rates[k] == float(alone.optimizer.learning_rate)
    assert int(pop.epochs_trained[k]) == alone.epochs_trained == member.epochs_trained
    assert ph.epoch == h.epoch
    assert ph.history == h.history, f"member {k}"


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shared", [True, False], ids=["shared-batches", "own-orders"])
def test_members_stop_where_their_own_fits_stop(digits: Any, dtype: str, shared: bool) -> None:
    X, y = digits
    val = (X[500:], y[500:])
    # 600 examples in batches of 32: 19 steps an epoch
    stops: list[Any] = [
        lambda: StopAtEpoch(1),        # after epoch 1 (two epochs recorded)
        lambda: StopAtStep(23),        # in mid-epoch 1: epoch 1 unrecorded, 23 steps taken
        lambda: StopAtStep(19),        # at the last step of epoch 0: epoch 0 completes
        lambda: StopAtEpochBegin(2),   # one step of epoch 2, then stops
        lambda: StopAtEpoch(99),       # never: trains every epoch
    ]
    K = len(stops)
    seeds = 7 if shared else [7 + k for k in range(K)]
    pop = Population([_net(k, dtype) for k in range(K)])
    ph = pop.fit(X, y, epochs=4, batch_size=32, seed=seeds, validation_data=val,
                 callbacks=[[make()] for make in stops])
    assert [len(ph[k].epoch) for k in range(K)] == [2, 1, 1, 2, 4]
    assert pop.iterations.tolist() == [38, 23, 19, 39, 76]
    assert pop.epochs_trained.tolist() == [2, 1, 1, 2, 4]
    for k, make in enumerate(stops):
        alone = _net(k, dtype)
        h = alone.fit(X, y, epochs=4, batch_size=32, seed=seeds if shared else seeds[k],
                      validation_data=val, callbacks=[make()], verbose=0)
        _assert_member_is(pop, k, alone, ph[k], h)
    # the member that never stopped trained on as in a population where nobody stops
    plain = Population([_net(k, dtype) for k in range(K)])
    plain.fit(X, y, epochs=4, batch_size=32, seed=seeds, validation_data=val)
    for a, b in zip(plain.get_weights(K - 1), pop.get_weights(K - 1)):
        np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_early_stopping_restores_each_members_best_weights(digits: Any, dtype: str) -> None:
    X, y = digits
    val = (X[450:], y[450:])
    deltas = [0.05, 0.02, 0.0]

    def early(k: int) -> gn.EarlyStopping:
        return gn.EarlyStopping(monitor="val_loss", patience=1, min_delta=deltas[k],
                                restore_best_weights=True)

    K = len(deltas)
    pop = Population([_net(k, dtype, rate=0.3, optimizer="sgd") for k in range(K)])
    callbacks = [[early(k)] for k in range(K)]
    ph = pop.fit(X[:450], y[:450], epochs=12, batch_size=16, seed=[3, 4, 5],
                 validation_data=val, callbacks=callbacks)
    lengths = [len(ph[k].epoch) for k in range(K)]
    assert len(set(lengths)) > 1 and min(lengths) < 12, lengths  # they stopped apart
    restored = 0
    for k in range(K):
        alone = _net(k, dtype, rate=0.3, optimizer="sgd")
        cb = early(k)
        h = alone.fit(X[:450], y[:450], epochs=12, batch_size=16, seed=3 + k,
                      validation_data=val, callbacks=[cb], verbose=0)
        _assert_member_is(pop, k, alone, ph[k], h)
        assert callbacks[k][0].best_epoch == cb.best_epoch
        assert callbacks[k][0].stopped_epoch == cb.stopped_epoch
        if cb.stopped_epoch is not None and cb.best_epoch != cb.stopped_epoch:
            restored += 1
    assert restored  # some member went back to an earlier epoch's weights


def test_a_later_fit_trains_every_member_from_its_own_epoch_and_step(digits: Any) -> None:
    """As Keras restarts its callbacks each fit, the next fit trains every member again:
    each from its own epoch (shuffling order), step (dropout masks, Adam's bias correction,
    its schedule)."""
    X, y = digits
    stops: list[Any] = [lambda: StopAtEpoch(0), lambda: StopAtStep(30), lambda: StopAtEpoch(9)]
    K = len(stops)
    pop = Population([_net(k) for k in range(K)])
    pop.fit(X, y, epochs=3, batch_size=32, seed=5, callbacks=[[make()] for make in stops])
    assert pop.epochs_trained.tolist() == [1, 1, 3]
    assert pop.iterations.tolist() == [19, 30, 57]
    ph = pop.fit(X, y, epochs=2, batch_size=32, seed=5)
    assert pop.epochs_trained.tolist() == [3, 3, 5]
    assert pop.iterations.tolist() == [57, 68, 95]
    for k, make in enumerate(stops):
        alone = _net(k)
        alone.fit(X, y, epochs=3, batch_size=32, seed=5, callbacks=[make()], verbose=0)
        h = alone.fit(X, y, epochs=2, batch_size=32, seed=5, verbose=0)
        _assert_member_is(pop, k, alone, ph[k], h)
    # and stopping works again in that fit, from the members' own counts
    again = pop.fit(X, y, epochs=3, batch_size=32, seed=[1, 2, 3],
                    callbacks=[[StopAtStep(5)], [], [StopAtEpoch(0)]])
    assert [len(again[k].epoch) for k in range(K)] == [0, 3, 1]
    assert pop.iterations.tolist() == [62, 125, 114]


def test_members_at_different_epochs_and_steps_train_as_alone(digits: Any) -> None:
    """A population may hold members at different epochs (one trained further alone): each
    continues as its own fit does, with one shared seed too (their orders then differ)."""
    X, y = digits
    ahead = _net(1)
    ahead.fit(X, y, epochs=1, batch_size=64, seed=9, verbose=0)
    members = [_net(0), ahead]
    pop = Population(members)
    assert pop.epochs_trained.tolist() == [0, 1]
    assert pop.iterations.tolist() == [0, 10]
    ph = pop.fit(X, y, epochs=2, batch_size=64, seed=9)
    for k, alone in enumerate(members):
        h = alone.fit(X, y, epochs=2, batch_size=64, seed=9, verbose=0)
        _assert_member_is(pop, k, alone, ph[k], h)


def test_fit_returns_once_every_member_has_stopped(digits: Any) -> None:
    X, y = digits
    counters = [CountEnds() for _ in range(3)]
    pop = Population([_net(k) for k in range(3)])
    ph = pop.fit(X, y, epochs=50, batch_size=32, seed=1,
                 callbacks=[[StopAtEpoch(0), counters[0]], [StopAtStep(3), counters[1]],
                            [StopAtEpoch(1), counters[2]]])
    assert [len(ph[k].epoch) for k in range(3)] == [1, 0, 2]
    assert pop.iterations.tolist() == [19, 3, 38]
    assert [(c.begins, c.ends) for c in counters] == [(1, 1)] * 3


def test_a_stopped_member_gets_on_train_end_when_it_stops(digits: Any) -> None:
    """Its callbacks see its fit end at once (restore_best_weights acts then); hooks of a
    stopped member are called no more, and its view is read-only from then on."""
    X, y = digits
    seen: list[tuple[int, str, int]] = []

    class Log(gn.callbacks.Callback):
        def __init__(self, k: int) -> None:
            self.k = k

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            seen.append((self.k, "epoch", epoch))

        def on_train_end(self, logs: Any = None) -> None:
            seen.append((self.k, "end", -1))
            self.view = self.model

    logs = [Log(0), Log(1)]
    pop = Population([_net(k) for k in range(2)])
    pop.fit(X, y, epochs=3, batch_size=64, seed=1,
            callbacks=[[StopAtEpoch(0), logs[0]], [logs[1]]])
    assert seen == [(0, "epoch", 0), (1, "epoch", 0), (0, "end", -1), (1, "epoch", 1),
                    (1, "epoch", 2), (1, "end", -1)]
    before = pop.get_weights()
    with pytest.raises(gn.NotReadyError, match="member 0's fit is not running"):
        logs[0].view.set_weights(logs[0].view.get_weights())
    for a, b in zip(before, pop.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_member_view_set_weights_is_checked_before_writing(digits: Any) -> None:
    X, y = digits
    errors: list[Exception] = []

    class Meddle(gn.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            good = self.model.get_weights()
            bad = [
                (good[:-1], gn.ShapeError, "expected a list of 4 arrays, got 3"),
                (good[:3] + [np.zeros(11)], gn.ShapeError, r"weights\[3\]: expected shape"),
                ([good[0], good[1], np.full_like(good[2], np.nan), good[3]], gn.DataError,
                 "finite"),
                ([good[0].astype(str)] + good[1:], gn.DataError, "real numbers"),
            ]
            for weights, error, message in bad:
                before = self.model.get_weights()
                with pytest.raises(error, match=message):
                    self.model.set_weights(weights)
                errors.append(error("checked"))
                for a, b in zip(before, self.model.get_weights()):
                    np.testing.assert_array_equal(a, b)
            shifted = [w + 1.0 for w in good]
            self.model.set_weights(shifted)
            self.shifted = shifted

    meddle = Meddle()
    pop = Population([_net(0), _net(1)])
    other_before = pop.get_weights(1)
    pop.fit(X, y, epochs=1, batch_size=600, seed=1, callbacks=[[meddle], []])
    assert len(errors) == 4
    for a, b in zip(meddle.shifted, pop.get_weights(0)):  # written into member 0 only
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(other_before[0], pop.get_weights(1)[0])  # member 1 trained


def test_callbacks_are_checked_before_any_step(digits: Any) -> None:
    X, y = digits
    pop = Population([_net(0), _net(1)])
    before = pop.get_weights()
    with pytest.raises(gn.ConfigError, match="EarlyStopping watches 'val_loss'"):
        pop.fit(X, y, epochs=2, callbacks=[[gn.EarlyStopping()], []])
    # the members follow a schedule: a rate callback is refused, as by the model alone
    with pytest.raises(gn.ConfigError, match="LearningRateScheduler: the optimizer follows "
                       "ExponentialDecay"):
        pop.fit(X, y, epochs=2,
                callbacks=[[], [gn.callbacks.LearningRateScheduler(lambda e, lr: lr)]])
    with pytest.raises(gn.OutsideSubsetError, match=r"callbacks\[0\]: BackupAndRestore .*"
                       r"glassnet\.population\.fit_with_backup"):
        pop.fit(X, y, epochs=2, callbacks=[[gn.callbacks.BackupAndRestore("unused")], []])
    with pytest.raises(gn.ArgumentTypeError, match="one list of Callback objects per member"):
        pop.fit(X, y, callbacks=[gn.EarlyStopping()])  # type: ignore[list-item]
    for a, b in zip(before, pop.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert pop.iterations.tolist() == [0, 0]
    assert pop.epochs_trained.tolist() == [0, 0]


def test_terminate_on_nan_stops_only_the_member_that_diverged(digits: Any) -> None:
    X, y = digits

    def make(lr: float, seed: int) -> gn.Sequential:
        model = gn.Sequential([gn.Input((64,)), gn.Dense(20), gn.Dense(1)], seed=seed)
        model.compile(loss="mse", optimizer=gn.optimizers.SGD(lr))
        return model

    target = y.astype(np.float64) * 1e3
    pop = Population([make(5.0, 1), make(1e-6, 2)])
    with np.errstate(all="ignore"):
        ph = pop.fit(X, target, epochs=3, batch_size=32, seed=1,
                     callbacks=[[gn.callbacks.TerminateOnNaN()], [gn.callbacks.TerminateOnNaN()]])
    assert len(ph[0].epoch) == 0 and len(ph[1].epoch) == 3
    alone = make(5.0, 1)
    with np.errstate(all="ignore"):
        alone.fit(X, target, epochs=3, batch_size=32, seed=1, verbose=0,
                  callbacks=[gn.callbacks.TerminateOnNaN()])
    assert int(pop.iterations[0]) == alone.optimizer.iterations < 19
    for a, b in zip(alone.get_weights(), pop.get_weights(0)):
        np.testing.assert_array_equal(a, b)



TRIALS = int(os.environ.get("GLASSNET_POP_STOP_FUZZ", "40"))


@pytest.mark.parametrize("trial", range(TRIALS))
def test_random_stops_equal_the_members_own_fits(trial: int) -> None:
    """Random populations (shapes, optimizers, dropout, schedules, orders), each member with
    a random stop (none, after step n, at the end of epoch e), then a second fit without
    stopping: every member equals its model alone through both fits, to the last bit.
    ``GLASSNET_POP_STOP_FUZZ=N`` runs N trials."""
    rng = np.random.default_rng(7000 + trial)
    dtype = str(rng.choice(["float64", "float32"]))
    n_in = int(rng.choice([2, 7, 64]))
    hidden = [int(rng.choice([1, 9, 130])) for _ in range(int(rng.integers(0, 3)))]
    m = int(rng.choice([17, 64, 203]))
    batch_size = int(rng.choice([3, 16, 32, 500]))
    K = int(rng.choice([1, 2, 3, 5]))
    kind = str(rng.choice(["sgd", "momentum", "adam", "rmsprop"]))
    orders = str(rng.choice(["own", "shared", "model"]))
    dropout = bool(rng.integers(0, 2))
    scheduled = bool(rng.integers(0, 2))
    epochs = int(rng.choice([1, 2, 3]))
    X = rng.standard_normal((m, n_in))
    y = rng.integers(0, 3, m)
    steps = -(-m // batch_size)
    stops = [None if rng.random() < 0.3 else
             ("step", int(rng.integers(1, epochs * steps + 1))) if rng.random() < 0.5 else
             ("epoch", int(rng.integers(0, epochs))) for _ in range(K)]

    def member(k: int) -> gn.Sequential:
        layers: list[Any] = [gn.Input((n_in,))]
        for units in hidden:
            layers.append(gn.Dense(units, "tanh"))
            if dropout:
                layers.append(gn.layers.Dropout([0.0, 0.2, 0.5][k % 3]))
        layers.append(gn.Dense(3, "softmax"))
        model = gn.Sequential(layers, seed=100 + k, dtype=dtype)
        lr: Any = 0.01 * (1 + k % 3)
        if scheduled and k % 2 == 0:
            lr = gn.optimizers.schedules.ExponentialDecay(lr, decay_steps=3, decay_rate=0.7)
        opt = {"sgd": lambda: gn.optimizers.SGD(lr),
               "momentum": lambda: gn.optimizers.SGD(lr, momentum=0.9),
               "adam": lambda: gn.optimizers.Adam(lr),
               "rmsprop": lambda: gn.optimizers.RMSprop(lr)}[kind]()
        model.compile(loss="sparse_categorical_crossentropy", optimizer=opt,
                      metrics=["accuracy"])
        return model

    def callback(k: int) -> list[gn.callbacks.Callback]:
        stop = stops[k]
        if stop is None:
            return []
        return [StopAtStep(stop[1]) if stop[0] == "step" else StopAtEpoch(stop[1])]

    seeds: Any = {"own": [11 + k for k in range(K)], "shared": 11, "model": None}[orders]
    kwargs = {"batch_size": batch_size, "validation_data": (X[:9], y[:9])}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        pop = Population([member(k) for k in range(K)])
        first = pop.fit(X, y, epochs=epochs, seed=seeds,
                        callbacks=[callback(k) for k in range(K)], **kwargs)
        second = pop.fit(X, y, epochs=2, seed=seeds, **kwargs)
        for k in range(K):
            alone = member(k)
            own = seeds[k] if orders == "own" else seeds
            h1 = alone.fit(X, y, epochs=epochs, seed=own, callbacks=callback(k), verbose=0,
                           **kwargs)
            assert first[k].history == h1.history, (k, stops[k])
            h2 = alone.fit(X, y, epochs=2, seed=own, verbose=0, **kwargs)
            _assert_member_is(pop, k, alone, second[k], h2)


def test_population_history_stacks_members_that_stopped_apart(digits: Any) -> None:
    X, y = digits
    pop = Population([_net(k) for k in range(3)])
    ph = pop.fit(X, y, epochs=3, batch_size=64, seed=1,
                 callbacks=[[StopAtEpoch(0)], [StopAtStep(4)], []])
    loss = ph.stacked("loss")
    assert loss.shape == (3, 3)
    np.testing.assert_array_equal(loss[0], [ph[0].history["loss"][0], np.nan, np.nan])
    assert np.isnan(loss[1]).all()  # stopped in its first epoch: nothing recorded
    np.testing.assert_array_equal(loss[2], ph[2].history["loss"])
    assert repr(ph) == "PopulationHistory(members=3, epochs=0..3, keys=[loss, accuracy])"
    with pytest.raises(gn.ConfigError, match="'val_loss' is not logged"):
        ph.stacked("val_loss")


def test_fit_compacts_once_half_the_members_stopped(digits: Any) -> None:
    """At an epoch end where half the stacked members have stopped, the running ones go on
    in a smaller population (their views follow them); afterwards every member is back in
    its place, each still equal to its own fit."""
    X, y = digits
    where: list[tuple[int, int]] = []

    class Where(gn.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            where.append((epoch, self.model.population.K))

    stops: list[Any] = [lambda: StopAtEpoch(0), lambda: StopAtEpoch(0), lambda: StopAtEpoch(1),
                        lambda: StopAtEpoch(9)]
    pop = Population([_net(k) for k in range(4)])
    callbacks = [[make()] for make in stops]
    callbacks[3].append(Where())
    ph = pop.fit(X, y, epochs=4, batch_size=64, seed=[1, 2, 3, 4], callbacks=callbacks)
    assert where == [(0, 4), (1, 2), (2, 1), (3, 1)]  # 4 rows, then 2, then 1
    assert pop.K == 4 and pop.epochs_trained.tolist() == [1, 1, 2, 4]
    for k, make in enumerate(stops):
        alone = _net(k)
        h = alone.fit(X, y, epochs=4, batch_size=64, seed=1 + k, callbacks=[make()], verbose=0)
        _assert_member_is(pop, k, alone, ph[k], h)
    view = callbacks[3][0].model
    assert view.population is pop and view.get_weights()[0].shape == (64, 130)


def test_a_failing_callback_after_a_compaction_leaves_every_member_in_place(
        digits: Any) -> None:
    X, y = digits

    class Boom(gn.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if epoch == 2:
                raise RuntimeError("boom")

    pop = Population([_net(k) for k in range(2)])
    with pytest.raises(RuntimeError, match="boom"):
        pop.fit(X, y, epochs=4, batch_size=64, seed=1,
                callbacks=[[StopAtEpoch(0)], [Boom()]])
    assert pop.K == 2 and pop.epochs_trained.tolist() == [1, 3]
    assert pop.iterations.tolist() == [10, 30]
    alone = _net(0)
    alone.fit(X, y, epochs=4, batch_size=64, seed=1, callbacks=[StopAtEpoch(0)], verbose=0)
    for a, b in zip(alone.get_weights(), pop.get_weights(0)):
        np.testing.assert_array_equal(a, b)
    pop.fit(X, y, epochs=1, batch_size=64, seed=1)  # and it trains on
    assert pop.iterations.tolist() == [20, 40]


def test_an_error_after_a_compaction_keeps_the_last_history(digits: Any) -> None:
    X, y = digits
    pop = Population([_net(k) for k in range(2)])
    first = pop.fit(X, y, epochs=1, batch_size=128, seed=1)

    class Boom(gn.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if epoch == 1:
                raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        pop.fit(X, y, epochs=3, batch_size=128, seed=1, callbacks=[[StopAtEpoch(0)], [Boom()]])
    assert pop.history is first
