"""Population checkpoints: K members in one file, in the container of a model checkpoint.

A population checkpoint is an archive of :mod:`glassnet.io` (the same zip of one JSON
document and float arrays that a single model's checkpoint is, read by the same safe reader
and written atomically by the same writer) whose document is::

    {"format": "glassnet-population", "version": 1,
     "members": K,
     "models": [config, ...],          # the members' distinct configs, without seed and name
     "member": [                       # one entry per member, as a model checkpoint's parts
        {"model": index into "models", "seed": s, "name": n,
         "optimizer": {"iterations": t, "learning_rate": lr},
         "training": {"epoch": e, "step": t, "history": {...} or null}}, ...],
     "optimizer": {"slots": [names], "n_weights": n},
     "training": {"seconds": ..., and the caller's entries}}

and whose arrays are the members' weights stacked on a leading member axis (``n`` arrays of
shape ``(K, ...)``: each member's ``get_weights()``, that is each layer's trainable arrays
followed by its non-trainable ones, a BatchNormalization's moving mean and variance;
``Population.get_weights(non_trainable=True)``), then for each optimizer slot (in
``"slots"`` order) one stacked ``(K, ...)`` array per trainable array. A model checkpoint
(:func:`glassnet.save_checkpoint`) holds the same parts for one member with its arrays
unstacked (its moving statistics included); :func:`glassnet.population.load_population`
reads one as a population of one member, and :func:`glassnet.load_model` refuses a
population file with a ModelFileError that names :func:`load_population`. Members' configs
are stored once per distinct config (a population made by ``Population.from_model`` differs
only in seeds), so the document stays small.

Everything a member's next step depends on is in the file: weights, moving statistics,
optimizer slots and step count, learning rate (a scheduled one follows from the step count),
global epoch (the next shuffling order), seeds (dropout masks are a pure function of seed
and step). A population loaded in a fresh process therefore trains on bit for bit as the
one saved would have. Every failure reading the file is a ModelFileError (or
MissingFileError) naming it; memory stays bounded by the file's size (the archive reader
checks every array against the bytes that hold it, each member's config is checked against
that member's weights before it is built, its normalization layers' statistics included,
and the member count against :data:`glassnet.population.MAX_MEMBERS`). How many arrays a
member has, trainable and not, and their shapes come from its config, never from the
document: ``"n_weights"`` must equal that count, and every array must have the members'
dtype (a file holds what :meth:`Population.save` wrote; nothing is cast on the way in).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .callbacks import History
from .checks import check_bool, check_compiled, check_int
from .errors import (
    ConfigError,
    DataError,
    GlassnetError,
    MissingFileError,
    ModelFileError,
)
from .io import Archive, check_path, read_archive, write_archive
from .saving import (
    CHECKPOINT_FORMAT,
    CHECKPOINT_VERSION,
    POPULATION_FORMAT,
    POPULATION_VERSION,
    check_backup_dir,
    checkpoint_from_archive,
    history_from_json,
    history_json,
    is_count,
    model_from_archive,
    remove_half_written,
    resumable_config,
)

if TYPE_CHECKING:
    from .model import Sequential
    from .population import Population, PopulationHistory

Array = NDArray[Any]

__all__ = ["BACKUP_FILENAME", "POPULATION_FORMAT", "POPULATION_VERSION", "fit_with_backup",
           "population_from_file", "save_population"]


def _member_key(config: dict[str, Any]) -> str:
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def save_population(pop: Population, path: str | os.PathLike[str],
                    training: dict[str, Any] | None = None, *,
                    slot_keys: Mapping[str, str]) -> None:
    """Write ``pop`` (every member's config, weights and moving statistics, optimizer state,
    step count, learning rate, global epoch, seeds and history) to ``path`` atomically, in
    the format of the module docstring. Weights, statistics or optimizer state that are not
    finite are refused (DataError naming the member) and nothing is written. ``training``
    adds JSON-able entries to the file's ``"training"`` part (what
    :func:`population_from_file` gives back).
    ``slot_keys``: the key of each optimizer slot (by name) in ``pop.member_state(k)["state"]``.
    """
    path = check_path(path)
    K = pop.K
    states = [pop.member_state(k) for k in range(K)]
    where = f"Population.save({path!r})"
    # each member's get_weights(): its trainable arrays, each layer's non-trainable ones
    # (BatchNormalization's moving statistics) after them, stacked on the member axis
    weights = pop.get_weights(non_trainable=True)
    for i, w in enumerate(weights):
        finite = np.isfinite(w.reshape(K, -1)).all(axis=1)
        if not finite.all():
            bad = int(np.flatnonzero(~finite)[0])
            raise DataError(f"{where}: member {bad} has NaN or infinite weights or statistics "
                            f"(array {i}); a checkpoint keeps finite weights only")
    # the optimizer's slots, by their public names, in one order for every member
    names = [name for name, key in slot_keys.items()
             if any(key in s["state"] for s in states)]
    n_weights = len(weights)
    arrays = list(weights)
    for name in names:
        key = slot_keys[name]
        if not all(key in s["state"] for s in states):
            raise DataError(f"{where}: only some members keep the optimizer slot {name!r}")
        n_slots = len(states[0]["state"][key])
        arrays += [np.stack([s["state"][key][i] for s in states]) for i in range(n_slots)]
    for j, a in enumerate(arrays[n_weights:]):
        if not np.isfinite(a).all():
            bad = int(np.flatnonzero(~np.isfinite(a.reshape(K, -1)).all(axis=1))[0])
            raise DataError(f"{where}: member {bad} has NaN or infinite optimizer state "
                            f"(slot array {j}); nothing was written")
    configs: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    members = []
    history = pop.history
    for k, state in enumerate(states):
        config = {key: v for key, v in state["config"].items() if key not in ("seed", "name")}
        key = _member_key(config)
        if key not in index:
            index[key] = len(configs)
            configs.append(config)
        t = int(state["iterations"])
        lr = float(pop.learning_rates[k])
        members.append({
            "model": index[key], "seed": state["config"].get("seed"),
            "name": state["config"].get("name"),
            "optimizer": {"iterations": t, "learning_rate": lr},
            "training": {"epoch": int(state["epochs_trained"]), "step": t,
                         "history": None if history is None
                         else history_json(history.histories[k])}})
    info: dict[str, Any] = {"seconds": float(history.seconds) if history is not None else 0.0}
    info.update(training or {})
    doc = {"format": POPULATION_FORMAT, "version": POPULATION_VERSION, "members": K,
           "models": configs, "member": members,
           "optimizer": {"slots": names, "n_weights": n_weights},
           "training": info}
    write_archive(path, doc, arrays)


def population_from_file(path: str | os.PathLike[str], population_class: type[Population],
                         history_class: type[PopulationHistory], max_members: int,
                         ) -> tuple[Population, dict[str, Any]]:
    """The ``population_class`` a population checkpoint holds (or a population of one member
    from a model checkpoint), its history a ``history_class``, and the file's ``"training"``
    entries. Every problem raises ModelFileError naming the file (a file of more than
    ``max_members`` members too). :func:`glassnet.population.load_population` calls this."""
    kinds = (population_class, history_class)
    path = check_path(path)
    if not os.path.exists(path):
        raise MissingFileError(f"path: no population checkpoint at {path!r}")
    archive = read_archive(path, {POPULATION_FORMAT: POPULATION_VERSION,
                                  CHECKPOINT_FORMAT: CHECKPOINT_VERSION})
    try:
        if archive.doc["format"] == CHECKPOINT_FORMAT:
            return _from_model_checkpoint(archive, kinds)
        return _from_archive(archive, kinds, max_members)
    except GlassnetError:
        raise
    except Exception as exc:  # a document shaped in a way no check foresaw
        raise ModelFileError(f"{path!r}: cannot be read ({type(exc).__name__}: "
                             f"{str(exc)[:200]})") from exc


def _assemble(path: str, kinds: tuple[Any, Any], models: list[Any],
              histories: list[History | None], seconds: float) -> Population:
    population_class, history_class = kinds
    try:
        pop: Population = population_class(models)
    except GlassnetError as exc:
        raise ModelFileError(f"{path!r}: the members do not form a population: {exc}") from exc
    if all(h is not None for h in histories):
        pop.history = history_class(histories, seconds)
    return pop


def _from_model_checkpoint(archive: Archive, kinds: tuple[Any, Any]
                           ) -> tuple[Population, dict[str, Any]]:
    from .model import Sequential

    model, info = checkpoint_from_archive(archive, Sequential, History)
    return _assemble(archive.path, kinds, [model], [model.history], 0.0), info


def _from_archive(archive: Archive, kinds: tuple[Any, Any], max_members: int,
                  ) -> tuple[Population, dict[str, Any]]:
    from .model import Sequential

    path, doc, arrays = archive.path, archive.doc, archive.arrays
    K: Any = doc.get("members")
    configs, members = doc.get("models"), doc.get("member")
    opt, info = doc.get("optimizer"), doc.get("training")
    if not is_count(K, 1) or K > max_members:
        raise ModelFileError(f"{path!r}: 'members' is {K!r:.20}; expected a count "
                             f"from 1 to {max_members:,}")
    if not isinstance(configs, list) or not configs or len(configs) > K \
            or not all(isinstance(c, dict) for c in configs):
        raise ModelFileError(f"{path!r}: 'models' is not a list of 1 to {K} model configs")
    if not isinstance(members, list) or len(members) != K:
        raise ModelFileError(f"{path!r}: 'member' does not list {K} members")
    if not isinstance(opt, dict) or not isinstance(info, dict):
        raise ModelFileError(f"{path!r}: a population checkpoint needs 'optimizer' and "
                             "'training' parts")
    names = opt.get("slots")
    n_weights: Any = opt.get("n_weights")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names) \
            or len(set(names)) != len(names) or not is_count(n_weights, 1) \
            or n_weights > len(arrays):
        raise ModelFileError(f"{path!r}: the checkpoint's optimizer part is malformed")
    seconds = info.get("seconds", 0.0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ModelFileError(f"{path!r}: the checkpoint's training part is malformed")
    for i, a in enumerate(arrays):
        if a.ndim < 1 or a.shape[0] != K:
            raise ModelFileError(f"{path!r}: array w{i} has shape {a.shape}; every array of a "
                                 f"population of {K} members has a leading axis of {K}")
    models: list[Sequential] = []
    histories: list[History | None] = []
    n_trainable: int | None = None
    for k, entry in enumerate(members):
        where = f"{path!r}: member {k}"
        if not isinstance(entry, dict) or set(entry) != {"model", "seed", "name", "optimizer",
                                                         "training"}:
            raise ModelFileError(f"{where}: malformed entry")
        c, m_opt, m_info = entry["model"], entry["optimizer"], entry["training"]
        if not is_count(c) or c >= len(configs):
            raise ModelFileError(f"{where}: 'model' is not an index into 'models'")
        if not isinstance(m_opt, dict) or set(m_opt) != {"iterations", "learning_rate"} \
                or not isinstance(m_info, dict) or set(m_info) != {"epoch", "step", "history"}:
            raise ModelFileError(f"{where}: malformed optimizer or training part")
        t, lr = m_opt["iterations"], m_opt["learning_rate"]
        if not is_count(t) or m_info["step"] != t or not is_count(m_info["epoch"]):
            raise ModelFileError(f"{where}: the step count or epoch is malformed")
        if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float))):
            raise ModelFileError(f"{where}: the learning rate {str(lr)[:30]!r} is not a number")
        config = dict(configs[c], seed=entry["seed"], name=entry["name"])
        if not isinstance(config.get("compile"), dict):
            raise ModelFileError(f"{where}: a population checkpoint holds compiled models")
        weights = [a[k] for a in arrays[:n_weights]]
        try:
            model = model_from_archive(Archive(path, {"model": config}, []), weights, Sequential)
        except ModelFileError as exc:
            raise ModelFileError(f"{where}: {str(exc).removeprefix(f'{path!r}: ')}") from exc
        _, optimizer = check_compiled(model)
        params = model.trainable_weights
        if n_trainable is None:
            n_trainable = len(params)
            for i, a in enumerate(arrays):  # as save wrote them: none cast on the way in
                if a.dtype != model.dtype:
                    kind = ("weight or statistics" if i < n_weights else "optimizer slot")
                    raise ModelFileError(
                        f"{path!r}: array w{i} ({kind} array) has dtype {a.dtype}; the "
                        f"members compute in {model.dtype}")
            if len(arrays) != n_weights + len(names) * n_trainable:
                raise ModelFileError(
                    f"{path!r}: {len(arrays) - n_weights} optimizer arrays for "
                    f"{len(names)} slots of {n_trainable} trainable arrays")
        elif len(params) != n_trainable:
            raise ModelFileError(f"{where}: {len(params)} trainable arrays, member 0 has "
                                 f"{n_trainable}")
        slot_arrays = arrays[n_weights:]
        slots = {name: [a[k] for a in slot_arrays[j * n_trainable:(j + 1) * n_trainable]]
                 for j, name in enumerate(names)}
        try:
            optimizer.set_state({"iterations": t, "slots": slots}, params)
            if optimizer.schedule is None and lr is not None:
                optimizer.learning_rate = lr
        except GlassnetError as exc:
            raise ModelFileError(f"{where}: the optimizer state does not fit: {exc}") from exc
        model.epochs_trained = m_info["epoch"]
        raw = m_info["history"]
        history = None if raw is None else history_from_json(path, raw, History)
        model.history = history
        models.append(model)
        histories.append(history)
    return _assemble(path, kinds, models, histories, float(seconds)), info


# -- backup and restore during a population's fit ---------------------------------------------

#: The file :func:`fit_with_backup` keeps in its ``backup_dir``.
BACKUP_FILENAME = "backup.gnp"


def _fit_signature(epochs: int, X: Any, fit_kwargs: dict[str, Any]) -> dict[str, Any]:
    """What a backup must agree on with the fit that resumes it (as the single model's
    BackupAndRestore: epochs, batch size, samples, shuffling seed and mode)."""
    try:
        samples: Any = int(np.shape(X)[0])
    except (TypeError, ValueError, IndexError):
        samples = None
    seed = fit_kwargs.get("seed")
    if isinstance(seed, np.ndarray):
        seed = seed.tolist()
    elif isinstance(seed, (list, tuple)):
        seed = [int(s) if isinstance(s, (int, np.integer)) else str(s) for s in seed]
    elif isinstance(seed, np.integer):
        seed = int(seed)
    return {"epochs": epochs, "batch_size": fit_kwargs.get("batch_size", 32),
            "samples": samples, "seed": seed, "shuffle": fit_kwargs.get("shuffle", True),
            "block_size": fit_kwargs.get("block_size")}


def _combine(parts: list[Any], epochs: int, history_class: type[PopulationHistory]) -> Any:
    """One PopulationHistory of the epochs of several fits, as one fit would have given."""
    histories = []
    for k in range(len(parts[0])):
        h = History()
        h.params = dict(parts[0][k].params, epochs=epochs)
        for part in parts:
            for key, values in part[k].history.items():
                h.history.setdefault(key, []).extend(values)
        h.epoch = list(range(sum(len(part[k].epoch) for part in parts)))
        histories.append(h)
    return history_class(histories, sum(part.seconds for part in parts))


def fit_with_backup(pop: Population, X: Any, y: Any, *,
                    backup_dir: str | os.PathLike[str], epochs: int = 1,
                    delete_checkpoint: bool = True,
                    load: Callable[[str], tuple[Population, dict[str, Any]]],
                    history_class: type[PopulationHistory], **fit_kwargs: Any) -> Any:
    """``pop.fit(X, y, epochs=epochs, **fit_kwargs)`` that survives a crash: the population
    counterpart of :class:`glassnet.callbacks.BackupAndRestore` (Keras' ``backup_dir`` and
    ``delete_checkpoint``).

    After every epoch the whole population (:meth:`Population.save`, with the history so far
    and this fit's settings) is written atomically to ``backup_dir/backup.gnp``. When it
    starts and a backup is there, ``pop`` is put back to it and training continues with the
    next epoch: the final population and history are bit for bit those of one
    uninterrupted ``pop.fit`` (a process killed at any moment, even during a save, loses at
    most the epoch under way). A save killed half-way leaves ``.backup.gnp.glassnet-tmp``,
    removed before the first epoch. When the fit completes the backup is deleted
    (``delete_checkpoint=False`` keeps it).

    The backup must come from the same members (configs, seeds) and the same settings
    (epochs, batch size, samples, shuffling seed and mode); otherwise a ConfigError before
    anything changes. Per-member ``callbacks`` are refused: the epochs run as one ``fit``
    each, so a callback would see each epoch as a whole fit.
    (:func:`glassnet.population.fit_with_backup` calls this with ``load``, the reader of a
    population checkpoint, and ``history_class``.)"""
    directory = check_path(backup_dir, "backup_dir")
    epochs = int(check_int(epochs, "epochs", minimum=1))
    delete_checkpoint = check_bool(delete_checkpoint, "delete_checkpoint")
    if fit_kwargs.get("callbacks") is not None:
        raise ConfigError("callbacks: fit_with_backup runs each epoch as one fit, so a "
                          "member's callbacks would see every epoch as a whole fit; use "
                          "Population.fit for callbacks")
    check_backup_dir(directory)
    path = os.path.join(directory, BACKUP_FILENAME)
    signature = _fit_signature(epochs, X, fit_kwargs)
    parts: list[Any] = []
    before: dict[str, Any] | None = None
    if os.path.exists(path):
        saved, info = load(path)
        fit_info = info.get("fit")
        if saved.K != pop.K or [resumable_config(saved.member_state(k)["config"])
                                for k in range(saved.K)] != \
                [resumable_config(pop.member_state(k)["config"]) for k in range(pop.K)]:
            raise ConfigError(f"backup_dir: {path!r} was written by another population "
                              "(members' architecture, compile settings or seeds differ)")
        if not isinstance(fit_info, dict) or fit_info.get("signature") != signature:
            got = fit_info.get("signature") if isinstance(fit_info, dict) else None
            raise ConfigError(f"backup_dir: {path!r} was written by a fit with other settings "
                              f"({got}); this fit has {signature}. Delete it to start afresh.")
        done = fit_info.get("epoch")
        if type(done) is not int or not 0 < done <= epochs or saved.history is None \
                or any(len(h.epoch) != done for h in saved.history.histories):
            raise ConfigError(f"backup_dir: {path!r} holds a bad epoch {done!r}")
        before = dict(vars(pop))
        vars(pop).clear()
        vars(pop).update(vars(saved))  # the population becomes the one saved
        parts.append(saved.history)
    os.makedirs(directory, exist_ok=True)
    remove_half_written(path)
    done = len(parts[0].histories[0].epoch) if parts else 0
    for epoch in range(done, epochs):
        try:
            parts.append(pop.fit(X, y, epochs=1, **fit_kwargs))
        except GlassnetError:
            if before is not None and epoch == done:  # refused: put pop back as it was
                vars(pop).clear()
                vars(pop).update(before)
            raise
        pop.history = _combine(parts, epochs, history_class)
        pop.save(path, training={"fit": {"signature": signature, "epoch": epoch + 1}})
    pop.history = _combine(parts, epochs, history_class)
    if delete_checkpoint and os.path.exists(path):
        os.unlink(path)
    return pop.history
