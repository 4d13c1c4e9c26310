"""The shared input checks: the fast finiteness test agrees with the exact one."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from glassnet import DataError
from glassnet.checks import check_features


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_finite_values_pass_without_warnings(dtype: type) -> None:
    big = np.finfo(dtype).max / 2
    X = np.full((4, 3), big, dtype=dtype)  # row sums overflow to inf, the values are finite
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = check_features(X, 3, np.dtype(dtype))
    assert np.array_equal(out, X)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_every_kind_of_non_finite_value_is_found_where_it_is(bad: float) -> None:
    X = np.ones((50, 6), dtype=np.float32)
    X[31, 4] = bad
    with pytest.raises(DataError, match="row 31, column 4"):
        check_features(X, 6, np.dtype(np.float32))


def test_opposite_infinities_in_one_row_are_found() -> None:
    X = np.zeros((3, 2))
    X[1] = [np.inf, -np.inf]
    with pytest.raises(DataError, match="row 1, column 0"):
        check_features(X, 2, np.dtype(np.float64))


def test_a_table_with_non_numeric_columns_names_them() -> None:
    """A pandas-like table (columns + dtypes, no pandas needed): the message names the
    columns of the wrong type."""
    from glassnet.checks import bad_labels

    class Table:
        columns = ["temp", "city", "minutes"]
        dtypes = [np.dtype("float64"), np.dtype("O"), np.dtype("int64")]

        def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
            return np.array([[200.0, "Rome", 12], [180.0, "Oslo", 14]], dtype=object)

    with pytest.raises(DataError, match=r"column 'city' \(object\)") as info:
        check_features(Table(), 3, np.dtype("float32"))
    assert "temp" not in str(info.value) and "minutes" not in str(info.value)
    assert bad_labels(np.array([0.0, np.nan, 2.0])) == "NaN at index 1 (1 in all)"
    assert bad_labels(np.array([0.0, 2.5])).startswith("non-integer values such as 2.5")


# ----------------------------------------------------------------------------- the public toolkit


def test_the_toolkit_is_public_and_its_all_resolves() -> None:
    import glassnet as gn
    from glassnet import checks

    assert gn.checks is checks
    for name in checks.__all__:
        assert callable(getattr(checks, name)) or name == "DTYPES"


def test_checks_name_the_argument_and_the_kind_of_error() -> None:
    from glassnet import ArgumentTypeError, ConfigError
    from glassnet.checks import as_generator, check_float_dtype, check_int, check_rng_seed

    assert check_int(np.int64(3), "units") == 3 and type(check_int(3, "units")) is int
    with pytest.raises(ArgumentTypeError, match=r"units: expected an integer >= 1, got True"):
        check_int(True, "units")
    with pytest.raises(ConfigError, match=r"units: expected an integer >= 1, got 0"):
        check_int(0, "units")
    assert check_float_dtype("float64") == np.float64
    with pytest.raises(ConfigError, match=r"dtype: expected a floating dtype .* got int32"):
        check_float_dtype("int32")
    with pytest.raises(ArgumentTypeError, match=r"seed: expected an int, a numpy.random"):
        check_rng_seed("3")
    with pytest.raises(ConfigError, match=r"seed: expected an integer >= 0, got -1"):
        as_generator(-1)
    rng = np.random.default_rng(0)
    assert as_generator(rng) is rng
    np.testing.assert_array_equal(as_generator(5).random(3), np.random.default_rng(5).random(3))


def test_check_built_and_check_compiled_say_what_to_do() -> None:
    import glassnet as gn
    from glassnet import NotReadyError
    from glassnet.checks import check_built, check_compiled

    model = gn.Sequential([gn.layers.Dense(2)])
    with pytest.raises(NotReadyError, match="no weights yet"):
        check_built(model)
    with pytest.raises(NotReadyError, match=r"not compiled: call model.compile"):
        check_compiled(model)
    model.compile(loss="mse", optimizer="sgd")
    assert check_compiled(model) == (model.loss, model.optimizer)
