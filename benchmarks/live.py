"""What the notebook live view costs ``fit``: ``python -m benchmarks.live [--rounds N]``.

The course's digits model (64-25-15-10 ReLU, Adam 0.001, batch 32, 40 epochs, validation
split 0.2 on the bundled digits: the README's quickstart) is trained in a real Jupyter kernel
(started by nbclient, as a notebook runs), round after round, without a callback and with
``LiveView(X)`` in each of its notebook modes, the order alternating between rounds so each
side sees the same machine noise. A round's time is ``fit``'s wall time; the ``LiveView`` is
made before the clock starts (as a learner makes it in the line above ``fit``). nbclient is a
front end without a widget manager: the kernel does all of its work (frames computed,
serialized and sent on the widget's comm, snapshots written), no browser draws them.

Reported: each side's median and best wall time and kernel CPU time, the slowdown of the
medians, the frames and snapshots written per fit, and the view's own share of fit's time
(the wall time inside its hooks, clocked by the view in the same fits: the least noisy of
these figures on a busy machine). Target (issue 21): at most 10%.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import textwrap

import nbclient
import nbformat

KERNEL_CODE = textwrap.dedent("""
    import json, time
    import numpy as np
    import glassnet as gn
    from glassnet.inspect import LiveView

    X, y = gn.datasets.load_digits(return_X_y=True)

    def course_model():
        model = gn.Sequential([
            gn.layers.Input(shape=(64,)),
            gn.layers.Dense(25, activation="relu", name="L1"),
            gn.layers.Dense(15, activation="relu", name="L2"),
            gn.layers.Dense(10, activation="linear", name="L3"),
        ], seed=1234)
        model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer=gn.optimizers.Adam(learning_rate=0.001), metrics=["accuracy"])
        return model

    def once(kind):
        model = course_model()
        views = [] if kind == "none" else [LiveView(X, mode=kind)]
        c0, t0 = time.process_time(), time.perf_counter()
        model.fit(X, y, epochs=EPOCHS, batch_size=32, validation_split=0.2, verbose=0,
                  callbacks=views)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        if views:
            assert views[0].failure is None, views[0].failure
            SENT[kind].append((views[0].sent, views[0].snapshots, views[0].seconds / seconds))
        CPU[kind].append(cpu)
        return seconds

    if BLAS_THREADS:
        from threadpoolctl import threadpool_limits
        threadpool_limits(BLAS_THREADS)
    KINDS = ["none", "widget", "static"]
    SENT = {kind: [] for kind in KINDS}
    CPU = {kind: [] for kind in KINDS}
    for kind in KINDS:  # warm-up: imports, first allocations
        once(kind)
    TIMES = {kind: [] for kind in KINDS}
    CPU = {kind: [] for kind in KINDS}
    for r in range(ROUNDS):
        for kind in (KINDS if r % 2 == 0 else KINDS[::-1]):
            TIMES[kind].append(once(kind))
    print("RESULT " + json.dumps({"times": TIMES, "cpu": CPU, "sent": SENT}))
""")


def run(rounds: int, epochs: int, blas_threads: int | None) -> dict[str, object]:
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell(
        f"ROUNDS = {rounds}\nEPOCHS = {epochs}\nBLAS_THREADS = {blas_threads}\n"
        + KERNEL_CODE)]
    nbclient.NotebookClient(book, timeout=3600, kernel_name="python3").execute()
    for out in book.cells[0].outputs:
        if out.get("output_type") == "stream" and "RESULT " in out.get("text", ""):
            line = [t for t in out["text"].splitlines() if t.startswith("RESULT ")][0]
            result: dict[str, object] = json.loads(line[len("RESULT "):])
            return result
    raise RuntimeError(f"the kernel printed no result: {book.cells[0].outputs}")


def median(xs: list[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit the kernel's BLAS threads (threadpoolctl); default: as is")
    args = parser.parse_args(argv)
    result = run(args.rounds, args.epochs, args.blas_threads)
    times: dict[str, list[float]] = result["times"]  # type: ignore[assignment]
    cpu: dict[str, list[float]] = result["cpu"]  # type: ignore[assignment]
    sent: dict[str, list[list[int]]] = result["sent"]  # type: ignore[assignment]
    print(f"LiveView cost on fit: course digits model, {args.epochs} epochs, batch 32, "
          f"{args.rounds} alternating rounds in one Jupyter kernel (nbclient), BLAS threads: "
          f"{args.blas_threads or 'as configured'}")
    print(f"python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cores; wall: fit's wall time; cpu: the kernel process's CPU "
          "time in fit (all threads)")
    print(f"{'callbacks':<20}{'wall med':>9}{'best':>8}{'slower':>8}{'cpu med':>9}"
          f"{'best':>8}{'slower':>8}{'frames':>7}{'snaps':>6}{'own':>7}")
    names = {"none": "none", "widget": "LiveView widget", "static": "LiveView static"}
    for kind in ("none", "widget", "static"):
        row = f"{names[kind]:<20}"
        for series in (times, cpu):
            med, best = median(series[kind]), min(series[kind])
            slow = "" if kind == "none" else f"{100 * (med / median(series['none']) - 1):+.1f}%"
            row += f"{med:>9.4f}{best:>8.4f}{slow:>8}"
        frames = snaps = own = ""
        if sent.get(kind):
            frames = f"{median([float(s[0]) for s in sent[kind]]):.0f}"
            snaps = f"{median([float(s[1]) for s in sent[kind]]):.0f}"
            own = f"{100 * median([float(s[2]) for s in sent[kind]]):.1f}%"
        print(f"{row}{frames:>7}{snaps:>6}{own:>7}")
    print("own: the share of fit's wall time spent inside the view's hooks (its own clock, "
          "same fits)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
