"""Learning-rate schedules (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay,
CosineDecay, PolynomialDecay), optimizers that follow them, the LearningRateScheduler and
ReduceLROnPlateau callbacks: values against real Keras, saved and resumed exactly."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import schedules
from glassnet.errors import ArgumentTypeError, ConfigError
from glassnet.keras import optimizers as kopt

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "exp": ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7,
                                 "decay_rate": 0.5}),
    "exp_stair": ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7,
                                       "decay_rate": 0.5, "staircase": True}),
    "inv": ("InverseTimeDecay", {"initial_learning_rate": 0.001, "decay_steps": 20,
                                 "decay_rate": 1.0}),
    "inv_stair": ("InverseTimeDecay", {"initial_learning_rate": 0.01, "decay_steps": 6,
                                       "decay_rate": 0.5, "staircase": True}),
    "piece": ("PiecewiseConstantDecay", {"boundaries": [5, 12, 30],
                                         "values": [1.0, 0.5, 0.1, 0.01]}),
    "cos": ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 40}),
    "cos_alpha": ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 40,
                                  "alpha": 0.2}),
    "cos_warm": ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 30, "alpha": 0.1,
                                 "warmup_target": 0.2, "warmup_steps": 10}),
    "poly": ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 25}),
    "poly_pow": ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 25,
                                     "end_learning_rate": 0.01, "power": 2.0}),
    "poly_cycle": ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10,
                                       "end_learning_rate": 0.001, "power": 0.5,
                                       "cycle": True}),
}


@pytest.fixture(scope="module")
def keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("key", sorted(CASES))
def test_values_match_keras(keras: Any, key: str) -> None:
    name, kwargs = CASES[key]
    ours = getattr(kopt.schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    steps = list(range(0, 90)) + [123, 1000]
    got = np.array([ours(t) for t in steps])
    want = np.array([float(theirs(t)) for t in steps])  # Keras computes in float32
    # float32 in Keras: near the end of a cosine, 1 + cos(~pi) loses digits (atol)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-9)
    # an array of steps gives the array of rates (the tutorials plot lr_schedule(steps))
    np.testing.assert_array_equal(ours(np.array(steps)), got)
    np.testing.assert_allclose(ours(np.linspace(0, 100, 7)),
                               [float(theirs(t)) for t in np.linspace(0, 100, 7)], rtol=2e-6,
                               atol=2e-9)
    # the config round-trips, and an optimizer keeps it
    again = schedules.get(ours.to_config())
    assert again == ours and [again(t) for t in steps] == list(got)
    opt = gn.optimizers.Adam(ours)
    assert gn.optimizers.get(opt.to_config()).schedule == ours


def test_piecewise_boundaries_are_inclusive() -> None:
    s = schedules.PiecewiseConstantDecay([3, 6], [1.0, 0.5, 0.25])
    assert [s(t) for t in range(9)] == [1.0] * 4 + [0.5] * 3 + [0.25] * 2


def test_optimizer_follows_the_schedule_step_by_step() -> None:
    sched = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = gn.optimizers.SGD(sched)
    p, g = np.zeros(3), np.ones(3)
    assert opt.learning_rate == 0.1  # Keras: schedule(iterations), the next step's rate
    for t in range(4):
        opt.apply([p], [g])
        assert opt.iterations == t + 1
        assert opt.learning_rate == pytest.approx(0.1 * 0.5 ** (t + 1))
    np.testing.assert_allclose(p, -(0.1 + 0.05 + 0.025 + 0.0125))
    with pytest.raises(ArgumentTypeError, match="not settable"):
        opt.learning_rate = 0.3
    with pytest.raises(ArgumentTypeError, match="schedule"):
        gn.optimizers.SGD(0.1).learning_rate = sched  # type: ignore[assignment]


@pytest.mark.parametrize("make,match", [
    (lambda: schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5), "decay_steps"),
    (lambda: schedules.ExponentialDecay(-0.1, decay_steps=3, decay_rate=0.5),
     "initial_learning_rate"),
    (lambda: schedules.InverseTimeDecay(0.1, 10, "fast"), "decay_rate"),
    (lambda: schedules.ExponentialDecay(0.1, 10, 0.5, staircase="yes"), "staircase"),
    (lambda: schedules.PiecewiseConstantDecay([5, 3], [1.0, 0.5, 0.1]), "boundaries"),
    (lambda: schedules.PiecewiseConstantDecay([5], [1.0]), "values"),
    (lambda: schedules.PiecewiseConstantDecay(5, [1.0]), "boundaries"),
    (lambda: schedules.CosineDecay(0.1, 10, alpha=2.0), "alpha"),
    (lambda: schedules.CosineDecay(0.1, 10, warmup_target=0.2), "warmup_steps"),
    (lambda: schedules.PolynomialDecay(0.1, 10, power=-1.0), "power"),
    (lambda: schedules.PolynomialDecay(0.1, 10, cycle=1), "cycle"),
    (lambda: schedules.get({"name": "os.system", "config": {}}), "learning_rate"),
    (lambda: schedules.CosineDecay(0.1, 10)(-1), "step"),
])
def test_bad_parameters_name_the_argument(make: Any, match: str) -> None:
    with pytest.raises((ConfigError, ArgumentTypeError), match=match):
        make()


def _data(m: int = 48) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(m, 4)).astype(np.float32)
    return X, (X[:, :1] - X[:, 1:2] > 0).astype(np.float32)


def _pair(keras: Any, ours_opt: Any, theirs_opt: Any, seed: int = 0) -> tuple[Any, Any]:
    ours = gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(6, activation="tanh"),
                          gn.layers.Dense(1)], seed=seed)
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="tanh"),
                               keras.layers.Dense(1)])
    theirs.set_weights(ours.get_weights())
    ours.compile(loss=gn.losses.BinaryCrossentropy(from_logits=True), optimizer=ours_opt)
    theirs.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True), optimizer=theirs_opt)
    return ours, theirs


@pytest.mark.parametrize("key", ["inv", "exp_stair", "piece", "cos_warm", "poly_cycle"])
def test_fit_with_a_schedule_matches_keras(keras: Any, key: str) -> None:
    name, kwargs = CASES[key]
    X, y = _data()
    ours, theirs = _pair(keras, gn.optimizers.Adam(getattr(schedules, name)(**kwargs)),
                         keras.optimizers.Adam(getattr(keras.optimizers.schedules, name)(
                             **kwargs)))
    h = ours.fit(X, y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    hk = theirs.fit(X, y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    # float32 rounding drifts apart over 24 Adam steps (a few 1e-5 at a loss of 0.03)
    np.testing.assert_allclose(h.history["loss"], hk.history["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=5e-4, atol=1e-5)
    assert float(ours.optimizer.learning_rate) == pytest.approx(
        float(theirs.optimizer.learning_rate), rel=1e-6)


def test_learning_rate_scheduler_matches_keras(keras: Any, capsys: Any) -> None:
    X, y = _data()

    def step_down(epoch: int, lr: float) -> float:
        return lr if epoch < 2 else lr * 0.5

    ours, theirs = _pair(keras, gn.optimizers.SGD(0.2), keras.optimizers.SGD(0.2))
    h = ours.fit(X, y, batch_size=16, epochs=5, shuffle=False, verbose=0,
                 callbacks=[gn.keras.callbacks.LearningRateScheduler(step_down, verbose=1)])
    said = capsys.readouterr().out
    hk = theirs.fit(X, y, batch_size=16, epochs=5, shuffle=False, verbose=0,
                    callbacks=[keras.callbacks.LearningRateScheduler(step_down, verbose=1)])
    theirs_said = capsys.readouterr().out
    assert sorted(h.history) == sorted(hk.history) == ["learning_rate", "loss"]
    np.testing.assert_allclose(h.history["learning_rate"], hk.history["learning_rate"],
                               rtol=1e-7)
    np.testing.assert_allclose(h.history["loss"], hk.history["loss"], rtol=2e-5)
    assert said.split() == theirs_said.split()  # Keras' lines, word for word
    # the one-argument form
    one = gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(1)], seed=0)
    one.compile(loss="mse", optimizer=gn.optimizers.SGD(0.1))
    h = one.fit(X, y, epochs=3, verbose=0, callbacks=[
        gn.keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))])
    np.testing.assert_allclose(h.history["learning_rate"],
                               np.float32([0.1, 0.05, 0.1 / 3]).astype(float))


def test_reduce_lr_on_plateau_matches_keras(keras: Any, capsys: Any) -> None:
    X, y = _data()
    ours, theirs = _pair(keras, gn.optimizers.SGD(1.5), keras.optimizers.SGD(1.5), seed=2)
    kw: dict[str, Any] = dict(monitor="val_loss", factor=0.5, patience=1, min_delta=0.05,
                              cooldown=1, min_lr=0.05, verbose=1)
    val = (X[:16], y[:16])
    h = ours.fit(X[16:], y[16:], batch_size=8, epochs=12, shuffle=False, verbose=0,
                 validation_data=val, callbacks=[gn.keras.callbacks.ReduceLROnPlateau(**kw)])
    said = capsys.readouterr().out
    hk = theirs.fit(X[16:], y[16:], batch_size=8, epochs=12, shuffle=False, verbose=0,
                    validation_data=val, callbacks=[keras.callbacks.ReduceLROnPlateau(**kw)])
    theirs_said = capsys.readouterr().out
    assert sorted(h.history) == sorted(hk.history)
    np.testing.assert_allclose(h.history["learning_rate"], hk.history["learning_rate"],
                               rtol=1e-6)
    assert len(set(h.history["learning_rate"])) > 2  # it did reduce, and reached min_lr
    assert min(h.history["learning_rate"]) == pytest.approx(0.05)
    np.testing.assert_allclose(h.history["val_loss"], hk.history["val_loss"], rtol=1e-4)
    assert said.split() == theirs_said.split()


def test_lr_callbacks_refuse_a_scheduled_optimizer_and_bad_settings() -> None:
    X, y = _data()
    model = gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(1)], seed=0)
    model.compile(loss="mse", optimizer=gn.optimizers.SGD(schedules.CosineDecay(0.1, 10)))
    before = model.get_weights()
    for cb in (gn.keras.callbacks.LearningRateScheduler(lambda e, lr: lr),
               gn.keras.callbacks.ReduceLROnPlateau(monitor="loss")):
        with pytest.raises(ConfigError, match="not settable"):
            model.fit(X, y, epochs=1, verbose=0, callbacks=[cb])
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert model.optimizer.iterations == 0
    with pytest.raises(ConfigError, match="factor"):
        gn.keras.callbacks.ReduceLROnPlateau(factor=1.0)
    with pytest.raises(ArgumentTypeError, match="schedule"):
        gn.keras.callbacks.LearningRateScheduler(0.1)
    plain = gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(1)], seed=0)
    plain.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ConfigError, match="val_loss"):
        plain.fit(X, y, epochs=1, verbose=0, callbacks=[gn.keras.callbacks.ReduceLROnPlateau()])
    with pytest.raises(ConfigError, match="schedule"):
        plain.fit(X, y, epochs=1, verbose=0, callbacks=[
            gn.keras.callbacks.LearningRateScheduler(lambda e, lr: "fast")])


# -- saved and resumed exactly ---------------------------------------------------------------


class _Crash(gn.Callback):
    def __init__(self, at: int) -> None:
        self.at = at

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if epoch == self.at:
            raise RuntimeError("crash")


def _model(optimizer: Any) -> gn.Sequential:
    model = gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(5, activation="relu"),
                           gn.layers.Dense(1)], seed=4)
    model.compile(loss=gn.losses.BinaryCrossentropy(from_logits=True), optimizer=optimizer)
    return model


def _same(a: gn.Sequential, b: gn.Sequential) -> bool:
    return all(u.tobytes() == v.tobytes() for u, v in zip(a.get_weights(), b.get_weights()))


@pytest.mark.parametrize("key", ["inv", "piece", "cos_warm", "poly_cycle"])
def test_a_schedule_resumes_exactly(key: str, tmp_path: Path) -> None:
    name, kwargs = CASES[key]

    def opt() -> Any:
        return gn.optimizers.Adam(getattr(schedules, name)(**kwargs))

    X, y = _data()
    whole = _model(opt())
    whole.fit(X, y, epochs=6, batch_size=8, verbose=0)
    # split in two fits
    split = _model(opt())
    split.fit(X, y, epochs=2, batch_size=8, verbose=0)
    split.fit(X, y, epochs=4, batch_size=8, verbose=0)
    assert _same(whole, split)
    # through a checkpoint file, in a "new process"
    part = _model(opt())
    part.fit(X, y, epochs=2, batch_size=8, verbose=0)
    gn.save_checkpoint(part, tmp_path / "c.gnc")
    back = gn.load_model(tmp_path / "c.gnc")
    assert back.optimizer.schedule == part.optimizer.schedule
    back.fit(X, y, epochs=4, batch_size=8, verbose=0)
    assert _same(whole, back)
    # through model.save / load_model: the schedule comes back with the model
    part.save(tmp_path / "m.npz")
    assert gn.load_model(tmp_path / "m.npz").optimizer.schedule == part.optimizer.schedule


@pytest.mark.parametrize("which", ["plateau", "scheduler"])
def test_lr_callbacks_resume_exactly_with_backup_and_restore(which: str,
                                                             tmp_path: Path) -> None:
    X, y = _data()

    def callbacks() -> list[Any]:
        if which == "plateau":
            return [gn.keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5,
                                                         patience=1, cooldown=1,
                                                         min_delta=0.01)]
        return [gn.keras.callbacks.LearningRateScheduler(lambda e, lr: lr * 0.7)]

    kw: dict[str, Any] = dict(epochs=9, batch_size=8, verbose=0, validation_split=0.25)
    whole = _model(gn.optimizers.SGD(0.8))
    reference = whole.fit(X, y, callbacks=callbacks(), **kw)
    assert len(set(reference.history["learning_rate"])) > 2
    backup = gn.BackupAndRestore(tmp_path / "b")
    with pytest.raises(RuntimeError):  # the backup is placed first: it still saves last
        _model(gn.optimizers.SGD(0.8)).fit(X, y, callbacks=[backup, *callbacks(), _Crash(4)],
                                           **kw)
    fresh = _model(gn.optimizers.SGD(0.8))  # a new process starts from scratch
    history = fresh.fit(X, y, callbacks=[backup, *callbacks()], **kw)
    assert backup.restored_epoch == 5
    assert history.history == reference.history
    assert _same(whole, fresh)


def test_a_backup_with_other_callbacks_is_refused(tmp_path: Path) -> None:
    X, y = _data()
    backup = gn.BackupAndRestore(tmp_path / "b")
    kw: dict[str, Any] = dict(epochs=4, batch_size=8, verbose=0, validation_split=0.25)
    with pytest.raises(RuntimeError):
        _model(gn.optimizers.SGD(0.1)).fit(
            X, y, callbacks=[gn.keras.callbacks.ReduceLROnPlateau(), backup, _Crash(1)], **kw)
    model = _model(gn.optimizers.SGD(0.1))
    with pytest.raises(ConfigError, match="other callbacks"):
        model.fit(X, y, callbacks=[backup], **kw)
    assert model.optimizer.iterations == 0


def test_populations_follow_schedules() -> None:
    # (members against their own fits: tests/test_population.py)
    from glassnet.population import Population

    members = [_model(gn.optimizers.SGD(schedules.ExponentialDecay(0.1, 5, 0.5)))
               for _ in range(2)]
    pop = Population(members)
    np.testing.assert_array_equal(pop.learning_rates, [0.1, 0.1])
    for _ in range(5):
        pop._apply(True, [])  # five steps of the optimizer alone
    np.testing.assert_allclose(pop.learning_rates, [0.05, 0.05], rtol=1e-15)
