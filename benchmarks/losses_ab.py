"""Before/after: the one-model loss calls at another git revision against the working tree:
``python -m benchmarks.losses_ab REF [--rounds N]``.

The loss is on every training step's path. This times each loss's one-model call (the fused
``logits_value_and_grad`` of the cross-entropies, ``value_and_grad`` of the others) on
float32 batches of 32 and 128 examples with 10 outputs, with the ``glassnet.losses`` of
``REF`` (checked out into a temporary git worktree) and of the working tree, alternating
between them round after round in fresh child processes (as :mod:`benchmarks.ab` does), and
reports each side's best microseconds per call and the ratio.
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

_CHILD = r"""
import json, sys, timeit
import numpy as np
import glassnet as gn
L = gn.losses
rng = np.random.default_rng(0)
res = {}
for m, c in ((32, 10), (128, 10)):
    z = rng.normal(size=(m, c)).astype(np.float32)
    lab = rng.integers(0, c, size=m)
    Y = np.eye(c, dtype=np.float32)[lab]
    p = gn.activations.Softmax().forward(z)
    cases = {
        "scce logits": (L.SparseCategoricalCrossentropy(True).logits_value_and_grad, lab, z),
        "cce logits": (L.CategoricalCrossentropy(True).logits_value_and_grad, Y, z),
        "bce logits": (L.BinaryCrossentropy(True).logits_value_and_grad, Y, z),
        "mse": (L.MeanSquaredError().value_and_grad, Y, z),
        "huber": (L.Huber().value_and_grad, Y, z),
        "cce probs": (L.CategoricalCrossentropy().value_and_grad, Y, p),
        "scce probs": (L.SparseCategoricalCrossentropy().value_and_grad, lab, p),
        "kld": (L.KLDivergence().value_and_grad, Y, p),
    }
    for name, (f, y, x) in cases.items():
        best = min(timeit.repeat(lambda: f(y, x), number=1000, repeat=5)) / 1000
        res[f"{name} {m}x{c}"] = best * 1e6
print(json.dumps({"us": res, "file": gn.__file__}))
"""


def _run(src: pathlib.Path) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    env["PYTHONPATH"] = str(src)
    out = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True,
                         text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["file"].startswith(str(src)):
        raise SystemExit(f"the child imported glassnet from {result['file']}, not {src}")
    return {k: float(v) for k, v in result["us"].items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.losses_ab", description=__doc__)
    parser.add_argument("ref", help="the git revision to compare with (e.g. a commit hash)")
    parser.add_argument("--rounds", type=int, default=5, help="alternations")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="glassnet-losses-ab-") as tmp:
        before = pathlib.Path(tmp) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                        str(before), args.ref], check=True)
        try:
            a: dict[str, float] = {}
            b: dict[str, float] = {}
            for _ in range(args.rounds):
                for side, src in ((a, before / "src"), (b, ROOT / "src")):
                    for key, us in _run(src).items():
                        side[key] = min(side.get(key, float("inf")), us)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(before)], check=False)
    print(f"before: {args.ref}   after: working tree ({ROOT})")
    print(f"{'call (float32)':<20} {'before':>9} {'after':>9} {'after/before':>13}  "
          f"us per call, best of {args.rounds} alternations")
    for key in a:
        print(f"{key:<20} {a[key]:>9.2f} {b[key]:>9.2f} {b[key] / a[key]:>12.3f}x")


if __name__ == "__main__":
    main()
