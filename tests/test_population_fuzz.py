"""Random populations against their members' own fits: the invariant, over many shapes.

Every trial draws an architecture (input width, hidden layers of 1 to 130 units, their
activations, dropout layers), a loss with its output, a batch size (1 up to larger than the
data, or full batch), K members with their own seeds, learning rates, penalties and dropout
rates, an optimizer, a shuffle mode and the orders (shared or each member's own); trains the
population and every member alone, and asks for the same weights and the same history, to
the last bit. ``GLASSNET_POP_FUZZ=N`` runs N trials (default 100, a few seconds).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.population import Population

TRIALS = int(os.environ.get("GLASSNET_POP_FUZZ", "100"))

PENALTIES: list[dict[str, Any]] = [
    {},
    {"kernel_regularizer": "l2"},
    {"kernel_regularizer": gn.regularizers.l1(0.003), "bias_regularizer": "l2"},
    {"kernel_regularizer": gn.regularizers.l1_l2(0.01, 0.02)},
]


def _optimizer(kind: str, lr: float) -> gn.optimizers.Optimizer:
    return {"sgd": lambda: gn.optimizers.SGD(lr),
            "momentum": lambda: gn.optimizers.SGD(lr, momentum=0.9),
            "nesterov": lambda: gn.optimizers.SGD(lr, momentum=0.9, nesterov=True),
            "adam": lambda: gn.optimizers.Adam(lr),
            "rmsprop": lambda: gn.optimizers.RMSprop(lr)}[kind]()


def _task(rng: np.random.Generator, m: int) -> tuple[Any, str, Any, int]:
    """(loss, output activation, targets, output units) of a random kind."""
    kind = str(rng.choice(["sparse", "sparse_logits", "onehot", "binary", "binary_logits",
                           "multilabel", "mse"]))
    c = int(rng.choice([2, 3, 10]))
    labels = rng.integers(0, c, m)
    if kind == "sparse":
        return "sparse_categorical_crossentropy", "softmax", labels, c
    if kind == "sparse_logits":
        return gn.losses.SparseCategoricalCrossentropy(from_logits=True), "linear", labels, c
    if kind == "onehot":
        return "categorical_crossentropy", "softmax", np.eye(c)[labels], c
    if kind == "binary":
        return "binary_crossentropy", "sigmoid", rng.integers(0, 2, (m, 1)).astype(float), 1
    if kind == "binary_logits":
        return (gn.losses.BinaryCrossentropy(from_logits=True), "linear",
                rng.integers(0, 2, (m, 1)).astype(float), 1)
    if kind == "multilabel":
        return "binary_crossentropy", "sigmoid", rng.integers(0, 2, (m, c)).astype(float), c
    return "mse", str(rng.choice(["linear", "sigmoid"])), rng.standard_normal((m, c)), c


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_random_population_equals_its_members_fits(trial: int) -> None:
    rng = np.random.default_rng(1000 + trial)
    dtype = str(rng.choice(["float64", "float32"]))
    n_in = int(rng.choice([1, 2, 7, 64]))
    hidden = [(int(rng.choice([1, 2, 9, 33, 130])),
               str(rng.choice(["relu", "tanh", "sigmoid", "linear", "leaky_relu"])))
              for _ in range(int(rng.integers(0, 3)))]
    m = int(rng.choice([1, 5, 17, 64, 203]))
    batch = rng.choice([1, 3, 16, 32, 500, -1])
    batch_size = None if batch == -1 else int(batch)
    K = int(rng.choice([1, 2, 3, 5]))
    kind = str(rng.choice(["sgd", "momentum", "nesterov", "adam", "rmsprop"]))
    orders = str(rng.choice(["own", "shared", "model"]))
    shuffle: Any = rng.choice([True, False, "block"])
    shuffle = "block" if shuffle == "block" else bool(shuffle)
    block_size = 4 if shuffle == "block" else None
    penalized = bool(rng.integers(0, 2))
    dropout = bool(rng.integers(0, 2))
    input_dropout = dropout and bool(rng.integers(0, 2))
    epochs = int(rng.choice([1, 2]))
    X = rng.standard_normal((m, n_in))
    loss, out_act, y, n_out = _task(rng, m)
    metrics = ["mse"] if loss == "mse" else ["accuracy"]
    rates = [0.0, 0.1, 0.3, 0.5]

    def member(k: int) -> gn.Sequential:
        layers: list[Any] = [gn.Input((n_in,))]
        if input_dropout:
            layers.append(gn.layers.Dropout(rates[k % 4] / 2, seed=5 if k % 2 else None))
        for j, (units, act) in enumerate(hidden):
            layers.append(gn.Dense(units, act, **(PENALTIES[(k + j) % 4] if penalized else {})))
            if dropout:
                layers.append(gn.layers.Dropout(rates[(k + j) % 4]))
        layers.append(gn.Dense(n_out, out_act, **(PENALTIES[(k + 3) % 4] if penalized else {})))
        model = gn.Sequential(layers, seed=100 + k, dtype=dtype)
        model.compile(loss=loss, optimizer=_optimizer(kind, 0.01 * (1 + k % 3)),
                      metrics=metrics)
        return model

    seeds: Any = {"own": [11 + k for k in range(K)], "shared": 11, "model": None}[orders]
    validation = (X[: max(1, m // 2)], y[: max(1, m // 2)])
    kwargs = {"epochs": epochs, "batch_size": batch_size, "shuffle": shuffle,
              "block_size": block_size, "validation_data": validation}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        pop = Population([member(k) for k in range(K)])
        histories = pop.fit(X, y, seed=seeds, **kwargs)
        for k in range(K):
            alone = member(k)
            alone.fit(X, y, seed=seeds[k] if orders == "own" else seeds, verbose=0, **kwargs)
            for a, b in zip(pop[k].get_weights(), alone.get_weights()):
                np.testing.assert_array_equal(a, b)
            assert histories[k].history.keys() == alone.history.history.keys()
            for key, values in alone.history.history.items():
                np.testing.assert_array_equal(histories[k].history[key], values, err_msg=key)
