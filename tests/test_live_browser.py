"""LiveView in a real JupyterLab, driven through headless Chromium (Debian's ``chromium``).

The test starts JupyterLab on 127.0.0.1 (a random token, a free port, a temporary root with its
own Jupyter directories; see tests/jupyter_lab.py), opens notebooks in it and runs them with
JupyterLab's own "run all cells" command. It checks what the widget draws (unit canvases, the
symmetry meter, the flagged units, the links), the numbers it received (the float32 weights,
the losses) against what glassnet.inspect computes in the same kernel, the replay slider, that
the static snapshot is hidden where the widget runs, and that closing the tab during fit leaves
training unharmed. ``GLASSNET_LIVE_SHOTS=dir`` keeps the screenshots (early, middle, end).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anywidget  # noqa: F401  (the widget's front end; a missing one fails, never skips)
import jupyterlab  # noqa: F401
import numpy as np
import pytest
from playwright.sync_api import sync_playwright

from jupyter_lab import Lab, run_all
from test_play_browser import chromium_path

SHOTS = os.environ.get("GLASSNET_LIVE_SHOTS")

TRAIN = """
import json, time
import numpy as np
import glassnet as gn
from glassnet.inspect import LiveView, symmetry, unit_status

X, y = gn.datasets.load_digits(return_X_y=True)
model = gn.Sequential([
    gn.layers.Input(shape=(64,)),
    gn.layers.Dense(25, activation="relu", name="L1"),
    gn.layers.Dense(15, activation="relu", name="L2"),
    gn.layers.Dense(10, activation="linear", name="L3"),
], seed=1234)
model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
              optimizer=gn.optimizers.Adam(learning_rate=0.001), metrics=["accuracy"])
view = LiveView(X, updates_per_second=8)
# slowed down so the test can watch the epochs go by
slow = gn.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: time.sleep(SLEEP))
history = model.fit(X, y, epochs=EPOCHS, batch_size=32, validation_split=0.2, verbose=0,
                    callbacks=[view, slow])
"""

FACTS = """
facts = {
    "uid": view.uid, "failure": repr(view.failure), "epochs": len(history.epoch),
    "symmetry": {s.name: s.k_distinct for s in symmetry(model).layers},
    "flagged": [str(s) for s in unit_status(model, view.recorder.probe)],
    "W1": model.layers[0].get_weights()[0].ravel().tolist(),
    "epochs_recorded": view.epochs,
    "W1_at_3": view.frame(view.epochs[3])["weights"][0].ravel().tolist(),
    "loss": history.history["loss"][-1], "val_loss": history.history["val_loss"][-1],
}
with open("facts.json", "w") as fh:
    json.dump(facts, fh)
"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Any]]:
    root = tmp_path_factory.mktemp("lab") / "root"
    root.mkdir()
    server = Lab(root)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(),
                                         args=["--no-sandbox", "--disable-dev-shm-usage"])
            try:
                yield server, browser
            finally:
                browser.close()
    finally:
        server.stop()


def open_notebook(lab: tuple[Lab, Any], name: str, cells: list[str]) -> Any:
    server, browser = lab
    server.write_notebook(name, cells)
    page = browser.new_page(viewport={"width": 1200, "height": 2000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.goto(server.url(name))
    run_all(page)
    page.wait_for_selector(".glassnet-live", timeout=120_000)
    return page


def live(page: Any, expr: str) -> Any:
    """Evaluate ``expr`` on the page's (only) LiveView state ``G``."""
    return page.evaluate(f"() => {{ const G = Object.values(window.glassnetLive || {{}})[0]; "
                         f"return G ? ({expr}) : null; }}")


def wait_epoch(page: Any, epoch: int) -> None:
    page.wait_for_function(
        "e => { const G = Object.values(window.glassnetLive || {})[0]; "
        "return G && G.frame && G.frame.epoch >= e; }", arg=epoch, timeout=120_000)


def shot(page: Any, name: str, tmp: Path) -> np.ndarray:
    """Screenshot of the widget; kept in $GLASSNET_LIVE_SHOTS when set. Returns its pixels."""
    import matplotlib.image

    folder = Path(SHOTS) if SHOTS else tmp
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"liveview-{name}.png"
    page.locator(".glassnet-live").screenshot(path=str(path))
    pixels: np.ndarray = matplotlib.image.imread(str(path))
    return pixels


def has_link_colours(pixels: np.ndarray) -> tuple[bool, bool]:
    """Whether the picture holds the blue (positive) and orange (negative) of the links."""
    rgb = (pixels[..., :3] * 255).astype(int)
    blue = np.any((np.abs(rgb - [8, 119, 189]) < 40).all(axis=-1))
    orange = np.any((np.abs(rgb - [245, 147, 34]) < 40).all(axis=-1))
    return bool(blue), bool(orange)


def test_the_widget_trains_live_and_replays(lab: tuple[Lab, Any], tmp_path: Path) -> None:
    server, _ = lab
    page = open_notebook(lab, "live.ipynb", ["EPOCHS, SLEEP = 40, 0.08\n" + TRAIN, FACTS])
    # early: the widget draws while fit runs
    wait_epoch(page, 3)
    early = live(page, "[G.frame.epoch, G.frame.done, G.framesDrawn]")
    assert early[1] is False and early[2] >= 1
    pixels = shot(page, "1-early", tmp_path)
    assert has_link_colours(pixels) == (True, True)
    wait_epoch(page, 20)
    middle = live(page, "[G.frame.epoch, G.frame.done, G.framesDrawn]")
    assert middle[0] < 40 and middle[1] is False and middle[2] > early[2]
    shot(page, "2-middle", tmp_path)
    page.wait_for_function("() => { const G = Object.values(window.glassnetLive)[0]; "
                           "return G.frame.done; }", timeout=120_000)
    facts_path = server.root / "facts.json"
    deadline = time.monotonic() + 60
    while not facts_path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    facts = json.loads(facts_path.read_text())
    assert facts["failure"] == "None" and facts["epochs"] == 40
    time.sleep(0.3)  # the last frame's drawing (requestAnimationFrame)
    pixels = shot(page, "3-end", tmp_path)
    assert has_link_colours(pixels) == (True, True)
    root = page.locator(".glassnet-live")
    assert "epoch 40 of 40" in root.locator(".gl-status").inner_text()
    # what it drew: 25 weight images, 25 + 15 + 10 unit meters, 50 thumbnails, the links
    assert root.locator("canvas.gl-unit-image").count() == 25
    assert root.locator("canvas.gl-unit-meter").count() == 50
    assert live(page, "G.unitCanvases") == 75
    assert live(page, "G.thumbsDrawn") == 50
    assert live(page, "G.linksDrawn") == 256 + 256 + 150
    # the symmetry meter and the flagged units: as glassnet.inspect computes them
    meters = page.evaluate("() => [...document.querySelectorAll('.glassnet-live .meter')]"
                           ".map(m => [m.dataset.layer, +m.dataset.k, +m.dataset.n])")
    assert meters == [[name, k, n] for (name, k), n in
                      zip(facts["symmetry"].items(), [25, 15, 10])]
    for name, k in facts["symmetry"].items():
        assert f"{name}: {k} distinct of" in root.locator(".gl-symmetry").inner_text()
    flagged = root.locator(".gl-flagged li").all_inner_texts()
    assert flagged == (facts["flagged"] or ["none"])
    # the numbers it received: the model's float32 weights, bit for bit, and the losses
    w1 = live(page, "Array.from(G.decoded.w[0])")
    assert np.array_equal(np.asarray(w1, dtype=np.float32),
                          np.asarray(facts["W1"], dtype=np.float32))
    frame = live(page, "G.frame")
    assert abs(frame["loss"] - facts["loss"]) <= 1e-6 * max(1.0, facts["loss"])
    assert abs(frame["val_loss"] - facts["val_loss"]) <= 1e-6 * max(1.0, facts["val_loss"])
    # the static twin is there (for nbconvert and friends) but hidden where the widget runs
    snapshot = page.locator(f'.glassnet-live-snapshot[data-glassnet-view="{facts["uid"]}"]')
    assert snapshot.count() == 1 and not snapshot.is_visible()
    # replay: the slider's 4th position brings back that recorded epoch from the kernel
    epochs = facts["epochs_recorded"]
    assert epochs[0] == 0 and epochs[-1] == 40
    assert page.locator(".glassnet-live .gl-slider").get_attribute("max") == str(
        len(epochs) - 1)
    page.evaluate("() => { const s = document.querySelector('.glassnet-live .gl-slider'); "
                  "s.value = '3'; s.dispatchEvent(new Event('input')); }")
    page.wait_for_function("() => Object.values(window.glassnetLive)[0].frame.at === 3",
                           timeout=60_000)
    time.sleep(0.3)
    w1_at_3 = live(page, "Array.from(G.decoded.w[0])")
    assert np.array_equal(np.asarray(w1_at_3, dtype=np.float32),
                          np.asarray(facts["W1_at_3"], dtype=np.float32))
    assert "replay" in root.locator(".gl-status").inner_text()
    assert f"epoch {epochs[3]} of 40" in root.locator(".gl-status").inner_text()
    assert page.errors == []
    page.close()


def test_closing_the_tab_leaves_training_unharmed(lab: tuple[Lab, Any]) -> None:
    server, _ = lab
    after = """
import glassnet as gn
again = gn.Sequential([gn.layers.Input(shape=(64,)),
                       gn.layers.Dense(25, activation="relu", name="L1"),
                       gn.layers.Dense(15, activation="relu", name="L2"),
                       gn.layers.Dense(10, activation="linear", name="L3")], seed=1234)
again.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
              optimizer=gn.optimizers.Adam(learning_rate=0.001), metrics=["accuracy"])
again.fit(X, y, epochs=EPOCHS, batch_size=32, validation_split=0.2, verbose=0)
same = all(np.array_equal(a, b) for a, b in zip(model.get_weights(), again.get_weights()))
with open("closed.json", "w") as fh:
    json.dump({"epochs": len(history.epoch), "failure": repr(view.failure), "same": same}, fh)
"""
    page = open_notebook(lab, "closed.ipynb", ["EPOCHS, SLEEP = 60, 0.05\n" + TRAIN, after])
    wait_epoch(page, 3)
    page.close()  # the tab goes away in the middle of fit
    path = server.root / "closed.json"
    deadline = time.monotonic() + 120
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.3)
    result = json.loads(path.read_text())
    assert result == {"epochs": 60, "failure": "None", "same": True}
