"""glassnet.sklearn against scikit-learn's own MLPs: the same objective, the same random draws,
so the same trajectory; every solver and schedule; the fitted attributes; data as
scikit-learn takes it (dtypes, sparse, single class, strings); pickling; bad input."""

from __future__ import annotations

import copy
import io
import pickle
import re
import time
import warnings
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")
joblib = pytest.importorskip("joblib")
scipy_sparse = pytest.importorskip("scipy.sparse")

from sklearn import neural_network  # noqa: E402
from sklearn.datasets import load_digits, make_multilabel_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

import glassnet as gn  # noqa: E402
import glassnet.sklearn as gsk  # noqa: E402
from glassnet.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def theirs(est: Any) -> Any:
    """scikit-learn's estimator with the same parameters (glassnet's own extras left out)."""
    cls = getattr(neural_network, type(est).__name__)
    names = set(cls().get_params())
    return cls(**{k: v for k, v in est.get_params().items() if k in names})


def assert_same_weights(a: Any, b: Any, rtol: float = 1e-9) -> None:
    assert len(a.coefs_) == len(b.coefs_)
    for x, y in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=rtol * 1e-3)


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    X, y = load_digits(n_class=3, return_X_y=True)
    X = MinMaxScaler().fit_transform(X[:150])
    y = y[:150]
    Y_multi, _ = make_multilabel_classification(n_samples=150, n_features=64,
                                                random_state=0, return_indicator=True)[::-1]
    rng = np.random.default_rng(1)
    W = rng.normal(size=(64, 3))
    return {"X": X, "multiclass": y, "binary": (y == 1).astype(int),
            "multilabel": make_multilabel_classification(
                n_samples=150, n_features=64, random_state=0, return_indicator=True)[1],
            "regression": X @ W[:, 0] + 0.1 * rng.normal(size=150),
            "multioutput": X @ W}


TARGETS = ["binary", "multiclass", "multilabel", "regression", "multioutput"]


def estimator(target: str, **kw: Any) -> Any:
    cls = MLPRegressor if target in ("regression", "multioutput") else MLPClassifier
    return cls(hidden_layer_sizes=(7, 5), random_state=3, **kw)


# ----------------------------------------------------------------------------- the objective


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.filterwarnings("ignore:Got `batch_size`")
def test_loss_equals_scikit_learns_on_shared_weights(data: dict[str, Any], target: str,
                                                     alpha: float) -> None:
    """Weights copied from a scikit-learn fit into both estimators; one full-batch step of
    each reports the loss at those weights: equal, penalty included (multilabel summed over
    the labels, regression half the squared error)."""
    X, y = data["X"], data[target]
    ref = theirs(estimator(target, solver="sgd", max_iter=3, alpha=alpha)).fit(X, y)
    kw = {"classes": np.unique(y)} if target in ("binary", "multiclass") else {}
    if target == "multilabel":
        kw = {"classes": np.arange(y.shape[1])}
    ours = estimator(target, solver="sgd", alpha=alpha, batch_size=len(X), momentum=0.0)
    them = theirs(ours)
    for est in (ours, them):
        est.partial_fit(X[:2], y[:2], **kw)  # fitted attributes, then the shared weights
        est.coefs_ = [c.copy() for c in ref.coefs_]
        est.intercepts_ = [b.copy() for b in ref.intercepts_]
        est.partial_fit(X, y)
    assert ours.loss_ == pytest.approx(them.loss_, rel=1e-12)
    assert_same_weights(ours, them, rtol=1e-10)  # and the step taken from there


# ----------------------------------------------------------------------------- solvers


SOLVERS = [
    {"solver": "adam"},
    {"solver": "sgd"},  # Nesterov momentum 0.9
    {"solver": "sgd", "nesterovs_momentum": False, "momentum": 0.5},
    {"solver": "sgd", "learning_rate": "invscaling", "power_t": 0.3,
     "learning_rate_init": 0.2},
    {"solver": "sgd", "learning_rate": "adaptive", "tol": 0.05, "n_iter_no_change": 2,
     "learning_rate_init": 0.3},
    {"solver": "sgd", "momentum": 0.0, "batch_size": 16, "shuffle": False},
    {"solver": "lbfgs", "max_iter": 15},
]


@pytest.mark.parametrize("params", SOLVERS, ids=lambda p: "-".join(map(str, p.values())))
@pytest.mark.parametrize("target", ["multiclass", "multioutput"])
def test_same_random_state_same_trajectory_as_scikit_learn(
        data: dict[str, Any], target: str, params: dict[str, Any]) -> None:
    X, y = data["X"], data[target]
    ours = estimator(target, **({"max_iter": 25} | params))
    them = theirs(ours)
    ours.fit(X, y)
    them.fit(X, y)
    if target == "multioutput" and params["solver"] == "lbfgs":
        # scikit-learn's L-BFGS is handed 0.5 * the squared error averaged over the targets
        # with the gradient of its sum over them, so their search differs from ours; the
        # reported loss_ is its formula at our weights
        W = ours.coefs_
        pred = ours.predict(X)
        expected = 0.5 * np.mean((pred - y) ** 2) + ours.alpha / (2 * len(X)) * sum(
            float(np.sum(w * w)) for w in W)
        assert ours.loss_ == pytest.approx(expected, rel=1e-9)
        assert ours.loss_ < them.loss_curve_[0] if hasattr(them, "loss_curve_") else True
        return
    assert ours.n_iter_ == them.n_iter_
    assert ours.loss_ == pytest.approx(them.loss_, rel=1e-7)
    assert_same_weights(ours, them, rtol=1e-6)
    if params["solver"] != "lbfgs":
        np.testing.assert_allclose(ours.loss_curve_, them.loss_curve_, rtol=1e-7)
        assert ours.t_ == them.t_ and ours.best_loss_ == pytest.approx(them.best_loss_)
        assert ours._no_improvement_count == them._no_improvement_count
        if params["solver"] == "sgd":  # the step size the schedule reached
            assert float(ours._optimizer.learning_rate) == pytest.approx(
                them._optimizer.learning_rate, rel=1e-12)
    np.testing.assert_allclose(ours.predict(X), them.predict(X), rtol=1e-6, atol=1e-9)


def test_lbfgs_limits_and_no_partial_fit(data: dict[str, Any]) -> None:
    X, y = data["X"], data["multiclass"]
    est = MLPClassifier(solver="lbfgs", hidden_layer_sizes=20, max_fun=10, random_state=1)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        est.fit(X, y)
    assert est.n_iter_ <= 10
    assert not hasattr(est, "partial_fit") and not hasattr(est, "loss_curve_")
    assert hasattr(MLPClassifier(solver="sgd"), "partial_fit")
    # the solver moves the network's own arrays: model_ predicts what the estimator does
    np.testing.assert_allclose(est.model_.predict(X), est.predict_proba(X))


def test_n_iter_no_change_inf_runs_to_max_iter(data: dict[str, Any]) -> None:
    X, y = data["X"], data["binary"]
    est = MLPClassifier(solver="sgd", tol=1e9, n_iter_no_change=np.inf, max_iter=40,
                        hidden_layer_sizes=5, random_state=0)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        est.fit(X, y)
    assert est.n_iter_ == 40 and est._no_improvement_count == 39
    stop = MLPClassifier(solver="sgd", tol=1e9, n_iter_no_change=3, max_iter=40,
                         hidden_layer_sizes=5, random_state=0).fit(X, y)
    # the first epoch improves on an infinite best loss; the next four do not
    assert stop.n_iter_ == 5 and stop._no_improvement_count == 4
    assert theirs(stop).fit(X, y).n_iter_ == 5


def test_adaptive_learning_rate_divides_by_five_until_it_stops() -> None:
    X, y = [[3, 2], [1, 6]], [1, 0]
    est = MLPClassifier(tol=0.5, max_iter=3000, solver="sgd", learning_rate="adaptive",
                        random_state=0).fit(X, y)
    assert est.n_iter_ < 3000
    assert float(est._optimizer.learning_rate) < 1e-6
    # 0.001 / 5**k: the last rate before stopping is the first at or below 1e-6
    k = round(np.log(0.001 / est._optimizer.learning_rate) / np.log(5))
    assert est._optimizer.learning_rate == pytest.approx(0.001 / 5**k)


# ----------------------------------------------------------------------------- early stopping


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_early_stopping_attributes_and_errors(data: dict[str, Any], Est: Any) -> None:
    X = data["X"]
    y = data["binary"] if Est is MLPClassifier else data["regression"]
    est = Est(solver="sgd", early_stopping=True, tol=0.2, max_iter=300, random_state=0)
    est.fit(X, y)
    assert est.best_loss_ is None and isinstance(est.validation_scores_, list)
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.n_iter_ < 300
    plain = Est(solver="sgd", tol=0.2, max_iter=300, random_state=0).fit(X, y)
    assert plain.validation_scores_ is None and plain.best_validation_score_ is None
    assert plain.best_loss_ == min(plain.loss_curve_)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        est.partial_fit(X, y)
    if Est is MLPRegressor:  # (a classifier's split fails first on its classes)
        with pytest.raises(ValueError, match="The validation set is too small"):
            Est(early_stopping=True).fit(X[:2], y[:2])


def test_early_stopping_split_too_small_for_the_classes() -> None:
    with pytest.raises(ValueError, match=re.escape("Classes with too few members are: "
                                                   "['True']")):
        MLPClassifier(early_stopping=True).fit([[1, 2], [2, 3], [3, 4], [4, 5]],
                                               [0, 0, 0, 1])


def test_diverging_fit_with_early_stopping_keeps_the_best_weights() -> None:
    X, y = load_digits(n_class=3, return_X_y=True)
    est = MLPRegressor(hidden_layer_sizes=100, activation="identity", solver="sgd",
                       learning_rate_init=1.0, max_iter=20, early_stopping=True,
                       random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        est.fit(X, y.astype(float))
    assert np.isnan(est.validation_scores_[-1]) and type(est.validation_scores_[-1]) is float
    assert all(np.isfinite(w).all() for w in est.coefs_)  # the best epoch's weights
    assert est.best_validation_score_ == np.nanmax(est.validation_scores_)


def test_string_labels_with_early_stopping(data: dict[str, Any]) -> None:
    X, y = data["X"], data["multiclass"]
    names = np.array(["class_a", "class_b", "class_c"], dtype=object)[y]
    est = MLPClassifier(early_stopping=True, max_iter=30, random_state=0).fit(X, names)
    assert len(est.validation_scores_) == est.n_iter_
    assert set(est.predict(X)) <= set(names)
    assert est.score(X, names) > 0.8


# ----------------------------------------------------------------------------- warm start


def test_warm_start_keeps_classes_and_runs_max_iter_each_call(data: dict[str, Any]) -> None:
    X, y = data["X"], data["multiclass"]
    est = MLPClassifier(solver="sgd", hidden_layer_sizes=4, warm_start=True, max_iter=3,
                        random_state=0)
    est.fit(X, y)
    first = [c.copy() for c in est.coefs_]
    est.fit(X, y)
    assert est.n_iter_ == 3 and len(est.loss_curve_) == 6
    assert not np.array_equal(first[0], est.coefs_[0])
    message = ("warm_start can only be used where `y` has the same classes as in the previous "
               "call to fit. Previously got [0 1 2], `y` has [0 1]")
    with pytest.raises(ValueError, match=re.escape(message)):
        est.fit(X, np.minimum(y, 1))


# ----------------------------------------------------------------------------- attributes


def test_writable_coefs_reproduce_a_worked_example() -> None:
    """Weights assigned by hand, one plain SGD step with alpha, computed on paper (logistic
    units, one example): the network follows the assigned lists."""
    X, y = np.array([[0.6, 0.8, 0.7]]), np.array([0])
    est = MLPClassifier(solver="sgd", learning_rate_init=0.1, alpha=0.1,
                        activation="logistic", hidden_layer_sizes=2, momentum=0,
                        random_state=1)
    est.partial_fit(X, y, classes=[0, 1])
    W1, b1 = np.array([[0.1, 0.2], [0.3, 0.1], [0.5, 0.0]]), np.array([0.1, 0.1])
    W2, b2 = np.array([[0.1], [0.2]]), np.array([1.0])
    est.coefs_ = [W1.copy(), W2.copy()]
    est.intercepts_ = [b1.copy(), b2.copy()]
    est.partial_fit(X, y)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h = sig(X @ W1 + b1)
    o = sig(h @ W2 + b2)
    d2 = o - 0  # target 0
    d1 = (d2 @ W2.T) * h * (1 - h)
    np.testing.assert_allclose(est.coefs_[0], W1 - 0.1 * (X.T @ d1 + 0.1 * W1), rtol=1e-12)
    np.testing.assert_allclose(est.coefs_[1], W2 - 0.1 * (h.T @ d2 + 0.1 * W2), rtol=1e-12)
    np.testing.assert_allclose(est.intercepts_[1], b2 - 0.1 * d2[0], rtol=1e-12)
    assert est.coefs_[0] is est.model_.layers[0].W  # the lists hold the network's arrays
    assert est.n_layers_ == 3 and est.n_outputs_ == 1 and est.out_activation_ == "logistic"


@pytest.mark.parametrize("target", TARGETS)
def test_fitted_attributes_match_scikit_learns(data: dict[str, Any], target: str) -> None:
    X, y = data["X"], data[target]
    ours = estimator(target, max_iter=5).fit(X, y)
    them = theirs(ours).fit(X, y)
    for name in ("n_layers_", "n_outputs_", "out_activation_", "n_iter_", "t_",
                 "n_features_in_"):
        assert getattr(ours, name) == getattr(them, name), name
    if hasattr(them, "classes_"):
        np.testing.assert_array_equal(ours.classes_, them.classes_)
    assert type(ours.coefs_) is list and type(ours.intercepts_) is list
    assert [c.shape for c in ours.coefs_] == [c.shape for c in them.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in them.intercepts_]
    assert ours.predict(X).shape == them.predict(X).shape
    assert ours.predict(X).dtype == them.predict(X).dtype


def test_single_class_is_handled_as_scikit_learn_does(data: dict[str, Any]) -> None:
    X = data["X"]
    y = np.full(len(X), "only")
    ours = MLPClassifier(hidden_layer_sizes=4, max_iter=5, random_state=0).fit(X, y)
    them = theirs(ours).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), them.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), them.predict_proba(X), rtol=1e-9)
    assert ours.predict_proba(X).shape == (len(X), 2)


# ----------------------------------------------------------------------------- data


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_network_dtype_follows_the_input(data: dict[str, Any], dtype: Any, Est: Any) -> None:
    X = data["X"].astype(dtype)
    y = data["multiclass"]
    est = Est(hidden_layer_sizes=(5, 3), max_iter=5, random_state=1).fit(X, y)
    assert est.model_.dtype == dtype
    assert all(c.dtype == dtype for c in est.coefs_ + est.intercepts_)
    if Est is MLPRegressor:
        assert est.predict(X).dtype == dtype
    forced = Est(hidden_layer_sizes=3, max_iter=2, random_state=1, dtype="float64").fit(X, y)
    assert forced.coefs_[0].dtype == np.float64


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_stays_sparse_and_matches_dense(data: dict[str, Any], fmt: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = data["X"], data["multiclass"]
    Xs = scipy_sparse.csr_matrix(X) if fmt == "csr" else scipy_sparse.csc_matrix(X)
    dense = MLPClassifier(hidden_layer_sizes=8, max_iter=5, random_state=0).fit(X, y)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the sparse input was densified")

    for cls in (scipy_sparse.csr_matrix, scipy_sparse.csc_matrix, scipy_sparse.coo_matrix):
        monkeypatch.setattr(cls, "toarray", refuse)
        monkeypatch.setattr(cls, "todense", refuse)
    for solver in ("adam", "lbfgs"):
        a = MLPClassifier(hidden_layer_sizes=8, max_iter=5, random_state=0, solver=solver)
        b = MLPClassifier(hidden_layer_sizes=8, max_iter=5, random_state=0, solver=solver)
        a.fit(Xs, y)
        b.fit(X, y)
        assert_same_weights(a, b, rtol=1e-10)
        np.testing.assert_array_equal(a.predict(Xs), b.predict(X))
    np.testing.assert_allclose(dense.predict_proba(Xs), dense.predict_proba(X), rtol=1e-12)


def test_dense_layer_backward_on_a_sparse_batch_matches_dense() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 5)) * (rng.random((6, 5)) < 0.4)
    layer = gn.layers.Dense(3, activation="tanh")
    layer.build(5, rng, np.dtype(np.float64))
    grads = []
    for batch in (x, scipy_sparse.csr_matrix(x)):
        layer.forward(batch, True, True)
        layer.backward(np.ones((6, 3)), need_input_grad=False)
        grads.append([g.copy() for g in layer.grads])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# ----------------------------------------------------------------------------- pickling


ROUND_TRIPS = {
    "pickle": lambda est: pickle.loads(pickle.dumps(est)),
    "deepcopy": copy.deepcopy,
}


def _joblib_round_trip(est: Any) -> Any:
    buf = io.BytesIO()
    joblib.dump(est, buf)
    buf.seek(0)
    return joblib.load(buf)


def _joblib_mmap_round_trip(est: Any) -> Any:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/est.joblib"
        joblib.dump(est, path)
        loaded = joblib.load(path, mmap_mode="r")  # read-only arrays
        return loaded


ROUND_TRIPS["joblib"] = _joblib_round_trip
ROUND_TRIPS["joblib_mmap"] = _joblib_mmap_round_trip


@pytest.mark.parametrize("how", sorted(ROUND_TRIPS))
def test_training_continues_after_a_round_trip(how: str) -> None:
    X, y = [[2.0]], [4.0]
    est = MLPRegressor(hidden_layer_sizes=(42,), random_state=42, learning_rate_init=0.01,
                       max_iter=200).fit(X, y)
    loaded = ROUND_TRIPS[how](est)
    for _ in range(200):
        est.partial_fit(X, [1.0])
        loaded.partial_fit(X, [1.0])
    np.testing.assert_allclose(loaded.predict(X), [1.0], rtol=1e-4)
    assert_same_weights(loaded, est, rtol=1e-12)  # the same steps as the original
    warm = ROUND_TRIPS[how](est.set_params(warm_start=True, max_iter=5))
    before = warm.coefs_[0].copy()
    warm.fit(X, [3.0])
    assert not np.array_equal(before, warm.coefs_[0])


@pytest.mark.parametrize("how", sorted(ROUND_TRIPS))
def test_sequential_trains_after_a_round_trip(how: str) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 3)), rng.normal(size=(32, 1))
    model = gn.Sequential([gn.layers.Input((3,)), gn.layers.Dense(4, activation="tanh"),
                           gn.layers.Dense(1)], seed=0)
    model.compile(loss="mse", optimizer=gn.optimizers.SGD(0.1, momentum=0.9))
    model.fit(X, y, epochs=1, verbose=0)
    loaded = ROUND_TRIPS[how](model)
    before = [w.copy() for w in loaded.get_weights()]
    loaded.fit(X, y, epochs=2, verbose=0, seed=1)
    model.fit(X, y, epochs=2, verbose=0, seed=1)
    assert not np.array_equal(before[0], loaded.get_weights()[0])
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # the optimizer steps the layers' own arrays, not copies left over from the round trip
    layer_arrays = [a for layer in loaded.layers for a in layer.params]
    assert all(p is a for p, a in zip(loaded.trainable_weights, layer_arrays, strict=True))


# ----------------------------------------------------------------------------- bad input


def test_non_finite_weights_are_refused_and_large_input_is_not_called_inf() -> None:
    rng = np.random.RandomState(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="Solver produced non-finite parameter weights"
                           ) as info:
            MLPRegressor().fit(X, rng.standard_normal(10))
    assert "inf" not in str(info.value).lower().replace("infinite", "")


def test_networks_too_big_for_memory_are_refused_before_allocating(
        monkeypatch: pytest.MonkeyPatch) -> None:
    start = time.perf_counter()
    with pytest.raises(ValueError, match="hidden_layer_sizes.*MEMORY_BUDGET_BYTES"):
        MLPClassifier(hidden_layer_sizes=10**9).fit([[0.0, 1.0], [1.0, 0.0]], [0, 1])
    assert time.perf_counter() - start < 1.0
    monkeypatch.setattr(gsk, "MEMORY_BUDGET_BYTES", 10_000)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MLPClassifier(hidden_layer_sizes=100).fit([[0.0, 1.0], [1.0, 0.0]], [0, 1])


@pytest.mark.parametrize("param,value", [
    ("solver", "newton"), ("learning_rate", "fast"), ("power_t", -1.0), ("max_fun", 0),
    ("n_iter_no_change", 0), ("n_iter_no_change", 2.5), ("momentum", 1.5),
    ("validation_fraction", 1.0), ("beta_1", 1.0), ("epsilon", 0.0),
    ("hidden_layer_sizes", (5, -1)), ("batch_size", "big"), ("shuffle", "yes"),
])
def test_bad_parameters_raise_value_errors_naming_them(param: str, value: Any) -> None:
    est = MLPClassifier(max_iter=2).set_params(**{param: value})
    with pytest.raises(ValueError, match=param):
        est.fit([[0.0, 1.0], [1.0, 0.0]], [0, 1])
    assert not hasattr(est, "coefs_")
    with pytest.raises(ValueError, match="loss"):
        MLPRegressor(loss="absolute").fit([[0.0], [1.0]], [0.0, 1.0])


def test_partial_fit_classes_errors() -> None:
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifier(solver="sgd").partial_fit([[1.0]], [0])
    est = MLPClassifier(solver="sgd").partial_fit([[3.0, 2.0]], [0], classes=[0, 1])
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit([[3.0, 2.0]], [0], classes=[1, 2])
    with pytest.raises(ValueError, match="not in `self.classes_`"):
        est.partial_fit([[3.0, 2.0]], [5])


# ----------------------------------------------------------------------------- sample weights


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("target", ["binary", "multiclass", "multioutput"])
def test_sample_weight_follows_scikit_learns_trajectory(data: dict[str, Any], solver: str,
                                                        target: str) -> None:
    if target == "multioutput" and solver == "lbfgs":
        pytest.skip("scikit-learn's L-BFGS objective for several targets is its own (above)")
    X, y = data["X"], data[target]
    w = np.random.default_rng(5).uniform(0.2, 3.0, size=len(X))
    # (weighted L-BFGS: the two searches agree for 3 iterations, then part within rounding
    # of the line search's function values; both minimise the same weighted objective)
    ours = estimator(target, solver=solver, max_iter=3 if solver == "lbfgs" else 12,
                     alpha=0.01, batch_size=32)
    them = theirs(ours)
    ours.fit(X, y, sample_weight=w)
    them.fit(X, y, sample_weight=w)
    assert ours.loss_ == pytest.approx(them.loss_, rel=1e-7)
    assert_same_weights(ours, them, rtol=1e-6)
    unweighted = estimator(target, solver=solver, max_iter=12, alpha=0.01, batch_size=32)
    unweighted.fit(X, y, sample_weight=np.ones(len(X)))
    same = estimator(target, solver=solver, max_iter=12, alpha=0.01, batch_size=32).fit(X, y)
    assert_same_weights(unweighted, same, rtol=1e-12)


def test_sample_weight_in_partial_fit_and_early_stopping(data: dict[str, Any]) -> None:
    X, y = data["X"], data["multiclass"]
    w = np.random.default_rng(2).uniform(0.5, 2.0, size=len(X))
    ours = MLPClassifier(solver="sgd", hidden_layer_sizes=6, random_state=0)
    them = theirs(ours)
    for _ in range(3):
        ours.partial_fit(X, y, sample_weight=w, classes=[0, 1, 2])
        them.partial_fit(X, y, sample_weight=w, classes=[0, 1, 2])
    assert_same_weights(ours, them, rtol=1e-9)
    early = MLPClassifier(early_stopping=True, max_iter=15, hidden_layer_sizes=6,
                          random_state=0)
    ref = theirs(early).fit(X, y, sample_weight=w)
    early.fit(X, y, sample_weight=w)
    assert early.validation_scores_ == pytest.approx(ref.validation_scores_)
    with pytest.raises(ValueError, match="sample_weight"):
        MLPClassifier().fit(X, y, sample_weight=np.ones(3))


def test_poisson_loss_matches_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    X = np.linspace(0, 1, 100).reshape(-1, 1)
    y = rng.poisson(np.exp(X[:, 0] + 1))
    est = MLPRegressor(loss="poisson", hidden_layer_sizes=(3,), solver="lbfgs", alpha=0.0,
                       max_iter=5, random_state=1)
    ref = theirs(est).fit(X, y)
    est.fit(X, y)
    assert est.out_activation_ == "exp" and est.loss_ == pytest.approx(ref.loss_, rel=1e-6)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=1e-5)


def test_non_finite_targets_are_refused_before_any_weight_moves() -> None:
    """An object array of targets escapes scikit-learn's own finiteness check (its estimator
    trains, then fails on non-finite weights); glassnet refuses it first."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, X[:, 0])
    before = est.predict(X[:5])
    for y in (np.array([np.inf], dtype=object), np.array([np.nan]), [[1.0, np.inf]]):
        with pytest.raises(ValueError, match="Input y contains"):
            est.partial_fit(np.ones((1, 3), dtype=np.float16), y)
    np.testing.assert_array_equal(est.predict(X[:5]), before)


def test_a_call_that_fails_in_training_leaves_the_estimator_as_it_was() -> None:
    """Values that overflow in training end in non-finite weights: scikit-learn's own MLP
    raises and keeps the broken weights; glassnet raises and puts back the state from before
    the call (found by make fuzz)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, X[:, 0])
        before, n_iter, curve = est.predict(X[:5]), est.n_iter_, list(est.loss_curve_)
        huge = np.array([[1e300, -0.13, 0.64]])
        with pytest.raises(ValueError, match="non-finite parameter weights"):
            est.partial_fit(huge, [1.0])
        np.testing.assert_array_equal(est.predict(X[:5]), before)
        assert est.n_iter_ == n_iter and est.loss_curve_ == curve
        est.partial_fit(X, X[:, 0])  # and it trains on, its arrays still the network's own
        assert est.coefs_[0] is est.model_.layers[0].W
        fresh = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
        with pytest.raises(ValueError, match="non-finite parameter weights"):
            fresh.fit(np.vstack([X, huge]), np.r_[X[:, 0], 1.0])
    with pytest.raises(NotFittedError):
        fresh.predict(X)  # a first fit that failed leaves it unfitted


@pytest.mark.parametrize("X", [np.array([["1.5", "2", "3"]] * 4),
                               [["1.5", "2", "3"]] * 4,
                               np.array([["2026-01-01"] * 3] * 4, dtype="datetime64[s]")])
def test_strings_and_dates_are_not_numbers_in_predict(X: Any) -> None:
    """scikit-learn's own MLP refuses them in predict (dtype="numeric"), where a float
    conversion would take them; its fit converts them (and so does glassnet's)."""
    y = [0.0, 1.0, 0.0, 1.0]
    fitted = []
    for cls in (MLPRegressor, neural_network.MLPRegressor):
        est = cls(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted.append(est.fit(np.ones((4, 3)), y))
    with pytest.raises((ValueError, TypeError)):
        fitted[1].predict(X)
    with pytest.raises(ValueError, match="X: expected numbers, got an array of dtype"):
        fitted[0].predict(X)
