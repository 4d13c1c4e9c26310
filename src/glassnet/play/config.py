"""The playground's settings: :class:`PlayConfig`, the choices each setting takes, and
:func:`parse_config`, which checks the settings a page sends (unknown keys and bad values are
refused with a :class:`~glassnet.errors.ConfigError` that names the setting)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ConfigError
from . import features as feat

__all__ = ["ACTIVATIONS", "COMPARE", "DATASETS", "INITIALIZERS", "MAX_HIDDEN_LAYERS", "MAX_UNITS",
           "OPTIMIZERS", "PLANE_SETS", "REGULARIZERS", "TOYS", "PlayConfig", "config_json",
           "parse_config"]

TOYS = ("circles", "xor", "gaussians", "spirals", "moons")
PLANE_SETS = (*TOYS, *feat.REGRESSION_SETS)   # 2-D points: features apply, a plane to draw
DATASETS = (*TOYS, *feat.REGRESSION_SETS, "coffee", "digits", "csv")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal",
                "random_normal", "random_uniform", "zeros", "ones", "constant")
OPTIMIZERS = ("sgd", "adam", "rmsprop")
COMPARE = ("none", "inits", "seeds")
REGULARIZERS = ("none", "l1", "l2")
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 128



@dataclass(frozen=True)
class PlayConfig:
    """Every setting of one run; two equal configs give the same run bit for bit."""

    dataset: str = "circles"
    n_samples: int = 500
    noise: float = 0.1
    n_classes: int = 3
    test_fraction: float = 0.5
    data_seed: int = 0
    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    initializer: str = "glorot_uniform"
    constant: float = 0.5
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    batch_size: int | None = 10
    seed: int = 1
    compare: str = "none"
    regularization: str = "none"
    reg_rate: float = 0.001
    dropout: float = 0.0
    stop_epochs: int = 0           # Play pauses by itself after this many epochs (0: never)
    features: tuple[str, ...] = ("x1", "x2")   # the inputs of a 2-D data set (features.py)


def _number(raw: dict[str, Any], key: str, default: float, lo: float, hi: float,
            integer: bool = False) -> Any:
    value = raw.get(key, default)
    # no float() of an int before the range check: 10**400 would raise OverflowError
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and (not math.isfinite(value)
                                          or (integer and not value.is_integer()))):
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"{key}: expected {kind} in [{lo:g}, {hi:g}], got {value!r:.60}")
    if not lo <= value <= hi:
        raise ConfigError(f"{key}: expected a value in [{lo:g}, {hi:g}], got {value!r}")
    return int(value) if integer else float(value)


def _choice(raw: dict[str, Any], key: str, default: str, options: tuple[str, ...]) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or value not in options:
        raise ConfigError(f"{key}: expected one of {', '.join(options)}, got {value!r:.60}")
    return value


def parse_config(raw: Any, base: PlayConfig | None = None) -> PlayConfig:
    """A :class:`PlayConfig` from the JSON a page sent; unknown keys and bad values are refused
    with a :class:`~glassnet.errors.ConfigError` that names the setting."""
    if not isinstance(raw, dict):
        raise ConfigError(f"config: expected a JSON object, got {type(raw).__name__}")
    known = {f for f in PlayConfig.__dataclass_fields__}
    unknown = sorted(str(k)[:40] for k in raw if k not in known)
    if unknown:
        raise ConfigError(f"config: unknown setting(s) {', '.join(unknown)}")
    d = asdict(base or PlayConfig())
    hidden = raw.get("hidden", list(d["hidden"]))
    if not isinstance(hidden, (list, tuple)) or len(hidden) > MAX_HIDDEN_LAYERS or not all(
            isinstance(u, int) and not isinstance(u, bool) and 1 <= u <= MAX_UNITS
            for u in hidden):
        raise ConfigError(
            f"hidden: expected up to {MAX_HIDDEN_LAYERS} layer sizes, each 1..{MAX_UNITS}, "
            f"got {hidden!r:.80}")
    batch = raw.get("batch_size", d["batch_size"])
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int)
                              or not 1 <= batch <= 100_000):
        raise ConfigError(f"batch_size: expected null (full batch) or an integer >= 1, "
                          f"got {batch!r:.60}")
    return PlayConfig(
        dataset=_choice(raw, "dataset", d["dataset"], DATASETS),
        n_samples=_number(raw, "n_samples", d["n_samples"], 20, 5000, integer=True),
        noise=_number(raw, "noise", d["noise"], 0.0, 2.0),
        n_classes=_number(raw, "n_classes", d["n_classes"], 2, 6, integer=True),
        test_fraction=_number(raw, "test_fraction", d["test_fraction"], 0.1, 0.9),
        data_seed=_number(raw, "data_seed", d["data_seed"], 0, 2**31 - 1, integer=True),
        hidden=tuple(int(u) for u in hidden),
        activation=_choice(raw, "activation", d["activation"], ACTIVATIONS),
        initializer=_choice(raw, "initializer", d["initializer"], INITIALIZERS),
        constant=_number(raw, "constant", d["constant"], -10.0, 10.0),
        optimizer=_choice(raw, "optimizer", d["optimizer"], OPTIMIZERS),
        learning_rate=_number(raw, "learning_rate", d["learning_rate"], 1e-6, 10.0),
        batch_size=batch,
        seed=_number(raw, "seed", d["seed"], 0, 2**31 - 1, integer=True),
        compare=_choice(raw, "compare", d["compare"], COMPARE),
        regularization=_choice(raw, "regularization", d["regularization"], REGULARIZERS),
        reg_rate=_number(raw, "reg_rate", d["reg_rate"], 0.0, 1.0),
        dropout=_number(raw, "dropout", d["dropout"], 0.0, 0.9),
        stop_epochs=_number(raw, "stop_epochs", d["stop_epochs"], 0, 10**7, integer=True),
        features=feat.check_features(raw.get("features", list(d["features"]))),
    )


def config_json(cfg: PlayConfig) -> dict[str, Any]:
    out = asdict(cfg)
    out["hidden"] = list(cfg.hidden)
    out["features"] = list(cfg.features)
    return out
