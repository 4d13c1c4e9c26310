"""Only the views a page shows are sent, in a real headless Chromium: a folded network panel or
panels scrolled out of the window make the frames smaller (no weights, meters, unit heatmaps
or output over the plane), and a view shown again is drawn at once from a complete frame: the
exact weights of the network, a weight typed while it was folded included."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

from glassnet.play import PlayServer, start
from test_play_browser import chromium_path, configure, floats, wait_step, weights


@pytest.fixture(scope="module")
def play() -> Iterator[tuple[PlayServer, Any]]:
    server = start(blas_threads=1)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(),
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        errors: list[str] = []
        # a short window: the page scrolls, so panels can leave it
        page = browser.new_page(viewport={"width": 1400, "height": 400}, bypass_csp=True)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url)
        page.wait_for_function("() => window.glassnet.framesDrawn > 0", timeout=20_000)
        try:
            yield server, page
        finally:
            browser.close()
            server.stop()
    assert not errors, errors


def post(page: Any, path: str, body: dict[str, Any]) -> Any:
    return page.evaluate("([path, body]) => fetch(path, {method: 'POST', headers: {"
                         "'Content-Type': 'application/json', 'X-Glassnet-Token': "
                         "document.querySelector('meta[name=glassnet-token]').content}, "
                         "body: JSON.stringify(body)}).then(r => r.json())", [path, body])


def wait_views(page: Any, server: PlayServer, views: list[str]) -> None:
    """The page asked for ``views`` and the server computes those."""
    page.wait_for_function("v => JSON.stringify(window.glassnet.views) === JSON.stringify(v)",
                           arg=views, timeout=10_000)
    for _ in range(400):
        if server.worker.views == frozenset(views):
            return
        time.sleep(0.01)
    raise AssertionError(f"server views {sorted(server.worker.views)}, expected {views}")


def wait_drawn(page: Any, name: str) -> None:
    """Panel ``name`` was drawn from the last frame the page received."""
    page.wait_for_function("n => window.glassnet.drawnFrom[n] === window.glassnet.frameSeq",
                           arg=name, timeout=10_000)


def frame_sizes(page: Any, steps: int) -> list[int]:
    """The sizes of the frames of ``steps`` single steps (paused)."""
    sizes = []
    for _ in range(steps):
        step = page.evaluate("window.glassnet.frame.step")
        post(page, "/api/control", {"action": "step"})
        wait_step(page, step + 1)
        sizes.append(page.evaluate("window.glassnet.frameBytes.at(-1)"))
    return sizes


def links_image(page: Any) -> str:
    out: str = page.evaluate("document.getElementById('links').toDataURL()")
    return out


def assert_exact_weights(page: Any, server: PlayServer) -> None:
    drawn = [floats(w) for w in weights(page)]
    for a, b in zip(drawn, server.worker.weights(0)):
        np.testing.assert_array_equal(a, b.ravel())


def test_a_folded_network_is_not_sent_and_comes_back_exact(
        play: tuple[PlayServer, Any]) -> None:
    server, page = play
    configure(page)
    page.evaluate("window.scrollTo(0, 0)")
    wait_views(page, server, ["network", "decision"])  # one network: no side-by-side cards
    shown = frame_sizes(page, 3)
    before = links_image(page)
    page.click("#net-panel > summary")  # fold the network picture
    wait_views(page, server, ["decision"])
    folded = frame_sizes(page, 3)
    assert max(folded) < min(shown) / 2, (folded, shown)
    assert "weights" not in page.evaluate("window.glassnet.frame.variants[0]")
    seq = page.evaluate("window.glassnet.drawnFrom.network")
    assert seq is None  # folded: not drawn
    # a weight typed while the picture is folded (the page got no weights since)
    result = post(page, "/api/weight", {"weight": 2, "index": 0, "value": -1.875})
    assert result["ok"], result
    page.click("#net-panel > summary")  # unfold: drawn at once from a complete frame
    wait_views(page, server, ["network", "decision"])
    wait_drawn(page, "network")
    v = page.evaluate("window.glassnet.frame.variants[0]")
    assert page.evaluate("window.glassnet.frame.full")
    assert {"weights", "thumbs", "meters", "boundary"} <= set(v)
    assert floats(v["weights"][2])[0] == np.float32(-1.875)
    assert_exact_weights(page, server)
    assert links_image(page) != before  # the picture shows the new weights
    assert page.locator("#net .unit").count() == 2 + 8 + 8 + 1
    assert min(frame_sizes(page, 2)) > 2 * max(folded)


def test_views_scrolled_away_are_not_sent_while_playing(play: tuple[PlayServer, Any]) -> None:
    server, page = play
    configure(page)
    page.evaluate("window.scrollTo(0, 0)")
    wait_views(page, server, ["network", "decision"])
    post(page, "/api/speed", {"steps_per_frame": 1})
    post(page, "/api/control", {"action": "play"})
    page.wait_for_function("() => window.glassnet.frame.playing && window.glassnet.frame.step > 5")
    page.evaluate("window.glassnet.frameBytes.length = 0")
    time.sleep(0.5)
    shown = page.evaluate("window.glassnet.frameBytes.slice()")
    # scroll to the bottom of the short window: the picture and the decision leave it
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    wait_views(page, server, [])
    drawn_at = page.evaluate("window.glassnet.drawnFrom.network")
    seq = page.evaluate("window.glassnet.frameSeq")
    page.evaluate("window.glassnet.frameBytes.length = 0")
    time.sleep(0.5)
    hidden = page.evaluate("window.glassnet.frameBytes.slice()")
    assert len(hidden) >= 3 and len(shown) >= 3
    assert np.median(hidden) < np.median(shown) / 4, (hidden, shown)
    assert page.evaluate("window.glassnet.frameSeq") > seq  # frames still come (losses)
    assert page.evaluate("window.glassnet.drawnFrom.network") == drawn_at  # not drawn
    # back to the top: drawn at once from a complete frame, while it plays
    page.evaluate("window.scrollTo(0, 0)")
    wait_views(page, server, ["network", "decision"])
    wait_drawn(page, "network")
    wait_drawn(page, "decision")
    v = page.evaluate("window.glassnet.frame.variants[0]")
    assert {"weights", "thumbs", "boundary"} <= set(v)
    post(page, "/api/control", {"action": "pause"})
    page.wait_for_function("() => !window.glassnet.frame.playing")
    wait_drawn(page, "network")
    assert page.evaluate("window.glassnet.frame.step") == server.worker.state()["step"]
    assert_exact_weights(page, server)
    post(page, "/api/speed", {"steps_per_frame": 0})


def test_a_hidden_tab_asks_for_nothing(play: tuple[PlayServer, Any]) -> None:
    server, page = play
    configure(page)
    page.evaluate("window.scrollTo(0, 0)")
    wait_views(page, server, ["network", "decision"])
    # the tab goes to the background (as a browser reports it), then comes back
    page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', {value: 'hidden',
                                                            configurable: true});
        document.dispatchEvent(new Event('visibilitychange')); }""")
    wait_views(page, server, [])
    page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', {value: 'visible',
                                                            configurable: true});
        document.dispatchEvent(new Event('visibilitychange')); }""")
    wait_views(page, server, ["network", "decision"])
    wait_drawn(page, "network")
    assert_exact_weights(page, server)
