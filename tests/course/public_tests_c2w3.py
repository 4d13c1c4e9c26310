"""Checks in the style of the course's graded unit tests for week 3 ("Advice for applying
machine learning"), for glassnet's course-style scripts; Keras names point at glassnet."""

import numpy as np

from glassnet import tf
from glassnet.keras.activations import linear, relu
from glassnet.keras.layers import Dense
from glassnet.keras.losses import SparseCategoricalCrossentropy
from glassnet.keras.optimizers import Adam


def test_eval_cat_err(target):
    y_hat = np.array([1, 0, 1, 1, 1, 0])
    y_tmp = np.array([0, 1, 0, 0, 0, 1])
    assert not np.isclose(target(y_hat, y_tmp), 6.0), "Did you divide by m?"
    y_hat = np.array([1, 2, 0])
    y_tmp = np.array([1, 2, 3])
    assert np.isclose(target(y_hat, y_tmp), 1.0 / 3.0, atol=1e-6)
    print("All tests passed.")


def _check_model(target, classes, input_size, expected, regularized):
    target.build(input_shape=(None, input_size))
    assert len(target.layers) == len(expected), f"Wrong number of layers: {len(target.layers)}"
    assert target.input.shape.as_list() == [None, input_size], \
        f"Wrong input shape: {target.input.shape.as_list()}"
    for i, layer in enumerate(target.layers):
        assert type(layer) == expected[i][0], f"Wrong type in layer {i}: {type(layer)}"
        assert layer.output.shape.as_list() == expected[i][1], \
            f"Wrong number of units in layer {i}: {layer.output.shape.as_list()}"
        assert layer.activation == expected[i][2], \
            f"Wrong activation in layer {i}: {layer.activation}"
        if regularized and expected[i][3] is not None:
            assert type(layer.kernel_regularizer) == expected[i][3][0], \
                f"Wrong regularizer: {type(layer.kernel_regularizer)}"
            assert np.isclose(layer.kernel_regularizer.l2, expected[i][3][1]), \
                f"Wrong regularization factor: {layer.kernel_regularizer.l2}"
        else:
            assert layer.kernel_regularizer == None, "No regularizer expected"  # noqa: E711
    assert type(target.loss) == SparseCategoricalCrossentropy, f"Wrong loss: {target.loss}"
    assert type(target.optimizer) == Adam, f"Wrong optimizer: {target.optimizer}"
    lr = target.optimizer.learning_rate.numpy()
    assert np.isclose(lr, 0.01, atol=1e-8), f"Wrong learning rate: {lr}"
    assert target.loss.get_config()["from_logits"], "Set from_logits=True in loss function"
    print("All tests passed!")


def model_test(target, classes, input_size):
    _check_model(target, classes, input_size,
                 [[Dense, [None, 120], relu, None], [Dense, [None, 40], relu, None],
                  [Dense, [None, classes], linear, None]], regularized=False)


def model_s_test(target, classes, input_size):
    _check_model(target, classes, input_size,
                 [[Dense, [None, 6], relu, None], [Dense, [None, classes], linear, None]],
                 regularized=False)


def model_r_test(target, classes, input_size):
    l2 = (tf.keras.regularizers.l2, 0.1)
    _check_model(target, classes, input_size,
                 [[Dense, [None, 120], relu, l2], [Dense, [None, 40], relu, l2],
                  [Dense, [None, classes], linear, None]], regularized=True)
