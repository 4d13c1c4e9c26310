"""Peak memory of ``fit`` on a 60,000 x 784 float32 data set, measured in a fresh process.

``python -m benchmarks.memory`` prints one JSON object. Two measurements:

- ``tracemalloc`` (NumPy reports its array buffers to it), started after the data exist:
  the peak of everything ``fit`` allocates on top of the data. A float64 copy of the data
  would add 2x its size, a float32 copy (e.g. ``X[permutation]`` once per epoch) 1x.
- the operating system's peak resident set size (``VmHWM``) of the whole process,
  minus its size after the imports: data plus everything else, as the machine sees it.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc

import numpy as np

M, N_FEATURES, N_CLASSES = 60_000, 784, 10
MB = 1024 * 1024


def _peak_rss_bytes() -> int:
    """This process's peak resident set size.

    Linux: ``VmHWM`` from ``/proc/self/status``, which starts afresh at ``exec``. (The
    ``ru_maxrss`` of a child process also counts its parent's size at ``fork``.)
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return int(kb) * (1 if sys.platform == "darwin" else 1024)


def measure(epochs: int = 2, batch_size: int = 128) -> dict[str, float | int | str]:
    import glassnet as gn

    from .frameworks import Spec, glassnet_model

    spec = Spec("memory", (N_FEATURES, 256, 128, N_CLASSES), batch_size, n_samples=M)
    model = glassnet_model(spec)
    rss_start = _peak_rss_bytes()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((M, N_FEATURES), dtype=np.float32)
    y = rng.integers(0, N_CLASSES, M).astype(np.int64)
    data_bytes = X.nbytes + y.nbytes
    tracemalloc.start()
    t0 = time.perf_counter()
    model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0, seed=0)
    seconds = time.perf_counter() - t0
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_peak = _peak_rss_bytes()
    return {
        "glassnet_version": gn.__version__,
        "samples": M, "features": N_FEATURES, "epochs": epochs, "batch_size": batch_size,
        "dtype": str(X.dtype), "weights_dtype": str(model.get_weights()[0].dtype),
        "data_mb": data_bytes / MB,
        "fit_traced_peak_mb": traced_peak / MB,
        "rss_peak_over_start_mb": (rss_peak - rss_start) / MB,
        "fit_seconds_with_tracemalloc": seconds,
    }


if __name__ == "__main__":
    print(json.dumps(measure()))
