"""Dead and saturated units by name, and deaths/recoveries read from a recorder."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ArgumentTypeError, ConfigError
from glassnet.inspect import NeuronRecorder, dead_units, unit_events, unit_status


def _model(hidden: str = "relu", out: str = "tanh") -> gn.Sequential:
    model = gn.Sequential([gn.Input(shape=(3,)), gn.Dense(4, hidden, name="hidden"),
                           gn.Dense(3, out, name="top")], seed=1, dtype="float64")
    return model


def _set_bias(model: gn.Sequential, layer: int, unit: int, value: float) -> None:
    model.layers[layer].params[1][unit] = value


def test_a_unit_with_bias_minus_100_is_dead(rng: np.random.Generator) -> None:
    model = _model()
    _set_bias(model, 0, 2, -100.0)
    X = rng.standard_normal((50, 3))
    status = unit_status(model, X)
    dead = [s for s in status if s.status == "dead"]
    assert [(s.layer, s.unit, s.fraction, s.activation) for s in dead] == \
        [("hidden", 2, 1.0, "relu")]
    assert dead_units(model, X) == {"hidden": [2]}
    assert "hidden" in status.table() and "dead" in status.table()
    # on the same data a bias of +100 makes it fire everywhere: no longer dead
    _set_bias(model, 0, 2, 100.0)
    assert dead_units(model, X) == {"hidden": []}


def test_dead_tol_and_leaky(rng: np.random.Generator) -> None:
    model = _model(hidden="leaky_relu")
    X = rng.standard_normal((30, 3))
    assert dead_units(model, X, dead_tol=np.inf) == {"hidden": [0, 1, 2, 3]}
    assert dead_units(model, X) == {"hidden": []}


def test_saturated_units(rng: np.random.Generator) -> None:
    model = _model(out="tanh")
    X = rng.standard_normal((40, 3))
    _set_bias(model, 1, 0, 20.0)  # tanh(z + 20) is 1 to within 1e-8 on every example
    status = unit_status(model, X)
    sat = [(s.layer, s.unit, s.fraction) for s in status if s.status == "saturated"]
    assert sat == [("top", 0, 1.0)]
    sig = _model(out="sigmoid")
    sig.layers[1].params[0][:, 1] = 0.0
    _set_bias(sig, 1, 1, 0.0)  # sigmoid(0) = 0.5: never saturated
    _set_bias(sig, 1, 2, -30.0)  # sigmoid(z - 30) ~ 0 on every example
    units = {s.unit for s in unit_status(sig, X) if s.status == "saturated"}
    assert 2 in units and 1 not in units


def test_saturation_share_threshold(rng: np.random.Generator) -> None:
    model = gn.Sequential([gn.Input(shape=(1,)), gn.Dense(1, "sigmoid", name="s")], seed=0,
                          dtype="float64")
    model.set_weights([np.array([[1.0]]), np.array([0.0])])
    X = np.array([[-10.0], [-9.0], [10.0], [0.0]])  # three of four saturated
    assert [s.fraction for s in unit_status(model, X, saturation=0.75)] == [0.75]
    assert unit_status(model, X, saturation=0.8) == []
    with pytest.raises(ConfigError, match="saturation"):
        unit_status(model, X, saturation=0.0)


def test_unit_status_does_not_change_the_model(rng: np.random.Generator) -> None:
    model = _model()
    before = model.get_weights()
    unit_status(model, rng.standard_normal((10, 3)))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ArgumentTypeError, match="model"):
        unit_status(object(), np.zeros((2, 3)))


def test_unit_events_from_a_recorder(rng: np.random.Generator) -> None:
    """A harness callback (listed before the recorder) kills and revives units at chosen
    epochs; a tiny learning rate keeps training from undoing it."""
    X = rng.standard_normal((40, 3))
    y = rng.standard_normal((40, 3))
    model = _model(out="linear")
    model.compile(loss="mse", optimizer=gn.optimizers.SGD(learning_rate=1e-9))
    b = model.layers[0].params[1]
    b[:] = 5.0  # every hidden unit fires on these examples

    def script(epoch: int, logs: dict) -> None:
        done = epoch + 1
        if done == 2:
            b[1] = -100.0  # unit 1 dies at the record of epoch 2 ...
        if done == 4:
            b[1] = 100.0  # ... and fires again at epoch 4
        if done == 3:
            b[3] = -100.0  # unit 3 dies at epoch 3 and stays dead

    rec = NeuronRecorder(probe=X)
    model.fit(X, y, epochs=6, batch_size=20, verbose=0,
              callbacks=[gn.LambdaCallback(on_epoch_end=script), rec])
    events = unit_events(rec)
    assert [(e.layer, e.unit) for e in events] == [("hidden", 1), ("hidden", 3)]
    one, three = events
    assert (one.died_epoch, one.died_step, one.recovered, one.recovered_epoch) == (2, 4, True, 4)
    assert one.recovered_step == 8 and not one.dead_at_end
    assert (three.died_epoch, three.recovered, three.recovered_epoch) == (3, False, None)
    assert three.dead_at_end
    table = events.table()
    assert "hidden" in table and "died at epoch" in table
    assert "died at epoch 2" in str(one)


def test_unit_events_ignores_non_relu_layers(rng: np.random.Generator) -> None:
    X = rng.standard_normal((20, 3))
    model = _model(hidden="tanh", out="linear")
    model.compile(loss="mse", optimizer="sgd")
    _set_bias(model, 1, 0, -100.0)  # a linear unit below 0 everywhere is not "dead"
    rec = NeuronRecorder(probe=X)
    model.fit(X, np.zeros((20, 3)), epochs=2, verbose=0, callbacks=[rec])
    assert unit_events(rec) == []
    assert unit_events(rec).table() == "no unit stopped firing"
    with pytest.raises(ArgumentTypeError, match="NeuronRecorder"):
        unit_events("recorder")  # type: ignore[arg-type]
