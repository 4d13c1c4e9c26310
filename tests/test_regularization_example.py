"""``examples/regularization.py`` runs, and regularization does what the course says: it
trades training error for a smaller gap between training and held-out error."""

from __future__ import annotations

import importlib.util
import pathlib
from typing import Any

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "regularization.py"


def _example() -> Any:
    spec = importlib.util.spec_from_file_location("regularization_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_advice_assignments_pattern() -> None:
    results = _example().advice_assignment()  # the assignment's own 1000 epochs
    plain_train, plain_cv = results["unregularized"]
    reg_train, reg_cv = results["l2(0.1)"]
    assert plain_train < 0.03  # the complex model fits its training set
    assert reg_train > plain_train  # the penalty costs training error...
    assert reg_cv < plain_cv  # ...and buys cross-validation error
    assert reg_cv - reg_train < plain_cv - plain_train


def test_l2_and_dropout_each_shrink_the_gap() -> None:
    results = _example().overfitting_gap()
    gap = {k: train - test for k, (train, test) in results.items()}
    assert gap["plain"] > 0.1
    assert gap["l2(0.01)"] < gap["plain"] - 0.05
    assert gap["dropout(0.5)"] < gap["plain"] - 0.03
    assert results["l2(0.01)"][1] > results["plain"][1]  # and the held-out accuracy rises
