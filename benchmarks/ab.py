"""Before/after: glassnet's training speed at another git revision against the working tree,
in one run: ``python -m benchmarks.ab REF [--rounds N] [--quick]``.

A change to a hot path is stated as figures from one run on one machine: this runs the same
training epochs with the engine of ``REF`` (checked out into a temporary git worktree) and
with the working tree's, alternating between them round after round in fresh child
processes so both sides see the same machine noise, and reports each side's best
samples/s and the ratio. Like ``make bench`` it removes ``OPENBLAS_CORETYPE`` and
``OPENBLAS_L2_SIZE`` from the children's environment, and says so.
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


def _run(src: pathlib.Path, config: tuple, n: int, reps: int) -> float:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    env["PYTHONPATH"] = str(src)
    sizes, batch, opt = config
    out = subprocess.run([sys.executable, "-c", _CHILD, json.dumps([sizes, batch, opt, n, reps])],
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
    parser.add_argument("--configs", default=",".join(CONFIGS),
                        help=f"comma-separated subset of {', '.join(CONFIGS)}")
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
            for name in args.configs.split(","):
                if name not in CONFIGS:
                    raise SystemExit(f"--configs: unknown config {name!r}; expected "
                                     f"{', '.join(CONFIGS)}")
                config = CONFIGS[name]
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
