"""What the tutorial tests share (tests/test_tutorials.py, tests/test_tutorials_b.py): running
a script under one of the drivers in tests/tutorials/, checking that only its import lines
name glassnet, and comparing a glassnet run's values with a Keras run's.

Not a test file: pytest collects only ``test_*.py``."""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
import tokenize
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import glassnet as gn

#: the tutorial scripts and their drivers
HERE = Path(__file__).resolve().parent / "tutorials"
#: the glassnet the drivers import (this checkout's sources)
SRC = str(Path(gn.__file__).resolve().parent.parent)

#: one value to compare: (what, getter of the value from a run's values, how), where how is
#: "equal", ("rtol", r) or ("atol", a)
Check = tuple[str, Callable[[Any], Any], Any]


def run_driver(driver: str, mode: str, name: str, tmp: Path,
               workdir: Path) -> tuple[Any, str]:
    """Run tutorial ``name`` under ``driver`` (a file in tests/tutorials) in ``mode``
    ("glassnet" or "keras") in ``workdir``: the driver's ``@@RESULT`` JSON and its stdout.
    The glassnet run writes its initial weights to ``tmp``, where the Keras run reads them."""
    env = dict(os.environ, PYTHONPATH=SRC, KERAS_BACKEND="torch", MPLBACKEND="Agg")
    weights = tmp / f"{Path(name).stem}_weights.npz"
    workdir.mkdir(exist_ok=True)
    proc = subprocess.run([sys.executable, str(HERE / driver), mode, str(HERE / name),
                           str(weights)], cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, (f"{name} under {mode} failed:\n{proc.stdout[-3000:]}\n"
                                  f"{proc.stderr[-5000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@RESULT ")][-1]
    return json.loads(line[len("@@RESULT "):]), proc.stdout


def assert_only_import_lines_name_glassnet(name: str) -> None:
    """Every ``glassnet`` or ``gn`` in tutorial ``name`` stands on a ``from glassnet ...``
    import line, and no ``import glassnet`` is used: the rest is the tutorial as written."""
    source = (HERE / name).read_text(encoding="utf-8")
    import_lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("glassnet"):
            import_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        elif isinstance(node, ast.Import):
            assert not any(a.name.startswith("glassnet") for a in node.names), name
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in ("glassnet", "gn"):
            assert tok.start[0] in import_lines, f"{name}:{tok.start[0]}: {tok.line}"


def check_problems(checks: list[Check], ours: Any, theirs: Any) -> list[str]:
    """Each check that the two runs' values fail, as a line naming both values."""
    problems = []
    for what, get, how in checks:
        a, b = get(ours), get(theirs)
        if how == "equal":
            ok = json.loads(json.dumps(a)) == json.loads(json.dumps(b))
        else:
            kind, tol = how
            ok = bool(np.allclose(a, b, rtol=tol if kind == "rtol" else 0,
                                  atol=tol if kind == "atol" else 0))
        if not ok:
            problems.append(f"{what}: glassnet {a} vs Keras {b} ({how})")
    return problems
