"""What the page is sent: the setup of a run (:func:`setup_for`, what does not change while
it trains) and its frames (:func:`frame_for`, one per moment shown: losses, symmetry, flagged
units, the decision over the plane, weights, unit meters and thumbnails), read with the
instruments of :mod:`glassnet.inspect`. A page's views message (:func:`parse_views`) says which
parts are shown, and only those are computed and sent."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

import glassnet as gn
import glassnet.inspect

from ..errors import ConfigError
from .config import PlayConfig, config_json
from .data import PlayData
from .networks import regularizer_expr

Array = NDArray[Any]

__all__ = ["GRID", "MAX_VIEWS_MESSAGE", "PROBE_ROWS", "SLOW_KEYS", "THUMB", "VIEWS", "dumps",
           "frame_for", "grid_points", "json_float", "parse_views", "plane_extent", "probe_rows",
           "setup_for", "unit_layers", "unit_traces", "variant_frame"]

GRID = 48          # the decision boundary: GRID x GRID points over the input plane
THUMB = 24         # each unit's thumbnail: THUMB x THUMB points
PROBE_ROWS = 512   # examples the unit meters read (dead, saturated, firing rate)


def json_float(x: float) -> float | None:
    """A float for JSON (NaN and inf become null)."""
    x = float(x)
    return round(x, 6) if math.isfinite(x) else None


def _b64(a: Array) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode("ascii")


def plane_extent(data: PlayData) -> tuple[float, float, float, float]:
    assert data.raw_train is not None and data.raw_test is not None
    X = np.concatenate([data.raw_train, data.raw_test])
    lo, hi = X.min(axis=0).astype(float), X.max(axis=0).astype(float)
    pad = 0.08 * np.maximum(hi - lo, 1e-6)
    return float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), \
        float(hi[1] + pad[1])


def grid_points(extent: tuple[float, float, float, float], n: int) -> Array:
    """``n * n`` points over the plane, row by row from the top (largest x2) down."""
    x0, x1, y0, y1 = extent
    xs = np.linspace(x0, x1, n, dtype=np.float32)
    ys = np.linspace(y1, y0, n, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def _unit_images(a: Array, activation: str) -> tuple[str, list[float]]:
    """Each column of ``a`` (points, units) as bytes 0..255 around 127.5 = 0, and its scale."""
    if activation == "sigmoid":
        u, scale = 2.0 * a - 1.0, np.ones(a.shape[1])
    else:
        scale = np.maximum(np.abs(a).max(axis=0), 1e-12)
        u = a / scale
    img = np.clip(np.rint((u + 1.0) * 127.5), 0, 255).T  # (units, points)
    return _b64(img), [float(s) for s in scale]


def _boundary(out: Array, data: PlayData) -> dict[str, str]:
    """The decision over the plane: class index and confidence per point, as bytes."""
    if data.task == "binary":
        p = out[:, 0]
        cls = (p > 0.5).astype(np.uint8)
        conf = np.abs(2.0 * p - 1.0)
    elif data.task == "multiclass":
        z = out - out.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        cls = p.argmax(axis=1).astype(np.uint8)
        k = data.n_classes
        conf = (p.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k)
    else:
        v = out[:, 0]
        scale = max(float(np.abs(v).max()), 1e-12)
        cls = (v > 0).astype(np.uint8)
        conf = np.abs(v) / scale
    conf = np.nan_to_num(conf, nan=0.0)
    return {"cls": _b64(cls), "conf": _b64(np.clip(np.rint(conf * 255), 0, 255))}


def _confusion(out: Array, data: PlayData) -> list[list[int]] | None:
    if data.task == "regression":
        return None
    pred = (out[:, 0] > 0.5).astype(np.int64) if data.task == "binary" \
        else out.argmax(axis=1)
    k = data.n_classes
    counts = np.bincount(data.y_test * k + pred, minlength=k * k).reshape(k, k)
    return counts.tolist()


def _accuracy(out: Array, y: Array, task: str) -> float | None:
    if task == "regression":
        return None
    pred = (out[:, 0] > 0.5) if task == "binary" else out.argmax(axis=1)
    return float(np.mean(pred == y))


def probe_rows(data: PlayData) -> Array:
    return data.X_train[:PROBE_ROWS]


def unit_layers(model: gn.Sequential) -> list[Any]:
    """The layers whose outputs are units (Dense), the ones the picture draws."""
    return [layer for layer in model.layers if getattr(layer, "has_units", True)]


def unit_traces(model: gn.Sequential, X: Array) -> list[tuple[Any, Any]]:
    return [(layer, tr) for layer, tr in zip(model.layers, model.trace(X))
            if getattr(layer, "has_units", True)]


#: the keys a light frame leaves out (the page keeps showing the last full frame's)
SLOW_KEYS = ("train_acc", "test_acc", "symmetry", "flagged", "confusion", "meters")

#: The page's views whose per-frame parts are computed and sent only while a page shows them:
#: ``network`` (the picture of the network in focus: its weights, unit meters and unit
#: heatmaps), ``decision`` (its output over the plane, or its confusion matrix) and ``cards``
#: (every network's output over the plane, side by side). Losses, accuracy, symmetry and
#: flagged units are small and always sent (the loss curve and the cards' text read them).
VIEWS = ("network", "decision", "cards")
MAX_VIEWS_MESSAGE = 1024  # characters of a page's views message


def parse_views(text: str) -> frozenset[str]:
    """The views a page's message ``{"views": ["network", ...]}`` names; anything else is a
    :class:`~glassnet.errors.ConfigError` naming what was expected (nothing is changed)."""
    if len(text) > MAX_VIEWS_MESSAGE:
        raise ConfigError(f"views: expected a message of at most {MAX_VIEWS_MESSAGE} "
                          f"characters, got {len(text)}")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise ConfigError("views: expected JSON {\"views\": [...]}, got text that is not "
                          "JSON") from None
    if not isinstance(raw, dict) or set(raw) != {"views"} or not isinstance(raw["views"], list):
        raise ConfigError(f'views: expected {{"views": [...]}} with nothing else, got '
                          f"{text!r:.60}")
    names = raw["views"]
    if len(names) > len(VIEWS) or not all(isinstance(v, str) and v in VIEWS for v in names) \
            or len(set(names)) != len(names):
        raise ConfigError(f"views: expected distinct names from {', '.join(VIEWS)}, "
                          f"got {names!r:.60}")
    return frozenset(names)


def variant_frame(model: gn.Sequential, data: PlayData, extent: Any,
                  detail: bool, full: bool = True, *, network: bool = True,
                  boundary: bool = True, confusion: bool = True) -> dict[str, Any]:
    """What one network shows now: losses, symmetry, flagged units, the decision, and (for the
    network in focus, ``detail``) every weight, unit meters and unit thumbnails.

    A light frame (``full=False``, while playing, between full frames a few times a second)
    carries what moves every frame (losses, the decision over the plane, weights, thumbnails)
    and leaves out :data:`SLOW_KEYS`: the page keeps the last full frame's.

    ``network``, ``boundary``, ``confusion``: whether a page shows the parts they name (the
    weights, meters and thumbnails; the output over the plane; the confusion matrix). What no
    page shows is neither computed nor sent."""
    detail_net = detail and network
    train = model.evaluate(data.X_train, data.y_train, return_dict=True)
    test = model.evaluate(data.X_test, data.y_test, return_dict=True)
    probe = probe_rows(data)
    out: dict[str, Any] = {
        "train_loss": json_float(train["loss"]), "test_loss": json_float(test["loss"]),
        "full": full,
    }
    if full:
        sym = glassnet.inspect.symmetry(model)
        flagged = glassnet.inspect.unit_status(model, probe)
        test_out = model.predict(data.X_test)
        out.update({
            "train_acc": None if data.task == "regression" else _accuracy(
                model.predict(data.X_train), data.y_train, data.task),
            "test_acc": _accuracy(test_out, data.y_test, data.task),
            "symmetry": [{"layer": s.name, "k": s.k_distinct, "n": s.n_units,
                          "groups": s.groups} for s in sym.layers],
            "flagged": [{"layer": s.layer, "unit": s.unit, "status": s.status,
                         "fraction": json_float(s.fraction), "text": str(s)} for s in flagged],
        })
        if not data.plane and confusion:
            out["confusion"] = _confusion(test_out, data)
    if data.plane and boundary:
        out["boundary"] = _boundary(model.predict(data.inputs(grid_points(extent, GRID))), data)
    if detail_net:
        weights = model.get_weights()
        # exact float32 values, little-endian, base64: hover shows the true weight, and a
        # test can tell a moved weight from one that stayed
        out["weights"] = [base64.b64encode(np.ascontiguousarray(w, dtype="<f4").tobytes())
                          .decode("ascii") for w in weights]
    if detail_net and full:
        meters = []
        for layer, tr in unit_traces(model, probe):
            act = str(layer.activation.name)
            z, a = tr.z, tr.a
            m = max(z.shape[0], 1)
            firing = (np.count_nonzero(z > 0, axis=0) / m) if act in (
                "relu", "leaky_relu", "linear") else None
            sat = None
            if act == "sigmoid":
                sat = np.count_nonzero((a < 0.01) | (a > 0.99), axis=0) / m
            elif act == "tanh":
                sat = np.count_nonzero(np.abs(a) > 0.99, axis=0) / m
            meters.append({
                "zmin": [json_float(v) for v in z.min(axis=0)],
                "zmax": [json_float(v) for v in z.max(axis=0)],
                "firing": None if firing is None else [json_float(v) for v in firing],
                "saturation": None if sat is None else [json_float(v) for v in sat],
            })
        out["meters"] = meters
    if detail_net:
        if data.plane:
            thumbs = []
            for layer, tr in unit_traces(model, data.inputs(grid_points(extent, THUMB))):
                img, scale = _unit_images(tr.a, str(layer.activation.name))
                thumbs.append({"img": img, "scale": [json_float(s) for s in scale]})
            out["thumbs"] = thumbs
    return out


def setup_for(cfg: PlayConfig, data: PlayData, models: list[gn.Sequential],
              labels: list[str], steps_per_epoch: int, m_train: int,
              capabilities: dict[str, Any]) -> dict[str, Any]:
    """What does not change while a run trains: settings, data points, the architecture."""
    model = models[0]
    setup: dict[str, Any] = {
        "type": "setup",
        "config": config_json(cfg),
        "task": data.task,
        "classes": data.class_names,
        "features": data.feature_names[:64],
        "description": data.description,
        "image_shape": list(data.image_shape) if data.image_shape else None,
        "layers": [{"name": str(layer.name), "units": int(layer.output_dim),
                    "activation": str(layer.activation.name),
                    "dropout": cfg.dropout if layer.name != "output" else 0.0}
                   for layer in unit_layers(model)],
        "regularizer": regularizer_expr(cfg),
        "n_inputs": data.n_features,
        "variants": labels,
        "steps_per_epoch": steps_per_epoch,
        "m_train": m_train,
        "m_test": int(data.X_test.shape[0]),
        "batch_size": cfg.batch_size,
        "grid": GRID, "thumb": THUMB,
        "capabilities": capabilities,
    }
    if data.plane:
        assert data.raw_train is not None and data.raw_test is not None
        extent = plane_extent(data)
        setup["extent"] = list(extent)
        # each input feature over the plane: the input units' heatmaps (they never change)
        img, scale = _unit_images(data.inputs(grid_points(extent, THUMB)), "linear")
        setup["input_thumbs"] = {"img": img, "scale": [json_float(s) for s in scale]}
        cap = 2000
        setup["points"] = {
            "train": np.round(data.raw_train[:cap].astype(np.float64), 4).tolist(),
            "train_y": data.y_train[:cap].astype(np.float64).tolist(),
            "test": np.round(data.raw_test[:cap].astype(np.float64), 4).tolist(),
            "test_y": data.y_test[:cap].astype(np.float64).tolist(),
        }
    return setup


def frame_for(models: list[gn.Sequential], data: PlayData, focus: int, step: int,
              steps_per_epoch: int, m_train: int, batch_size: int | None,
              full: bool = True, views: frozenset[str] | None = None) -> dict[str, Any]:
    """One frame of every network; ``views`` (default: all of :data:`VIEWS`) are those some
    page shows: the parts of the others are left out, and ``frame["views"]`` lists them."""
    views = frozenset(VIEWS) if views is None else views
    extent = plane_extent(data) if data.plane else None
    cards = "cards" in views and len(models) > 1
    epochs_done, in_epoch = divmod(step, steps_per_epoch)
    bs = m_train if batch_size is None else min(batch_size, m_train)
    samples = epochs_done * m_train + min(in_epoch * bs, m_train)
    return {
        "type": "frame",
        "step": step,
        "samples": samples,
        "epoch": epochs_done + in_epoch / steps_per_epoch,
        "focus": focus,
        "full": full,
        "views": [v for v in VIEWS if v in views],
        "variants": [variant_frame(mdl, data, extent, detail=(i == focus), full=full,
                                   network="network" in views,
                                   boundary=cards or ("decision" in views and i == focus),
                                   confusion="decision" in views and i == focus)
                     for i, mdl in enumerate(models)],
    }


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)
