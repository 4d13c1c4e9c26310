"""Training from a memory-mapped .npy file larger than 1 GB without loading it."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.datasets import load_arrays
from glassnet.population import Population

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads private memory from /proc/self/status")

ROWS, COLS = 1 << 20, 256  # float32: exactly 1 GiB of features


def _private_bytes() -> int:
    """Resident anonymous (private) memory of this process: file pages read through a
    mapping are not counted, copies of them are."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no RssAnon in /proc/self/status")


class PeakSampler:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _private_bytes())
            self._stop.wait(0.002)

    def __enter__(self) -> PeakSampler:
        self.peak = _private_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _private_bytes())


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    path = tmp_path_factory.mktemp("mmap") / "X.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(ROWS, COLS))
    rng = np.random.default_rng(0)
    y = np.empty(ROWS, dtype=np.int64)
    step = 1 << 16
    for start in range(0, ROWS, step):
        block = rng.standard_normal((step, COLS), dtype=np.float32)
        X[start:start + step] = block
        y[start:start + step] = block[:, :4].argmax(axis=1)
    X.flush()
    del X
    assert path.stat().st_size >= 1 << 30
    return path, y


def _model(seed: int, dtype: str = "float32") -> gn.Sequential:
    model = gn.Sequential([gn.Input((COLS,)), gn.Dense(16, "relu"), gn.Dense(4, "softmax")],
                          seed=seed, dtype=dtype)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    return model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fit_reads_a_1gb_memmap_batch_by_batch(big_file: Any, dtype: str) -> None:
    path, y = big_file
    X, _ = load_arrays(path, mmap_mode="r")
    assert isinstance(X, np.memmap)
    model = _model(0, dtype)
    with PeakSampler() as mem:
        base = _private_bytes()
        h = model.fit(X, y, epochs=1, batch_size=8192, shuffle="block", block_size=65536,
                      seed=1, verbose=0)
    # a copy of the file would be 1 GiB (2 GiB in float64); batches and model stay small
    assert mem.peak - base < 160 * 2**20, f"peak private memory grew {(mem.peak - base) >> 20} MiB"
    assert h.history["loss"][0] < np.log(4)  # it learned from the file


def test_population_reads_a_1gb_memmap(big_file: Any) -> None:
    path, y = big_file
    X = np.load(path, mmap_mode="r")
    pop = Population([_model(s) for s in range(2)])
    with PeakSampler() as mem:
        base = _private_bytes()
        h = pop.fit(X, y, epochs=1, batch_size=8192, shuffle="block", block_size=65536,
                    seed=1)  # shared batches: each batch read once for all members
    assert mem.peak - base < 300 * 2**20, f"peak private memory grew {(mem.peak - base) >> 20} MiB"
    losses = [hist.history["loss"][0] for hist in h.histories]
    assert all(loss < np.log(4) for loss in losses), losses


def test_labels_that_do_not_match_the_file_fail_before_training(big_file: Any) -> None:
    path, y = big_file
    X, _ = load_arrays(path, mmap_mode="r")
    model = _model(0)
    before = model.get_weights()
    with pytest.raises(gn.ShapeError, match=f"y has {ROWS - 1} targets but X has {ROWS}"):
        model.fit(X, y[:-1], verbose=0)
    pop = Population([_model(0)])
    with pytest.raises(gn.ShapeError, match=f"y has {ROWS - 1} targets but X has {ROWS}"):
        pop.fit(X, y[:-1])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
