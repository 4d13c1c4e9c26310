"""The one exception tree of glassnet.

Every error glassnet raises on purpose derives from :class:`GlassnetError`, so
``except glassnet.GlassnetError`` catches them all. Each also derives from the
built-in exception a Python user would expect, so ``except ValueError`` keeps
working::

    GlassnetError(Exception)
    ├── ConfigError(GlassnetError, ValueError)      unknown name, bad argument value
    ├── ArgumentTypeError(GlassnetError, TypeError)  an argument of the wrong type
    ├── ShapeError(GlassnetError, ValueError)        arrays whose shapes do not fit
    ├── DataError(GlassnetError, ValueError)         NaN/inf, labels that do not fit the loss
    ├── NotReadyError(GlassnetError, RuntimeError)   model not built / not compiled yet
    ├── ModelFileError(GlassnetError, ValueError)    a saved model file that cannot be read
    ├── MissingFileError(GlassnetError, FileNotFoundError)  no file at the path given
    ├── LayerProtocolError(GlassnetError, TypeError) a layer that breaks the layer protocol
    └── OutsideSubsetError(GlassnetError, NotImplementedError)
                                                     a TensorFlow/Keras name glassnet.tf and
                                                     glassnet.keras do not cover

    GlassnetWarning(UserWarning)                     a likely mistake that still runs (a linear
                                                     output with a probability loss, ...)

Messages name the argument, what was expected, and what arrived.
"""

from __future__ import annotations

__all__ = [
    "ArgumentTypeError",
    "ConfigError",
    "DataError",
    "GlassnetError",
    "GlassnetWarning",
    "LayerProtocolError",
    "MissingFileError",
    "ModelFileError",
    "NotReadyError",
    "OutsideSubsetError",
    "ShapeError",
]


class GlassnetError(Exception):
    """Base class of every error glassnet raises on purpose."""


class ConfigError(GlassnetError, ValueError):
    """An argument has a value glassnet does not accept (unknown name, out of range)."""


class ArgumentTypeError(GlassnetError, TypeError):
    """An argument has a type glassnet does not accept."""


class ShapeError(GlassnetError, ValueError):
    """Arrays whose shapes do not fit together (features, labels, weights)."""


class DataError(GlassnetError, ValueError):
    """Data values that cannot be used: NaN or infinite numbers, labels that do not fit."""


class NotReadyError(GlassnetError, RuntimeError):
    """The model is not in a state for this call yet (not built, not compiled)."""


class ModelFileError(GlassnetError, ValueError):
    """A saved model file is missing, malformed, or asks for something not allowed."""


class OutsideSubsetError(GlassnetError, NotImplementedError):
    """A TensorFlow/Keras name outside the subset ``glassnet.tf`` and ``glassnet.keras``
    cover (see the README's table)."""


class GlassnetWarning(UserWarning):
    """A setup that runs but is probably not what was meant (glassnet says how to fix it)."""


class LayerProtocolError(GlassnetError, TypeError):
    """A layer broke the layer protocol (e.g. returned no input gradient or a wrong shape)."""


class MissingFileError(GlassnetError, FileNotFoundError):
    """No file at the path given (a model, checkpoint or data file)."""
