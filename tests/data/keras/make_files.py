"""Makes the Keras files that tests/test_interop_keras.py reads, with real Keras 3.

Not run by ``make test`` (it needs Keras and a backend). To remake the files::

    python -m venv /tmp/kerasenv
    /tmp/kerasenv/bin/pip install keras==3.15.1 h5py torch==2.13.0
    KERAS_BACKEND=torch /tmp/kerasenv/bin/python tests/data/keras/make_files.py

Each model ``NAME`` gives ``NAME.keras`` (the whole model), ``NAME.weights.h5`` (weights
only) and ``NAME.npz`` with an input batch ``x`` and Keras' own ``predict`` of it, ``y``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras
import numpy as np

HERE = Path(__file__).resolve().parent


def models() -> dict[str, keras.Sequential]:
    L = keras.layers
    keras.utils.set_random_seed(7)
    out = {
        # the course's network shape: relu, tanh, softmax
        "dense_relu_tanh_softmax": keras.Sequential([
            keras.Input(shape=(8,)),
            L.Dense(16, activation="relu"),
            L.Dense(12, activation="tanh"),
            L.Dense(4, activation="softmax"),
        ], name="dense_relu_tanh_softmax"),
        # sigmoid, a layer without bias, a linear output
        "dense_sigmoid_nobias_linear": keras.Sequential([
            keras.Input(shape=(5,)),
            L.Dense(7, activation="sigmoid", use_bias=False),
            L.Dense(3),
        ], name="dense_sigmoid_nobias_linear"),
        # the layers the courses teach next: dropout, activation layers, normalization
        "layers_zoo": keras.Sequential([
            keras.Input(shape=(6,)),
            L.Normalization(),
            L.Dense(10),
            L.BatchNormalization(),
            L.ReLU(),
            L.Dropout(0.3),
            L.Dense(8),
            L.LeakyReLU(negative_slope=0.2),
            L.Dense(5, kernel_regularizer=keras.regularizers.l2(0.01)),
            L.Activation("sigmoid"),
            L.Dense(3),
            L.Softmax(),
        ], name="layers_zoo"),
        # something glassnet does not have: a clear error, not a guess
        "unsupported_gelu": keras.Sequential([
            keras.Input(shape=(4,)),
            L.Dense(3, activation="gelu"),
        ], name="unsupported_gelu"),
        "unsupported_conv": keras.Sequential([
            keras.Input(shape=(6, 1)),
            L.Conv1D(2, 3),
            L.Flatten(),
            L.Dense(2),
        ], name="unsupported_conv"),
    }
    return out


def main() -> None:
    rng = np.random.default_rng(11)
    for name, model in models().items():
        n_in = model.inputs[0].shape[1:]
        x = rng.normal(size=(32, *n_in)).astype("float32")
        for layer in model.layers:
            if isinstance(layer, keras.layers.Normalization):
                layer.adapt(rng.normal(3.0, 2.0, size=(200, *n_in)).astype("float32"))
        model.compile(optimizer="adam", loss="mse")
        # a few steps so BatchNormalization's moving statistics and the weights move
        y_fit = rng.normal(size=(64, model.outputs[0].shape[-1])).astype("float32")
        model.fit(rng.normal(size=(64, *n_in)).astype("float32"), y_fit, epochs=2, verbose=0)
        y = np.asarray(model.predict(x, verbose=0))
        model.save(HERE / f"{name}.keras")
        model.save_weights(HERE / f"{name}.weights.h5")
        np.savez(HERE / f"{name}.npz", x=x, y=y)
        print(name, x.shape, "->", y.shape)
    (HERE / "VERSIONS.json").write_text(json.dumps({
        "keras": keras.__version__, "backend": keras.backend.backend(),
        "KERAS_BACKEND": os.environ.get("KERAS_BACKEND"),
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
