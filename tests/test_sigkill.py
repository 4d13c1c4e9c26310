"""Kill a training process with SIGKILL at random moments (saves included), resume it from
the newest backup each time, and compare with a run never interrupted, bit for bit.

For each optimizer (SGD, momentum, RMSprop, Adam; shuffling and dropout on):

- a reference process trains uninterrupted and keeps every epoch's weights;
- a second process is killed after a random delay, restarted, killed again... K times, then
  left to finish. After every kill the newest backup must load, and its weights must be the
  reference's weights at that epoch; at the end the final weights must equal the reference's.

Saves are slowed (a short sleep after the archive is written, before the rename) so that a
fair share of the kills land inside a save; such a kill leaves the temporary file, which
proves where it landed and which the next save removes.

``make test`` runs 3 kills per optimizer. The long run::

    GLASSNET_SIGKILL_KILLS=25 GLASSNET_SIGKILL_REPORT=kills.json pytest tests/test_sigkill.py
"""

from __future__ import annotations

import json
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

KILLS = int(os.environ.get("GLASSNET_SIGKILL_KILLS", "3"))
REPORT = os.environ.get("GLASSNET_SIGKILL_REPORT")
EPOCHS = 12
RESULTS: dict[str, dict[str, int]] = {}

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")

_CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    import glassnet as gn

    optimizer, backup, out, reference = sys.argv[1:5]
    save = np.savez

    def slow_save(fh, *args, **kwargs):  # widen the window in which a save can be killed
        save(fh, *args, **kwargs)
        fh.flush()
        time.sleep(0.03)

    np.savez = slow_save
    optimizers = {
        "sgd": lambda: gn.optimizers.SGD(0.05),
        "momentum": lambda: gn.optimizers.SGD(0.02, momentum=0.9),
        "rmsprop": lambda: gn.optimizers.RMSprop(0.005),
        "adam": lambda: gn.optimizers.Adam(0.005),
    }
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 10)).astype(np.float32)
    y = (X[:, :3].sum(axis=1) > 0).astype(np.int64)
    model = gn.Sequential([gn.layers.Input(shape=(10,)), gn.layers.Dense(32, "relu"),
                           gn.layers.Dropout(0.2), gn.layers.Dense(2)], seed=21)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=optimizers[optimizer](), metrics=["accuracy"])
    callbacks = [gn.BackupAndRestore(backup)]
    if reference != "-":
        callbacks.append(gn.ModelCheckpoint(reference + "/ep{epoch}.gn"))
    model.fit(X, y, epochs=EPOCHS, batch_size=16, validation_split=0.1, verbose=0,
              callbacks=callbacks)
    model.save(out)
""").replace("EPOCHS", str(EPOCHS))


def _weights(path: Path | str) -> list[bytes]:
    return [w.tobytes() for w in gn.load_model(path).get_weights()]


def _start(script: Path, optimizer: str, backup: Path, out: Path,
           reference: str = "-") -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(script), optimizer, str(backup), str(out),
                             reference], stderr=subprocess.PIPE)


@pytest.fixture(scope="module", autouse=True)
def _report() -> object:
    yield
    if REPORT:
        Path(REPORT).write_text(json.dumps(RESULTS, indent=2) + "\n")


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_sigkill_at_random_moments_resumes_bit_identical(optimizer: str,
                                                         tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(_CHILD)
    reference = tmp_path / "reference"
    reference.mkdir()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import glassnet"], check=True, timeout=120)
    startup = time.perf_counter() - start
    start = time.perf_counter()
    proc = _start(script, optimizer, tmp_path / "ref-backup", tmp_path / "ref.gn",
                  str(reference))
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    duration = time.perf_counter() - start
    expected = {e: _weights(reference / f"ep{e}.gn") for e in range(1, EPOCHS + 1)}
    final_expected = _weights(tmp_path / "ref.gn")
    assert final_expected == expected[EPOCHS]

    rng = np.random.default_rng([KILLS, len(optimizer)])
    backup = tmp_path / "backup"
    backup_file = backup / gn.BackupAndRestore.FILENAME
    debris = backup / f".{gn.BackupAndRestore.FILENAME}.glassnet-tmp"
    stats = {"kills": 0, "bit_identical_resumes": 0, "unloadable": 0, "during_save": 0,
             "runs": 0}
    scale = 1.0  # shrinks when a run ends before its kill (the machine got faster)
    while True:
        stats["runs"] += 1
        proc = _start(script, optimizer, backup, tmp_path / "final.gn")
        if stats["kills"] >= KILLS:
            _, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err.decode()
            break
        # somewhere between the interpreter's start-up and the end of what is left to train
        done = gn.read_checkpoint(backup_file)[1]["fit"]["epoch"] if backup_file.exists() else 0
        left = (duration - startup) * (EPOCHS - done) / EPOCHS
        delay = scale * (startup * 0.9 + rng.uniform(0.0, 1.05) * left)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        if proc.returncode != -signal.SIGKILL:
            assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
            # finished before the kill: train again from scratch for another chance
            os.unlink(tmp_path / "final.gn")
            scale *= 0.7
            continue
        stats["kills"] += 1
        stats["during_save"] += debris.exists()
        if not backup_file.exists():  # killed before the first backup: resumes from scratch
            stats["bit_identical_resumes"] += 1
            continue
        try:
            model, info = gn.read_checkpoint(backup_file)
        except gn.GlassnetError:
            stats["unloadable"] += 1
            continue
        epoch = info["fit"]["epoch"]
        got = [w.tobytes() for w in model.get_weights()]
        stats["bit_identical_resumes"] += got == expected[epoch]
    RESULTS[optimizer] = stats
    assert stats["unloadable"] == 0
    assert stats["bit_identical_resumes"] == stats["kills"] == KILLS
    assert _weights(tmp_path / "final.gn") == final_expected
    assert not backup_file.exists() and not debris.exists()  # cleaned up by the finished run
