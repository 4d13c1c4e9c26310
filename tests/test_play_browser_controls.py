"""The playground's round-2 controls in a real headless Chromium: input features, the
settings fields that follow their menus, regression, typed weights (in the next frame and in
the export), the link that reopens the same weights bit for bit, and the speed control."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

import glassnet as gn
from glassnet.play import PlayServer, start
from test_play_browser import chromium_path, wait_new_run, wait_step, weights
from test_play_browser import configure as configure_base

SHOTS = Path(os.environ["GLASSNET_PLAY_SHOTS"]) if os.environ.get("GLASSNET_PLAY_SHOTS") \
    else None


@pytest.fixture(scope="module")
def play() -> Iterator[tuple[PlayServer, Any, Any]]:
    server = start(blas_threads=1)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(),
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        errors: list[str] = []
        page = browser.new_page(viewport={"width": 1400, "height": 1000},
                                accept_downloads=True, bypass_csp=True)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url)
        page.wait_for_function("window.glassnet.framesDrawn > 0", timeout=20_000)
        try:
            yield server, browser, page
        finally:
            browser.close()
            server.stop()
    assert not errors, errors


def configure(page: Any, **settings: Any) -> None:
    configure_base(page, **{"features": ["x1", "x2"], **settings})


def shot(page: Any, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_feature_switch_changes_the_input_layer(play: tuple[PlayServer, Any, Any]) -> None:
    server, _, page = play
    configure(page)
    assert page.locator('#net .unit[data-layer="0"]').count() == 2
    old = page.evaluate("window.glassnet.setup.run_id")
    page.check('#features input[value="x1^2"]')
    wait_new_run(page, old)
    setup = page.evaluate("window.glassnet.setup")
    assert setup["n_inputs"] == 3 and setup["features"] == ["x1", "x2", "x1^2"]
    assert page.locator('#net .unit[data-layer="0"]').count() == 3
    assert len(setup["input_thumbs"]["scale"]) == 3
    assert len(floats(weights(page)[0])) == 3 * 8  # the first layer reads three inputs
    # the spiral lesson, one click each: every feature with 8 hidden units, or x1, x2 only
    old = page.evaluate("window.glassnet.setup.run_id")
    page.click("#lesson-spiral-raw")
    wait_new_run(page, old)
    setup = page.evaluate("window.glassnet.setup")
    assert setup["config"]["dataset"] == "spirals" and setup["n_inputs"] == 2
    assert setup["config"]["hidden"] == [16, 16]
    old = page.evaluate("window.glassnet.setup.run_id")
    page.click("#lesson-spiral")
    wait_new_run(page, old)
    setup = page.evaluate("window.glassnet.setup")
    assert setup["config"]["dataset"] == "spirals" and setup["n_inputs"] == 7
    assert [layer["name"] for layer in setup["layers"]] == ["hidden1", "output"]
    assert setup["config"]["optimizer"] == "adam"
    assert page.locator('#net .unit[data-layer="0"]').count() == 7
    assert all(page.is_checked(f'#features input[value="{f}"]')
               for f in ("x1", "sin x2", "x1*x2"))
    page.fill("#stop_epochs", "150")
    old = page.evaluate("window.glassnet.setup.run_id")
    page.dispatch_event("#stop_epochs", "change")
    wait_new_run(page, old)
    page.click("#play")
    wait_step(page, 150 * 25)  # the right features: a small network learns the spiral
    assert page.evaluate("window.glassnet.frame.variants[0].test_acc") > 0.85
    shot(page, "features-spiral")
    configure(page)
    assert page.locator('#net .unit[data-layer="0"]').count() == 2


def test_settings_fields_follow_their_menus_every_time(
        play: tuple[PlayServer, Any, Any]) -> None:
    server, _, page = play
    configure(page)
    changes = [("#initializer", "constant", ".const", True),
               ("#initializer", "glorot_uniform", ".const", False),
               ("#regularization", "l1", ".reg", True),
               ("#regularization", "none", ".reg", False),
               ("#dataset", "digits", ".features", False),
               ("#dataset", "moons", ".features", True),
               ("#dataset", "spirals", ".classes", True),
               ("#dataset", "circles", ".classes", False)]
    misses = []
    for round_ in range(3):
        for select, value, field, shown in changes:
            old = page.evaluate("window.glassnet.setup.run_id")
            page.select_option(select, value)
            if page.is_visible(field) != shown:  # at once, before the server answers
                misses.append((round_, value, "at once"))
            wait_new_run(page, old)
            page.wait_for_timeout(30)
            if page.is_visible(field) != shown:  # and after the new run's setup
                misses.append((round_, value, "after setup"))
    assert not misses


def test_regression_trains_to_a_lower_loss(play: tuple[PlayServer, Any, Any]) -> None:
    server, _, page = play
    configure(page, dataset="mixture", hidden=[8, 8], learning_rate=0.03, stop_epochs=30)
    setup = page.evaluate("window.glassnet.setup")
    assert setup["task"] == "regression" and setup["layers"][-1]["activation"] == "linear"
    assert "Output over the plane" in (page.text_content("#decision-title") or "")
    first = page.evaluate("window.glassnet.frame.variants[0].train_loss")
    page.click("#play")
    wait_step(page, 30 * 25)
    last = page.evaluate("window.glassnet.frame.variants[0].train_loss")
    assert last < 0.7 * first
    shot(page, "regression")
    # discretize: the plane in the two full colours only (no shading by the output's size)
    def solid() -> float:
        return float(page.evaluate("""() => { const c = document.getElementById('boundary');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) {
              if ((d[i] === 245 && d[i+1] === 147 && d[i+2] === 34) ||
                  (d[i] === 8 && d[i+1] === 119 && d[i+2] === 189)) n++; }
            return n / (d.length / 4); }"""))
    smooth = solid()
    page.check("#discretize")
    assert solid() > max(0.5, smooth + 0.2)
    page.uncheck("#discretize")


def floats(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


def _link_point(page: Any, i: int, j: int) -> tuple[float, float]:
    a, b = page.evaluate("""([i, j]) => { const n = [...document.querySelectorAll('#net .unit')];
        const r = (l, u) => n.find(e => e.dataset.layer === l && e.dataset.unit === u)
          .getBoundingClientRect();
        return [r('0', String(i)), r('1', String(j))].map(q => [q.right, q.left,
          q.top + q.height / 2]); }""", [i, j])
    t = 0.25  # a quarter of the way: near the input, where its links fan apart
    return a[0] + t * (b[1] - a[0]), a[2] + t * (b[2] - a[2])


def test_an_edited_weight_is_in_the_next_frame_and_the_export(
        play: tuple[PlayServer, Any, Any], tmp_path: Path) -> None:
    server, _, page = play
    configure(page)
    page.click("#step")
    wait_step(page, 1)
    before = weights(page)
    x, y = _link_point(page, 1, 2)  # input x2 -> hidden1[2]: W[1, 2], flat index 1*8+2
    page.mouse.click(x, y)
    page.wait_for_selector("#editor:not([hidden])")
    assert "x2 -> hidden1[2]" in page.inner_text("#editor-label")
    page.fill("#editor-value", "nan")
    page.press("#editor-value", "Enter")
    assert "not a finite number" in page.inner_text("#editor-error")  # refused in place
    page.fill("#editor-value", "1e999")
    page.click("#editor-set")
    assert "not a finite number" in page.inner_text("#editor-error")
    page.wait_for_timeout(200)
    assert weights(page) == before
    page.fill("#editor-value", "-2.75")
    page.press("#editor-value", "Enter")
    page.wait_for_function("b => window.glassnet.frame.variants[0].weights[0] !== b",
                           arg=before[0], timeout=10_000)
    w = floats(weights(page)[0])
    assert w[1 * 8 + 2] == np.float32(-2.75)
    assert np.array_equal(np.delete(w, 10), np.delete(floats(before[0]), 10))
    assert page.is_hidden("#editor")
    # a bias: click the unit
    page.click('#net .unit[data-layer="2"][data-unit="1"]')
    page.wait_for_selector("#editor:not([hidden])")
    page.fill("#editor-value", "0.5")
    page.press("#editor-value", "Enter")
    page.wait_for_function("window.glassnet.frame.variants[0].w[3][1] === 0.5",
                           timeout=10_000)
    page.click("#step")
    wait_step(page, 2)
    with page.expect_download() as info:
        page.click("#export-script")
    script = Path(info.value.path()).read_text()
    assert "EDITS = [(1, 0, 10, -2.75), (1, 3, 1, 0.5)]" in script
    with page.expect_download() as info:
        page.click("#export-model")
    (tmp_path / "playground-model.glassnet").write_bytes(Path(info.value.path()).read_bytes())
    (tmp_path / "run.py").write_text(script)
    env = {**os.environ, "PYTHONPATH": str(Path(gn.__file__).parents[1])}
    done = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=env)
    assert "bit for bit: True" in done.stdout, done.stderr
    shot(page, "edited-weight")


def test_a_copied_link_reopens_identical_weights(play: tuple[PlayServer, Any, Any]) -> None:
    server, browser, page = play
    configure(page, dataset="moons", hidden=[5, 3], optimizer="adam", learning_rate=0.01,
              batch_size=32, seed=7)
    old = page.evaluate("window.glassnet.setup.run_id")
    page.check('#features input[value="x1*x2"]')
    wait_new_run(page, old)
    page.click("#step-epoch")
    wait_step(page, 8)
    page.evaluate("""() => fetch('/api/weight', {method: 'POST', headers: {'Content-Type':
        'application/json', 'X-Glassnet-Token': document.querySelector(
        'meta[name=glassnet-token]').content}, body: JSON.stringify({weight: 2, index: 4,
        value: 0.3})})""")
    page.wait_for_function("window.glassnet.frame.variants[0].w[2][4] === Math.fround(0.3)",
                           timeout=10_000)
    page.click("#step")
    wait_step(page, 9)
    ours = weights(page)
    page.click("#copy-link")
    page.wait_for_function("window.glassnet.link", timeout=10_000)
    link = page.evaluate("window.glassnet.link")
    assert server.token not in link and "token" not in link
    assert page.input_value("#link-text") == link
    fragment = link.split("#", 1)[1]
    other = browser.new_page(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    try:
        other.goto(server.url + "#" + fragment)  # the playground's own address + the link's #
        other.wait_for_function("window.glassnet.linkOpened", timeout=30_000)
        other.wait_for_function("window.glassnet.frame && window.glassnet.frame.step === 9",
                                timeout=20_000)
        assert weights(other) == ours  # bit for bit: the same base64 float32 bytes
        assert "step 9" in other.inner_text("#notice")
        assert other.is_checked('#features input[value="x1*x2"]')
        assert other.input_value("#hidden") == "5, 3"
        # a bad link: the defaults, and one message naming the field
        other.goto(server.url + "#dataset=moons&colour=red")
        other.wait_for_function("document.getElementById('notice').textContent"
                                ".includes('colour')", timeout=30_000)
        assert "defaults" in other.inner_text("#notice")
        other.wait_for_function("window.glassnet.setup.config.dataset === 'circles'",
                                timeout=20_000)
    finally:
        other.close()


def test_speed_down_to_one_step_per_frame_and_step(play: tuple[PlayServer, Any, Any]) -> None:
    server, _, page = play
    configure(page)
    page.select_option("#speed", "1")
    page.wait_for_function("true")
    page.wait_for_timeout(200)
    drawn = page.evaluate("window.glassnet.framesDrawn")
    page.click("#play")
    page.wait_for_timeout(1000)
    page.click("#play")
    page.wait_for_function("!window.glassnet.frame.playing", timeout=10_000)
    step = page.evaluate("window.glassnet.frame.step")
    frames = page.evaluate("window.glassnet.framesDrawn") - drawn
    assert 3 <= step <= 30 and step <= frames + 1  # one step per frame, at most 25 frames/s
    page.click("#step")
    wait_step(page, step + 1)
    page.select_option("#speed", "0")
    page.wait_for_timeout(200)
