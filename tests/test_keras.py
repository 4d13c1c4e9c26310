"""glassnet.keras and glassnet.tf: the course's TensorFlow names over glassnet's own objects."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import keras, tf
from glassnet.errors import (
    ConfigError,
    GlassnetWarning,
    NotReadyError,
    OutsideSubsetError,
)
from glassnet.keras.activations import linear, relu, sigmoid, softmax
from glassnet.model import reset_auto_names


@pytest.fixture(autouse=True)
def _fresh_session() -> Iterator[None]:
    """Each test starts and ends like a fresh notebook: no global seed, float32, names anew."""
    gn.set_global_seed(None)
    gn.set_default_dtype("float32")
    reset_auto_names()
    yield
    gn.set_global_seed(None)
    gn.set_default_dtype("float32")
    reset_auto_names()


def _blobs(rng: np.random.Generator, m: int = 120) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 3, size=m)
    centers = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]])
    return (centers[y] + rng.normal(scale=0.5, size=(m, 2))).astype(np.float32), y


# ----------------------------------------------------------------------------- same objects


def test_the_keras_names_are_glassnet_objects() -> None:
    assert tf.keras is keras
    assert keras.models.Sequential is gn.Sequential is keras.Sequential
    assert keras.layers.Dense is gn.layers.Dense
    assert keras.layers.Input is gn.layers.Input is tf.keras.Input
    assert keras.layers.Normalization is gn.layers.Normalization
    assert keras.layers.Dropout is gn.layers.Dropout
    assert keras.layers.LeakyReLU is gn.layers.LeakyReLU
    assert keras.losses.SparseCategoricalCrossentropy is gn.losses.SparseCategoricalCrossentropy
    assert keras.optimizers.Adam is gn.optimizers.Adam
    assert keras.callbacks.EarlyStopping is gn.callbacks.EarlyStopping
    assert keras.regularizers.l2 is gn.regularizers.L2
    assert keras.models.load_model is gn.load_model


def test_a_keras_model_is_an_ordinary_glassnet_model_for_the_instruments(
        rng: np.random.Generator) -> None:
    X, y = _blobs(rng)
    tf.random.set_seed(7)
    model = keras.models.Sequential([keras.layers.Dense(6, activation="relu"),
                                     keras.layers.Dense(3, activation="linear")])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.Adam(0.01))
    model.fit(X, y, epochs=3, verbose=0)
    report = gn.inspect.symmetry(model, X)  # the README's one extra line
    assert isinstance(model, gn.Sequential)
    assert report is not None
    # it read the Keras-built model's two dense layers, with their real widths, on X
    assert [(lay.name, lay.n_units) for lay in report.layers] == [
        (model.layers[0].name, 6), (model.layers[1].name, 3)]
    assert report.with_activations and report.n_probe == len(X)


# ----------------------------------------------------------------------------- outside the subset


@pytest.mark.parametrize("get", [
    lambda: tf.GradientTape, lambda: tf.Variable, lambda: tf.keras.Model,
    lambda: tf.keras.layers.Conv2D, lambda: tf.nn.conv2d, lambda: tf.math.bessel_i0,
    lambda: tf.keras.optimizers.Adagrad, lambda: tf.keras.losses.CategoricalHinge,
    lambda: tf.keras.applications, lambda: tf.random.categorical, lambda: tf.config,
])
def test_names_outside_the_subset_say_so(get: object) -> None:
    with pytest.raises(OutsideSubsetError, match="outside glassnet's TensorFlow subset"):
        get()  # type: ignore[operator]


def test_from_import_of_an_uncovered_name_keeps_the_message() -> None:
    with pytest.raises(OutsideSubsetError, match=r"tf\.keras\.layers\.Conv2D is outside"):
        from glassnet.keras.layers import Conv2D  # noqa: F401


def test_private_names_stay_attribute_errors() -> None:
    assert not hasattr(tf, "__wrapped__")
    assert not hasattr(keras.layers, "_repr_html_")
    assert not hasattr(tf.nn, "_ipython_display_")


# ----------------------------------------------------------------------------- activations


def test_activation_functions_compute_and_answer_numpy() -> None:
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(relu(z).numpy(), [0.0, 0.0, 3.0])
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_array_equal(linear(z), z)
    np.testing.assert_array_equal(relu([-1, 2]), [0.0, 2.0])  # integers and lists
    assert isinstance(relu(z).numpy(), np.ndarray) and not isinstance(relu(z).numpy(), tf.Tensor)
    assert float(tf.sigmoid(0.0)) == 0.5
    assert z[0] == -2.0  # the input is not overwritten


def test_activation_functions_compare_with_a_layers_activation() -> None:
    for name, fn in (("relu", relu), ("sigmoid", sigmoid), ("linear", linear),
                     ("softmax", softmax)):
        layer = keras.layers.Dense(3, activation=name)
        assert layer.activation == fn and fn == layer.activation
        assert layer.activation.__name__ == name == fn.__name__
    assert keras.layers.Dense(3, activation="relu").activation != sigmoid
    assert keras.layers.Dense(3).activation == linear
    layer = keras.layers.Dense(3, activation=relu)  # the function itself as the activation
    assert layer.activation == relu and layer.activation.name == "relu"


def test_tf_softmax_is_glassnets() -> None:
    z = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 1000.0]])
    expected = np.exp(z[0]) / np.exp(z[0]).sum()
    out = tf.nn.softmax(z).numpy()
    np.testing.assert_allclose(out[0], expected, rtol=1e-14)
    np.testing.assert_allclose(out[1], [0.0, 0.0, 0.0, 1.0])
    np.testing.assert_allclose(tf.nn.softmax(z[0]), expected, rtol=1e-14)
    with pytest.raises(OutsideSubsetError, match="last axis"):
        tf.nn.softmax(z, axis=0)


def test_leaky_relu_has_keras_slope() -> None:
    z = np.array([-10.0, 5.0])
    np.testing.assert_allclose(tf.nn.leaky_relu(z), [-2.0, 5.0])
    np.testing.assert_allclose(tf.nn.leaky_relu(z, alpha=0.1), [-1.0, 5.0])
    np.testing.assert_allclose(keras.activations.leaky_relu(z), [-2.0, 5.0])


def test_tf_math_basics() -> None:
    x = tf.constant([[1.0, 5.0], [3.0, 2.0]])
    assert x.dtype == np.float32 and isinstance(x.numpy(), np.ndarray)
    assert tf.reduce_sum(x).numpy() == 11.0
    np.testing.assert_array_equal(tf.reduce_mean(x, axis=0), [2.0, 3.5])
    np.testing.assert_array_equal(tf.argmax(x), [1, 0])  # axis None means 0, as in TensorFlow
    np.testing.assert_array_equal(tf.math.argmax(x, axis=1), [1, 0])
    np.testing.assert_allclose(tf.math.exp(tf.math.log(x)), x, rtol=1e-6)
    np.testing.assert_array_equal(tf.maximum(x, 2.0), [[2.0, 5.0], [3.0, 2.0]])
    assert tf.cast(x, tf.int32).dtype == np.int32


# ----------------------------------------------------------------------------- the global seed


def _small_model() -> gn.Sequential:
    return keras.models.Sequential([keras.Input(shape=(2,)),
                                    keras.layers.Dense(4, activation="relu"),
                                    keras.layers.Dense(3)])


def test_the_global_seed_replays_models_and_fits(rng: np.random.Generator) -> None:
    X, y = _blobs(rng)

    def run() -> tuple[list[np.ndarray], list[float]]:
        model = _small_model()
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer="adam")
        history = model.fit(X, y, epochs=3, verbose=0)
        return model.get_weights(), history.history["loss"]

    tf.random.set_seed(1234)
    w1, l1 = run()
    tf.random.set_seed(1234)
    w2, l2 = run()
    assert l1 == l2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    tf.random.set_seed(4321)
    w3, _ = run()
    assert not np.array_equal(w1[0], w3[0])


def test_models_after_one_seed_differ_and_explicit_seeds_win() -> None:
    tf.random.set_seed(1)
    a, b = _small_model(), _small_model()
    assert a.seed != b.seed
    explicit = keras.models.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(4)], seed=5)
    assert explicit.seed == 5
    gn.set_global_seed(None)
    assert gn.get_global_seed() is None


def test_the_global_seed_replays_in_another_process() -> None:
    code = textwrap.dedent("""
        import numpy as np
        from glassnet import tf
        tf.random.set_seed(99)
        m = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="relu"),
                                 tf.keras.layers.Dense(1, activation="sigmoid")])
        m.compile(loss="binary_crossentropy", optimizer="adam")
        X = np.linspace(-1, 1, 40).reshape(20, 2)
        h = m.fit(X, (X[:, 0] > 0).astype(float), epochs=2, verbose=0)
        print(repr(h.history["loss"]), m.get_weights()[0].tobytes().hex())
    """)
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, timeout=120).stdout for _ in range(2)}
    assert len(outs) == 1


def test_set_seed_rejects_bad_values() -> None:
    with pytest.raises(gn.ArgumentTypeError, match="seed"):
        tf.random.set_seed(-1)
    with pytest.raises(gn.ArgumentTypeError, match="seed"):
        keras.utils.set_random_seed(1.5)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- introspection


def test_keras_shapes_of_model_and_layers() -> None:
    model = keras.models.Sequential([keras.layers.Dense(25, activation="relu"),
                                     keras.layers.Dense(10)])
    with pytest.raises(NotReadyError, match="build"):
        model.layers[0].output  # noqa: B018
    model.build(input_shape=(None, 400))
    assert model.input.shape.as_list() == [None, 400]
    assert model.input.shape == (None, 400) and model.input_shape == (None, 400)
    assert [layer.output.shape.as_list() for layer in model.layers] == [[None, 25], [None, 10]]
    assert model.layers[1].input.shape == (None, 25)
    assert model.output.shape == (None, 10) and model.output_shape == (None, 10)
    other = keras.models.Sequential([keras.layers.Dense(2)])
    other.build((None, 3))  # Keras' positional input_shape
    assert other.input.shape == (None, 3)


def test_dense_input_shape_and_input_dim_declare_the_input() -> None:
    a = keras.models.Sequential([keras.layers.Dense(4, input_shape=(3,)),
                                 keras.layers.Dense(1)])
    b = keras.models.Sequential([keras.layers.Dense(4, input_dim=3)])
    assert a.built and a.input_dim == 3 and [w.shape for w in a.get_weights()][0] == (3, 4)
    assert b.built and b.input.shape == (None, 3)
    with pytest.raises(gn.ArgumentTypeError, match="one, not both"):
        keras.layers.Dense(4, input_shape=(3,), input_dim=3)
    c = keras.models.Sequential([keras.layers.InputLayer(input_shape=(5,)),
                                 keras.layers.Dense(2)])
    assert c.input.shape == (None, 5)


def test_layer_weights_are_live_and_kernel_regularizer_is_visible() -> None:
    model = keras.models.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(3, activation="relu", kernel_regularizer=keras.regularizers.l2(0.1)),
        keras.layers.Dense(1)])
    W, b = model.layers[0].weights
    W[0, 0] = 42.0
    assert model.layers[0].get_weights()[0][0, 0] == 42.0
    reg = model.layers[0].kernel_regularizer
    assert type(reg) == keras.regularizers.l2 and np.isclose(reg.l2, 0.1)  # noqa: E721
    assert reg.get_config() == {"l2": 0.1}
    assert model.layers[1].kernel_regularizer is None


def test_standalone_dense_layer_builds_on_first_call() -> None:
    tf.random.set_seed(3)
    layer = keras.layers.Dense(1, activation="linear")
    assert layer.get_weights() == []
    out1 = layer(np.array([[1.0]], dtype=np.float32))
    layer.set_weights([np.array([[200.0]]), np.array([100.0])])
    assert layer(np.array([[1.0], [2.0]], dtype=np.float32)).tolist() == [[300.0], [500.0]]
    tf.random.set_seed(3)
    again = keras.layers.Dense(1, activation="linear")
    assert again(np.array([[1.0]], dtype=np.float32)).tolist() == out1.tolist()


def test_normalization_through_the_keras_names(rng: np.random.Generator) -> None:
    X = rng.normal(loc=[200.0, 13.0], scale=[30.0, 1.0], size=(200, 2))
    norm = tf.keras.layers.Normalization(axis=-1)
    norm.adapt(X)
    Xn = np.asarray(norm(X))
    np.testing.assert_allclose(Xn.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(Xn.std(axis=0), 1.0, rtol=1e-3)


# ----------------------------------------------------------------------------- optimizers


def test_learning_rate_is_a_number_with_numpy() -> None:
    opt = keras.optimizers.Adam(learning_rate=0.01)
    assert opt.learning_rate == 0.01 and opt.learning_rate * 2 == 0.02
    assert opt.learning_rate.numpy() == np.float32(0.01)
    assert np.isclose(opt.learning_rate.numpy(), 0.01, atol=1e-8)
    assert repr(opt.learning_rate) == "0.01"
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5 and opt.lr == 0.5
    with pytest.raises(ConfigError, match="learning_rate"):
        opt.learning_rate = -1.0
    assert opt.learning_rate == 0.5
    assert type(opt.get_config()["learning_rate"]) is float


def test_legacy_lr_keyword() -> None:
    with pytest.warns(DeprecationWarning, match="learning_rate"):
        opt = keras.optimizers.Adam(lr=0.01)
    assert opt.learning_rate == 0.01
    with pytest.warns(DeprecationWarning):
        assert keras.optimizers.SGD(lr=0.3).learning_rate == 0.3
    with pytest.raises(ConfigError, match="not both"):
        keras.optimizers.RMSprop(learning_rate=0.1, lr=0.2)


def test_model_with_learning_rate_survives_save_and_load(tmp_path: Path) -> None:
    model = _small_model()
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(learning_rate=0.003))
    model.save(tmp_path / "m.npz")
    loaded = keras.models.load_model(tmp_path / "m.npz")
    assert loaded.optimizer is not None and loaded.optimizer.learning_rate == 0.003


# ----------------------------------------------------------------------------- names


def test_models_are_auto_named_like_keras() -> None:
    assert keras.models.Sequential().name == "sequential"
    assert keras.models.Sequential().name == "sequential_1"
    assert keras.models.Sequential(name="Complex").name == "Complex"
    assert keras.models.Sequential().name == "sequential_2"
    keras.backend.clear_session()
    assert keras.models.Sequential().name == "sequential"


# ----------------------------------------------------------------------------- kind warnings


def _compile(activation: str, loss: object) -> list[warnings.WarningMessage]:
    model = keras.models.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(4),
                                     keras.layers.Dense(3, activation=activation, name="out")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.compile(loss=loss, optimizer="adam")
        model.compile(loss=loss, optimizer="adam")  # warned once per model and mistake
    return [w for w in caught if issubclass(w.category, GlassnetWarning)]


def test_linear_output_with_a_probability_loss_warns_with_the_fix() -> None:
    caught = _compile("linear", keras.losses.SparseCategoricalCrossentropy())
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "'out'" in message and "from_logits=True" in message and "softmax" in message


def test_softmax_output_with_from_logits_warns_with_the_fix() -> None:
    caught = _compile("softmax", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "'out'" in message and "activation='linear'" in message and "twice" in message
    sig = _compile("sigmoid", keras.losses.BinaryCrossentropy(from_logits=True))
    assert len(sig) == 1 and "sigmoid" in str(sig[0].message)


@pytest.mark.parametrize("activation,loss", [
    ("linear", keras.losses.SparseCategoricalCrossentropy(from_logits=True)),
    ("softmax", keras.losses.SparseCategoricalCrossentropy()),
    ("sigmoid", keras.losses.BinaryCrossentropy()),
    ("linear", keras.losses.MeanSquaredError()),
])
def test_matching_setups_do_not_warn(activation: str, loss: object) -> None:
    assert _compile(activation, loss) == []


# ----------------------------------------------------------------------------- files and types


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_saving_under_a_keras_name_says_what_the_file_is(tmp_path: Path, suffix: str) -> None:
    model = _small_model()
    path = tmp_path / f"model{suffix}"
    with pytest.warns(GlassnetWarning, match="TensorFlow cannot load it"):
        model.save(path)
    loaded = keras.models.load_model(path)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GlassnetWarning)
        model.save(tmp_path / "model.npz")
        keras.models.save_model(model, tmp_path / "again.npz")


def test_set_floatx_changes_new_models_only() -> None:
    before = _small_model()
    keras.backend.set_floatx("float64")
    assert keras.backend.floatx() == "float64"
    after = _small_model()
    assert before.dtype == np.float32 and after.dtype == np.float64
    assert after.get_weights()[0].dtype == np.float64
    with pytest.raises(ConfigError, match="float"):
        keras.backend.set_floatx("float16")


def test_initializers_refuse_their_own_seed() -> None:
    init = keras.initializers.HeNormal()
    assert init == gn.initializers.get("he_normal")
    with pytest.raises(OutsideSubsetError, match="model's seed"):
        keras.initializers.GlorotUniform(seed=1)
    assert keras.initializers.RandomNormal(stddev=0.1).get_config()["stddev"] == 0.1


def test_to_categorical() -> None:
    np.testing.assert_array_equal(keras.utils.to_categorical([0, 2, 1]),
                                  [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert keras.utils.to_categorical([1], num_classes=4).shape == (1, 4)
    with pytest.raises(gn.DataError, match="0..1"):
        keras.utils.to_categorical([2], num_classes=2)


def test_the_session_calls_a_notebook_makes_are_quiet() -> None:
    tf.autograph.set_verbosity(0)
    assert tf.get_logger().name == "tensorflow"
    assert tf.__version__.startswith("glassnet-")


def test_the_readme_course_block_runs() -> None:
    """The README's two-line path: a notebook's imports changed, then the glass box."""
    import re

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("## From a course notebook", 1)[1]
    block = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    namespace: dict[str, object] = {}
    exec(compile(block, "README course block", "exec"), namespace)  # noqa: S102
    model = namespace["model"]
    assert isinstance(model, gn.Sequential) and model.name == "sequential"


def test_tf_nn_functions_serve_as_layer_activations(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, m=30)
    model = keras.models.Sequential([keras.Input(shape=(2,)),
                                     keras.layers.Dense(4, activation=tf.nn.relu),
                                     keras.layers.Dense(3, activation=tf.nn.softmax)])
    assert model.layers[0].activation == relu and model.layers[1].activation == softmax
    np.testing.assert_allclose(model.predict(X).sum(axis=1), 1.0, rtol=1e-5)
    leaky = keras.layers.Dense(2, activation=tf.nn.leaky_relu).activation
    assert leaky.get_config() == {"alpha": 0.2}
    np.testing.assert_allclose(tf.nn.softmax(np.eye(2), axis=None).sum(axis=1), 1.0)


def test_inputlayer_and_leaky_relu_layer_in_a_keras_model(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, m=60)
    tf.random.set_seed(11)
    model = keras.models.Sequential([
        keras.layers.InputLayer(input_shape=(2,)),
        keras.layers.Dense(8),
        keras.layers.LeakyReLU(alpha=0.1),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(3),
    ])
    assert [layer.output.shape for layer in model.layers] == [(None, 8)] * 3 + [(None, 3)]
    assert model.layers[1].weights == []
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.Adam(learning_rate=0.05))
    history = model.fit(X, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    z = np.array([[-1.0, 2.0, 0.0, -3.0, 1.0, 1.0, 1.0, 1.0]])
    np.testing.assert_allclose(model.layers[1](z)[0, :4], [-0.1, 2.0, 0.0, -0.3])
