"""Sweeps: a grid of training runs, one tidy table back, in local processes or on Dask.

::

    from glassnet.sweep import run_sweep
    table = run_sweep({"hidden": [(25, 15), (50,)], "seed": range(10),
                       "learning_rate": [1e-3, 1e-2]},
                      data={"digits": (X, y)}, epochs=5)

One row per run and epoch: the run's configuration (``run``, ``data``, ``hidden``,
``activation``, ``initializer``, ``seed``, ``learning_rate``, ``l2``, ``dropout``),
``epoch`` and what ``fit`` logged (``loss``, ``accuracy``, and ``val_loss``,
``val_accuracy`` when the data set has validation arrays; with ``l2 > 0`` also
``data_loss``, the loss without the penalty). ``l2`` is Keras' ``l2(c)`` on every layer's
kernel and ``dropout`` the rate of a ``Dropout`` layer after every hidden layer: a sweep over
them picks the regularization on the validation set, as the courses do with ``lambda``.
Runs of one architecture on one data set are trained together as a
:class:`~glassnet.population.Population` (at most ``max_population`` members each, whatever
their seeds, rates, penalties and dropout rates; runs without dropout apart); the populations
are the tasks. Every member equals the network trained alone (with one BLAS thread, as
below), so a run's rows
do not depend on how runs are grouped or where a task runs: the same grid gives the same
table, bit for bit, in one process, in a local process pool and on a ``dask.distributed``
cluster.

Locally (``client=None``) the tasks are spread over ``processes`` worker processes (the
data are written once to a temporary folder as ``.npy`` files, which each worker maps).
With a ``dask.distributed.Client`` the data sets are scattered to the workers once and
every task refers to them; a worker lost in the middle of a sweep has its tasks run again
elsewhere by Dask. Dask (the ``dask`` extra) and pandas are
imported only when used.

Every task computes with one BLAS thread, wherever it runs: a matrix product split over
several threads may add its terms in another order, and its last bits then depend on the
machine's thread count (a Dask worker runs one thread; this process, as many as the cores).
One thread per task makes the table the same bit for bit everywhere; the parallelism is
the tasks'.
"""

from __future__ import annotations

import itertools
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import numpy as np

from . import activations, initializers, losses, regularizers
from .callbacks import History
from .checks import bad_labels, check_int
from .errors import ArgumentTypeError, ConfigError, DataError, GlassnetError, ShapeError
from .layers import Dense, Dropout, Input
from .model import Sequential
from .population import Population, restore_member

__all__ = ["GRID_KEYS", "MAX_MODEL_WEIGHTS", "MAX_RUNS", "expand_grid", "run_sweep"]

#: The most runs one sweep may expand to (the product of the grid's value counts), checked
#: before the grid is expanded; raise it by assigning ``glassnet.sweep.MAX_RUNS = ...``.
MAX_RUNS = 100_000
#: The most weights one run's model may have (``hidden`` widths, inputs and outputs, e.g.
#: ``hidden=(10**9,)``), checked before any model is built; overridable as above.
MAX_MODEL_WEIGHTS = 50_000_000

#: the parameters a grid may vary, with the value used when the grid leaves one out
GRID_KEYS: dict[str, Any] = {
    "hidden": (25, 15),
    "activation": "relu",
    "initializer": "glorot_uniform",
    "seed": 0,
    "learning_rate": 1e-3,
    "l2": 0.0,  # the L2 penalty on every layer's kernel, Keras' l2(c); 0: none
    "dropout": 0.0,  # the rate of a Dropout layer after every hidden layer; 0: none
    "data": None,  # every data set given
}


def _hidden(value: Any) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)):
        widths: tuple[Any, ...] = (value,)
    elif isinstance(value, (tuple, list)):
        widths = tuple(value)
    else:
        widths = ()
    if not widths or not all(isinstance(w, (int, np.integer)) and not isinstance(w, bool)
                             and w >= 1 for w in widths):
        raise ConfigError(f"grid: 'hidden' expects tuples of layer widths >= 1, got {value!r}")
    return tuple(int(w) for w in widths)


def expand_grid(grid: Mapping[str, Any], data_names: Sequence[str]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, in a fixed order, each with its ``run``
    number; keys left out take :data:`GRID_KEYS`'s value (``data``: every data set)."""
    if not isinstance(grid, Mapping):
        raise ArgumentTypeError(f"grid: expected a dict of lists, got {type(grid).__name__}")
    unknown = [k for k in grid if k not in GRID_KEYS]
    if unknown:
        raise ConfigError(
            f"grid: unknown parameter(s) {', '.join(map(repr, unknown))}; a grid may vary "
            f"{', '.join(GRID_KEYS)}"
        )
    axes: dict[str, list[Any]] = {}
    for key, default in GRID_KEYS.items():
        values = grid.get(key)
        if values is None:
            values = list(data_names) if key == "data" else [default]
        elif isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, range)):
            values = [values]
        if len(values) > MAX_RUNS:
            raise ConfigError(f"grid: {key!r} has {len(values):,} values, more than "
                              f"glassnet.sweep.MAX_RUNS ({MAX_RUNS:,}) runs")
        values = list(values)
        if not values:
            raise ConfigError(f"grid: {key!r} has no values")
        if key in ("learning_rate", "l2", "dropout"):
            for v in values:
                if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**1023:
                    raise ConfigError(f"grid: {key!r} expects numbers, got an integer of "
                                      f"{len(str(abs(v)))} digits, beyond the float range")
        if key == "hidden":
            values = [_hidden(v) for v in values]
        elif key == "seed":
            for v in values:
                if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                    raise ConfigError(f"grid: 'seed' expects non-negative ints, got {v!r}")
            values = [int(v) for v in values]
        elif key == "learning_rate":
            for v in values:
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                    raise ConfigError(f"grid: 'learning_rate' expects numbers > 0, got {v!r}")
            values = [float(v) for v in values]
        elif key == "l2":
            for v in values:
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not (
                        math.isfinite(v) and v >= 0):
                    raise ConfigError(f"grid: 'l2' expects numbers >= 0, got {v!r}")
            values = [float(v) for v in values]
        elif key == "dropout":
            for v in values:
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < 1:
                    raise ConfigError(f"grid: 'dropout' expects rates in [0, 1), got {v!r}")
            values = [float(v) for v in values]
        elif key == "data":
            for v in values:
                if not isinstance(v, str) or v not in data_names:
                    raise ConfigError(
                        f"grid: data set {v!r} is not among the data given "
                        f"({', '.join(map(repr, data_names))})"
                    )
        elif key == "activation":
            for v in values:
                if not isinstance(v, str):
                    raise ConfigError(f"grid: 'activation' expects activation names, got "
                                      f"{v!r:.60}")
                activations.get(v)  # raises a ConfigError naming it
        elif key == "initializer":
            for v in values:
                initializers.get(v)  # raises a ConfigError naming it
        axes[key] = values
    total = math.prod(len(v) for v in axes.values())
    if total > MAX_RUNS:
        sizes = " x ".join(f"{len(v)} {k}" for k, v in axes.items() if len(v) > 1)
        raise ConfigError(f"grid: {total:,} runs ({sizes}), more than "
                          f"glassnet.sweep.MAX_RUNS ({MAX_RUNS:,})")
    runs = []
    for i, combo in enumerate(itertools.product(*axes.values())):
        run = dict(zip(axes, combo))
        run["run"] = i
        runs.append(run)
    return runs


def _check_data(data: Any) -> dict[str, tuple[Any, ...]]:
    if isinstance(data, tuple):
        data = {"data": data}
    if not isinstance(data, Mapping) or not data:
        raise ArgumentTypeError(
            "data: expected {name: (X, y)} or {name: (X, y, X_val, y_val)}, or one (X, y) pair, "
            f"got {type(data).__name__}"
        )
    out = {}
    for name, arrays in data.items():
        if not isinstance(arrays, (tuple, list)) or len(arrays) not in (2, 4):
            raise ArgumentTypeError(
                f"data[{name!r}]: expected (X, y) or (X, y, X_val, y_val), got "
                f"{type(arrays).__name__}"
            )
        checked = []
        for j in range(0, len(arrays), 2):
            X, y = np.asarray(arrays[j]), np.asarray(arrays[j + 1])
            if X.ndim != 2:
                raise ShapeError(f"data[{name!r}]: X must be 2-D (m, n), got shape {X.shape}")
            if y.shape[:1] != X.shape[:1]:
                raise ShapeError(
                    f"data[{name!r}]: X has {X.shape[0]} rows but y has "
                    f"{y.shape[0] if y.ndim else 0} targets"
                )
            checked += [X, y]
        out[str(name)] = tuple(checked)
    return out


def _n_outputs(loss: losses.Loss, y: Any) -> int:
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        if y.size and y.dtype.kind == "f" and not (np.all(np.isfinite(y))
                                                   and np.all(y == np.round(y))):
            raise DataError("y: sparse_categorical_crossentropy expects integer labels, got "
                            + bad_labels(y))
        return int(np.max(y)) + 1
    return 1 if y.ndim == 1 else int(y.shape[1])


def _build(task: dict[str, Any], run: dict[str, Any], n_in: int, n_out: int) -> Sequential:
    penalty = regularizers.l2(run["l2"]) if run["l2"] else None
    hidden: list[Any] = []
    for w in task["hidden"]:
        hidden.append(Dense(w, task["activation"], kernel_initializer=run["initializer"],
                            kernel_regularizer=penalty))
        if run["dropout"]:
            hidden.append(Dropout(run["dropout"]))
    model = Sequential([Input((n_in,)), *hidden,
                        Dense(n_out, task["output_activation"],
                              kernel_initializer=run["initializer"],
                              kernel_regularizer=penalty)],
                       seed=run["seed"], dtype=task["dtype"])
    optimizer = dict(task["optimizer"])
    optimizer["config"] = dict(optimizer.get("config", {}), learning_rate=run["learning_rate"])
    model.compile(loss=task["loss"], optimizer=optimizer, metrics=task["metrics"])
    return model


def _run_group(task: dict[str, Any], arrays: tuple[Any, ...]) -> dict[str, Any]:
    """One task: the runs of ``task`` trained as one population. Rows and (on request)
    each run's weights; runs in a worker process or a Dask worker."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # the same sums in any process
        return _train_group(task, arrays)


def _train_group(task: dict[str, Any], arrays: tuple[Any, ...]) -> dict[str, Any]:
    X, y = arrays[0], arrays[1]
    loss = losses.get(task["loss"])
    n_out = _n_outputs(loss, y)
    members = [_build(task, run, X.shape[1], n_out) for run in task["runs"]]
    pop = Population(members)
    validation = (arrays[2], arrays[3]) if len(arrays) == 4 else None
    history = pop.fit(X, y, epochs=task["epochs"], batch_size=task["batch_size"],
                      seed=[run["seed"] for run in task["runs"]], validation_data=validation)
    rows = []
    for k, run in enumerate(task["runs"]):
        h = history[k]
        for e in range(len(h.epoch)):
            row = {"run": run["run"], "data": task["data"],
                   "hidden": "-".join(str(w) for w in task["hidden"]),
                   "activation": task["activation"], "initializer": run["initializer"],
                   "seed": run["seed"], "learning_rate": run["learning_rate"],
                   "l2": run["l2"], "dropout": run["dropout"], "epoch": e}
            row.update({key: values[e] for key, values in h.history.items()})
            rows.append(row)
    out: dict[str, Any] = {"rows": rows}
    if task["return_models"]:
        # plain data (configuration, arrays, numbers), rebuilt into models by the caller:
        # each as its own fit would leave it, optimizer state and history included
        out["models"] = {run["run"]: (pop.member_state(k), dict(history[k].history),
                                      list(history[k].epoch), dict(history[k].params))
                         for k, run in enumerate(task["runs"])}
    return out


# -- local processes ---------------------------------------------------------------------------
_WORKER_DATA: dict[str, tuple[Any, ...]] = {}


def _init_worker(paths: dict[str, list[str]]) -> None:
    """Map the data sets the parent wrote to a temporary folder (read, never copied whole)."""
    _WORKER_DATA.clear()
    for name, files in paths.items():
        _WORKER_DATA[name] = tuple(np.load(f, mmap_mode="r", allow_pickle=False) for f in files)


def _run_group_local(task: dict[str, Any]) -> dict[str, Any]:
    return _run_group(task, _WORKER_DATA[task["data"]])


def _check_client(client: Any) -> None:
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is in the dev extra
        raise ConfigError(
            "client: dask.distributed is not installed; pip install 'glassnet[dask]'"
        ) from exc
    if not isinstance(client, Client):
        raise ArgumentTypeError(
            f"client: expected a dask.distributed.Client, got {type(client).__name__}"
        )
    if client.status != "running":
        raise ConfigError(
            f"client: the Dask client is {client.status}, not running (close() was called or "
            f"its scheduler cannot be reached); connect a new Client"
        )
    try:
        info = client.scheduler_info()
    except (OSError, TimeoutError) as exc:
        raise ConfigError(f"client: the Dask scheduler cannot be reached ({exc})") from exc
    if not info.get("workers"):
        raise ConfigError("client: the Dask cluster has no workers")


def run_sweep(
    grid: Mapping[str, Any],
    data: Any,
    *,
    epochs: int = 5,
    batch_size: int | None = 32,
    loss: Any = "sparse_categorical_crossentropy",
    optimizer: Any = "adam",
    output_activation: str = "softmax",
    dtype: str = "float32",
    metrics: Sequence[str] = ("accuracy",),
    processes: int | None = None,
    client: Any = None,
    max_population: int = 64,
    return_models: bool = False,
) -> Any:
    """Train every run of ``grid`` on ``data``; returns the tidy pandas table (and, with
    ``return_models``, a dict ``run -> Sequential`` of the trained models as well).

    ``grid`` maps parameters of :data:`GRID_KEYS` to lists of values. ``data`` is
    ``{name: (X, y)}`` or ``{name: (X, y, X_val, y_val)}`` (or one ``(X, y)``). Every run
    trains a ``Sequential`` of Dense layers ``hidden`` (``activation``) and a
    ``output_activation`` layer, compiled with ``loss``, ``optimizer`` (at the run's
    ``learning_rate``) and ``metrics``, for ``epochs`` epochs with the run's ``seed`` for
    both the initial weights and the shuffling order. ``processes``: local worker processes
    (``None``: one per CPU, ``1``: this process). ``client``: a ``dask.distributed.Client``
    to run the tasks on instead. Everything is checked before any training starts.
    """
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is in the dev extra
        raise ConfigError("run_sweep needs pandas: pip install 'glassnet[pandas]'") from exc
    datasets = _check_data(data)
    runs = expand_grid(grid, list(datasets))
    loss_obj = losses.get(loss)
    from . import optimizers

    opt_cfg = optimizers.get(optimizer).to_config()
    epochs = int(check_int(epochs, "epochs", minimum=1))
    batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
    max_population = int(check_int(max_population, "max_population",
                                   minimum=1))
    if client is not None and processes is not None:
        raise ConfigError("processes and client: give one, not both")
    if client is not None:
        _check_client(client)
    elif processes is not None:
        processes = int(check_int(processes, "processes", minimum=1))
    # build one model per architecture and data set now, so a bad setting fails here
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for run in runs:
        # one architecture per population: runs with and without dropout layers apart
        groups.setdefault((run["data"], run["hidden"], run["activation"], run["dropout"] > 0),
                          []).append(run)
    tasks = []
    checked: set[str] = set()  # data sets whose arrays passed the model's own checks
    for (name, hidden, activation, _), members in groups.items():
        base = {"data": name, "hidden": hidden, "activation": activation,
                "output_activation": output_activation, "dtype": dtype,
                "loss": loss_obj.to_config(), "optimizer": opt_cfg, "metrics": list(metrics),
                "epochs": epochs, "batch_size": batch_size, "return_models": return_models}
        X, y = datasets[name][0], datasets[name][1]
        try:
            n_out = _n_outputs(loss_obj, y)
            widths = (X.shape[1], *hidden, n_out)
            n_weights = sum(a * b + b for a, b in zip(widths, widths[1:]))
            if n_weights > MAX_MODEL_WEIGHTS:
                raise ConfigError(
                    f"grid: hidden {hidden} gives models of {n_weights:,} weights ({widths[0]} "
                    f"inputs, {n_out} outputs), more than glassnet.sweep.MAX_MODEL_WEIGHTS "
                    f"({MAX_MODEL_WEIGHTS:,})")
            probe = _build(base, members[0], X.shape[1], n_out)
            probe.prepare_targets(y, X.shape[0])
            if name not in checked:  # as Population.fit will: finite X, X_val, y_val fit
                arrays = datasets[name]
                for j, (xa, ya) in enumerate(zip(arrays[::2], arrays[1::2])):
                    x = probe.check_X(xa, "X_val" if j else "X", keep_mapped=True)
                    probe.prepare_targets(ya, x.shape[0], "y_val" if j else "y")
                checked.add(name)
        except GlassnetError as exc:
            raise type(exc)(f"data set {name!r}, hidden {hidden}: {exc}") from exc
        n_chunks = math.ceil(len(members) / max_population)
        size = math.ceil(len(members) / n_chunks)
        for start in range(0, len(members), size):
            tasks.append(dict(base, runs=members[start:start + size]))

    if client is not None:
        # a list, not the dict: a scattered dict keeps its own keys ("digits"), which a
        # second sweep on the same client would reuse while the first one's are released
        names = list(datasets)
        scattered = dict(zip(names, client.scatter([datasets[n] for n in names],
                                                   broadcast=True, hash=False)))
        # pure=False: Dask names every task afresh, so sweeps on one client never share keys
        futures = [client.submit(_run_group, task, scattered[task["data"]], pure=False)
                   for task in tasks]
        results = client.gather(futures)
    else:
        n_proc = processes if processes is not None else (os.cpu_count() or 1)
        n_proc = min(n_proc, len(tasks))
        if n_proc <= 1:
            results = [_run_group(task, datasets[task["data"]]) for task in tasks]
        else:
            # The data go to the workers once, as .npy files they map: the pool's start-up
            # messages stay small, and the workers share the pages.
            with tempfile.TemporaryDirectory(prefix="glassnet-sweep-") as tmp:
                paths: dict[str, list[str]] = {}
                for d, (name, arrays) in enumerate(datasets.items()):
                    paths[name] = []
                    for j, array in enumerate(arrays):
                        path = os.path.join(tmp, f"{d}-{j}.npy")
                        np.save(path, np.ascontiguousarray(array), allow_pickle=False)
                        paths[name].append(path)
                with ProcessPoolExecutor(n_proc, mp_context=get_context("spawn"),
                                         initializer=_init_worker, initargs=(paths,)) as pool:
                    results = list(pool.map(_run_group_local, tasks))
    rows = [row for result in results for row in result["rows"]]
    table = pd.DataFrame(rows).sort_values(["run", "epoch"], kind="stable")
    table = table.reset_index(drop=True)
    if not return_models:
        return table
    models = {}
    for result in results:
        for run_id, saved in result["models"].items():
            models[run_id] = _rebuild(saved)
    return table, dict(sorted(models.items()))


def _rebuild(saved: tuple[Any, ...]) -> Sequential:
    """A run's trained model from :func:`_run_group`'s data (see :func:`restore_member`),
    with its history."""
    state, logs, epochs, params = saved
    model = restore_member(state)
    history = History()
    history.history, history.epoch, history.params = logs, epochs, params
    model.history = history
    return model
