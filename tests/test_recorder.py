"""NeuronRecorder: array shapes, values against a direct computation, and no side effects."""

from __future__ import annotations

import csv
import importlib.util

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ConfigError, NotReadyError
from glassnet.inspect import NeuronRecorder
from glassnet.inspect.recorder import METRICS


def _model(seed: int = 3) -> gn.Sequential:
    model = gn.Sequential([gn.Input(shape=(4,)), gn.Dense(6, "relu", name="r"),
                           gn.Dense(5, "tanh", name="t"), gn.Dense(2, "sigmoid", name="s")],
                          seed=seed, dtype="float64")
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(learning_rate=0.1))
    return model


@pytest.fixture
def data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.standard_normal((45, 4))
    y = (rng.random((45, 2)) > 0.5).astype(float)
    return X, y


def test_arrays_have_shape_records_by_units(data: tuple) -> None:
    X, y = data
    model = _model()
    rec = NeuronRecorder(probe=X[:20])
    model.fit(X, y, epochs=3, batch_size=10, verbose=0, seed=1, callbacks=[rec])
    assert rec.n_records == 3
    assert rec.epochs.tolist() == [1, 2, 3]
    assert rec.steps.tolist() == [5, 10, 15]  # 45 examples in batches of 10: 5 steps
    for name, units in (("r", 6), ("t", 5), ("s", 2)):
        assert set(rec.history[name]) == set(METRICS)
        for metric in METRICS:
            assert rec.history[name][metric].shape == (3, units)
    assert rec.activations == {"r": "relu", "t": "tanh", "s": "sigmoid"}


def test_values_match_a_direct_computation(data: tuple) -> None:
    X, y = data
    probe = X[:30]
    model = _model()
    rec = NeuronRecorder(probe=probe)
    model.fit(X, y, epochs=2, batch_size=16, verbose=0, seed=1, callbacks=[rec])
    traces = model.trace(probe)
    layers = model.layers
    for i, (layer, tr) in enumerate(zip(layers, traces)):
        h = {k: v[-1] for k, v in rec.history[tr.name].items()}  # the last record
        W, b = layer.get_weights()
        np.testing.assert_allclose(h["weight_norm"], np.linalg.norm(W, axis=0))
        np.testing.assert_allclose(h["bias"], b)
        np.testing.assert_allclose(h["grad_norm"], np.linalg.norm(layer.grads[0], axis=0))
        np.testing.assert_allclose(h["act_mean"], tr.a.mean(axis=0))
        np.testing.assert_allclose(h["act_std"], tr.a.std(axis=0))
        if i + 1 < len(layers):
            W_next = layers[i + 1].get_weights()[0]
            np.testing.assert_allclose(h["out_weight_norm"], np.linalg.norm(W_next, axis=1))
        else:
            assert np.all(np.isnan(h["out_weight_norm"]))
    r, t, s = (rec.history[name] for name in ("r", "t", "s"))
    np.testing.assert_allclose(r["firing_rate"][-1], (traces[0].z > 0).mean(axis=0))
    assert np.all(np.isnan(r["saturation"]))
    np.testing.assert_allclose(t["saturation"][-1], (np.abs(traces[1].a) > 0.99).mean(axis=0))
    assert np.all(np.isnan(t["firing_rate"]))
    a = traces[2].a
    np.testing.assert_allclose(s["saturation"][-1], ((a < 0.01) | (a > 0.99)).mean(axis=0))


def test_recording_does_not_change_training(data: tuple) -> None:
    X, y = data
    plain, watched = _model(), _model()
    plain.fit(X, y, epochs=3, batch_size=8, verbose=0, seed=5)
    rec = NeuronRecorder(probe=X, every_steps=2, include_initial=True)
    watched.fit(X, y, epochs=3, batch_size=8, verbose=0, seed=5, callbacks=[rec])
    for a, b in zip(plain.get_weights(), watched.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert rec.n_records > 1


def test_every_steps_and_initial_record(data: tuple) -> None:
    X, y = data
    model = _model()
    start = model.get_weights()
    rec = NeuronRecorder(probe=X, every_steps=4, include_initial=True)
    model.fit(X, y, epochs=2, batch_size=5, verbose=0, seed=1, callbacks=[rec])  # 18 steps
    assert rec.steps.tolist() == [0, 4, 8, 12, 16]
    assert rec.epochs.tolist() == [0, 0, 0, 1, 1]  # 9 steps per epoch
    first = rec.history["r"]
    np.testing.assert_allclose(first["weight_norm"][0], np.linalg.norm(start[0], axis=0))
    assert np.all(np.isnan(first["grad_norm"][0]))
    assert np.all(np.isfinite(first["grad_norm"][1:]))


def test_every_epochs(data: tuple) -> None:
    X, y = data
    rec = NeuronRecorder(probe=X, every_epochs=2)
    _model().fit(X, y, epochs=5, batch_size=None, verbose=0, callbacks=[rec])
    assert rec.epochs.tolist() == [2, 4]
    assert rec.steps.tolist() == [2, 4]


def test_probe_sampled_from_data(rng: np.random.Generator) -> None:
    X = rng.standard_normal((300, 4))
    y = (rng.random((300, 2)) > 0.5).astype(float)
    recs = []
    for _ in range(2):
        rec = NeuronRecorder(data=X, max_probe=50, seed=7)
        _model().fit(X, y, epochs=1, batch_size=100, verbose=0, callbacks=[rec])
        recs.append(rec)
    probe = recs[0].probe
    assert probe is not None and probe.shape == (50, 4)
    np.testing.assert_array_equal(probe, recs[1].probe)  # seeded: the same rows
    rows = {tuple(r) for r in X}
    assert all(tuple(r) in rows for r in probe)
    assert len({tuple(r) for r in probe}) == 50  # without replacement
    small = NeuronRecorder(data=X[:10])
    _model().fit(X[:10], y[:10], epochs=1, verbose=0, callbacks=[small])
    np.testing.assert_array_equal(small.probe, X[:10])


def test_tidy_rows_and_csv(data: tuple, tmp_path) -> None:
    X, y = data
    rec = NeuronRecorder(probe=X)
    _model().fit(X, y, epochs=2, batch_size=15, verbose=0, callbacks=[rec])
    rows = rec.to_rows()
    assert len(rows) == 2 * (6 + 5 + 2)
    assert list(rows[0]) == ["record", "epoch", "step", "layer", "unit", *METRICS]
    row = next(r for r in rows if r["record"] == 1 and r["layer"] == "t" and r["unit"] == 3)
    assert row["weight_norm"] == rec.history["t"]["weight_norm"][1, 3]
    assert row["epoch"] == 2 and row["step"] == 6
    path = tmp_path / "neurons.csv"
    rec.to_csv(path)
    with open(path, newline="") as fh:
        back = list(csv.DictReader(fh))
    assert len(back) == len(rows)
    assert float(back[5]["act_mean"]) == pytest.approx(rows[5]["act_mean"])


def test_to_dataframe(data: tuple) -> None:
    X, y = data
    rec = NeuronRecorder(probe=X)
    _model().fit(X, y, epochs=1, verbose=0, callbacks=[rec])
    if importlib.util.find_spec("pandas") is None:
        with pytest.raises(ImportError, match="pandas"):
            rec.to_dataframe()
    else:
        df = rec.to_dataframe()
        assert df.shape == (6 + 5 + 2, 5 + len(METRICS))


def test_bad_arguments_and_not_ready(data: tuple) -> None:
    X, _ = data
    with pytest.raises(ConfigError, match="probe"):
        NeuronRecorder()
    with pytest.raises(ConfigError, match="one, not both"):
        NeuronRecorder(probe=X, data=X)
    with pytest.raises(ConfigError, match="every_steps"):
        NeuronRecorder(probe=X, every_steps=0)
    with pytest.raises(NotReadyError, match="nothing recorded"):
        NeuronRecorder(probe=X).history  # noqa: B018
    with pytest.raises(gn.ShapeError, match="probe"):
        _model().fit(X, np.zeros((45, 2)), epochs=1, verbose=0,
                     callbacks=[NeuronRecorder(probe=X[:, :3])])
