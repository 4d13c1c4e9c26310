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


def outside(module: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for the Keras/TensorFlow module called ``module``."""

    def __getattr__(name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        raise OutsideSubsetError(
            f"{module}.{name} is outside glassnet's TensorFlow subset: glassnet runs the "
            f"course's dense networks on NumPy and covers only what those notebooks use; "
            f"{TABLE}"
        )

    return __getattr__


def refuse(what: str, why: str) -> OutsideSubsetError:
    """The error for an argument or a use of a covered name that glassnet does not support."""
    return OutsideSubsetError(f"{what} is outside glassnet's TensorFlow subset: {why}")
