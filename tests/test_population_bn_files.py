"""Population checkpoints hold the members' non-trainable arrays: BatchNormalization's moving
statistics (and a Normalization layer's adapted statistics), stacked on the member axis as the
weights are. A BN population saved mid-training, loaded in a fresh process and trained on
equals the one trained without a break, bit for bit; ``fit_with_backup`` resumes one exactly;
a model checkpoint of a BN model loads as a population of one with its statistics; a file
whose statistics are damaged or do not fit is a ModelFileError naming it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import DataError, ModelFileError
from glassnet.io import read_archive, write_archive
from glassnet.population import Population, fit_with_backup, load_population
from glassnet.saving import CHECKPOINT_FORMAT, POPULATION_FORMAT

BN = gn.layers.BatchNormalization


def _data(m: int = 48) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    X = rng.normal(loc=0.5, scale=2.0, size=(m, 6))
    return X, ((X[:, 0] - X[:, 3] > 0) + (X[:, 1] > 1)).astype(np.int64)


def _member(seed: int, dtype: str = "float64", optimizer: str = "adam",
            first: bool = True) -> gn.Sequential:
    """A BN network with dropout: BN on the input (each member's statistics of the same rows),
    after a Dense layer, and without its offset after a dropout."""
    layers: list[Any] = [gn.Input((6,))]
    if first:
        layers.append(BN(momentum=0.8))
    layers += [gn.Dense(10, "relu"), BN(momentum=0.7), gn.Dense(7, "tanh"),
               gn.layers.Dropout(0.1 * (seed % 3)), BN(momentum=0.9, center=False),
               gn.Dense(3)]
    model = gn.Sequential(layers, seed=seed, dtype=dtype)
    opt = {"adam": lambda: gn.optimizers.Adam(0.01 * (1 + seed % 2)),
           "momentum": lambda: gn.optimizers.SGD(0.05, momentum=0.9),
           "rmsprop": lambda: gn.optimizers.RMSprop(0.005)}[optimizer]()
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=opt, metrics=["accuracy"])
    return model


def _population(dtype: str = "float64", optimizer: str = "adam", K: int = 3) -> Population:
    return Population([_member(20 + k, dtype, optimizer) for k in range(K)])


def _statistics(pop: Population) -> list[np.ndarray]:
    """The stacked non-trainable arrays: what ``get_weights(non_trainable=True)`` adds."""
    states = [pop.member_state(k)["layer_states"] for k in range(pop.K)]
    return [np.stack([s[i] for s in states]) for i in range(len(states[0]))]


def _assert_same(a: Population, b: Population) -> None:
    """Weights, moving statistics, optimizer slots, step counts, rates and epochs, bit for
    bit."""
    assert [w.tobytes() for w in a.get_weights(non_trainable=True)] == \
        [w.tobytes() for w in b.get_weights(non_trainable=True)]
    assert [s.tobytes() for s in _statistics(a)] == [s.tobytes() for s in _statistics(b)]
    for k in range(a.K):
        sa, sb = a.member_state(k)["state"], b.member_state(k)["state"]
        assert sa.keys() == sb.keys()
        for key in sa:
            assert [x.tobytes() for x in sa[key]] == [x.tobytes() for x in sb[key]]
    np.testing.assert_array_equal(a.iterations, b.iterations)
    np.testing.assert_array_equal(a.learning_rates, b.learning_rates)
    np.testing.assert_array_equal(np.asarray(a.epochs_trained), np.asarray(b.epochs_trained))
    assert a.seeds == b.seeds and a.dtype == b.dtype


def _assert_moved(stats: list[np.ndarray], dtype: Any) -> None:
    """The statistics are not their initial values (means 0, variances 1): a file that lost
    them would give those back."""
    assert len(stats) == 6  # three BN layers, mean and variance each
    for i, s in enumerate(stats):
        assert s.dtype == np.dtype(dtype)
        initial = 0.0 if i % 2 == 0 else 1.0
        assert np.all(s != initial), i
        assert not np.array_equal(s[0], s[1])  # each member its own


# ----------------------------------------------------------------------------- round trip


def test_get_weights_with_non_trainable_is_each_members_model_get_weights() -> None:
    X, y = _data()
    pop = _population()
    pop.fit(X, y, epochs=1, batch_size=8, seed=[1, 2, 3])
    stacked = pop.get_weights(non_trainable=True)
    assert len(stacked) == len(pop.get_weights()) + 6
    for k in range(pop.K):
        alone = pop[k].get_weights()
        assert [w.tobytes() for w in pop.get_weights(k, non_trainable=True)] == \
            [w.tobytes() for w in alone]
        assert [w[k].tobytes() for w in stacked] == [w.tobytes() for w in alone]
    with pytest.raises(gn.errors.ArgumentTypeError, match="non_trainable"):
        pop.get_weights(non_trainable=1)  # type: ignore[arg-type]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_bn_population_round_trips_its_moving_statistics(tmp_path: Path, dtype: str) -> None:
    X, y = _data()
    pop = _population(dtype)
    pop.fit(X, y, epochs=3, batch_size=8, seed=[1, 2, 3], validation_data=(X[:12], y[:12]))
    saved = _statistics(pop)
    _assert_moved(saved, dtype)
    pop.save(tmp_path / "p.gnp")
    loaded = load_population(tmp_path / "p.gnp")
    stats = _statistics(loaded)
    _assert_moved(stats, dtype)
    assert [s.tobytes() for s in stats] == [s.tobytes() for s in saved]
    _assert_same(pop, loaded)
    # inference reads the moving statistics: predictions equal, member by member too
    assert loaded.predict(X).tobytes() == pop.predict(X).tobytes()
    for k in range(pop.K):
        assert loaded[k].predict(X).tobytes() == pop[k].predict(X).tobytes()
        bn = [layer for layer in loaded[k].layers if isinstance(layer, BN)]
        np.testing.assert_array_equal(np.asarray(bn[0].moving_mean), saved[0][k])
    # the file: each member's get_weights() stacked (statistics after each layer's weights)
    doc = read_archive(tmp_path / "p.gnp", {POPULATION_FORMAT: 1}).doc
    assert doc["version"] == 1 and doc["optimizer"]["n_weights"] == 17
    assert [w.tobytes() for w in read_archive(tmp_path / "p.gnp",
                                              {POPULATION_FORMAT: 1}).arrays[:17]] == \
        [w.tobytes() for w in pop.get_weights(non_trainable=True)]


def test_adapted_normalization_statistics_are_kept_too(tmp_path: Path) -> None:
    """Any non-trainable array a member layer keeps: a Normalization layer adapted to other
    rows for each member (it runs in the population member by member) round-trips with the
    BN statistics."""
    X, y = _data()
    models = []
    for k in range(2):
        norm = gn.layers.Normalization()
        norm.adapt(X[k * 10:k * 10 + 20])
        model = gn.Sequential([gn.Input((6,)), norm, gn.Dense(5, "relu"), BN(), gn.Dense(3)],
                              seed=k)
        model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer="adam")
        models.append(model)
    pop = Population(models)
    pop.fit(X, y, epochs=2, batch_size=16)
    pop.save(tmp_path / "p.gnp")
    loaded = load_population(tmp_path / "p.gnp")
    _assert_same(pop, loaded)
    norm_means = [loaded.member_state(k)["layer_states"][0] for k in range(2)]
    for k in range(2):  # each member's own adapted mean, not the initial one
        assert norm_means[k].tobytes() == np.asarray(models[k].layers[0].state[0]).tobytes()
    assert not np.array_equal(norm_means[0], norm_means[1])
    assert loaded.predict(X).tobytes() == pop.predict(X).tobytes()
    for k in range(2):  # each member taken out is adapted, as its model is
        assert loaded[k].predict(X).tobytes() == pop.predict(X)[k].tobytes()
        assert loaded[k].layers[0].adapted
    pop.fit(X, y, epochs=1, batch_size=16)
    loaded.fit(X, y, epochs=1, batch_size=16)
    _assert_same(pop, loaded)


def test_members_with_statistics_stop_apart_and_round_trip(tmp_path: Path) -> None:
    """Per-member early stopping rebuilds the running members from their states (a smaller
    stack once half stopped): their Normalization and BN statistics come along, and the
    file written after such a fit trains on exactly."""
    X, y = _data()

    def members() -> list[gn.Sequential]:
        out = []
        for k in range(2):
            norm = gn.layers.Normalization()
            norm.adapt(X[k * 10:k * 10 + 20])
            model = gn.Sequential([gn.Input((6,)), norm, gn.Dense(5, "relu"), BN(),
                                   gn.Dense(3)], seed=k)
            model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                          optimizer="adam")
            out.append(model)
        return out

    alone = members()
    pop = Population(members())
    stop = gn.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    pop.fit(X, y, epochs=3, batch_size=8, seed=[1, 2], callbacks=[[stop], []])
    assert list(pop.epochs_trained) == [2, 3]
    alone[1].fit(X, y, epochs=3, batch_size=8, seed=2, verbose=0)
    assert [w.tobytes() for w in pop[1].get_weights()] == \
        [w.tobytes() for w in alone[1].get_weights()]
    pop.save(tmp_path / "p.gnp")
    loaded = load_population(tmp_path / "p.gnp")
    _assert_same(pop, loaded)
    pop.fit(X, y, epochs=1, batch_size=8)
    loaded.fit(X, y, epochs=1, batch_size=8)
    _assert_same(pop, loaded)


def test_non_finite_statistics_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    X, y = _data()
    path = tmp_path / "p.gnp"
    _population().save(path)
    before = path.read_bytes()
    models = [_member(20 + k) for k in range(3)]
    # member 2's second BN layer: its moving variance (array 9 of get_weights) diverged
    bn = models[2].layers[2]
    assert isinstance(bn, BN)
    bn.state[1][4] = np.inf
    with pytest.raises(DataError, match=r"member 2 has NaN or infinite .*\(array 9\)"):
        Population(models).save(path)
    assert path.read_bytes() == before


# ----------------------------------------------------------------------------- exact resume

_CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np
    from glassnet.population import load_population

    rng = np.random.default_rng(11)
    X = rng.normal(loc=0.5, scale=2.0, size=(48, 6))
    y = ((X[:, 0] - X[:, 3] > 0) + (X[:, 1] > 1)).astype(np.int64)
    for src, dst, epochs in json.loads(sys.argv[1]):
        pop = load_population(src)
        history = pop.fit(X, y, epochs=epochs, batch_size=8, seed=[4, 5, 6],
                          validation_data=(X[:12], y[:12]))
        pop.save(dst)
        with open(dst + ".json", "w") as fh:
            json.dump([h.history for h in history.histories], fh)
""")


def test_a_bn_population_resumed_in_a_fresh_process_equals_an_unbroken_run(
        tmp_path: Path) -> None:
    """e epochs, save, load in another process, e2 more = e + e2 epochs without a break:
    weights, moving statistics, optimizer state and history (whose validation runs at the
    moving statistics), bit for bit, for float32 and float64 and three optimizers."""
    X, y = _data()
    e, e2 = 2, 3
    fit = {"batch_size": 8, "seed": [4, 5, 6], "validation_data": (X[:12], y[:12])}
    cases, jobs = [], []
    for dtype, optimizer in [("float64", "adam"), ("float32", "momentum"),
                             ("float32", "rmsprop")]:
        name = f"{optimizer}-{dtype}"
        whole = _population(dtype, optimizer)
        full = whole.fit(X, y, epochs=e + e2, **fit)
        part = _population(dtype, optimizer)
        part.fit(X, y, epochs=e, **fit)
        _assert_moved(_statistics(part), dtype)
        part.save(tmp_path / f"{name}.gnp")
        cases.append((name, whole, full, _statistics(part)))
        jobs.append([str(tmp_path / f"{name}.gnp"), str(tmp_path / f"{name}.out.gnp"), e2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(gn.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(jobs)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    for (name, whole, full, at_save), (src, out, _) in zip(cases, jobs):
        # the file the child read held the statistics of the save, not the initial ones
        held = _statistics(load_population(src))
        assert [s.tobytes() for s in held] == [s.tobytes() for s in at_save], name
        resumed = load_population(out)
        _assert_same(whole, resumed)
        later = json.loads(Path(out + ".json").read_text())
        for k in range(whole.K):
            tail = {key: values[e:] for key, values in full[k].history.items()}
            assert later[k] == tail, name
        assert resumed.predict(X).tobytes() == whole.predict(X).tobytes()


def test_fit_with_backup_resumes_a_bn_population_exactly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = _data()
    fit = {"batch_size": 8, "seed": [7, 8, 9], "validation_data": (X[:12], y[:12])}
    whole = _population("float32")
    full = whole.fit(X, y, epochs=5, **fit)
    backed = _population("float32")
    history = fit_with_backup(backed, X, y, backup_dir=tmp_path / "all", epochs=5, **fit)
    _assert_same(whole, backed)
    # a crash in the fourth epoch: the backup holds three epochs, statistics included
    real_fit = Population.fit
    calls = []

    def crashing(self: Population, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(Population, "fit", crashing)
    with pytest.raises(KeyboardInterrupt):
        fit_with_backup(_population("float32"), X, y, backup_dir=tmp_path / "bk", epochs=5,
                        **fit)
    monkeypatch.setattr(Population, "fit", real_fit)
    backup = load_population(tmp_path / "bk" / "backup.gnp")
    three = _population("float32")
    three.fit(X, y, epochs=3, **fit)
    _assert_moved(_statistics(backup), "float32")
    assert [s.tobytes() for s in _statistics(backup)] == \
        [s.tobytes() for s in _statistics(three)]
    resumed = _population("float32")
    history = fit_with_backup(resumed, X, y, backup_dir=tmp_path / "bk", epochs=5, **fit)
    _assert_same(whole, resumed)
    for k in range(3):
        assert history[k].history == full[k].history and history[k].epoch == full[k].epoch
    assert resumed.predict(X).tobytes() == whole.predict(X).tobytes()


# ----------------------------------------------------------------------------- one model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_bn_model_checkpoint_loads_as_a_population_of_one(tmp_path: Path, dtype: str) -> None:
    X, y = _data()
    model = _member(5, dtype)
    model.fit(X, y, epochs=3, batch_size=8, seed=2, verbose=0)
    gn.save_checkpoint(model, tmp_path / "one.gnc")
    assert read_archive(tmp_path / "one.gnc", {CHECKPOINT_FORMAT: 1}).doc["format"] == \
        CHECKPOINT_FORMAT
    pop = load_population(tmp_path / "one.gnc")
    assert pop.K == 1
    expected = [s for layer in model.layers for s in layer.state]
    got = pop.member_state(0)["layer_states"]
    assert len(got) == len(expected) == 6
    for i, (a, b) in enumerate(zip(expected, got)):
        assert a.tobytes() == b.tobytes() and b.dtype == np.dtype(dtype)
        assert np.all(b != (0.0 if i % 2 == 0 else 1.0))  # moved from the initial values
    assert pop.predict(X)[0].tobytes() == model.predict(X).tobytes()
    assert pop[0].predict(X).tobytes() == model.predict(X).tobytes()
    # and it trains on as the model does
    model.fit(X, y, epochs=1, batch_size=8, seed=3, verbose=0)
    pop.fit(X, y, epochs=1, batch_size=8, seed=3)
    assert [w.tobytes() for w in pop.get_weights(0, non_trainable=True)] == \
        [w.tobytes() for w in model.get_weights()]


# ----------------------------------------------------------------------------- hostile files


def _saved(tmp_path: Path) -> tuple[Path, Any, Population]:
    X, y = _data()
    pop = _population(K=2)
    pop.fit(X, y, epochs=1, batch_size=8)
    path = tmp_path / "p.gnp"
    pop.save(path)
    return path, read_archive(path, {POPULATION_FORMAT: 1}), pop


def _rewrite(tmp_path: Path, doc: dict[str, Any], arrays: list[np.ndarray]) -> Path:
    """A file with fresh, valid checksums: only the reader's own checks refuse it."""
    path = tmp_path / "edited.gnp"
    write_archive(path, doc, arrays)
    return path


def _with_n(doc: dict[str, Any], n: int) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    doc["optimizer"]["n_weights"] = n
    return doc


def test_mismatched_statistics_arrays_are_refused(tmp_path: Path) -> None:
    """Weights of member layers: Dense W, b (0, 1); BN gamma, beta, mean, variance (2-5);
    ...; the counts and shapes come from the configs, not the document."""
    _, archive, _ = _saved(tmp_path)
    doc, arrays = archive.doc, list(archive.arrays)
    n = doc["optimizer"]["n_weights"]
    # BN(6): gamma, beta, mean, variance (0-3); Dense W, b (4, 5); BN(10) (6-9); Dense (10,
    # 11); BN(7) without beta: gamma, mean, variance (12-14); Dense (15, 16)
    assert n == 17
    mean0 = 2
    wider = arrays[:mean0] + [np.zeros((2, 7))] + arrays[mean0 + 1:]
    f32_stats = arrays[:mean0] + [arrays[mean0].astype(np.float32)] + arrays[mean0 + 1:]
    short_axis = arrays[:mean0] + [arrays[mean0][:1]] + arrays[mean0 + 1:]
    no_stats = [a for i, a in enumerate(arrays) if i not in (2, 3)]
    extra = arrays[:n] + [arrays[mean0]] + arrays[n:]
    cases = [
        (doc, wider, r"layer 'batch_normalization' expects moving_mean of shape \(6,\), "
                     r"got \(7,\)"),
        (doc, f32_stats, r"array w2 \(weight or statistics array\) has dtype float32; the "
                         r"members compute in float64"),
        (doc, short_axis, r"array w2 has shape \(1, 6\); every array of a population of 2 "
                          r"members has a leading axis of 2"),
        # statistics dropped and the document's count made to agree: the configs say more
        (_with_n(doc, n - 2), no_stats,
         r"member 0: weights missing: w15 \(dense_2/W\), w16 \(dense_2/b\); the file holds "
         r"15 for a model of 17 \(11 trainable, 6 non-trainable\)"),
        # statistics dropped, the count left: the arrays shift and the next does not fit
        (doc, no_stats, r"moving_mean of shape \(6,\), got \(6, 10\)"),
        # the document counts only the trainable arrays, as if there were no statistics
        (_with_n(doc, n - 6), arrays,
         r"weights missing: w11 \(dense_1/b\), w12 \(batch_normalization_2/gamma\), "
         r"w13 \(batch_normalization_2/moving_mean\)"),
        # one array too many among the weights
        (_with_n(doc, n + 1), extra,
         r"18 weight arrays for a model of 17 \(11 trainable, 6 non-trainable\)"),
    ]
    for edited, arrs, message in cases:
        with pytest.raises(ModelFileError, match="edited.gnp") as info:
            load_population(_rewrite(tmp_path, edited, arrs))
        assert info.match(message), (message, str(info.value))


def test_a_file_missing_many_arrays_names_the_first_and_counts_them(tmp_path: Path) -> None:
    model = gn.Sequential([gn.Input((30,)), gn.Dense(30)] + [BN() for _ in range(10)]
                          + [gn.Dense(2)], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    Population([model]).save(tmp_path / "p.gnp")
    archive = read_archive(tmp_path / "p.gnp", {POPULATION_FORMAT: 1})
    doc = _with_n(archive.doc, 4)  # the two Dense layers' arrays alone
    with pytest.raises(ModelFileError) as info:
        load_population(_rewrite(tmp_path, doc, archive.arrays[:2] + archive.arrays[42:44]))
    message = str(info.value)
    assert "edited.gnp': member 0: weights missing: w4 (batch_normalization/moving_mean), " \
        in message
    assert "w11 (batch_normalization_2/beta), ... (40 in all); the file holds 4 for a model " \
        "of 44 (24 trainable, 20 non-trainable)" in message
    assert len(message) < 600


def test_many_declared_statistics_fail_before_memory_is_taken(tmp_path: Path) -> None:
    """Configs that list hundreds of BatchNormalization layers on a wide input (their
    statistics far beyond the file's values) are refused before a layer is built: the
    memory read takes stays a small multiple of the file, for a population file and for a
    model checkpoint read as a population of one."""
    _, archive, _ = _saved(tmp_path)
    held = 30_000  # member weights: one (K, 15_000, 2) kernel...
    doc = json.loads(json.dumps(archive.doc))
    for config in doc["models"]:
        config["input_dim"] = held // 2
        config["layers"] = [{"class": "BatchNormalization", "config": {}}] * 250 + \
            [{"class": "Dense", "config": {"units": 2}}]
    doc["optimizer"] = {"slots": [], "n_weights": 2}
    K = doc["members"]
    population_file = _rewrite(tmp_path, doc, [np.zeros((K, held // 2, 2)), np.zeros((K, 2))])
    model = gn.Sequential([gn.Input((4,)), gn.Dense(2)], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    gn.save_checkpoint(model, tmp_path / "m.gnc")
    one = json.loads(json.dumps(read_archive(tmp_path / "m.gnc", {CHECKPOINT_FORMAT: 1}).doc))
    one["model"]["input_dim"] = held // 2
    one["model"]["layers"] = doc["models"][0]["layers"]
    one["optimizer"] = dict(one["optimizer"], slots=[], n_weights=2)
    checkpoint = tmp_path / "edited.gnc"
    write_archive(checkpoint, one, [np.zeros((held // 2, 2)), np.zeros(2)])
    for path in (population_file, checkpoint):
        tracemalloc.start()
        try:
            with pytest.raises(ModelFileError, match=r"edited\.gn.*declares normalization "
                                                     r"statistics of at least 60,000 values"):
                load_population(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 4 * path.stat().st_size + 2**20, peak
    # a legitimate network of as many statistics still loads: they are in its file
    wide = gn.Sequential([gn.Input((300,))] + [BN() for _ in range(40)] + [gn.Dense(2)],
                         seed=0)
    wide.compile(loss="mse", optimizer="sgd")
    Population([wide]).save(tmp_path / "wide.gnp")
    assert load_population(tmp_path / "wide.gnp").get_weights(non_trainable=True)[-3].shape \
        == (1, 300)


def test_a_damaged_statistics_array_is_refused(tmp_path: Path) -> None:
    """A statistics array rewritten inside the zip (a fresh CRC, so only the document's
    SHA-256 ties it to the file) and one with a flipped byte: ModelFileError naming the
    file."""
    path, archive, _ = _saved(tmp_path)
    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info.filename)) for info in zf.infolist()]
    target = "w2.npy"  # the first BN layer's moving mean
    assert target in [info.filename for info, _ in members]
    damaged = tmp_path / "damaged.gnp"
    for how in ("value", "flip"):
        with zipfile.ZipFile(damaged, "w", zipfile.ZIP_STORED) as zf:
            for info, data in members:
                if info.filename == target:
                    if how == "value":
                        import io as pyio
                        arr = archive.arrays[2].copy()
                        arr[0, 0] += 1.0
                        buf = pyio.BytesIO()
                        np.save(buf, arr)
                        data = buf.getvalue()
                    else:
                        data = data[:-3] + bytes([data[-3] ^ 0x10]) + data[-2:]
                zf.writestr(info, data)
        with pytest.raises(ModelFileError, match="damaged.gnp"):
            load_population(damaged)
    # the same bytes flipped in place (the zip's CRC then disagrees)
    blob = bytearray(path.read_bytes())
    at = blob.find(archive.arrays[2].tobytes())
    assert at > 0
    blob[at + 3] ^= 0x40
    damaged.write_bytes(bytes(blob))
    with pytest.raises(ModelFileError, match="damaged.gnp"):
        load_population(damaged)


def test_restore_best_weights_puts_the_moving_statistics_back_too(tmp_path: Path) -> None:
    """EarlyStopping(restore_best_weights=True) on a member restores what it restores on the
    model alone: every weight, moving statistics included (a member view's get_weights is
    its model's); the population saved afterwards holds those statistics."""
    X, y = _data(64)
    val = (X[:16], y[:16])

    def stopper() -> gn.callbacks.EarlyStopping:
        return gn.callbacks.EarlyStopping(monitor="val_loss", patience=1,
                                          restore_best_weights=True)

    def member(seed: int) -> gn.Sequential:
        model = gn.Sequential([gn.Input((6,)), gn.Dense(8, "relu"), BN(), gn.Dense(3)],
                              seed=seed)
        model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer=gn.optimizers.Adam(0.2))
        return model

    alone = [member(s) for s in (3, 4)]
    for model in alone:
        model.fit(X, y, epochs=12, batch_size=8, seed=1, verbose=0, validation_data=val,
                  callbacks=[stopper()])
    pop = Population([member(s) for s in (3, 4)])
    pop.fit(X, y, epochs=12, batch_size=8, seed=1, validation_data=val,
            callbacks=[[stopper()], [stopper()]])
    assert list(pop.epochs_trained) == [len(m.history.epoch) for m in alone]
    assert min(pop.epochs_trained) < 12  # a member stopped and restored its best epoch
    for k, model in enumerate(alone):
        assert [w.tobytes() for w in pop[k].get_weights()] == \
            [w.tobytes() for w in model.get_weights()]
    pop.save(tmp_path / "p.gnp")
    loaded = load_population(tmp_path / "p.gnp")
    for k, model in enumerate(alone):
        assert loaded.predict(X)[k].tobytes() == model.predict(X).tobytes()
