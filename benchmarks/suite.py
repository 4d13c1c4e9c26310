"""The benchmark run: every configuration in one process, one environment, one table.

Called by :mod:`benchmarks.run` after the OpenBLAS variables are gone. Order of work:

1. training throughput, round-robin: every (configuration, library) pair runs one epoch per
   round, so a burst of load from other processes hits all of them alike; each figure is
   the best of ``--repeats`` rounds. The per-neuron recorder on vs off runs in the same
   rounds. Every round also samples the machine's float32/float64 1024x1024 product rate
   and the matrix products of one training step alone, with NumPy's BLAS and PyTorch's
   (the ceiling no training step on that BLAS can beat); the best of each is kept;
2. prediction throughput, and glassnet's prediction against its own training forward pass;
3. scaling: time per epoch against the number of samples and against width;
4. peak memory of ``fit`` on 60,000 x 784 float32, in a fresh subprocess.

Then the targets of the speed issue are checked (PASS / MISS, SKIP when a library is
missing, VOID for the shares of the matmul rate when that rate was sampled on a slowed
machine; see :func:`rate_is_sound`), and the results are written as JSON (and Markdown)
under ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import frameworks as fw
from .frameworks import Spec, matmul_flops_per_sample
from .measure import (
    SETTLE_S,
    lean_step_probe,
    matmul_probe,
    numpy_step_probe,
    torch_step_probe,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
THREADS = 2  # PyTorch gets as many threads as NumPy's OpenBLAS uses on this machine


# --------------------------------------------------------------------------- environment


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _short_path(path: str) -> str:
    """A shared library's path from its package folder on (``numpy.libs/libscipy_...so``)."""
    parts = Path(path).parts
    if "site-packages" in parts:
        return "/".join(parts[parts.index("site-packages") + 1:])
    return "/".join(parts[-2:])


def environment(env_note: str, missing: list[str]) -> dict[str, Any]:
    import glassnet

    info: dict[str, Any] = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{_cpu_model()}, {os.cpu_count()} logical CPUs, {platform.machine()}",
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "glassnet": glassnet.__version__,
        "openblas_env": env_note,
        "missing": missing,
    }
    if "torch" not in missing:
        import torch

        torch.set_num_threads(THREADS)
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["torch_blas"] = ("MKL" if torch.backends.mkl.is_available() else "no MKL") + (
            ", oneDNN" if torch.backends.mkldnn.is_available() else "")
    if "sklearn" not in missing:
        import sklearn

        info["sklearn"] = sklearn.__version__
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [
            {**{k: p.get(k) for k in ("user_api", "internal_api", "prefix", "version",
                                      "num_threads", "architecture", "threading_layer")},
             "library": _short_path(p["filepath"])}
            for p in threadpool_info()
        ]
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed"
    return info


def _print_environment(info: dict[str, Any]) -> None:
    print(f"glassnet benchmark  {info['date']}")
    print(f"machine: {info['machine']}; {info['platform']}")
    torch_part = info.get("torch", "missing")
    if "torch" in info:
        torch_part += f" ({info['torch_threads']} threads, {info['torch_blas']})"
    print(f"python {info['python']}, numpy {info['numpy']}, glassnet {info['glassnet']}, "
          f"torch {torch_part}, scikit-learn {info.get('sklearn', 'missing')}")
    print(info["openblas_env"])
    pools = info["threadpools"]
    if isinstance(pools, str):
        print(f"BLAS: {pools}")
    else:
        for p in pools:
            arch = f", kernels for {p['architecture']}" if p.get("architecture") else ""
            used_by = ""
            if p["library"].startswith("numpy"):
                used_by = "  <- NumPy's BLAS: glassnet's and scikit-learn's products"
            elif p["library"].startswith("torch"):
                used_by = "  <- PyTorch's threads (its products use MKL/oneDNN)"
            print(f"thread pool: {p['internal_api']} {p['version'] or ''} ({p['library']}), "
                  f"{p['num_threads']} threads{arch}{used_by}")
    if info["missing"]:
        print(f"optional libraries missing (their columns are skipped): "
              f"{', '.join(info['missing'])}  -> pip install -r benchmarks/requirements.txt")
    else:
        print("optional libraries: all present (torch, scikit-learn, threadpoolctl)")


# --------------------------------------------------------------------------- configurations


def specs(quick: bool) -> dict[str, Spec]:
    n = 4096 if quick else 16384
    head = (784, 256, 128, 10)
    return {
        "headline": Spec("headline", head, 128, n_samples=n),
        "batch512": Spec("batch512", head, 512, n_samples=n),
        "adam": Spec("adam", head, 128, optimizer="adam", learning_rate=0.001, n_samples=n),
        "float64": Spec("float64", head, 128, dtype="float64", n_samples=n // 2),
        "course": Spec("course", (64, 25, 15, 10), 32, n_samples=n),
    }


def _recorder_class() -> Any:
    try:
        from glassnet.inspect.recorder import NeuronRecorder
    except ImportError:
        return None
    return NeuronRecorder


def training_rounds(spec_map: dict[str, Spec], libs: list[str], repeats: int,
                    log: Callable[[str], None], probes: dict[str, Callable[[], float]],
                    ) -> tuple[dict[str, dict[str, float]], dict[str, Any], dict[str, Any],
                               dict[str, float]]:
    """Best epoch time of every (config, library), measured round-robin.

    Each round also runs every probe (matrix-product rate, matmul-only steps) once, so the
    machine's rate is sampled throughout the run; the best time of each probe is kept.
    """
    data: dict[tuple[tuple[int, ...], str, int], tuple[np.ndarray, np.ndarray]] = {}
    entries: list[tuple[str, str, Callable[[int], None], int]] = []
    trainers: dict[str, Any] = {}
    for name, spec in spec_map.items():
        key = (spec.sizes[:1], spec.dtype, spec.n_samples)
        if key not in data:
            data[key] = fw.make_data(spec)
        X, y = data[key]
        for lib in libs:
            fn = fw.TRAINERS[lib](spec, X, y)
            trainers[f"{name}/{lib}"] = fn
            entries.append((name, lib, fn, spec.n_samples))

    recorder_info: dict[str, Any] = {"available": False}
    NeuronRecorder = _recorder_class()
    if NeuronRecorder is not None:
        spec = spec_map["headline"]
        X, y = data[(spec.sizes[:1], spec.dtype, spec.n_samples)]
        recorder_info = {"available": True, "variants": {
            "recorder_off": "no callbacks",
            "recorder_epoch": "NeuronRecorder(data=X): one record per epoch (the default); "
                              "each fit also validates X to draw its 256 probe rows",
            "recorder_probe": "NeuronRecorder(probe=X[:256]): one record per epoch",
            "recorder_every16": "NeuronRecorder(data=X, every_steps=16): 8 records per epoch",
        }}
        entries.append(("headline", "recorder_off", fw.glassnet_trainer(spec, X, y),
                        spec.n_samples))
        entries.append(("headline", "recorder_epoch",
                        fw.glassnet_trainer(spec, X, y, [NeuronRecorder(data=X)]),
                        spec.n_samples))
        entries.append(("headline", "recorder_probe",
                        fw.glassnet_trainer(spec, X, y, [NeuronRecorder(probe=X[:256])]),
                        spec.n_samples))
        entries.append(("headline", "recorder_every16",
                        fw.glassnet_trainer(spec, X, y, [NeuronRecorder(data=X, every_steps=16)]),
                        spec.n_samples))
    else:
        log("note: glassnet.inspect.recorder.NeuronRecorder not found; recorder rows skipped")

    log(f"warm-up: one untimed epoch for each of {len(entries)} (config, library) pairs")
    for _, _, fn, _ in entries:
        fn(10_000)
    times: dict[str, dict[str, list[float]]] = {}
    probe_times: dict[str, list[float]] = {k: [] for k in probes}
    for r in range(repeats):
        t_round = time.perf_counter()
        for name, lib, fn, _ in entries:
            time.sleep(SETTLE_S)
            t0 = time.perf_counter()
            fn(r)
            times.setdefault(name, {}).setdefault(lib, []).append(time.perf_counter() - t0)
        for key, probe in probes.items():
            time.sleep(SETTLE_S)
            probe_times[key].append(probe())
        log(f"round {r + 1}/{repeats} done in {time.perf_counter() - t_round:.1f} s")
    best = {name: {lib: min(ts) for lib, ts in by_lib.items()} for name, by_lib in times.items()}
    raw = {"all_epoch_seconds": times, "all_probe_seconds": probe_times}
    return best, raw, {"trainers": trainers, "data": data, "recorder": recorder_info}, {
        k: min(v) for k, v in probe_times.items()}


# --------------------------------------------------------------------------- prediction


def _round_robin(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Best time of each function, calling them in turn ``repeats`` times."""
    best = {k: float("inf") for k in fns}
    for _ in range(repeats):
        for key, fn in fns.items():
            time.sleep(SETTLE_S)
            t0 = time.perf_counter()
            fn()
            best[key] = min(best[key], time.perf_counter() - t0)
    return best


def prediction(spec: Spec, state: dict[str, Any], libs: list[str], repeats: int) -> dict[str, Any]:
    """Samples/s of prediction for every library, and glassnet's training forward pass,
    measured round-robin."""
    X, _ = state["data"][(spec.sizes[:1], spec.dtype, spec.n_samples)]
    n, bs, pbs = X.shape[0], spec.batch_size, 1024
    model = state["trainers"]["headline/glassnet"].model

    def training_forward() -> None:
        for start in range(0, n, bs):
            model.forward(X[start:start + bs], cache=True)

    fns: dict[str, Callable[[], Any]] = {
        "glassnet_predict": lambda: model.predict(X, batch_size=pbs),
        "glassnet_training_forward": training_forward,
    }
    if "torch" in libs:
        import torch

        net = state["trainers"]["headline/torch"].net
        X_t = torch.from_numpy(X)

        def torch_predict() -> Any:
            with torch.inference_mode():
                return torch.cat([net(X_t[s:s + pbs]) for s in range(0, n, pbs)])

        fns["torch_predict"] = torch_predict
    if "sklearn" in libs:
        clf = state["trainers"]["headline/sklearn"].clf
        fns["sklearn_predict_proba"] = lambda: clf.predict_proba(X)
    best = _round_robin(fns, repeats)
    model.clear_caches()
    out: dict[str, Any] = {"samples": n, "glassnet_predict_batch_size": pbs}
    out.update({k: n / v for k, v in best.items()})
    return out


# --------------------------------------------------------------------------- scaling


def scaling(quick: bool, repeats: int, rates: dict[str, float]) -> dict[str, Any]:
    """glassnet time per epoch against the number of samples and against width (all rows
    measured round-robin, best of ``repeats``)."""
    head = (784, 256, 128, 10)
    sample_counts = (2048, 8192) if quick else (4096, 16384, 65536)
    widths = (64, 256, 1024) if quick else (64, 128, 256, 512, 1024)
    n_width = 2048 if quick else 8192
    X, y = fw.make_data(Spec("scaling", head, 128, n_samples=max(sample_counts)), seed=1)
    rows: dict[str, tuple[Spec, Callable[[int], None]]] = {}
    for m in sample_counts:
        spec = Spec("samples", head, 128, n_samples=m)
        rows[f"samples/{m}"] = (spec, fw.glassnet_trainer(spec, X[:m], y[:m]))
    for w in widths:
        spec = Spec("width", (784, w, w // 2, 10), 128, n_samples=n_width)
        rows[f"width/{w}"] = (spec, fw.glassnet_trainer(spec, X[:n_width], y[:n_width]))
    for _, epoch in rows.values():
        epoch(0)
    best = _round_robin({k: (lambda e=e: e(1)) for k, (_, e) in rows.items()}, repeats)
    by_samples, by_width = [], []
    for key, (spec, _) in rows.items():
        sec, m = best[key], spec.n_samples
        if key.startswith("samples/"):
            by_samples.append({"samples": m, "epoch_s": sec, "us_per_sample": sec / m * 1e6})
        else:
            gflops = matmul_flops_per_sample(spec.sizes) * m / sec / 1e9
            by_width.append({"sizes": list(spec.sizes), "epoch_s": sec, "samples_per_s": m / sec,
                             "gflops": gflops, "efficiency": gflops / rates["float32"]})
    return {"batch_size": 128, "by_samples": by_samples, "by_width": by_width,
            "width_samples": n_width}


# --------------------------------------------------------------------------- memory


def memory() -> dict[str, Any]:
    """Run :mod:`benchmarks.memory` in a fresh interpreter (same cleaned environment)."""
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "benchmarks.memory"], cwd=root,
                          capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()[-2000:]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- targets


def _status(ok: bool | None) -> str:
    return "SKIP" if ok is None else ("PASS" if ok else "MISS")


def share_of_rate(res: dict[str, Any], name: str, key: str = "numpy_us") -> float:
    """The FLOP rate of one step of configuration ``name`` timed at ``matmul_ceiling[name][key]``
    microseconds (default: its matrix products alone), as a share of the run's float32
    matmul rate."""
    c = res["matmul_ceiling"][name]
    flops = res["throughput"][name]["matmul_flops_per_sample"] * c["batch"]
    return float(flops / (c[key] * 1e-6) / 1e9 / res["matmul_gflops"]["float32"])


def rate_is_sound(res: dict[str, Any]) -> bool:
    """False when a step's products alone ran faster than the run's 1024x1024 rate: the
    rate was then sampled while the machine was slowed (on this shared host, other work
    contending for the L3 cache and memory slows the 12 MB product more than the small ones),
    and shares of it overstate the efficiency."""
    return all(share_of_rate(res, name) <= 1.0 for name in res["matmul_ceiling"])


def check_targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    thr = res["throughput"]
    eff = res["efficiency"]
    out: list[dict[str, Any]] = []
    sound = rate_is_sound(res)

    def ratio(cfg: str, other: str) -> float | None:
        return thr[cfg].get(f"glassnet_over_{other}")

    def add(name: str, value: float | None, target: str, ok: bool | None, unit: str = "") -> None:
        shown = "-" if value is None else f"{value:.2f}{unit}"
        out.append({"target": name, "measured": value, "shown": shown, "goal": target,
                    "status": _status(ok)})

    r = ratio("headline", "torch")
    add("headline: glassnet / PyTorch", r, ">= 2.0x", None if r is None else r >= 2.0, "x")
    r = ratio("headline", "sklearn")
    add("headline: glassnet / scikit-learn", r, ">= 1.8x", None if r is None else r >= 1.8, "x")
    e = eff["headline"]
    add("headline: share of float32 matmul rate", 100 * e, ">= 55%", e >= 0.55, "%")
    e = eff["batch512"]
    add("batch 512: share of float32 matmul rate", 100 * e, ">= 65%", e >= 0.65, "%")
    if not sound:  # the denominator of the two shares above is too low in this run
        for row in out[-2:]:
            row["status"] = "VOID"
    r = ratio("course", "torch")
    add("course net 64-25-15-10 b32: glassnet / PyTorch", r, ">= 3.0x",
        None if r is None else r >= 3.0, "x")
    rec = res.get("recorder", {})
    if rec.get("slowdown_epoch") is not None:
        s = rec["slowdown_epoch"]
        add("recorder on (data=X, per epoch): slowdown vs off", 100 * s, "<= 10%", s <= 0.10,
            "%")
    else:
        add("recorder on (data=X, per epoch): slowdown vs off", None, "<= 10%", None)
    mem = res["memory"]
    if "error" in mem:
        add("fit 60000x784 float32: peak RSS over start", None, "<= data + 150 MB", None)
    else:
        limit = mem["data_mb"] + 150
        add("fit 60000x784 float32: peak RSS over start (MB)", mem["rss_peak_over_start_mb"],
            f"<= {limit:.0f} (data {mem['data_mb']:.0f} + 150)",
            mem["rss_peak_over_start_mb"] <= limit)
        add("fit: extra allocation peak, no data copy (MB)", mem["fit_traced_peak_mb"],
            f"< {0.5 * mem['data_mb']:.0f} (half the data) and float32 kept",
            mem["fit_traced_peak_mb"] < 0.5 * mem["data_mb"]
            and mem["weights_dtype"] == "float32")
    pred = res["prediction"]
    r = pred["glassnet_predict"] / pred["glassnet_training_forward"]
    add("predict / training forward pass (samples/s)", r, ">= 1.0x", r >= 1.0, "x")
    return out


# --------------------------------------------------------------------------- report


def _k(v: float | None) -> str:
    return "-" if v is None else f"{v / 1000:,.1f}k"


def _x(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


def format_report(res: dict[str, Any]) -> str:
    lines: list[str] = []
    env = res["environment"]
    rates = res["matmul_gflops"]
    lines.append(f"glassnet benchmark, {env['date']}")
    lines.append(f"machine: {env['machine']}")
    lines.append(f"{env['openblas_env']}")
    pools = env["threadpools"]
    if not isinstance(pools, str):
        for p in pools:
            if p["library"].startswith("numpy") and p["internal_api"]:
                lines.append(f"BLAS of NumPy (glassnet, scikit-learn): {p['internal_api']} "
                             f"{p['version']}, {p['num_threads']} threads, kernels for "
                             f"{p['architecture']}")
    if "torch" in env:
        lines.append(f"PyTorch {env['torch']}: {env['torch_blas']}, {env['torch_threads']} "
                     f"threads; scikit-learn {env.get('sklearn', 'missing')}")
    lines.append("optional libraries missing: " + (", ".join(env["missing"]) or "none"))
    n = res["matmul_n"]
    lines.append(f"matmul rate ({n}x{n}, NumPy's BLAS, best of the run): float32 "
                 f"{rates['float32']:.0f} GFLOP/s, float64 {rates['float64']:.0f} GFLOP/s")
    lines.append("")
    lines.append("Training throughput, samples/s (best of "
                 f"{res['repeats']} epochs each, measured round-robin)")
    head = (f"{'config':<34} {'glassnet':>10} {'torch':>10} {'sklearn':>10} "
            f"{'gn/torch':>9} {'gn/skl':>8} {'gnGFLOP/s':>9} {'gn%rate':>8}")
    lines += [head, "-" * len(head)]
    for name, row in res["throughput"].items():
        lines.append(
            f"{row['label']:<34} {_k(row.get('glassnet')):>10} {_k(row.get('torch')):>10} "
            f"{_k(row.get('sklearn')):>10} {_x(row.get('glassnet_over_torch')):>9} "
            f"{_x(row.get('glassnet_over_sklearn')):>8} {row['gflops']:>9.0f} "
            f"{100 * res['efficiency'][name]:>7.0f}%")
    rec = res.get("recorder", {})
    if rec.get("available"):
        lines.append("")
        lines.append("Per-neuron recorder (headline config, glassnet): samples/s")
        lines.append(f"  off {_k(rec['recorder_off'])}   on (data=X, per epoch) "
                     f"{_k(rec['recorder_epoch'])} ({100 * rec['slowdown_epoch']:+.1f}%)   "
                     f"on (probe=X[:256], per epoch) {_k(rec['recorder_probe'])} "
                     f"({100 * rec['slowdown_probe']:+.1f}%)   on (data=X, every 16 steps) "
                     f"{_k(rec['recorder_every16'])} ({100 * rec['slowdown_every16']:+.1f}%)")
        lines.append("  (each timed call is a 1-epoch fit, so per-fit setup counts in full)")
    else:
        lines.append("")
        lines.append("Per-neuron recorder: glassnet.inspect.recorder.NeuronRecorder not found "
                     "(skipped)")
    pred = res["prediction"]
    lines.append("")
    lines.append(f"Prediction, samples/s ({pred['samples']} samples, headline net; glassnet "
                 f"predict in batches of {pred['glassnet_predict_batch_size']}, torch "
                 f"inference_mode in batches of 1024, sklearn predict_proba)")
    gp = pred["glassnet_predict"]
    tp, sp = pred.get("torch_predict"), pred.get("sklearn_predict_proba")
    lines.append(f"  glassnet predict {_k(gp)}   torch {_k(tp)} (gn/torch "
                 f"{_x(None if tp is None else gp / tp)})   sklearn {_k(sp)} (gn/skl "
                 f"{_x(None if sp is None else gp / sp)})")
    lines.append(f"  glassnet's own training forward pass (batch 128, cached for backward) "
                 f"{_k(pred['glassnet_training_forward'])}: predict is "
                 f"{_x(gp / pred['glassnet_training_forward'])} as fast per sample")
    ceil = res["matmul_ceiling"]
    lines.append("")
    lines.append("One training step against its matrix products alone (best times; no step built "
                 "on a BLAS can beat its products):")
    for name, c in ceil.items():
        bs, t_np, t_gn = c["batch"], c["numpy_us"], c["glassnet_step_us"]
        share = share_of_rate(res, name)
        lines.append(f"  {name} (batch {bs}): glassnet step {t_gn:.0f} us = NumPy's products "
                     f"{t_np:.0f} us ({100 * t_np / t_gn:.0f}%) + the rest {t_gn - t_np:.0f} us; "
                     f"the products alone run at {100 * share:.0f}% of the matmul rate")
        t_lean = c["lean_numpy_step_us"]
        lean_share = share_of_rate(res, name, "lean_numpy_step_us")
        vs_torch = (f", {c['torch_step_us'] / t_lean:.2f}x torch"
                    if c.get("torch_step_us") is not None else "")
        lines.append(f"  {'':>{len(name)}}  the leanest NumPy SGD step we could write (no "
                     f"framework; measure.lean_step_probe) {t_lean:.0f} us: "
                     f"{100 * lean_share:.0f}% of the matmul rate{vs_torch}; glassnet's step "
                     f"takes {t_gn / t_lean:.2f}x as long")
        if c.get("torch_us") is not None:
            t_t, t_ts = c["torch_us"], c["torch_step_us"]
            lines.append(f"  {'':>{len(name)}}  torch step {t_ts:.0f} us; PyTorch's products "
                         f"{t_t:.0f} us (NumPy's take {t_np / t_t:.2f}x as long); a step of "
                         f"NumPy's products and nothing else would be {t_ts / t_np:.2f}x torch")
    sc = res["scaling"]
    lines.append("")
    lines.append("Scaling (glassnet, 784-256-128-10, batch 128): time per epoch vs samples")
    for row in sc["by_samples"]:
        lines.append(f"  {row['samples']:>7,} samples  {row['epoch_s'] * 1000:8.1f} ms/epoch  "
                     f"{row['us_per_sample']:6.2f} us/sample")
    lines.append(f"Scaling vs width (784-w-w/2-10, batch 128, {sc['width_samples']:,} samples)")
    for row in sc["by_width"]:
        arch = "-".join(str(s) for s in row["sizes"])
        lines.append(f"  {arch:<16} {row['epoch_s'] * 1000:8.1f} ms/epoch  "
                     f"{row['samples_per_s'] / 1000:8.1f}k samples/s  {row['gflops']:6.0f} GFLOP/s "
                     f"({100 * row['efficiency']:.0f}% of matmul rate)")
    mem = res["memory"]
    lines.append("")
    if "error" in mem:
        lines.append(f"Memory: the subprocess failed: {mem['error'][-300:]}")
    else:
        lines.append(f"Memory of fit ({mem['samples']:,} x {mem['features']} {mem['dtype']}, "
                     f"{mem['epochs']} epochs, fresh process): data {mem['data_mb']:.0f} MB; "
                     f"peak RSS over start {mem['rss_peak_over_start_mb']:.0f} MB; fit's own "
                     f"allocations peak {mem['fit_traced_peak_mb']:.0f} MB (tracemalloc); "
                     f"weights {mem['weights_dtype']}")
    lines.append("")
    lines.append("Targets")
    if not rate_is_sound(res):
        shares = ", ".join(f"{name} {100 * share_of_rate(res, name):.0f}%"
                           for name in res["matmul_ceiling"])
        lines.append(f"  (VOID: a step's products alone ran above the run's matmul rate ({shares}):"
                     f" the rate was sampled while the host was slowed, so shares of it are not "
                     f"evidence; run again)")
    for t in res["targets"]:
        lines.append(f"  {t['status']:<5} {t['target']:<50} {t['shown']:>9}   goal {t['goal']}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main(argv: list[str], env_note: str) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=None,
                        help="epochs timed per (config, library); the best is kept "
                             "(default 21, --quick 3)")
    parser.add_argument("--quick", action="store_true",
                        help="small data and few repeats: checks that everything runs")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR,
                        help="folder for the JSON/Markdown results (default benchmarks/results)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 21)
    t_start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:6.1f} s] {msg}", flush=True)

    missing = [lib for lib in ("torch", "sklearn") if not fw.available(lib)]
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:
        missing.append("threadpoolctl")
    libs = [lib for lib in fw.LIBRARIES if lib not in missing]
    env = environment(env_note, missing)
    _print_environment(env)

    spec_map = specs(args.quick)
    matmul_n = 1024
    probes: dict[str, Callable[[], float]] = {
        f"matmul_{d}": matmul_probe(d, matmul_n) for d in ("float32", "float64")}
    lean_data = fw.make_data(spec_map["headline"])  # the same arrays the trainers get
    for name in ("headline", "batch512"):
        spec = spec_map[name]
        probes[f"numpy_step_{name}"] = numpy_step_probe(spec.sizes, spec.batch_size)
        probes[f"lean_step_{name}"] = lean_step_probe(spec.sizes, spec.batch_size, *lean_data,
                                                      learning_rate=spec.learning_rate)
        if "torch" in libs:
            probes[f"torch_step_{name}"] = torch_step_probe(spec.sizes, spec.batch_size)
    first = {d: 2.0 * matmul_n**3 / probes[f"matmul_{d}"]() / 1e9 for d in ("float32", "float64")}
    log(f"matmul rate: float32 {first['float32']:.0f}, float64 {first['float64']:.0f} GFLOP/s "
        f"(sampled again in every round; the best is used)")

    best, raw, state, probe_best = training_rounds(spec_map, libs, repeats, log, probes)
    rates = {d: 2.0 * matmul_n**3 / probe_best[f"matmul_{d}"] / 1e9
             for d in ("float32", "float64")}

    throughput: dict[str, Any] = {}
    efficiency: dict[str, float] = {}
    for name, spec in spec_map.items():
        row: dict[str, Any] = {"label": spec.label, "samples": spec.n_samples,
                               "batch_size": spec.batch_size}
        for lib in libs:
            row[lib] = spec.n_samples / best[name][lib]
        for other in ("torch", "sklearn"):
            if other in libs:
                row[f"glassnet_over_{other}"] = row["glassnet"] / row[other]
        flops = matmul_flops_per_sample(spec.sizes)
        row["matmul_flops_per_sample"] = flops
        row["gflops"] = row["glassnet"] * flops / 1e9
        efficiency[name] = row["gflops"] / rates[spec.dtype]
        throughput[name] = row
    recorder: dict[str, Any] = dict(state["recorder"])
    if recorder["available"]:
        n = spec_map["headline"].n_samples
        off = best["headline"]["recorder_off"]
        for key in ("recorder_off", "recorder_epoch", "recorder_probe", "recorder_every16"):
            recorder[key] = n / best["headline"][key]
        for key in ("epoch", "probe", "every16"):
            recorder[f"slowdown_{key}"] = best["headline"][f"recorder_{key}"] / off - 1

    ceiling: dict[str, Any] = {}
    for name in ("headline", "batch512"):
        spec = spec_map[name]
        steps = spec.n_samples / spec.batch_size
        c: dict[str, Any] = {"batch": spec.batch_size,
                             "numpy_us": probe_best[f"numpy_step_{name}"] * 1e6,
                             "glassnet_step_us": best[name]["glassnet"] / steps * 1e6,
                             "lean_numpy_step_us": probe_best[f"lean_step_{name}"] * 1e6}
        if "torch" in libs:
            c["torch_us"] = probe_best[f"torch_step_{name}"] * 1e6
            c["torch_step_us"] = best[name]["torch"] / steps * 1e6
        ceiling[name] = c

    log("prediction")
    pred = prediction(spec_map["headline"], state, libs, repeats)
    log("scaling")
    scale = scaling(args.quick, max(3, repeats // 2), rates)
    log("memory (subprocess)")
    mem = memory()

    res: dict[str, Any] = {
        "environment": env, "repeats": repeats, "quick": args.quick,
        "matmul_gflops": rates, "matmul_gflops_first": first, "matmul_n": matmul_n,
        "throughput": throughput, "efficiency": efficiency, "recorder": recorder,
        "prediction": pred, "matmul_ceiling": ceiling, "scaling": scale, "memory": mem,
        "raw": raw, "seconds": 0.0,
    }
    res["targets"] = check_targets(res)
    res["seconds"] = time.perf_counter() - t_start
    report = format_report(res)
    print()
    print(report)
    print(f"\n(total {res['seconds']:.0f} s)")
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    payload = json.dumps(res, indent=1, default=float)
    for name in (f"bench-{stamp}.json", "latest.json"):
        (args.out / name).write_text(payload + "\n", encoding="utf-8")
    md = (f"# glassnet benchmark results\n\n`make bench` (`python -m benchmarks.run"
          f"{' --quick' if args.quick else ''}`), {env['date']}, on {env['machine']}.\n\n"
          f"```text\n{report}\n```\n\n<details><summary>JSON</summary>\n\n```json\n{payload}\n"
          f"```\n\n</details>\n")
    (args.out / "latest.md").write_text(md, encoding="utf-8")
    print(f"results: {args.out / 'latest.json'} and {args.out / f'bench-{stamp}.json'}; "
          f"table + JSON as Markdown: {args.out / 'latest.md'}")
