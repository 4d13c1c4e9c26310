"""Shared fixtures: one seeded random generator for every test."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh ``numpy.random.default_rng(0)``: the same numbers in every test run."""
    return np.random.default_rng(0)
