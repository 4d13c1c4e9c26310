"""Checks in the style of the course's graded unit tests for week 1 (the model's structure),
written for glassnet's course-style scripts. They import the Keras names, as the course's do
(here pointing at glassnet)."""

from glassnet.keras.activations import sigmoid
from glassnet.keras.layers import Dense


def test_c1(target):
    assert len(target.layers) == 3, f"Wrong number of layers: {len(target.layers)}"
    assert target.input.shape.as_list() == [None, 400], \
        f"Wrong input shape: {target.input.shape.as_list()}"
    expected = [[Dense, [None, 25], sigmoid],
                [Dense, [None, 15], sigmoid],
                [Dense, [None, 1], sigmoid]]
    for i, layer in enumerate(target.layers):
        assert type(layer) == expected[i][0], f"Wrong type in layer {i}: {type(layer)}"
        assert layer.output.shape.as_list() == expected[i][1], \
            f"Wrong number of units in layer {i}: {layer.output.shape.as_list()}"
        assert layer.activation == expected[i][2], \
            f"Wrong activation in layer {i}: {layer.activation}"
    print("All tests passed!")
