"""``LiveView``: every unit of the learner's own model, live in a Jupyter notebook during ``fit``.

    view = LiveView(X_train)                  # the probe: up to 128 rows of the training data
    model.fit(X, y, epochs=40, callbacks=[view])
    view.show(epoch=5)                        # replay: the same views at any recorded epoch

It shows, updating while ``fit`` runs: the network picture (link colour and width from the
weights, the playground's drawing), each unit's activation map over the plane (2-D inputs)
or each unit's firing rate and weight norm (wider inputs), the symmetry meter (``k`` distinct
of ``n``, :func:`glassnet.inspect.symmetry`), the dead and saturated units
(:func:`glassnet.inspect.unit_status` on the probe), the training and validation loss, and,
for image inputs (64 = 8x8, 784 = 28x28, or ``image_shape=``), every first-layer unit's
incoming weights as an image. After ``fit`` a slider replays every epoch from the records
of a :class:`~glassnet.inspect.NeuronRecorder` (``view.recorder``), with no retraining.

Where it shows:

- **a Jupyter kernel with anywidget** (``pip install glassnet[notebook]``): an anywidget
  whose front end is the playground's own drawing module (``play/static/netview.js``) with
  the widget's code appended, one JavaScript source for both. It also writes a static HTML
  snapshot (below); the widget hides it where the widget runs;
- **a kernel without a widget front end** (nbconvert/nbclient execution, Jupyter without
  the widget manager, or no anywidget): that static HTML snapshot, one
  ``IPython.display`` output updated in place (``display_id``) at each epoch's end, at most
  ``snapshots_per_second`` times a second, and once more at the end;
- **a terminal** (no kernel): nothing at all; every hook is skipped.

Cost, kept small so ``fit`` slows by at most about 10% on the course's digits model: one
forward pass over the probe per epoch (the recorder's), the symmetry meter on the weights,
and messages of float32 bytes sent at most ``updates_per_second`` times a second, each
sending only what changed (a synced value that did not change is not sent again).

A model it cannot draw completely (no Dense layer, layers wider than ``max_units``, more
than ``max_inputs`` inputs) is said so once, in the view and as a warning, and it shows
what it can: the widest layers' largest units first (by incoming weight norm). Any failure
inside the view stops the view, is said once, and never stops ``fit``. A closed notebook tab
leaves training unharmed: messages to a front end that is gone are simply dropped.
"""

from __future__ import annotations

import base64
import html
import math
import struct
import time
import uuid
import warnings
import zlib
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..callbacks import Callback
from ..checks import check_float, check_int
from ..errors import ArgumentTypeError, ConfigError, GlassnetWarning, NotReadyError
from ._units import UnitPlan, activation_name, unit_plan
from .recorder import METRICS, NeuronRecorder
from .symmetry import duplicate_groups, find_duplicates
from .units import RELU_LIKE, UnitStatus

__all__ = ["LiveView", "image_shape_for"]

Array = NDArray[Any]

MODES = ("auto", "widget", "static", "off")
GRID = 24            # activation maps over the plane: GRID x GRID points
SYMMETRY_TOL = 1e-6  # symmetry(model)'s default
#: above this many pairwise comparisons (units^2 * inputs) per layer, the symmetry meter is
#: measured only for frames that are shown, not for every recorded epoch
SYMMETRY_BUDGET = 4_000_000
IMAGE_SHAPES = {64: (8, 8), 784: (28, 28)}


def image_shape_for(n_inputs: int) -> tuple[int, int] | None:
    """The image a row of ``n_inputs`` features is taken for: 64 = 8x8 (the bundled digits),
    784 = 28x28 (MNIST-like); None for other widths."""
    return IMAGE_SHAPES.get(int(n_inputs))


def _shell() -> Any:
    """The IPython shell of a Jupyter kernel, or None (a terminal, plain Python)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a kernel), False in a terminal."""
    return _shell() is not None


def _has_anywidget() -> bool:
    try:
        import anywidget  # noqa: F401
    except ImportError:
        return False
    return True


def _finite(x: Any) -> float | None:
    """A float for JSON: NaN and infinities become None."""
    x = float(x)
    return x if math.isfinite(x) else None


def _f32(*arrays: Array) -> bytes:
    return b"".join(np.ascontiguousarray(a, dtype="<f4").tobytes() for a in arrays)


# --------------------------------------------------------------------------- what is drawn

class _Layout:
    """Which layers and units the view draws, fixed when training begins."""

    def __init__(self, model: Any, probe: Array | None, max_units: int, max_inputs: int,
                 image_shape: tuple[int, int] | None) -> None:
        self.notices: list[str] = []
        plans = unit_plan(model)
        layers = model.layers
        if not plans:
            self.notices.append(
                "This model has no Dense layer: there are no units to draw. Shown: the loss "
                "curves only.")
        # the drawable chain: each layer's weights read the previous drawn layer's units
        self.plans: list[UnitPlan] = []
        width = int(layers[plans[0].index].params[0].shape[0]) if plans else 0
        for plan in plans:
            W = layers[plan.index].params[0]
            if W.ndim != 2 or (self.plans and W.shape[0] != width):
                self.notices.append(
                    f"Layer {plan.name!r} does not read the previous layer's units one to one "
                    f"(its weights are {W.shape}): the picture stops before it.")
                break
            self.plans.append(plan)
            width = int(W.shape[1])
        self.n_inputs = (int(layers[self.plans[0].index].params[0].shape[0])
                         if self.plans else 0)
        self.image_shape = image_shape or image_shape_for(self.n_inputs)
        if self.image_shape and int(np.prod(self.image_shape)) != self.n_inputs:
            self.notices.append(
                f"image_shape {self.image_shape} does not hold {self.n_inputs} inputs: "
                "no weight images.")
            self.image_shape = None
        # units shown per layer: all, or the largest max_units by incoming weight norm
        self.shown: list[Array] = []
        for plan in self.plans:
            W = np.asarray(layers[plan.index].params[0], dtype=np.float64)
            n = W.shape[1]
            if n > max_units:
                norms = np.sqrt(np.einsum("ij,ij->j", W, W))
                keep = np.sort(np.argsort(-norms, kind="stable")[:max_units])
                self.notices.append(
                    f"Layer {plan.name!r} has {n} units, more than the {max_units} the picture "
                    f"shows: shown are the {max_units} with the largest incoming weight norm.")
            else:
                keep = np.arange(n)
            self.shown.append(keep)
        # inputs shown: all, or the max_inputs that vary most on the probe (weight norm
        # without a probe)
        if self.n_inputs > max_inputs:
            if probe is not None:
                score = np.asarray(probe, dtype=np.float64).std(axis=0)
                how = "that vary most on the probe"
            else:
                W = np.asarray(layers[self.plans[0].index].params[0], dtype=np.float64)
                score = np.sqrt(np.einsum("ij,ij->i", W, W))
                how = "with the largest outgoing weight norm"
            self.inputs = np.sort(np.argsort(-score, kind="stable")[:max_inputs])
            self.notices.append(
                f"{self.n_inputs} inputs are more than the {max_inputs} the picture shows: "
                f"shown are the {max_inputs} {how}"
                + ("; the weight images below use every input." if self.image_shape else "."))
        else:
            self.inputs = np.arange(self.n_inputs)
        self.plane = self.n_inputs == 2 and probe is not None
        self.extent: tuple[float, float, float, float] | None = None
        if self.plane and probe is not None:
            lo, hi = probe.min(axis=0).astype(float), probe.max(axis=0).astype(float)
            pad = 0.08 * np.maximum(hi - lo, 1e-6)
            self.extent = (float(lo[0] - pad[0]), float(hi[0] + pad[0]),
                           float(lo[1] - pad[1]), float(hi[1] + pad[1]))
        self.subset_inputs = len(self.inputs) < self.n_inputs
        #: not every unit is drawn (the frame's bytes do not hold every weight)
        self.subset = self.subset_inputs or any(
            len(keep) < model.layers[plan.index].params[0].shape[1]
            for plan, keep in zip(self.plans, self.shown))

    def setup(self, model: Any) -> dict[str, Any]:
        """The picture's description, in the form the playground's drawing code reads."""
        layers = model.layers
        return {
            "n_inputs": int(len(self.inputs)),
            "n_inputs_total": self.n_inputs,
            "inputs": self.inputs.tolist() if self.subset_inputs else None,
            "layers": [{"name": plan.name, "units": int(len(keep)),
                        "units_total": int(layers[plan.index].params[0].shape[1]),
                        "shown": keep.tolist(),
                        "activation": activation_name(plan.activation), "dropout": 0.0}
                       for plan, keep in zip(self.plans, self.shown)],
            # the picture's thumbnails read the first layer's weights as images only when
            # every input is drawn; the image panel always has every input
            "image_shape": (list(self.image_shape)
                            if self.image_shape and not self.subset_inputs else None),
            "images": list(self.image_shape) if self.image_shape else None,
            "extent": list(self.extent) if self.extent else None,
            "thumb": GRID,
            "variants": ["model"],
            "notices": list(self.notices),
        }


def _grid(extent: tuple[float, float, float, float], n: int, dtype: Any) -> Array:
    """``n * n`` points over the plane, row by row from the top (largest x2) down."""
    x0, x1, y0, y1 = extent
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y1, y0, n))
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(dtype)


def _unit_image_bytes(a: Array, activation: str) -> bytes:
    """Each column of ``a`` (points, units) as bytes 0..255 around 127.5 = 0 (the
    playground's activation maps)."""
    if activation == "sigmoid":
        u = 2.0 * a - 1.0
    else:
        u = a / np.maximum(np.abs(a).max(axis=0), 1e-12)
    u = np.nan_to_num(u, nan=0.0)
    return np.clip(np.rint((u + 1.0) * 127.5), 0, 255).astype(np.uint8).T.tobytes()


def _symmetry(names: list[str], weights: list[Array]) -> list[dict[str, Any]]:
    """``symmetry(model)``'s k distinct of n and duplicate groups, per drawn layer, from the
    layers' weights ``[W0, b0, W1, b1, ...]`` (without its similarity matrices)."""
    out = []
    for name, W, b in zip(names, weights[0::2], weights[1::2]):
        V = np.vstack([np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)[None, :]])
        k, groups = duplicate_groups(find_duplicates(V, None, SYMMETRY_TOL)[2])
        out.append({"layer": name, "k": int(k), "n": int(V.shape[1]), "groups": groups})
    return out


def _flagged(reading: dict[str, dict[str, Array]], plans: list[UnitPlan],
             saturation: float = 0.99) -> list[dict[str, Any]]:
    """``unit_status(model, probe)``'s dead and saturated units, read from one recorder
    reading: dead = a ReLU-like unit firing on no probe example; saturated = in a flat end on
    at least ``saturation`` of them."""
    out = []
    for plan in plans:
        row = reading.get(plan.name)
        if row is None:
            continue
        act = activation_name(plan.activation)
        found: list[UnitStatus] = []
        if act in RELU_LIKE:
            found += [UnitStatus(plan.name, int(j), "dead", 1.0, act)
                      for j in np.flatnonzero(row["firing_rate"] == 0)]
        sat = row["saturation"]
        if np.isfinite(sat).any():
            found += [UnitStatus(plan.name, int(j), "saturated", float(sat[j]), act)
                      for j in np.flatnonzero(np.nan_to_num(sat, nan=-1.0) >= saturation)]
        out += [{"layer": s.layer, "unit": s.unit, "status": s.status,
                 "fraction": _finite(s.fraction), "text": str(s)} for s in found]
    return out


class _Frame:
    """One moment of training, as the view shows it: small JSON and float32 bytes. The
    symmetry meter and the flagged units are worked out when the frame is first shown
    (``LiveView._complete``), not for every recorded epoch."""

    __slots__ = ("epoch", "step", "loss", "val_loss", "symmetry", "flagged", "weights",
                 "thumbs", "live", "reading")

    def __init__(self, epoch: float, step: int, loss: float | None, val_loss: float | None,
                 symmetry: list[dict[str, Any]] | None,
                 reading: dict[str, dict[str, Array]] | None,
                 weights: bytes, thumbs: bytes, live: bool) -> None:
        self.epoch, self.step, self.loss, self.val_loss = epoch, step, loss, val_loss
        self.symmetry, self.reading = symmetry, reading
        self.flagged: list[dict[str, Any]] | None = None
        self.weights, self.thumbs, self.live = weights, thumbs, live

    def meta(self, epochs: int, done: bool, at: int | None) -> dict[str, Any]:
        return {"epoch": self.epoch, "epochs": epochs, "step": self.step,
                "loss": _finite(self.loss) if self.loss is not None else None,
                "val_loss": _finite(self.val_loss) if self.val_loss is not None else None,
                "symmetry": self.symmetry, "flagged": self.flagged, "live": self.live,
                "done": done, "at": at}


# --------------------------------------------------------------------------- the callback

class LiveView(Callback):
    """A live view of the model in a Jupyter notebook during ``fit`` (see the module doc).

    ``LiveView(X_train)``: ``data`` gives the probe (up to ``max_probe`` = 128 rows drawn with
    ``seed``) the activation views read; ``probe=X`` uses every row of ``X`` instead. With
    neither, the view shows the weights, the symmetry meter and the losses only.

    ``updates_per_second`` bounds the live messages, ``snapshots_per_second`` the static
    snapshots; ``frames_within_epochs`` draws during epochs too (default: when an epoch is
    estimated to last longer than one update interval, else at epoch ends only);
    ``max_units`` and ``max_inputs`` bound the picture; ``image_shape`` names the image a
    row is (default: 8x8 for 64 inputs, 28x28 for 784); ``mode`` is ``"auto"`` (widget in a
    kernel with anywidget, static snapshot in a kernel without, nothing in a terminal),
    ``"widget"``, ``"static"`` or ``"off"``.

    After ``fit``: ``view.epochs`` (the recorded epochs, 0 = the initial weights),
    ``view.show(epoch)`` (the replay slider's position), ``view.frame(epoch)`` (what is shown
    at that epoch, as the widget receives it), ``view.recorder`` (the NeuronRecorder),
    ``view.notices`` (what it could not draw) and ``view.failure`` (an error that stopped the
    view, else None).
    """

    def __init__(
        self,
        data: Any = None,
        *,
        probe: Any = None,
        max_probe: int = 128,
        seed: int = 0,
        updates_per_second: float = 4.0,
        frames_within_epochs: bool | None = None,
        record_every: int | None = None,
        snapshots_per_second: float = 1.0,
        max_units: int = 64,
        max_inputs: int = 64,
        image_shape: tuple[int, int] | None = None,
        mode: str = "auto",
    ) -> None:
        if data is not None and probe is not None:
            raise ConfigError("data and probe: give one, not both")
        self.max_probe = int(check_int(max_probe, "max_probe", minimum=1))
        self.seed = int(check_int(seed, "seed", minimum=0))
        self.updates_per_second = check_float(updates_per_second, "updates_per_second",
                                              minimum=0.0, include_minimum=False)
        self.snapshots_per_second = check_float(snapshots_per_second, "snapshots_per_second",
                                                minimum=0.0, include_minimum=False)
        self.max_units = int(check_int(max_units, "max_units", minimum=1))
        self.max_inputs = int(check_int(max_inputs, "max_inputs", minimum=1))
        if image_shape is not None:
            if (not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2
                    or not all(isinstance(s, (int, np.integer)) and s > 0 for s in image_shape)):
                raise ArgumentTypeError(
                    f"image_shape: expected (height, width), two positive integers, "
                    f"got {image_shape!r}")
            image_shape = (int(image_shape[0]), int(image_shape[1]))
        self.image_shape = image_shape
        if mode not in MODES:
            raise ConfigError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
        self.requested_mode = mode
        if frames_within_epochs is not None and not isinstance(frames_within_epochs, bool):
            raise ArgumentTypeError(f"frames_within_epochs: expected True, False or None, got "
                                    f"{frames_within_epochs!r}")
        self.frames_within_epochs = frames_within_epochs
        self.record_every = check_int(record_every, "record_every", minimum=1, allow_none=True)
        self._every = 1
        self._data, self._probe = data, probe
        self.mode = self._resolve_mode()
        self.recorder: NeuronRecorder | None = None
        self.widget: Any = None
        if self.mode == "widget":  # made now, so fit does not wait for anywidget's import
            self.widget = _make_widget()
            self.widget.observe(self._on_at, names="at")
        self.notices: list[str] = []
        self.failure: BaseException | None = None
        self.uid = uuid.uuid4().hex[:12]
        self._records: list[_Frame] = []
        self._curve: list[list[float | None]] = []
        self._layout: _Layout | None = None
        self._snapshot: Any = None
        self._said: set[str] = set()
        self._last_update = self._last_snapshot = -math.inf
        self._interval = 1.0 / self.updates_per_second
        self._next_mid = math.inf
        self._epochs_total = 0
        self._sym_cheap = True
        self._last_sym: list[dict[str, Any]] = []
        self._done = False
        self._sending = False
        self.sent = 0            # live messages sent (frames pushed to the widget)
        self.snapshots = 0       # static snapshots written
        self.seconds = 0.0       # wall time spent in the view's hooks during the last fit
        self._show()

    def _show(self) -> None:
        """Put the view in the notebook, where it is made (every fit with it updates it):
        the widget, and the static snapshot that stands in where widgets do not run."""
        if self.mode == "off":
            return
        from IPython.display import display

        if self.widget is not None:
            display(self.widget)
        self._snapshot = display(_HTML(self._snapshot_html(None)), display_id=True)

    def _resolve_mode(self) -> str:
        if self.requested_mode != "auto":
            return self.requested_mode
        if not _in_kernel():
            return "off"
        return "widget" if _has_anywidget() else "static"

    # -- hooks: each one guarded, so nothing here can stop fit -------------------------------
    def _skips_hook(self, hook: str) -> bool:
        """In a terminal (mode "off") or after a failure every hook is skipped; the per-step
        hook also when epochs are short (see ``_frames_within_epochs``)."""
        if self.mode == "off" or self.failure is not None:
            return True
        return hook == "on_batch_end" and not self._frames_within_epochs()

    def _frames_within_epochs(self) -> bool:
        """Whether to draw during an epoch as well: as asked, else when an epoch's arithmetic
        (6 flops per parameter per example) would take more than one update interval at a
        brisk 2 GFLOP/s. The course's digits model (about 18 MFLOP an epoch) draws at
        epoch ends only, so fit pays no per-step call; a large epoch draws in between."""
        if self.frames_within_epochs is not None:
            return self.frames_within_epochs
        params = getattr(self, "params", None) or {}
        model = getattr(self, "model", None)
        if model is None:
            return False
        examples = int(params.get("samples", 0))
        flops = 6.0 * examples * float(model.count_params())
        return flops / 2e9 > self._interval

    def _guard(self, fn: Any, *args: Any) -> None:
        if self.mode == "off" or self.failure is not None:
            return
        t0 = time.perf_counter()
        try:
            fn(*args)
        except Exception as exc:  # the view never breaks fit
            self.failure = exc
            self._say(f"LiveView stopped drawing ({type(exc).__name__}: {exc}); training "
                      "goes on.")
        finally:
            self.seconds += time.perf_counter() - t0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._guard(self._begin)

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        # a mid-epoch frame only when an epoch lasts longer than the update interval
        if time.perf_counter() >= self._next_mid:
            self._guard(self._mid_epoch, step, logs or {})

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._next_mid = max(time.perf_counter(), self._last_update) + self._interval

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._guard(self._epoch_end, epoch, logs or {})

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._guard(self._end)

    @property
    def _lay(self) -> _Layout:
        if self._layout is None:
            raise NotReadyError("LiveView: nothing drawn yet; train with it first")
        return self._layout

    # -- what the hooks do ---------------------------------------------------------------
    def _begin(self) -> None:
        model = self.model
        self.seconds = 0.0
        self._records, self._curve = [], []
        self._done = False
        self._epochs_total = int(self.params.get("epochs", 0)) if hasattr(self, "params") else 0
        self.recorder = None
        probe = None
        self._every = self._record_every()
        if self._data is not None or self._probe is not None:
            self.recorder = NeuronRecorder(probe=self._probe, data=self._data,
                                           max_probe=self.max_probe, seed=self.seed,
                                           every_epochs=self._every, include_initial=True)
            self.recorder.set_model(model)
            if hasattr(self, "params"):
                self.recorder.set_params(self.params)
            self.recorder.on_train_begin({})
            probe = self.recorder.probe
        else:
            self._say("No probe given (LiveView(X_train)): shown are the weights, the "
                      "symmetry meter and the losses; no activations, dead or saturated units.")
        self._layout = _Layout(model, probe, self.max_units, self.max_inputs, self.image_shape)
        for notice in self._layout.notices:
            self._say(notice)
        cost = max((len(model.layers[p.index].params[1]) ** 2
                    * model.layers[p.index].params[0].shape[0] for p in self._layout.plans),
                   default=0)
        self._sym_cheap = cost <= SYMMETRY_BUDGET
        self._last_sym = []
        self._start_display()
        frame = self._frame(0.0, None, None, live=False, reading=self._last_reading(),
                            symmetry=True)
        self._records.append(frame)  # shown from the first epoch's end (or within it)

    def _record_every(self) -> int:
        """Record every k-th epoch for the replay (the last epoch always): as asked, else the
        smallest k for which the recorder's reading (a forward pass over the probe and some
        column norms, about 2 flops per parameter per probe row plus a fixed 0.5 MFLOP of
        small calls) costs at most 3% of an epoch's arithmetic (6 flops per parameter per
        example). The course's digits model: every 2nd epoch; larger epochs: every one."""
        if self.record_every is not None:
            return int(self.record_every)
        params = getattr(self, "params", None) or {}
        weights = float(self.model.count_params())
        epoch = 6.0 * int(params.get("samples", 0)) * weights
        rows = self.max_probe if self._probe is None else len(self._probe)
        reading = 2.0 * rows * weights + 5e5
        if epoch <= 0:
            return 1
        return max(1, math.ceil(reading / (0.03 * epoch)))

    def _last_reading(self) -> dict[str, dict[str, Array]] | None:
        rec = self.recorder
        if rec is None or not rec._records:
            return None
        last = rec._records[-1]
        return {name: dict(zip(METRICS, cols)) for name, cols in last.items()}

    def _mid_epoch(self, step: int, logs: dict[str, Any]) -> None:
        steps = max(int(self.params.get("steps", 1)), 1) if hasattr(self, "params") else 1
        if step + 1 >= steps:  # the epoch's end is drawn right after
            return
        epoch = len(self._curve) + (step + 1) / steps
        reading = self.recorder.measure(with_grads=False) if self.recorder else None
        frame = self._frame(epoch, logs.get("loss"), None, live=True, reading=reading,
                            symmetry=True)
        self._push(frame)

    def _epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if self.recorder is not None:
            self.recorder.on_epoch_end(epoch, logs)
        n = len(self._curve) + 1  # epochs done in this fit
        loss, val = logs.get("loss"), logs.get("val_loss")
        self._curve.append([n, _finite(loss) if loss is not None else None,
                            _finite(val) if val is not None else None])
        now = time.perf_counter()
        due = self.widget is not None and now - self._last_update >= self._interval
        snap = (self._snapshot is not None
                and now - self._last_snapshot >= 1.0 / self.snapshots_per_second)
        if n % self._every == 0:  # the recorder read it too: a replay record
            frame = self._frame(float(n), loss, val, live=False, reading=self._last_reading(),
                                symmetry=self._sym_cheap or due)
            self._records.append(frame)
        elif due or snap:
            frame = self._frame(float(n), loss, val, live=False, reading=self._reading(),
                                symmetry=True)
        else:
            return
        if due:
            self._push(frame)
        if snap:
            self._last_snapshot = now
            self._write_snapshot(frame)

    def _reading(self) -> dict[str, dict[str, Array]] | None:
        """The recorder's reading now, outside its records."""
        return self.recorder.measure(with_grads=False) if self.recorder else None

    def _end(self) -> None:
        self._done = True
        n = len(self._curve)
        if n and n % self._every:  # the last epoch is always in the replay
            last = self._curve[-1]
            self._records.append(self._frame(float(n), last[1], last[2], live=False,
                                             reading=self._reading(), symmetry=True))
        if self._records:
            self._push(self._records[-1], force=True)
            self._final_snapshot()

    # -- frames ------------------------------------------------------------------------------
    def _frame(self, epoch: float, loss: Any, val_loss: Any, *, live: bool,
               reading: dict[str, dict[str, Array]] | None, symmetry: bool) -> _Frame:
        model, lay = self.model, self._lay
        parts: list[Array] = []
        prev = lay.inputs
        for plan, keep in zip(lay.plans, lay.shown):
            W, b = model.layers[plan.index].params[0], model.layers[plan.index].params[1]
            parts.append(W[np.ix_(prev, keep)] if len(prev) < W.shape[0] or len(keep) <
                         W.shape[1] else W)
            parts.append(b[keep])
            prev = keep
        # per unit: firing rate (or mean activation where firing is not defined), weight norm
        for plan, keep in zip(lay.plans, lay.shown):
            row = reading.get(plan.name) if reading else None
            if row is None:
                W = np.asarray(model.layers[plan.index].params[0], dtype=np.float64)
                parts += [np.full(len(keep), np.nan),
                          np.sqrt(np.einsum("ij,ij->j", W, W))[keep]]
                continue
            firing = row["firing_rate"]
            if not np.isfinite(firing).any():
                firing = row["act_mean"]
            parts += [firing[keep], row["weight_norm"][keep]]
        weights = _f32(*parts)
        if lay.image_shape and lay.plans and lay.subset_inputs:
            W0 = np.asarray(model.layers[lay.plans[0].index].params[0][:, lay.shown[0]],
                            dtype=np.float64)
            scale = np.maximum(np.abs(W0).max(axis=0), 1e-12)
            weights += np.clip(np.rint(W0 / scale * 127), -127, 127).astype(np.int8).T.tobytes()
        thumbs = b""
        if lay.plane and lay.extent is not None and lay.plans:
            traces = model.trace(_grid(lay.extent, GRID, model.dtype))
            chunks = []
            for plan, keep in zip(lay.plans, lay.shown):
                a = traces[plan.merged if plan.merged is not None else plan.index].a
                chunks.append(_unit_image_bytes(np.asarray(a, dtype=np.float64)[:, keep],
                                                activation_name(plan.activation)))
            thumbs = b"".join(chunks)
        sym = None
        if lay.subset and (symmetry or self._sym_cheap):  # the bytes do not hold every unit
            sym = self._last_sym = _symmetry(
                [p.name for p in lay.plans],
                [w for p in lay.plans for w in model.layers[p.index].params[:2]])
        return _Frame(epoch, self._steps_done(epoch), None if loss is None else float(loss),
                      None if val_loss is None else float(val_loss), sym, reading,
                      weights, thumbs, live)

    def _complete(self, frame: _Frame) -> _Frame:
        """Work out the frame's symmetry meter and flagged units, once."""
        lay = self._lay
        if frame.symmetry is None:
            if lay.subset:  # measured on the model at the time, when shown (large layers)
                frame.symmetry = self._last_sym
            else:
                frame.symmetry = _symmetry([p.name for p in lay.plans],
                                           self._decode(frame.weights)["weights"])
        if frame.flagged is None and frame.reading is not None:
            frame.flagged = _flagged(frame.reading, lay.plans)
        return frame

    def _steps_done(self, epoch: float) -> int:
        steps = int(self.params.get("steps", 0)) if hasattr(self, "params") else 0
        return int(round(epoch * steps))

    # -- output ------------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        """Say ``text`` once: in the view and as a warning."""
        if text in self._said:
            return
        self._said.add(text)
        self.notices.append(text)
        if self.mode != "off":
            warnings.warn(f"LiveView: {text}", GlassnetWarning, stacklevel=4)

    def _start_display(self) -> None:
        if self.widget is not None:
            w = self.widget
            with w.hold_sync():
                w.setup, w.curve, w.at, w.records, w.frame = self._setup(), [], -1, 1, {}
        # the first full snapshot after 1 / snapshots_per_second of training (or at the end)
        self._last_update, self._last_snapshot = -math.inf, time.perf_counter()

    def _setup(self) -> dict[str, Any]:
        setup = self._lay.setup(self.model)
        setup["uid"] = self.uid
        setup["notices"] = list(self.notices)
        setup["probe"] = None if self.recorder is None or self.recorder.probe is None \
            else int(self.recorder.probe.shape[0])
        return setup

    def _push(self, frame: _Frame, force: bool = False) -> None:
        if self.widget is None:
            return
        now = time.perf_counter()
        if not force and now - self._last_update < self._interval:
            return
        self._last_update = now
        self._next_mid = now + self._interval
        self._complete(frame)
        if self.widget is not None:
            w = self.widget
            with w.hold_sync():
                w.curve = list(self._curve)
                w.records = len(self._records)
                w.frame = frame.meta(self._epochs_total, self._done, None)
                w.weights = frame.weights
                w.thumbs = frame.thumbs
                if w.setup.get("notices") != self.notices:
                    w.setup = {**w.setup, "notices": list(self.notices)}
            self.sent += 1

    def _write_snapshot(self, frame: _Frame, at: int | None = None) -> None:
        if self._snapshot is not None:
            self._snapshot.update(_HTML(self._snapshot_html(self._complete(frame), at)))
            self.snapshots += 1

    def _final_snapshot(self) -> None:
        """The last snapshot: written when the cell that ran ``fit`` has finished (a Jupyter
        kernel's post_run_cell event), so drawing it does not hold up ``fit``; at once where
        there is no such event."""
        frame = self._records[-1]
        shell = _shell()
        if shell is None:
            self._write_snapshot(frame)
            return

        def write(*_: Any) -> None:
            shell.events.unregister("post_run_cell", write)
            try:
                self._write_snapshot(frame)
            except Exception as exc:  # never an error in the learner's cell
                self._say(f"LiveView could not write its snapshot ({type(exc).__name__}: "
                          f"{exc})")

        shell.events.register("post_run_cell", write)

    # -- replay ------------------------------------------------------------------------------
    @property
    def epochs(self) -> list[int]:
        """The recorded epochs (0: the initial weights; every ``record_every``-th epoch and
        the last), the replay slider's positions."""
        return [int(rec.epoch) for rec in self._records]

    def frame(self, epoch: int = -1) -> dict[str, Any]:
        """What the view shows at a recorded ``epoch`` (default: the last): the frame's
        JSON, plus its float32 values decoded (``weights``: per drawn layer ``W`` and ``b``
        of the drawn units; ``firing`` and ``weight_norm`` per drawn layer)."""
        if not self._records:
            raise NotReadyError("LiveView: nothing recorded yet; train with it first")
        index = self._index(epoch)
        rec = self._complete(self._records[index])
        meta = rec.meta(self._epochs_total, self._done, index)
        meta.update(self._decode(rec.weights))
        return meta

    def _index(self, epoch: int) -> int:
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)):
            raise ArgumentTypeError(f"epoch: expected an integer, got {epoch!r}")
        epochs = self.epochs
        if epoch == -1 and epochs:
            return len(epochs) - 1
        if epoch not in epochs:
            every = f"every {self._every}, " if self._every > 1 else ""
            shown = (f"{epochs[0]}..{epochs[-1]} ({every}the last)" if epochs else "none yet")
            raise ConfigError(f"epoch: expected one of the recorded epochs {shown} or -1 for "
                              f"the last, got {epoch}")
        return epochs.index(int(epoch))

    def _decode(self, blob: bytes) -> dict[str, Any]:
        lay = self._lay
        values = np.frombuffer(blob, dtype="<f4", count=self._n_floats())
        out: dict[str, Any] = {"weights": [], "firing": [], "weight_norm": []}
        pos, prev = 0, len(lay.inputs)
        for keep in lay.shown:
            n = len(keep)
            out["weights"].append(values[pos:pos + prev * n].reshape(prev, n))
            out["weights"].append(values[pos + prev * n:pos + prev * n + n])
            pos += prev * n + n
            prev = n
        for keep in lay.shown:
            n = len(keep)
            out["firing"].append(values[pos:pos + n])
            out["weight_norm"].append(values[pos + n:pos + 2 * n])
            pos += 2 * n
        return out

    def _n_floats(self) -> int:
        lay = self._lay
        total, prev = 0, len(lay.inputs)
        for keep in lay.shown:
            total += prev * len(keep) + 3 * len(keep)
            prev = len(keep)
        return total

    def show(self, epoch: int) -> None:
        """Show the recorded ``epoch`` in the view (as the replay slider does)."""
        index = self._index(epoch)
        if self.widget is not None:
            self.widget.at = index  # the observer below redraws
        elif self._snapshot is not None:
            self._write_snapshot(self._records[index], index)

    def _on_at(self, change: dict[str, Any]) -> None:
        index = change["new"]
        if self.widget is None or not self._records or not self._done:
            return
        if not isinstance(index, int) or not 0 <= index < len(self._records):
            index = len(self._records) - 1
        rec = self._complete(self._records[index])
        w = self.widget
        with w.hold_sync():
            w.frame = rec.meta(self._epochs_total, self._done, index)
            w.weights = rec.weights
            w.thumbs = rec.thumbs

    # -- the static snapshot -----------------------------------------------------------------
    def _snapshot_html(self, frame: _Frame | None, at: int | None = None) -> str:
        return _snapshot_html(self, frame, at)


def _make_widget() -> Any:
    """The anywidget, its class made on first use (anywidget is imported only then)."""
    import anywidget
    import traitlets

    static = resources.files("glassnet")
    esm = (static.joinpath("play", "static", "netview.js").read_text(encoding="utf-8")
           + "\n" + static.joinpath("inspect", "static", "live.js").read_text(encoding="utf-8"))
    css = static.joinpath("inspect", "static", "live.css").read_text(encoding="utf-8")

    class LiveWidget(anywidget.AnyWidget):
        _esm = esm
        _css = css
        setup = traitlets.Dict().tag(sync=True)
        frame = traitlets.Dict().tag(sync=True)
        curve = traitlets.List(traitlets.List()).tag(sync=True)
        weights = traitlets.Bytes(b"").tag(sync=True)
        thumbs = traitlets.Bytes(b"").tag(sync=True)
        records = traitlets.Int(0).tag(sync=True)
        at = traitlets.Int(-1).tag(sync=True)

        def __repr__(self) -> str:
            return ("glassnet LiveView (a live widget; where widgets do not run, the "
                    "snapshot below shows the same)")

    return LiveWidget()


class _HTML:
    """An HTML display object (IPython.display.HTML without its file/URL handling)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return "glassnet LiveView snapshot (HTML)"


# --------------------------------------------------------------------------- static HTML

_NEG, _POS = np.array([245, 147, 34.0]), np.array([8, 119, 189.0])


def _diverging(u: Array) -> Array:
    """u in [-1, 1] -> RGB bytes, white at 0 (the playground's colour scale)."""
    u = np.clip(np.nan_to_num(np.asarray(u, dtype=np.float64)), -1.0, 1.0)[..., None]
    c = np.where(u < 0, _NEG, _POS)
    return np.rint(255.0 + (c - 255.0) * np.abs(u)).astype(np.uint8)


def _png(rgb: Array) -> str:
    """A small RGB image (h, w, 3 uint8) as a data: URI of a PNG file."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _svg_network(view: LiveView, values: dict[str, Any], width: int = 420) -> str:
    lay = view._lay
    sizes = [len(lay.inputs)] + [len(k) for k in lay.shown]
    height = min(700, max(220, max(sizes[1:], default=1) * 14 + 40))
    cols = len(sizes)
    xs = [30 + (width - 60) * (c / (cols - 1) if cols > 1 else 0.5) for c in range(cols)]

    def ys(n: int) -> Array:
        return 20 + (height - 30) * (np.arange(n) + 0.5) / max(n, 1)

    parts = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             'xmlns="http://www.w3.org/2000/svg" style="background:#fff">']
    for l, W in enumerate(values["weights"][0::2]):
        a = np.abs(np.nan_to_num(W))
        if a.size == 0:
            continue
        # the 256 strongest links, grouped by sign and strength into a few paths
        floor = np.sort(a.ravel())[-256] if a.size > 256 else -1.0
        top = max(float(a.max()), 1e-12)
        y0, y1 = ys(sizes[l]), ys(sizes[l + 1])
        ii, jj = np.nonzero(a >= floor)
        level = np.minimum((4 * a[ii, jj] / top).astype(int), 3)
        sign = W[ii, jj] >= 0
        for positive in (False, True):
            for lv in range(4):
                pick = (sign == positive) & (level == lv)
                if not pick.any():
                    continue
                d = "".join(f"M{xs[l]:.0f} {y0[i]:.0f}L{xs[l + 1]:.0f} {y1[j]:.0f}"
                            for i, j in zip(ii[pick], jj[pick]))
                t = (lv + 1) / 4
                parts.append(f'<path d="{d}" fill="none" stroke="'
                             f'{"#0877bd" if positive else "#f59322"}" '
                             f'stroke-opacity="{0.15 + 0.85 * t:.2f}" '
                             f'stroke-width="{0.4 + 2.6 * t:.1f}"/>')
    flagged = {(f["layer"], f["unit"]): f["status"] for f in (values.get("flagged") or [])}
    for c, n in enumerate(sizes):
        size = max(3.0, min(12.0, (height - 30) / max(n, 1) - 2))
        for j, y in enumerate(ys(n)):
            stroke = "#999"
            if c > 0:
                name = lay.plans[c - 1].name
                status = flagged.get((name, int(lay.shown[c - 1][j])))
                stroke = {"dead": "#d62728", "saturated": "#b8860b"}.get(status or "", "#999")
            parts.append(f'<rect x="{xs[c] - size / 2:.1f}" y="{y - size / 2:.1f}" '
                         f'width="{size:.1f}" height="{size:.1f}" fill="#fff" '
                         f'stroke="{stroke}" stroke-width="{2 if stroke != "#999" else 1}"/>')
        label = "input" if c == 0 else lay.plans[c - 1].name
        parts.append(f'<text x="{xs[c]:.1f}" y="11" font-size="10" text-anchor="middle" '
                     f'fill="#666">{html.escape(label)} ({n})</text>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_curve(curve: list[list[float | None]], upto: float | None, width: int = 300,
               height: int = 140) -> str:
    pts = [p for p in curve if upto is None or (p[0] or 0) <= upto]
    parts = [f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
             'style="background:#fff;border:1px solid #ddd">']
    values = [v for p in pts for v in p[1:] if v is not None]
    if pts and values:
        top = max(values) or 1.0
        x_end = max(float(curve[-1][0] or 1), 1.0)

        def X(x: Any) -> float:
            return 30 + (width - 36) * float(x) / x_end

        def Y(v: float) -> float:
            return height - 16 - (height - 24) * v / top

        for k, dash in ((1, ""), (2, ' stroke-dasharray="4,3"')):
            line = " ".join(f"{X(p[0]):.1f},{Y(p[k]):.1f}" for p in pts  # type: ignore[arg-type]
                            if p[k] is not None)
            if line:
                parts.append(f'<polyline points="{line}" fill="none" stroke="#0877bd" '
                             f'stroke-width="1.5"{dash}/>')
        parts.append(f'<text x="2" y="12" font-size="10" fill="#666">{top:.2g}</text>'
                     f'<text x="30" y="{height - 3}" font-size="10" fill="#666">epoch 0</text>'
                     f'<text x="{width - 4}" y="{height - 3}" font-size="10" fill="#666" '
                     f'text-anchor="end">epoch {curve[-1][0]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _snapshot_html(view: LiveView, frame: _Frame | None, at: int | None) -> str:
    esc = html.escape
    out = [f'<div class="glassnet-live-snapshot" data-glassnet-view="{view.uid}" '
           'style="font-family:system-ui,sans-serif;font-size:13px;color:#222">']
    title = "glassnet live view"
    if frame is None:
        out.append(f"<div><b>{title}</b>: training starts&hellip;</div></div>")
        return "".join(out)
    lay = view._lay
    epoch = frame.epoch
    status = [f"epoch {epoch:g} of {view._epochs_total}", f"step {frame.step:,}"]
    if frame.loss is not None:
        status.append(f"loss {frame.loss:.4g}")
    if frame.val_loss is not None:
        status.append(f"val_loss {frame.val_loss:.4g}")
    out.append(f"<div><b>{title}</b> (static snapshot) &middot; {esc(' · '.join(status))}</div>")
    for notice in view.notices:
        out.append(f'<div style="color:#8a1c1c">{esc(notice)}</div>')
    values = view._decode(frame.weights)
    values["flagged"] = frame.flagged
    out.append('<div style="display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start">')
    if lay.plans:
        out.append(_svg_network(view, values))
    out.append("<div>")
    out.append('<div style="font-weight:600;margin:4px 0">Loss (solid: train, dashed: '
               "validation)</div>")
    out.append(_svg_curve(view._curve, epoch))
    out.append('<div style="font-weight:600;margin:8px 0 2px">Symmetry meter</div>')
    for s in frame.symmetry or []:
        colour = "#d62728" if s["k"] == 1 and s["n"] > 1 else "#0877bd"
        out.append(f'<div class="meter">{esc(s["layer"])}: {s["k"]} distinct of {s["n"]}'
                   f'<div style="height:7px;background:#eee;width:200px"><div style="height:7px;'
                   f'width:{200 * s["k"] / max(s["n"], 1):.0f}px;background:{colour}"></div>'
                   "</div></div>")
    out.append('<div style="font-weight:600;margin:8px 0 2px">Dead and saturated units</div>')
    if frame.flagged is None:
        out.append("<div>(needs a probe: LiveView(X_train))</div>")
    elif not frame.flagged:
        out.append("<div>none</div>")
    else:
        items = "".join(f"<li>{esc(f['text'])}</li>" for f in frame.flagged[:50])
        more = f"<li>and {len(frame.flagged) - 50} more</li>" if len(frame.flagged) > 50 else ""
        out.append(f'<ul class="flagged" style="margin:0;padding-left:18px">{items}{more}</ul>')
    out.append("</div></div>")
    if lay.image_shape and lay.plans:
        h, w = lay.image_shape
        if lay.subset_inputs:
            n = len(lay.shown[0])
            raw = np.frombuffer(frame.weights, dtype=np.int8, offset=4 * view._n_floats())
            cols = raw.reshape(n, h * w).astype(np.float64) / 127.0
        else:
            W0 = values["weights"][0].astype(np.float64)
            cols = (W0 / np.maximum(np.abs(W0).max(axis=0), 1e-12)).T
        name = lay.plans[0].name
        out.append(f'<div style="font-weight:600;margin:8px 0 2px">{esc(name)}: each unit\'s '
                   "incoming weights as an image (blue +, orange -)</div><div>")
        for j, col in zip(lay.shown[0], cols):
            out.append(f'<img class="unit-image" title="{esc(name)}[{j}]" '
                       f'src="{_png(_diverging(col.reshape(h, w)))}" width="40" height="40" '
                       'style="image-rendering:pixelated;margin:1px;border:1px solid #ddd">')
        out.append("</div>")
    out.append(_snapshot_units(view, frame, values))
    out.append("</div>")
    return "".join(out)


def _snapshot_units(view: LiveView, frame: _Frame, values: dict[str, Any]) -> str:
    """Per drawn layer: each unit's activation map (2-D inputs, as PNG images) or its firing
    rate (green) and weight norm (blue) as two small bars."""
    lay = view._lay
    out = []
    offset = 0
    for l, (plan, keep) in enumerate(zip(lay.plans, lay.shown)):
        name = html.escape(plan.name)
        if lay.plane and frame.thumbs:
            n = len(keep) * GRID * GRID
            maps = np.frombuffer(frame.thumbs, dtype=np.uint8, count=n, offset=offset)
            offset += n
            out.append(f'<div style="font-weight:600;margin:8px 0 2px">{name}: each unit\'s '
                       "activation over the input plane</div><div>")
            for j, img in zip(keep, maps.reshape(len(keep), GRID, GRID)):
                out.append(f'<img class="unit-map" title="{name}[{j}]" width="40" height="40" '
                           f'src="{_png(_diverging(img / 127.5 - 1.0))}" '
                           'style="margin:1px;border:1px solid #ddd">')
            out.append("</div>")
            continue
        firing = np.abs(np.nan_to_num(values["firing"][l], nan=0.0))
        norm = np.nan_to_num(values["weight_norm"][l], nan=0.0)
        norm = norm / max(float(norm.max()), 1e-12)
        bars = "".join(
            f'<rect x="{11 * k + 1}" y="{28 - 28 * min(f, 1):.1f}" width="4.5" '
            f'height="{28 * min(f, 1):.1f}" fill="#2ca02c"/>'
            f'<rect x="{11 * k + 5.5}" y="{28 - 28 * w:.1f}" width="4.5" height="{28 * w:.1f}" '
            'fill="#0877bd"/>' for k, (f, w) in enumerate(zip(firing, norm)))
        out.append(f'<div style="margin:4px 0"><span style="display:inline-block;width:60px;'
                   f'vertical-align:top">{name}</span><svg class="unit-bars" '
                   f'width="{11 * len(keep)}" height="28" style="background:#f2f2f2">{bars}'
                   "</svg></div>")
    if out and not lay.plane:
        out.insert(0, '<div style="font-weight:600;margin:8px 0 2px">Each unit: firing rate '
                      "(green; mean |activation| for tanh, sigmoid) and weight norm (blue, to "
                      "the layer's largest)</div>")
    return "".join(out)
