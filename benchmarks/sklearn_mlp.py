"""glassnet's MLPClassifier beside scikit-learn's: same data, same architecture, same settings.

    python -m benchmarks.sklearn_mlp [--seeds 3] [--no-synthetic]

The 8x8 digits (1,797 examples, 64 features, 10 classes; 100 relu units, scikit-learn's
defaults: batch 200, alpha 1e-4, tol 1e-4 over 10 epochs, at most 200 epochs), once per
solver: adam (0.001), sgd (0.001, Nesterov momentum 0.9), lbfgs (at most 200 iterations).
Then a larger synthetic set (20,000 x 100, 10 classes; 256-128 relu units, adam, a fixed 20
epochs so that both do the same number of steps). For each seed both are fitted on the same
stratified 75/25 split of standardized data with the same ``random_state``; glassnet draws
scikit-learn's initial weights, split and shuffles from it, so in float64 both follow the
same trajectory and the time is the only difference. The table gives the test accuracy
(mean and standard deviation over seeds), the median fit time, the iterations run and the
median time per iteration. Both libraries do their products in NumPy's BLAS, in this one
process, one after the other, alternating; the OpenBLAS variables of the environment are
left as they are (printed below).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from typing import Any

import numpy as np


def _tasks(synthetic: bool) -> list[tuple[str, Any, Any, dict[str, Any]]]:
    from sklearn.datasets import load_digits, make_classification

    X, y = load_digits(return_X_y=True)
    tasks = [(f"digits 1797x64, (100,), {solver}, tol 1e-4", X, y,
              {"hidden_layer_sizes": (100,), "solver": solver})
             for solver in ("adam", "sgd", "lbfgs")]
    if synthetic:
        Xs, ys = make_classification(n_samples=20_000, n_features=100, n_informative=40,
                                     n_classes=10, n_clusters_per_class=2, random_state=0)
        tasks.append(("synthetic 20000x100, (256, 128), adam, 20 epochs", Xs, ys,
                      {"hidden_layer_sizes": (256, 128), "max_iter": 20, "tol": 0.0,
                       "n_iter_no_change": 1000}))
    return tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-synthetic", action="store_true",
                        help="only the digits (three solvers)")
    args = parser.parse_args()

    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as SklearnMLP
    from sklearn.preprocessing import StandardScaler

    import glassnet
    from glassnet.sklearn import MLPClassifier as GlassnetMLP

    warnings.simplefilter("ignore", ConvergenceWarning)
    blas = {k: os.environ.get(k, "(unset)") for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    print(f"glassnet {glassnet.__version__}, scikit-learn {sklearn.__version__}, "
          f"numpy {np.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    print("OpenBLAS variables left as set: "
          + ", ".join(f"{k}={v}" for k, v in blas.items()))
    for title, X, y, params in _tasks(not args.no_synthetic):
        rows: dict[str, dict[str, list[float]]] = {}
        for seed in range(args.seeds):
            X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y,
                                                      random_state=seed)
            scaler = StandardScaler().fit(X_tr)
            X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
            for name, cls, extra in (
                ("scikit-learn float64", SklearnMLP, {}),
                ("glassnet float64", GlassnetMLP, {}),
                ("glassnet float32", GlassnetMLP, {"dtype": "float32"}),
            ):
                est = cls(random_state=seed, **params, **extra)
                start = time.perf_counter()
                est.fit(X_tr, y_tr)
                seconds = time.perf_counter() - start
                row = rows.setdefault(name, {"acc": [], "time": [], "epochs": [], "per": []})
                row["acc"].append(est.score(X_te, y_te))
                row["time"].append(seconds)
                row["epochs"].append(est.n_iter_)
                row["per"].append(seconds / est.n_iter_)
        print(f"\n{title}  ({args.seeds} seeds)")
        print(f"{'':22}{'test accuracy':>18}{'fit time':>10}{'iters':>8}{'ms/iter':>10}")
        for name, row in rows.items():
            acc = f"{statistics.mean(row['acc']):.4f} +- {statistics.pstdev(row['acc']):.4f}"
            print(f"{name:22}{acc:>18}{statistics.median(row['time']):>9.2f}s"
                  f"{statistics.median(row['epochs']):>8.0f}"
                  f"{1000 * statistics.median(row['per']):>10.1f}")


if __name__ == "__main__":
    main()
