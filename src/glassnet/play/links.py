"""Typed weights and links: :func:`apply_edit` sets one weight a page typed (checked first),
:func:`encode_link` writes a run (settings, step, typed weights) into a URL fragment and
:func:`decode_link` reads one back, refusing what does not parse."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qsl, urlencode

import numpy as np

import glassnet as gn

from ..errors import ConfigError
from .config import PlayConfig, parse_config

__all__ = ["MAX_LINK_CHARS", "MAX_LINK_EDITS", "MAX_LINK_STEPS", "apply_edit", "decode_link",
           "encode_link"]

MAX_LINK_STEPS = 200_000   # a link replays at most this many steps when it is opened
MAX_LINK_EDITS = 200
MAX_LINK_CHARS = 8192


def apply_edit(model: gn.Sequential, weight: Any, index: Any, value: Any) -> None:
    """Set one weight in place (checked first; a refused edit changes nothing)."""
    arrays = model.weights
    for name, v, hi in (("weight", weight, len(arrays) - 1), ("index", index, None)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0 or (hi is not None
                                                                      and v > hi):
            top = "size - 1" if hi is None else hi
            raise ConfigError(f"{name}: expected an integer in [0, {top}], got {v!r:.40}")
    target = arrays[weight]
    if index >= target.size:
        raise ConfigError(f"index: expected an integer in [0, {target.size - 1}] for weight "
                          f"{weight} of shape {tuple(target.shape)}, got {index}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or abs(value) > float(np.finfo(np.float32).max):
        raise ConfigError(f"value: expected a finite number (within float32's range), "
                          f"got {value!r:.40}")
    target.flat[index] = np.float32(value)


def _link_value(cfg: PlayConfig, key: str) -> str:
    value = getattr(cfg, key)
    if key in ("hidden", "features"):
        return ",".join(str(v) for v in value)
    if key == "batch_size":
        return "full" if value is None else str(value)
    return repr(value) if isinstance(value, float) else str(value)


def encode_link(cfg: PlayConfig, step: int,
                edits: list[tuple[int, int, int, int, float]]) -> str:
    """A URL fragment (``key=value&...``) holding every setting, the step and the typed
    weights: :func:`decode_link` reads it back to the same run. It never holds the token."""
    pairs = [(k, _link_value(cfg, k)) for k in PlayConfig.__dataclass_fields__]
    pairs.append(("step", str(step)))
    pairs += [("edit", ":".join([str(v), str(st), str(k), str(i), repr(val)]))
              for v, st, k, i, val in edits]
    return urlencode(pairs, safe=",:")


def decode_link(text: Any) -> tuple[PlayConfig, int, list[tuple[int, int, int, int, float]],
                                    str | None]:
    """``(config, step, edits, message)`` from a link's fragment. A fragment that does not
    parse (an unknown field, a value out of range) gives the defaults and a message naming
    the field; nothing of it is applied."""
    try:
        return (*_decode_link(text), None)
    except ConfigError as exc:
        return PlayConfig(), 0, [], f"the link was not opened ({exc}); showing the defaults"


def _decode_link(text: Any) -> tuple[PlayConfig, int, list[tuple[int, int, int, int, float]]]:
    if not isinstance(text, str) or len(text) > MAX_LINK_CHARS:
        raise ConfigError(f"link: expected the text after '#', at most {MAX_LINK_CHARS} "
                          f"characters")
    fields = PlayConfig.__dataclass_fields__
    raw: dict[str, Any] = {}
    step, edits = 0, []
    try:
        pairs = parse_qsl(text.lstrip("#"), keep_blank_values=True, strict_parsing=bool(text))
    except ValueError:
        raise ConfigError("link: expected key=value pairs joined by &") from None
    for key, value in pairs:
        key = key[:40]
        if key == "step":
            if not value.isdigit() or int(value) > MAX_LINK_STEPS:
                raise ConfigError(f"step: expected an integer in [0, {MAX_LINK_STEPS}], "
                                  f"got {value!r:.40}")
            step = int(value)
        elif key == "edit":
            parts = value.split(":")
            try:
                v, st, k, i = (int(p) for p in parts[:4])
                val = float(parts[4])
                if len(parts) != 5 or min(v, st, k, i) < 0 or not math.isfinite(val):
                    raise ValueError
            except (ValueError, IndexError):
                raise ConfigError(f"edit: expected variant:step:weight:index:value with a "
                                  f"finite value, got {value!r:.60}") from None
            edits.append((v, st, k, i, val))
        elif key not in fields:
            raise ConfigError(f"{key}: not a setting of the playground")
        elif key in raw:
            raise ConfigError(f"{key}: given twice")
        elif key in ("hidden", "features"):
            items = [p for p in value.split(",") if p]
            if key == "hidden":
                if not all(p.isdigit() and len(p) < 6 for p in items):
                    raise ConfigError(f"hidden: expected layer sizes like 8,8, "
                                      f"got {value!r:.40}")
                raw[key] = [int(p) for p in items]
            else:
                raw[key] = items
        elif key == "batch_size":
            raw[key] = None if value == "full" else _link_number(key, value, int)
        else:
            default = getattr(PlayConfig(), key)
            if isinstance(default, str):
                raw[key] = value
            else:
                raw[key] = _link_number(key, value, type(default))
    if len(edits) > MAX_LINK_EDITS:
        raise ConfigError(f"edit: expected at most {MAX_LINK_EDITS} typed weights, "
                          f"got {len(edits)}")
    cfg = parse_config(raw)
    n_variants = 3 if cfg.compare != "none" else 1
    for v, st, _, _, _ in edits:
        if v >= n_variants or st > step:
            raise ConfigError(f"edit: variant {v} at step {st} is outside the run "
                              f"({n_variants} network(s), step {step})")
    edits.sort(key=lambda e: e[1])  # stable: edits at one step keep their order
    return cfg, step, edits


def _link_number(key: str, value: str, kind: type) -> Any:
    try:
        return int(value) if kind is int else float(value)
    except ValueError:
        raise ConfigError(f"{key}: expected {'an integer' if kind is int else 'a number'}, "
                          f"got {value!r:.40}") from None
