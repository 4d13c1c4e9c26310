"""Stand-ins for the course's utility modules (data loaders), for glassnet's course-style
scripts. The course ships its own data files; these build data of the same shape from
public sources bundled with scikit-learn, or generate it as the course's helpers do."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits


def digits_20x20(classes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Handwritten digits of ``classes`` as 400-pixel rows (the course's 20x20 images):
    scikit-learn's 8x8 digits, each pixel doubled to 16x16 and padded by 2, scaled to [0, 1].
    Returns X (m, 400) and integer labels y (m,), sorted by label (as the course's files)."""
    data = load_digits()
    keep = np.flatnonzero(np.isin(data.target, classes))
    keep = keep[np.argsort(data.target[keep], kind="stable")]
    images = data.images[keep] / 16.0
    big = np.kron(images, np.ones((1, 2, 2)))
    padded = np.pad(big, ((0, 0), (2, 2), (2, 2)))
    return padded.reshape(len(padded), 400), data.target[keep]


def load_coffee_data() -> tuple[np.ndarray, np.ndarray]:
    """The course's coffee-roasting set: 200 (temperature, duration) pairs drawn with
    ``default_rng(2)``; a roast is good (1) for 175-260 C, 12-15 min, under the line
    ``duration = 21 - 3 (temperature - 175) / 85``."""
    rng = np.random.default_rng(2)
    X = rng.random(400).reshape(-1, 2)
    X[:, 1] = X[:, 1] * 4 + 11.5
    X[:, 0] = X[:, 0] * (285 - 150) + 150
    t, d = X[:, 0], X[:, 1]
    limit = -3 / (260 - 175) * t + 21
    good = (t > 175) & (t < 260) & (d > 12) & (d < 15) & (d <= limit)
    return X, good.astype(float).reshape(-1, 1)
