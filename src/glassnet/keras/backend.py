"""``keras.backend``: the float type and the session state a notebook resets."""

from __future__ import annotations

from typing import Any

import glassnet as gn
from glassnet.model import reset_auto_names

from ._subset import outside

__all__ = ["clear_session", "epsilon", "floatx", "set_floatx"]


def set_floatx(value: Any) -> None:
    """Models and standalone layers created afterwards compute in ``value``
    (``"float32"``, the default, or ``"float64"``)."""
    gn.set_default_dtype(value)


def floatx() -> str:
    """The float type new models use (``"float32"`` unless :func:`set_floatx` changed it)."""
    return gn.get_default_dtype()


def epsilon() -> float:
    """The clipping constant of the probability losses, ``1e-7`` (as Keras)."""
    return 1e-7


def clear_session() -> None:
    """Start the automatic names afresh (the next model is ``sequential`` again). Models
    hold no shared graph in glassnet, so there is nothing else to free."""
    reset_auto_names()


_outside = outside("tf.keras.backend")


def __getattr__(name: str) -> Any:
    return _outside(name)
