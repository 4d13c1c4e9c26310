"""scikit-learn's own estimator checks, run against both glassnet estimators.

Every check must pass, but for the two sample-weight equivalence checks of the estimator with
dropout (see ``expected_failures``: per-row masks make weight 2 differ from two rows). Two
checks skip themselves,
with scikit-learn's own message (``pytest -ra`` prints it): ``check_array_api_input``
("SCIPY_ARRAY_API is not set"; run below in a fresh interpreter that sets it) and, for the
classifier, ``check_classifiers_multilabel_output_format_decision_function`` ("does not have
a decision_function method": like scikit-learn's MLPClassifier it has none).
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

pytest.importorskip("sklearn")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from glassnet.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

# Small networks and few epochs keep the ~200 fits of the suite to seconds; the learning rate
# is raised so that these few epochs still reach the accuracy and R^2 the checks demand.
CHECKED = [
    # the defaults, as a user gets them (100 relu units, Adam 0.001, up to 200 epochs)
    MLPClassifier(random_state=0),
    MLPRegressor(random_state=0),
    MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.02, max_iter=60,
                  random_state=0),
    MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.02, max_iter=150,
                 random_state=0),
    # what glassnet adds: two hidden layers with their own activations, dropout, an initializer
    MLPClassifier(hidden_layer_sizes=(16, 8), activation=["tanh", "relu"], dropout=0.1,
                  kernel_initializer="he_uniform", learning_rate_init=0.02, max_iter=60,
                  random_state=0),
]


def expected_failures(estimator: Any) -> dict[str, str]:
    """Dropout draws one mask per row, so a row given weight 2 is not the same as the row
    twice (two masks): the sample-weight equivalence checks cannot hold with dropout, as for
    any estimator whose training noise is drawn per example. Nothing else is expected to fail."""
    if getattr(estimator, "dropout", 0.0):
        reason = "dropout masks are drawn per row: weight 2 is not two rows"
        return {"check_sample_weight_equivalence_on_dense_data": reason,
                "check_sample_weight_equivalence_on_sparse_data": reason}
    return {}


@parametrize_with_checks(CHECKED, expected_failed_checks=expected_failures)
def test_sklearn_compatible_estimator(estimator: Any, check: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_array_api_check_runs_with_scipy_array_api_set() -> None:
    """``check_array_api_input`` skips itself unless SCIPY_ARRAY_API=1 is set before SciPy
    is imported (which would change SciPy for every other test here), so it also runs in a
    fresh interpreter that sets it."""
    import os
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import warnings
        from sklearn.utils.estimator_checks import check_array_api_input
        from glassnet.sklearn import MLPClassifier, MLPRegressor
        warnings.simplefilter("ignore")
        for est in (MLPClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0),
                    MLPRegressor(hidden_layer_sizes=(16,), max_iter=20, random_state=0),
                    MLPClassifier(hidden_layer_sizes=(16, 8), dropout=0.1, max_iter=20,
                                  random_state=0)):
            check_array_api_input(type(est).__name__, est, array_namespace="numpy")
        print("ran")
    """)
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ran"
