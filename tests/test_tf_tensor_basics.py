"""The tensor-guide pieces of glassnet.tf: tf.size, tf.rank, tf.broadcast_to, the small
integer dtypes, Tensor.shape.as_list(), one element of a Tensor as a 0-d Tensor,
convert_to_tensor's default types, reshape's error; and what stays outside says so."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import tf


def test_size_rank_and_shape_as_list() -> None:
    x = tf.zeros([3, 2, 4, 5])
    assert int(tf.size(x)) == 120 and tf.size(x).dtype == np.int32
    assert int(tf.rank(x)) == 4 and tf.rank(x).numpy() == 4
    assert x.shape.as_list() == [3, 2, 4, 5] and x.shape.rank == 4
    assert x.shape == (3, 2, 4, 5) and isinstance(x.shape, tuple)
    x.shape = (6, 20)  # NumPy's in-place reshape still works
    assert x.shape.as_list() == [6, 20]


def test_one_element_is_a_0d_tensor() -> None:
    t = tf.constant([0, 1, 1, 2, 3, 5])
    first = t[0]
    assert isinstance(first, tf.Tensor) and first.ndim == 0
    assert first.numpy() == 0 and isinstance(first.numpy(), np.int32)
    assert t[1:3].numpy().tolist() == [1, 1]
    assert float(tf.constant([[1.0, 2.0]])[0, 1]) == 2.0


def test_broadcast_to_and_its_error() -> None:
    out = tf.broadcast_to(tf.constant([1, 2, 3]), [3, 3])
    assert out.numpy().tolist() == [[1, 2, 3]] * 3 and out.dtype == np.int32
    out[0, 0] = 9  # a writable copy, not NumPy's read-only view
    with pytest.raises(gn.ShapeError, match="shape: cannot broadcast"):
        tf.broadcast_to(tf.constant([1, 2, 3]), [2, 2])


def test_cast_to_small_integer_types() -> None:
    u8 = tf.cast(tf.cast(tf.constant([2.2, 3.3, 4.4], dtype=tf.float64), tf.float16), tf.uint8)
    assert u8.dtype == np.uint8 and u8.numpy().tolist() == [2, 3, 4]
    assert tf.int8 is np.int8 and tf.int16 is np.int16 and tf.uint16 is np.uint16


def test_convert_to_tensor_types_as_tensorflow() -> None:
    assert tf.convert_to_tensor([1.0, 2.0]).dtype == np.float32
    assert tf.convert_to_tensor([1, 2]).dtype == np.int32
    assert tf.convert_to_tensor(np.arange(3)).dtype == np.int64  # arrays keep their type
    assert tf.convert_to_tensor(np.float64(1.5)).dtype == np.float64
    assert tf.convert_to_tensor([1, 2], dtype=tf.float64).dtype == np.float64
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1.5, 2.5], "b": [3.0, 4.0]})
    assert tf.convert_to_tensor(frame).dtype == np.float64  # a frame keeps its values' type


def test_reshape_error_names_the_shape() -> None:
    with pytest.raises(gn.ShapeError, match=r"cannot reshape 30 values .* to \[7, -1\]"):
        tf.reshape(tf.zeros([3, 2, 5]), [7, -1])
    assert tf.reshape(tf.zeros([3, 2, 5]), tf.constant([3, -1])).shape == (3, 10)


@pytest.mark.parametrize(("name", "instead"), [
    ("Variable", "model.weights"), ("ragged", "pad the rows"), ("RaggedTensor", "pad the rows"),
    ("sparse", "build the dense array"), ("SparseTensor", "build the dense array"),
    ("string", "encode categories"), ("strings", "encode categories"),
    ("GradientTape", "model.gradients")])
def test_the_guides_other_tensors_are_outside(name: str, instead: str) -> None:
    """Each names what to use instead."""
    with pytest.raises(gn.OutsideSubsetError, match=f"tf.{name} is outside.*{instead}"):
        getattr(tf, name)


def test_where_both_forms() -> None:
    cond = tf.constant([[True, False], [False, True]])
    assert tf.where(cond, 1, 0).numpy().tolist() == [[1, 0], [0, 1]]
    coords = tf.where(cond)
    assert coords.dtype == np.int64 and coords.numpy().tolist() == [[0, 0], [1, 1]]
    with pytest.raises(gn.ArgumentTypeError, match="condition: expected booleans"):
        tf.where(tf.constant([1, 0]), 1, 0)
    with pytest.raises(gn.ArgumentTypeError, match="x, y: expected both"):
        tf.where(cond, 1)


def test_clip_tile_gather_eye_variance_linalg() -> None:
    clipped = tf.clip_by_value(tf.constant([-1.0, 0.5, 5.0]), 0.0, 2.0)
    assert clipped.dtype == np.float32 and clipped.numpy().tolist() == [0.0, 0.5, 2.0]
    assert tf.tile(tf.constant([[1, 2]]), [2, 2]).numpy().tolist() == [[1, 2, 1, 2]] * 2
    assert tf.gather(tf.constant([[1, 2], [3, 4]]), [1], axis=1).numpy().tolist() == [[2], [4]]
    with pytest.raises(gn.DataError, match="indices: expected values below 3"):
        tf.gather(tf.constant([1, 2, 3]), [5])
    assert tf.eye(2, 3).numpy().tolist() == [[1, 0, 0], [0, 1, 0]]
    assert float(tf.math.reduce_variance(tf.constant([1.0, 5.0]))) == 4.0
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert tf.linalg.matmul(a, tf.eye(2)).numpy().tolist() == a.numpy().tolist()
    assert tf.is_tensor(a) and not tf.is_tensor(np.ones(2))


def test_module_refusal_names_sequential() -> None:
    with pytest.raises(gn.OutsideSubsetError, match="tf.Module is outside.*Sequential"):
        tf.Module  # noqa: B018
