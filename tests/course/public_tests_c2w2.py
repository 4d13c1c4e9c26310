"""Checks in the style of the course's graded unit tests for week 2 (softmax and the
multiclass model), for glassnet's course-style scripts; Keras names point at glassnet."""

import numpy as np

from glassnet import tf
from glassnet.keras.activations import linear, relu
from glassnet.keras.layers import Dense


def test_my_softmax(target):
    z = np.array([1.0, 2.0, 3.0, 4.0])
    a = target(z)
    atf = tf.nn.softmax(z)
    assert np.allclose(a, atf, atol=1e-10), f"Wrong values. Expected {atf}, got {a}"
    z = np.array([np.log(0.1)] * 10)
    a = target(z)
    atf = tf.nn.softmax(z)
    assert np.allclose(a, atf, atol=1e-10), f"Wrong values. Expected {atf}, got {a}"
    print("All tests passed.")


def test_model(target, classes, input_size):
    target.build(input_shape=(None, input_size))
    assert len(target.layers) == 3, f"Wrong number of layers: {len(target.layers)}"
    assert target.input.shape.as_list() == [None, input_size], \
        f"Wrong input shape: {target.input.shape.as_list()}"
    expected = [[Dense, [None, 25], relu],
                [Dense, [None, 15], relu],
                [Dense, [None, classes], linear]]
    for i, layer in enumerate(target.layers):
        assert type(layer) == expected[i][0], f"Wrong type in layer {i}: {type(layer)}"
        assert layer.output.shape.as_list() == expected[i][1], \
            f"Wrong number of units in layer {i}: {layer.output.shape.as_list()}"
        assert layer.activation == expected[i][2], \
            f"Wrong activation in layer {i}: {layer.activation}"
    print("All tests passed!")
