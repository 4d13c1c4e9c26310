"""glassnet.inspect.LiveView without a browser: what it records and shows agrees with the
instruments of glassnet.inspect; the static snapshot where widgets do not run (a notebook
executed by nbclient); nothing in a terminal; bad models and failures never break fit."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ArgumentTypeError, ConfigError, GlassnetWarning
from glassnet.inspect import LiveView, symmetry, unit_status
from glassnet.inspect.live import image_shape_for

SRC = Path(__file__).resolve().parents[1] / "src"


def digits_model(seed: int = 1234, hidden: tuple[int, ...] = (25, 15)) -> gn.Sequential:
    layers: list[object] = [gn.layers.Input(shape=(64,))]
    layers += [gn.layers.Dense(h, activation="relu", name=f"L{i + 1}")
               for i, h in enumerate(hidden)]
    layers.append(gn.layers.Dense(10, activation="linear", name=f"L{len(hidden) + 1}"))
    model = gn.Sequential(layers, seed=seed)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=gn.optimizers.Adam(learning_rate=0.001), metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = gn.datasets.load_digits(return_X_y=True)
    return X, y


def test_records_agree_with_the_instruments(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    model = digits_model()
    view = LiveView(X, mode="widget")  # no kernel: the widget's messages go nowhere
    model.fit(X, y, epochs=6, batch_size=32, validation_split=0.2, verbose=0, callbacks=[view])
    assert view.failure is None
    # the initial weights, then every 2nd epoch: on this small model a reading every epoch
    # would cost more than 3% of an epoch (see LiveView._record_every)
    assert view.epochs == [0, 2, 4, 6]
    last = view.frame(-1)
    # the weights shown are the model's, to the last bit (float32)
    for (W, b), (Ws, bs) in zip([layer.get_weights() for layer in model.layers],
                                zip(last["weights"][0::2], last["weights"][1::2])):
        assert np.array_equal(Ws, W) and np.array_equal(bs, b)
    # the symmetry meter and the flagged units are symmetry() and unit_status() on the probe
    report = symmetry(model)
    assert [(s["layer"], s["k"], s["n"], s["groups"]) for s in last["symmetry"]] == \
        [(s.name, s.k_distinct, s.n_units, s.groups) for s in report.layers]
    assert view.recorder is not None and view.recorder.probe is not None
    flagged = unit_status(model, view.recorder.probe)
    assert [(f["layer"], f["unit"], f["status"], f["text"]) for f in last["flagged"]] == \
        [(s.layer, s.unit, s.status, str(s)) for s in flagged]
    # firing rates and weight norms are the recorder's readings at that epoch
    hist = view.recorder.history
    for l, name in enumerate(["L1", "L2", "L3"]):
        assert hist[name]["weight_norm"].shape[0] == 4  # the recorder's records are the view's
        np.testing.assert_allclose(last["weight_norm"][l], hist[name]["weight_norm"][-1],
                                   rtol=1e-6)
        np.testing.assert_allclose(last["firing"][l], hist[name]["firing_rate"][-1],
                                   rtol=1e-6)
    # the widget holds the last frame: the same bytes and numbers
    w = view.widget
    assert w.frame["epoch"] == 6 and w.frame["done"] is True and w.records == 4
    assert bytes(w.weights) == view._records[-1].weights
    assert [p[0] for p in w.curve] == [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose([p[1] for p in w.curve], model.history.history["loss"],
                               rtol=1e-5)
    np.testing.assert_allclose([p[2] for p in w.curve], model.history.history["val_loss"],
                               rtol=1e-5)


def test_replay_shows_each_epoch_as_it_was(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    model = digits_model()
    seen: list[np.ndarray] = []
    keep = gn.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(model.layers[0].get_weights()[0].copy()))
    view = LiveView(X, mode="widget", record_every=1)
    first = model.layers[0].get_weights()[0].copy()
    model.fit(X, y, epochs=4, batch_size=64, verbose=0, callbacks=[view, keep])
    assert np.array_equal(view.frame(0)["weights"][0], first)
    for epoch in range(1, 5):
        assert np.array_equal(view.frame(epoch)["weights"][0], seen[epoch - 1])
    # the slider's position: the widget then holds that epoch's frame (no retraining)
    view.show(2)
    assert view.widget.frame["at"] == 2 and view.widget.frame["epoch"] == 2
    assert bytes(view.widget.weights) == view._records[2].weights
    with pytest.raises(ConfigError, match="epoch: expected one of the recorded epochs 0..4"):
        view.show(9)
    # every 3rd epoch, and the last one always
    model = digits_model()
    sparse = LiveView(X, mode="widget", record_every=3)
    model.fit(X, y, epochs=7, batch_size=64, verbose=0, callbacks=[sparse])
    assert sparse.epochs == [0, 3, 6, 7]
    assert np.array_equal(sparse.frame(7)["weights"][0], model.layers[0].get_weights()[0])
    assert sparse.recorder is not None and list(sparse.recorder.epochs) == [0, 3, 6]
    with pytest.raises(ArgumentTypeError, match="epoch: expected an integer"):
        view.frame(1.5)  # type: ignore[arg-type]


def test_a_collapsed_layer_reads_one_distinct_unit(digits: tuple[np.ndarray, np.ndarray]
                                                   ) -> None:
    X, y = digits
    model = gn.Sequential([gn.layers.Input(shape=(64,)),
                           gn.layers.Dense(6, activation="tanh", kernel_initializer="zeros",
                                           name="h"),
                           gn.layers.Dense(10, kernel_initializer="zeros", name="out")],
                          seed=0)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam")
    view = LiveView(X, mode="widget")
    model.fit(X, y, epochs=2, verbose=0, callbacks=[view])
    sym = {s["layer"]: (s["k"], s["n"], s["groups"]) for s in view.frame()["symmetry"]}
    assert sym["h"] == (1, 6, [[0, 1, 2, 3, 4, 5]])
    assert symmetry(model).k_distinct == {"h": 1, "out": sym["out"][0]}


def test_the_terminal_gets_nothing(tmp_path: Path) -> None:
    """Outside a kernel mode "auto" is "off": no output, no hook runs, the same training."""
    code = textwrap.dedent("""
        import json, numpy as np, glassnet as gn
        from glassnet.inspect import LiveView
        X, y = gn.datasets.load_digits(return_X_y=True)
        def model():
            m = gn.Sequential([gn.layers.Input(shape=(64,)), gn.layers.Dense(8, activation="relu"),
                               gn.layers.Dense(10)], seed=3)
            m.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer="adam")
            return m
        a, b = model(), model()
        view = LiveView(X)
        a.fit(X, y, epochs=2, verbose=0)
        b.fit(X, y, epochs=2, verbose=0, callbacks=[view])
        same = all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))
        print(json.dumps({"mode": view.mode, "same": same, "records": len(view.epochs),
                          "widget": view.widget is None, "sent": view.sent}))
    """)
    done = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", code],
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout.strip().splitlines()
    assert len(out) == 1  # nothing printed but the test's own line
    assert json.loads(out[0]) == {"mode": "off", "same": True, "records": 0, "widget": True,
                                  "sent": 0}


def test_a_model_without_dense_layers_says_so_once_and_trains(
        digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    model = gn.Sequential([gn.layers.Input(shape=(64,)), gn.layers.Activation("tanh")], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    view = LiveView(X, mode="widget")
    with pytest.warns(GlassnetWarning, match="no Dense layer") as caught:
        model.fit(X, X * 0.5, epochs=3, verbose=0, callbacks=[view])
    assert sum("no Dense layer" in str(w.message) for w in caught) == 1
    assert view.failure is None and view.epochs[-1] == 3
    assert view.widget.setup["layers"] == [] and "no Dense layer" in view.widget.setup[
        "notices"][0]
    assert len(view.widget.curve) == 3


def test_too_many_units_show_the_largest_and_say_so(digits: tuple[np.ndarray, np.ndarray]
                                                    ) -> None:
    X, y = digits
    X784 = np.tile(X, (1, 13))[:, :784]
    model = gn.Sequential([gn.layers.Input(shape=(784,)),
                           gn.layers.Dense(100, activation="relu", name="wide"),
                           gn.layers.Dense(10, name="out")], seed=2)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam")
    W = model.layers[0].get_weights()[0]
    largest = np.sort(np.argsort(-np.linalg.norm(W.astype(np.float64), axis=0))[:64])
    view = LiveView(X784, mode="widget", max_units=64)
    with pytest.warns(GlassnetWarning) as caught:
        model.fit(X784, y, epochs=2, verbose=0, callbacks=[view])
    texts = [str(w.message) for w in caught]
    assert sum("'wide' has 100 units, more than the 64" in t for t in texts) == 1
    assert sum("784 inputs are more than the 64" in t for t in texts) == 1
    assert view.failure is None
    setup = view.widget.setup
    assert setup["layers"][0]["shown"] == largest.tolist()
    assert setup["images"] == [28, 28] and setup["image_shape"] is None
    assert setup["n_inputs"] == 64 and len(setup["inputs"]) == 64
    # the drawn weights are the model's, for the drawn inputs and units
    frame = view.frame()
    W_now = model.layers[0].get_weights()[0]
    assert np.array_equal(frame["weights"][0], W_now[np.ix_(setup["inputs"], largest)])
    # the symmetry meter still counts every unit of the layer
    assert frame["symmetry"][0]["n"] == 100


def test_a_failure_inside_the_view_never_stops_fit(digits: tuple[np.ndarray, np.ndarray],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = digits
    model = digits_model(hidden=(8,))
    view = LiveView(X, mode="widget")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the front end is gone")

    monkeypatch.setattr(view, "_push", broken)
    with pytest.warns(GlassnetWarning, match="LiveView stopped drawing .*front end is gone"):
        history = model.fit(X, y, epochs=3, verbose=0, callbacks=[view])
    assert len(history.epoch) == 3 and isinstance(view.failure, RuntimeError)


def test_bad_arguments_name_the_argument() -> None:
    with pytest.raises(ConfigError, match="mode: expected one of auto, widget, static, off"):
        LiveView(mode="loud")
    with pytest.raises(ConfigError, match="data and probe: give one, not both"):
        LiveView(np.zeros((2, 2)), probe=np.zeros((2, 2)))
    with pytest.raises(ArgumentTypeError, match=r"image_shape: expected \(height, width\)"):
        LiveView(image_shape=(8,))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="max_units: expected an integer >= 1, got 0"):
        LiveView(max_units=0)
    with pytest.raises(ConfigError, match="updates_per_second"):
        LiveView(updates_per_second=0)
    assert image_shape_for(64) == (8, 8) and image_shape_for(784) == (28, 28)
    assert image_shape_for(10) is None


def test_the_keras_bridge_takes_it_as_a_callback(digits: tuple[np.ndarray, np.ndarray]
                                                 ) -> None:
    from glassnet import tf

    X, y = digits
    model = tf.keras.Sequential([tf.keras.Input(shape=(64,)),
                                 tf.keras.layers.Dense(12, activation="relu"),
                                 tf.keras.layers.Dense(10)])
    model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam")
    view = LiveView(X, mode="widget", record_every=1)
    model.fit(X, y, epochs=2, verbose=0, callbacks=[view])
    assert view.failure is None and view.epochs == [0, 1, 2]
    assert view.frame()["symmetry"][0]["n"] == 12


def test_two_dimensional_inputs_get_activation_maps() -> None:
    X, y = _circles()
    model = gn.Sequential([gn.layers.Input(shape=(2,)),
                           gn.layers.Dense(5, activation="tanh", name="h"),
                           gn.layers.Dense(1, activation="sigmoid", name="out")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    view = LiveView(X, mode="widget")
    model.fit(X, y, epochs=2, verbose=0, callbacks=[view])
    setup = view.widget.setup
    assert setup["extent"] is not None and setup["thumb"] == 24
    thumbs = np.frombuffer(bytes(view.widget.thumbs), dtype=np.uint8)
    assert thumbs.size == (5 + 1) * 24 * 24
    # unit h[0]'s map is its activation over the grid, scaled to its largest magnitude
    from glassnet.inspect.live import GRID, _grid

    a = np.tanh(_grid(tuple(setup["extent"]), GRID, np.float64)
                @ model.layers[0].get_weights()[0].astype(np.float64)
                + model.layers[0].get_weights()[1])[:, 0]
    expected = np.clip(np.rint((a / np.abs(a).max() + 1) * 127.5), 0, 255)
    assert np.max(np.abs(thumbs[:GRID * GRID].astype(float) - expected)) <= 1


def _circles() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    r = np.where(rng.random(200) < 0.5, 0.5, 1.0)
    t = rng.uniform(0, 2 * np.pi, 200)
    X = np.stack([r * np.cos(t), r * np.sin(t)], axis=1) + rng.normal(0, 0.05, (200, 2))
    return X.astype(np.float32), (r < 0.75).astype(np.int64)


def test_static_snapshot_in_a_notebook_run_by_nbclient(tmp_path: Path) -> None:
    """nbclient has no widget manager: the notebook keeps a static HTML snapshot (one output,
    updated in place) with the final epoch's numbers, next to the widget's placeholder."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    source = textwrap.dedent("""
        import sys; sys.path.insert(0, %r)
        import glassnet as gn
        from glassnet.inspect import LiveView, symmetry, unit_status
        X, y = gn.datasets.load_digits(return_X_y=True)
        model = gn.Sequential([gn.layers.Input(shape=(64,)),
                               gn.layers.Dense(25, activation="relu", name="L1"),
                               gn.layers.Dense(10, name="L2")], seed=1234)
        model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer="adam")
        view = LiveView(X, snapshots_per_second=1000)
        history = model.fit(X, y, epochs=5, verbose=0, validation_split=0.2, callbacks=[view])
    """) % str(SRC)
    check = ("print('RESULT', view.mode, view.failure, len(unit_status(model, "
             "view.recorder.probe)), view.snapshots, repr(history.history['loss'][-1]))")
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell(source), nbformat.v4.new_code_cell(check)]
    nbclient.NotebookClient(book, timeout=180, kernel_name="python3").execute()
    outs = book.cells[0].outputs
    kinds = [sorted(o.get("data", {})) for o in outs if o["output_type"] == "display_data"]
    assert kinds == [["application/vnd.jupyter.widget-view+json", "text/plain"],
                     ["text/html", "text/plain"]]
    html = [o["data"]["text/html"] for o in outs if "text/html" in o.get("data", {})][0]
    result = [o["text"] for o in book.cells[1].outputs if o.get("name") == "stdout"][0]
    _, mode, failure, n_flagged, snapshots, loss = result.split()
    assert mode == "widget" and failure == "None"
    assert int(snapshots) >= 5  # one per epoch (rate unbounded here), updated in place
    assert "epoch 5 of 5" in html and "static snapshot" in html
    assert f"loss {float(loss):.4g}" in html
    assert "L1: 25 distinct of 25" in html and "L2: 10 distinct of 10" in html
    assert html.count('class="unit-image"') == 25  # the first layer's 8x8 weight images
    assert html.count("<li>") == int(n_flagged) or (int(n_flagged) == 0 and "none" in html)


def test_long_epochs_get_frames_in_between(digits: tuple[np.ndarray, np.ndarray]) -> None:
    """An epoch longer than the update interval is shown during the epoch too (live frames:
    a fractional epoch, the running loss), at most updates_per_second times a second; the
    replay keeps whole epochs only."""
    import time

    X, y = digits
    model = digits_model(hidden=(8,))
    view = LiveView(X, mode="widget", updates_per_second=20, frames_within_epochs=True)
    frames: list[dict[str, object]] = []
    view.widget.observe(lambda change: frames.append(change["new"]), names="frame")
    pause = gn.callbacks.LambdaCallback(on_batch_end=lambda step, logs: time.sleep(0.01))
    t0 = time.perf_counter()
    model.fit(X[:640], y[:640], epochs=2, batch_size=32, verbose=0, callbacks=[view, pause])
    seconds = time.perf_counter() - t0
    live = [f for f in frames if f["live"]]
    assert live, "no frame during an epoch"
    assert all(0 < float(f["epoch"]) % 1 for f in live)  # type: ignore[arg-type]
    assert all(f["loss"] is not None for f in live)
    epochs = [float(f["epoch"]) for f in frames]  # type: ignore[arg-type]
    assert epochs == sorted(epochs) and epochs[-1] == 2.0
    assert len(frames) <= 20 * seconds + 3  # the throttle (+ first, last, rounding)
    assert view.epochs[0] == 0 and view.epochs[-1] == 2 and view.failure is None
    # by default a small model's epochs are drawn at their ends only: no per-step hook
    quick = LiveView(X, mode="widget")
    quick.set_model(model)
    quick.set_params({"samples": 640})
    assert quick._skips_hook("on_batch_end") and not quick._skips_hook("on_epoch_end")
    quick.set_params({"samples": 60_000 * 100})
    assert not quick._skips_hook("on_batch_end")
