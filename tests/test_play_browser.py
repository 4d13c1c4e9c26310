"""The playground end to end, in a real headless Chromium (Debian's ``chromium``).

One server and one browser page serve every test of this module. ``make test`` installs
Chromium first (``.ci/ensure-chromium``); without it these tests fail, they never skip.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

from glassnet.play import PlayServer, start

SHOTS = Path(os.environ.get("GLASSNET_PLAY_SHOTS", "")) if os.environ.get(
    "GLASSNET_PLAY_SHOTS") else None


def chromium_path() -> str:
    for candidate in (os.environ.get("GLASSNET_CHROMIUM"), "/usr/bin/chromium",
                      "/usr/bin/chromium-browser", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("Chromium is missing: run `bash .ci/ensure-chromium` (make test does)")


@pytest.fixture(scope="module")
def play() -> Iterator[tuple[PlayServer, Any]]:
    server = start(blas_threads=1)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(),
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        errors: list[str] = []
        strict = browser.new_page()  # the page under its own Content Security Policy
        strict.on("pageerror", lambda exc: errors.append(str(exc)))
        strict.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
                  and "Content Security Policy" in msg.text else None)
        strict.goto(server.url)
        for _ in range(200):
            if strict.evaluate("() => window.glassnet.framesDrawn") > 0:
                break
            strict.wait_for_timeout(50)
        assert strict.evaluate("() => window.glassnet.framesDrawn") > 0
        strict.close()
        # the tests' own predicates are strings evaluated in the page: allow them
        page = browser.new_page(viewport={"width": 1400, "height": 1000},
                                accept_downloads=True, bypass_csp=True)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url)
        page.wait_for_function("window.glassnet.framesDrawn > 0", timeout=20_000)
        page.errors = errors  # type: ignore[attr-defined]
        try:
            yield server, page
        finally:
            browser.close()
            server.stop()
    assert not errors, errors


def configure(page: Any, **settings: Any) -> None:
    """Send settings as the page does and wait for the new run's first frame."""
    old = page.evaluate("window.glassnet.setup.run_id")
    page.evaluate("cfg => fetch('/api/config', {method: 'POST', headers: {'Content-Type': "
                  "'application/json', 'X-Glassnet-Token': document.querySelector("
                  "'meta[name=glassnet-token]').content}, body: JSON.stringify(cfg)})",
                  {**defaults(), **settings})
    wait_new_run(page, old)


def defaults() -> dict[str, Any]:
    return {"dataset": "circles", "hidden": [8, 8], "activation": "tanh",
            "initializer": "glorot_uniform", "optimizer": "sgd", "learning_rate": 0.1,
            "batch_size": 10, "seed": 1, "compare": "none", "dropout": 0.0,
            "regularization": "none", "stop_epochs": 0}


def wait_new_run(page: Any, old: str) -> None:
    page.wait_for_function(
        "old => { const g = window.glassnet; return g.setup && g.setup.run_id !== old && "
        "g.frame && g.frame.run_id === g.setup.run_id; }", arg=old, timeout=20_000)


def wait_step(page: Any, step: int) -> None:
    page.wait_for_function("s => window.glassnet.frame && window.glassnet.frame.step === s "
                           "&& !window.glassnet.frame.playing", arg=step, timeout=20_000)


def weights(page: Any) -> list[str]:
    """The exact float32 weights (base64) of the network in focus, as drawn."""
    out: list[str] = page.evaluate(
        "window.glassnet.frame.variants[window.glassnet.frame.focus].weights")
    return out


def floats(b64: str) -> np.ndarray:
    import base64

    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


def test_play_trains_and_the_loss_falls(play: tuple[PlayServer, Any]) -> None:
    server, page = play
    configure(page, stop_epochs=40)  # Play pauses by itself after 40 epochs of 25 steps
    first = page.evaluate("window.glassnet.frame.variants[0].test_loss")
    drawn = page.evaluate("window.glassnet.framesDrawn")
    page.click("#play")
    wait_step(page, 1000)
    frame = page.evaluate("window.glassnet.frame")
    assert frame["variants"][0]["test_loss"] < 0.2 * first
    assert page.evaluate("window.glassnet.framesDrawn") > drawn
    assert page.evaluate("window.glassnet.curve.length") >= 3
    counter = page.inner_text("#counter")
    assert f"step {frame['step']:,}" in counter and "samples" in counter and "epoch" in counter


def test_one_step_moves_every_weight_and_reset_replays_it(play: tuple[PlayServer, Any]) -> None:
    server, page = play
    configure(page)
    start = weights(page)
    page.click("#step")
    wait_step(page, 1)
    after = weights(page)
    for w0, w1 in zip(start, after):
        assert np.all(floats(w0) != floats(w1))
    old = page.evaluate("window.glassnet.setup.run_id")
    page.click("#reset")
    wait_new_run(page, old)
    assert page.evaluate("window.glassnet.frame.step") == 0
    assert weights(page) == start
    page.click("#step")
    wait_step(page, 1)
    assert weights(page) == after  # the same first step, bit for bit
    old = page.evaluate("window.glassnet.setup.run_id")
    page.click("#new-init")
    wait_new_run(page, old)
    assert weights(page) != start
    assert page.input_value("#seed") != "1"


def test_hover_and_click_read_the_unit(play: tuple[PlayServer, Any]) -> None:
    server, page = play
    configure(page, activation="relu")
    page.click("#step-epoch")
    wait_step(page, 25)
    unit = page.locator('#net .unit[data-layer="1"][data-unit="3"]')
    unit.hover()
    tip = page.inner_text("#tooltip")
    assert "hidden1[3]  (relu)" in tip and "pre-activation z:" in tip and "firing rate" in tip
    unit.click()
    page.wait_for_selector("#unit-panel:not([hidden])", timeout=10_000)
    assert "hidden1[3] over training (NeuronRecorder" in page.inner_text("#unit-title")
    assert "weight_norm" in page.inner_text("#unit-legend")
    # a link: halfway between input 0 and hidden1[0]
    box = page.locator("#net").bounding_box()
    a, b = page.evaluate("""() => { const n = document.querySelectorAll('#net .unit');
        const r = [...n].map(e => e.getBoundingClientRect());
        const i0 = [...n].findIndex(e => e.dataset.layer === '0' && e.dataset.unit === '0');
        const h0 = [...n].findIndex(e => e.dataset.layer === '1' && e.dataset.unit === '0');
        return [r[i0], r[h0]].map(q => [q.right, q.left, q.top + q.height / 2]); }""")
    assert box is not None
    page.mouse.move((a[0] + b[1]) / 2, (a[2] + b[2]) / 2)
    tip = page.inner_text("#tooltip")
    assert tip.startswith("weight input x1 -> hidden1[0]: ")
    expected = floats(weights(page)[0])[0]
    assert abs(float(tip.rsplit(" ", 1)[1]) - expected) <= 1e-4 * max(1.0, abs(expected))


def test_zeros_against_random_side_by_side(play: tuple[PlayServer, Any]) -> None:
    server, page = play
    old = page.evaluate("window.glassnet.setup.run_id")
    page.select_option("#compare", "inits")
    wait_new_run(page, old)
    page.click("#step-epoch")
    page.wait_for_function("window.glassnet.frame.step === 25", timeout=20_000)
    page.click("#step-epoch")
    page.wait_for_function("window.glassnet.frame.step === 50", timeout=20_000)
    meters = page.evaluate(
        "[...document.querySelectorAll('#symmetry .meter')].map(m => "
        "[+m.dataset.variant, m.dataset.layer, +m.dataset.k, +m.dataset.n])")
    hidden1 = {v: (k, n) for v, layer, k, n in meters if layer == "hidden1"}
    assert hidden1 == {0: (1, 8), 1: (1, 8), 2: (8, 8)}
    assert "zeros · hidden1: 1 distinct of 8" in page.inner_text("#symmetry")
    assert "glorot_uniform · hidden1: 8 distinct of 8" in page.inner_text("#symmetry")
    assert page.locator("#cards .card").count() == 3
    page.locator("#cards .card").nth(2).click()
    page.wait_for_function("window.glassnet.frame.focus === 2", timeout=10_000)
    shot(page, "side-by-side")
    configure(page)  # back to one network


def test_upload_a_csv_and_train_on_it(play: tuple[PlayServer, Any], tmp_path: Path) -> None:
    server, page = play
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    path = tmp_path / "my data.csv"
    path.write_text("a,b,c,label\n" + "".join(
        f"{r[0]:.4f},{r[1]:.4f},{r[2]:.4f},{t}\n" for r, t in zip(X, y)))
    configure(page, stop_epochs=20)  # kept by the upload's run: 20 epochs of 15 steps
    old = page.evaluate("window.glassnet.setup.run_id")
    page.set_input_files("#csv-file", str(path))
    wait_new_run(page, old)
    setup = page.evaluate("window.glassnet.setup")
    assert setup["n_inputs"] == 3 and setup["config"]["dataset"] == "csv"
    assert "my data.csv" in page.inner_text("#data-info")
    first = page.evaluate("window.glassnet.frame.variants[0].test_loss")
    page.click("#play")
    wait_step(page, 300)
    assert page.evaluate("window.glassnet.frame.variants[0].test_loss") < 0.5 * first
    assert page.is_visible("#confusion")  # 3 features: a confusion matrix, no plane
    counts = np.array(page.evaluate("window.glassnet.confusion"))
    assert counts.shape == (2, 2) and counts.sum() == 150 and np.trace(counts) > 120
    shot(page, "csv")


def test_a_malformed_csv_shows_the_error_as_text(play: tuple[PlayServer, Any],
                                                 tmp_path: Path) -> None:
    server, page = play
    before = page.evaluate("window.glassnet.setup.run_id")
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,label\n1,2,0\n3,<img src=x onerror=alert(1)>,1\n" + "1,2,0\n" * 20)
    page.set_input_files("#csv-file", str(bad))
    page.wait_for_function("document.getElementById('csv-error').textContent.length > 0",
                           timeout=10_000)
    message = page.inner_text("#csv-error")
    assert "bad.csv: line 3" in message and "expected a number" in message
    assert "<img src=x" in message                       # shown as text ...
    assert page.locator("#csv-error img").count() == 0   # ... never as HTML
    assert page.evaluate("window.glassnet.setup.run_id") == before


def test_export_downloads_the_model_and_the_script(play: tuple[PlayServer, Any]) -> None:
    server, page = play
    configure(page)
    page.click("#step")
    wait_step(page, 1)
    with page.expect_download() as info:
        page.click("#export-script")
    script = Path(info.value.path()).read_text()
    assert info.value.suggested_filename == "playground_run.py" and "STEPS = 1" in script
    with page.expect_download() as info:
        page.click("#export-model")
    assert Path(info.value.path()).read_bytes()[:2] == b"PK"  # the .npz (zip) model file


def test_the_page_is_drawn(play: tuple[PlayServer, Any]) -> None:
    """A screenshot that is not blank, and the panels drawn in it."""
    import matplotlib.image

    server, page = play
    configure(page, hidden=[6, 6], dataset="xor", stop_epochs=12)
    page.click("#play")
    wait_step(page, 300)
    png = page.screenshot(full_page=True)
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "playground.png").write_bytes(png)
    image = matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3]
    colours = np.unique((image[::4, ::4] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert image.std() > 0.05 and len(colours) > 200
    # the decision boundary holds both class colours; the network has 6 + 6 + 1 thumbnails
    boundary = page.evaluate("""() => { const c = document.getElementById('boundary');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let blue = 0, orange = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 2] > d[i] + 40) blue++; else if (d[i] > d[i + 2] + 40) orange++; }
        return [blue, orange]; }""")
    assert min(boundary) > 2000
    assert page.evaluate("window.glassnet.thumbsDrawn") == 13
    assert page.evaluate("window.glassnet.linksDrawn") == 2 * 6 + 6 * 6 + 6


def shot(page: Any, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
