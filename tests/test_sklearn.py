"""glassnet.sklearn in the scikit-learn ecosystem: Pipeline, GridSearchCV, cross_val_score,
DataFrames, replayable random_state, partial_fit, warm_start, early stopping, alpha as L2,
transform, the model at ``model_``, and bad input."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
import warnings
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import load_digits, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import glassnet as gn  # noqa: E402
from glassnet.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


@pytest.fixture(scope="module")
def regression() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_regression(n_samples=200, n_features=6, noise=5.0, random_state=3)
    return X, (y - y.mean()) / y.std()


def small(**kw: Any) -> dict[str, Any]:
    return {"hidden_layer_sizes": (16,), "max_iter": 30, "random_state": 0,
            "learning_rate_init": 0.01} | kw


def weights_digest(est: Any) -> str:
    h = hashlib.sha256()
    for a in est.coefs_ + est.intercepts_:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


# ----------------------------------------------------------------------------- the ecosystem


def test_pipeline_with_a_scaler_learns_digits(digits: Any) -> None:
    X, y = digits
    pipe = make_pipeline(StandardScaler(), MLPClassifier(**small(hidden_layer_sizes=(32,))))
    pipe.fit(X[:450], y[:450])
    assert pipe.score(X[450:], y[450:]) > 0.85


def test_grid_search_picks_among_the_parameters(digits: Any) -> None:
    X, y = digits
    search = GridSearchCV(
        make_pipeline(StandardScaler(), MLPClassifier(**small())),
        {"mlpclassifier__hidden_layer_sizes": [(2,), (32,)]}, cv=3)
    search.fit(X, y)
    # two hidden units cannot separate ten digits; thirty-two can
    assert search.best_params_ == {"mlpclassifier__hidden_layer_sizes": (32,)}
    scores = search.cv_results_["mean_test_score"]
    assert scores[1] > 0.85 and scores[0] < scores[1]


def test_cross_val_score(regression: Any) -> None:
    X, y = regression
    scores = cross_val_score(MLPRegressor(**small(max_iter=100)), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8


def test_pandas_input_keeps_the_feature_names(digits: Any) -> None:
    pd = pytest.importorskip("pandas")
    X, y = digits
    cols = [f"pixel_{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X / 16.0, columns=cols)
    est = MLPClassifier(**small()).fit(df, pd.Series(y))
    assert list(est.feature_names_in_) == cols and est.n_features_in_ == 64
    from_array = MLPClassifier(**small()).fit(X / 16.0, y)
    np.testing.assert_array_equal(est.predict_proba(df), from_array.predict_proba(X / 16.0))
    with pytest.raises(ValueError, match="feature names"):
        est.predict(df.set_axis(cols[::-1], axis=1))


def test_hidden_features_feed_another_estimator_and_pandas_output(digits: Any) -> None:
    pd = pytest.importorskip("pandas")
    from sklearn.linear_model import LogisticRegression

    X, y = digits
    X = X / 16
    # an MLP as a feature extractor inside a Pipeline: fit_transform gives its hidden layer
    pipe = make_pipeline(MLPClassifier(**small(hidden_layer_sizes=(24,))),
                         LogisticRegression(max_iter=500))
    pipe.fit(X[:450], y[:450])
    assert pipe.score(X[450:], y[450:]) > 0.85
    np.testing.assert_array_equal(pipe[0].transform(X[:3]).shape, (3, 24))
    est = MLPClassifier(**small(hidden_layer_sizes=(5,))).set_output(transform="pandas")
    df = pd.DataFrame(X, columns=[f"p{i}" for i in range(64)])
    frame = est.fit(df, y).transform(df)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [f"hidden_1_{j}" for j in range(5)]


def test_polars_input_keeps_the_feature_names(regression: Any) -> None:
    pl = pytest.importorskip("polars")
    X, y = regression
    cols = [f"x{i}" for i in range(X.shape[1])]
    frame = pl.DataFrame({c: X[:, i] for i, c in enumerate(cols)})
    est = MLPRegressor(**small()).fit(frame, pl.Series(y))
    assert list(est.feature_names_in_) == cols
    from_array = MLPRegressor(**small()).fit(X, y)
    np.testing.assert_array_equal(est.predict(frame), from_array.predict(X))


# ----------------------------------------------------------------------------- replayable


def test_random_state_repeats_fit_bit_for_bit(digits: Any) -> None:
    X, y = digits
    a = MLPClassifier(**small(early_stopping=True)).fit(X / 16, y)
    b = MLPClassifier(**small(early_stopping=True)).fit(X / 16, y)
    assert weights_digest(a) == weights_digest(b)
    assert a.loss_curve_ == b.loss_curve_ and a.validation_scores_ == b.validation_scores_
    # another seed, other weights
    c = MLPClassifier(**small(early_stopping=True, random_state=1)).fit(X / 16, y)
    assert weights_digest(a) != weights_digest(c)


def test_random_state_repeats_in_another_process(regression: Any) -> None:
    X, y = regression
    here = weights_digest(MLPRegressor(**small()).fit(X, y))
    code = textwrap.dedent("""
        import hashlib, warnings
        import numpy as np
        from sklearn.datasets import make_regression
        from glassnet.sklearn import MLPRegressor
        warnings.simplefilter("ignore")
        X, y = make_regression(n_samples=200, n_features=6, noise=5.0, random_state=3)
        y = (y - y.mean()) / y.std()
        est = MLPRegressor(hidden_layer_sizes=(16,), max_iter=30, random_state=0,
                           learning_rate_init=0.01).fit(X, y)
        h = hashlib.sha256()
        for a in est.coefs_ + est.intercepts_:
            h.update(np.ascontiguousarray(a).tobytes())
        print(h.hexdigest())
    """)
    there = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                           text=True, timeout=120).stdout.strip()
    assert there == here


def test_random_state_none_draws_fresh_weights(regression: Any) -> None:
    X, y = regression
    a = MLPRegressor(**small(random_state=None, max_iter=2)).fit(X, y)
    b = MLPRegressor(**small(random_state=None, max_iter=2)).fit(X, y)
    assert weights_digest(a) != weights_digest(b)


# ----------------------------------------------------------------------------- training


def test_partial_fit_is_one_epoch_and_replays(digits: Any) -> None:
    X, y = digits
    X = X / 16

    def run() -> MLPClassifier:
        est = MLPClassifier(**small())
        for _ in range(8):
            est.partial_fit(X, y, classes=np.arange(10))
        return est

    a, b = run(), run()
    # as in scikit-learn, n_iter_ counts this call's epochs; t_ and the curve accumulate
    assert a.n_iter_ == 1 and len(a.loss_curve_) == 8 and a.t_ == 8 * X.shape[0]
    assert a.loss_curve_[-1] < 0.6 * a.loss_curve_[0]
    assert weights_digest(a) == weights_digest(b)
    with pytest.raises(ValueError, match="classes"):
        MLPClassifier(**small()).partial_fit(X, y)
    with pytest.raises(ValueError, match="classes"):
        a.partial_fit(X, y, classes=np.arange(11))


def test_warm_start_continues_and_cold_start_restarts(regression: Any) -> None:
    X, y = regression
    warm = MLPRegressor(**small(max_iter=5, warm_start=True, tol=0.0, n_iter_no_change=99))
    warm.fit(X, y)
    first = warm.loss_curve_[-1]
    warm.fit(X, y)
    assert warm.n_iter_ == 5 and len(warm.loss_curve_) == 10 and warm.t_ == 10 * len(X)
    assert warm.loss_curve_[5] < first * 1.01
    cold = MLPRegressor(**small(max_iter=5)).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 5


def test_tol_stops_training_and_max_iter_warns(regression: Any) -> None:
    X, y = regression
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPRegressor(**small(max_iter=3)).fit(X, y)
    est = MLPRegressor(**small(max_iter=500, tol=0.5, n_iter_no_change=2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    assert est.n_iter_ < 500


def test_early_stopping_keeps_the_best_validation_epoch(digits: Any) -> None:
    X, y = digits
    est = MLPClassifier(**small(max_iter=40, early_stopping=True, validation_fraction=0.2,
                                n_iter_no_change=3))
    est.fit(X / 16, y)
    n = est.n_iter_
    assert len(est.validation_scores_) == n == len(est.validation_loss_curve_)
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.best_loss_ is None
    # the held-out fifth is scikit-learn's own: its MLP scores the same epochs alike
    from sklearn.neural_network import MLPClassifier as SklearnMLP
    theirs = SklearnMLP(**small(max_iter=40, early_stopping=True, validation_fraction=0.2,
                                n_iter_no_change=3)).fit(X / 16, y)
    assert est.validation_scores_ == pytest.approx(theirs.validation_scores_)
    np.testing.assert_allclose(est.coefs_[0], theirs.coefs_[0], rtol=1e-7, atol=1e-9)
    losses = est.validation_loss_curve_
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_alpha_is_scikit_learns_l2_penalty(Est: Any) -> None:
    """One full-batch plain SGD step with alpha: scikit-learn's ``alpha / m * W`` on each
    weight gradient and nothing on the biases, so the step equals scikit-learn's own."""
    from sklearn import neural_network

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int) if Est is MLPClassifier else X[:, 0] + 0.1 * X[:, 1]
    theirs_cls = getattr(neural_network, Est.__name__)
    kw = {"classes": [0, 1]} if Est is MLPClassifier else {}
    params = {"hidden_layer_sizes": (4,), "solver": "sgd", "momentum": 0.0,
              "learning_rate_init": 0.1, "batch_size": 40, "random_state": 3}
    for alpha in (0.0, 0.7):
        ours = Est(alpha=alpha, **params).partial_fit(X, y, **kw)
        theirs = theirs_cls(alpha=alpha, **params).partial_fit(X, y, **kw)
        for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
        assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-12)
    start = Est(alpha=0.0, max_iter=1, **params)
    start.partial_fit(X, y, **kw)
    decayed = Est(alpha=0.7, **params).partial_fit(X, y, **kw)
    for p, d in zip(start.intercepts_, decayed.intercepts_):
        np.testing.assert_array_equal(p, d)  # the biases carry no penalty


def test_loss_curve_includes_the_penalty_and_verbose_prints_it(
        regression: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from sklearn.neural_network import MLPRegressor as SklearnMLP

    X, y = regression
    est = MLPRegressor(**small(max_iter=3, alpha=5.0, verbose=True)).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Iteration 1, loss = {est.loss_curve_[0]:.8f}" and len(lines) == 3
    theirs = SklearnMLP(**small(max_iter=3, alpha=5.0)).fit(X, y)
    np.testing.assert_allclose(est.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    no_penalty = MLPRegressor(**small(max_iter=3, alpha=0.0)).fit(X, y)
    assert est.loss_curve_[0] > no_penalty.loss_curve_[0] + 0.1  # alpha's term is in it


# ----------------------------------------------------------------------------- what glassnet adds


def test_transform_gives_the_chosen_hidden_layers_activations(digits: Any) -> None:
    X, y = digits
    X = X / 16
    est = MLPClassifier(**small(hidden_layer_sizes=(12, 7), activation=["relu", "tanh"]))
    est.fit(X, y)
    W1, W2 = est.coefs_[:2]
    b1, b2 = est.intercepts_[:2]
    h1 = np.maximum(X @ W1 + b1, 0)
    h2 = np.tanh(h1 @ W2 + b2)
    np.testing.assert_allclose(est.transform(X), h2, rtol=1e-4, atol=1e-5)
    est.set_params(transform_layer=0)
    np.testing.assert_allclose(est.transform(X), h1, rtol=1e-4, atol=1e-5)
    assert list(est.get_feature_names_out()) == [f"hidden_1_{j}" for j in range(12)]
    est.set_params(transform_layer=2)
    with pytest.raises(ValueError, match="transform_layer"):
        est.transform(X)
    assert [w.shape for w in est.coefs_] == [(64, 12), (12, 7), (7, 10)]
    assert est.n_layers_ == 4 and est.n_outputs_ == 10


def test_model_is_a_glassnet_sequential_the_instruments_read(digits: Any) -> None:
    X, y = digits
    X = X / 16
    est = MLPClassifier(**small(kernel_initializer="he_normal")).fit(X, y)
    assert isinstance(est.model_, gn.Sequential)
    np.testing.assert_allclose(est.model_.predict(X), est.predict_proba(X), rtol=1e-5,
                               atol=1e-6)
    dead = gn.inspect.dead_units(est.model_, X)
    assert set(dead) >= {"hidden_1"}
    # coefs_ are the live weights of the model
    assert est.coefs_[0] is est.model_.get_layer("hidden_1").W


def test_dropout_layers_train_replayably_and_rest_at_inference(digits: Any) -> None:
    X, y = digits
    X = X / 16
    est = MLPClassifier(**small(hidden_layer_sizes=(32, 16), dropout=[0.3, 0.0])).fit(X, y)
    kinds = [type(layer).__name__ for layer in est.model_.layers]
    assert kinds == ["Dense", "Dropout", "Dense", "Dense"]
    assert est.model_.get_layer("dropout_1").rate == 0.3
    again = MLPClassifier(**small(hidden_layer_sizes=(32, 16), dropout=[0.3, 0.0])).fit(X, y)
    assert weights_digest(est) == weights_digest(again)
    plain = MLPClassifier(**small(hidden_layer_sizes=(32, 16))).fit(X, y)
    assert weights_digest(est) != weights_digest(plain)  # the masks changed training
    np.testing.assert_array_equal(est.predict_proba(X), est.predict_proba(X))
    assert est.score(X, y) > 0.9
    assert [w.shape for w in est.coefs_] == [(64, 32), (32, 16), (16, 10)]


def test_initializer_and_binary_output(digits: Any) -> None:
    X, y = digits
    est = MLPClassifier(**small(kernel_initializer="zeros", bias_initializer="zeros",
                                max_iter=3))
    est.fit(X / 16, y == 3)
    # all-zero weights stay symmetric: every hidden unit has the same weights
    W = est.coefs_[0]
    assert np.allclose(W, W[:, :1])
    assert est.coefs_[-1].shape == (16, 1)
    proba = est.predict_proba(X / 16)
    assert proba.shape == (600, 2) and np.allclose(proba.sum(axis=1), 1)
    assert list(est.classes_) == [False, True]


def test_string_labels_and_probabilities(digits: Any) -> None:
    X, y = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven",
                      "eight", "nine"])
    est = MLPClassifier(**small()).fit(X / 16, names[y])
    assert set(est.predict(X / 16)) <= set(names)
    assert list(est.classes_) == sorted(names)
    np.testing.assert_allclose(np.exp(est.predict_log_proba(X[:5] / 16)),
                               est.predict_proba(X[:5] / 16))


def test_multilabel_targets(digits: Any) -> None:
    X, y = digits
    X = X / 16
    Y = np.column_stack([y % 2 == 0, y >= 5, y == 3]).astype(int)  # even, large, three
    est = MLPClassifier(**small(hidden_layer_sizes=(32,), max_iter=60)).fit(X, Y)
    assert list(est.classes_) == [0, 1, 2] and est.coefs_[-1].shape == (32, 3)
    assert est.model_.layers[-1].activation.name == "sigmoid"
    proba = est.predict_proba(X)
    assert proba.shape == (600, 3) and not np.allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(est.predict(X), (proba > 0.5).astype(int))
    assert est.score(X, Y) > 0.8  # subset accuracy: all three labels right
    with pytest.raises(ValueError, match="same classes"):
        est.set_params(warm_start=True).fit(X, y)


def test_multioutput_regression(regression: Any) -> None:
    X, y = regression
    Y = np.column_stack([y, -2 * y])
    est = MLPRegressor(**small(max_iter=100)).fit(X, Y)
    assert est.predict(X).shape == (200, 2) and est.predict(X).dtype == np.float64
    assert est.score(X, Y) > 0.8


# ----------------------------------------------------------------------------- bad input


def test_bad_input_is_rejected_before_training(digits: Any, regression: Any) -> None:
    X, y = digits
    Xr, yr = regression
    est = MLPClassifier(**small(warm_start=True)).fit(X / 16, y)
    before = weights_digest(est)
    bad_X = X / 16
    bad_X[3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(bad_X, y)
    with pytest.raises(ValueError, match="3"):
        est.fit(np.zeros((4, 2, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, np.linspace(0, 1, len(X)))
    with pytest.raises(ValueError):
        MLPRegressor().fit(Xr, np.array(["a"] * len(Xr)))
    with pytest.raises(ValueError, match="classes"):
        est.fit(X / 16, y + 20)  # warm start with labels it has never seen
    assert weights_digest(est) == before


@pytest.mark.parametrize("param,value", [
    ("hidden_layer_sizes", (3, 0)), ("hidden_layer_sizes", "big"), ("solver", "newton"),
    ("alpha", -1.0), ("learning_rate_init", 0.0), ("batch_size", 0), ("max_iter", 0),
    ("validation_fraction", 1.0), ("activation", ["relu", "tanh"]), ("activation", "mish"),
    ("dropout", 1.0), ("kernel_initializer", "nope"), ("dtype", "float16"),
    ("callbacks", ["not a callback"]), ("random_state", -3),
])
def test_bad_parameters_are_named_at_fit(param: str, value: Any, regression: Any) -> None:
    X, y = regression
    est = MLPRegressor(**small(max_iter=2))
    est.set_params(**{param: value})  # accepted here, as scikit-learn requires
    with pytest.raises(gn.GlassnetError, match=param.split("_")[0]):
        est.fit(X, y)
    assert not hasattr(est, "model_")


def test_unfitted_estimator_says_so() -> None:
    with pytest.raises(NotFittedError):
        MLPRegressor().predict(np.zeros((2, 3)))
    with pytest.raises(NotFittedError):
        MLPClassifier().transform(np.zeros((2, 3)))


def test_default_parameters_learn_digits(digits: Any) -> None:
    """The defaults (100 relu units, Adam 0.001, up to 200 epochs, tol 1e-4) do as well as
    scikit-learn's own MLPClassifier with its defaults on the same split."""
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    X, y = digits
    ours = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
    theirs = make_pipeline(StandardScaler(), SklearnMLP(random_state=0))
    ours.fit(X[:450], y[:450])
    theirs.fit(X[:450], y[:450])
    assert ours.score(X[450:], y[450:]) > theirs.score(X[450:], y[450:]) - 0.03
    assert ours.score(X[450:], y[450:]) > 0.85
    assert ours[-1].n_iter_ < 200  # stopped by tol before max_iter


def test_unseeded_estimators_follow_the_global_seed(digits: Any) -> None:
    X, y = digits
    try:
        digests = []
        for _ in range(2):
            gn.set_global_seed(7)  # as tf.random.set_seed at the top of a notebook
            digests.append([weights_digest(MLPClassifier(**small(random_state=None)).fit(X, y))
                            for _ in range(2)])
        assert digests[0] == digests[1]  # the same script replays bit for bit
        assert digests[0][0] != digests[0][1]  # and each estimator takes its own seed
        gn.set_global_seed(None)
        free = [weights_digest(MLPClassifier(**small(random_state=None)).fit(X, y))
                for _ in range(2)]
        assert free[0] != free[1] and digests[0][0] not in free  # fresh entropy again
    finally:
        gn.set_global_seed(None)
