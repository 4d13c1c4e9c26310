"""What the two drivers (_drivers.py, _drivers_b.py) share: the script's values as the
``@@RESULT`` line, a ``fit`` that puts a callback first, the ``glassnet`` names pointed at
real Keras, and the command line ``driver.py glassnet|keras SCRIPT WEIGHTS``.

Not a tutorial: the runners skip files whose name starts with ``_``."""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Callable
from typing import Any


def script_values(g: dict[str, Any], plain: Callable[[Any], Any]) -> dict[str, tuple[Any, Any]]:
    """The script's public globals that ``plain`` turns into JSON: name -> (JSON, value).
    Modules, functions, classes and names starting with ``_`` are left out."""
    out = {}
    for name, v in g.items():
        if name.startswith("_") or isinstance(v, (types.ModuleType, types.FunctionType, type)):
            continue
        p = plain(v)
        if p is not None:
            out[name] = (p, v)
    return out


def fit_with_first_callback(cls: Any, make_callback: Callable[[], Any]) -> None:
    """Replace ``cls.fit`` with one that runs ``make_callback()`` before the caller's
    callbacks (on every fit: the callback itself sees each model once)."""
    original_fit = cls.fit

    @functools.wraps(original_fit)
    def fit(self: Any, *args: Any, callbacks: Any = None, **kwargs: Any) -> Any:
        return original_fit(self, *args, callbacks=[make_callback(), *(callbacks or [])],
                            **kwargs)

    cls.fit = fit


def glassnet_is_keras(keras: Any, tf: types.ModuleType, submodules: tuple[str, ...] = ()) -> None:
    """Point the script's ``glassnet`` imports at real Keras: ``glassnet.tf`` is ``tf`` (a
    stand-in holding ``tf.keras``), ``glassnet.keras`` and its ``submodules`` are Keras'."""
    fake = types.ModuleType("glassnet")
    fake.tf = tf  # type: ignore[attr-defined]
    fake.keras = keras  # type: ignore[attr-defined]
    sys.modules["glassnet"] = fake
    sys.modules["glassnet.keras"] = keras
    for sub in submodules:
        sys.modules[f"glassnet.keras.{sub}"] = getattr(keras, sub)


def keras_tf(keras: Any) -> types.ModuleType:
    """``tf`` with Keras as ``tf.keras`` and Keras' version as TensorFlow's."""
    tf = types.ModuleType("tf")
    tf.keras = keras  # type: ignore[attr-defined]
    tf.__version__ = keras.__version__  # type: ignore[attr-defined]
    tf.version = types.SimpleNamespace(VERSION=keras.__version__)  # type: ignore[attr-defined]
    return tf


def main(run_glassnet: Callable[[str, str], None], run_keras: Callable[[str, str], None]) -> None:
    """``driver.py MODE SCRIPT WEIGHTS``: run SCRIPT under glassnet (writing its initial
    weights to WEIGHTS) or under Keras (reading them)."""
    mode, script, weights = sys.argv[1:4]
    (run_glassnet if mode == "glassnet" else run_keras)(script, weights)
