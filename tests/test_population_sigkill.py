"""Kill a population's training process with SIGKILL at random moments (saves included),
resume it from the newest backup (``fit_with_backup``) each time, and compare with a run
never interrupted, bit for bit: as tests/test_sigkill.py does for one model.

``make test`` runs 3 kills; ``GLASSNET_SIGKILL_KILLS=25`` for the long run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.population import load_population

KILLS = int(os.environ.get("GLASSNET_SIGKILL_KILLS", "3"))
EPOCHS = 10

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")

_CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    import glassnet as gn
    from glassnet.population import Population
    from glassnet.population import fit_with_backup

    backup, out, reference = sys.argv[1:4]
    save = np.savez

    def slow_save(fh, *args, **kwargs):  # widen the window in which a save can be killed
        save(fh, *args, **kwargs)
        fh.flush()
        time.sleep(0.03)

    np.savez = slow_save
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 10)).astype(np.float32)
    y = (X[:, :3].sum(axis=1) > 0).astype(np.int64)
    model = gn.Sequential([gn.layers.Input(shape=(10,)), gn.layers.Dense(32, "relu"),
                           gn.layers.Dropout(0.2), gn.layers.Dense(2)], seed=21)
    schedule = gn.optimizers.schedules.ExponentialDecay(0.01, decay_steps=20, decay_rate=0.9)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=gn.optimizers.Adam(schedule), metrics=["accuracy"])
    pop = Population.from_model(model, seeds=[1, 2, 3, 4])
    kwargs = dict(batch_size=16, seed=[5, 6, 7, 8], validation_data=(X[:60], y[:60]))
    if reference != "-":  # the uninterrupted run, one epoch's population after another
        pop.fit(X, y, epochs=EPOCHS, **kwargs)
        pop.save(out)
        again = Population.from_model(model, seeds=[1, 2, 3, 4])
        for epoch in range(1, EPOCHS + 1):
            again.fit(X, y, epochs=1, **kwargs)
            again.save(f"{reference}/ep{epoch}.gnp")
    else:
        fit_with_backup(pop, X, y, backup_dir=backup, epochs=EPOCHS, **kwargs)
        pop.save(out)
""").replace("EPOCHS", str(EPOCHS))


def _weights(path: Path | str) -> list[bytes]:
    pop = load_population(path)
    slots = [a.tobytes() for k in range(pop.K)
             for arrays in pop.member_state(k)["state"].values() for a in arrays]
    return [w.tobytes() for w in pop.get_weights()] + slots


def _start(script: Path, backup: Path, out: Path, reference: str = "-"
           ) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(script), str(backup), str(out), reference],
                            stderr=subprocess.PIPE)


def test_population_sigkill_at_random_moments_resumes_bit_identical(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(_CHILD)
    reference = tmp_path / "reference"
    reference.mkdir()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import glassnet"], check=True, timeout=120)
    startup = time.perf_counter() - start
    start = time.perf_counter()
    proc = _start(script, tmp_path / "unused", tmp_path / "ref.gnp", str(reference))
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    duration = (time.perf_counter() - start) / 2  # it trains the run twice
    expected = {e: _weights(reference / f"ep{e}.gnp") for e in range(1, EPOCHS + 1)}
    final_expected = _weights(tmp_path / "ref.gnp")
    assert final_expected == expected[EPOCHS]

    rng = np.random.default_rng([KILLS, 7])
    backup = tmp_path / "backup"
    backup_file = backup / "backup.gnp"
    debris = backup / ".backup.gnp.glassnet-tmp"
    stats = {"kills": 0, "bit_identical_resumes": 0, "unloadable": 0, "during_save": 0}
    scale = 1.0
    while True:
        proc = _start(script, backup, tmp_path / "final.gnp")
        if stats["kills"] >= KILLS:
            _, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err.decode()
            break
        done = 0
        if backup_file.exists():
            done = len(load_population(backup_file).history[0].epoch)  # type: ignore[index]
        left = (duration - startup) * (EPOCHS - done) / EPOCHS
        delay = scale * (startup * 0.9 + rng.uniform(0.0, 1.05) * left)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        if proc.returncode != -signal.SIGKILL:
            assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
            os.unlink(tmp_path / "final.gnp")  # finished before the kill: start again
            scale *= 0.7
            continue
        stats["kills"] += 1
        stats["during_save"] += debris.exists()
        if not backup_file.exists():
            stats["bit_identical_resumes"] += 1
            continue
        try:
            epoch = len(load_population(backup_file).history[0].epoch)  # type: ignore[index]
            got = _weights(backup_file)
        except gn.GlassnetError:
            stats["unloadable"] += 1
            continue
        stats["bit_identical_resumes"] += got == expected[epoch]
    print(stats)
    assert stats["unloadable"] == 0
    assert stats["bit_identical_resumes"] == stats["kills"] == KILLS
    assert _weights(tmp_path / "final.gnp") == final_expected
    assert not backup_file.exists() and not debris.exists()
