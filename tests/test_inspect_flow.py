"""Data flow and fit schedule: shapes and counts read off real passes and real fits."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ArgumentTypeError, ConfigError
from glassnet.inspect import data_flow, fit_schedule


def _model(seed: int = 0) -> gn.Sequential:
    return gn.Sequential([gn.Input(shape=(4,)), gn.Dense(5, "relu", name="h1"),
                          gn.Dense(3, "tanh", name="h2"), gn.Dense(2, name="out")], seed=seed)


@pytest.mark.parametrize("m", [1, 7, 100])
def test_data_flow_shapes_and_counts(rng: np.random.Generator, m: int) -> None:
    model = _model()
    X = rng.standard_normal((m, 4))
    flow = data_flow(model, X)
    assert flow.n_examples == m and flow.input_dim == 4
    expected = [("h1", 4, 5), ("h2", 5, 3), ("out", 3, 2)]
    for layer, (name, n_in, units) in zip(flow.layers, expected):
        assert layer.name == name
        assert layer.input_shape == (m, n_in)
        assert layer.W_shape == (n_in, units)
        assert layer.output_shape == (m, units)
        assert layer.multiply_adds == m * n_in * units
        assert layer.examples_per_unit.shape == (units,)
        assert layer.examples_per_unit.dtype.kind == "i"
        assert np.all(layer.examples_per_unit == m)
    assert flow.total_multiply_adds == m * (4 * 5 + 5 * 3 + 3 * 2)
    assert flow.every_unit_saw_every_example
    rows = flow.rows()
    assert [r["layer"] for r in rows] == ["h1", "h2", "out"]
    assert rows[0]["examples_per_unit_min"] == rows[0]["examples_per_unit_max"] == m
    text = " ".join(flow.table().split("\n"))
    assert f"({m}, 4)" in text and "(4, 5)" in text and f"all {m:,} examples" in text


def test_data_flow_does_not_change_the_model(rng: np.random.Generator) -> None:
    model = _model()
    before = model.get_weights()
    data_flow(model, rng.standard_normal((10, 4)))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert all(layer.z is None for layer in model.layers)  # type: ignore[attr-defined]


def test_data_flow_rejects_bad_input(rng: np.random.Generator) -> None:
    with pytest.raises(ArgumentTypeError, match="model"):
        data_flow("not a model", rng.standard_normal((3, 4)))
    with pytest.raises(gn.ShapeError, match="features"):
        data_flow(_model(), rng.standard_normal((3, 5)))


def test_fit_schedule_keras_example() -> None:
    s = fit_schedule(200_000, 32)
    assert s.steps_per_epoch == 6250
    assert s.total_updates == 6250
    assert s.samples_per_epoch == 200_000
    assert s.batch_sizes.shape == (6250,) and np.all(s.batch_sizes == 32)
    assert "6,250 steps per epoch" in s.sentence
    assert "'6250/6250' counts steps, not samples" in s.sentence
    assert "200,000 samples in batches of 32" in s.sentence
    assert "6,250" in s.table()


def test_fit_schedule_last_batch_and_epochs() -> None:
    s = fit_schedule(100, 32, epochs=3)
    assert s.steps_per_epoch == 4
    assert s.batch_sizes.tolist() == [32, 32, 32, 4]
    assert s.last_batch_size == 4
    assert s.total_updates == 12
    assert "a last one of 4" in s.sentence and "12 optimizer updates" in s.sentence
    full = fit_schedule(100, None)
    assert full.steps_per_epoch == 1 and full.batch_sizes.tolist() == [100]
    big = fit_schedule(10, 50)
    assert big.steps_per_epoch == 1 and big.batch_sizes.tolist() == [10]
    sgd = fit_schedule(5, 1, epochs=2)
    assert sgd.batch_sizes.tolist() == [1] * 5 and sgd.total_updates == 10


@pytest.mark.parametrize(
    ("m", "batch_size", "split"), [(50, 8, 0.0), (50, None, 0.0), (37, 5, 0.2), (20, 1, 0.25)]
)
def test_fit_schedule_matches_a_real_fit(
    rng: np.random.Generator, m: int, batch_size: int | None, split: float
) -> None:
    X = rng.standard_normal((m, 4))
    y = rng.standard_normal((m, 2))
    model = _model()
    model.compile(loss="mse", optimizer="sgd")
    sizes: list[int] = []
    counter = gn.LambdaCallback(on_batch_end=lambda step, logs: sizes.append(logs["size"]))
    model.fit(X, y, epochs=2, batch_size=batch_size, validation_split=split, verbose=0,
              callbacks=[counter], seed=0)
    s = fit_schedule(m, batch_size, epochs=2, validation_split=split)
    assert len(sizes) == s.total_updates
    assert sizes[: s.steps_per_epoch] == s.batch_sizes.tolist()
    assert sum(sizes[: s.steps_per_epoch]) == s.n_train
    assert s.n_train + s.n_validation == m


def test_fit_schedule_rejects_bad_input() -> None:
    with pytest.raises(ConfigError, match="n_samples"):
        fit_schedule(0, 32)
    with pytest.raises(ArgumentTypeError, match="batch_size"):
        fit_schedule(100, "32")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="validation_split"):
        fit_schedule(100, 32, validation_split=1.0)
    with pytest.raises(ConfigError, match="validation_split"):
        fit_schedule(2, 1, validation_split=0.1)
    with pytest.raises(ConfigError, match="epochs"):
        fit_schedule(100, 32, epochs=0)


def test_results_print_as_tables_not_arrays() -> None:
    """Every instrument's result reads as a table in a REPL (repr) and as HTML in Jupyter."""
    import glassnet as gn
    from glassnet import inspect as gi

    X, y = gn.datasets.load_digits(return_X_y=True)
    model = gn.Sequential([gn.layers.Input(shape=(64,)), gn.layers.Dense(6, "relu", name="L1"),
                           gn.layers.Dense(10, name="L2")], seed=3)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam", metrics=["accuracy"])
    results = [gi.data_flow(model, X[:100]), gi.fit_schedule(200_000, 32),
               gi.symmetry(model, X[:64]), gi.selectivity(model, X, y, "L1"),
               gi.ablation(model, X, y, "L1"), gi.redundancy(model, X, "L1"),
               gi.unit_status(model, X), gi.gradient_check(model, X[:4], y[:4])]
    for result in results:
        text = repr(result)
        assert "\n" in text and "array(" not in text and "\\n" not in text, type(result)
        assert "array(" not in str(result)
        assert result._repr_html_().startswith("<div>"), type(result)
    assert "6,250" in repr(results[1])
    assert "float64 copy" in str(results[-1])


def test_table_text_reads_as_lines_at_a_prompt() -> None:
    """``result.table()`` typed at a REPL shows the table, not one quoted line of \\n's."""
    from glassnet import inspect as gi

    text = gi.fit_schedule(200_000, 32).table()
    assert isinstance(text, str) and repr(text) == str(text) and "\n" in repr(text)
    assert all(len(line) <= 88 for line in text.splitlines())
