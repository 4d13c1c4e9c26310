"""Model files, weights files and training checkpoints: what the archives of
:mod:`glassnet.io` mean.

:mod:`glassnet.io` reads and writes archives (one JSON document and a list of arrays) and
knows nothing of models; this module gives them meaning. It sits beside io, below the model,
the training loop and the callbacks, and imports none of them: it writes any built model
it is handed, and builds the model class (and history class) its caller names, so the
checkpoint callbacks, ``Sequential.save``/``save_weights``/``load_weights`` and
``glassnet.load_model`` all call it without an import circle.

The file formats are documented next to the functions that write them; every failure
reading a file is a :class:`~glassnet.errors.ModelFileError` (or ``MissingFileError``)
naming the file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .checks import check_built, check_compiled
from .errors import ConfigError, DataError, GlassnetError, MissingFileError, ModelFileError
from .io import Archive, check_path, read_archive, temp_path, write_archive

if TYPE_CHECKING:
    from .callbacks import History
    from .model import Sequential

Array = NDArray[Any]

__all__ = [
    "CHECKPOINT_FORMAT", "CHECKPOINT_VERSION", "MODEL_FORMAT", "MODEL_VERSION",
    "POPULATION_FORMAT", "POPULATION_VERSION",
    "WEIGHTS_FORMAT", "WEIGHTS_VERSION", "check_finite_weights", "checkpoint_from_archive",
    "checkpoint_from_file", "history_from_json", "history_json", "model_from_archive",
    "model_from_file", "read_weights", "save_checkpoint", "save_model", "save_weights",
]


# -- model files ------------------------------------------------------------------------------
#
# A model file is an archive (glassnet.io) whose document is {"format": "glassnet-model",
# "version": 1, "model": <Sequential.get_config()>} and whose arrays are get_weights().

MODEL_FORMAT = "glassnet-model"
MODEL_VERSION = 1
#: ``save_weights`` to a name that is not ``*.weights.h5``: {"format", "version", "shapes"}
#: and the arrays of get_weights()
WEIGHTS_FORMAT = "glassnet-weights"
WEIGHTS_VERSION = 1
#: Widths up to this need no weights in the file to back them (a model of Dropout layers).
_FREE_WIDTH = 1024
_FREE_LAYERS = 256
#: A population checkpoint (:mod:`glassnet.population_saving`): K members' checkpoints in one
#: archive, the arrays stacked on a leading member axis.
POPULATION_FORMAT = "glassnet-population"
POPULATION_VERSION = 1


def refuse_population(where: str, doc: dict[str, Any]) -> None:
    """A ModelFileError, naming the reader to use, for a population checkpoint handed to a
    reader of one model (called by the archive reader before it reads any array)."""
    if doc.get("format") == POPULATION_FORMAT:
        raise ModelFileError(
            f"{where} holds a population ({doc.get('members')!r:.20} members), "
            "not one model: read it with glassnet.population.load_population(path) "
            "(and take member k as population[k])")


def save_model(model: Sequential, path: str | os.PathLike[str]) -> None:
    """Write ``model`` (config + weights) to ``path`` atomically; no pickle.

    Weights that are not finite are refused (DataError naming the layer) and nothing is
    written, so every file ``save_model`` writes can be loaded."""
    path = check_path(path)
    check_built(model)
    weights = model.get_weights()
    check_finite_weights(model, weights, f"save_model({path!r})")
    write_archive(path, {"format": MODEL_FORMAT, "version": MODEL_VERSION,
                         "model": model.get_config()}, weights)


def check_finite_weights(model: Sequential, weights: list[Array], where: str) -> None:
    """DataError naming the first layer whose weights hold NaN or infinite values."""
    k = 0
    for layer in model.layers:
        for _ in layer.weight_arrays():
            if not np.isfinite(weights[k]).all():
                raise DataError(f"{where}: layer {layer.name!r} has NaN or infinite weights "
                                f"(array {k}); a model file keeps finite weights only")
            k += 1


def model_from_file(path: str | os.PathLike[str], model_class: type[Sequential],
                    history_class: Callable[[], History]) -> Sequential:
    """Read a model written by :func:`save_model` (or a training checkpoint) as a
    ``model_class`` (``glassnet.load_model`` passes :class:`~glassnet.Sequential` and
    :class:`~glassnet.callbacks.History`); predictions are bit-identical. Every problem
    with the file raises ModelFileError naming it."""
    path = check_path(path)
    if not os.path.exists(path):
        raise MissingFileError(f"path: no model file at {path!r}")
    archive = read_archive(path, {MODEL_FORMAT: MODEL_VERSION,
                                  CHECKPOINT_FORMAT: CHECKPOINT_VERSION},
                           refuse=refuse_population)
    try:
        if archive.doc["format"] == CHECKPOINT_FORMAT:
            return checkpoint_from_archive(archive, model_class, history_class)[0]
        return model_from_archive(archive, archive.arrays, model_class)
    except GlassnetError:
        raise
    except Exception as exc:  # a config shaped in a way no check above foresaw
        raise ModelFileError(f"{path!r}: cannot be read ({type(exc).__name__}: "
                             f"{str(exc)[:200]})") from exc


def _check_declared_size(path: str, config: dict[str, Any], weights: list[Array]) -> None:
    """Refuse, before anything is built, an architecture the file's weights cannot back:
    every width must be backed by weights in the file (or be small), and the Dense kernels
    alone (``n_in x units``) must not outnumber the weight values the file holds."""
    held = sum(int(w.size) for w in weights)
    width_cap = max(held, _FREE_WIDTH)
    if not isinstance(config.get("layers"), list):
        return  # from_config explains
    layers = _flat_entries(path, config, width_cap, held, 0)
    if len(layers) > _FREE_LAYERS + len(weights):
        raise ModelFileError(f"{path!r}: the config lists {len(layers):,} layers for "
                             f"{len(weights)} weight arrays")
    n = _declared_width(config.get("input_dim"))
    _check_statistics_widths(path, config, layers, held)
    kernels = 0
    for entry in layers:
        params = entry.get("config") if isinstance(entry, dict) else None
        units = params.get("units") if isinstance(params, dict) else None
        if type(units) is not int or units < 1:
            continue
        if units > width_cap:
            raise ModelFileError(f"{path!r}: the config declares a layer of {units:,} units "
                                 f"but the file holds {held:,} weight values")
        if n is not None:
            kernels += n * units
            if kernels > held:
                raise ModelFileError(
                    f"{path!r}: the config declares at least {kernels:,} weights but the file "
                    f"holds {held:,} weight values")
        n = units


def _check_statistics_widths(path: str, config: dict[str, Any], layers: list[Any],
                             held: int) -> None:
    """Refuse, before anything is built, normalization layers the file's weights cannot back:
    a BatchNormalization keeps a moving mean and variance of its input's width (a per-feature
    Normalization a mean and variance), all of them in the file, so the widths they declare
    (two values per feature each) may not outnumber the weight values it holds. Without this,
    a small file listing hundreds of them on a wide input would take memory hundreds of times
    its size while they are built."""
    from .layers import BatchNormalization, Normalization, lookup

    width = _declared_width(config.get("input_dim"))
    if width is None:
        width = _declared_width(config.get("input_shape"))
    declared = 0
    for entry in layers:
        params = entry.get("config") if isinstance(entry, dict) else None
        if not isinstance(params, dict):
            continue
        units = params.get("units")
        if type(units) is int and units >= 1:
            width = units
            continue
        klass = lookup(entry.get("class"))
        if width is None or klass is None:
            continue
        if issubclass(klass, BatchNormalization) or (
                issubclass(klass, Normalization) and params.get("axis", -1) is not None):
            declared += 2 * width
            if declared > held:
                raise ModelFileError(
                    f"{path!r}: the config declares normalization statistics of at least "
                    f"{declared:,} values but the file holds {held:,} weight values")


def _declared_width(value: Any) -> int | None:
    """The input width a config's ``input_dim`` / ``input_shape`` can make ``build`` use, at
    its largest: an int as it is, a list of ints (Keras' ``(None, n)`` or an example shape)
    as the product of its ints; anything else None (``from_config`` explains)."""
    if type(value) is int:
        return value
    if isinstance(value, list) and value and all(type(d) is int or d is None for d in value):
        return math.prod(d for d in value if d is not None)  # exact, however large
    return None


#: How deep models may nest in a file (a model inside a model inside ...)
_MAX_NESTING = 8


def _flat_entries(path: str, config: dict[str, Any], width_cap: int, held: int,
                  depth: int) -> list[Any]:
    """The config's layer entries with each nested model's entries in its place, every
    declared input width and shape checked against ``width_cap`` on the way."""
    sizes = [_declared_width(config.get("input_dim")), _declared_width(config.get("input_shape"))]
    for size in [s for s in sizes if s is not None]:
        if size > width_cap:
            raise ModelFileError(f"{path!r}: the config declares {size:,} inputs but the file "
                                 f"holds {held:,} weight values")
    out: list[Any] = []
    for entry in config.get("layers") or []:
        params = entry.get("config") if isinstance(entry, dict) else None
        inner = params.get("model") if isinstance(params, dict) else None
        if isinstance(entry, dict) and entry.get("class") == "Sequential" \
                and isinstance(inner, dict) \
                and isinstance(inner.get("layers"), list):
            if depth >= _MAX_NESTING:
                raise ModelFileError(f"{path!r}: models nest more than {_MAX_NESTING} deep")
            out += _flat_entries(path, inner, width_cap, held, depth + 1)
        else:
            out.append(entry)
    return out


def model_from_archive(archive: Archive, weights: list[Array],
                       model_class: type[Sequential]) -> Sequential:
    """Build the ``model_class`` an archive's ``"model"`` config describes and give it
    ``weights``."""
    path = archive.path
    config = archive.doc.get("model")
    if not isinstance(config, dict):
        raise ModelFileError(f"{path!r}: the config has no model description")
    _check_declared_size(path, config, weights)
    try:
        model = model_class.from_config(config)
    except GlassnetError as exc:
        raise ModelFileError(f"{path!r}: bad model config: {exc}") from exc
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError) as exc:
        raise ModelFileError(
            f"{path!r}: bad model config ({type(exc).__name__}: {exc})") from exc
    n = len(model.weights) if model.built else 0
    # each array's layer and name (a BatchNormalization's moving statistics named as such)
    labels = [f"{layer.name}/{name}" for layer in model.layers
              for name in layer.weight_names] if model.built else []
    trainable = len(model.trainable_weights) if model.built else 0
    counts = f"({trainable} trainable, {n - trainable} non-trainable)"
    if not model.built or len(weights) < n:
        missing = [f"w{i} ({labels[i]})" if i < len(labels) else f"w{i}"
                   for i in range(len(weights), min(n, len(weights) + 8))]
        if n - len(weights) > len(missing):
            missing.append(f"... ({n - len(weights):,} in all)")
        held = f"; the file holds {len(weights)} for a model of {n} {counts}" if n else ""
        raise ModelFileError(f"{path!r}: weights missing: {', '.join(missing) or 'all'}{held}")
    if len(weights) > n:
        raise ModelFileError(f"{path!r}: {len(weights)} weight arrays for a model of {n} "
                             f"{counts}")
    try:
        model.set_weights(weights)
    except GlassnetError as exc:
        raise ModelFileError(f"{path!r}: weights do not fit the architecture: {exc}") from exc
    return model


# -- weights files ----------------------------------------------------------------------------


def save_weights(model: Sequential, filepath: str | os.PathLike[str], overwrite: bool) -> None:
    """Write ``model``'s weights alone in glassnet's archive (the body of
    :meth:`~glassnet.Sequential.save_weights` for a name not ending ``.weights.h5``):
    written atomically; weights that are not finite are refused and nothing is written."""
    check_built(model)
    weights = model.get_weights()
    check_finite_weights(model, weights, f"save_weights({os.fspath(filepath)!r})")
    if not overwrite and os.path.exists(filepath):
        raise ModelFileError(f"{os.fspath(filepath)!r}: the file exists and overwrite=False")
    write_archive(filepath, {"format": WEIGHTS_FORMAT, "version": WEIGHTS_VERSION,
                             "shapes": [list(w.shape) for w in weights]}, weights)


def read_weights(path: str) -> list[Array]:
    """The weight arrays of a glassnet weights file, model file or checkpoint (its optimizer
    slots left out); every problem with the file is a ModelFileError naming it."""
    archive = read_archive(path, {WEIGHTS_FORMAT: WEIGHTS_VERSION,
                                  MODEL_FORMAT: MODEL_VERSION,
                                  CHECKPOINT_FORMAT: CHECKPOINT_VERSION},
                           refuse=refuse_population)
    weights = list(archive.arrays)
    if archive.doc["format"] == CHECKPOINT_FORMAT:
        n = (archive.doc.get("optimizer") or {}).get("n_weights")
        if not isinstance(n, int) or not is_count(n) or n > len(weights):
            raise ModelFileError(f"{path!r}: the checkpoint's optimizer part is malformed")
        weights = weights[:n]
    return weights


# -- training checkpoints --------------------------------------------------------------------
#
# A checkpoint is an archive whose document is {"format": "glassnet-checkpoint", "version": 1,
# "model": <config>, "optimizer": {"iterations": t, "slots": [names]}, "training": {"epoch":
# global epoch of the next fit, "step": t, "model_seed": s, "history": {...}, ...}} and whose
# arrays are get_weights() followed by each optimizer slot's arrays (one per trainable array).
# Randomness is a pure function of the seeds and (epoch, step), so nothing else is needed to
# continue exactly.

CHECKPOINT_FORMAT = "glassnet-checkpoint"
CHECKPOINT_VERSION = 1


def history_json(history: History | None) -> dict[str, Any]:
    """``history`` as the JSON a checkpoint keeps (NaN written as null)."""
    if history is None:
        return {"epoch": [], "history": {}, "params": {}}

    def value(v: Any) -> Any:
        v = float(v)
        return v if np.isfinite(v) else None  # JSON has no NaN

    params = {k: v for k, v in history.params.items()
              if isinstance(v, (int, float, str, bool, list, dict, type(None)))}
    return {"epoch": [int(e) for e in history.epoch],
            "history": {k: [value(v) for v in vs] for k, vs in history.history.items()},
            "params": params}


def save_checkpoint(model: Sequential, path: str | os.PathLike[str],
                    training: dict[str, Any] | None = None) -> None:
    """Write a training checkpoint: config, weights, the optimizer's state, the global epoch
    and step, the seeds and the history so far, in one file written atomically.

    ``load_model(path)`` gives back a model that continues training exactly as this one
    would (``fit`` picks up the global epoch, the optimizer its moments and step count).
    ``training`` adds JSON-able entries to the file's ``"training"`` part."""
    check_built(model)
    _, optimizer = check_compiled(model)
    weights = model.get_weights()
    path = check_path(path)
    where = f"save_checkpoint({path!r})"
    check_finite_weights(model, weights, where)
    state = optimizer.get_state()
    arrays = list(weights)
    names = list(state["slots"])
    for name in names:
        arrays += state["slots"][name]
    info: dict[str, Any] = {"epoch": int(model.epochs_trained), "step": state["iterations"],
                            "model_seed": int(model.seed),
                            "history": history_json(model.history)}
    info.update(training or {})
    doc = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION,
           "model": model.get_config(),
           "optimizer": {"iterations": state["iterations"], "slots": names,
                         "n_weights": len(weights)},
           "training": info}
    write_archive(path, doc, arrays)


def checkpoint_from_file(path: str | os.PathLike[str], model_class: type[Sequential],
                         history_class: Callable[[], History]) -> tuple[Sequential, dict[str, Any]]:
    """The ``model_class`` a checkpoint holds (weights, optimizer state,
    ``epochs_trained``, a ``history_class`` history) and its ``"training"`` entries. Every
    problem raises ModelFileError naming the file (``glassnet.read_checkpoint`` passes
    :class:`~glassnet.Sequential` and :class:`~glassnet.callbacks.History`)."""
    path = check_path(path)
    if not os.path.exists(path):
        raise MissingFileError(f"path: no checkpoint file at {path!r}")
    archive = read_archive(path, {CHECKPOINT_FORMAT: CHECKPOINT_VERSION},
                           refuse=refuse_population)
    return checkpoint_from_archive(archive, model_class, history_class)


def is_count(v: Any, minimum: int = 0) -> bool:
    """True for a plain ``int`` (not a bool) of at least ``minimum``."""
    return type(v) is int and v >= minimum


def history_from_json(path: str, raw: Any, history_class: Callable[[], History]) -> History:
    """A ``history_class`` history from the JSON :func:`history_json` wrote; a
    ModelFileError naming ``path`` when it is malformed."""
    bad = ModelFileError(f"{path!r}: the checkpoint's history is malformed")
    if not isinstance(raw, dict) or set(raw) != {"epoch", "history", "params"}:
        raise bad
    epochs, logs, params = raw["epoch"], raw["history"], raw["params"]
    if not isinstance(epochs, list) or not all(is_count(e) for e in epochs) \
            or not isinstance(logs, dict) or not isinstance(params, dict):
        raise bad
    history = history_class()
    for key, values in logs.items():
        if not isinstance(values, list) or not all(
                v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
                for v in values):
            raise bad
        history.history[key] = [float("nan") if v is None else float(v) for v in values]
    history.epoch = list(epochs)
    history.params = dict(params)
    return history


def checkpoint_from_archive(
        archive: Archive, model_class: type[Sequential], history_class: Callable[[], History],
) -> tuple[Sequential, dict[str, Any]]:
    """The model and ``"training"`` entries of a checkpoint archive already read."""
    path, doc = archive.path, archive.doc
    opt, info = doc.get("optimizer"), doc.get("training")
    if not isinstance(opt, dict) or not isinstance(info, dict):
        raise ModelFileError(f"{path!r}: a checkpoint needs 'optimizer' and 'training' parts")
    names, t = opt.get("slots"), opt.get("iterations")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names) \
            or len(set(names)) != len(names) or not is_count(t):
        raise ModelFileError(f"{path!r}: the checkpoint's optimizer part is malformed")
    if not is_count(info.get("epoch")) or info.get("step") != t:
        raise ModelFileError(f"{path!r}: the checkpoint's epoch/step are malformed")
    config = doc.get("model")
    if not isinstance(config, dict) or not isinstance(config.get("compile"), dict):
        raise ModelFileError(f"{path!r}: a checkpoint holds a compiled model")
    # the weights come first; each optimizer slot holds one array per trainable array
    n_weights: Any = opt.get("n_weights")
    if not is_count(n_weights) or n_weights > len(archive.arrays):
        raise ModelFileError(f"{path!r}: the checkpoint's optimizer part is malformed")
    model = model_from_archive(archive, archive.arrays[:n_weights], model_class)
    _, optimizer = check_compiled(model)
    params = model.trainable_weights
    slot_arrays = archive.arrays[len(model.weights):]
    k = len(names)
    if len(slot_arrays) != k * len(params):
        raise ModelFileError(f"{path!r}: {len(slot_arrays)} optimizer arrays for {k} slots of "
                             f"{len(params)} trainable arrays")
    slots = {name: slot_arrays[j * len(params):(j + 1) * len(params)]
             for j, name in enumerate(names)}
    try:
        optimizer.set_state({"iterations": t, "slots": slots}, params)
    except GlassnetError as exc:
        raise ModelFileError(f"{path!r}: the optimizer state does not fit: {exc}") from exc
    model.epochs_trained = info["epoch"]
    model.history = history_from_json(path, info.get("history"), history_class)
    return model, info


def check_backup_dir(directory: str) -> None:
    """Refuse, before anything trains, a ``backup_dir`` that cannot hold a backup: a file of
    that name, or a missing parent directory (the backup directory itself is made)."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise ConfigError(f"backup_dir: {directory!r} exists and is not a directory")
    parent = os.path.dirname(os.path.abspath(directory))
    if not os.path.isdir(parent):
        raise ConfigError(f"backup_dir: the directory {parent!r} does not exist")


def remove_half_written(path: str) -> None:
    """Remove the temporary file a save killed half-way left beside ``path`` (the backup
    itself is always whole: each save is renamed over it in one step)."""
    try:
        os.unlink(temp_path(path))
    except FileNotFoundError:
        pass


def resumable_config(config: dict[str, Any]) -> dict[str, Any]:
    """A model's config as a backup must match it to be resumed: the name plays no part,
    nor a learning rate set by hand (a schedule does). Used by ``BackupAndRestore`` and the
    population's ``fit_with_backup``."""
    out = {k: v for k, v in config.items() if k != "name"}
    opt = (out.get("compile") or {}).get("optimizer") or {}
    cfg = dict(opt.get("config") or {})
    if not isinstance(cfg.get("learning_rate"), dict):
        cfg.pop("learning_rate", None)
    if "compile" in out:
        out["compile"] = {**out["compile"], "optimizer": {**opt, "config": cfg}}
    return out
