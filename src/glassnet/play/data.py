"""The run's data: an uploaded CSV read by glassnet's own loader (:func:`read_csv_upload`),
and :func:`build_data`, which loads a data set, splits it, standardizes it where the exported
script does, and computes a 2-D set's input features (:class:`PlayData`)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

import glassnet as gn

from ..errors import DataError
from . import features as feat
from .config import PLANE_SETS, PlayConfig

Array = NDArray[Any]

__all__ = ["MAX_CSV_FEATURES", "MAX_CSV_ROWS", "CsvData", "PlayData", "build_data",
           "read_csv_upload"]

MAX_CSV_ROWS = 20_000
MAX_CSV_FEATURES = 1024


@dataclass(frozen=True)
class CsvData:
    """An uploaded CSV, already read by :func:`glassnet.datasets.load_csv`: its text is kept
    only so the exported script can replay the same load."""

    name: str
    text: str
    X: Array
    y: Array


def read_csv_upload(name: str, text: str) -> CsvData:
    """Numbers from an uploaded CSV through glassnet's own loader, or a DataError.

    The text is written to a private temporary file (the request never names a path) and read
    with :func:`glassnet.datasets.load_csv`; its messages name the upload, not the file.
    """
    fd, path = tempfile.mkstemp(prefix="glassnet-play-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        try:
            X, y = gn.datasets.load_csv(path)
        except (gn.GlassnetError, UnicodeDecodeError, ValueError) as exc:
            raise DataError(str(exc).replace(path, name)) from None
    finally:
        os.unlink(path)
    if X.shape[0] > MAX_CSV_ROWS or X.shape[1] > MAX_CSV_FEATURES:
        raise DataError(f"{name}: expected at most {MAX_CSV_ROWS} rows and "
                        f"{MAX_CSV_FEATURES} feature columns, got {X.shape[0]} x {X.shape[1]}")
    if X.shape[0] < 10:
        raise DataError(f"{name}: expected at least 10 rows to split and train on, "
                        f"got {X.shape[0]}")
    return CsvData(name=name, text=text, X=X, y=y)


@dataclass
class PlayData:
    """The run's data, split and scaled exactly as the exported script does it."""

    X_train: Array
    y_train: Array
    X_test: Array
    y_test: Array
    task: str                      # "binary", "multiclass" or "regression"
    n_classes: int
    class_names: list[str]
    feature_names: list[str]
    image_shape: tuple[int, int] | None
    description: str
    standardized: bool
    label_values: list[float] = field(default_factory=list)
    # a 2-D data set: its points (the network reads ``features`` computed from them)
    raw_train: Array | None = None
    raw_test: Array | None = None
    features: tuple[str, ...] = ()

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def plane(self) -> bool:
        return self.raw_train is not None

    def inputs(self, points: Array) -> Array:
        """The network's inputs for points of the plane (its chosen features)."""
        return feat.transform(points, self.features)


def _load_raw(cfg: PlayConfig, csv: CsvData | None) -> tuple[Array, Array, dict[str, Any]]:
    n, noise, seed = cfg.n_samples, cfg.noise, cfg.data_seed
    info: dict[str, Any] = {"feature_names": ["x1", "x2"], "image_shape": None,
                            "standardize": False, "class_names": None}
    X: Array
    y: Array
    if cfg.dataset == "circles":
        X, y = gn.datasets.make_circles(n, noise=noise, factor=0.5, seed=seed)
    elif cfg.dataset == "moons":
        X, y = gn.datasets.make_moons(n, noise=noise, seed=seed)
    elif cfg.dataset == "xor":
        X, y = gn.datasets.make_xor(n, noise=noise, seed=seed)
    elif cfg.dataset == "gaussians":
        X, y = gn.datasets.make_gaussians(n, centers=cfg.n_classes, std=max(noise, 1e-3) * 5,
                                          seed=seed)
    elif cfg.dataset == "spirals":
        X, y = gn.datasets.make_spirals(n, n_classes=cfg.n_classes, noise=noise, seed=seed)
    elif cfg.dataset == "plane":
        X, y = feat.make_plane(n, noise=noise, seed=seed)
    elif cfg.dataset == "mixture":
        X, y = feat.make_mixture(n, noise=noise, seed=seed)
    elif cfg.dataset == "coffee":
        ds = gn.datasets.load_coffee(n, seed, return_X_y=False)
        X, y = ds.X, ds.y.astype(np.int64)
        info.update(feature_names=list(ds.feature_names), standardize=True,
                    class_names=list(ds.target_names))
    elif cfg.dataset == "digits":
        ds = gn.datasets.load_digits()
        X, y = ds.X, ds.y
        info.update(feature_names=list(ds.feature_names), image_shape=ds.image_shape,
                    class_names=list(ds.target_names))
    else:
        if csv is None:
            raise DataError("dataset: 'csv' needs an uploaded CSV file first")
        X, y = csv.X, csv.y
        info.update(feature_names=[f"x{j + 1}" for j in range(X.shape[1])], standardize=True)
    return X, y, info


def build_data(cfg: PlayConfig, csv: CsvData | None = None) -> PlayData:
    """Load, split (``train_test_split`` with ``seed=data_seed``) and, for coffee and CSV
    data, standardize on the training part."""
    X, y, info = _load_raw(cfg, csv)
    label_values: list[float] = []
    if np.issubdtype(y.dtype, np.integer):
        values, y = np.unique(y, return_inverse=True)
        label_values = [float(v) for v in values]
        k = len(values)
        if k < 2:
            raise DataError(f"y: expected at least 2 classes, got {k} (label {values[0]})")
        if k > 50:
            raise DataError(f"y: expected at most 50 classes, got {k}")
        task = "binary" if k == 2 else "multiclass"
        y = y.astype(np.int64)
    else:
        task, k = "regression", 1
    X_train, X_test, y_train, y_test = gn.datasets.train_test_split(
        X, y, test_size=cfg.test_fraction, seed=cfg.data_seed, stratify=task != "regression")
    if info["standardize"]:
        scaler = gn.datasets.Standardizer().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    names = info["class_names"] or (
        [f"{v:g}" for v in label_values] if label_values else ["value"])
    raw_train = raw_test = None
    features: tuple[str, ...] = ()
    feature_names = [str(f) for f in info["feature_names"]]
    if cfg.dataset in PLANE_SETS:
        raw_train = np.ascontiguousarray(X_train, dtype=np.float32)
        raw_test = np.ascontiguousarray(X_test, dtype=np.float32)
        features = cfg.features
        X_train, X_test = feat.transform(raw_train, features), feat.transform(raw_test, features)
        feature_names = list(features)
    elif X_train.shape[1] == 2:  # coffee, a 2-column CSV: a plane, drawn as it is
        raw_train = np.ascontiguousarray(X_train, dtype=np.float32)
        raw_test = np.ascontiguousarray(X_test, dtype=np.float32)
        features = ("x1", "x2")
    return PlayData(
        X_train=np.ascontiguousarray(X_train, dtype=np.float32),
        y_train=y_train, X_test=np.ascontiguousarray(X_test, dtype=np.float32), y_test=y_test,
        task=task, n_classes=k, class_names=[str(c) for c in names],
        feature_names=feature_names,
        image_shape=info["image_shape"], description=_describe(cfg, csv, X),
        standardized=bool(info["standardize"]), label_values=label_values,
        raw_train=raw_train, raw_test=raw_test, features=features)


def _describe(cfg: PlayConfig, csv: CsvData | None, X: Array) -> str:
    if cfg.dataset == "csv" and csv is not None:
        return f"{csv.name}: {X.shape[0]} rows, {X.shape[1]} features"
    return f"{cfg.dataset}: {X.shape[0]} examples, {X.shape[1]} features"
