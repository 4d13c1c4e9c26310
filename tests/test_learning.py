"""Learning actually happens: digits, xor and the course's coffee roasts."""

from __future__ import annotations

import numpy as np

import glassnet as gn


def test_digits_reach_over_90_percent_test_accuracy_in_20_epochs() -> None:
    X, y = gn.datasets.load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = gn.datasets.train_test_split(
        X, y, test_size=0.2, seed=0, stratify=True)
    model = gn.Sequential([
        gn.layers.Input(shape=(64,)),
        gn.layers.Dense(25, activation="relu", name="L1"),
        gn.layers.Dense(15, activation="relu", name="L2"),
        gn.layers.Dense(10, activation="linear", name="L3"),
    ], seed=1234)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=gn.optimizers.Adam(learning_rate=0.003), metrics=["accuracy"])
    before = model.evaluate(X_test, y_test, return_dict=True)["accuracy"]
    history = model.fit(X_train, y_train, epochs=20, batch_size=32, verbose=0, seed=0)
    after = model.evaluate(X_test, y_test, return_dict=True)
    assert before < 0.3
    assert after["accuracy"] > 0.9
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    probabilities = gn.activations.Softmax()(model.predict(X_test[:5]).astype(np.float64))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_course_binary_digits_with_a_sigmoid_output() -> None:
    """The course's 0-vs-1 task: 25-15-1 sigmoid units with binary cross-entropy."""
    X, y = gn.datasets.load_digits(return_X_y=True, n_class=2)
    X_train, X_test, y_train, y_test = gn.datasets.train_test_split(X, y, test_size=0.25, seed=1)
    model = gn.Sequential([gn.layers.Input(shape=(64,)), gn.layers.Dense(25, "sigmoid"),
                           gn.layers.Dense(15, "sigmoid"), gn.layers.Dense(1, "sigmoid")],
                          seed=0)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(0.01),
                  metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=15, batch_size=32, verbose=0, seed=0)
    assert model.evaluate(X_test, y_test, return_dict=True)["accuracy"] > 0.97


def test_four_point_xor_is_solved() -> None:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.float32)
    model = gn.Sequential([gn.layers.Input(shape=(2,)), gn.layers.Dense(4, "tanh"),
                           gn.layers.Dense(1, "sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(0.05),
                  metrics=["accuracy"])
    model.fit(X, y, epochs=300, batch_size=None, verbose=0)
    assert model.evaluate(X, y, return_dict=True)["accuracy"] == 1.0
    np.testing.assert_array_equal(model.predict(X)[:, 0] > 0.5, [False, True, True, False])


def test_xor_clusters_are_solved_but_not_without_a_hidden_layer() -> None:
    X, y = gn.datasets.make_xor(200, noise=0.1, seed=0)
    model = gn.Sequential([gn.layers.Input(shape=(2,)), gn.layers.Dense(4, "tanh"),
                           gn.layers.Dense(1, "sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(0.05),
                  metrics=["accuracy"])
    model.fit(X, y, epochs=50, batch_size=32, verbose=0, seed=0)
    assert model.evaluate(X, y, return_dict=True)["accuracy"] == 1.0
    # a single sigmoid unit draws one straight line: it cannot separate xor
    linear = gn.Sequential([gn.layers.Input(shape=(2,)), gn.layers.Dense(1, "sigmoid")], seed=0)
    linear.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(0.05),
                   metrics=["accuracy"])
    linear.fit(X, y, epochs=50, batch_size=32, verbose=0, seed=0)
    assert linear.evaluate(X, y, return_dict=True)["accuracy"] < 0.8


def test_coffee_roasting_is_learned_by_the_course_network() -> None:
    X, y = gn.datasets.load_coffee()
    Xn = gn.datasets.Standardizer().fit_transform(X)
    model = gn.Sequential([gn.layers.Input(shape=(2,)),
                           gn.layers.Dense(3, activation="sigmoid", name="layer1"),
                           gn.layers.Dense(1, activation="sigmoid", name="layer2")], seed=1234)
    model.compile(loss=gn.losses.BinaryCrossentropy(),
                  optimizer=gn.optimizers.Adam(learning_rate=0.05), metrics=["accuracy"])
    model.fit(Xn, y, epochs=200, batch_size=32, verbose=0, seed=0)
    accuracy = model.evaluate(Xn, y, return_dict=True)["accuracy"]
    assert np.mean(y == 0) < 0.8  # always answering "bad roast" would score 78.5%
    assert accuracy > 0.9
