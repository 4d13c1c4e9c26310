"""The playground's responsiveness: frames drawn per second in a real browser, and training
steps per second of wall time, while it plays. ``python -m benchmarks.play`` (``make
bench-play``, also part of ``make bench``).

The server runs as ``glassnet play`` runs it (127.0.0.1, one BLAS thread); the page is the
real page in headless Chromium (Debian's ``chromium``), which draws every frame it receives
and acknowledges it, so a frame counts only once the page has drawn it. Targets (issue 11,
on a 2-core machine): a 2-8-8-1 network on 500 points keeps >= 20 frames/s with >= 50
steps/s; a digits 64-32-10 network >= 10 frames/s; issue 23 raised that to >= 20 frames/s
while training at least as many steps/s as before it (6,692 then; 6,000 is the check).
``--case 2`` runs one case; "draw ms" is the page's median time to draw a frame and "frame
KB" the median size of the frames it received. Case 4 is case 2 with the network picture
folded away (the page then asks for the loss and the confusion matrix only, and the server
leaves the weights out: issue 23's "only the views that are visible"). The OpenBLAS
environment variables are left as they are (the playground runs in the user's environment);
the report names them.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import time
from typing import Any

DIGITS = {"dataset": "digits", "hidden": [32], "activation": "relu", "batch_size": 32,
          "optimizer": "adam", "learning_rate": 0.001, "compare": "none"}
# (name, frames/s target, steps/s target, settings, panels folded while it plays)
CASES: list[tuple[str, float, float, dict[str, Any], tuple[str, ...]]] = [
    ("2-8-8-1, circles, 500 points (250 train), batch 10", 20.0, 50.0,
     {"dataset": "circles", "n_samples": 500, "hidden": [8, 8], "activation": "tanh",
      "batch_size": 10, "optimizer": "sgd", "learning_rate": 0.1, "compare": "none"}, ()),
    ("64-32-10, digits (898 train), batch 32", 20.0, 6_000.0, DIGITS, ()),
    ("2-8-8-1 x3 side by side (zeros, constant, random)", 0.0, 0.0,
     {"dataset": "circles", "n_samples": 500, "hidden": [8, 8], "activation": "tanh",
      "batch_size": 10, "optimizer": "sgd", "learning_rate": 0.1, "compare": "inits"}, ()),
    ("64-32-10, digits, network picture folded", 0.0, 0.0, DIGITS, ("net-panel",)),
]


def _chromium() -> str:
    for candidate in (os.environ.get("GLASSNET_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("benchmarks.play: Chromium is missing (bash .ci/ensure-chromium)")


def _fold(page: Any, panels: tuple[str, ...]) -> None:
    """Fold (or unfold) panels by their headings, as a reader does, and wait until the server
    computes what the page now shows."""
    before = page.evaluate("() => window.glassnet.viewsSent")
    for panel in panels:
        page.click(f"#{panel} > summary")
    page.wait_for_function("n => window.glassnet.viewsSent > n", arg=before, timeout=10_000)
    time.sleep(0.2)  # the server's update


def _measure(page: Any, settings: dict[str, Any], seconds: float,
             fold: tuple[str, ...] = ()) -> dict[str, float]:
    old = page.evaluate("() => window.glassnet.setup.run_id")
    page.evaluate("""cfg => fetch('/api/config', {method: 'POST', headers: {
        'Content-Type': 'application/json', 'X-Glassnet-Token':
        document.querySelector('meta[name=glassnet-token]').content},
        body: JSON.stringify(cfg)})""", settings)
    for _ in range(400):
        if page.evaluate("() => window.glassnet.frame && window.glassnet.frame.run_id") \
                not in (None, old):
            break
        time.sleep(0.025)
    if fold:
        _fold(page, fold)
    page.click("#play")
    time.sleep(1.0)  # warm-up: the worker sizes its chunks to the frame budget
    read = "() => [window.glassnet.framesDrawn, window.glassnet.frame.step, performance.now()]"
    frames0, steps0, t0 = page.evaluate(read)
    draws = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:  # the page's own drawing time, sampled
        time.sleep(0.25)
        draws.append(page.evaluate("() => window.glassnet.lastDrawMs || 0"))
    frames1, steps1, t1 = page.evaluate(read)
    sizes = sorted(page.evaluate("() => (window.glassnet.frameBytes || []).slice()"))
    page.click("#play")
    if fold:
        _fold(page, fold)  # unfolded again for the next case
    wall = (t1 - t0) / 1000.0
    draws.sort()
    return {"fps": (frames1 - frames0) / wall, "steps_per_s": (steps1 - steps0) / wall,
            "seconds": wall, "draw_ms": draws[len(draws) // 2] if draws else 0.0,
            "frame_kb": sizes[len(sizes) // 2] / 1000 if sizes else float("nan")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.play", description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0, help="measured time per case")
    parser.add_argument("--case", type=int, action="append",
                        help="run only case N (1, 2, 3, 4; repeatable)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from glassnet.play import start

    blas = {k: os.environ.get(k, "unset") for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    print(f"glassnet playground benchmark: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs; OpenBLAS variables left as they are: "
          + ", ".join(f"{k}={v}" for k, v in blas.items()))
    print(f"Each case plays {args.seconds:g} s after a 1 s warm-up; frames are counted when "
          "the page in headless Chromium has drawn them.")
    print("Load average before the run (other work on the machine slows both): "
          + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + "\n")
    server = start(blas_threads=1)
    results = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=_chromium(),
                                         args=["--no-sandbox", "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server.url)
            page.wait_for_function("() => window.glassnet.framesDrawn > 0", timeout=30_000)
            for k, (name, fps_target, steps_target, settings, fold) in enumerate(CASES, 1):
                if args.case and k not in args.case:
                    continue
                r = _measure(page, settings, args.seconds, fold)
                results.append((name, fps_target, steps_target, r))
            browser.close()
    finally:
        server.stop()
    width = max(len(r[0]) for r in results)
    print(f"{'case':<{width}}  {'frames/s':>9}  {'steps/s':>9}  {'draw ms':>7}  "
          f"{'frame KB':>8}  verdict")
    for name, fps_target, steps_target, r in results:
        checks = []
        if fps_target:
            checks.append(f">= {fps_target:g} fps " + ("PASS" if r["fps"] >= fps_target
                                                       else "MISS"))
        if steps_target:
            checks.append(f">= {steps_target:g} steps/s "
                          + ("PASS" if r["steps_per_s"] >= steps_target else "MISS"))
        print(f"{name:<{width}}  {r['fps']:>9.1f}  {r['steps_per_s']:>9,.0f}  "
              f"{r['draw_ms']:>7.1f}  {r['frame_kb']:>8.1f}  "
              + ("; ".join(checks) or "(no target)"))
    return 0  # a benchmark reports; it does not fail the build


if __name__ == "__main__":
    raise SystemExit(main())
