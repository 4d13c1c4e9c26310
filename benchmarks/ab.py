"""Before/after: glassnet's training speed at another git revision against the working tree,
in one run: ``python -m benchmarks.ab REF [--rounds N] [--quick] [--configs a,b]``.

A change to a hot path is stated as figures from one run on one machine: this runs the same
training epochs with the engine of ``REF`` (checked out into a temporary git worktree) and
with the working tree's, alternating between them round after round in fresh child
processes so both sides see the same machine noise, and reports each side's best
samples/s and the ratio. The ``pop<K>`` configs time one epoch of a
:class:`~glassnet.population.Population` of K course-sized networks (64-25-15-10, Adam, batch
32, 1,797 random examples, each member its own shuffling order, as ``benchmarks.population``
times it), in networks' samples per second (K x examples / seconds). Like ``make bench`` it
removes ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` from the children's environment, and
says so.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

#: name -> (sizes, batch size, optimizer)
CONFIGS = {
    "headline": ((784, 256, 128, 10), 128, "sgd"),
    "batch512": ((784, 256, 128, 10), 512, "sgd"),
    "adam": ((784, 256, 128, 10), 128, "adam"),
    "course": ((64, 25, 15, 10), 32, "sgd"),
}
#: name -> members of a population (64-25-15-10, Adam, batch 32)
POPULATIONS = {f"pop{K}": K for K in (1, 4, 16, 64, 256)}
SINGLE = ",".join(CONFIGS)

_POP_CHILD = r"""
import json, sys, time
import numpy as np
import glassnet as gn
from glassnet.population import Population
K, reps = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
X = rng.normal(size=(1797, 64)).astype(np.float32)
y = rng.integers(0, 10, size=1797)
models = []
for seed in range(K):
    m = gn.Sequential([gn.Input((64,)), gn.Dense(25, "relu"), gn.Dense(15, "relu"),
                       gn.Dense(10, "softmax")], seed=seed, dtype="float32")
    m.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    models.append(m)
pop = Population(models)
orders = list(range(1000, 1000 + K))
pop.fit(X, y, epochs=1, batch_size=32, seed=orders)
best = float("inf")
for r in range(reps):
    t0 = time.perf_counter()
    pop.fit(X, y, epochs=1, batch_size=32, seed=orders)
    best = min(best, time.perf_counter() - t0)
print(json.dumps({"samples_per_s": K * 1797 / best, "file": gn.__file__}))
"""

_CHILD = r"""
import json, sys, time
import numpy as np
import glassnet as gn
sizes, batch, opt, n, reps = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
X = rng.normal(size=(n, sizes[0])).astype(np.float32)
y = rng.integers(0, sizes[-1], size=n)
layers = [gn.layers.Input((sizes[0],))]
layers += [gn.layers.Dense(u, activation="relu") for u in sizes[1:-1]]
layers += [gn.layers.Dense(sizes[-1])]
model = gn.Sequential(layers, seed=0)
optimizer = gn.optimizers.Adam(0.001) if opt == "adam" else gn.optimizers.SGD(0.01)
model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
              optimizer=optimizer)
model.fit(X, y, epochs=1, batch_size=batch, seed=0, verbose=0)
best = float("inf")
for r in range(reps):
    t0 = time.perf_counter()
    model.fit(X, y, epochs=1, batch_size=batch, seed=r + 1, verbose=0)
    best = min(best, time.perf_counter() - t0)
print(json.dumps({"samples_per_s": n / best, "file": gn.__file__}))
"""


def _run(src: pathlib.Path, config: tuple | int, n: int, reps: int) -> float:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    env["PYTHONPATH"] = str(src)
    if isinstance(config, int):  # a population of that many members
        child, arg = _POP_CHILD, [config, reps]
    else:
        sizes, batch, opt = config
        child, arg = _CHILD, [sizes, batch, opt, n, reps]
    out = subprocess.run([sys.executable, "-c", child, json.dumps(arg)],
                         env=env, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["file"].startswith(str(src)):
        raise SystemExit(f"the child imported glassnet from {result['file']}, not {src}")
    return float(result["samples_per_s"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ab", description=__doc__)
    parser.add_argument("ref", help="the git revision to compare with (e.g. a commit hash)")
    parser.add_argument("--rounds", type=int, default=5, help="alternations per config")
    parser.add_argument("--quick", action="store_true", help="fewer samples per epoch")
    known = {**CONFIGS, **POPULATIONS}
    parser.add_argument("--configs", default=SINGLE,
                        help=f"comma-separated subset of {', '.join(known)}, or 'population' "
                             f"for every pop<K> (default: {SINGLE})")
    args = parser.parse_args(argv)
    removed = [k for k in BLAS_VARIABLES if k in os.environ]
    print(f"OpenBLAS: {'removed ' + ', '.join(removed) if removed else 'nothing to remove'} "
          f"in the children's environment (products at full speed)")
    n = 4096 if args.quick else 16384
    with tempfile.TemporaryDirectory(prefix="glassnet-ab-") as tmp:
        before = pathlib.Path(tmp) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                        str(before), args.ref], check=True)
        try:
            print(f"before: {args.ref} ({before})   after: working tree ({ROOT})")
            print(f"{'config':<10} {'before':>12} {'after':>12} {'after/before':>13}  samples/s, "
                  f"best of {args.rounds} alternations")
            names = args.configs.replace("population", ",".join(POPULATIONS)).split(",")
            for name in names:
                if name not in known:
                    raise SystemExit(f"--configs: unknown config {name!r}; expected "
                                     f"{', '.join(known)} or population")
                config = known[name]
                a = b = 0.0
                for _ in range(args.rounds):
                    a = max(a, _run(before / "src", config, n, 3))
                    b = max(b, _run(ROOT / "src", config, n, 3))
                print(f"{name:<10} {a:>12,.0f} {b:>12,.0f} {b / a:>12.3f}x")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(before)], check=False)


if __name__ == "__main__":
    main()
