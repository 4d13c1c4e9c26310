"""Issue 18, part A: shapes (Flatten, Reshape), models inside models, tensors, the small tf
functions and tf.data, as the TensorFlow tutorials use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import tf
from glassnet.errors import ConfigError, OutsideSubsetError, ShapeError
from glassnet.inspect import gradient_check
from glassnet.layers import Dense, Dropout, Flatten, Input, Reshape, Softmax
from glassnet.population import Population
from glassnet.tensor import Tensor


def images(m: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, 3, 4)), rng.integers(0, 3, size=m)


# ----------------------------------------------------------------------------- shapes
def test_flatten_and_reshape_gradients_match_finite_differences() -> None:
    X, y = images()
    model = gn.Sequential([Input((3, 4)), Reshape((2, 6)), Flatten(), Dense(5, activation="tanh"),
                           Dense(3)], seed=1, dtype="float64")
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="sgd")
    assert gradient_check(model, X, y).passed


def test_flatten_is_a_view_and_its_backward_restores_the_shape() -> None:
    layer = Flatten()
    x = np.arange(24.0).reshape(2, 3, 4)
    a = layer(x)
    assert isinstance(a, Tensor) and a.shape == (2, 12)
    np.testing.assert_array_equal(a.numpy(), x.reshape(2, 12))
    grad = layer.backward(np.ones((2, 12)))
    assert grad is not None and grad.shape == (2, 3, 4)


def test_a_model_of_images_trains_and_predicts_like_its_flat_twin() -> None:
    X, y = images()
    img = gn.Sequential([Flatten(input_shape=(3, 4)), Dense(4, activation="relu"), Dense(3)],
                        seed=2)
    flat = gn.Sequential([Input((12,)), Dense(4, activation="relu"), Dense(3)], seed=2)
    flat.set_weights(img.get_weights())  # Flatten shifts the Dense layers' positions
    for model in (img, flat):
        model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer="adam")
    img.fit(X, y, epochs=3, verbose=0)
    flat.fit(X.reshape(len(X), -1), y, epochs=3, verbose=0)
    np.testing.assert_array_equal(img.predict(X), flat.predict(X.reshape(len(X), -1)))
    assert img.input_shape == (None, 3, 4) and img.output_shape == (None, 3)
    assert img.get_config()["input_shape"] == [3, 4]
    loaded = gn.Sequential.from_config(img.get_config())
    loaded.set_weights(img.get_weights())
    np.testing.assert_array_equal(loaded.predict(X), img.predict(X))


def test_images_into_a_dense_first_layer_are_outside_the_subset() -> None:
    model = gn.Sequential([Dense(3)], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(OutsideSubsetError, match="Flatten"):
        model.fit(np.zeros((4, 3, 4)), np.zeros((4, 3)), verbose=0)
    assert not model.built  # unchanged
    with pytest.raises(OutsideSubsetError, match="Flatten"):
        gn.Sequential([Input((28, 28)), Dense(3)])
    with pytest.raises(OutsideSubsetError):
        tf.keras.layers.Conv2D  # noqa: B018
    with pytest.raises(OutsideSubsetError, match="Flatten"):
        Dense(2)(np.zeros((2, 3, 4)))


def test_wrong_image_shapes_name_the_argument_and_change_nothing() -> None:
    model = gn.Sequential([Flatten(input_shape=(3, 4)), Dense(2)], seed=0)
    before = model.get_weights()
    with pytest.raises(ShapeError, match=r"X has examples of shape \(4, 3\)"):
        model.predict(np.zeros((2, 4, 3)))
    with pytest.raises(ShapeError, match="target_shape"):
        gn.Sequential([Input((3, 4)), Reshape((5,))])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- nested models
def test_a_nested_model_shares_its_weights_and_trains_with_the_outer() -> None:
    X, y = images()
    inner = gn.Sequential([Flatten(input_shape=(3, 4)), Dense(6, activation="relu"),
                           Dropout(0.2), Dense(3)], seed=3)
    outer = gn.Sequential([inner, Softmax()], seed=4)
    assert outer.built and outer.layers[0].model is inner
    np.testing.assert_allclose(outer(X).numpy().sum(axis=1), 1.0, rtol=1e-5)
    w0 = inner.get_weights()
    outer.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    outer.fit(X, y, epochs=2, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(w0, inner.get_weights()))
    probabilities = outer.predict(X)
    logits = inner.predict(X)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(probabilities, e / e.sum(axis=1, keepdims=True), rtol=1e-5)
    assert [layer.name for layer in outer.flattened().layers] == [
        "flatten", "dense", "dropout", "dense_1", "softmax"]


def test_nested_model_gradients_match_finite_differences() -> None:
    X, y = images()
    inner = gn.Sequential([Flatten(input_shape=(3, 4)), Dense(5, activation="tanh",
                           kernel_regularizer=gn.regularizers.L2(0.01))], seed=5,
                          dtype="float64")
    outer = gn.Sequential([inner, Dense(3)], seed=6, dtype="float64")
    outer.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="sgd")
    assert gradient_check(outer, X, y).passed
    inner32 = gn.Sequential([Flatten(input_shape=(3, 4)), Dense(4, activation="tanh")], seed=5)
    outer32 = gn.Sequential([inner32, Dense(3)], seed=6)  # float32: checked via a float64 copy
    outer32.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                    optimizer="sgd")
    assert gradient_check(outer32, X, y).passed
    assert len(outer.losses) == 1 and isinstance(outer.losses[0], Tensor)
    np.testing.assert_allclose(float(outer.losses[0]), 0.01 * (inner.layers[1].W ** 2).sum())


def test_pop_kernel_bias_and_normalization_on_one_column() -> None:
    model = gn.Sequential([Input((4,)), Dense(3), Dense(2)], seed=0)
    last = model.pop()
    assert isinstance(last, Dense) and len(model.layers) == 1 and model.output_dim == 3
    assert isinstance(model.layers[0].kernel, Tensor) and model.layers[0].kernel.shape == (4, 3)
    assert model.layers[0].bias.numpy().shape == (3,)
    with pytest.raises(gn.NotReadyError):
        gn.Sequential().pop()
    hp = np.array([130.0, 165.0, 150.0, 95.0])
    norm = gn.layers.Normalization(input_shape=[1], axis=None)
    norm.adapt(hp)
    assert norm.mean.shape == (1,)
    np.testing.assert_allclose(norm.mean.numpy(), [hp.mean()])
    m = gn.Sequential([norm, Dense(1)], seed=0)
    assert m.predict(hp).shape == (4, 1)  # a 1-D X of one feature is a column, as in Keras


# ----------------------------------------------------------------------------- tensors and tf
def test_the_nested_model_answers_for_the_inner_model() -> None:
    X, _ = images(4)
    inner = gn.Sequential([Flatten(input_shape=(3, 4)), Dense(2)], seed=0)
    layer = gn.Sequential([inner, Softmax()], seed=0).layers[0]
    np.testing.assert_array_equal(layer.predict(X), inner.predict(X))
    np.testing.assert_array_equal(layer(X).numpy(), inner.predict(X))
    assert layer.get_layer("dense") is inner.layers[1] and layer.layers is inner.layers
    with pytest.raises(AttributeError):
        layer.no_such_thing  # noqa: B018


def test_tensors_where_keras_gives_them_and_predict_stays_an_ndarray() -> None:
    model = gn.Sequential([Input((2,)), Dense(3)], seed=0)
    x = np.ones((4, 2), dtype=np.float32)
    assert type(model.predict(x)) is np.ndarray
    t = model(x)
    assert isinstance(t, Tensor) and t.shape == (4, 3) and t.dtype == np.float32
    assert type(t.numpy()) is np.ndarray
    loss = gn.losses.SparseCategoricalCrossentropy(from_logits=True)
    value = loss(np.array([1]), np.array([[0.0, 1.0, 0.0]], dtype=np.float32))
    assert isinstance(value, Tensor) and value.shape == () and value.dtype == np.float32
    assert type(value.numpy()) is np.float32  # a 0-d tensor's numpy() is a scalar, as in TF


def test_the_small_tf_functions() -> None:
    assert tf.ones((2, 3)).dtype == np.float32 and tf.zeros([2]).numpy().tolist() == [0, 0]
    assert tf.constant([1, 2]).dtype == np.int32 and tf.constant(1.5).dtype == np.float32
    line = tf.linspace(0.0, 250, 251)
    assert line.shape == (251,) and line.dtype == np.float32 and float(line[-1]) == 250.0
    assert tf.range(5).numpy().tolist() == [0, 1, 2, 3, 4] and tf.range(5).dtype == np.int32
    assert tf.add_n([np.ones(2), np.ones(2)]).numpy().tolist() == [2, 2]
    assert tf.expand_dims(np.ones(3), 0).shape == (1, 3)
    assert tf.stack([np.ones(2), np.zeros(2)], axis=1).shape == (2, 2)
    assert tf.concat([np.ones((1, 2)), np.zeros((2, 2))], axis=0).shape == (3, 2)
    assert float(tf.reduce_sum(np.ones((2, 2)))) == 4.0
    np.testing.assert_allclose(tf.nn.softmax(np.array([[1.0, 1.0]])).numpy(), [[0.5, 0.5]])
    assert isinstance(tf.version.VERSION, str)
    tf.random.set_seed(7)
    a = tf.random.normal([3])
    tf.random.set_seed(7)
    b = tf.random.normal([3])
    np.testing.assert_array_equal(a, b)  # the global seed, not NumPy's global state
    assert tf.random.uniform([2], seed=3).shape == (2,)
    gn.set_global_seed(None)
    with pytest.raises(gn.ShapeError, match="inputs"):
        tf.add_n([np.ones(2), np.ones(3)])


# ----------------------------------------------------------------------------- tf.data
def test_dataset_pipeline_semantics() -> None:
    ds = tf.data.Dataset.from_tensor_slices(np.arange(10))
    assert [int(v) for v in ds.take(3)] == [0, 1, 2]
    assert [int(v) for v in ds.skip(8)] == [8, 9]
    batches = list(ds.batch(4).as_numpy_iterator())
    assert [b.tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(ds.batch(4, drop_remainder=True)) == 2 and len(ds.batch(4)) == 3
    shuffled = ds.shuffle(10, seed=1)
    first, second = list(shuffled.as_numpy_iterator()), list(shuffled.as_numpy_iterator())
    assert sorted(first) == list(range(10)) and first != second  # a new order per iteration
    again = tf.data.Dataset.from_tensor_slices(np.arange(10)).shuffle(10, seed=1)
    assert list(again.as_numpy_iterator()) == first  # same seed, same orders
    fixed = ds.shuffle(10, seed=1, reshuffle_each_iteration=False)
    assert list(fixed.as_numpy_iterator()) == list(fixed.as_numpy_iterator())
    small = list(ds.shuffle(3, seed=0).as_numpy_iterator())
    assert sorted(small) == list(range(10)) and small[0] in (0, 1, 2)  # a buffer of 3
    assert [int(v) for v in ds.map(lambda v: v * 2).take(2)] == [0, 2]
    assert len(ds.repeat(2)) == 20 and int(ds.repeat().cardinality().numpy()) == -1
    assert [int(v) for v in ds.batch(3).unbatch()] == list(range(10))
    cached = ds.shuffle(10, seed=2).cache()
    assert list(cached.as_numpy_iterator()) == list(cached.as_numpy_iterator())
    pairs = tf.data.Dataset.from_tensor_slices((np.zeros((5, 2)), np.arange(5))).batch(2)
    x, y = next(iter(pairs))
    assert x.shape == (2, 2) and y.numpy().tolist() == [0, 1]
    d = tf.data.Dataset.from_tensor_slices({"a": np.arange(3), "b": np.ones(3)})
    assert next(d.as_numpy_iterator()) == {"a": 0, "b": 1.0}
    with pytest.raises(TypeError, match="infinite"):
        len(ds.repeat())
    endless = tf.data.Dataset.range(5).repeat().shuffle(3, seed=0).take(12)  # streams
    assert len([int(v) for v in endless]) == 12
    mapped = [int(v) for v in ds.map(lambda v: v).shuffle(4, seed=1)]
    assert sorted(mapped) == list(range(10)) and mapped != list(range(10))
    zipped = tf.data.Dataset.zip((tf.data.Dataset.range(3), ds))
    assert list(zipped.as_numpy_iterator()) == [(0, 0), (1, 1), (2, 2)] and len(zipped) == 3
    both = ds.take(2).concatenate(ds.skip(9))
    assert [int(v) for v in both] == [0, 1, 9] and len(both) == 3


def test_fit_evaluate_predict_take_a_dataset_like_arrays() -> None:
    X, y = images(40)
    X = X.reshape(40, -1)

    def make() -> gn.Sequential:
        m = gn.Sequential([Input((12,)), Dense(4, activation="relu"), Dense(3)], seed=8)
        m.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="sgd", metrics=["accuracy"])
        return m

    a, b = make(), make()
    ds = tf.data.Dataset.from_tensor_slices((X, y)).batch(10)
    ha = a.fit(ds, epochs=3, verbose=0, validation_data=ds)
    hb = b.fit(X, y, epochs=3, batch_size=10, shuffle=False, verbose=0, validation_data=(X, y))
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(ha.history["val_loss"], hb.history["val_loss"], rtol=1e-6)
    assert ha.params["steps"] == 4
    np.testing.assert_allclose(a.evaluate(ds), b.evaluate(X, y), rtol=1e-6)
    np.testing.assert_array_equal(a.predict(ds), b.predict(X))


def test_bad_datasets_are_named() -> None:
    m = gn.Sequential([Input((2,)), Dense(1)], seed=0)
    m.compile(loss="mse", optimizer="sgd")
    before = m.get_weights()
    unbatched = tf.data.Dataset.from_tensor_slices((np.zeros((4, 2)), np.zeros(4)))
    with pytest.raises(ShapeError, match="batch"):
        m.fit(unbatched, verbose=0)
    with pytest.raises(ConfigError, match="forever"):
        m.fit(unbatched.batch(2).repeat(), verbose=0)
    with pytest.raises(ConfigError, match="y"):
        m.fit(unbatched.batch(2), np.zeros(4), verbose=0)
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)
    for make in (lambda: tf.data.TFRecordDataset("f"), lambda: tf.data.TextLineDataset("f"),
                 lambda: tf.data.experimental.make_csv_dataset("f", 2),
                 lambda: tf.data.experimental.CsvDataset("f", [1.0]),
                 lambda: tf.data.Dataset.from_generator(iter, output_signature=None),
                 lambda: tf.GradientTape, lambda: tf.Variable, lambda: tf.saved_model,
                 lambda: tf.keras.callbacks.TensorBoard, lambda: tf.keras.Model,
                 lambda: tf.keras.layers.LSTM):
        with pytest.raises(OutsideSubsetError):
            make()


# ----------------------------------------------------------------------------- freezing
def test_frozen_layers_keep_their_weights_and_survive_a_checkpoint(tmp_path: Path) -> None:
    X, y = images(32)
    X = X.reshape(32, -1)
    model = gn.Sequential([Input((12,)), Dense(5, activation="relu"), Dense(3)], seed=9)
    model.layers[0].trainable = False
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam")
    before = model.get_weights()
    model.fit(X, y, epochs=2, verbose=0)
    after = model.get_weights()
    assert [np.array_equal(a, b) for a, b in zip(before, after)] == [True, True, False, False]
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    assert "Non-trainable params: 65" in model.summary(print_fn=None)
    gn.save_checkpoint(model, tmp_path / "c.npz")
    loaded = gn.load_model(tmp_path / "c.npz")
    assert [layer.trainable for layer in loaded.layers] == [False, True]
    model.layers[0].trainable = True  # taken at the next fit
    model.fit(X, y, epochs=1, verbose=0)
    assert not np.array_equal(after[0], model.get_weights()[0])
    with pytest.raises(gn.ArgumentTypeError, match="trainable"):
        model.layers[0].trainable = "no"  # type: ignore[assignment]


def test_steps_per_epoch_runs_one_iteration_on_across_epochs() -> None:
    X, y = images(40)
    X = X.reshape(40, -1)
    model = gn.Sequential([Input((12,)), Dense(3)], seed=0)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="sgd")
    forever = tf.data.Dataset.from_tensor_slices((X, y)).repeat().batch(8)
    history = model.fit(forever, epochs=3, steps_per_epoch=2, verbose=0)
    assert history.params["steps"] == 2 and model.optimizer.iterations == 6
    finite = tf.data.Dataset.from_tensor_slices((X, y)).batch(4)  # 10 batches
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(finite, epochs=5, steps_per_epoch=4, verbose=0)
    # 4 + 4 + the 2 left: the short epoch is trained and logged, then training stops
    assert history.epoch == [0, 1, 2] and model.optimizer.iterations == 16
    with pytest.raises(ConfigError, match="steps_per_epoch"):
        model.fit(X, y, steps_per_epoch=2, verbose=0)


def test_evaluate_verbose_prints_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    model = gn.Sequential([Input((2,)), Dense(1)], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    loss = model.evaluate(np.zeros((4, 2)), np.ones(4), verbose=2)
    assert capsys.readouterr().out.strip() == f"evaluate: loss: {loss:.4f}"
    with pytest.raises(ConfigError, match="verbose"):
        model.evaluate(np.zeros((4, 2)), np.ones(4), verbose=3)


# ----------------------------------------------------------------------------- the glass box
def test_instruments_read_nested_models_and_data_flow_shows_the_reshape() -> None:
    X, y = images(30)
    inner = gn.Sequential([Flatten(input_shape=(3, 4)), Dense(6, activation="relu"), Dense(3)],
                          seed=11)
    outer = gn.Sequential([inner, Softmax()], seed=12)
    outer.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    recorder = gn.inspect.NeuronRecorder(X)
    outer.fit(X, y, epochs=2, verbose=0, callbacks=[recorder])
    flow = gn.inspect.data_flow(outer, X)
    assert [layer.name for layer in flow.layers] == ["dense", "dense_1"]
    assert flow.reshapes == [("flatten", (30, 3, 4), (30, 12))]
    assert "flatten reshapes (30, 3, 4) to (30, 12)" in flow.table()
    report = gn.inspect.symmetry(outer, X)
    assert [(lay.name, lay.n_units) for lay in report.layers] == [("dense", 6), ("dense_1", 3)]
    assert "dense" in gn.inspect.dead_units(outer, X)
    assert gn.inspect.layer_activations(outer, X, "dense").shape == (30, 6)
    assert recorder.probe is not None


def test_populations_refuse_what_they_cannot_hold() -> None:
    for layers in ([Flatten(input_shape=(3, 4)), Dense(3)],
                   [gn.Sequential([Input((4,)), Dense(3)], seed=0), Dense(2)]):
        model = gn.Sequential(layers, seed=0)
        model.compile(loss="mse", optimizer="sgd")
        # images (examples that are not rows) and a model used as a layer
        with pytest.raises(gn.GlassnetError, match="population takes rows|model used as a"):
            Population([model, model])


def test_tensorflow_types_for_python_numbers_and_lists() -> None:
    assert tf.add(1, 2).dtype == np.int32 and tf.square(5).numpy() == 25
    assert tf.reduce_sum([1, 2, 3]).dtype == np.int32
    assert tf.reduce_mean([1.0, 2.0]).dtype == np.float32
    assert tf.matmul([[1]], [[2, 3]]).numpy().tolist() == [[2, 3]]
    assert tf.multiply(np.ones(2), 2).dtype == np.float64  # NumPy arrays keep their type
    ds = tf.data.Dataset.from_tensor_slices([1, 2, 3, 4, 5, 6]).map(tf.square).batch(2)
    assert [b.numpy().tolist() for b in ds] == [[1, 4], [9, 16], [25, 36]]
    assert next(iter(ds)).dtype == np.int32


def test_nested_models_save_load_and_bad_files_are_refused(tmp_path: Path) -> None:
    from glassnet.io import read_archive, write_archive

    inner = gn.Sequential([Flatten(input_shape=(3, 4)), Dense(5, activation="relu"), Dense(3)],
                          seed=1)
    outer = gn.Sequential([inner, Softmax()], seed=2)
    outer.save(tmp_path / "m.npz")
    loaded = gn.load_model(tmp_path / "m.npz")
    X, _ = images(5)
    np.testing.assert_array_equal(loaded.predict(X), outer.predict(X))
    archive = read_archive(tmp_path / "m.npz", {"glassnet-model": 1})
    doc = dict(archive.doc)
    huge = doc["model"]
    huge["layers"][0]["config"]["model"]["layers"][1]["config"]["units"] = 10**9
    write_archive(tmp_path / "huge.npz", doc, archive.arrays)
    with pytest.raises(gn.ModelFileError, match="1,000,000,000 units"):
        gn.load_model(tmp_path / "huge.npz")
    deep: dict = {"name": "m", "layers": [{"class": "Dense", "config": {"units": 1}}]}
    for i in range(12):
        deep = {"name": f"m{i}", "layers": [{"class": "Sequential",
                                             "config": {"model": deep, "name": f"n{i}"}}]}
    write_archive(tmp_path / "deep.npz", dict(doc, model=deep), archive.arrays)
    with pytest.raises(gn.ModelFileError, match="nest more than"):
        gn.load_model(tmp_path / "deep.npz")


def test_weights_are_live_tensors_and_get_weights_plain_copies() -> None:
    model = gn.Sequential([Input((2,)), Dense(3)], seed=0)
    w = model.weights[0]
    assert isinstance(w, Tensor) and w.numpy().shape == (2, 3)
    w[0, 0] = 5.0  # a view: writes the weight, as assigning a Keras variable does
    assert model.layers[0].W[0, 0] == 5.0
    assert isinstance(model.layers[0].weights[1], Tensor)
    copies = model.get_weights()
    assert type(copies[0]) is np.ndarray and copies[0][0, 0] == 5.0


@pytest.mark.parametrize("get,hint", [
    (lambda: tf.GradientTape, "model.gradients"), (lambda: tf.Variable, "get_weights"),
    (lambda: tf.keras.callbacks.TensorBoard, "History"), (lambda: tf.keras.Model, "Sequential"),
    (lambda: tf.keras.layers.Conv2D, "Flatten"), (lambda: tf.keras.layers.LSTM, "Dense"),
    (lambda: tf.saved_model, "model.save"),
])
def test_outside_names_say_what_to_use_instead(get: Any, hint: str) -> None:
    with pytest.raises(OutsideSubsetError, match=hint):
        get()
