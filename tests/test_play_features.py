"""The playground's round-2 controls without a browser: input features, regression sets,
typed weights (and their replay), the link that reopens a run bit for bit, the speed control."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import glassnet as gn
from glassnet.play import features, session
from glassnet.play.session import PlayConfig, decode_link, encode_link, parse_config
from glassnet.play.worker import Worker


@pytest.fixture
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.close()


def test_features_are_the_input_layer() -> None:
    cfg = parse_config({"dataset": "spirals", "features": ["sin x2", "x1", "x1*x2"]})
    assert cfg.features == ("x1", "x1*x2", "sin x2")  # kept in one order
    data = session.build_data(cfg)
    assert data.n_features == 3 and data.feature_names == ["x1", "x1*x2", "sin x2"]
    assert data.raw_train is not None
    raw = data.raw_train.astype(np.float32)
    np.testing.assert_array_equal(data.X_train[:, 1], raw[:, 0] * raw[:, 1])
    np.testing.assert_array_equal(data.X_train[:, 2], np.sin(raw[:, 1]))
    model = session.build_model(cfg, data, session.variants(cfg)[0])
    assert model.get_weights()[0].shape[0] == 3
    for bad in ([], ["x3"], ["x1", "x1"], "x1"):
        with pytest.raises(gn.ConfigError, match="features"):
            parse_config({"features": bad})


def test_setup_draws_each_input_feature(worker: Worker) -> None:
    import json
    worker.configure(parse_config({"features": list(features.FEATURES)}))
    setup = json.loads(worker.setup_json)
    assert setup["n_inputs"] == 7 and setup["features"] == list(features.FEATURES)
    assert len(setup["input_thumbs"]["scale"]) == 7


@pytest.mark.parametrize("dataset", ["plane", "mixture"])
def test_regression_trains_to_a_lower_loss(worker: Worker, dataset: str) -> None:
    worker.configure(parse_config({"dataset": dataset, "hidden": [8], "learning_rate": 0.03,
                                   "activation": "tanh"}))
    import json
    setup = json.loads(worker.setup_json)
    assert setup["task"] == "regression" and setup["layers"][-1]["activation"] == "linear"
    start = json.loads(worker.frame_json)["variants"][0]["train_loss"]
    for _ in range(4):
        worker.control("step_epoch")
    end = json.loads(worker.frame_json)["variants"][0]["train_loss"]
    assert end < 0.8 * start


def test_a_typed_weight_is_set_and_a_bad_one_changes_nothing(worker: Worker) -> None:
    worker.control("step")
    worker.edit_weight(0, 3, 1.25)
    w = worker.weights(0)
    assert w[0].flat[3] == np.float32(1.25)
    for args, name in [((0, 3, float("nan")), "value"), ((0, 3, float("inf")), "value"),
                       ((0, 3, 1e300), "value"), ((0, 3, "1"), "value"),
                       ((0, 10**6, 1.0), "index"), ((99, 0, 1.0), "weight"),
                       ((0, -1, 1.0), "index"), ((True, 0, 1.0), "weight")]:
        with pytest.raises(gn.ConfigError, match=name):
            worker.edit_weight(*args)
        for a, b in zip(w, worker.weights(0)):
            np.testing.assert_array_equal(a, b)


def test_the_export_replays_typed_weights_bit_for_bit(worker: Worker, tmp_path: Path) -> None:
    with threadpool_limits(limits=1, user_api="blas"):
        worker.configure(parse_config({"dataset": "mixture", "features": ["x1", "x2", "x1^2"],
                                       "hidden": [5], "optimizer": "adam"}))
        worker.edit_weight(1, 0, -0.5)          # before any step
        for _ in range(7):
            worker.control("step")
        worker.edit_weight(0, 4, 2.0)           # mid-run
        worker.edit_weight(2, 1, 0.75)
        worker.control("step_epoch")
        worker.edit_weight(3, 0, 0.125)         # at the last step
    (tmp_path / "playground-model.glassnet").write_bytes(worker.export_model())
    (tmp_path / "run.py").write_text(worker.export_script())
    env = {**os.environ, "PYTHONPATH": str(Path(gn.__file__).parents[1])}
    done = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=env)
    assert "bit for bit: True" in done.stdout, done.stderr
    # and without the typed weights the replay would differ
    script = worker.export_script()
    (tmp_path / "run.py").write_text(script.replace("EDITS = [", "EDITS = [][:0] + 0 * ["))
    done = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=env)
    assert "bit for bit: False" in done.stdout, done.stderr


def test_a_link_holds_every_setting_and_reads_back() -> None:
    cfg = parse_config({"dataset": "plane", "features": ["x1", "sin x2"], "hidden": [3, 2],
                        "batch_size": None, "learning_rate": 0.037, "regularization": "l1",
                        "reg_rate": 0.0003, "seed": 99, "data_seed": 7, "noise": 0.23})
    text = encode_link(cfg, 12, [(0, 3, 1, 2, 0.1)])
    assert "token" not in text
    back, step, edits, message = decode_link(text)
    assert (back, step, edits, message) == (cfg, 12, [(0, 3, 1, 2, 0.1)], None)
    assert decode_link("")[:3] == (PlayConfig(), 0, [])


@pytest.mark.parametrize("text,name", [
    ("dataset=circles&colour=red", "colour"), ("learning_rate=99", "learning_rate"),
    ("hidden=8,x", "hidden"), ("features=x9", "features"), ("seed=-3", "seed"),
    ("step=10000000", "step"), ("edit=0:1:2", "edit"), ("edit=0:5:0:0:1&step=2", "edit"),
    ("batch_size=0", "batch_size"), ("dataset=nope", "dataset"), ("noise=nan", "noise"),
])
def test_a_bad_link_opens_the_defaults_and_names_the_field(text: str, name: str) -> None:
    cfg, step, edits, message = decode_link(text)
    assert (cfg, step, edits) == (PlayConfig(), 0, [])
    assert message is not None and message.count(name) >= 1 and "defaults" in message


def test_a_link_reopens_identical_weights_bit_for_bit(worker: Worker) -> None:
    with threadpool_limits(limits=1, user_api="blas"):
        worker.configure(parse_config({"dataset": "spirals", "features": ["x1", "x2", "x1*x2"],
                                       "hidden": [6, 4], "compare": "seeds",
                                       "optimizer": "rmsprop", "learning_rate": 0.01}))
        for _ in range(5):
            worker.control("step")
        worker.set_focus(1)
        worker.edit_weight(2, 3, -1.5)
        worker.control("step_epoch")
        link = worker.link_state()
        ours = [worker.weights(i) for i in range(3)]
        other = Worker()  # another playground
        try:
            result = other.open_link(link)
            assert result["message"] is None and result["step"] == worker.state()["step"]
            for i in range(3):
                for a, b in zip(ours[i], other.weights(i)):
                    np.testing.assert_array_equal(a, b)
            assert other.link_state() == link
            bad = other.open_link("dataset=circles&wat=1")
            assert "wat" in bad["message"] and other.config == PlayConfig()
            bad = other.open_link("hidden=4&step=3&edit=0:1:0:999:0.5")  # no weight 999
            assert "index" in bad["message"] and other.config == PlayConfig()
            assert bad["step"] == 0 and other.state()["step"] == 0
        finally:
            other.close()


def test_speed_one_step_per_frame(worker: Worker) -> None:
    worker.set_speed(1)
    worker.control("play")
    time.sleep(0.6)
    worker.control("pause")
    state = worker.state()
    assert 3 <= state["step"] <= 0.7 * 25 + 2  # one step per frame, at most 25 frames/s
    for bad in (-1, 10**6, 1.5, True, None):
        with pytest.raises(gn.ConfigError, match="steps_per_frame"):
            worker.set_speed(bad)  # type: ignore[arg-type]
    assert worker.state()["steps_per_frame"] == 1
