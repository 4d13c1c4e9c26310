"""Many networks at once: ``python -m benchmarks.population [--quick] [--ks 1,4,16,64,256]``.

The work: K course-sized networks (64-25-15-10, ReLU, softmax cross-entropy, batch 32, Adam
lr 0.001, float32) each trained for one epoch on the 1,797 digits, each with its own initial
weights and its own shuffling order. Four ways to do it, timed in the same process:

- ``population``: one :class:`glassnet.population.Population` of K members (one vectorized
  loop; the members' own orders, ``fit(seed=[...])``);
- ``glassnet``: K sequential ``Sequential.fit`` calls;
- ``torch.func``: PyTorch's model ensembling, ``stack_module_state`` + ``vmap`` of
  ``grad_and_value(functional_call)``, the stacked parameters stepped by ``torch.optim.Adam``;
- ``sklearn``: K sequential ``MLPClassifier.partial_fit`` epochs.

Sequential fits cost the same per network whatever K is: they are timed on
``min(K, SEQ_SAMPLE)`` networks and the time per network is multiplied by K (said in the
table). ``torch.func`` is timed on ``TORCH_STEPS`` steps after a warm-up and scaled to the
epoch's 57 steps. The best of ``--repeats`` is kept for each entry.

OpenBLAS variables are removed as in ``benchmarks.run`` (it says so when it does).

A second part times :func:`glassnet.sweep.run_sweep` on a 64-run grid in one process and on
a local Dask cluster of two worker processes, and the task overhead per run.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable
from typing import Any

SEQ_SAMPLE = 16
N_EMPTY = 64  # empty Dask tasks timed for the overhead per task
TORCH_STEPS = 20


def _best(fn: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _data() -> tuple[Any, Any]:
    import numpy as np
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y.astype(np.int64)


def _glassnet_models(K: int) -> list[Any]:
    import glassnet as gn

    models = []
    for seed in range(K):
        m = gn.Sequential([gn.Input((64,)), gn.Dense(25, "relu"), gn.Dense(15, "relu"),
                           gn.Dense(10, "softmax")], seed=seed, dtype="float32")
        m.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        models.append(m)
    return models


def time_population(K: int, X: Any, y: Any, repeats: int) -> float:
    from glassnet.population import Population

    pop = Population(_glassnet_models(K))
    orders = list(range(1000, 1000 + K))
    pop.fit(X, y, epochs=1, batch_size=32, seed=orders)  # warm-up
    return _best(lambda: pop.fit(X, y, epochs=1, batch_size=32, seed=orders), repeats)


def time_products(K: int, X: Any, repeats: int) -> float:
    """The floor under any NumPy population: one epoch of only its matrix products (the
    forward, input-gradient and weight-gradient products of each step, per member through
    ``np.matmul``), without the element-wise passes, the loss or the optimizer."""
    import numpy as np

    rng = np.random.default_rng(0)
    sizes = [64, 25, 15, 10]
    Ws = [rng.standard_normal((K, a, b)).astype(np.float32) for a, b in zip(sizes, sizes[1:])]
    m = X.shape[0]
    n_steps = -(-m // 32)
    xb = rng.standard_normal((K, 32, 64)).astype(np.float32)

    def epoch() -> None:
        for _ in range(n_steps):
            acts = [xb]
            for W in Ws:
                acts.append(np.matmul(acts[-1], W))
            g = acts[-1]
            for i in range(len(Ws) - 1, -1, -1):
                np.matmul(acts[i].transpose(0, 2, 1), g)
                if i:
                    g = np.matmul(g, Ws[i].transpose(0, 2, 1))

    epoch()
    return _best(epoch, repeats)


def time_glassnet(K: int, X: Any, y: Any, repeats: int) -> float:
    n = min(K, SEQ_SAMPLE)
    models = _glassnet_models(n)
    models[0].fit(X, y, epochs=1, batch_size=32, seed=1, verbose=0)  # warm-up

    def run() -> None:
        for i, m in enumerate(models):
            m.fit(X, y, epochs=1, batch_size=32, seed=1000 + i, verbose=0)

    return _best(run, repeats) / n * K


def time_sklearn(K: int, X: Any, y: Any, repeats: int) -> float:
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    n = min(K, SEQ_SAMPLE)
    classes = np.arange(10)

    def run() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for i in range(n):
                clf = MLPClassifier(hidden_layer_sizes=(25, 15), solver="adam",
                                    learning_rate_init=1e-3, batch_size=32, random_state=i,
                                    epsilon=1e-7, alpha=0.0)
                clf.partial_fit(X, y, classes=classes)

    run()
    return _best(run, repeats) / n * K


def time_torch_func(K: int, X: Any, y: Any, repeats: int) -> float | None:
    """The best of PyTorch's default intra-op threads and one thread (on a busy 2-core
    machine the default threads can wait on each other ~100x longer than they compute)."""
    try:
        import torch
    except ImportError:
        return None
    default = torch.get_num_threads()
    best = float("inf")
    for threads in sorted({1, default}):
        torch.set_num_threads(threads)
        try:
            best = min(best, _time_torch_func(K, X, y, repeats))
        finally:
            torch.set_num_threads(default)
    return best


def _time_torch_func(K: int, X: Any, y: Any, repeats: int) -> float:
    import numpy as np
    import torch
    from torch import nn
    from torch.func import functional_call, grad_and_value, stack_module_state

    torch.manual_seed(0)
    nets = [nn.Sequential(nn.Linear(64, 25), nn.ReLU(), nn.Linear(25, 15), nn.ReLU(),
                          nn.Linear(15, 10)) for _ in range(K)]
    params, buffers = stack_module_state(nets)  # type: ignore[arg-type]
    base = nets[0].to("meta")
    names = list(params)
    leaves = [params[k].detach().clone().requires_grad_(False) for k in names]
    opt = torch.optim.Adam(leaves, lr=1e-3, eps=1e-7)

    def loss_fn(p: tuple[Any, ...], xb: Any, yb: Any) -> Any:
        out = functional_call(base, dict(zip(names, p)), (xb,))
        return nn.functional.cross_entropy(out, yb)

    step_fn = torch.vmap(grad_and_value(loss_fn), in_dims=(0, 0, 0))
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    m = X.shape[0]
    rng = np.random.default_rng(0)
    orders = torch.from_numpy(np.stack([rng.permutation(m) for _ in range(K)]))
    n_epoch_steps = -(-m // 32)

    def steps(n: int) -> None:
        for s in range(n):
            idx = orders[:, (s * 32) % m:(s * 32) % m + 32]
            grads, _ = step_fn(tuple(leaves), Xt[idx], yt[idx])
            for leaf, g in zip(leaves, grads):
                leaf.grad = g
            opt.step()

    steps(3)  # warm-up
    return _best(lambda: steps(TORCH_STEPS), repeats) / TORCH_STEPS * n_epoch_steps


def population_table(ks: list[int], repeats: int) -> list[dict[str, Any]]:
    X, y = _data()
    rows = []
    for K in ks:
        row: dict[str, Any] = {"K": K}
        row["population"] = time_population(K, X, y, repeats)
        row["products"] = time_products(K, X, repeats)
        row["glassnet"] = time_glassnet(K, X, y, repeats)
        row["torch.func"] = time_torch_func(K, X, y, max(1, repeats // 2))
        row["sklearn"] = time_sklearn(K, X, y, max(1, repeats // 2))
        rows.append(row)
        print(_row_text(row), flush=True)
    return rows


HEADER = (f"{'K':>4} {'population':>11} {'per net':>8} {'x glassnet':>10} {'x torch.func':>12} "
          f"{'x sklearn':>9} {'products':>9} {'bound':>6}")


def _row_text(row: dict[str, Any]) -> str:
    pop = row["population"]

    def ratio(key: str) -> str:
        return "-" if row[key] is None else f"{row[key] / pop:.1f}x"

    bound = "-" if row["torch.func"] is None else f"{row['torch.func'] / row['products']:.1f}x"
    return (f"{row['K']:>4} {pop:>10.3f}s {pop / row['K'] * 1e3:>6.2f}ms {ratio('glassnet'):>10} "
            f"{ratio('torch.func'):>12} {ratio('sklearn'):>9} {row['products']:>8.3f}s "
            f"{bound:>6}")


def sweep_timing(n_runs: int) -> None:
    """A grid of ``n_runs`` runs in one process and on a 2-worker local Dask cluster."""
    from glassnet.sweep import run_sweep

    X, y = _data()
    grid = {"hidden": [(25, 15)], "seed": list(range(n_runs // 2)), "learning_rate": [1e-3, 3e-3]}
    data = {"digits": (X, y)}
    kw: dict[str, Any] = {"epochs": 5, "batch_size": 32, "max_population": max(1, n_runs // 4)}
    t = time.perf_counter()
    local = run_sweep(grid, data, processes=1, **kw)
    t_one = time.perf_counter() - t
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("sweep on Dask: dask.distributed not installed, skipped")
        return
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
        run_sweep(grid, data, client=client, **kw)  # warm the workers (imports)
        t = time.perf_counter()
        dask_table = run_sweep(grid, data, client=client, **kw)
        t_dask = time.perf_counter() - t
        # task overhead: the same tasks doing no training
        t = time.perf_counter()
        futures = client.map(lambda i: i, range(N_EMPTY), pure=False)
        client.gather(futures)
        per_task = (time.perf_counter() - t) / N_EMPTY
    same = dask_table.equals(local)
    n_tasks = -(-n_runs // kw["max_population"])
    print(f"sweep of {n_runs} runs ({n_tasks} populations of <= {kw['max_population']}, "
          f"{kw['epochs']} epochs each): one process {t_one:.2f} s, 2-worker local Dask "
          f"{t_dask:.2f} s ({t_one / t_dask:.2f}x), tables identical: {same}")
    print(f"Dask task overhead: {per_task * 1e3:.2f} ms per empty task ({N_EMPTY} timed), "
          f"{per_task * 1e3 * n_tasks / n_runs:.2f} ms per run "
          f"({n_runs // n_tasks} runs per task)")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.population",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ks", default="1,4,16,64,256")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="K = 1, 4 and one repeat")
    parser.add_argument("--no-sweep", action="store_true")
    args = parser.parse_args()
    ks = [1, 4] if args.quick else [int(k) for k in args.ks.split(",")]
    repeats = 1 if args.quick else args.repeats
    from benchmarks.run import environment_note

    print("Populations: 64-25-15-10, batch 32, Adam, digits (1797 x 64), one epoch per net")
    print(environment_note())
    print(f"glassnet and sklearn: sequential, timed on min(K, {SEQ_SAMPLE}) nets, x K; "
          f"torch.func: {TORCH_STEPS} steps scaled to the epoch, best of default and 1 "
          f"thread; best of {repeats}")
    print(f"load average at start: {', '.join(f'{v:.1f}' for v in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")
    print("products: one epoch of only the population's matrix products (no element-wise "
          "pass,\n  loss or optimizer); bound: torch.func's time / products, the most any "
          "NumPy\n  population stepping members through np.matmul could gain over torch.func")
    print(HEADER)
    population_table(ks, repeats)
    if not args.no_sweep:
        sweep_timing(16 if args.quick else 64)


if __name__ == "__main__":
    from benchmarks.run import reexec_without_blas_variables

    reexec_without_blas_variables("benchmarks.population")
    main()
