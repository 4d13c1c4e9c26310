"""Entry point of the benchmark: ``python -m benchmarks.run [--quick] [--repeats N]``.

``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` (set in some environments to work around old
OpenBLAS bugs) make matrix products several times slower. OpenBLAS reads them once, when
NumPy loads it, so this launcher removes them and re-executes the interpreter before NumPy is
imported; the child prints what was removed. Nothing else in the environment changes.
"""

from __future__ import annotations

import os
import sys

BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_MARKER = "GLASSNET_BENCH_UNSET"  # set in the re-executed child: what the parent removed


def reexec_without_blas_variables(module: str = "benchmarks.run") -> None:
    """Run ``python -m module`` again without the OpenBLAS variables (when any is set, or
    NumPy is already loaded); the child finds ``_MARKER`` and goes on."""
    if _MARKER in os.environ:
        return
    present = {k: os.environ[k] for k in BLAS_VARIABLES if k in os.environ}
    if not present and "numpy" not in sys.modules:
        return
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    env[_MARKER] = ";".join(f"{k}={v}" for k, v in present.items()) or "-"
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", module, *sys.argv[1:]], env)


def environment_note() -> str:
    """One line saying what happened to the OpenBLAS variables in this process."""
    removed = os.environ.get(_MARKER)
    names = " and ".join(BLAS_VARIABLES)
    if removed and removed != "-":
        return (f"OpenBLAS: removed {removed.replace(';', ', ')} from this process's environment "
                f"(re-executed before NumPy loaded); products now run at full speed")
    return f"OpenBLAS: {names} were not set; nothing to remove"


def main() -> None:
    reexec_without_blas_variables()
    from . import suite  # imports NumPy: only now

    suite.main(sys.argv[1:], environment_note())


if __name__ == "__main__":
    main()
