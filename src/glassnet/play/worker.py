"""The training worker: one controller thread that owns the run, and one thread per network
that trains it with its own ``model.fit``.

Each network's ``fit`` runs with a :class:`_Gate` callback that waits, before every optimizer
step, until the controller grants it. The controller grants steps in chunks sized to the frame
budget, waits until every network has taken them (so all of them stand at the same step, on
the same batches: ``fit`` draws its batch order from the same ``seed``), then reads them and
publishes a frame. The web server's event loop never trains and never reads a model: it only
hands commands to the controller and sends the frames it published.
"""

from __future__ import annotations

import math
import os
import queue
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

import numpy as np

import glassnet as gn
import glassnet.inspect

from ..errors import ConfigError, GlassnetError
from . import session
from .session import CsvData, PlayConfig, PlayData

__all__ = ["Worker"]

MAX_FPS = 25.0
MAX_STEPS_PER_FRAME = 10_000
FULL_PERIOD = 0.2  # while playing, a full frame (accuracy, meters, symmetry) every 0.2 s
FRAME_PERIOD = 1.0 / MAX_FPS


class _Stop(Exception):
    """Raised inside a network's fit to end it when its run is replaced."""


class _Lanes:
    """The networks' threads and the step budget they share."""

    def __init__(self, n: int) -> None:
        self.cond = threading.Condition()
        self.granted = 0
        self.done = [0] * n
        self.stopped = False
        self.error: BaseException | None = None

    def wait_turn(self, i: int) -> None:
        with self.cond:
            self.cond.wait_for(lambda: self.stopped or self.done[i] < self.granted)
            if self.stopped:
                raise _Stop

    def finished_step(self, i: int) -> None:
        with self.cond:
            self.done[i] += 1
            if self.done[i] >= self.granted:
                self.cond.notify_all()

    def grant(self, n: int) -> None:
        with self.cond:
            self.granted += n
            self.cond.notify_all()

    def wait_all(self, timeout: float = 60.0) -> None:
        with self.cond:
            ok = self.cond.wait_for(
                lambda: self.stopped or self.error is not None
                or all(d >= self.granted for d in self.done), timeout)
        if self.error is not None:
            raise self.error
        if not ok:
            raise RuntimeError("the networks did not finish their steps in time")

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify_all()


RECORDS_PER_LEVEL = 400  # recorder: 400 records one step apart, 400 two apart, 400 four ...


class _Gate(gn.Callback):
    """Holds ``fit`` before each step until the controller grants it, and hands the
    :class:`~glassnet.inspect.NeuronRecorder` the steps it should record.

    A playground may train for millions of steps, so the recorder (``every_steps=1``) is
    given a thinning schedule: the first 400 steps, then every 2nd step for 400 records,
    every 4th for the next 400, ... Its memory grows with the logarithm of the steps.
    ``steps`` lists the optimizer step of each record.
    """

    def __init__(self, lanes: _Lanes, i: int, recorder: Any) -> None:
        self.lanes, self.i, self.recorder = lanes, i, recorder
        self.step = 0
        self.stride = 1
        self.level_count = 0
        self.steps: list[int] = [0]  # the recorder's initial record

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        self.recorder.set_model(model)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.recorder.on_train_begin(logs)

    def on_batch_begin(self, step: int, logs: dict[str, Any] | None = None) -> None:
        self.lanes.wait_turn(self.i)

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        self.step += 1
        if self.step % self.stride == 0:
            self.recorder.on_batch_end(step, logs)
            self.steps.append(self.step)
            self.level_count += 1
            if self.level_count >= RECORDS_PER_LEVEL:
                self.stride *= 2
                self.level_count = 0
        self.lanes.finished_step(self.i)


class _Run:
    """One configured run: data, networks (one per variant), their fit threads."""

    def __init__(self, cfg: PlayConfig, csv: CsvData | None) -> None:
        self.cfg = cfg
        self.csv = csv
        self.data: PlayData = session.build_data(cfg, csv)
        self.variants = session.variants(cfg)
        self.models = [session.build_model(cfg, self.data, v) for v in self.variants]
        m = int(self.data.X_train.shape[0])
        self.m_train = m
        bs = cfg.batch_size
        self.steps_per_epoch = 1 if bs is None or bs >= m else math.ceil(m / bs)
        self.step = 0
        # typed weights: (variant, step, weight index, flat index, value), in the order made
        self.edits: list[tuple[int, int, int, int, float]] = []
        self.lanes = _Lanes(len(self.models))
        probe = session.probe_rows(self.data)
        self.recorders = [glassnet.inspect.NeuronRecorder(probe=probe, every_steps=1,
                                                          include_initial=True)
                          for _ in self.models]
        self.gates = [_Gate(self.lanes, i, rec) for i, rec in enumerate(self.recorders)]
        self.threads = [threading.Thread(target=self._train, args=(i,), daemon=True,
                                         name=f"glassnet-play-fit-{i}")
                        for i in range(len(self.models))]
        for t in self.threads:
            t.start()

    def _train(self, i: int) -> None:
        model = self.models[i]
        try:
            model.fit(self.data.X_train, self.data.y_train, epochs=10**9,
                      batch_size=self.cfg.batch_size, seed=self.cfg.data_seed, verbose=0,
                      callbacks=[self.gates[i]])
        except _Stop:
            pass
        except BaseException as exc:  # reported on the page, never lost
            with self.lanes.cond:
                self.lanes.error = exc
                self.lanes.cond.notify_all()

    def advance(self, n: int) -> None:
        if n <= 0:
            return
        self.lanes.grant(n)
        self.lanes.wait_all()
        self.step += n

    def close(self) -> None:
        self.lanes.stop()
        for t in self.threads:
            t.join(timeout=10)


class Worker:
    """Owns the run; every change goes through :meth:`call`, run on the controller thread."""

    def __init__(self, config: PlayConfig | None = None) -> None:
        self._queue: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
        self._run: _Run | None = None
        self._config = config or PlayConfig()
        self._csv: CsvData | None = None
        self.playing = False
        self.focus = 0
        self.error: str | None = None
        # published for the event loop (replaced, never mutated, once published)
        self.run_id = ""
        self.setup_json = ""
        self.frame_json = ""
        self.frame_version = 0
        # the last frame and the last full frame as (version, JSON, full, views), each
        # replaced in one assignment: a sender reads a consistent tuple
        self.latest: tuple[int, str, bool, frozenset[str]] = (0, "", True, frozenset())
        self.last_full = self.latest
        self.curve: list[list[float | None]] = []
        self.stats = {"frames": 0, "steps": 0, "frame_seconds": 0.0}
        self.steps_per_frame = 0  # 0: as many as the frame's time allows
        # the views some page shows (session.VIEWS): frames compute and carry only these
        self.views: frozenset[str] = frozenset(session.VIEWS)
        self._views_lock = threading.Lock()
        self._refresh_queued = False  # a full frame asked for and not yet published
        self._step_seconds = 1e-3
        self._last_frame = 0.0
        self._last_full = 0.0
        self._frame_due = 0.0  # while playing: when the next frame is due (a fixed cadence)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name="glassnet-play-controller")
        self._thread.start()
        self.call(lambda: self._configure(self._config))

    # -- the controller thread -------------------------------------------------------------
    def call(self, fn: Callable[[], Any], timeout: float = 120.0) -> Any:
        """Run ``fn`` on the controller thread (between steps) and return its result."""
        fut: Future[Any] = Future()
        self._queue.put((fn, fut))
        return fut.result(timeout=timeout)

    def pause_soon(self) -> None:
        """Ask the controller to pause, without waiting (safe from the event loop)."""
        def pause() -> None:
            if self.playing:
                self.playing = False
                self._publish_frame()
        self._queue.put((pause, Future()))

    def close(self) -> None:
        self._stopped.set()
        self._queue.put((lambda: None, Future()))
        self._thread.join(timeout=10)
        if self._run is not None:
            self._run.close()

    def _loop(self) -> None:
        while not self._stopped.is_set():
            try:
                fn, fut = self._queue.get(timeout=0.0 if self.playing else 0.2)
            except queue.Empty:
                fn, fut = None, None
            if fn is not None and fut is not None:
                try:
                    fut.set_result(fn())
                except BaseException as exc:
                    fut.set_exception(exc)
                continue
            if self.playing and self._run is not None:
                try:
                    self._play_chunk()
                except Exception as exc:  # the controller must outlive any frame
                    self.playing = False
                    self.error = f"stopped: {type(exc).__name__}: {exc}"

    def _play_chunk(self) -> None:
        """Train until this frame's time is up (leaving room to draw it), then publish."""
        run = self._run
        assert run is not None
        stop = run.cfg.stop_epochs * run.steps_per_epoch or None
        if self.steps_per_frame:  # the speed control: a fixed number of steps per frame
            n = self.steps_per_frame if stop is None else min(self.steps_per_frame,
                                                              stop - run.step)
            wait = self._last_frame + FRAME_PERIOD - time.perf_counter()
            if wait > 0:
                time.sleep(min(wait, FRAME_PERIOD))
            if n > 0 and not self._advance(n):
                return
            if stop is not None and run.step >= stop:
                self.playing = False
            self._publish_frame(light=True)
            return
        # frames are due on a fixed cadence, so a late frame (the machine busy for a moment) is
        # made up by the next ones instead of slowing every later frame; after a pause or
        # more than a frame behind, the cadence starts afresh a period after the last frame
        now = time.perf_counter()
        due = self._frame_due + FRAME_PERIOD
        if not now - FRAME_PERIOD <= due <= now + FRAME_PERIOD:
            due = self._last_frame + FRAME_PERIOD
        self._frame_due = due
        deadline = due - self.stats["frame_seconds"]
        while True:
            left = deadline - time.perf_counter()
            n = max(1, min(10_000, int(left / max(self._step_seconds, 1e-6))))
            if stop is not None:
                n = min(n, stop - run.step)
                if n <= 0:
                    break
            if not self._advance(n):
                return
            if deadline - time.perf_counter() < 2 * self._step_seconds or not self._queue.empty():
                break
        if stop is not None and run.step >= stop:
            self.playing = False  # the stop condition: paused at the end of that epoch
        self._publish_frame(light=True)

    def _train(self, n: int) -> None:
        """``n`` steps of every network, then a frame."""
        if self._advance(n):
            self._publish_frame()

    def _advance(self, n: int) -> bool:
        run = self._run
        assert run is not None
        start = time.perf_counter()
        try:
            run.advance(n)
        except BaseException as exc:
            self.playing = False
            self.error = f"training stopped: {type(exc).__name__}: {exc}"
            self._publish_frame()
            return False
        took = time.perf_counter() - start
        self._step_seconds = 0.7 * self._step_seconds + 0.3 * took / n
        self.stats["steps"] += n
        return True

    def _publish_frame(self, light: bool = False) -> None:
        """Publish a frame; ``light``: while playing, a light frame (what moves every frame)
        unless the last full one is ``FULL_PERIOD`` old. It holds the parts of the views
        some page shows (:attr:`views`), read once here."""
        run = self._run
        assert run is not None
        start = self._last_frame = time.perf_counter()
        full = not (light and self.playing and start - self._last_full < FULL_PERIOD)
        if full:
            self._last_full = start
        views = self.views
        with np.errstate(all="ignore"):  # a diverged network is reported, not warned about
            frame = session.frame_for(run.models, run.data, self.focus, run.step,
                                      run.steps_per_epoch, run.m_train, run.cfg.batch_size,
                                      full=full, views=views)
        diverged = [run.variants[i].label for i, v in enumerate(frame["variants"])
                    if v["train_loss"] is None]
        if diverged and self.error is None:
            self.playing = False
            self.error = (f"training diverged at step {run.step}: the loss of "
                          f"{', '.join(diverged)} is not a finite number (try a smaller "
                          "learning rate); Reset starts again")
        frame["playing"] = self.playing
        frame["error"] = self.error
        frame["run_id"] = self.run_id
        point: list[float | None] = [float(run.step)]
        for v in frame["variants"]:
            point += [v["train_loss"], v["test_loss"]]
        # one point per frame, but at least step/1000 steps apart: a long run keeps about a
        # thousand points per tenfold of steps, and the page redraws them all each frame
        last = self.curve[-1][0] if self.curve else None
        if last is None or (last != run.step and run.step - last >= run.step / 1000):
            self.curve.append(point)
        frame["curve_len"] = len(self.curve)
        text = session.dumps(frame)
        entry = (self.frame_version + 1, text, full, views)
        if full:
            self.last_full = entry
        self.latest = entry
        self.frame_json = text
        self.frame_version += 1
        took = time.perf_counter() - start
        self.stats["frame_seconds"] = 0.7 * self.stats["frame_seconds"] + 0.3 * took
        self.stats["frames"] += 1

    def _configure(self, cfg: PlayConfig) -> None:
        run = _Run(cfg, self._csv if cfg.dataset == "csv" else None)  # may raise: keep old run
        if self._run is not None:
            self._run.close()
        self._run = run
        self._config = cfg
        self.playing = False
        self.error = None
        self.focus = min(self.focus, len(run.models) - 1)
        run_id = secrets.token_hex(6)
        setup = session.setup_for(cfg, run.data, run.models, [v.label for v in run.variants],
                                  run.steps_per_epoch, run.m_train, capabilities())
        setup["run_id"] = run_id
        # published in this order: a reader that sees the new run_id finds the new setup
        self.curve = []
        self.setup_json = session.dumps(setup)
        self.run_id = run_id
        self._publish_frame()

    # -- commands (called from the server, through call()) ------------------------------------
    def configure(self, cfg: PlayConfig) -> None:
        self.call(lambda: self._configure(cfg))

    @property
    def config(self) -> PlayConfig:
        return self._config

    def control(self, action: str) -> dict[str, Any]:
        def act() -> dict[str, Any]:
            run = self._run
            assert run is not None
            if action == "play":
                self.playing = self.error is None
            elif action == "pause":
                self.playing = False
            elif action == "step":
                self.playing = False
                self._train(1)
            elif action == "step_epoch":
                self.playing = False
                spe = run.steps_per_epoch
                self._train((run.step // spe + 1) * spe - run.step)
            elif action == "reset":
                self._configure(self._config)
            elif action == "new_init":
                seed = int.from_bytes(os.urandom(4), "little") % (2**31 - 100)
                self._configure(replace(self._config, seed=seed))
            else:
                raise ConfigError(f"action: expected play, pause, step, step_epoch, reset or "
                                  f"new_init, got {action!r:.40}")
            if action in ("play", "pause"):
                self._publish_frame()
            return {"step": self._run.step if self._run else 0, "playing": self.playing,
                    "seed": self._config.seed}
        result: dict[str, Any] = self.call(act)
        return result

    def set_views(self, views: frozenset[str], refresh: bool = True) -> None:
        """The views some page shows (a subset of :data:`session.VIEWS`, checked here). A view
        that was hidden and is shown again gets a full frame at once (``refresh``: the
        controller publishes one next, also while paused), so it never shows an old
        picture; hiding one needs no frame. Never waits (safe from the event loop)."""
        if not isinstance(views, frozenset) or not views <= frozenset(session.VIEWS):
            raise ConfigError(f"views: expected a set of names from "
                              f"{', '.join(session.VIEWS)}, got {views!r:.60}")
        with self._views_lock:
            shown = views - self.views
            self.views = views
        if shown and refresh:
            self.refresh_soon()

    def refresh_soon(self) -> None:
        """Ask the controller for a full frame next (a page shows a view again), also while
        paused, without waiting; requests that come before it is published make one frame."""
        with self._views_lock:
            if self._refresh_queued:
                return
            self._refresh_queued = True

        def publish() -> None:
            with self._views_lock:
                self._refresh_queued = False
            if self._run is not None:
                self._publish_frame()
        self._queue.put((publish, Future()))

    def set_speed(self, steps_per_frame: int) -> None:
        """Steps per frame while playing (0: as many as the frame's time allows)."""
        if isinstance(steps_per_frame, bool) or not isinstance(steps_per_frame, int) \
                or not 0 <= steps_per_frame <= MAX_STEPS_PER_FRAME:
            raise ConfigError(f"steps_per_frame: expected an integer in "
                              f"[0, {MAX_STEPS_PER_FRAME}] (0: as fast as it goes), "
                              f"got {steps_per_frame!r:.40}")
        self.steps_per_frame = steps_per_frame

    def edit_weight(self, weight: int, index: int, value: Any) -> dict[str, Any]:
        """Set one weight of the network in focus (``weight``: its index in ``get_weights()``
        order, ``index``: the flat position in it); training goes on from the new value and
        the exported script replays the edit at the same step."""
        def act() -> dict[str, Any]:
            run = self._run
            assert run is not None
            step = run.step
            session.apply_edit(run.models[self.focus], weight, index, value)
            run.edits.append((self.focus, step, weight, index,
                              float(run.models[self.focus].weights[weight].flat[index])))
            self._publish_frame()
            return {"step": step, "value": run.edits[-1][4]}
        result: dict[str, Any] = self.call(act)
        return result

    def link_state(self) -> str:
        """The run as a link's fragment: its settings, its step and its typed weights."""
        def act() -> str:
            run = self._run
            assert run is not None
            return session.encode_link(run.cfg, run.step, run.edits)
        text: str = self.call(act)
        return text

    def open_link(self, text: str) -> dict[str, Any]:
        """Reopen the run a link describes: its settings, then its steps and typed weights
        replayed. A link that does not parse opens the defaults and says which field."""
        cfg, step, edits, message = session.decode_link(text)

        def act() -> dict[str, Any]:
            try:
                return replay(cfg, message)
            except ConfigError as exc:  # a typed weight outside the network: the defaults
                return replay(PlayConfig(), f"the link was not opened ({exc}); showing the "
                                            "defaults", replay_edits=False)

        def replay(cfg: PlayConfig, message: str | None,
                   replay_edits: bool = True) -> dict[str, Any]:
            self._configure(cfg)
            run = self._run
            assert run is not None
            pending = list(edits) if replay_edits else []
            target_step = step if replay_edits else 0
            while True:
                while pending and pending[0][1] == run.step:
                    v, _, k, i, value = pending.pop(0)
                    session.apply_edit(run.models[v], k, i, value)
                    run.edits.append((v, run.step, k, i, value))
                if run.step >= target_step:
                    break
                target = min(target_step, pending[0][1]) if pending else target_step
                run.advance(target - run.step)
            self._publish_frame()
            return {"message": message, "step": run.step}
        result: dict[str, Any] = self.call(act, timeout=600.0)
        return result

    def set_focus(self, index: int) -> None:
        def act() -> None:
            run = self._run
            assert run is not None
            if not 0 <= index < len(run.models):
                raise ConfigError(f"variant: expected 0..{len(run.models) - 1}, got {index}")
            self.focus = index
            self._publish_frame()
        self.call(act)

    def upload_csv(self, name: str, text: str) -> dict[str, Any]:
        csv = session.read_csv_upload(name, text)  # in the caller's thread: no model touched

        def act() -> dict[str, Any]:
            previous = self._csv
            self._csv = csv
            try:
                self._configure(replace(self._config, dataset="csv"))
            except GlassnetError:
                self._csv = previous
                raise
            return {"rows": int(csv.X.shape[0]), "features": int(csv.X.shape[1])}
        result: dict[str, Any] = self.call(act)
        return result

    def export_model(self) -> bytes:
        def act() -> bytes:
            run = self._run
            assert run is not None
            fd, path = tempfile.mkstemp(prefix="glassnet-play-", suffix=".glassnet")
            os.close(fd)
            try:
                gn.save_model(run.models[self.focus], path)
                with open(path, "rb") as fh:
                    return fh.read()
            finally:
                os.unlink(path)
        data: bytes = self.call(act)
        return data

    def export_script(self) -> str:
        def act() -> str:
            run = self._run
            assert run is not None
            edits = [e[1:] for e in run.edits if e[0] == self.focus]
            return session.export_script(run.cfg, run.data, run.variants[self.focus], run.step,
                                         run.steps_per_epoch, run.csv, edits)
        text: str = self.call(act)
        return text

    def unit_history(self, variant: int, layer: str, unit: int) -> dict[str, Any]:
        def act() -> dict[str, Any]:
            run = self._run
            assert run is not None
            if not 0 <= variant < len(run.models):
                raise ConfigError(f"variant: expected 0..{len(run.models) - 1}, got {variant}")
            rec = run.recorders[variant]
            hist = rec.history
            if layer not in hist:
                raise ConfigError(f"layer: expected one of {', '.join(hist)}, got {layer!r:.40}")
            units = hist[layer]["weight_norm"].shape[1]
            if not 0 <= unit < units:
                raise ConfigError(f"unit: expected 0..{units - 1}, got {unit}")
            steps = run.gates[variant].steps[:rec.n_records]
            return {"layer": layer, "unit": unit, "steps": steps,
                    "metrics": {k: [session.json_float(x) for x in v[:, unit]]
                                for k, v in hist[layer].items()}}
        result: dict[str, Any] = self.call(act)
        return result

    def weights(self, variant: int = 0) -> list[Any]:
        """Copies of a network's weights (for tests and the benchmark)."""
        run = self._run
        assert run is not None
        out: list[Any] = self.call(lambda: run.models[variant].get_weights())
        return out

    def state(self) -> dict[str, Any]:
        run = self._run
        return {"config": session.config_json(self._config), "playing": self.playing,
                "step": run.step if run else 0, "focus": self.focus, "error": self.error,
                "variants": [v.label for v in run.variants] if run else [],
                "stats": dict(self.stats), "has_csv": self._csv is not None,
                "steps_per_frame": self.steps_per_frame}


def capabilities() -> dict[str, Any]:
    """The settings this glassnet offers the page (its lists of choices)."""
    return {"datasets": list(session.DATASETS), "activations": list(session.ACTIVATIONS),
            "initializers": list(session.INITIALIZERS), "optimizers": list(session.OPTIMIZERS),
            "regularization": list(session.REGULARIZERS), "dropout": True,
            "features": list(session.feat.FEATURES)}
