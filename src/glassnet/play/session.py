"""The playground's run: its settings, its data, its networks, the frames that show them, and
the Python script that replays it.

Everything here is plain glassnet: the data come from :mod:`glassnet.datasets`, the networks are
:class:`~glassnet.Sequential` models trained by their own ``fit``, and the panels are read with
the instruments of :mod:`glassnet.inspect` (``symmetry``, ``unit_status``, ``NeuronRecorder``).
No state here is touched by the web server's event loop: the worker thread owns it.
"""

from __future__ import annotations

import base64
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

import numpy as np
from numpy.typing import NDArray

import glassnet as gn
import glassnet.inspect

from ..errors import ConfigError, DataError
from . import features as feat

Array = NDArray[Any]

__all__ = ["CsvData", "PlayConfig", "PlayData", "build_data", "build_model", "export_script",
           "frame_for", "parse_config", "parse_views", "setup_for", "variants"]

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
MAX_CSV_ROWS = 20_000
MAX_CSV_FEATURES = 1024
GRID = 48          # the decision boundary: GRID x GRID points over the input plane
THUMB = 24         # each unit's thumbnail: THUMB x THUMB points
PROBE_ROWS = 512   # examples the unit meters read (dead, saturated, firing rate)


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


# --------------------------------------------------------------------------- edits, links

MAX_LINK_STEPS = 200_000   # a link replays at most this many steps when it is opened
MAX_LINK_EDITS = 200
MAX_LINK_CHARS = 8192


def apply_edit(model: gn.Sequential, weight: Any, index: Any, value: Any) -> None:
    """Set one weight in place (checked first; a refused edit changes nothing)."""
    arrays = model.weights
    for name, v, hi in (("weight", weight, len(arrays) - 1), ("index", index, None)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0 or (hi is not None
                                                                      and v > hi):
            top = "size - 1" if hi is None else hi
            raise ConfigError(f"{name}: expected an integer in [0, {top}], got {v!r:.40}")
    target = arrays[weight]
    if index >= target.size:
        raise ConfigError(f"index: expected an integer in [0, {target.size - 1}] for weight "
                          f"{weight} of shape {tuple(target.shape)}, got {index}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or abs(value) > float(np.finfo(np.float32).max):
        raise ConfigError(f"value: expected a finite number (within float32's range), "
                          f"got {value!r:.40}")
    target.flat[index] = np.float32(value)


def _link_value(cfg: PlayConfig, key: str) -> str:
    value = getattr(cfg, key)
    if key in ("hidden", "features"):
        return ",".join(str(v) for v in value)
    if key == "batch_size":
        return "full" if value is None else str(value)
    return repr(value) if isinstance(value, float) else str(value)


def encode_link(cfg: PlayConfig, step: int,
                edits: list[tuple[int, int, int, int, float]]) -> str:
    """A URL fragment (``key=value&...``) holding every setting, the step and the typed
    weights: :func:`decode_link` reads it back to the same run. It never holds the token."""
    pairs = [(k, _link_value(cfg, k)) for k in PlayConfig.__dataclass_fields__]
    pairs.append(("step", str(step)))
    pairs += [("edit", ":".join([str(v), str(st), str(k), str(i), repr(val)]))
              for v, st, k, i, val in edits]
    return urlencode(pairs, safe=",:")


def decode_link(text: Any) -> tuple[PlayConfig, int, list[tuple[int, int, int, int, float]],
                                    str | None]:
    """``(config, step, edits, message)`` from a link's fragment. A fragment that does not
    parse (an unknown field, a value out of range) gives the defaults and a message naming
    the field; nothing of it is applied."""
    try:
        return (*_decode_link(text), None)
    except ConfigError as exc:
        return PlayConfig(), 0, [], f"the link was not opened ({exc}); showing the defaults"


def _decode_link(text: Any) -> tuple[PlayConfig, int, list[tuple[int, int, int, int, float]]]:
    if not isinstance(text, str) or len(text) > MAX_LINK_CHARS:
        raise ConfigError(f"link: expected the text after '#', at most {MAX_LINK_CHARS} "
                          f"characters")
    fields = PlayConfig.__dataclass_fields__
    raw: dict[str, Any] = {}
    step, edits = 0, []
    try:
        pairs = parse_qsl(text.lstrip("#"), keep_blank_values=True, strict_parsing=bool(text))
    except ValueError:
        raise ConfigError("link: expected key=value pairs joined by &") from None
    for key, value in pairs:
        key = key[:40]
        if key == "step":
            if not value.isdigit() or int(value) > MAX_LINK_STEPS:
                raise ConfigError(f"step: expected an integer in [0, {MAX_LINK_STEPS}], "
                                  f"got {value!r:.40}")
            step = int(value)
        elif key == "edit":
            parts = value.split(":")
            try:
                v, st, k, i = (int(p) for p in parts[:4])
                val = float(parts[4])
                if len(parts) != 5 or min(v, st, k, i) < 0 or not math.isfinite(val):
                    raise ValueError
            except (ValueError, IndexError):
                raise ConfigError(f"edit: expected variant:step:weight:index:value with a "
                                  f"finite value, got {value!r:.60}") from None
            edits.append((v, st, k, i, val))
        elif key not in fields:
            raise ConfigError(f"{key}: not a setting of the playground")
        elif key in raw:
            raise ConfigError(f"{key}: given twice")
        elif key in ("hidden", "features"):
            items = [p for p in value.split(",") if p]
            if key == "hidden":
                if not all(p.isdigit() and len(p) < 6 for p in items):
                    raise ConfigError(f"hidden: expected layer sizes like 8,8, "
                                      f"got {value!r:.40}")
                raw[key] = [int(p) for p in items]
            else:
                raw[key] = items
        elif key == "batch_size":
            raw[key] = None if value == "full" else _link_number(key, value, int)
        else:
            default = getattr(PlayConfig(), key)
            if isinstance(default, str):
                raw[key] = value
            else:
                raw[key] = _link_number(key, value, type(default))
    if len(edits) > MAX_LINK_EDITS:
        raise ConfigError(f"edit: expected at most {MAX_LINK_EDITS} typed weights, "
                          f"got {len(edits)}")
    cfg = parse_config(raw)
    n_variants = 3 if cfg.compare != "none" else 1
    for v, st, _, _, _ in edits:
        if v >= n_variants or st > step:
            raise ConfigError(f"edit: variant {v} at step {st} is outside the run "
                              f"({n_variants} network(s), step {step})")
    edits.sort(key=lambda e: e[1])  # stable: edits at one step keep their order
    return cfg, step, edits


def _link_number(key: str, value: str, kind: type) -> Any:
    try:
        return int(value) if kind is int else float(value)
    except ValueError:
        raise ConfigError(f"{key}: expected {'an integer' if kind is int else 'a number'}, "
                          f"got {value!r:.40}") from None


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class CsvData:
    """An uploaded CSV, already read by :func:`glassnet.datasets.load_csv`: its text is kept
    only so the exported script can replay the same load."""

    name: str
    text: str
    X: Array
    y: Array


def read_csv_upload(name: str, text: str) -> CsvData:
    """Numbers from an uploaded CSV through glassnet's own loader, or a DataError.

    The text is written to a private temporary file (the request never names a path) and read
    with :func:`glassnet.datasets.load_csv`; its messages name the upload, not the file.
    """
    fd, path = tempfile.mkstemp(prefix="glassnet-play-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        try:
            X, y = gn.datasets.load_csv(path)
        except (gn.GlassnetError, UnicodeDecodeError, ValueError) as exc:
            raise DataError(str(exc).replace(path, name)) from None
    finally:
        os.unlink(path)
    if X.shape[0] > MAX_CSV_ROWS or X.shape[1] > MAX_CSV_FEATURES:
        raise DataError(f"{name}: expected at most {MAX_CSV_ROWS} rows and "
                        f"{MAX_CSV_FEATURES} feature columns, got {X.shape[0]} x {X.shape[1]}")
    if X.shape[0] < 10:
        raise DataError(f"{name}: expected at least 10 rows to split and train on, "
                        f"got {X.shape[0]}")
    return CsvData(name=name, text=text, X=X, y=y)


@dataclass
class PlayData:
    """The run's data, split and scaled exactly as the exported script does it."""

    X_train: Array
    y_train: Array
    X_test: Array
    y_test: Array
    task: str                      # "binary", "multiclass" or "regression"
    n_classes: int
    class_names: list[str]
    feature_names: list[str]
    image_shape: tuple[int, int] | None
    description: str
    standardized: bool
    label_values: list[float] = field(default_factory=list)
    # a 2-D data set: its points (the network reads ``features`` computed from them)
    raw_train: Array | None = None
    raw_test: Array | None = None
    features: tuple[str, ...] = ()

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def plane(self) -> bool:
        return self.raw_train is not None

    def inputs(self, points: Array) -> Array:
        """The network's inputs for points of the plane (its chosen features)."""
        return feat.transform(points, self.features)


def _load_raw(cfg: PlayConfig, csv: CsvData | None) -> tuple[Array, Array, dict[str, Any]]:
    n, noise, seed = cfg.n_samples, cfg.noise, cfg.data_seed
    info: dict[str, Any] = {"feature_names": ["x1", "x2"], "image_shape": None,
                            "standardize": False, "class_names": None}
    X: Array
    y: Array
    if cfg.dataset == "circles":
        X, y = gn.datasets.make_circles(n, noise=noise, factor=0.5, seed=seed)
    elif cfg.dataset == "moons":
        X, y = gn.datasets.make_moons(n, noise=noise, seed=seed)
    elif cfg.dataset == "xor":
        X, y = gn.datasets.make_xor(n, noise=noise, seed=seed)
    elif cfg.dataset == "gaussians":
        X, y = gn.datasets.make_gaussians(n, centers=cfg.n_classes, std=max(noise, 1e-3) * 5,
                                          seed=seed)
    elif cfg.dataset == "spirals":
        X, y = gn.datasets.make_spirals(n, n_classes=cfg.n_classes, noise=noise, seed=seed)
    elif cfg.dataset == "plane":
        X, y = feat.make_plane(n, noise=noise, seed=seed)
    elif cfg.dataset == "mixture":
        X, y = feat.make_mixture(n, noise=noise, seed=seed)
    elif cfg.dataset == "coffee":
        ds = gn.datasets.load_coffee(n, seed, return_X_y=False)
        X, y = ds.X, ds.y.astype(np.int64)
        info.update(feature_names=list(ds.feature_names), standardize=True,
                    class_names=list(ds.target_names))
    elif cfg.dataset == "digits":
        ds = gn.datasets.load_digits()
        X, y = ds.X, ds.y
        info.update(feature_names=list(ds.feature_names), image_shape=ds.image_shape,
                    class_names=list(ds.target_names))
    else:
        if csv is None:
            raise DataError("dataset: 'csv' needs an uploaded CSV file first")
        X, y = csv.X, csv.y
        info.update(feature_names=[f"x{j + 1}" for j in range(X.shape[1])], standardize=True)
    return X, y, info


def build_data(cfg: PlayConfig, csv: CsvData | None = None) -> PlayData:
    """Load, split (``train_test_split`` with ``seed=data_seed``) and, for coffee and CSV
    data, standardize on the training part."""
    X, y, info = _load_raw(cfg, csv)
    label_values: list[float] = []
    if np.issubdtype(y.dtype, np.integer):
        values, y = np.unique(y, return_inverse=True)
        label_values = [float(v) for v in values]
        k = len(values)
        if k < 2:
            raise DataError(f"y: expected at least 2 classes, got {k} (label {values[0]})")
        if k > 50:
            raise DataError(f"y: expected at most 50 classes, got {k}")
        task = "binary" if k == 2 else "multiclass"
        y = y.astype(np.int64)
    else:
        task, k = "regression", 1
    X_train, X_test, y_train, y_test = gn.datasets.train_test_split(
        X, y, test_size=cfg.test_fraction, seed=cfg.data_seed, stratify=task != "regression")
    if info["standardize"]:
        scaler = gn.datasets.Standardizer().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    names = info["class_names"] or (
        [f"{v:g}" for v in label_values] if label_values else ["value"])
    raw_train = raw_test = None
    features: tuple[str, ...] = ()
    feature_names = [str(f) for f in info["feature_names"]]
    if cfg.dataset in PLANE_SETS:
        raw_train = np.ascontiguousarray(X_train, dtype=np.float32)
        raw_test = np.ascontiguousarray(X_test, dtype=np.float32)
        features = cfg.features
        X_train, X_test = feat.transform(raw_train, features), feat.transform(raw_test, features)
        feature_names = list(features)
    elif X_train.shape[1] == 2:  # coffee, a 2-column CSV: a plane, drawn as it is
        raw_train = np.ascontiguousarray(X_train, dtype=np.float32)
        raw_test = np.ascontiguousarray(X_test, dtype=np.float32)
        features = ("x1", "x2")
    return PlayData(
        X_train=np.ascontiguousarray(X_train, dtype=np.float32),
        y_train=y_train, X_test=np.ascontiguousarray(X_test, dtype=np.float32), y_test=y_test,
        task=task, n_classes=k, class_names=[str(c) for c in names],
        feature_names=feature_names,
        image_shape=info["image_shape"], description=_describe(cfg, csv, X),
        standardized=bool(info["standardize"]), label_values=label_values,
        raw_train=raw_train, raw_test=raw_test, features=features)


def _describe(cfg: PlayConfig, csv: CsvData | None, X: Array) -> str:
    if cfg.dataset == "csv" and csv is not None:
        return f"{csv.name}: {X.shape[0]} rows, {X.shape[1]} features"
    return f"{cfg.dataset}: {X.shape[0]} examples, {X.shape[1]} features"


# --------------------------------------------------------------------------- networks


@dataclass(frozen=True)
class Variant:
    """One network of the side-by-side comparison: its initializer and its seed."""

    label: str
    initializer: str
    constant: float
    seed: int


def variants(cfg: PlayConfig) -> list[Variant]:
    """The networks trained in lockstep: one, or zeros/constant/random, or three seeds."""
    own = Variant(_init_label(cfg.initializer, cfg.constant), cfg.initializer, cfg.constant,
                  cfg.seed)
    if cfg.compare == "inits":
        random = cfg.initializer if cfg.initializer not in ("zeros", "ones", "constant") \
            else "glorot_uniform"
        const = cfg.constant if cfg.constant != 0 else 0.5
        return [Variant("zeros", "zeros", 0.0, cfg.seed),
                Variant(f"constant {const:g}", "constant", const, cfg.seed),
                Variant(random, random, cfg.constant, cfg.seed)]
    if cfg.compare == "seeds":
        return [replace(own, label=f"seed {cfg.seed + i}", seed=cfg.seed + i) for i in range(3)]
    return [own]


def _init_label(name: str, constant: float) -> str:
    return f"constant {constant:g}" if name == "constant" else name


def _output(data: PlayData) -> tuple[int, str, str]:
    """(units, activation, loss expression) of the output layer for the task."""
    if data.task == "binary":
        return 1, "sigmoid", "gn.losses.BinaryCrossentropy()"
    if data.task == "multiclass":
        return (data.n_classes, "linear",
                "gn.losses.SparseCategoricalCrossentropy(from_logits=True)")
    return 1, "linear", "gn.losses.MeanSquaredError()"


def _init_expr(v: Variant) -> str:
    return f"gn.initializers.Constant({v.constant!r})" if v.initializer == "constant" \
        else repr(v.initializer)


_OPTIMIZER_CLASS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}


def _regularizer_expr(cfg: PlayConfig) -> str | None:
    if cfg.regularization == "none" or cfg.reg_rate == 0:
        return None
    return f"gn.regularizers.{cfg.regularization}({cfg.reg_rate!r})"


def model_source(cfg: PlayConfig, data: PlayData, v: Variant) -> str:
    """The Python that builds and compiles the network (written into the exported script;
    :func:`build_model` makes the same calls)."""
    units, out_act, loss = _output(data)
    init = _init_expr(v)
    reg = _regularizer_expr(cfg)
    extra = f", kernel_regularizer={reg}" if reg else ""
    lines = ["model = gn.Sequential([",
             f"    gn.layers.Input(shape=({data.n_features},)),"]
    for i, u in enumerate(cfg.hidden):
        lines.append(f"    gn.layers.Dense({u}, activation={cfg.activation!r}, "
                     f"kernel_initializer={init}{extra}, name='hidden{i + 1}'),")
        if cfg.dropout > 0:
            lines.append(f"    gn.layers.Dropout({cfg.dropout!r}, name='dropout{i + 1}'),")
    lines.append(f"    gn.layers.Dense({units}, activation={out_act!r}, "
                 f"kernel_initializer={init}{extra}, name='output'),")
    lines.append(f"], seed={v.seed})")
    lines.append(f"model.compile(loss={loss},")
    lines.append(f"              optimizer=gn.optimizers.{_OPTIMIZER_CLASS[cfg.optimizer]}"
                 f"(learning_rate={cfg.learning_rate!r}))")
    return "\n".join(lines)


def build_model(cfg: PlayConfig, data: PlayData, v: Variant) -> gn.Sequential:
    """The network of variant ``v``: the same calls :func:`model_source` writes out."""
    units, out_act, _ = _output(data)
    init: Any = gn.initializers.Constant(v.constant) if v.initializer == "constant" \
        else v.initializer
    def reg() -> Any:
        if cfg.regularization == "none" or cfg.reg_rate == 0:
            return None
        return getattr(gn.regularizers, cfg.regularization)(cfg.reg_rate)

    layers: list[Any] = [gn.layers.Input(shape=(data.n_features,))]
    for i, u in enumerate(cfg.hidden):
        layers.append(gn.layers.Dense(u, activation=cfg.activation, kernel_initializer=init,
                                      kernel_regularizer=reg(), name=f"hidden{i + 1}"))
        if cfg.dropout > 0:
            layers.append(gn.layers.Dropout(cfg.dropout, name=f"dropout{i + 1}"))
    layers.append(gn.layers.Dense(units, activation=out_act, kernel_initializer=init,
                                  kernel_regularizer=reg(), name="output"))
    model = gn.Sequential(layers, seed=v.seed)
    loss: Any = {"binary": gn.losses.BinaryCrossentropy(),
                 "multiclass": gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                 "regression": gn.losses.MeanSquaredError()}[data.task]
    optimizer = {"sgd": gn.optimizers.SGD, "adam": gn.optimizers.Adam,
                 "rmsprop": gn.optimizers.RMSprop}[cfg.optimizer]
    model.compile(loss=loss, optimizer=optimizer(learning_rate=cfg.learning_rate))
    return model


# --------------------------------------------------------------------------- frames


def json_float(x: float) -> float | None:
    """A float for JSON (NaN and inf become null)."""
    x = float(x)
    return round(x, 6) if math.isfinite(x) else None


def _b64(a: Array) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode("ascii")


def plane_extent(data: PlayData) -> tuple[float, float, float, float]:
    assert data.raw_train is not None and data.raw_test is not None
    X = np.concatenate([data.raw_train, data.raw_test])
    lo, hi = X.min(axis=0).astype(float), X.max(axis=0).astype(float)
    pad = 0.08 * np.maximum(hi - lo, 1e-6)
    return float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), \
        float(hi[1] + pad[1])


def grid_points(extent: tuple[float, float, float, float], n: int) -> Array:
    """``n * n`` points over the plane, row by row from the top (largest x2) down."""
    x0, x1, y0, y1 = extent
    xs = np.linspace(x0, x1, n, dtype=np.float32)
    ys = np.linspace(y1, y0, n, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def _unit_images(a: Array, activation: str) -> tuple[str, list[float]]:
    """Each column of ``a`` (points, units) as bytes 0..255 around 127.5 = 0, and its scale."""
    if activation == "sigmoid":
        u, scale = 2.0 * a - 1.0, np.ones(a.shape[1])
    else:
        scale = np.maximum(np.abs(a).max(axis=0), 1e-12)
        u = a / scale
    img = np.clip(np.rint((u + 1.0) * 127.5), 0, 255).T  # (units, points)
    return _b64(img), [float(s) for s in scale]


def _boundary(out: Array, data: PlayData) -> dict[str, str]:
    """The decision over the plane: class index and confidence per point, as bytes."""
    if data.task == "binary":
        p = out[:, 0]
        cls = (p > 0.5).astype(np.uint8)
        conf = np.abs(2.0 * p - 1.0)
    elif data.task == "multiclass":
        z = out - out.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        cls = p.argmax(axis=1).astype(np.uint8)
        k = data.n_classes
        conf = (p.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k)
    else:
        v = out[:, 0]
        scale = max(float(np.abs(v).max()), 1e-12)
        cls = (v > 0).astype(np.uint8)
        conf = np.abs(v) / scale
    conf = np.nan_to_num(conf, nan=0.0)
    return {"cls": _b64(cls), "conf": _b64(np.clip(np.rint(conf * 255), 0, 255))}


def _confusion(out: Array, data: PlayData) -> list[list[int]] | None:
    if data.task == "regression":
        return None
    pred = (out[:, 0] > 0.5).astype(np.int64) if data.task == "binary" \
        else out.argmax(axis=1)
    k = data.n_classes
    counts = np.bincount(data.y_test * k + pred, minlength=k * k).reshape(k, k)
    return counts.tolist()


def _accuracy(out: Array, y: Array, task: str) -> float | None:
    if task == "regression":
        return None
    pred = (out[:, 0] > 0.5) if task == "binary" else out.argmax(axis=1)
    return float(np.mean(pred == y))


def probe_rows(data: PlayData) -> Array:
    return data.X_train[:PROBE_ROWS]


def unit_layers(model: gn.Sequential) -> list[Any]:
    """The layers whose outputs are units (Dense), the ones the picture draws."""
    return [layer for layer in model.layers if getattr(layer, "has_units", True)]


def unit_traces(model: gn.Sequential, X: Array) -> list[tuple[Any, Any]]:
    return [(layer, tr) for layer, tr in zip(model.layers, model.trace(X))
            if getattr(layer, "has_units", True)]


#: the keys a light frame leaves out (the page keeps showing the last full frame's)
SLOW_KEYS = ("train_acc", "test_acc", "symmetry", "flagged", "confusion", "meters")

#: The page's views whose per-frame parts are computed and sent only while a page shows them:
#: ``network`` (the picture of the network in focus: its weights, unit meters and unit
#: heatmaps), ``decision`` (its output over the plane, or its confusion matrix) and ``cards``
#: (every network's output over the plane, side by side). Losses, accuracy, symmetry and
#: flagged units are small and always sent (the loss curve and the cards' text read them).
VIEWS = ("network", "decision", "cards")
MAX_VIEWS_MESSAGE = 1024  # characters of a page's views message


def parse_views(text: str) -> frozenset[str]:
    """The views a page's message ``{"views": ["network", ...]}`` names; anything else is a
    :class:`~glassnet.errors.ConfigError` naming what was expected (nothing is changed)."""
    if len(text) > MAX_VIEWS_MESSAGE:
        raise ConfigError(f"views: expected a message of at most {MAX_VIEWS_MESSAGE} "
                          f"characters, got {len(text)}")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise ConfigError("views: expected JSON {\"views\": [...]}, got text that is not "
                          "JSON") from None
    if not isinstance(raw, dict) or set(raw) != {"views"} or not isinstance(raw["views"], list):
        raise ConfigError(f'views: expected {{"views": [...]}} with nothing else, got '
                          f"{text!r:.60}")
    names = raw["views"]
    if len(names) > len(VIEWS) or not all(isinstance(v, str) and v in VIEWS for v in names) \
            or len(set(names)) != len(names):
        raise ConfigError(f"views: expected distinct names from {', '.join(VIEWS)}, "
                          f"got {names!r:.60}")
    return frozenset(names)


def variant_frame(model: gn.Sequential, data: PlayData, extent: Any,
                  detail: bool, full: bool = True, *, network: bool = True,
                  boundary: bool = True, confusion: bool = True) -> dict[str, Any]:
    """What one network shows now: losses, symmetry, flagged units, the decision, and (for the
    network in focus, ``detail``) every weight, unit meters and unit thumbnails.

    A light frame (``full=False``, while playing, between full frames a few times a second)
    carries what moves every frame (losses, the decision over the plane, weights, thumbnails)
    and leaves out :data:`SLOW_KEYS`: the page keeps the last full frame's.

    ``network``, ``boundary``, ``confusion``: whether a page shows the parts they name (the
    weights, meters and thumbnails; the output over the plane; the confusion matrix). What no
    page shows is neither computed nor sent."""
    detail_net = detail and network
    train = model.evaluate(data.X_train, data.y_train, return_dict=True)
    test = model.evaluate(data.X_test, data.y_test, return_dict=True)
    probe = probe_rows(data)
    out: dict[str, Any] = {
        "train_loss": json_float(train["loss"]), "test_loss": json_float(test["loss"]),
        "full": full,
    }
    if full:
        sym = glassnet.inspect.symmetry(model)
        flagged = glassnet.inspect.unit_status(model, probe)
        test_out = model.predict(data.X_test)
        out.update({
            "train_acc": None if data.task == "regression" else _accuracy(
                model.predict(data.X_train), data.y_train, data.task),
            "test_acc": _accuracy(test_out, data.y_test, data.task),
            "symmetry": [{"layer": s.name, "k": s.k_distinct, "n": s.n_units,
                          "groups": s.groups} for s in sym.layers],
            "flagged": [{"layer": s.layer, "unit": s.unit, "status": s.status,
                         "fraction": json_float(s.fraction), "text": str(s)} for s in flagged],
        })
        if not data.plane and confusion:
            out["confusion"] = _confusion(test_out, data)
    if data.plane and boundary:
        out["boundary"] = _boundary(model.predict(data.inputs(grid_points(extent, GRID))), data)
    if detail_net:
        weights = model.get_weights()
        # exact float32 values, little-endian, base64: hover shows the true weight, and a
        # test can tell a moved weight from one that stayed
        out["weights"] = [base64.b64encode(np.ascontiguousarray(w, dtype="<f4").tobytes())
                          .decode("ascii") for w in weights]
    if detail_net and full:
        meters = []
        for layer, tr in unit_traces(model, probe):
            act = str(layer.activation.name)
            z, a = tr.z, tr.a
            m = max(z.shape[0], 1)
            firing = (np.count_nonzero(z > 0, axis=0) / m) if act in (
                "relu", "leaky_relu", "linear") else None
            sat = None
            if act == "sigmoid":
                sat = np.count_nonzero((a < 0.01) | (a > 0.99), axis=0) / m
            elif act == "tanh":
                sat = np.count_nonzero(np.abs(a) > 0.99, axis=0) / m
            meters.append({
                "zmin": [json_float(v) for v in z.min(axis=0)],
                "zmax": [json_float(v) for v in z.max(axis=0)],
                "firing": None if firing is None else [json_float(v) for v in firing],
                "saturation": None if sat is None else [json_float(v) for v in sat],
            })
        out["meters"] = meters
    if detail_net:
        if data.plane:
            thumbs = []
            for layer, tr in unit_traces(model, data.inputs(grid_points(extent, THUMB))):
                img, scale = _unit_images(tr.a, str(layer.activation.name))
                thumbs.append({"img": img, "scale": [json_float(s) for s in scale]})
            out["thumbs"] = thumbs
    return out


def setup_for(cfg: PlayConfig, data: PlayData, models: list[gn.Sequential],
              labels: list[str], steps_per_epoch: int, m_train: int,
              capabilities: dict[str, Any]) -> dict[str, Any]:
    """What does not change while a run trains: settings, data points, the architecture."""
    model = models[0]
    setup: dict[str, Any] = {
        "type": "setup",
        "config": config_json(cfg),
        "task": data.task,
        "classes": data.class_names,
        "features": data.feature_names[:64],
        "description": data.description,
        "image_shape": list(data.image_shape) if data.image_shape else None,
        "layers": [{"name": str(layer.name), "units": int(layer.output_dim),
                    "activation": str(layer.activation.name),
                    "dropout": cfg.dropout if layer.name != "output" else 0.0}
                   for layer in unit_layers(model)],
        "regularizer": _regularizer_expr(cfg),
        "n_inputs": data.n_features,
        "variants": labels,
        "steps_per_epoch": steps_per_epoch,
        "m_train": m_train,
        "m_test": int(data.X_test.shape[0]),
        "batch_size": cfg.batch_size,
        "grid": GRID, "thumb": THUMB,
        "capabilities": capabilities,
    }
    if data.plane:
        assert data.raw_train is not None and data.raw_test is not None
        extent = plane_extent(data)
        setup["extent"] = list(extent)
        # each input feature over the plane: the input units' heatmaps (they never change)
        img, scale = _unit_images(data.inputs(grid_points(extent, THUMB)), "linear")
        setup["input_thumbs"] = {"img": img, "scale": [json_float(s) for s in scale]}
        cap = 2000
        setup["points"] = {
            "train": np.round(data.raw_train[:cap].astype(np.float64), 4).tolist(),
            "train_y": data.y_train[:cap].astype(np.float64).tolist(),
            "test": np.round(data.raw_test[:cap].astype(np.float64), 4).tolist(),
            "test_y": data.y_test[:cap].astype(np.float64).tolist(),
        }
    return setup


def frame_for(models: list[gn.Sequential], data: PlayData, focus: int, step: int,
              steps_per_epoch: int, m_train: int, batch_size: int | None,
              full: bool = True, views: frozenset[str] | None = None) -> dict[str, Any]:
    """One frame of every network; ``views`` (default: all of :data:`VIEWS`) are those some
    page shows: the parts of the others are left out, and ``frame["views"]`` lists them."""
    views = frozenset(VIEWS) if views is None else views
    extent = plane_extent(data) if data.plane else None
    cards = "cards" in views and len(models) > 1
    epochs_done, in_epoch = divmod(step, steps_per_epoch)
    bs = m_train if batch_size is None else min(batch_size, m_train)
    samples = epochs_done * m_train + min(in_epoch * bs, m_train)
    return {
        "type": "frame",
        "step": step,
        "samples": samples,
        "epoch": epochs_done + in_epoch / steps_per_epoch,
        "focus": focus,
        "full": full,
        "views": [v for v in VIEWS if v in views],
        "variants": [variant_frame(mdl, data, extent, detail=(i == focus), full=full,
                                   network="network" in views,
                                   boundary=cards or ("decision" in views and i == focus),
                                   confusion="decision" in views and i == focus)
                     for i, mdl in enumerate(models)],
    }


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


# --------------------------------------------------------------------------- the script


def export_script(cfg: PlayConfig, data: PlayData, v: Variant, steps: int,
                  steps_per_epoch: int, csv: CsvData | None,
                  edits: list[tuple[int, int, int, float]] | None = None) -> str:
    """A Python script that rebuilds this network and replays its ``steps`` optimizer steps
    with ``model.fit``: its weights equal the playground's bit for bit."""
    lines = [
        '"""The glassnet playground\'s run, replayed.',
        "",
        f"Data: {data.description}. Network: {v.label} initialization, seed {v.seed}.",
        f"Training: {steps} optimizer steps ({cfg.optimizer}, learning rate "
        f"{cfg.learning_rate:g}, batch size {cfg.batch_size or 'full'}"
        + (f", {cfg.regularization} {cfg.reg_rate:g}" if _regularizer_expr(cfg) else "")
        + (f", dropout {cfg.dropout:g}" if cfg.dropout else "") + ").",
        "Running it rebuilds the network, trains it exactly as the playground did, and",
        "writes playground-replay.glassnet; next to the playground's exported model file",
        "it checks that every weight is equal, bit for bit.",
        '"""',
        "",
        "import math",
        "import os",
        "",
        "import numpy as np",
        "",
        "import glassnet as gn",
        "",
        f"STEPS = {steps}  # optimizer steps the playground had taken",
        "",
    ]
    n, noise, seed = cfg.n_samples, cfg.noise, cfg.data_seed
    if cfg.dataset == "circles":
        lines.append(f"X, y = gn.datasets.make_circles({n}, noise={noise!r}, factor=0.5, "
                     f"seed={seed})")
    elif cfg.dataset == "moons":
        lines.append(f"X, y = gn.datasets.make_moons({n}, noise={noise!r}, seed={seed})")
    elif cfg.dataset == "xor":
        lines.append(f"X, y = gn.datasets.make_xor({n}, noise={noise!r}, seed={seed})")
    elif cfg.dataset == "gaussians":
        lines.append(f"X, y = gn.datasets.make_gaussians({n}, centers={cfg.n_classes}, "
                     f"std={max(noise, 1e-3) * 5!r}, seed={seed})")
    elif cfg.dataset == "spirals":
        lines.append(f"X, y = gn.datasets.make_spirals({n}, n_classes={cfg.n_classes}, "
                     f"noise={noise!r}, seed={seed})")
    elif cfg.dataset in feat.REGRESSION_SETS:
        lines.append("from glassnet.play.features import make_" + cfg.dataset)
        lines.append(f"X, y = make_{cfg.dataset}({n}, noise={noise!r}, seed={seed})")
    elif cfg.dataset == "coffee":
        lines.append(f"X, y = gn.datasets.load_coffee({n}, {seed})")
        lines.append("y = y.astype(np.int64)")
    elif cfg.dataset == "digits":
        lines.append("X, y = gn.datasets.load_digits(return_X_y=True)")
    else:
        assert csv is not None
        lines += [
            "# The uploaded CSV, written next to this script and read by glassnet's loader.",
            f"CSV_TEXT = {csv.text!r}",
            "with open('playground-data.csv', 'w', encoding='utf-8', newline='') as fh:",
            "    fh.write(CSV_TEXT)",
            "X, y = gn.datasets.load_csv('playground-data.csv')",
        ]
    if data.task != "regression":
        lines.append("y = np.unique(y, return_inverse=True)[1].astype(np.int64)  "
                     "# labels as 0..k-1")
    lines.append(
        "X_train, X_test, y_train, y_test = gn.datasets.train_test_split(\n"
        f"    X, y, test_size={cfg.test_fraction!r}, seed={seed}, "
        f"stratify={data.task != 'regression'})")
    if data.standardized:
        lines += ["scaler = gn.datasets.Standardizer().fit(X_train)",
                  "X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)"]
    lines += ["X_train = np.ascontiguousarray(X_train, dtype=np.float32)",
              "X_test = np.ascontiguousarray(X_test, dtype=np.float32)"]
    if data.plane:
        lines += ["from glassnet.play.features import transform",
                  f"FEATURES = {data.features!r}  # the network's inputs, computed from (x1, x2)",
                  "X_train, X_test = transform(X_train, FEATURES), transform(X_test, FEATURES)"]
    lines.append("")
    lines.append(model_source(cfg, data, v))
    lines += [
        "",
        "",
        "# Weights typed in the playground: (step, weight index, flat index, value), each set",
        "# before the optimizer step after `step` steps, as the playground set it.",
        f"EDITS = {[tuple(e) for e in (edits or [])]!r}",
        "",
        "",
        "def apply_edits(model, done, applied):",
        "    for n, (step, k, i, value) in enumerate(EDITS):",
        "        if n not in applied and step <= done:",
        "            model.weights[k].flat[i] = np.float32(value)",
        "            applied.add(n)",
        "",
        "",
        "class StopAfter(gn.Callback):",
        '    """Stop fit after a number of optimizer steps (the playground may pause',
        '    mid-epoch), and set the typed weights at their steps."""',
        "",
        "    def __init__(self, steps, applied):",
        "        self.steps, self.done, self.applied = steps, 0, applied",
        "",
        "    def on_batch_begin(self, step, logs=None):",
        "        apply_edits(self.model, self.done, self.applied)",
        "",
        "    def on_batch_end(self, step, logs=None):",
        "        self.done += 1",
        "        if self.done >= self.steps:",
        "            self.model.stop_training = True",
        "",
        "",
        f"STEPS_PER_EPOCH = {steps_per_epoch}",
        "applied = set()",
        "if STEPS:",
        f"    model.fit(X_train, y_train, epochs=math.ceil(STEPS / STEPS_PER_EPOCH), "
        f"batch_size={cfg.batch_size!r},",
        f"              seed={seed}, verbose=0, callbacks=[StopAfter(STEPS, applied)])",
        "apply_edits(model, STEPS, applied)",
        "print(model)",
        "print('test:', model.evaluate(X_test, y_test, return_dict=True))",
        "model.save('playground-replay.glassnet')",
        "if os.path.exists('playground-model.glassnet'):",
        "    theirs = gn.load_model('playground-model.glassnet').get_weights()",
        "    same = all(np.array_equal(a, b) for a, b in zip(model.get_weights(), theirs))",
        "    print('equal to playground-model.glassnet bit for bit:', same)",
        "",
    ]
    return "\n".join(lines)
