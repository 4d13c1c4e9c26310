"""Data for glassnet: built-in sets, 2-D toy problems, loaders, splitting and scaling.

- :func:`load_coffee`, :func:`load_digits`: the course's coffee roasts and scikit-learn's
  8x8 digits, offline; :class:`Dataset` bundles arrays with their names.
- :func:`make_circles`, :func:`make_moons`, :func:`make_xor`, :func:`make_gaussians`,
  :func:`make_spirals`: small 2-D problems that are easy to draw.
- :func:`load_csv`, :func:`load_arrays`: your own numeric data (CSV, ``.npz``/``.npy``;
  never pickles).
- :func:`train_test_split`, :class:`Standardizer`: hold data back; scale features.
"""

from __future__ import annotations

from .builtin import Dataset, load_coffee, load_digits
from .loaders import load_arrays, load_csv
from .preprocessing import Standardizer, train_test_split
from .toy import make_circles, make_gaussians, make_moons, make_spirals, make_xor

__all__ = [
    "Dataset",
    "Standardizer",
    "load_arrays",
    "load_coffee",
    "load_csv",
    "load_digits",
    "make_circles",
    "make_gaussians",
    "make_moons",
    "make_spirals",
    "make_xor",
    "train_test_split",
]
