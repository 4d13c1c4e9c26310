"""Gaps the held-out tutorial probes (tests/tutorials/load_numpy.py, load_pandas.py) found in
the Keras/tf surface, each closed or refused with a pointer to what to use instead."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import tf
from glassnet.errors import ShapeError


def test_element_spec_gives_each_leaf_its_shape_and_dtype() -> None:
    x = np.zeros((10, 28, 28), np.float32)
    y = np.arange(10, dtype=np.uint8)
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    assert ds.element_spec == (tf.TensorSpec((28, 28), tf.float32),
                               tf.TensorSpec((), np.uint8))
    batched = ds.shuffle(4, seed=1).batch(4)
    assert batched.element_spec == (tf.TensorSpec((None, 28, 28), tf.float32),
                                    tf.TensorSpec((None,), np.uint8))
    assert repr(batched.element_spec[0]) == (
        "TensorSpec(shape=(None, 28, 28), dtype=tf.float32, name=None)")
    # a fixed batch size when the remainder is dropped; none after unbatch
    assert ds.batch(3, drop_remainder=True).element_spec[0].shape == (3, 28, 28)
    assert ds.batch(3).unbatch().element_spec[1].shape == ()
    # dict elements and a map: the mapped element's structure
    d = tf.data.Dataset.from_tensor_slices({"a": np.ones((5, 2)), "b": np.arange(5)})
    assert d.map(lambda e: (e["a"] * 2, e["b"])).batch(2).element_spec == (
        tf.TensorSpec((None, 2), np.float64), tf.TensorSpec((None,), np.int64))
    assert tf.TensorSpec((2,)) != tf.TensorSpec((3,))
    words = tf.data.Dataset.from_tensor_slices(np.array(["a", "b"], dtype=object))
    assert repr(words.element_spec) == "TensorSpec(shape=(), dtype=tf.string, name=None)"
    with pytest.raises(ShapeError, match="element_spec"):
        _ = ds.take(0).element_spec


def test_fit_on_a_dataset_says_the_batches_are_the_datasets(
        capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 3)), rng.integers(0, 2, size=50)
    model = gn.Sequential([gn.layers.Dense(4, activation="relu"), gn.layers.Dense(2)], seed=0)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam")
    model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(16), epochs=1, verbose=2)
    out = capsys.readouterr().out
    assert "The dataset's batches -> 4 steps" in out and "full batch" not in out


def test_probing_a_dataset_with_hasattr_answers_false() -> None:
    """Generic code probes objects with hasattr; a dataset answers False for names it lacks,
    and asking for one directly still says it is outside the subset."""
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((4, 2)))
    assert not hasattr(ds, "history") and not hasattr(ds, "to_numpy")
    assert hasattr(ds, "element_spec") and hasattr(ds, "batch")
    with pytest.raises(gn.OutsideSubsetError, match="Dataset.padded_batch is outside"):
        _ = ds.padded_batch  # type: ignore[attr-defined]
    # a dataset given where arrays are expected is named, not mistaken for a DataFrame
    with pytest.raises(gn.ArgumentTypeError, match="tensors: .*got a Dataset"):
        tf.data.Dataset.from_tensor_slices(ds)


def test_a_scalar_tensor_shows_its_value_as_tensorflow_does() -> None:
    assert repr(tf.constant(3)) == "<Tensor: shape=(), dtype=int32, numpy=3>"
    assert repr(tf.constant(0.5)) == "<Tensor: shape=(), dtype=float32, numpy=0.5>"
    assert repr(tf.constant([1, 2])).endswith("numpy=array([1, 2], dtype=int32)>")


# -------------------------------------- "Load a pandas DataFrame": the dict-input cells
pd = pytest.importorskip("pandas")


def _heart() -> Any:
    rng = np.random.default_rng(3)
    return pd.DataFrame({"age": rng.integers(29, 78, 20).astype(float),
                         "chol": rng.normal(246, 51, 20), "thal": ["normal"] * 20})


def test_input_takes_keras_name_and_dtype_and_refuses_strings() -> None:
    inp = tf.keras.Input(shape=(2,), name="age", dtype=tf.float32)
    assert inp.name == "age" and inp.dtype == np.float32
    model = tf.keras.Sequential([inp, tf.keras.layers.Dense(1)])
    assert model.predict(np.ones((3, 2)), verbose=0).shape == (3, 1)
    with pytest.raises(gn.OutsideSubsetError, match="get_dummies"):
        tf.keras.Input(shape=(1,), name="thal", dtype="string")
    with pytest.raises(gn.ArgumentTypeError, match="dtype"):
        tf.keras.Input(shape=(1,), dtype="no-such-dtype")


def test_the_functional_dict_cells_are_outside_with_what_to_use_instead() -> None:
    df = _heart()
    numeric = df[["age", "chol"]]
    inputs = {name: tf.keras.Input(shape=(1,), name=name, dtype=tf.float32)
              for name, _ in numeric.items()}
    # the notebook's stack_dict on symbolic inputs: tf.cast / tf.concat of an Input
    with pytest.raises(gn.OutsideSubsetError, match="first in Sequential"):
        tf.concat([tf.cast(inputs[k], tf.float32) for k in sorted(inputs)], axis=-1)
    with pytest.raises(gn.OutsideSubsetError, match="functional graph"):
        tf.keras.layers.Dense(10)(inputs["age"])
    with pytest.raises(gn.OutsideSubsetError, match="Sequential"):
        tf.keras.Model(inputs, inputs["age"])
    with pytest.raises(gn.OutsideSubsetError, match="subclassed models"):
        class MyModel(tf.keras.Model):  # type: ignore[misc]  # the notebook's subclass
            pass
    with pytest.raises(gn.OutsideSubsetError, match="get_dummies"):
        tf.keras.layers.StringLookup(output_mode="one_hot")
    with pytest.raises(gn.OutsideSubsetError, match="column_stack"):
        tf.keras.layers.Concatenate()
    # a dict of columns given to a Sequential: named, the model untouched
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(gn.OutsideSubsetError, match=r"X: a dict of named inputs.*df\["):
        model.fit(dict(numeric), df["age"], epochs=1, verbose=0)
    assert not model.built
    ds = tf.data.Dataset.from_tensor_slices((dict(numeric), df["age"])).batch(4)
    with pytest.raises(gn.OutsideSubsetError, match="batch 0 of the dataset.*dict"):
        model.fit(ds, epochs=1, verbose=0)
    # what the message says to use instead works
    model.fit(tf.data.Dataset.from_tensor_slices((numeric, df["age"])).batch(4), epochs=1,
              verbose=0)
    assert model.built


def test_normalization_adapts_to_a_dataset_of_features_as_to_its_array() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(3, 2, size=(37, 4)), rng.integers(0, 2, size=37)
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    want = tf.keras.layers.Normalization(axis=-1)
    want.adapt(x)
    for source in (ds.map(lambda f, t: f), ds.batch(8).map(lambda f, t: f),
                   tf.data.Dataset.from_tensor_slices(x).shuffle(50, seed=2).batch(5)):
        norm = tf.keras.layers.Normalization(axis=-1)
        norm.adapt(source)
        np.testing.assert_allclose(norm.mean, want.mean, rtol=1e-12)
        np.testing.assert_allclose(norm.variance, want.variance, rtol=1e-12)
    one = tf.keras.layers.Normalization(axis=None)
    one.adapt(tf.data.Dataset.from_tensor_slices(x[:, 0]).batch(10))
    np.testing.assert_allclose(one.mean, [x[:, 0].mean()], rtol=1e-6)  # kept as float32
    # (x, y) pairs: named, with the map that fixes it; nothing adapted
    norm = tf.keras.layers.Normalization()
    with pytest.raises(gn.ArgumentTypeError, match=r"ds.map\(lambda x, y: x\)"):
        norm.adapt(ds.batch(8))
    with pytest.raises(gn.NotReadyError, match="'Normalization' has no statistics yet"):
        _ = norm.mean
    with pytest.raises(ShapeError, match="empty dataset"):
        norm.adapt(tf.data.Dataset.from_tensor_slices(x).take(0))


def test_the_load_csv_tutorials_functional_cells_say_what_to_use_instead() -> None:
    """"Load CSV data": titanic's named scalar inputs and string columns."""
    with pytest.raises(gn.OutsideSubsetError, match=r"Input\(shape=\(1,\)\) for one feature"):
        tf.keras.Input(shape=(), name="age", dtype=tf.float32)
    with pytest.raises(gn.OutsideSubsetError, match="get_dummies"):
        _ = tf.string
    with pytest.raises(gn.OutsideSubsetError, match="read files with NumPy or pandas"):
        _ = tf.io
    # the Sequential part (abalone): a model of the numeric columns trains on them
    rng = np.random.default_rng(1)
    features, labels = rng.random((60, 7)), pd.Series(rng.integers(1, 29, 60))
    normalize = tf.keras.layers.Normalization()
    normalize.adapt(features)
    model = tf.keras.Sequential([normalize, tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    model.compile(loss=tf.keras.losses.MeanSquaredError(), optimizer=tf.keras.optimizers.Adam())
    history = model.fit(features, labels, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


# ----------------------------------- "Classification on imbalanced data": Sequential cells
def test_dense_bias_initializer_none_and_an_array_constant_as_keras_3() -> None:
    """Keras 3: Dense(bias_initializer=None) draws the bias from glorot_uniform (add_weight's
    default); Constant(np.log([pos / neg])) fills the bias with that array."""
    bias = np.log([0.05])
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(16, activation="relu", input_shape=(29,),
                              bias_initializer=None),
        tf.keras.layers.Dense(1, activation="sigmoid",
                              bias_initializer=tf.keras.initializers.Constant(bias))])
    b0 = model.layers[0].bias.numpy()
    assert b0.std() > 0 and np.abs(b0).max() <= np.sqrt(6 / 32)  # glorot: n = 16 + 16
    np.testing.assert_allclose(model.layers[1].bias.numpy(), bias.astype(np.float32))
    np.testing.assert_array_equal(tf.keras.initializers.Constant([1.0, 2.0])(
        (3, 2), np.random.default_rng(0)), [[1, 2]] * 3)
    with pytest.raises(gn.ConfigError, match=r"value: an array of shape \(2,\) cannot fill"):
        tf.keras.Sequential([tf.keras.layers.Dense(
            3, input_shape=(2,), bias_initializer=tf.keras.initializers.Constant([1., 2.]))])
    with pytest.raises(gn.ConfigError, match="value: expected finite"):
        tf.keras.initializers.Constant([1.0, np.nan])
    # the constant survives a save as JSON config
    cfg = tf.keras.initializers.Constant(bias).get_config()
    assert cfg == {"value": [float(bias[0])]}


def test_kernel_and_bias_assign_write_the_live_weight_after_checking() -> None:
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,)),
                                 tf.keras.layers.Dense(1)])
    out = model.layers[-1].bias.assign([0.0])
    assert model.layers[-1].b[0] == 0.0 and out.shape == (1,)
    kernel = model.layers[0].kernel
    kernel.assign(np.ones((3, 2)))
    kernel.assign_add(np.full((3, 2), 2.0))
    kernel.assign_sub(np.ones((3, 2)))
    np.testing.assert_array_equal(model.get_weights()[0], np.full((3, 2), 2.0))
    before = model.get_weights()
    for bad, err in (([1.0, 2.0], ShapeError), ([[np.inf] * 2] * 3, gn.DataError),
                     ("a", gn.DataError)):
        with pytest.raises(err):
            model.layers[0].kernel.assign(bad)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    # what NumPy computes from a weight is a plain Tensor, not a writable view
    doubled = model.layers[0].kernel * 2
    assert type(doubled) is tf.Tensor and not hasattr(doubled, "assign")
    with pytest.raises(gn.NotReadyError):
        _ = tf.keras.layers.Dense(2).kernel


def test_metrics_names_is_keras_3s() -> None:
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])
    assert model.metrics_names == []
    model.compile(optimizer="adam", loss="mse")
    assert model.metrics_names == ["loss"]
    model.compile(optimizer="adam", loss="mse", metrics=["mae", "mse"])
    assert model.metrics_names == ["loss", "compile_metrics"]


@pytest.mark.skipif(importlib.util.find_spec("keras") is None
                    or importlib.util.find_spec("torch") is None,
                    reason="real Keras (with torch) is not installed")
def test_metrics_names_and_the_none_bias_agree_with_real_keras() -> None:
    code = (
        "import keras, numpy as np\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, "
        "bias_initializer=None)])\n"
        "a = list(m.metrics_names)\n"
        "m.compile(optimizer='adam', loss='mse'); b = list(m.metrics_names)\n"
        "m.compile(optimizer='adam', loss='mse', metrics=['mae']); c = list(m.metrics_names)\n"
        "print(a, b, c, bool(np.any(m.layers[0].bias.numpy() != 0)))\n")
    env = dict(os.environ, KERAS_BACKEND="torch")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=300).stdout.strip().splitlines()[-1]
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
        4, bias_initializer=None)])
    a = list(model.metrics_names)
    model.compile(optimizer="adam", loss="mse")
    b = list(model.metrics_names)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    c = list(model.metrics_names)
    assert out == f"{a} {b} {c} {bool(np.any(model.layers[0].bias.numpy() != 0))}"


def test_sample_from_datasets_draws_by_weight_seeded_and_ends_as_tensorflow() -> None:
    pos = tf.data.Dataset.from_tensor_slices(np.ones(5)).shuffle(5, seed=1).repeat()
    neg = tf.data.Dataset.from_tensor_slices(np.zeros(50)).shuffle(50, seed=2).repeat()
    mixed = tf.data.Dataset.sample_from_datasets([pos, neg], weights=[0.5, 0.5], seed=3)
    assert int(mixed.cardinality()) == tf.data.INFINITE_CARDINALITY
    draws = np.array([x for x in mixed.take(4000).as_numpy_iterator()])
    assert abs(draws.mean() - 0.5) < 0.03  # balanced, though pos has 10x fewer rows
    again = tf.data.Dataset.sample_from_datasets([pos, neg], weights=[0.5, 0.5], seed=3)
    np.testing.assert_array_equal(draws[:200], list(again.take(200).as_numpy_iterator()))
    # finite datasets: an exhausted one drops out, every element comes once
    a = tf.data.Dataset.from_tensor_slices(np.arange(3))
    b = tf.data.Dataset.from_tensor_slices(np.arange(10, 20))
    got = list(tf.data.experimental.sample_from_datasets([a, b], seed=0).as_numpy_iterator())
    assert sorted(got) == [0, 1, 2, *range(10, 20)]
    assert [g for g in got if g < 10] == [0, 1, 2]
    stopped = list(tf.data.Dataset.sample_from_datasets(
        [a, b], seed=0, stop_on_empty_dataset=True).as_numpy_iterator())
    assert len(stopped) < 13 and stopped == got[:len(stopped)]
    # (x, y) pairs, batched, into fit with steps_per_epoch: the tutorial's oversampling
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(200, 4)), (rng.random(200) < 0.1).astype(int)
    make = lambda f, t: tf.data.Dataset.from_tensor_slices((f, t)).shuffle(1000).repeat()  # noqa: E731
    resampled = tf.data.Dataset.sample_from_datasets(
        [make(x[y == 1], y[y == 1]), make(x[y == 0], y[y == 0])], weights=[0.5, 0.5])
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(resampled.batch(32).prefetch(2), epochs=2, steps_per_epoch=5, verbose=0)
    assert model.epochs_trained == 2
    for bad, err in ((dict(datasets=[a], weights=[1, 2]), gn.ConfigError),
                     (dict(datasets=[a, b], weights=[-1, 2]), gn.ConfigError),
                     (dict(datasets=[a, b.batch(2)]), ShapeError),
                     (dict(datasets=a), gn.ArgumentTypeError)):
        with pytest.raises(err):
            tf.data.Dataset.sample_from_datasets(**bad)


def test_confusion_matrix_counts_label_prediction_pairs() -> None:
    cm = tf.math.confusion_matrix([0, 1, 1, 2, 2, 2], [0, 1, 0, 2, 2, 1])
    np.testing.assert_array_equal(cm, [[1, 0, 0], [1, 1, 0], [0, 1, 2]])
    assert cm.dtype == np.int32 and hasattr(cm, "numpy")
    w = tf.math.confusion_matrix([0, 1], [1, 1], num_classes=3, weights=[0.5, 2.0],
                                 dtype=tf.float32)
    np.testing.assert_array_equal(w, [[0, 0.5, 0], [0, 2, 0], [0, 0, 0]])
    from sklearn.metrics import confusion_matrix as sk
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    np.testing.assert_array_equal(tf.math.confusion_matrix(y, p), sk(y, p, labels=range(4)))
    with pytest.raises(gn.DataError, match="argmax the scores"):
        tf.math.confusion_matrix([0, 1], [0.2, 0.9])
    with pytest.raises(gn.DataError, match="num_classes=2"):
        tf.math.confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ShapeError, match="labels, predictions"):
        tf.math.confusion_matrix([0, 1], [0])


def test_count_params_counts_every_weight_as_keras_does() -> None:
    """Keras counts trainable and non-trainable weights alike (a BatchNormalization of n
    units holds 4n: gamma, beta and the moving mean and variance)."""
    model = gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(5),
                           gn.layers.BatchNormalization(), gn.layers.Dense(1)])
    assert model.layers[1].count_params() == 4 * 5
    assert model.count_params() == (4 * 5 + 5) + 4 * 5 + (5 + 1)
    assert sum(w.size for w in model.trainable_weights) == model.count_params() - 2 * 5
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5),
                               keras.layers.BatchNormalization(), keras.layers.Dense(1)])
    assert theirs.count_params() == model.count_params()
