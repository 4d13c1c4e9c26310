"""The layer protocol: the model trusts it and nothing else. A user's own layer trains,
gradient-checks, saves and loads; a broken one gets a glassnet error; the optimizer alone
updates weights; build() and set_weights() never half-apply."""

from __future__ import annotations

import ast
import pathlib
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.inspect import gradient_check
from glassnet.layers import Dense, Input, Layer

SRC = pathlib.Path(gn.__file__).parent


@gn.register
class Scale(Layer):
    """A user's layer: ``a = x * s + t`` with trainable per-feature ``s`` and ``t``."""

    def __init__(self, init: float = 1.0, name: str | None = None) -> None:
        super().__init__(name)
        self.init = float(init)

    def build(self, n_in: int, rng: np.random.Generator, dtype: Any) -> None:
        super().build(n_in, rng, dtype)
        self.params = [np.full(n_in, self.init, dtype=dtype),
                       rng.normal(size=n_in).astype(dtype)]
        self.grads = [np.zeros_like(p) for p in self.params]

    def forward(self, x: Any, training: bool = False, cache: bool = False) -> Any:
        if cache:
            self.x = x
        return x * self.params[0] + self.params[1]

    def backward(self, grad_a: Any, need_input_grad: bool = True, defer: bool = False) -> Any:
        np.sum(grad_a * self.x, axis=0, out=self._grads[0])
        np.sum(grad_a, axis=0, out=self._grads[1])
        return grad_a * self.params[0] if need_input_grad else None

    def get_config(self) -> dict[str, Any]:
        return {"init": self.init, "name": self.name}


@gn.register
class BalancedAccuracy(gn.metrics.Metric):
    name = "balanced_accuracy"

    def __call__(self, y: Any, out: Any) -> float:
        pred = out.argmax(axis=1)
        labels = y.reshape(-1).astype(int)
        return float(np.mean([np.mean(pred[labels == c] == c) for c in np.unique(labels)]))


def _data(rng: np.random.Generator, m: int = 60) -> tuple[Any, Any]:
    X = rng.normal(size=(m, 3))
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)


def test_a_users_layer_trains_checks_saves_and_loads(rng: np.random.Generator,
                                                    tmp_path: pathlib.Path) -> None:
    X, y = _data(rng)
    model = gn.Sequential([Input((3,)), Scale(0.5), Dense(8, "tanh"), Scale(2.0),
                           Dense(3, "softmax")], seed=4, dtype="float64")
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                  metrics=["accuracy", "balanced_accuracy"])
    assert model.layers[0].name == "scale" and model.layers[2].name == "scale_1"
    result = gradient_check(model, X[:10], y[:10])
    assert result.passed and "W1" not in result.per_parameter and "w01" in result.per_parameter
    before = model.get_weights()
    h = model.fit(X, y, epochs=20, batch_size=16, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert not np.array_equal(before[0], model.get_weights()[0])  # the optimizer moved s
    assert "balanced_accuracy" in h.history
    path = tmp_path / "custom.npz"
    model.save(path)
    loaded = gn.load_model(path)
    assert [layer.kind for layer in loaded.layers] == ["Scale", "Dense", "Scale", "Dense"]
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.metric_names == ["accuracy", "balanced_accuracy"]


def test_an_unregistered_layer_in_a_file_is_a_clear_error(rng: np.random.Generator,
                                                         tmp_path: pathlib.Path) -> None:
    class Unknown(Scale):
        pass

    model = gn.Sequential([Input((3,)), Unknown(), Dense(2)], seed=1)
    path = tmp_path / "unknown.npz"
    model.save(path)
    with pytest.raises(gn.ModelFileError, match="unknown layer class 'Unknown'"):
        gn.load_model(path)


def test_register_refuses_a_taken_name() -> None:
    class Dense2(Scale):
        pass

    with pytest.raises(gn.ConfigError, match="already taken"):
        gn.register(Dense2, name="Dense")
    with pytest.raises(gn.ArgumentTypeError, match="expected a subclass"):
        gn.register(int)


def test_a_broken_layer_gets_a_glassnet_error_not_an_assertion(rng: np.random.Generator) -> None:
    class NoGrad(Scale):
        def backward(self, grad_a: Any, need_input_grad: bool = True,
                     defer: bool = False) -> Any:
            super().backward(grad_a, need_input_grad)
            return None

    X, y = _data(rng)
    model = gn.Sequential([Input((3,)), Dense(4), NoGrad(), Dense(3, "softmax")], seed=1)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    before = model.get_weights()
    with pytest.raises(gn.LayerProtocolError, match="returned no input gradient"):
        model.fit(X, y, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):  # the failed step moved nothing
        np.testing.assert_array_equal(a, b)

    class Unpaired(Scale):
        def build(self, n_in: int, rng: np.random.Generator, dtype: Any) -> None:
            super().build(n_in, rng, dtype)
            self._grads = self._grads[:1]

    with pytest.raises(gn.LayerProtocolError, match="params but 1 grads"):
        gn.Sequential([Input((3,)), Unpaired()])
    with pytest.raises(gn.ArgumentTypeError, match="expected Input or glassnet.layers.Layer"):
        gn.Sequential([Input((3,)), "dense"])


def test_the_engine_never_asks_which_class_a_layer_is() -> None:
    concrete = {"Dense", "Dropout", "Normalization", "BatchNormalization", "Activation",
                "ReLU", "LeakyReLU", "Softmax"}
    files = [SRC / "model.py", SRC / "training.py", SRC / "io.py", SRC / "callbacks.py",
             *sorted((SRC / "inspect").glob("*.py"))]
    found = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance":
                names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
                names |= {n.attr for n in ast.walk(node.args[1]) if isinstance(n, ast.Attribute)}
                if names & concrete:
                    found.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Assert):
                found.append(f"{path.name}:{node.lineno} assert")
    assert found == []


def test_layers_compute_and_the_optimizer_updates(rng: np.random.Generator) -> None:
    X, y = _data(rng)
    for optimizer in ("sgd", "adam"):
        model = gn.Sequential([Input((3,)), Dense(200, "relu"), Dense(3)], seed=2)
        model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer=optimizer)
        before = model.get_weights()
        x, t = model.check_X(X), model.prepare_targets(y, X.shape[0])
        model.compute_gradients(x, t, defer=True)  # the layers' whole job: no weight moves
        for a, b in zip(before, model.get_weights()):
            np.testing.assert_array_equal(a, b)
        model.train_step(x, t)
        assert model.optimizer.iterations == 1
        assert not np.array_equal(before[0], model.get_weights()[0])
    dense_source = (SRC / "layers" / "dense.py").read_text()
    assert "gemm" not in dense_source.split('"""', 2)[2]  # no BLAS step inside the layer


def test_build_on_a_built_model_changes_nothing(rng: np.random.Generator) -> None:
    X, y = _data(rng)
    model = gn.Sequential([Dense(4, "relu"), Dense(3)], seed=9)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam")
    model.fit(X, y, epochs=2, verbose=0)
    trained = model.get_weights()
    model.build(3)
    model.build(input_shape=(None, 3))
    for a, b in zip(trained, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(gn.ShapeError, match="expects 3 features, got 5"):
        model.build(5)
    model.reinitialize()  # the explicit way to draw again: the seed's start
    fresh = gn.Sequential([Dense(4, "relu"), Dense(3)], seed=9)
    fresh.build(input_shape=(None, 3))
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_set_weights_checks_everything_before_writing(rng: np.random.Generator) -> None:
    model = gn.Sequential([Input((3,)), Dense(4), Dense(2)], seed=1)
    before = model.get_weights()
    new = [w + 1 for w in before]
    for bad, pattern in [(np.zeros((5, 2)), "expects W of shape"),
                         (np.full((4, 2), np.nan), "finite"),
                         (np.zeros((4, 2), dtype=complex), "real numbers")]:
        with pytest.raises(gn.GlassnetError, match=pattern):
            model.set_weights(new[:2] + [bad] + new[3:])
        for a, b in zip(before, model.get_weights()):  # layer 1 untouched too
            np.testing.assert_array_equal(a, b)
    model.set_weights(new)
    np.testing.assert_array_equal(model.get_weights()[0], new[0])
