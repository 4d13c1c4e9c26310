"""Population checkpoints: ``Population.save`` / ``load_population`` in the archive format of a
model checkpoint; a population saved, loaded in a fresh process and trained on equals the one
trained without a break, bit for bit; hostile files end in a ModelFileError."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
import glassnet.population as population
from glassnet.errors import DataError, GlassnetError, MissingFileError, ModelFileError
from glassnet.io import read_archive, temp_path, write_archive
from glassnet.population import (
    Population,
    fit_with_backup,
    load_population,
    population_from_file,
)
from glassnet.saving import POPULATION_FORMAT

OPTIMIZERS = {
    "sgd": lambda lr: gn.optimizers.SGD(lr),
    "momentum": lambda lr: gn.optimizers.SGD(lr, momentum=0.9, nesterov=True),
    "rmsprop": lambda lr: gn.optimizers.RMSprop(lr / 10),
    "adam": lambda lr: gn.optimizers.Adam(gn.optimizers.schedules.ExponentialDecay(
        lr / 10, decay_steps=7, decay_rate=0.8)),
}


def _data(m: int = 45) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(m, 5))
    return X, (X[:, 0] - X[:, 2] > 0).astype(np.int64)


def _population(optimizer: str = "adam", dtype: str = "float64", K: int = 3) -> Population:
    """Members that differ in seed, learning rate (or schedule), dropout rate and penalty."""
    models = []
    for k in range(K):
        reg = gn.regularizers.L2(1e-3) if k == 1 else None
        model = gn.Sequential([gn.layers.Input(shape=(5,)),
                               gn.layers.Dense(9, "tanh", kernel_regularizer=reg),
                               gn.layers.Dropout(0.2 + 0.1 * k),
                               gn.layers.Dense(6, "relu"),
                               gn.layers.Dense(2)], seed=10 + k, dtype=dtype)
        model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer=OPTIMIZERS[optimizer](0.05 * (k + 1)), metrics=["accuracy"])
        models.append(model)
    return Population(models)


def _slots(pop: Population) -> list[list[bytes]]:
    return [[a.tobytes() for arrays in pop.member_state(k)["state"].values() for a in arrays]
            for k in range(pop.K)]


def _assert_same(a: Population, b: Population, names: bool = True) -> None:
    assert [w.tobytes() for w in a.get_weights()] == [w.tobytes() for w in b.get_weights()]
    assert _slots(a) == _slots(b)
    np.testing.assert_array_equal(a.iterations, b.iterations)
    np.testing.assert_array_equal(a.learning_rates, b.learning_rates)
    np.testing.assert_array_equal(np.asarray(a.epochs_trained), np.asarray(b.epochs_trained))
    assert a.seeds == b.seeds and a.dtype == b.dtype
    assert a.names == b.names or not names


# ----------------------------------------------------------------------------- round trip


def test_a_population_round_trips_every_part_of_its_state(tmp_path: Path) -> None:
    X, y = _data()
    pop = _population("adam")
    pop.fit(X, y, epochs=3, batch_size=8, seed=[1, 2, 3], validation_data=(X[:9], y[:9]))
    path = tmp_path / "pop.gnp"
    pop.save(path, training={"note": "mine"})
    loaded, info = population_from_file(path)
    assert info["note"] == "mine"
    _assert_same(pop, loaded)
    assert loaded.history is not None and pop.history is not None
    for h0, h1 in zip(pop.history.histories, loaded.history.histories):
        assert h0.history == h1.history and h0.epoch == h1.epoch
        assert h0.params["seed"] == h1.params["seed"]
    np.testing.assert_array_equal(loaded.predict(X), pop.predict(X))
    for k in range(pop.K):  # each member, taken out, is the member saved
        assert pop[k].get_config() == loaded[k].get_config()
        assert loaded[k].optimizer.iterations == pop[k].optimizer.iterations
    # the archive: one stacked (K, ...) array per weight and per slot of each trainable array
    doc = read_archive(path, {POPULATION_FORMAT: 1}).doc
    assert doc["members"] == 3 and len(doc["models"]) == 3  # members differ: 3 configs
    assert doc["optimizer"] == {"slots": ["m", "v"], "n_weights": 6}
    assert Population.load(path).K == 3


def test_members_that_share_a_config_store_it_once(tmp_path: Path) -> None:
    model = gn.Sequential([gn.layers.Input(shape=(5,)), gn.layers.Dense(4, "relu"),
                           gn.layers.Dense(2)], seed=0)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="rmsprop")
    pop = Population.from_model(model, seeds=range(40))
    pop.save(tmp_path / "p.gnp")
    doc = read_archive(tmp_path / "p.gnp", {POPULATION_FORMAT: 1}).doc
    assert len(doc["models"]) == 1 and [m["seed"] for m in doc["member"]] == list(range(40))
    loaded = load_population(tmp_path / "p.gnp")
    assert loaded.history is None and not loaded.iterations.any()
    assert [m.get_config() for m in loaded.models()] == [m.get_config() for m in pop.models()]
    _assert_same(pop, loaded)


def test_a_learning_rate_set_on_the_population_is_kept(tmp_path: Path) -> None:
    X, y = _data()
    pop = _population("momentum")
    pop.fit(X, y, epochs=1, batch_size=16)
    pop.learning_rates[2] = 0.0125
    pop.save(tmp_path / "p.gnp")
    loaded = load_population(tmp_path / "p.gnp")
    np.testing.assert_array_equal(loaded.learning_rates, pop.learning_rates)
    pop.fit(X, y, epochs=1, batch_size=16)
    loaded.fit(X, y, epochs=1, batch_size=16)
    _assert_same(pop, loaded)


def test_a_model_checkpoint_loads_as_a_population_of_one(tmp_path: Path) -> None:
    X, y = _data()
    model = _population("adam", K=1)[0]
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    gn.save_checkpoint(model, tmp_path / "one.gnc")
    pop = load_population(tmp_path / "one.gnc")
    assert pop.K == 1 and int(np.asarray(pop.epochs_trained).max()) == 2
    assert pop.history is not None and pop.history[0].history == model.history.history
    assert [w.tobytes() for w in pop.get_weights(0)] == \
        [w.tobytes() for w in model.get_weights()]
    assert _slots(pop) == _slots(Population([model]))
    assert int(pop.iterations[0]) == model.optimizer.iterations


def test_a_population_file_read_as_one_model_names_load_population(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from glassnet import io as gio

    X, y = _data()
    pop = _population("sgd")
    pop.fit(X, y, epochs=1, batch_size=8)
    path = tmp_path / "p.gnp"
    pop.save(path)
    model = pop[0]
    arrays_read: list[str] = []
    original = gio._Zip.array

    def counting(self: Any, name: str, *args: Any) -> Any:
        arrays_read.append(name)
        return original(self, name, *args)

    monkeypatch.setattr(gio._Zip, "array", counting)
    for read in (gn.load_model, gn.read_checkpoint, model.load_weights):
        with pytest.raises(ModelFileError, match="load_population"):
            read(path)
    # refused from its document alone: no weight array of the population is read
    assert arrays_read and all(name == f"{gio.CONFIG_MEMBER}.npy" for name in arrays_read)
    monkeypatch.undo()
    with pytest.raises(ModelFileError, match="expected format"):  # a model file is no checkpoint
        model.save(tmp_path / "m.gn")
        load_population(tmp_path / "m.gn")
    with pytest.raises(MissingFileError):
        load_population(tmp_path / "none.gnp")


def test_a_refused_save_writes_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    X, y = _data()
    pop = _population("rmsprop")
    pop.fit(X, y, epochs=1, batch_size=8)
    path = tmp_path / "p.gnp"
    pop.save(path)
    before = path.read_bytes()
    pop.params[2][1, 0, 0] = np.nan
    with pytest.raises(DataError, match="member 1 has NaN"):
        pop.save(path)
    assert path.read_bytes() == before and not os.path.exists(temp_path(str(path)))
    with pytest.raises(gn.errors.ArgumentTypeError, match="path"):
        pop.save(3.5)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- exact resume

_CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np
    from glassnet.population import load_population

    for src, dst, epochs in json.loads(sys.argv[1]):
        X = np.random.default_rng(3).normal(size=(45, 5))
        y = (X[:, 0] - X[:, 2] > 0).astype(np.int64)
        pop = load_population(src)
        history = pop.fit(X, y, epochs=epochs, batch_size=8, seed=[4, 5, 6],
                          validation_data=(X[:9], y[:9]))
        pop.save(dst)
        with open(dst + ".json", "w") as fh:
            json.dump([h.history for h in history.histories], fh)
""")


def test_a_population_resumed_in_a_fresh_process_equals_an_unbroken_run(tmp_path: Path) -> None:
    """For each optimizer (a schedule with Adam) and dtype, with dropout and a penalty: e
    epochs, save, load in another process, e2 more = e + e2 epochs without a break."""
    X, y = _data()
    e, e2 = 2, 3
    cases, jobs = [], []
    for optimizer in OPTIMIZERS:
        for dtype in ("float32", "float64"):
            name = f"{optimizer}-{dtype}"
            whole = _population(optimizer, dtype)
            full = whole.fit(X, y, epochs=e + e2, batch_size=8, seed=[4, 5, 6],
                             validation_data=(X[:9], y[:9]))
            part = _population(optimizer, dtype)
            part.fit(X, y, epochs=e, batch_size=8, seed=[4, 5, 6],
                     validation_data=(X[:9], y[:9]))
            part.save(tmp_path / f"{name}.gnp")
            cases.append((name, whole, full))
            jobs.append([str(tmp_path / f"{name}.gnp"), str(tmp_path / f"{name}.out.gnp"), e2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(gn.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(jobs)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    for (name, whole, full), (_, out, _) in zip(cases, jobs):
        resumed = load_population(out)
        _assert_same(whole, resumed, names=False)  # weights, optimizer slots, steps, rates, epochs
        later = json.loads(Path(out + ".json").read_text())
        for k in range(whole.K):
            tail = {key: values[e:] for key, values in full[k].history.items()}
            assert later[k] == tail, name
        # and the same population trained on in this process gives the same again
        assert whole.get_weights()[0].dtype == np.dtype(name.split("-")[1])


def test_resume_differs_from_a_fresh_start(tmp_path: Path) -> None:
    """The checkpoint carries state that matters: dropping the optimizer state or the epoch
    count changes what comes next."""
    X, y = _data()
    pop = _population("adam")
    pop.fit(X, y, epochs=2, batch_size=8)
    pop.save(tmp_path / "p.gnp")
    loaded = load_population(tmp_path / "p.gnp")
    stripped = Population([restore(pop, k) for k in range(pop.K)])
    pop.fit(X, y, epochs=1, batch_size=8)
    loaded.fit(X, y, epochs=1, batch_size=8)
    stripped.fit(X, y, epochs=1, batch_size=8)
    _assert_same(pop, loaded)
    assert pop.get_weights()[0].tobytes() != stripped.get_weights()[0].tobytes()


def restore(pop: Population, k: int) -> gn.Sequential:
    """Member k's weights alone, at epoch 0 with a fresh optimizer."""
    model = gn.Sequential.from_config(pop.member_state(k)["config"])
    model.set_weights(pop.get_weights(k))
    return model


# ----------------------------------------------------------------------------- hostile files


def _saved(tmp_path: Path) -> tuple[Path, Any]:
    X, y = _data()
    pop = _population("adam")
    pop.fit(X, y, epochs=1, batch_size=8)
    path = tmp_path / "p.gnp"
    pop.save(path)
    return path, read_archive(path, {POPULATION_FORMAT: 1})


def _rewrite(tmp_path: Path, doc: dict[str, Any], arrays: list[np.ndarray]) -> Path:
    """A file with fresh, valid checksums: only the reader's own checks stand between it and
    a population."""
    path = tmp_path / "edited.gnp"
    write_archive(path, doc, arrays)
    return path


def _edit(archive: Any, **changes: Any) -> dict[str, Any]:
    return json.loads(json.dumps(dict(archive.doc, **changes)))


def test_truncated_and_corrupted_files_are_model_file_errors(tmp_path: Path) -> None:
    path, _ = _saved(tmp_path)
    blob = path.read_bytes()
    bad = tmp_path / "bad.gnp"
    rng = np.random.default_rng(0)
    cuts = sorted({0, 1, 5, 30, len(blob) // 2, len(blob) - 22, len(blob) - 1}
                  | set(rng.integers(1, len(blob), 12).tolist()))
    for cut in cuts:
        bad.write_bytes(blob[:cut])
        with pytest.raises(ModelFileError, match="bad.gnp"):
            load_population(bad)
    for at in rng.integers(0, len(blob), 40).tolist():
        damaged = bytearray(blob)
        damaged[at] ^= 0x5A
        bad.write_bytes(bytes(damaged))
        try:
            load_population(bad)  # a flipped bit in padding or a name's case may load
        except ModelFileError as exc:
            assert "bad.gnp" in str(exc)


def test_a_wrong_member_count_is_refused(tmp_path: Path) -> None:
    _, archive = _saved(tmp_path)
    arrays = archive.arrays
    cases = [
        (_edit(archive, members=4), arrays, "'member' does not list 4"),
        (_edit(archive, members=2), arrays, "'models' is not a list of 1 to 2"),
        (_edit(archive, members=0), arrays, "'members' is 0"),
        (_edit(archive, members=True), arrays, "'members' is True"),
        (_edit(archive, members=population.MAX_MEMBERS + 1), arrays, "expected a count"),
        (_edit(archive, members=2, member=archive.doc["member"][:2],
               models=archive.doc["models"][:2]), arrays,
         "leading axis of 2"),
        (archive.doc, [a[:2] for a in arrays[:1]] + arrays[1:], "leading axis of 3"),
        (archive.doc, arrays[:-1], "optimizer arrays"),
        (archive.doc, arrays + arrays[:1], "optimizer arrays"),
    ]
    for doc, arrs, message in cases:
        with pytest.raises(ModelFileError, match=message):
            load_population(_rewrite(tmp_path, doc, arrs))


def test_mismatched_members_are_refused(tmp_path: Path) -> None:
    _, archive = _saved(tmp_path)
    doc = archive.doc
    members = doc["member"]
    wider = json.loads(json.dumps(doc["models"][1]))
    wider["layers"][1]["config"]["units"] = 10  # another architecture than member 0
    epoch = json.loads(json.dumps(members))
    epoch[1]["training"]["epoch"] = 7
    step = json.loads(json.dumps(members))
    step[2]["training"]["step"] = 99
    index = json.loads(json.dumps(members))
    index[0]["model"] = 3
    extra = json.loads(json.dumps(members))
    extra[0]["owner"] = "me"
    lr = json.loads(json.dumps(members))
    lr[0]["optimizer"]["learning_rate"] = "fast"
    cases = [
        (_edit(archive, models=[doc["models"][0], wider, doc["models"][2]]),
         "member 1"),
        (_edit(archive, member=step), "member 2: the step count"),
        (_edit(archive, member=index), "member 0: 'model' is not an index"),
        (_edit(archive, member=extra), "member 0: malformed entry"),
        (_edit(archive, member=lr), "member 0: the learning rate 'fast' is not a number"),
        (_edit(archive, optimizer={"slots": ["m"], "n_weights": 6}),
         "optimizer arrays"),
        (_edit(archive, optimizer={"slots": ["m", "w"], "n_weights": 6}),
         "optimizer state does not fit"),
        (_edit(archive, training=[]), "'optimizer' and 'training'"),
    ]
    if getattr(population.Population, "_freeze", None) is None:  # before per-member epochs
        cases.append((_edit(archive, member=epoch), "do not form a population"))
    for edited, message in cases:
        with pytest.raises(ModelFileError, match=message):
            load_population(_rewrite(tmp_path, edited, archive.arrays))
    # configs that put a BatchNormalization where the file holds no arrays for it (its
    # weights and moving statistics): the counts come from the configs
    bn = json.loads(json.dumps(doc["models"]))
    for config in bn:
        config["layers"][1] = {"class": "BatchNormalization", "config": {}}
    with pytest.raises(ModelFileError, match="member 0: weights missing: .*non-trainable"):
        load_population(_rewrite(tmp_path, _edit(archive, models=bn), archive.arrays))


def test_oversized_declared_shapes_fail_before_memory_is_taken(tmp_path: Path) -> None:
    _, archive = _saved(tmp_path)
    huge = json.loads(json.dumps(archive.doc["models"]))
    huge[0]["layers"][2]["config"]["units"] = 2**40
    wide = json.loads(json.dumps(archive.doc["models"]))
    wide[0]["input_dim"] = 2**31
    for models in (huge, wide):
        path = _rewrite(tmp_path, _edit(archive, models=models), archive.arrays)
        tracemalloc.start()
        try:
            with pytest.raises(ModelFileError, match="declares"):
                load_population(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 8 * 2**20


@pytest.mark.filterwarnings("ignore::glassnet.errors.GlassnetWarning")
def test_every_failure_on_a_random_document_edit_is_a_glassnet_error(tmp_path: Path) -> None:
    """Every JSON value of the document replaced by hostile values, one at a time."""
    _, archive = _saved(tmp_path)
    hostile: list[Any] = [None, -1, 2**63, 1.5, "x", [], {}, [1, 2], {"a": 1}, True]

    def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        out = [prefix]
        if isinstance(value, dict):
            for key, v in value.items():
                out += paths(v, prefix + (key,))
        elif isinstance(value, list):
            for i, v in enumerate(value[:3]):
                out += paths(v, prefix + (i,))
        return out

    rng = np.random.default_rng(1)
    all_paths = [p for p in paths(archive.doc) if p and p[0] not in ("format", "version")]
    chosen = [all_paths[i] for i in rng.choice(len(all_paths), 60, replace=False)]
    for where in chosen:
        for value in hostile:
            doc = json.loads(json.dumps(archive.doc))
            node = doc
            for key in where[:-1]:
                node = node[key]
            node[where[-1]] = value
            try:
                load_population(_rewrite(tmp_path, doc, archive.arrays))
            except GlassnetError as exc:
                assert isinstance(exc, ModelFileError), (where, value, exc)
                assert "edited.gnp" in str(exc)


# ----------------------------------------------------------------------------- fit_with_backup


def _fit_kwargs() -> dict[str, Any]:
    X, y = _data()
    return {"batch_size": 8, "seed": [7, 8, 9], "validation_data": (X[:9], y[:9])}


def test_fit_with_backup_equals_fit_and_resumes_after_a_crash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = _data()
    whole = _population("adam", "float32")
    full = whole.fit(X, y, epochs=5, **_fit_kwargs())
    backed = _population("adam", "float32")
    history = fit_with_backup(backed, X, y, backup_dir=tmp_path / "bk", epochs=5,
                              **_fit_kwargs())
    _assert_same(whole, backed, names=False)
    for k in range(3):
        assert history[k].history == full[k].history and history[k].epoch == full[k].epoch
        assert history[k].params == full[k].params
    assert os.listdir(tmp_path / "bk") == []  # deleted once the fit completed
    # a crash in the fourth epoch: the backup holds three, and a new process goes on from it
    fit = Population.fit
    calls = []

    def crashing(self: Population, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(Population, "fit", crashing)
    with pytest.raises(KeyboardInterrupt):
        fit_with_backup(_population("adam", "float32"), X, y, backup_dir=tmp_path / "bk",
                        epochs=5, **_fit_kwargs())
    monkeypatch.setattr(Population, "fit", fit)
    saved = load_population(tmp_path / "bk" / "backup.gnp")
    assert saved.history is not None and len(saved.history[0].epoch) == 3
    (tmp_path / "bk" / ".backup.gnp.glassnet-tmp").write_bytes(b"half a save")
    resumed = _population("adam", "float32")
    history = fit_with_backup(resumed, X, y, backup_dir=tmp_path / "bk", epochs=5,
                              delete_checkpoint=False, **_fit_kwargs())
    _assert_same(whole, resumed, names=False)
    for k in range(3):
        assert history[k].history == full[k].history and history[k].epoch == full[k].epoch
    assert os.listdir(tmp_path / "bk") == ["backup.gnp"]  # kept; the debris removed
    # a backup of the whole fit: nothing left to train, the history is the fit's
    again = _population("adam", "float32")
    history = fit_with_backup(again, X, y, backup_dir=tmp_path / "bk", epochs=5,
                              **_fit_kwargs())
    _assert_same(whole, again, names=False)
    assert history[1].history == full[1].history
    assert not (tmp_path / "bk" / "backup.gnp").exists()


def test_fit_with_backup_refuses_another_fit_or_population_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = _data()
    pop = _population("sgd")
    fit_with_backup(pop, X, y, backup_dir=tmp_path / "bk", epochs=2, delete_checkpoint=False,
                    **_fit_kwargs())
    for other, kwargs, message in [
            (_population("sgd"), dict(_fit_kwargs(), batch_size=9), "other settings"),
            (_population("sgd"), dict(_fit_kwargs(), seed=1), "other settings"),
            (_population("momentum"), _fit_kwargs(), "another population"),
            (_population("sgd", K=2), _fit_kwargs() | {"seed": [7, 8]}, "another population"),
    ]:
        before = [w.tobytes() for w in other.get_weights()]
        with pytest.raises(gn.errors.ConfigError, match=message):
            fit_with_backup(other, X, y, backup_dir=tmp_path / "bk", epochs=2, **kwargs)
        assert [w.tobytes() for w in other.get_weights()] == before
        assert not np.asarray(other.epochs_trained).any()
    # a backup of one epoch of two, then a fit that refuses its arguments: pop is put back
    fit = Population.fit
    monkeypatch.setattr(Population, "fit", lambda self, *a, **k: (
        fit(self, *a, **k) if not np.asarray(self.epochs_trained).any() else 1 / 0))
    with pytest.raises(ZeroDivisionError):
        fit_with_backup(_population("sgd"), X, y, backup_dir=tmp_path / "half", epochs=2,
                        **_fit_kwargs())
    monkeypatch.setattr(Population, "fit", fit)
    fresh = _population("sgd")
    before = [w.tobytes() for w in fresh.get_weights()]
    with pytest.raises(gn.errors.ShapeError):  # refused by fit itself
        fit_with_backup(fresh, X, y, backup_dir=tmp_path / "half", epochs=2,
                        **dict(_fit_kwargs(), validation_data=(X[:9], y[:8])))
    assert not np.asarray(fresh.epochs_trained).any() and fresh.history is None
    assert [w.tobytes() for w in fresh.get_weights()] == before
    assert (tmp_path / "half" / "backup.gnp").exists()
    with pytest.raises(gn.errors.ConfigError, match="callbacks"):
        fit_with_backup(fresh, X, y, backup_dir=tmp_path / "x", callbacks=[[], [], []])
    (tmp_path / "file").write_text("")
    with pytest.raises(gn.errors.ConfigError, match="not a directory"):
        fit_with_backup(fresh, X, y, backup_dir=tmp_path / "file")
    with pytest.raises(gn.errors.ArgumentTypeError, match="pop"):
        fit_with_backup(fresh[0], X, y, backup_dir=tmp_path / "y")  # type: ignore[arg-type]


def test_members_stopped_at_different_epochs_round_trip(tmp_path: Path) -> None:
    """Per-member early stopping leaves members at different epochs and step counts: the file
    keeps each member's own, and training on continues exactly (runs once populations stop
    members one by one; skipped before)."""
    X, y = _data()
    pop = _population("adam")
    if np.ndim(pop.epochs_trained) == 0:
        pytest.skip("this glassnet's populations train their members in lockstep")
    stop = gn.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    pop.fit(X, y, epochs=3, batch_size=8, callbacks=[[stop], [], []])
    assert list(pop.epochs_trained) == [2, 3, 3]
    pop.save(tmp_path / "p.gnp")
    loaded = load_population(tmp_path / "p.gnp")
    _assert_same(pop, loaded)
    assert [len(h.epoch) for h in loaded.history.histories] == [2, 3, 3]  # type: ignore[union-attr]
    pop.fit(X, y, epochs=2, batch_size=8)
    loaded.fit(X, y, epochs=2, batch_size=8)
    _assert_same(pop, loaded)


def test_a_document_beyond_the_readers_cap_is_refused_before_writing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file ``save`` writes can be read: configs and histories beyond the JSON cap
    the reader applies are refused, and nothing is written."""
    import glassnet.io as io

    pop = _population("sgd")
    monkeypatch.setattr(io, "MAX_JSON_BYTES", 2000)
    with pytest.raises(ModelFileError, match="more than a glassnet file holds"):
        pop.save(tmp_path / "p.gnp")
    assert list(tmp_path.iterdir()) == []
