"""The playground's run without a browser: settings, lockstep training, reset, the CSV upload,
and the exported script that replays the run bit for bit."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import glassnet as gn
from glassnet.play import session
from glassnet.play.session import PlayConfig, parse_config
from glassnet.play.worker import Worker


@pytest.fixture
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.close()


def test_parse_config_refuses_bad_settings_by_name() -> None:
    assert parse_config({}) == PlayConfig()
    cfg = parse_config({"hidden": [4], "batch_size": None, "activation": "relu"})
    assert cfg.hidden == (4,) and cfg.batch_size is None
    for raw, name in [({"hidden": [0]}, "hidden"), ({"hidden": "8"}, "hidden"),
                      ({"learning_rate": "0.1"}, "learning_rate"), ({"seed": -1}, "seed"),
                      ({"noise": float("nan")}, "noise"), ({"batch_size": 0}, "batch_size"),
                      ({"activation": "gelu"}, "activation"), ({"x": 1}, "unknown"),
                      ([], "config")]:
        with pytest.raises(gn.ConfigError, match=name):
            parse_config(raw)


def test_every_network_steps_in_lockstep_and_reset_replays_the_same_start(
        worker: Worker) -> None:
    worker.configure(parse_config({"compare": "seeds", "hidden": [5]}))
    start = [worker.weights(i) for i in range(3)]
    assert not np.array_equal(start[0][0], start[1][0])  # three seeds, three starts
    worker.control("step")
    after = [worker.weights(i) for i in range(3)]
    for i in range(3):  # one step moved every weight of every network
        for w0, w1 in zip(start[i], after[i]):
            assert np.all(w0 != w1)
    worker.control("step_epoch")
    assert worker.state()["step"] == 25  # 250 training examples, batches of 10
    worker.control("reset")
    assert worker.state()["step"] == 0
    for w0, w in zip(start[0], worker.weights(0)):
        np.testing.assert_array_equal(w0, w)
    worker.control("step")
    for w1, w in zip(after[0], worker.weights(0)):
        np.testing.assert_array_equal(w1, w)
    seed = worker.control("new_init")["seed"]
    assert seed != 1 and not np.array_equal(worker.weights(0)[0], start[0][0])


def test_zeros_stay_one_unit_while_random_keeps_them_all(worker: Worker) -> None:
    import json

    worker.configure(parse_config({"compare": "inits", "hidden": [6, 6]}))
    worker.control("step_epoch")
    worker.control("step_epoch")
    frame = json.loads(worker.frame_json)
    meters = [{s["layer"]: (s["k"], s["n"]) for s in v["symmetry"]} for v in frame["variants"]]
    assert [m["hidden1"] for m in meters] == [(1, 6), (1, 6), (6, 6)]
    assert worker.state()["variants"] == ["zeros", "constant 0.5", "glorot_uniform"]


def test_a_malformed_csv_is_a_clear_error_and_keeps_the_run(worker: Worker) -> None:
    before = worker.state()["config"]
    with pytest.raises(gn.DataError, match=r"bad\.csv: line 3.*expected a number"):
        worker.upload_csv("bad.csv", "a,b,label\n1,2,0\n3,<b>x</b>,1\n")
    with pytest.raises(gn.DataError, match="at least 10 rows"):
        worker.upload_csv("short.csv", "1,2,0\n3,4,1\n")
    assert worker.state()["config"] == before
    result = worker.upload_csv("good.csv", _csv_text(60))
    assert result == {"rows": 60, "features": 3}
    assert worker.state()["config"]["dataset"] == "csv"


def _csv_text(m: int, seed: int = 0, regression: bool = False) -> str:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    if regression:  # real-valued labels: a regression with a linear output and MSE
        y = [f"{v:.4f}" for v in X[:, 0] - 2 * X[:, 2] + 0.1 * rng.normal(size=m)]
    else:  # labels 1 and 4: remapped to 0, 1
        y = [str(v) for v in (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) * 3 + 1]
    lines = ["f1,f2,f3,label"] + [f"{a:.5f},{b:.5f},{c:.5f},{t}" for (a, b, c), t in zip(X, y)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("settings,steps", [
    ({"hidden": [8, 8], "batch_size": 10}, 37),                                  # mid-epoch
    ({"dataset": "spirals", "n_classes": 3, "hidden": [6], "optimizer": "adam",
      "activation": "relu", "batch_size": None}, 5),                             # multiclass
    ({"dataset": "coffee", "hidden": [3], "initializer": "constant", "constant": 0.3,
      "batch_size": 1, "n_samples": 60}, 70),                                    # scaled, SGD 1
    ({"dataset": "csv", "hidden": [4], "optimizer": "rmsprop", "batch_size": 16}, 9),
    ({"dataset": "moons", "hidden": [8, 4], "dropout": 0.3, "regularization": "l2",
      "reg_rate": 0.01, "batch_size": 32}, 23),                                  # dropout, L2
    ({"dataset": "csv-regression", "hidden": [5], "optimizer": "adam", "batch_size": 8,
      "regularization": "l1", "reg_rate": 0.001}, 17),                           # regression
])
def test_the_exported_script_reproduces_the_weights_bit_for_bit(
        worker: Worker, tmp_path: Path, settings: dict[str, object], steps: int) -> None:
    if str(settings.get("dataset", "")).startswith("csv"):
        regression = settings["dataset"] == "csv-regression"
        worker.upload_csv("mine.csv", _csv_text(80, regression=regression))
        settings = {**settings, "dataset": "csv"}
    # the playground runs with one BLAS thread (glassnet play does); the script with the default
    with threadpool_limits(limits=1, user_api="blas"):
        worker.configure(parse_config(settings, worker.config))
        for _ in range(steps):
            worker.control("step")
    script = worker.export_script()
    (tmp_path / "playground-model.glassnet").write_bytes(worker.export_model())
    (tmp_path / "run.py").write_text(script)
    env = {**os.environ, "PYTHONPATH": str(Path(gn.__file__).parents[1])}
    done = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "equal to playground-model.glassnet bit for bit: True" in done.stdout
    replay = gn.load_model(tmp_path / "playground-replay.glassnet").get_weights()
    ours = worker.weights(0)
    assert worker.state()["step"] == steps
    for a, b in zip(ours, replay):
        np.testing.assert_array_equal(a, b)
    assert f"STEPS = {steps}" in script
    if settings.get("dataset") == "csv" and settings.get("regularization") == "l1":
        assert "MeanSquaredError" in script and "regularizers.l1(0.001)" in script


def test_the_script_notices_other_weights(worker: Worker, tmp_path: Path) -> None:
    worker.control("step")
    (tmp_path / "playground-model.glassnet").write_bytes(worker.export_model())
    worker.control("step")  # the script is for step 2, the model file for step 1
    (tmp_path / "run.py").write_text(worker.export_script())
    env = {**os.environ, "PYTHONPATH": str(Path(gn.__file__).parents[1])}
    done = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=env)
    assert "bit for bit: False" in done.stdout, done.stderr


def test_unit_history_comes_from_the_recorder(worker: Worker,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from glassnet.play import worker as worker_mod

    monkeypatch.setattr(worker_mod, "RECORDS_PER_LEVEL", 4)  # thin after 4 records
    worker.control("reset")
    for _ in range(24):
        worker.control("step")
    h = worker.unit_history(0, "hidden1", 2)
    # the initial record, steps 1..4, then every 2nd (4 records), every 4th, every 8th
    assert h["steps"] == [0, 1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24]
    assert len(h["metrics"]["weight_norm"]) == len(h["steps"])
    norms = np.linalg.norm(worker.weights(0)[0], axis=0)
    assert h["metrics"]["weight_norm"][-1] == pytest.approx(norms[2], rel=1e-5)
    with pytest.raises(gn.ConfigError, match="unit"):
        worker.unit_history(0, "hidden1", 99)
    with pytest.raises(gn.ConfigError, match="layer"):
        worker.unit_history(0, "nope", 0)


def test_digits_frames_carry_a_confusion_matrix(worker: Worker) -> None:
    import json

    worker.configure(parse_config({"dataset": "digits", "hidden": [16], "activation": "relu",
                                   "optimizer": "adam", "learning_rate": 0.01,
                                   "batch_size": 32}))
    worker.control("step_epoch")
    frame = json.loads(worker.frame_json)["variants"][0]
    counts = np.array(frame["confusion"])
    assert counts.shape == (10, 10) and counts.sum() == 899
    assert np.trace(counts) / counts.sum() > 0.5  # one epoch of Adam already sorts digits
    assert "boundary" not in frame and "thumbs" not in frame
    setup = json.loads(worker.setup_json)
    assert setup["image_shape"] == [8, 8] and setup["n_inputs"] == 64


def test_build_model_matches_the_source_it_exports() -> None:
    cfg = parse_config({"hidden": [3, 2], "initializer": "constant", "constant": 0.25})
    data = session.build_data(cfg)
    v = session.variants(cfg)[0]
    model = session.build_model(cfg, data, v)
    scope: dict[str, object] = {"gn": gn}
    exec(session.model_source(cfg, data, v), scope)
    other = scope["model"]
    assert isinstance(other, gn.Sequential)
    ours, theirs = model.get_config(), other.get_config()
    ours.pop("name"), theirs.pop("name")  # model names are numbered per process, like Keras
    assert ours == theirs


def test_play_stops_by_itself_at_the_stop_epoch(worker: Worker) -> None:
    import time

    worker.configure(parse_config({"stop_epochs": 3, "batch_size": 50}))  # 5 steps an epoch
    worker.control("play")
    for _ in range(200):
        if not worker.state()["playing"]:
            break
        time.sleep(0.05)
    assert worker.state()["step"] == 15 and not worker.state()["playing"]
    worker.control("play")  # at the stop already: nothing more
    time.sleep(0.2)
    assert worker.state()["step"] == 15


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow inside the diverging fit
def test_a_diverged_run_pauses_and_says_so(worker: Worker) -> None:
    import json

    worker.configure(parse_config({"learning_rate": 10.0, "activation": "linear",
                                   "batch_size": None}))
    with np.errstate(all="ignore"):
        for _ in range(40):
            worker.control("step")
            if worker.state()["error"]:
                break
    state = worker.state()
    assert state["error"] and "diverged" in state["error"] and "glorot_uniform" in state["error"]
    frame = json.loads(worker.frame_json)  # still valid JSON: NaN became null
    assert frame["variants"][0]["train_loss"] is None and frame["error"] == state["error"]
    assert worker.control("play")["playing"] is False  # no playing on NaN
    worker.control("reset")
    assert worker.state()["error"] is None and worker.state()["step"] == 0
