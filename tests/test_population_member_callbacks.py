"""One callback path: the callbacks that steer a model alone steer a population member the
same way, bit for bit. ``LearningRateScheduler`` and ``ReduceLROnPlateau`` set the member's
rate through its view's optimizer (``MemberView.optimizer``, i.e. ``learning_rates[k]``) and
log ``learning_rate``; ``ModelCheckpoint`` writes the file the member's model alone writes;
``BackupAndRestore`` is refused in favour of ``fit_with_backup``. Each member is compared with
``Sequential.fit`` of the same model with the same callbacks: history (``learning_rate``
included) and its params, weights, optimizer state, step count, rate and config."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits

import glassnet as gn
from glassnet import population as population_mod
from glassnet.population import Population
from stoppers import StopAtEpoch, StopAtStep


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def _members(dtype: str, optimizer: str = "adam",
             rates: tuple[float, ...] = (0.01, 0.004, 0.02)) -> list[gn.Sequential]:
    """Members of different seeds and rates. 130 hidden units: the first kernel (64 x 130) is
    updated through BLAS member by member, the rest by ufuncs over the member axis."""
    members = []
    for k, rate in enumerate(rates):
        model = gn.Sequential([gn.Input((64,)), gn.Dense(130, "relu"), gn.layers.Dropout(0.1),
                               gn.Dense(10, "softmax")], seed=11 + k, dtype=dtype,
                              name=f"member{k}")
        opt = gn.optimizers.get({"name": optimizer, "config": {"learning_rate": rate}})
        model.compile(loss="sparse_categorical_crossentropy", optimizer=opt,
                      metrics=["accuracy"])
        members.append(model)
    return members


def _population_and_singles(dtype: str, optimizer: str = "adam"
                            ) -> tuple[Population, list[gn.Sequential]]:
    """A population and, for each member, an identical model to fit alone."""
    pop = Population(_members(dtype, optimizer))
    return pop, _members(dtype, optimizer)


class SeeOptimizer(gn.callbacks.Callback):
    """Records what the model's optimizer shows at each epoch's end."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, float]] = []

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        opt = self.model.optimizer
        self.seen.append((int(opt.iterations), float(opt.learning_rate)))


def _assert_member_is(pop: Population, k: int, alone: gn.Sequential, ph: Any, h: Any) -> None:
    """Member ``k`` (history ``ph``) equals ``alone`` (history ``h``) to the last bit."""
    member = pop[k]
    assert ph.epoch == h.epoch, f"member {k}"
    assert ph.history == h.history, f"member {k}"
    assert ph.params == h.params, f"member {k}"
    assert list(ph.params) == list(h.params)  # the same params, in the same order
    for a, b in zip(alone.get_weights(), member.get_weights()):
        assert b.dtype == a.dtype
        np.testing.assert_array_equal(b, a, err_msg=f"member {k}")
    mine, theirs = member.optimizer.get_state(), alone.optimizer.get_state()
    assert mine["iterations"] == theirs["iterations"] == int(pop.iterations[k])
    for name in theirs["slots"]:
        for a, b in zip(theirs["slots"][name], mine["slots"][name]):
            np.testing.assert_array_equal(b, a, err_msg=f"member {k} slot {name}")
    assert pop.learning_rates[k] == float(alone.optimizer.learning_rate)
    assert float(member.optimizer.learning_rate) == float(alone.optimizer.learning_rate)
    assert member.get_config() == alone.get_config()  # the config carries the new rate too
    assert int(pop.epochs_trained[k]) == alone.epochs_trained


def _seeds(shared: bool) -> tuple[Any, list[int]]:
    """``fit``'s seed argument and each member's seed alone."""
    return (7, [7, 7, 7]) if shared else ([7, 8, 9], [7, 8, 9])


# -- LearningRateScheduler -----------------------------------------------------------------------

def _halve_odd(epoch: int, lr: float) -> float:
    return lr * 0.5 if epoch % 2 == 1 else lr


def _one_argument(epoch: int) -> float:  # Keras' one-argument form
    return 0.02 / (1.0 + epoch)


def _warm(epoch: int, lr: float) -> float:
    return lr * 1.5 if epoch < 2 else lr * 0.7


SCHEDULES = [_halve_odd, _one_argument, _warm]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shared", [True, False], ids=["shared-batches", "own-orders"])
def test_learning_rate_scheduler_steers_each_member_as_alone(digits: Any, dtype: str,
                                                             shared: bool) -> None:
    X, y = digits
    val = (X[500:], y[500:])
    seed, alone_seeds = _seeds(shared)
    # member 1 stops after epoch 2, member 2 in mid-epoch 4 (16 steps an epoch): the others
    # train on, their rates still set by their own schedules
    extra: list[Any] = [lambda: [], lambda: [StopAtEpoch(2)], lambda: [StopAtStep(70)]]
    pop, singles = _population_and_singles(dtype)
    seen = [SeeOptimizer() for _ in range(3)]
    callbacks = [[gn.callbacks.LearningRateScheduler(SCHEDULES[k]), seen[k]] + extra[k]()
                 for k in range(3)]
    ph = pop.fit(X[:500], y[:500], epochs=6, batch_size=32, seed=seed, validation_data=val,
                 callbacks=callbacks)
    assert [len(ph[k].epoch) for k in range(3)] == [6, 3, 4]
    for k in range(3):
        alone_seen = SeeOptimizer()
        h = singles[k].fit(X[:500], y[:500], epochs=6, batch_size=32, seed=alone_seeds[k],
                           validation_data=val, verbose=0,
                           callbacks=[gn.callbacks.LearningRateScheduler(SCHEDULES[k]),
                                      alone_seen] + extra[k]())
        assert "learning_rate" in ph[k].params["log_keys"]
        rates = ph[k].history["learning_rate"]
        assert len(set(rates)) > 1, rates  # the schedule changed the rate mid-fit
        assert seen[k].seen == alone_seen.seen  # the view's optimizer: step count and rate
        _assert_member_is(pop, k, singles[k], ph[k], h)
    # the members were steered apart (each by its own schedule)
    assert len(set(pop.learning_rates.tolist())) == 3
    # member 1 stopped: its rate stayed at what its schedule set for epoch 2
    assert pop.learning_rates[1] == 0.02 / 3.0


# -- ReduceLROnPlateau ---------------------------------------------------------------------------

def _plateaus() -> list[gn.callbacks.ReduceLROnPlateau]:
    # plain SGD lowers val_loss by about 0.03-0.15 an epoch here: min_delta makes that a
    # plateau within a few epochs
    return [gn.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1,
                                           min_delta=0.1),
            gn.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.3, patience=2,
                                           min_delta=0.1, cooldown=1),
            gn.callbacks.ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=1,
                                           min_delta=0.2, min_lr=0.004)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shared", [True, False], ids=["shared-batches", "own-orders"])
def test_reduce_lr_on_plateau_reduces_each_members_rate_as_alone(digits: Any, dtype: str,
                                                                  shared: bool) -> None:
    X, y = digits
    val = (X[450:], y[450:])
    seed, alone_seeds = _seeds(shared)
    early = [None, gn.EarlyStopping(monitor="val_loss", patience=2, min_delta=0.03), None]
    pop, singles = _population_and_singles(dtype, optimizer="sgd")
    plateaus = _plateaus()
    callbacks = [[plateaus[k]] + ([early[k]] if early[k] else []) for k in range(3)]
    ph = pop.fit(X[:450], y[:450], epochs=10, batch_size=16, seed=seed, validation_data=val,
                 callbacks=callbacks)
    for k in range(3):
        cb = _plateaus()[k]
        stopper = (gn.EarlyStopping(monitor="val_loss", patience=2, min_delta=0.03)
                   if early[k] else None)
        h = singles[k].fit(X[:450], y[:450], epochs=10, batch_size=16, seed=alone_seeds[k],
                           validation_data=val, verbose=0,
                           callbacks=[cb] + ([stopper] if stopper else []))
        rates = ph[k].history["learning_rate"]
        assert rates[-1] < rates[0], (k, rates)  # the callback fired: the rate went down
        assert (plateaus[k].best, plateaus[k].wait, plateaus[k].cooldown_counter) == (
            cb.best, cb.wait, cb.cooldown_counter)
        _assert_member_is(pop, k, singles[k], ph[k], h)
    assert len(ph[1].epoch) < 10  # member 1 stopped early; its rate is frozen with it
    assert pop.learning_rates[2] >= 0.004  # min_lr held
    start = [0.01, 0.004, 0.02]
    assert all(pop.learning_rates[k] < start[k] for k in range(3))


def test_rates_set_after_a_compaction_land_on_the_member(digits: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two of three members stop after epoch 0, so fit goes on in a smaller stack: the
    third's rate, reduced after that, is set in the stack it now trains in, and comes back
    into the population with it."""
    X, y = digits
    val = (X[450:], y[450:])
    compactions = []
    real = population_mod._compact

    def counting(*args: Any) -> Any:
        compactions.append(1)
        return real(*args)

    monkeypatch.setattr(population_mod, "_compact", counting)
    pop, singles = _population_and_singles("float64", optimizer="sgd")
    plateau = gn.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1,
                                             min_delta=0.2)
    ph = pop.fit(X[:450], y[:450], epochs=8, batch_size=16, seed=[1, 2, 3],
                 validation_data=val, callbacks=[[StopAtEpoch(0)], [StopAtEpoch(0)], [plateau]])
    assert compactions == [1]
    rates = ph[2].history["learning_rate"]
    assert rates[1] == rates[0] and rates[-1] < rates[0]  # reduced after the compaction
    for k, cbs in enumerate([[StopAtEpoch(0)], [StopAtEpoch(0)],
                             [gn.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5,
                                                             patience=1, min_delta=0.2)]]):
        h = singles[k].fit(X[:450], y[:450], epochs=8, batch_size=16, seed=k + 1,
                           validation_data=val, callbacks=cbs, verbose=0)
        _assert_member_is(pop, k, singles[k], ph[k], h)
    # and a later fit trains member 2 on from its reduced rate, as alone
    ph2 = pop.fit(X[:450], y[:450], epochs=1, batch_size=16, seed=[1, 2, 3])
    h2 = singles[2].fit(X[:450], y[:450], epochs=1, batch_size=16, seed=3, verbose=0)
    _assert_member_is(pop, 2, singles[2], ph2[2], h2)


# -- ModelCheckpoint -----------------------------------------------------------------------------

CHECKPOINTS: list[tuple[str, dict[str, Any]]] = [
    ("model-{epoch:02d}-{val_loss:.4f}-{learning_rate:.5f}.gn", {}),
    ("w-{epoch}.gn", {"save_weights_only": True}),
    ("best.gn", {"save_best_only": True, "save_optimizer": True}),
    ("b-{epoch}-{batch}.gn", {"save_freq": 7, "save_optimizer": True}),
    ("w-{epoch}.weights.h5", {"save_weights_only": True}),
]


def _files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def _assert_same_file(mine: Path, theirs: Path, weights_only: bool) -> None:
    """Two files that load the same: equal configs, weights, optimizer state, epochs trained
    and history (a model file, a checkpoint), or equal weights (a weights file)."""
    if weights_only:
        if mine.name.endswith(".weights.h5"):
            a_model, b_model = _members("float64")[0], _members("float64")[0]
            a_model.load_weights(mine)
            b_model.load_weights(theirs)
            a, b = a_model.get_weights(), b_model.get_weights()
        else:
            a, b = gn.saving.read_weights(str(mine)), gn.saving.read_weights(str(theirs))
        assert len(a) == len(b)
        for x, z in zip(a, b):
            np.testing.assert_array_equal(x, z, err_msg=mine.name)
        return
    m, t = gn.load_model(mine), gn.load_model(theirs)
    assert m.get_config() == t.get_config(), mine.name
    for x, z in zip(m.get_weights(), t.get_weights()):
        assert x.dtype == z.dtype
        np.testing.assert_array_equal(x, z, err_msg=mine.name)
    ms, ts = m.optimizer.get_state(), t.optimizer.get_state()
    assert ms["iterations"] == ts["iterations"]
    assert ms["slots"].keys() == ts["slots"].keys()
    for name in ts["slots"]:
        for x, z in zip(ms["slots"][name], ts["slots"][name]):
            np.testing.assert_array_equal(x, z, err_msg=f"{mine.name} {name}")
    assert m.epochs_trained == t.epochs_trained
    if t.history is not None and t.history.epoch:
        assert m.history is not None
        assert (m.history.epoch, m.history.history, m.history.params) == (
            t.history.epoch, t.history.history, t.history.params)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_model_checkpoint_writes_what_each_member_alone_writes(digits: Any, dtype: str,
                                                               tmp_path: Path) -> None:
    X, y = digits
    val = (X[450:], y[450:])
    pop, singles = _population_and_singles(dtype)

    def callbacks(root: Path, k: int) -> list[gn.callbacks.Callback]:
        # every member its own rate callback too, so the files carry changed rates
        return [gn.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1,
                                               min_delta=0.2)] + [
            gn.ModelCheckpoint(root / f"m{k}" / f"mode{i}" / name, monitor="val_loss",
                               **kwargs) for i, (name, kwargs) in enumerate(CHECKPOINTS)]

    extra: list[Any] = [[], [StopAtEpoch(1)], []]  # member 1 stops early: fewer files
    ph = pop.fit(X[:450], y[:450], epochs=5, batch_size=32, seed=[4, 5, 6],
                 validation_data=val,
                 callbacks=[callbacks(tmp_path / "pop", k) + extra[k] for k in range(3)])
    for k in range(3):
        h = singles[k].fit(X[:450], y[:450], epochs=5, batch_size=32, seed=4 + k,
                           validation_data=val, verbose=0,
                           callbacks=callbacks(tmp_path / "alone", k) + extra[k])
        _assert_member_is(pop, k, singles[k], ph[k], h)
        for i in range(len(CHECKPOINTS)):
            mine = tmp_path / "pop" / f"m{k}" / f"mode{i}"
            theirs = tmp_path / "alone" / f"m{k}" / f"mode{i}"
            assert _files(mine) == _files(theirs) != [], (k, i)
            for name in _files(theirs):
                _assert_same_file(mine / name, theirs / name,
                                  bool(CHECKPOINTS[i][1].get("save_weights_only")))
    # the files saw the rates change (the name of mode 0 holds the logged rate)
    assert len({name.rsplit("-", 1)[1]
                for name in _files(tmp_path / "pop" / "m0" / "mode0")}) > 1
    assert len(_files(tmp_path / "pop" / "m1" / "mode0")) == 2  # member 1 saved twice
    # by batch: 15 steps an epoch, a save every 7 steps across epochs (75 steps: 10 saves),
    # each file the member at that step
    by_batch = tmp_path / "pop" / "m0" / "mode3"
    steps = sorted(gn.load_model(by_batch / name).optimizer.iterations
                   for name in _files(by_batch))
    assert steps == list(range(7, 75, 7)) and int(pop.iterations[0]) == 75


def test_a_member_view_saves_as_its_model_alone(digits: Any, tmp_path: Path) -> None:
    """``MemberView.save``/``save_weights``/``as_model`` from a user's own callback."""
    X, y = digits

    class SaveAtEnd(gn.callbacks.Callback):
        def __init__(self, root: Path) -> None:
            self.root = root

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            self.model.save(self.root / f"e{epoch}.gn")
            self.model.save_weights(self.root / f"w{epoch}.gn")

    pop, singles = _population_and_singles("float32")
    pop.fit(X, y, epochs=2, batch_size=64, seed=3,
            callbacks=[[SaveAtEnd(tmp_path / "pop" / str(k))] for k in range(3)])
    for k in range(3):
        singles[k].fit(X, y, epochs=2, batch_size=64, seed=3, verbose=0,
                       callbacks=[SaveAtEnd(tmp_path / "alone" / str(k))])
        for name in ("e0.gn", "e1.gn", "w0.gn", "w1.gn"):
            _assert_same_file(tmp_path / "pop" / str(k) / name,
                              tmp_path / "alone" / str(k) / name, name.startswith("w"))


# -- refusals ------------------------------------------------------------------------------------

def _scheduled(seed: int) -> gn.Sequential:
    schedule = gn.optimizers.schedules.ExponentialDecay(0.01, decay_steps=5, decay_rate=0.9)
    model = gn.Sequential([gn.Input((64,)), gn.Dense(16, "relu"), gn.Dense(10, "softmax")],
                          seed=seed)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=gn.optimizers.SGD(schedule))
    return model


def test_backup_and_restore_is_refused_naming_fit_with_backup(digits: Any,
                                                             tmp_path: Path) -> None:
    X, y = digits
    pop = Population(_members("float64"))
    before = pop.get_weights()
    with pytest.raises(gn.OutsideSubsetError,
                       match=r"callbacks\[2\]: BackupAndRestore .*"
                             r"glassnet\.population\.fit_with_backup"):
        pop.fit(X, y, epochs=1, callbacks=[[], [], [gn.BackupAndRestore(tmp_path / "b")]])
    for a, b in zip(before, pop.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert pop.iterations.tolist() == [0, 0, 0]
    assert not (tmp_path / "b").exists()


def test_a_scheduled_member_refuses_a_rate_as_its_model_alone(digits: Any) -> None:
    X, y = digits
    pop = Population([_scheduled(0), _scheduled(1)])
    before = pop.get_weights()
    for make in (lambda: gn.callbacks.LearningRateScheduler(lambda e, lr: lr),
                 lambda: gn.callbacks.ReduceLROnPlateau(monitor="loss")):
        with pytest.raises(gn.ConfigError) as alone_error:
            _scheduled(1).fit(X, y, epochs=1, callbacks=[make()], verbose=0)
        with pytest.raises(gn.ConfigError) as member_error:
            pop.fit(X, y, epochs=1, callbacks=[[], [make()]])  # before any step
        assert str(member_error.value) == str(alone_error.value)
        assert "follows ExponentialDecay" in str(member_error.value)
    for a, b in zip(before, pop.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert pop.iterations.tolist() == [0, 0]

    class SetRate(gn.callbacks.Callback):
        def __init__(self, value: Any) -> None:
            self.value = value

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.model.optimizer.learning_rate = self.value

    # set by hand in a callback: the same exception, the same message, as the model alone
    with pytest.raises(gn.ArgumentTypeError) as alone_error:
        _scheduled(0).fit(X, y, epochs=1, callbacks=[SetRate(0.1)], verbose=0)
    with pytest.raises(gn.ArgumentTypeError) as member_error:
        pop.fit(X, y, epochs=1, callbacks=[[SetRate(0.1)], []])
    assert str(member_error.value) == str(alone_error.value)
    assert "not settable" in str(member_error.value)


def test_a_member_rate_is_checked_and_written_only_during_its_fit(digits: Any) -> None:
    X, y = digits
    pop = Population(_members("float64", optimizer="sgd"))
    views: list[Any] = []
    errors: list[tuple[str, str]] = []

    class Probe(gn.callbacks.Callback):
        member = True

        def __init__(self, value: Any) -> None:
            self.value = value

        def on_train_begin(self, logs: Any = None) -> None:
            views.append(self.model)
            opt = self.model.optimizer
            rate = opt.learning_rate
            try:
                opt.learning_rate = self.value
            except gn.GlassnetError as exc:
                errors.append((type(exc).__name__, str(exc)))
            assert opt.learning_rate == rate  # a refused rate leaves the rate as it was
            if self.member:
                with pytest.raises(AttributeError):
                    opt.iterations = 5  # read-only

    class ProbeAlone(Probe):
        member = False

    bad = [-0.1, float("nan")]
    pop.fit(X, y, epochs=1, batch_size=600, callbacks=[[Probe(bad[0])], [Probe(bad[1])], []])
    member_errors = list(errors)
    errors.clear()
    for value in bad:
        _members("float64", optimizer="sgd")[0].fit(X, y, epochs=1, batch_size=600, verbose=0,
                                                    callbacks=[ProbeAlone(value)])
    assert member_errors == errors and len(errors) == 2
    assert pop.learning_rates.tolist() == [0.01, 0.004, 0.02]
    # after fit the member's rate is read-only: set it on the population between fits
    assert float(views[0].optimizer.learning_rate) == 0.01
    with pytest.raises(gn.NotReadyError, match="member 0's fit is not running"):
        views[0].optimizer.learning_rate = 0.5
    assert pop.learning_rates[0] == 0.01
    assert views[1].optimizer.iterations == 1
    assert views[1].optimizer.lr == pytest.approx(0.004)
    assert "MemberOptimizer(sgd, member 1" in repr(views[1].optimizer)


# -- with datasets and per-example weights -------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_rate_callbacks_steer_members_on_datasets_and_weighted_data(digits: Any,
                                                                    dtype: str) -> None:
    """The same callbacks over the other inputs ``fit`` takes: a dataset of batches (a fresh,
    reshuffled iteration each epoch) and ``sample_weight`` with weighted validation data."""
    from glassnet.data import Dataset

    X, y = digits

    def dataset() -> Dataset:
        return Dataset.from_tensor_slices((X[:400], y[:400])).shuffle(400, seed=2).batch(50)

    val = Dataset.from_tensor_slices((X[400:], y[400:])).batch(64)
    pop, singles = _population_and_singles(dtype)
    ph = pop.fit(dataset(), None, epochs=4, validation_data=val,
                 callbacks=[[gn.callbacks.LearningRateScheduler(SCHEDULES[k])]
                            for k in range(3)])
    for k in range(3):
        h = singles[k].fit(dataset(), epochs=4, validation_data=val, verbose=0,
                           callbacks=[gn.callbacks.LearningRateScheduler(SCHEDULES[k])])
        assert len(set(ph[k].history["learning_rate"])) > 1
        _assert_member_is(pop, k, singles[k], ph[k], h)

    w = np.linspace(0.5, 2.0, 450)
    w_val = np.linspace(2.0, 0.5, 150)
    pop, singles = _population_and_singles(dtype, optimizer="sgd")
    ph = pop.fit(X[:450], y[:450], epochs=6, batch_size=32, seed=[1, 2, 3], sample_weight=w,
                 validation_data=(X[450:], y[450:], w_val),
                 callbacks=[[cb] for cb in _plateaus()])
    for k in range(3):
        h = singles[k].fit(X[:450], y[:450], epochs=6, batch_size=32, seed=k + 1,
                           sample_weight=w, validation_data=(X[450:], y[450:], w_val),
                           verbose=0, callbacks=[_plateaus()[k]])
        rates = ph[k].history["learning_rate"]
        assert rates[-1] < rates[0], (k, rates)
        _assert_member_is(pop, k, singles[k], ph[k], h)


def test_a_scheduled_member_beside_a_steered_one(digits: Any) -> None:
    """Members may differ in following a schedule: member 0 follows its schedule, member 1's
    rate is set by its callback; each as alone."""
    X, y = digits

    def plain(seed: int) -> gn.Sequential:
        model = gn.Sequential([gn.Input((64,)), gn.Dense(16, "relu"), gn.Dense(10, "softmax")],
                              seed=seed)
        model.compile(loss="sparse_categorical_crossentropy", optimizer=gn.optimizers.SGD(0.05))
        return model

    pop = Population([_scheduled(0), plain(1)])
    seen = [SeeOptimizer(), SeeOptimizer()]
    ph = pop.fit(X, y, epochs=3, batch_size=64, seed=5,
                 callbacks=[[seen[0]], [gn.callbacks.LearningRateScheduler(_halve_odd), seen[1]]])
    for k, alone in enumerate([_scheduled(0), plain(1)]):
        mine = SeeOptimizer()
        cbs: list[Any] = [mine] if k == 0 else [
            gn.callbacks.LearningRateScheduler(_halve_odd), mine]
        h = alone.fit(X, y, epochs=3, batch_size=64, seed=5, verbose=0, callbacks=cbs)
        assert seen[k].seen == mine.seen
        assert ph[k].history == h.history and ph[k].params == h.params
        for a, b in zip(alone.get_weights(), pop.get_weights(k)):
            np.testing.assert_array_equal(a, b)
    assert len({rate for _, rate in seen[0].seen}) == 3  # the schedule moved member 0's rate
    assert "learning_rate" not in ph[0].history and "learning_rate" in ph[1].history
    assert ph[0].params["lr_schedule"] == "ExponentialDecay"
