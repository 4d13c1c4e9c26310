"""The golden digest: today's results must come out again (see tests/golden/make_golden.py).

Every case of ``tests/golden/golden.json`` (single models with each activation family,
Dropout, BatchNormalization, penalties, every optimizer, schedules, sample weights, float32
and float64, checkpoints and BackupAndRestore resumes; populations and member states; the
lab's six experiments) is recomputed here with one BLAS thread and compared:

- **bitwise** where this machine's fingerprint (NumPy, SciPy, the BLAS each loads and the
  kernels it chose for this CPU, NumPy's SIMD dispatch, the C library, Python) equals the
  one the file was made on: every digest must be equal, bit for bit;
- **tolerance** elsewhere (another CPU or BLAS rounds differently): every summary number
  within ``rtol * scale`` (float32 cases: 1e-5 for loss curves and the lab's numbers, 1e-3
  for weights; float64: 1e-10; see ``make_golden.compare``). Each test's id and message
  name the mode, and a warning says why the fingerprint differs.

A failure means results changed. If that was intended, regenerate the file
(``python tests/golden/make_golden.py``) and explain the change in the commit.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn

_SCRIPT = Path(__file__).parent / "golden" / "make_golden.py"
_spec = importlib.util.spec_from_file_location("glassnet_golden_cases", _SCRIPT)
assert _spec is not None and _spec.loader is not None
mg = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = mg
_spec.loader.exec_module(mg)

GOLDEN: dict[str, Any] = json.loads(mg.GOLDEN_PATH.read_text())
FINGERPRINT = mg.fingerprint()
BITWISE = FINGERPRINT == GOLDEN["fingerprint"]
MODE = "bitwise" if BITWISE else "tolerance"
_MADE_ON = GOLDEN.get("made_on", {}).get("cpu", "an unnamed CPU")
_DIFFERS = sorted(k for k in set(FINGERPRINT) | set(GOLDEN["fingerprint"])
                  if FINGERPRINT.get(k) != GOLDEN["fingerprint"].get(k))
WHY = ("this machine's fingerprint equals the golden file's" if BITWISE else
       f"the fingerprint differs from the golden file's (made on {_MADE_ON}) in "
       f"{', '.join(_DIFFERS)}, so the summaries are compared to a tolerance instead of the "
       "digests")


def test_the_golden_file_holds_every_case_and_nothing_else() -> None:
    assert GOLDEN["format"] == mg.FORMAT and GOLDEN["version"] == mg.VERSION
    assert sorted(GOLDEN["cases"]) == sorted(mg.cases()), (
        "the cases of make_golden.py and golden.json differ: regenerate the file "
        "(python tests/golden/make_golden.py) and say why in the commit")
    assert GOLDEN["rtol"] == {"values": mg.RTOL, "arrays": mg.ARRAY_RTOL}
    assert FINGERPRINT["blas_threads"] == [1]  # the cases run with one BLAS thread


def test_mode(record_property: Any) -> None:
    """Says which comparison the cases below use, and why."""
    record_property("golden_mode", MODE)
    if not BITWISE:
        warnings.warn(f"golden digest compared in tolerance mode: {WHY}", stacklevel=1)
    assert MODE in ("bitwise", "tolerance")


@pytest.mark.parametrize("name", sorted(GOLDEN["cases"]), ids=lambda n: f"{MODE}-{n}")
def test_case_reproduces_the_golden_record(name: str, record_property: Any) -> None:
    record_property("golden_mode", MODE)
    golden = GOLDEN["cases"][name]
    actual = mg.run_case(name)
    problems = mg.compare(golden, actual, BITWISE)
    if actual["values"] != golden["values"]:
        problems.append(f"{actual['values']} values recorded, the golden file has "
                        f"{golden['values']}")
    if problems and BITWISE:
        close = mg.compare(golden, actual, False)
        problems.append("the summaries agree to the tolerance (a change of rounding)" if not close
                        else f"the summaries differ too: {'; '.join(close[:5])}")
    assert not problems, (
        f"golden case {name!r} changed ({MODE} mode: {WHY}): {'; '.join(problems[:8])}. "
        "If the change of results is intended, regenerate tests/golden/golden.json "
        "(python tests/golden/make_golden.py) and explain it in the commit.")


def test_a_case_recomputed_in_one_process_is_the_same_bit_for_bit() -> None:
    """No state leaks from one run into the next (names, generators, caches)."""
    name = "save_load_continue_float32"
    assert mg.run_case(name) == mg.run_case(name)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_comparison_sees_one_bit_and_the_tolerance_a_real_change(dtype: str) -> None:
    x = np.linspace(-1.0, 2.0, 7).astype(dtype)
    curve = [0.9, 0.7, 0.6]

    def record(values: Any, losses: list[float] = curve) -> dict[str, Any]:
        rec = mg.Record(dtype)
        rec.array("w", values)
        history = gn.History()
        history.epoch, history.history = [0, 1, 2], {"loss": list(losses)}
        rec.history("history", history)
        return {"dtype": dtype, "digest": rec.digest(), "summary": rec.summary,
                "array_summary": rec.array_summary}

    golden = record(x)
    one_ulp = x.copy()
    one_ulp[3] = np.nextafter(one_ulp[3], np.inf)
    assert mg.compare(golden, record(x.copy()), True) == []
    assert mg.compare(golden, record(one_ulp), True)  # bitwise: one bit is a change
    assert mg.compare(golden, record(one_ulp), False) == []  # tolerance: rounding is not
    moved = x.copy()
    moved[3] += 0.05  # a change of arithmetic, beyond another machine's rounding
    assert mg.compare(golden, record(moved), False)
    loss_moved = [curve[0], curve[1] * (1 + 1e-4), curve[2]]
    assert mg.compare(golden, record(x, loss_moved), False)
    assert mg.compare(golden, record(x.astype(np.float16)), True)  # the dtype is recorded


def test_a_change_of_arithmetic_fails_in_both_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adam's epsilon 1e-6 instead of 1e-7: the digests and the summaries both change."""
    monkeypatch.setattr(gn.optimizers.Adam, "__init__",
                        functools.partialmethod(gn.optimizers.Adam.__init__, epsilon=1e-6))
    for name in ("adam_dropout_batchnorm_float32", "wide_blas_paths_float64"):
        actual = mg.run_case(name)
        assert mg.compare(GOLDEN["cases"][name], actual, True)
        assert mg.compare(GOLDEN["cases"][name], actual, False)
