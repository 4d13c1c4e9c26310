"""glassnet: a fast NumPy multilayer perceptron you can see through.

The Keras-style API the courses teach::

    import glassnet as gn
    model = gn.Sequential([gn.layers.Input(shape=(64,)),
                           gn.layers.Dense(25, activation="relu"),
                           gn.layers.Dense(10, activation="linear")], seed=1234)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=gn.optimizers.Adam(learning_rate=0.001), metrics=["accuracy"])
    history = model.fit(X, y, epochs=40, batch_size=32, validation_split=0.2)
"""

from . import (
    activations,
    callbacks,
    checks,
    data,
    datasets,
    errors,
    initializers,
    layers,
    losses,
    metrics,
    optimizers,
    reference,
    regularizers,
    saving,
    tensor,
)
from .callbacks import (
    BackupAndRestore,
    Callback,
    EarlyStopping,
    History,
    LambdaCallback,
    ModelCheckpoint,
    TerminateOnNaN,
)
from .checks import (
    get_default_dtype,
    get_global_seed,
    new_seed,
    set_default_dtype,
    set_global_seed,
)
from .errors import (
    ArgumentTypeError,
    ConfigError,
    DataError,
    GlassnetError,
    GlassnetWarning,
    LayerProtocolError,
    MissingFileError,
    ModelFileError,
    NotReadyError,
    OutsideSubsetError,
    ShapeError,
)
from .layers import Dense, Input
from .model import (
    LayerTrace,
    Sequential,
    load_model,
    read_checkpoint,
    save_checkpoint,
    save_model,
)
from .registry import register

__version__ = "0.1.0"

# The instruments, the lab and the course bridge (``gn.keras``, ``gn.tf``) load on first use;
# the instruments and the lab bring SciPy,
# which plain training does not need.
_LAZY = ("inspect", "lab", "keras", "tf")


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ArgumentTypeError",
    "BackupAndRestore",
    "Callback",
    "ConfigError",
    "DataError",
    "Dense",
    "EarlyStopping",
    "GlassnetError",
    "GlassnetWarning",
    "History",
    "Input",
    "LambdaCallback",
    "LayerProtocolError",
    "LayerTrace",
    "ModelCheckpoint",
    "MissingFileError",
    "ModelFileError",
    "NotReadyError",
    "OutsideSubsetError",
    "Sequential",
    "ShapeError",
    "TerminateOnNaN",
    "__version__",
    "activations",
    "callbacks",
    "checks",
    "data",
    "datasets",
    "errors",
    "get_default_dtype",
    "get_global_seed",
    "new_seed",
    "initializers",
    "inspect",
    "keras",
    "lab",
    "layers",
    "load_model",
    "losses",
    "metrics",
    "optimizers",
    "read_checkpoint",
    "reference",
    "register",
    "regularizers",
    "tensor",
    "saving",
    "save_checkpoint",
    "save_model",
    "set_default_dtype",
    "set_global_seed",
    "tf",
]
