"""``keras.initializers``: glassnet's initializers under their Keras names.

Keras initializers take ``seed=``; in glassnet every layer's first weights come from the
model's seed (``Sequential(seed=...)``, or the global seed of ``tf.random.set_seed``), so an
initializer given its own seed is refused with that explanation rather than ignored.
"""

from __future__ import annotations

from typing import Any

from glassnet import initializers as _init
from glassnet.initializers import Constant, Initializer, Ones, Zeros, get

from ._subset import outside, refuse

__all__ = ["Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Initializer",
           "LecunNormal", "LecunUniform", "Ones", "RandomNormal", "RandomUniform", "Zeros",
           "get", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal",
           "lecun_uniform", "ones", "zeros"]


def _no_seed(name: str, seed: Any) -> None:
    if seed is not None:
        raise refuse(f"{name}(seed={seed!r})",
                     "glassnet draws every layer's weights from the model's seed; give "
                     "Sequential(seed=...) or call tf.random.set_seed(...) instead")


def _preset(name: str, keras_name: str) -> Any:
    def make(seed: Any = None) -> Initializer:
        _no_seed(keras_name, seed)
        return get(name)

    make.__name__ = keras_name
    make.__doc__ = f"glassnet's {name!r} initializer (Keras' {keras_name})."
    return make


GlorotNormal = glorot_normal = _preset("glorot_normal", "GlorotNormal")
GlorotUniform = glorot_uniform = _preset("glorot_uniform", "GlorotUniform")
HeNormal = he_normal = _preset("he_normal", "HeNormal")
HeUniform = he_uniform = _preset("he_uniform", "HeUniform")
LecunNormal = lecun_normal = _preset("lecun_normal", "LecunNormal")
LecunUniform = lecun_uniform = _preset("lecun_uniform", "LecunUniform")
zeros = Zeros
ones = Ones


def RandomNormal(mean: float = 0.0, stddev: float = 0.05,  # noqa: N802 (Keras' name)
                 seed: Any = None) -> Initializer:
    _no_seed("RandomNormal", seed)
    return _init.RandomNormal(mean=mean, stddev=stddev)


def RandomUniform(minval: float = -0.05, maxval: float = 0.05,  # noqa: N802
                  seed: Any = None) -> Initializer:
    _no_seed("RandomUniform", seed)
    return _init.RandomUniform(minval=minval, maxval=maxval)


_outside = outside("tf.keras.initializers")


def __getattr__(name: str) -> Any:
    return _outside(name)
