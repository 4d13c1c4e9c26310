"""Sweeps: the same grid gives the same table in one process, a process pool and on Dask.

The Dask tests start a LocalCluster of two worker processes bound to 127.0.0.1 and close it
at the end; one of them kills a worker in the middle of a sweep.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

import glassnet as gn
from glassnet.sweep import expand_grid, run_sweep

pd = pytest.importorskip("pandas")
distributed = pytest.importorskip("dask.distributed")

GRID = {"hidden": [(25, 15), (12,)], "seed": [0, 1, 2], "learning_rate": [1e-3, 1e-2]}


@pytest.fixture(scope="module")
def data() -> dict[str, tuple[Any, ...]]:
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return {"digits": (X[:1000], y[:1000], X[1000:1400], y[1000:1400])}


@pytest.fixture(scope="module")
def local_table(data: Any) -> Any:
    return run_sweep(GRID, data, epochs=2, processes=1)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0") as c:
        yield c


def test_table_is_tidy_and_matches_single_fits(local_table: Any, data: Any) -> None:
    t = local_table
    assert len(t) == 12 * 2  # 12 runs x 2 epochs
    assert list(t.columns[:10]) == ["run", "data", "hidden", "activation", "initializer",
                                    "seed", "learning_rate", "l2", "dropout", "epoch"]
    assert (t["l2"] == 0.0).all() and "data_loss" not in t.columns  # no penalty by default
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(t.columns)
    assert t["run"].tolist() == sorted(t["run"].tolist())
    # run 7: hidden (12,), seed 0, learning rate 1e-2: the same as one model fitted alone
    row = t[(t.hidden == "12") & (t.seed == 0) & (t.learning_rate == 1e-2)]
    assert row["run"].iloc[0] == 7
    X, y, Xv, yv = data["digits"]
    model = gn.Sequential([gn.Input((64,)), gn.Dense(12, "relu"), gn.Dense(10, "softmax")],
                          seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=gn.optimizers.Adam(1e-2),
                  metrics=["accuracy"])
    with threadpool_limits(limits=1, user_api="blas"):  # as a sweep's task computes
        h = model.fit(X, y, epochs=2, seed=0, validation_data=(Xv, yv), verbose=0)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert row[key].tolist() == h.history[key]


def test_process_pool_gives_the_same_table(local_table: Any, data: Any) -> None:
    pooled = run_sweep(GRID, data, epochs=2, processes=2, max_population=4)
    assert pooled.equals(local_table)


def test_dask_gives_the_same_table_and_models(cluster: Any, local_table: Any,
                                              data: Any) -> None:
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    with distributed.Client(cluster) as client:
        assert all(w.startswith("tcp://127.0.0.1:") for w in client.scheduler_info()["workers"])
        table, models = run_sweep(GRID, data, epochs=2, client=client, max_population=5,
                                  return_models=True)
        again = run_sweep(GRID, data, epochs=2, client=client, max_population=3)
    assert table.equals(local_table)
    assert again.equals(local_table)  # a second sweep on the same client
    assert sorted(models) == list(range(12))
    assert isinstance(models[3], gn.Sequential) and models[3].seed == 1
    # each model is the run as its own fit leaves it: history, optimizer state, epochs, so
    # training it on continues exactly as one longer fit
    run3 = table[table["run"] == 3]
    assert models[3].history.history["loss"] == run3["loss"].tolist()
    assert models[3].epochs_trained == 2 and models[3].optimizer.iterations > 0
    X, y = data["digits"][0], data["digits"][1]
    alone = gn.Sequential.from_config(models[3].get_config())  # the run's start, from its seed
    alone.fit(X, y, epochs=3, batch_size=32, seed=1, verbose=0)
    models[3].fit(X, y, epochs=1, batch_size=32, seed=1, verbose=0)
    for a, b in zip(models[3].get_weights(), alone.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_worker_killed_mid_sweep_changes_nothing(local_table: Any, data: Any) -> None:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0") as cluster, \
            distributed.Client(cluster) as client:
        pids = client.run(os.getpid)  # worker address -> pid
        killed: dict[str, Any] = {}

        def kill_a_busy_worker() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = [w for w, keys in client.processing().items() if keys]
                if busy:
                    killed["worker"] = busy[0]
                    killed["tasks"] = list(client.processing()[busy[0]])
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    return
                time.sleep(0.005)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        # one run per task: 12 tasks, so a worker is caught in the middle of the sweep
        table = run_sweep(GRID, data, epochs=2, client=client, max_population=1)
        killer.join()
        assert killed.get("tasks"), "no worker was caught running a task"
        # the scheduler notices a killed worker by its lost connection; if the worker had
        # just finished its task, the sweep may end before that happens
        deadline = time.monotonic() + 30
        while killed["worker"] in client.scheduler_info()["workers"] \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert killed["worker"] not in client.scheduler_info()["workers"]
    assert table.equals(local_table)


# ----------------------------------------------------------------------------- bad input

def test_unknown_grid_parameter_is_refused_before_training(data: Any) -> None:
    with pytest.raises(gn.ConfigError, match=r"unknown parameter\(s\) 'width'.*may vary hidden"):
        run_sweep({"width": [10]}, data)
    with pytest.raises(gn.ConfigError, match="data set 'mnist' is not among"):
        run_sweep({"data": ["mnist"]}, data)
    with pytest.raises(gn.ConfigError, match="'seed' expects non-negative ints"):
        run_sweep({"seed": [-1]}, data)
    with pytest.raises(gn.ConfigError, match="unknown initializer|initializer"):
        run_sweep({"initializer": ["nope"]}, data)
    with pytest.raises(gn.ConfigError, match="'l2' expects numbers >= 0"):
        run_sweep({"l2": [0.1, -1e-3]}, data)
    with pytest.raises(gn.ConfigError, match=r"'dropout' expects rates in \[0, 1\)"):
        run_sweep({"dropout": [1.0]}, data)


def test_a_sweep_over_dropout_rates(data: Any) -> None:
    """Runs with dropout (one population at their rates) and without (another), each
    equal to its own fit."""
    table = run_sweep({"hidden": [(30,)], "dropout": [0.0, 0.2, 0.5], "seed": [1]}, data,
                      epochs=2, processes=1)
    assert sorted(set(table["dropout"])) == [0.0, 0.2, 0.5]
    X, y, Xv, yv = data["digits"]
    model = gn.Sequential([gn.Input((64,)), gn.Dense(30, "relu"), gn.layers.Dropout(0.5),
                           gn.Dense(10, "softmax")], seed=1)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                  metrics=["accuracy"])
    with threadpool_limits(limits=1, user_api="blas"):  # as a sweep's task computes
        h = model.fit(X, y, epochs=2, seed=1, validation_data=(Xv, yv), verbose=0)
    run = table[table.dropout == 0.5]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert run[key].tolist() == h.history[key]


def test_a_sweep_over_the_penalty_picks_lambda_on_the_validation_set(data: Any) -> None:
    """The courses' recipe: train one architecture at several penalties and compare the
    validation loss. All the runs form one population; each equals its own fit."""
    table = run_sweep({"hidden": [(40,)], "l2": [0.0, 1e-3, 1e-2], "seed": [0]}, data,
                      epochs=3, processes=1)
    last = table[table.epoch == 2].set_index("l2")
    assert list(last.index) == [0.0, 1e-3, 1e-2]
    assert np.isnan(last.loc[0.0, "data_loss"])  # no penalty, no separate data loss
    assert (last.loc[[1e-3, 1e-2], "loss"] > last.loc[[1e-3, 1e-2], "data_loss"]).all()
    X, y, Xv, yv = data["digits"]
    penalty = gn.regularizers.l2(1e-2)
    model = gn.Sequential([gn.Input((64,)), gn.Dense(40, "relu", kernel_regularizer=penalty),
                           gn.Dense(10, "softmax", kernel_regularizer=penalty)], seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                  metrics=["accuracy"])
    with threadpool_limits(limits=1, user_api="blas"):  # as a sweep's task computes
        h = model.fit(X, y, epochs=3, seed=0, validation_data=(Xv, yv), verbose=0)
    run = table[table.l2 == 1e-2]
    for key in ("loss", "data_loss", "accuracy", "val_loss", "val_accuracy"):
        assert run[key].tolist() == h.history[key]


def test_bad_data_is_refused_before_training(data: Any) -> None:
    X, y = data["digits"][:2]
    with pytest.raises(gn.ShapeError, match="X has 1000 rows but y has 999"):
        run_sweep(GRID, {"d": (X, y[:-1])})
    with pytest.raises(gn.ArgumentTypeError, match=r"data\['d'\]"):
        run_sweep(GRID, {"d": (X,)})
    with pytest.raises(gn.DataError, match="labels"):
        run_sweep(GRID, {"d": (X, y + 0.5)})
    with pytest.raises(gn.DataError, match="integer labels, got infinite values at index 4"):
        run_sweep(GRID, {"d": (X, np.where(np.arange(len(y)) == 4, np.inf, y))})
    # the arrays get the model's own checks before any task starts, named by data set
    bad = X.copy()
    bad[3, 5] = np.nan
    with pytest.raises(gn.DataError, match=r"data set 'd'.*X: expected finite numbers"):
        run_sweep(GRID, {"c": (X, y), "d": (bad, y)}, processes=1)
    with pytest.raises(gn.ShapeError, match=r"data set 'd'.*X_val has 63 features"):
        run_sweep(GRID, {"d": (X, y, X[:10, :63], y[:10])}, processes=1)


def test_closed_or_wrong_client_is_refused(cluster: Any, data: Any) -> None:
    client = distributed.Client(cluster)
    client.close()
    with pytest.raises(gn.ConfigError, match="client: the Dask client is closed"):
        run_sweep(GRID, data, client=client)
    # a client whose scheduler went away
    lone = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                    host="127.0.0.1", dashboard_address="127.0.0.1:0")
    orphan = distributed.Client(lone)
    lone.close()
    try:
        with pytest.raises(gn.ConfigError, match="scheduler cannot be reached"):
            run_sweep(GRID, data, client=orphan)
    finally:
        orphan.close()
    with pytest.raises(gn.ArgumentTypeError, match="client: expected a dask.distributed.Client"):
        run_sweep(GRID, data, client="tcp://127.0.0.1:8786")


def test_expand_grid_order_and_defaults() -> None:
    runs = expand_grid({"seed": [5, 6], "learning_rate": 0.1}, ["a", "b"])
    assert [(r["seed"], r["data"]) for r in runs] == [(5, "a"), (5, "b"), (6, "a"), (6, "b")]
    assert all(r["hidden"] == (25, 15) and r["learning_rate"] == 0.1 and r["l2"] == 0.0
               and r["dropout"] == 0.0 for r in runs)
    assert [r["run"] for r in runs] == [0, 1, 2, 3]


def test_a_diverged_run_comes_back_as_training_left_it() -> None:
    """A learning-rate sweep is where runs blow up: their rows and their models (NaN
    weights and all) come back, as fit leaves a diverged model."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((200, 4)), rng.standard_normal((200, 1)) * 10
    with np.errstate(all="ignore"):
        table, models = run_sweep({"hidden": [(8,)], "learning_rate": [1e-3, 50.0], "seed": [0]},
                                  (X, y), epochs=3, processes=1, optimizer="sgd",
                                  dtype="float64", loss="mse", output_activation="linear",
                                  metrics=(), return_models=True)
    blown = table[table.learning_rate == 50.0]
    assert not np.isfinite(blown["loss"].iloc[-1])
    assert not all(np.isfinite(w).all() for w in models[1].get_weights())
    assert all(np.isfinite(w).all() for w in models[0].get_weights())
    assert models[1].optimizer.iterations == 3 * 7 and models[1].epochs_trained == 3
