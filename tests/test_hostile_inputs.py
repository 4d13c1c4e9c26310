"""Issue 20's remaining reproducers: sizes checked before allocation (populations, sweeps),
paths of the wrong type, values beyond the model's dtype, CSV cells beyond float16, softmax
on logits farther apart than the dtype's range, and BackupAndRestore's leftovers."""

from __future__ import annotations

import os
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
import glassnet.population as population
import glassnet.sweep as sweep
from glassnet.datasets import load_csv
from glassnet.population import Population

pytest.importorskip("pandas")


def _net(seed: int = 0) -> gn.Sequential:
    model = gn.Sequential([gn.layers.Input(shape=(3,)), gn.layers.Dense(4, activation="relu"),
                           gn.layers.Dense(2, activation="softmax")], seed=seed)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    return model


# ----------------------------------------------------------------------- populations


def test_population_member_budget_is_checked_before_building(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    start = time.perf_counter()
    tracemalloc.start()
    with pytest.raises(gn.ConfigError, match=r"seeds: 1,000,000 members.*MAX_MEMBERS"):
        Population.from_model(_net(), seeds=range(10**6))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.perf_counter() - start < 1.0 and peak < 2**20
    with pytest.raises(gn.ConfigError, match=r"models: 3 members.*MAX_MEMBERS \(2\)"):
        monkeypatch.setattr(population, "MAX_MEMBERS", 2)
        Population([_net(k) for k in range(3)])
    monkeypatch.setattr(population, "MAX_MEMBERS", 10_000)
    monkeypatch.setattr(population, "MAX_VALUES", 100)
    with pytest.raises(gn.ConfigError, match=r"seeds: 5 members of 26 weights.*MAX_VALUES"):
        Population.from_model(_net(), seeds=range(5))
    monkeypatch.setattr(population, "MAX_VALUES", 2**28)
    assert len(Population.from_model(_net(), seeds=range(5))) == 5
    with pytest.raises(gn.ArgumentTypeError, match="seeds: expected a sequence"):
        Population.from_model(_net(), seeds=5)  # type: ignore[arg-type]


@pytest.mark.parametrize("index", ["a", 1.5, None, True, [0]])
def test_population_index_of_the_wrong_type_names_the_index(index: object) -> None:
    pop = Population.from_model(_net(), seeds=[1, 2])
    with pytest.raises(gn.ArgumentTypeError, match=r"index: expected a member number 0\.\.1"):
        pop[index]  # type: ignore[index]
    with pytest.raises(TypeError):  # the builtin a list would raise
        pop[index]  # type: ignore[index]
    assert pop[np.int64(1)].seed == 2 and pop[-1].seed == 2
    with pytest.raises(gn.ConfigError, match="index"):
        pop[2]


# ----------------------------------------------------------------------- sweeps


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(20, 3)), np.arange(20) % 2


def test_sweep_sizes_are_checked_before_any_model_is_built() -> None:
    tracemalloc.start()
    with pytest.raises(gn.ConfigError, match=r"hidden \(1000000000,\).*MAX_MODEL_WEIGHTS"):
        sweep.run_sweep({"hidden": [(10**9,)]}, _data(), epochs=1, processes=1)
    X, y = _data()
    y = y.copy()
    y[0] = 10**9  # a sparse label asking for a billion outputs
    with pytest.raises(gn.ConfigError, match=r"1000000001 outputs.*MAX_MODEL_WEIGHTS"):
        sweep.run_sweep({"hidden": [(4,)]}, (X, y), epochs=1, processes=1)
    with pytest.raises(gn.ConfigError, match=r"'seed' has 1,000,000,000,000 values.*MAX_RUNS"):
        sweep.run_sweep({"seed": range(10**12)}, _data(), epochs=1, processes=1)
    with pytest.raises(gn.ConfigError,
                       match=r"grid: 1,000,000 runs \(1000 seed x 1000 learning_rate\).*MAX_RUNS"):
        sweep.run_sweep({"seed": range(1000), "learning_rate": [0.1] * 1000}, _data(),
                        epochs=1, processes=1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * 2**20
    with pytest.raises(gn.ConfigError, match=r"grid: data set array"):
        sweep.run_sweep({"data": [np.zeros(3)]}, _data(), epochs=1, processes=1)
    with pytest.raises(gn.ConfigError, match=r"grid: 'activation' expects activation names"):
        sweep.run_sweep({"activation": [{"name": "x"}]}, _data(), epochs=1, processes=1)
    for hidden in (1.5, "8", None, [(4, "a")], [()]):
        with pytest.raises(gn.ConfigError, match=r"grid: 'hidden' expects tuples"):
            sweep.run_sweep({"hidden": hidden if hidden is not None else [None]}, _data(),
                            epochs=1, processes=1)


def test_sweep_budgets_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweep, "MAX_RUNS", 1)
    with pytest.raises(gn.ConfigError, match=r"grid: 'seed' has 2 values.*MAX_RUNS \(1\)"):
        sweep.run_sweep({"seed": [0, 1]}, _data(), epochs=1, processes=1)
    monkeypatch.setattr(sweep, "MAX_RUNS", 3)
    with pytest.raises(gn.ConfigError, match=r"grid: 4 runs \(2 seed x 2 learning_rate\)"):
        sweep.run_sweep({"seed": [0, 1], "learning_rate": [0.1, 0.2]}, _data(), epochs=1,
                        processes=1)
    monkeypatch.setattr(sweep, "MAX_RUNS", 1)
    with pytest.raises(gn.ConfigError, match=r"MAX_RUNS \(1\)"):
        sweep.run_sweep({"seed": [0, 1]}, _data(), epochs=1, processes=1)
    monkeypatch.setattr(sweep, "MAX_RUNS", 2)
    assert len(sweep.run_sweep({"seed": [0, 1]}, _data(), epochs=1, processes=1)) == 2


# ----------------------------------------------------------------------- paths and dtypes


def test_load_model_paths_of_every_type(tmp_path: Path) -> None:
    model = _net()
    model.save(os.fsencode(str(tmp_path / "m.gn")))  # bytes, decoded as the OS does
    again = gn.load_model(os.fsencode(str(tmp_path / "m.gn")))
    np.testing.assert_array_equal(again.get_weights()[0], model.get_weights()[0])
    for bad in (None, 3, 1.5, ["m.gn"]):
        with pytest.raises(gn.ArgumentTypeError, match=r"^path: expected a path .*got "):
            gn.load_model(bad)  # type: ignore[arg-type]
    with pytest.raises(gn.MissingFileError, match="path"):
        gn.load_model(b"/nonexistent/model.gn")
    assert sorted(os.listdir(tmp_path)) == ["m.gn"]


def test_float64_file_beyond_float32_is_an_error_naming_the_array(tmp_path: Path) -> None:
    from glassnet import io as gio

    model = _net()
    model.save(tmp_path / "m.gn")
    archive = gio.read_archive(tmp_path / "m.gn", {"glassnet-model": 1})
    arrays = [a.astype(np.float64) for a in archive.arrays]
    arrays[2][1, 0] = 1e300  # the second Dense kernel
    gio.write_archive(tmp_path / "big.gn", archive.doc | {"format": "glassnet-model"}, arrays)
    with pytest.raises(gn.ModelFileError, match=r"big\.gn.*layer 'dense_1'.*W.*float32.*1e\+300"):
        gn.load_model(tmp_path / "big.gn")


def test_csv_values_beyond_float16_name_the_cell(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n1,2,0\n3,70000,1\n")
    with pytest.raises(gn.DataError,
                       match=r"d\.csv: line 3, column 1 \('b'\): 70000 is beyond .* float16"):
        load_csv(path, dtype="float16")
    X, _ = load_csv(path, dtype="float32")
    assert X[1, 1] == 70000


def test_softmax_on_logits_beyond_the_range_does_not_warn() -> None:
    for dtype in (np.float32, np.float64):
        big = np.finfo(dtype).max
        z = np.array([[big, -big, 0.0], [1e4, -1e4, 3.0]], dtype=dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            a = gn.activations.get("softmax").forward(z.copy())
            value = gn.losses.CategoricalCrossentropy(from_logits=True)(
                np.eye(3, dtype=dtype)[[0, 0]], z)
            sparse = gn.losses.SparseCategoricalCrossentropy(from_logits=True)(
                np.array([0, 0]), z)
        np.testing.assert_array_equal(a, [[1, 0, 0], [1, 0, 0]])
        assert value == 0.0 and sparse == 0.0


# ----------------------------------------------------------------------- BackupAndRestore


def test_backup_folder_holds_no_temporary_file_after_a_killed_save(tmp_path: Path) -> None:
    X, y = _data()
    backup = tmp_path / "backup"
    backup.mkdir()
    # what a process killed in the middle of a save leaves behind
    (backup / ".backup.gnc.glassnet-tmp").write_bytes(b"PK\x03\x04 half a file")
    model = _net()
    callback = gn.callbacks.BackupAndRestore(backup, delete_checkpoint=False)
    seen: list[list[str]] = []
    model.fit(X, y, epochs=2, verbose=0, callbacks=[callback, gn.callbacks.LambdaCallback(
        on_epoch_end=lambda e, logs: seen.append(sorted(os.listdir(backup))))])
    assert seen == [["backup.gnc"], ["backup.gnc"]]
    assert sorted(os.listdir(backup)) == ["backup.gnc"]
    (backup / ".backup.gnc.glassnet-tmp").write_bytes(b"stale")
    model.fit(X, y, epochs=2, verbose=0, callbacks=[gn.callbacks.BackupAndRestore(backup)])
    assert os.listdir(backup) == []


def test_numbers_beyond_the_float_range_are_config_errors() -> None:
    X, y = _data()
    for key in ("learning_rate", "l2", "dropout"):
        with pytest.raises(gn.ConfigError, match=rf"grid: '{key}' expects numbers, got an "
                                                 r"integer of 401 digits"):
            sweep.run_sweep({key: [10**400]}, (X, y), epochs=1, processes=1)
    with pytest.raises(gn.ConfigError, match=r"initializer: expected a finite number"):
        gn.initializers.get(10**400)
    with pytest.raises(gn.ConfigError, match=r"value: 1e\+300 is beyond the range of float32"):
        gn.Sequential([gn.layers.Input(shape=(2,)), gn.layers.Dense(2, kernel_initializer=1e300)])
    dense = gn.Sequential([gn.layers.Input(shape=(2,)),
                           gn.layers.Dense(2, kernel_initializer=1e300)], dtype="float64")
    assert dense.layers[0].W[0, 0] == 1e300
