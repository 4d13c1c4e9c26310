"""The edge of the covered surface: a name outside it raises a clear glassnet error.

Each module of ``glassnet.keras`` (and ``glassnet.tf``) ends with
``__getattr__ = outside("tf.keras.layers")``: asking it for a name it does not define
(``layers.Conv2D``) raises :class:`glassnet.OutsideSubsetError`, which says so and points at
the README's table, instead of an ``AttributeError`` from deep inside. Private and dunder
names still raise ``AttributeError``, so ``hasattr``, copy, pickle and IPython's probing
behave as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glassnet.errors import OutsideSubsetError

TABLE = "the covered surface is the table in glassnet's README, 'From a course notebook'"

_CONV = ("glassnet builds dense networks: Flatten the images (layers.Flatten(input_shape=...)) "
         "and use Dense layers")
_RNN = "glassnet builds dense networks; give each example as a row of features to Dense layers"
#: what to use instead, for the names tutorials reach for most
HINTS = {
    "GradientTape": "glassnet computes gradients itself: model.gradients(X, y) gives every "
                    "parameter's gradient, gn.inspect.gradient_check checks them, fit trains",
    "Variable": "a model's weights are NumPy arrays: model.weights (live views), "
                "get_weights/set_weights",
    "Model": "functional graphs and subclassed models (class MyModel(tf.keras.Model)) are "
             "outside; build the chain with Sequential([...]) (a Sequential can hold another "
             "as a layer) and give it one array of features",
    "TensorBoard": "fit returns a History (history.history, plot it with matplotlib); "
                   "gn.inspect.NeuronRecorder records every unit during training",
    "saved_model": "model.save(path) and glassnet.load_model(path) keep a model in one file",
    "Module": "build models from layers: Sequential([layers.Dense(...), ...]); a model's "
              "weights are model.weights and its submodels model.layers",
    "function": "glassnet has no graph to compile: call the Python function directly",
    "train": "checkpoints are files: ModelCheckpoint, model.save and glassnet.load_model",
    "config": "glassnet runs on the CPU with NumPy; there is no device to configure",
    "datasets": "load the arrays with NumPy or pandas (or glassnet.datasets) and pass them",
    "get_file": "download the file yourself and read it with NumPy or pandas",
}
_ENCODE = ("encode categories as numbers before the model: one-hot columns with "
           "pandas.get_dummies(df[column]) (or NumPy), joined to the numeric features")
_JOIN = ("functional graphs are outside; join the columns before the model (np.column_stack, "
         "pandas.concat) and give a Sequential one array")
HINTS.update({name: _ENCODE for name in (
    "StringLookup", "IntegerLookup", "CategoryEncoding", "Hashing", "HashedCrossing",
    "Discretization")})
HINTS.update({name: _JOIN for name in (
    "Concatenate", "concatenate", "Add", "add", "Multiply", "multiply", "Average")})
HINTS.update({name: "glassnet's networks take numbers; " + _ENCODE for name in (
    "string", "strings")})
HINTS.update({name: "glassnet's tensors are dense NumPy arrays: pad the rows to one length "
              "(a mask column if needed) or keep a Python list of arrays" for name in (
                  "ragged", "RaggedTensor")})
HINTS.update({name: "glassnet's tensors are dense NumPy arrays: build the dense array "
              "(np.zeros, then set the nonzero entries) or use scipy.sparse outside the "
              "model" for name in ("sparse", "SparseTensor")})
HINTS["io"] = ("read files with NumPy or pandas and pass the arrays "
               "(tf.data.Dataset.from_tensor_slices)")
HINTS["plot_model"] = "model.summary() lists the layers, their output shapes and parameters"
HINTS.update({name: _CONV for name in (
    "Conv1D", "Conv2D", "Conv3D", "MaxPooling1D", "MaxPooling2D", "MaxPool2D",
    "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Conv2DTranspose",
    "SeparableConv2D", "DepthwiseConv2D", "conv2d", "max_pool2d")})
HINTS.update({name: _RNN for name in ("LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional",
                                      "Embedding", "TextVectorization", "MultiHeadAttention")})


def outside(module: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for the Keras/TensorFlow module called ``module``."""

    def __getattr__(name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        hint = HINTS.get(name)
        raise OutsideSubsetError(
            f"{module}.{name} is outside glassnet's TensorFlow subset: glassnet runs the "
            f"course's dense networks on NumPy and covers only what those notebooks use; "
            + (f"{hint}; " if hint else "") + TABLE
        )

    return __getattr__


def refuse(what: str, why: str) -> OutsideSubsetError:
    """The error for an argument or a use of a covered name that glassnet does not support."""
    return OutsideSubsetError(f"{what} is outside glassnet's TensorFlow subset: {why}")
