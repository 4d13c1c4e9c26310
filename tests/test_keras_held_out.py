"""Gaps the held-out tutorial probes (tests/tutorials/load_numpy.py, load_pandas.py) found in
the Keras/tf surface, each closed or refused with a pointer to what to use instead."""

from __future__ import annotations

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
