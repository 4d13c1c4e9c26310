"""Tests for glassnet.datasets: built-in sets, toy problems, splitting, scaling, loaders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sklearn.datasets

from glassnet.datasets import (
    Dataset,
    Standardizer,
    load_arrays,
    load_coffee,
    load_csv,
    load_digits,
    make_circles,
    make_gaussians,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)
from glassnet.errors import (
    ArgumentTypeError,
    ConfigError,
    DataError,
    NotReadyError,
    ShapeError,
)

# --------------------------------------------------------------------------- coffee


def test_coffee_has_the_courses_43_positives_of_200() -> None:
    X, y = load_coffee()
    assert X.shape == (200, 2)
    assert y.shape == (200,)
    assert X.dtype == np.float32
    assert int(y.sum()) == 43
    assert set(np.unique(y).tolist()) == {0.0, 1.0}


def test_coffee_matches_the_course_recipe_line_by_line() -> None:
    X, y = load_coffee(dtype="float64")
    rng = np.random.default_rng(2)
    u = rng.random(400).reshape(-1, 2)
    t = u[:, 0] * (285 - 150) + 150
    d = u[:, 1] * 4 + 11.5
    np.testing.assert_array_equal(X[:, 0], t)
    np.testing.assert_array_equal(X[:, 1], d)
    expected = [
        1.0 if (175 < ti < 260 and 12 < di < 15 and di <= -3 / 85 * ti + 21) else 0.0
        for ti, di in zip(t, d, strict=True)
    ]
    np.testing.assert_array_equal(y, expected)


def test_coffee_ranges() -> None:
    X, y = load_coffee(n_samples=2000, seed=0, dtype="float64")
    temperature, duration = X[:, 0], X[:, 1]
    assert temperature.min() >= 150 and temperature.max() < 285
    assert duration.min() >= 11.5 and duration.max() < 15.5
    good = temperature[y == 1]
    good_d = duration[y == 1]
    assert good.min() > 175 and good.max() < 260
    assert good_d.min() > 12 and good_d.max() < 15
    assert np.all(good_d <= -3 / 85 * good + 21)


def test_coffee_dataset_form_and_seed() -> None:
    ds = load_coffee(return_X_y=False)
    assert isinstance(ds, Dataset)
    assert ds.feature_names == ["temperature", "duration"]
    assert ds.n_samples == 200 and ds.n_features == 2
    X, _ = load_coffee(seed=3)
    assert not np.array_equal(X, ds.X)
    X1, _ = load_coffee(seed=np.random.default_rng(2))
    np.testing.assert_array_equal(X1, ds.X)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"n_samples": 0}, ConfigError),
        ({"n_samples": 2.5}, ArgumentTypeError),
        ({"seed": "two"}, ArgumentTypeError),
        ({"seed": -1}, ConfigError),
        ({"dtype": "int32"}, ConfigError),
    ],
)
def test_coffee_bad_arguments(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error, match=next(iter(kwargs))):
        load_coffee(**kwargs)  # type: ignore[call-overload]


# --------------------------------------------------------------------------- digits


def test_digits_shapes_and_scaling() -> None:
    X, y = load_digits(return_X_y=True)
    assert X.shape == (1797, 64)
    assert y.shape == (1797,)
    assert X.dtype == np.float32
    assert y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    raw, _ = load_digits(return_X_y=True, scaled=False, dtype="float64")
    assert raw.max() == 16.0
    np.testing.assert_allclose(X, raw / 16, rtol=1e-6)


@pytest.mark.parametrize("n_class", [2, 5, 10])
def test_digits_equal_sklearn(n_class: int) -> None:
    ds = load_digits(n_class=n_class, scaled=False, dtype="float64")
    sk = sklearn.datasets.load_digits(n_class=n_class)
    np.testing.assert_array_equal(ds.X, sk.data)
    np.testing.assert_array_equal(ds.y, sk.target)
    assert ds.feature_names == list(sk.feature_names)


def test_toy_data_and_digits_do_not_import_sklearn() -> None:
    # importing scikit-learn costs over a second: the tour's data must not need it
    code = ("import sys, glassnet.datasets as d; d.make_circles(10, seed=1); d.load_digits(); "
            "assert 'sklearn' not in sys.modules, sorted(m for m in sys.modules if 'sklearn' in m)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_digits_binary_keeps_only_zeros_and_ones() -> None:
    X, y = load_digits(return_X_y=True, n_class=2)
    assert set(np.unique(y).tolist()) == {0, 1}
    assert X.shape[0] == int(np.sum(load_digits(return_X_y=True)[1] < 2))


def test_digits_dataset_image_is_row_major() -> None:
    ds = load_digits()
    assert ds.image_shape == (8, 8) and ds.image_order == "C"
    assert ds.target_names == [str(k) for k in range(10)]
    np.testing.assert_array_equal(ds.image(5), ds.X[5].reshape(8, 8))
    bunch = sklearn.datasets.load_digits()
    np.testing.assert_allclose(ds.image(5), bunch.images[5] / 16, rtol=1e-6)


def test_digits_bad_n_class() -> None:
    with pytest.raises(ConfigError, match="n_class"):
        load_digits(n_class=11)


def test_dataset_image_order_f_matches_the_courses_transpose(rng: np.random.Generator) -> None:
    X = rng.random((3, 6))
    ds = Dataset(X, np.zeros(3), [f"p{i}" for i in range(6)], ["a"], "", (2, 3), "F")
    # the course: X[i].reshape(20, 20).T for 20x20; for (h, w) that is reshape(w, h).T
    np.testing.assert_array_equal(ds.image(1), X[1].reshape(3, 2).T)
    square = rng.random((1, 16))
    sq = Dataset(square, np.zeros(1), [f"p{i}" for i in range(16)], ["a"], "", (4, 4), "F")
    np.testing.assert_array_equal(sq.image(0), square[0].reshape(4, 4).T)


def test_dataset_validates_shapes() -> None:
    with pytest.raises(ShapeError, match="y"):
        Dataset(np.zeros((3, 2)), np.zeros(4), ["a", "b"], [])
    with pytest.raises(ShapeError, match="feature_names"):
        Dataset(np.zeros((3, 2)), np.zeros(3), ["a"], [])
    with pytest.raises(ShapeError, match="image_shape"):
        Dataset(np.zeros((3, 2)), np.zeros(3), ["a", "b"], [], image_shape=(2, 2))
    with pytest.raises(ConfigError, match="no image_shape"):
        Dataset(np.zeros((3, 2)), np.zeros(3), ["a", "b"], []).image(0)


# --------------------------------------------------------------------------- toy sets


@pytest.mark.parametrize(("n", "noise", "seed", "factor"),
                         [(300, 0.05, 1, 0.8), (100, 0.05, 2, 0.8), (51, 0.2, 7, 0.8),
                          (1, 0.1, 3, 0.8), (2, 0.0, 0, 0.5), (999, 0.3, 12345, 0.0),
                          (64, 1.5, 2**32 - 2, 0.99)])
def test_circles_equal_sklearn(n: int, noise: float, seed: int, factor: float) -> None:
    # glassnet draws the circles itself (no scikit-learn import): every number must equal
    # scikit-learn's for the same seed
    X_sk, y_sk = sklearn.datasets.make_circles(n, noise=noise, random_state=seed, factor=factor)
    X, y = make_circles(n, noise=noise, seed=seed, factor=factor, dtype="float64")
    np.testing.assert_array_equal(X, X_sk)
    np.testing.assert_array_equal(y, y_sk)
    X32, y32 = make_circles(n, noise=noise, seed=seed, factor=factor)
    assert X32.dtype == np.float32 and y32.dtype == np.int64
    np.testing.assert_array_equal(X32, X_sk.astype(np.float32))


def test_moons_equal_sklearn() -> None:
    X_sk, y_sk = sklearn.datasets.make_moons(123, noise=0.1, random_state=4)
    X, y = make_moons(123, noise=0.1, seed=4, dtype=np.float64)
    np.testing.assert_array_equal(X, X_sk)
    np.testing.assert_array_equal(y, y_sk)


def test_sklearn_backed_sets_do_not_use_global_state() -> None:
    # with random_state=None scikit-learn would draw from (and advance) the global state
    before = np.random.get_state(legacy=False)  # noqa: NPY002 (reading it on purpose)
    a, _ = make_circles(50)
    b, _ = make_circles(50)
    make_moons(50)
    after = np.random.get_state(legacy=False)  # noqa: NPY002
    np.testing.assert_array_equal(before["state"]["key"], after["state"]["key"])
    assert before["state"]["pos"] == after["state"]["pos"]
    assert not np.array_equal(a, b)


def test_xor_labels_are_xor_of_signs() -> None:
    X, y = make_xor(400, noise=0.1, seed=0)
    assert X.shape == (400, 2) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(np.int64))
    assert np.bincount(y).tolist() == [200, 200]
    X0, _ = make_xor(400, noise=0.0, seed=0)
    assert set(map(tuple, np.unique(X0, axis=0).tolist())) == {
        (1.0, 1.0),
        (1.0, -1.0),
        (-1.0, 1.0),
        (-1.0, -1.0),
    }


def test_gaussians_centers_and_std() -> None:
    X, y = make_gaussians(4000, centers=[[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]], std=0.5, seed=1)
    assert np.bincount(y).tolist() == [1334, 1333, 1333]
    for k, center in enumerate([[0, 0], [5, 5], [-5, 5]]):
        np.testing.assert_allclose(X[y == k].mean(axis=0), center, atol=0.05)
        np.testing.assert_allclose(X[y == k].std(axis=0), 0.5, atol=0.05)
    X2, y2 = make_gaussians(10, centers=2, std=0.0, seed=0, dtype="float64")
    np.testing.assert_allclose(X2[y2 == 0], [[2.0, 0.0]] * 5)
    np.testing.assert_allclose(X2[y2 == 1], [[-2.0, 0.0]] * 5, atol=1e-12)
    with pytest.raises(ShapeError, match="centers"):
        make_gaussians(10, centers=[1.0, 2.0])
    with pytest.raises(ShapeError, match="std"):
        make_gaussians(10, centers=3, std=[1.0, 2.0])


def test_spirals_shape_classes_and_radius() -> None:
    X, y = make_spirals(301, n_classes=3, noise=0.0, seed=0, dtype="float64")
    assert X.shape == (301, 2)
    assert np.bincount(y).tolist() == [101, 100, 100]
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.max() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "maker", [make_circles, make_moons, make_xor, make_gaussians, make_spirals]
)
def test_toy_sets_are_deterministic_and_validated(maker: object) -> None:
    assert callable(maker)
    X1, y1 = maker(40, seed=3)
    X2, y2 = maker(40, seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert X1.shape == (40, 2) and X1.dtype == np.float32 and y1.dtype == np.int64
    with pytest.raises(ConfigError, match="n_samples"):
        maker(0)
    with pytest.raises(ArgumentTypeError, match="n_samples"):
        maker(10.0)
    if maker is not make_gaussians:
        with pytest.raises(ConfigError, match="noise"):
            maker(10, noise=-0.1)


# --------------------------------------------------------------------------- train_test_split


def test_split_sizes_no_overlap_and_complete(rng: np.random.Generator) -> None:
    X = np.arange(100).reshape(50, 2)
    y = np.arange(50)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0)
    assert X_tr.shape == (40, 2) and X_te.shape == (10, 2)
    assert set(y_tr.tolist()).isdisjoint(y_te.tolist())
    assert sorted(y_tr.tolist() + y_te.tolist()) == list(range(50))
    np.testing.assert_array_equal(X_tr[:, 0] // 2, y_tr)  # rows stay paired with labels
    _, X_te_n, _, _ = train_test_split(X, y, test_size=7, seed=rng)
    assert X_te_n.shape == (7, 2)
    _, _, _, y_te_ceil = train_test_split(X, y, test_size=0.25, seed=0)
    assert len(y_te_ceil) == 13  # ceil(0.25 * 50)


def test_split_is_deterministic_by_seed() -> None:
    X = np.arange(60).reshape(30, 2)
    y = np.arange(30)
    a = train_test_split(X, y, seed=5)
    b = train_test_split(X, y, seed=5)
    c = train_test_split(X, y, seed=6)
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a[3], c[3])


def test_split_without_shuffle_takes_the_last_rows() -> None:
    X = np.arange(10).reshape(10, 1)
    y = np.arange(10)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=3, shuffle=False)
    assert y_tr.tolist() == list(range(7)) and y_te.tolist() == [7, 8, 9]
    with pytest.raises(ConfigError, match="shuffle"):
        train_test_split(X, y, shuffle=False, stratify=True)


def test_stratify_keeps_class_ratio() -> None:
    y = np.array([0] * 90 + [1] * 10)
    X = np.arange(100).reshape(100, 1)
    for seed in range(5):
        _, _, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=seed, stratify=True)
        assert np.bincount(y_te).tolist() == [18, 2]
        assert np.bincount(y_tr).tolist() == [72, 8]
    onehot = np.eye(3)[np.array([0] * 30 + [1] * 30 + [2] * 60)]
    _, _, _, oh_te = train_test_split(np.zeros((120, 2)), onehot, test_size=0.25, stratify=True)
    per_class = oh_te.sum(axis=0)
    assert per_class[2] == 15 and sorted(per_class[:2].tolist()) == [7, 8]  # 7.5 rounds either way


@pytest.mark.parametrize(
    ("test_size", "error"),
    [
        (0.0, ConfigError),
        (1.0, ConfigError),
        (0, ConfigError),
        (10, ConfigError),
        ("a", ArgumentTypeError),
    ],
)
def test_split_bad_test_size(test_size: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="test_size"):
        train_test_split(np.zeros((10, 2)), np.zeros(10), test_size=test_size)  # type: ignore[arg-type]


def test_split_length_mismatch() -> None:
    with pytest.raises(ShapeError, match=r"X with 10 .* y with 9"):
        train_test_split(np.zeros((10, 2)), np.zeros(9))


# --------------------------------------------------------------------------- Standardizer


def test_standardizer_mean_zero_std_one(rng: np.random.Generator) -> None:
    X = (rng.normal(size=(500, 4)) * [1.0, 10.0, 0.1, 3.0] + [5.0, -2.0, 100.0, 0.0]).astype(
        np.float32
    )
    scaler = Standardizer()
    Z = scaler.fit_transform(X)
    assert Z.dtype == np.float32
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, atol=1e-5)  # population std, ddof=0
    assert scaler.std_ is not None
    np.testing.assert_allclose(scaler.std_, X.astype(np.float64).std(axis=0, ddof=0), rtol=1e-12)
    back = scaler.inverse_transform(Z)
    assert back.dtype == np.float32
    np.testing.assert_allclose(back, X, rtol=1e-5, atol=1e-4)


def test_standardizer_float64_round_trip_exact(rng: np.random.Generator) -> None:
    X = rng.normal(size=(50, 3))
    scaler = Standardizer().fit(X)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X, rtol=1e-12)
    assert scaler.transform(X).dtype == np.float64
    assert scaler.transform(np.ones((2, 3), dtype=np.int64)).dtype == np.float64


def test_standardizer_constant_column_left_unscaled() -> None:
    X = np.array([[1.0, 0.1], [2.0, 0.1], [3.0, 0.1]])
    scaler = Standardizer().fit(X)
    Z = scaler.transform(X)
    assert np.all(np.isfinite(Z))
    np.testing.assert_array_equal(Z[:, 1], 0.0)
    assert scaler.std_ is not None and scaler.std_[1] == 0.0
    assert scaler.scale_ is not None and scaler.scale_[1] == 1.0
    np.testing.assert_allclose(scaler.transform([[1.0, 1.1]])[0, 1], 1.0)


def test_standardizer_errors() -> None:
    scaler = Standardizer()
    with pytest.raises(NotReadyError, match="fit"):
        scaler.transform(np.zeros((2, 4)))
    scaler.fit(np.arange(8.0).reshape(2, 4))
    with pytest.raises(ShapeError, match="X has 3 features but the Standardizer was fitted on 4"):
        scaler.transform(np.zeros((2, 3)))
    with pytest.raises(ShapeError, match="2-D"):
        scaler.transform(np.zeros(4))
    with pytest.raises(DataError, match="finite"):
        Standardizer().fit([[1.0, np.nan]])


def test_standardizer_config_round_trip(rng: np.random.Generator) -> None:
    X = rng.normal(size=(20, 3))
    scaler = Standardizer().fit(X)
    config = json.loads(json.dumps(scaler.get_config()))
    assert set(config) == {"mean", "std"} and all(isinstance(v, float) for v in config["mean"])
    clone = Standardizer.from_config(config)
    np.testing.assert_array_equal(clone.transform(X), scaler.transform(X))
    assert not Standardizer.from_config(Standardizer().get_config()).is_fitted
    with pytest.raises(ConfigError, match="same length"):
        Standardizer.from_config({"mean": [0.0, 1.0], "std": [1.0]})


# --------------------------------------------------------------------------- CSV


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_round_trip_with_header_by_name_and_index(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    X = rng.normal(size=(6, 3)).round(4)
    y = np.array([0, 1, 2, 1, 0, 2])
    lines = ["a,label,b,c"] + [f"{X[i, 0]},{y[i]},{X[i, 1]},{X[i, 2]}" for i in range(6)]
    path = _write(tmp_path / "data.csv", "\n".join(lines) + "\n")
    X_by_name, y_by_name = load_csv(path, label_column="label", dtype="float64")
    np.testing.assert_array_equal(X_by_name, X)
    np.testing.assert_array_equal(y_by_name, y)
    assert y_by_name.dtype == np.int64
    X_by_index, y_by_index = load_csv(str(path), label_column=1)
    assert X_by_index.dtype == np.float32
    np.testing.assert_array_equal(y_by_index, y)
    np.testing.assert_allclose(X_by_index, X, rtol=1e-6)


def test_csv_without_header_and_float_labels(tmp_path: Path) -> None:
    path = _write(tmp_path / "plain.csv", "1;2;0.5\n\n3;4;1.5\n")
    X, y = load_csv(path, delimiter=";")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, [0.5, 1.5])
    with pytest.raises(ConfigError, match="no header"):
        load_csv(path, delimiter=";", label_column="y")


def test_csv_bad_cell_names_file_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.csv", "x1,x2,y\n1,2,0\n3,oops,1\n")
    with pytest.raises(DataError) as info:
        load_csv(path)
    message = str(info.value)
    assert "bad.csv" in message and "line 3" in message
    assert "'x2'" in message and "'oops'" in message


def test_csv_ragged_line_and_missing_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "ragged.csv", "1,2,0\n3,4\n")
    with pytest.raises(DataError, match="line 2"):
        load_csv(path)
    missing = tmp_path / "nope.csv"
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_csv(missing)
    with pytest.raises(ConfigError, match="label_column"):
        load_csv(_write(tmp_path / "h.csv", "a,b\n1,2\n"), label_column="c")


# --------------------------------------------------------------------------- npz / npy


def test_npz_and_npy_round_trip(tmp_path: Path, rng: np.random.Generator) -> None:
    X = rng.normal(size=(5, 3))
    y = np.arange(5)
    np.savez(tmp_path / "d.npz", X=X, y=y, features=X[:, :2])
    X1, y1 = load_arrays(tmp_path / "d.npz")
    np.testing.assert_array_equal(X1, X)
    assert y1 is not None
    np.testing.assert_array_equal(y1, y)
    X2, y2 = load_arrays(tmp_path / "d.npz", x_key="features", y_key=None)
    assert y2 is None and X2.shape == (5, 2)
    np.save(tmp_path / "x.npy", X)
    X3, y3 = load_arrays(tmp_path / "x.npy")
    np.testing.assert_array_equal(X3, X)
    assert y3 is None


def test_npz_with_object_array_is_refused(tmp_path: Path) -> None:
    ragged = np.empty(2, dtype=object)
    ragged[0], ragged[1] = [1, 2], [3]
    np.savez(tmp_path / "obj.npz", X=np.zeros((2, 2)), y=ragged)
    with pytest.raises(DataError, match="contains Python objects; glassnet never loads pickles"):
        load_arrays(tmp_path / "obj.npz")
    np.save(tmp_path / "obj.npy", ragged, allow_pickle=True)
    with pytest.raises(DataError, match="never loads pickles"):
        load_arrays(tmp_path / "obj.npy")


def test_npz_missing_keys_are_listed(tmp_path: Path) -> None:
    np.savez(tmp_path / "k.npz", features=np.zeros((2, 2)), labels=np.zeros(2))
    with pytest.raises(DataError) as info:
        load_arrays(tmp_path / "k.npz")
    message = str(info.value)
    assert "'X'" in message and "'y'" in message
    assert "features" in message and "labels" in message
    with pytest.raises(FileNotFoundError):
        load_arrays(tmp_path / "none.npz")
