"""Populations train on a dataset of ``(x, y)`` batches as ``Sequential.fit`` does (every
member takes the dataset's batches, a fresh iteration each epoch), and refuse, before any
step, the batch sizes a layer cannot train on, as ``Sequential.fit`` refuses them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.data import Dataset
from glassnet.errors import ConfigError, ShapeError
from glassnet.population import Population


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    X = rng.normal(size=(90, 6))
    y = rng.integers(0, 3, size=90)
    return X, y


def _net(seed: int, dtype: str = "float64", bn: bool = False) -> gn.Sequential:
    layers: list[Any] = [gn.Input((6,)), gn.Dense(8, "relu")]
    if bn:
        layers.append(gn.layers.BatchNormalization())
    layers.append(gn.Dense(3, "softmax"))
    model = gn.Sequential(layers, seed=seed, dtype=dtype)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=gn.optimizers.Adam(0.02),
                  metrics=["accuracy"])
    return model


class BatchSizes(gn.callbacks.Callback):
    def __init__(self) -> None:
        self.sizes: list[int] = []

    def on_batch_end(self, batch: int, logs: Any = None) -> None:
        self.sizes.append(int(logs["size"]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bn", [False, True])
def test_dataset_fit_equals_each_model_alone(dtype: str, bn: bool) -> None:
    X, y = _data()

    def dataset() -> Dataset:  # reshuffled on every iteration, from its own seed
        return Dataset.from_tensor_slices((X, y)).shuffle(90, seed=4).batch(20)

    val = Dataset.from_tensor_slices((X[:30], y[:30])).batch(7)
    seeds = [0, 1, 2]
    pop = Population([_net(s, dtype, bn) for s in seeds])
    sizes = [[BatchSizes()] for _ in seeds]
    hist = pop.fit(dataset(), None, epochs=3, validation_data=val, callbacks=sizes)
    for k, s in enumerate(seeds):
        model = _net(s, dtype, bn)
        mine = BatchSizes()
        model.fit(dataset(), epochs=3, validation_data=val, verbose=0, callbacks=[mine])
        assert hist[k].history == model.history.history, k
        assert sizes[k][0].sizes == mine.sizes == [20, 20, 20, 20, 10] * 3
        for a, b in zip(pop[k].get_weights(), model.get_weights()):
            np.testing.assert_array_equal(a, b)
        assert hist[k].params["batch_size"] is None
        assert hist[k].params["steps"] == 5
    # a fresh iteration each epoch: the dataset's reshuffled order, not the first one again
    # (the same weights trained on the first epoch's order three times differ)
    again = Population([_net(s, dtype, bn) for s in seeds])
    first = list(dataset())
    fixed = Dataset.from_tensor_slices((np.concatenate([np.asarray(b[0]) for b in first]),
                                        np.concatenate([np.asarray(b[1]) for b in first])))
    again.fit(fixed.batch(20), None, epochs=3)
    assert not np.array_equal(again.get_weights(0)[0], pop.get_weights(0)[0])


def test_dataset_arguments_refused() -> None:
    X, y = _data()
    pop = Population([_net(s) for s in (0, 1)])
    before = [w.copy() for w in pop.get_weights(0)]
    ds = Dataset.from_tensor_slices((X, y)).batch(16)
    with pytest.raises(ConfigError, match="y: the dataset gives the targets"):
        pop.fit(ds, y)
    with pytest.raises(ConfigError, match="need targets"):
        pop.fit(Dataset.from_tensor_slices(X).batch(16), None)
    with pytest.raises(ShapeError, match="no elements"):
        pop.fit(Dataset.from_tensor_slices((X[:0], y[:0])).batch(16), None)
    with pytest.raises(ShapeError, match="x \\(batch 0 of the dataset\\)"):
        pop.fit(Dataset.from_tensor_slices((X[:, :4], y)).batch(16), None)
    for a, b in zip(pop.get_weights(0), before):
        np.testing.assert_array_equal(a, b)
    assert int(pop.iterations[0]) == 0


def test_batch_norm_batch_of_one_refused_as_alone() -> None:
    """91 examples in batches of 30 leave a last batch of 1: a batch normalization cannot
    take its variance, and both the model and the population refuse before any step."""
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(91, 6)), rng.integers(0, 3, size=91)
    model = _net(0, bn=True)
    with pytest.raises(ConfigError, match="batch_size") as alone:
        model.fit(X, y, batch_size=30, verbose=0)
    pop = Population([_net(s, bn=True) for s in (0, 1)])
    with pytest.raises(ConfigError, match="batch_size") as together:
        pop.fit(X, y, batch_size=30)
    assert str(together.value) == str(alone.value)
    assert int(pop.iterations[0]) == 0
    ds = Dataset.from_tensor_slices((X, y)).batch(30)
    with pytest.raises(ConfigError, match="batch_size"):
        pop.fit(ds, None)


def test_predict_and_evaluate_read_datasets() -> None:
    X, y = _data()
    pop = Population([_net(s) for s in (0, 1)])
    pop.fit(X, y, epochs=2, batch_size=16, seed=3)
    ds = Dataset.from_tensor_slices((X, y)).batch(25)
    np.testing.assert_array_equal(pop.predict(ds), pop.predict(X))
    np.testing.assert_array_equal(pop.predict(Dataset.from_tensor_slices(X).batch(25)),
                                  pop.predict(X))
    got = pop.evaluate(ds)
    assert got == pop.evaluate(X, y)
    for k in range(2):  # as each member's model evaluates the dataset
        assert got[k] == pop[k].evaluate(ds, verbose=0, return_dict=True)
    with pytest.raises(ConfigError, match="y: the dataset gives the targets"):
        pop.evaluate(ds, y)
    with pytest.raises(ConfigError, match="need targets"):
        pop.evaluate(Dataset.from_tensor_slices(X).batch(25))
    with pytest.raises(gn.errors.ArgumentTypeError, match="y: expected targets, got None"):
        pop.evaluate(X)  # as Sequential.evaluate(X) without targets


def test_dataset_with_weights_refused_as_alone() -> None:
    X, y = _data()
    ds = Dataset.from_tensor_slices((X, y)).batch(16)
    pop = Population([_net(s) for s in (0, 1)])
    with pytest.raises(gn.errors.OutsideSubsetError, match="not with a dataset") as together:
        pop.fit(ds, None, sample_weight=np.ones(90))
    with pytest.raises(gn.errors.OutsideSubsetError, match="not with a dataset") as alone:
        _net(0).fit(ds, sample_weight=np.ones(90), verbose=0)
    assert str(together.value) == str(alone.value)
    assert int(pop.iterations[0]) == 0
