"""The playground's run: its settings, its data, its networks, the frames that show them, and
the Python script that replays it.

Everything here is plain glassnet: the data come from :mod:`glassnet.datasets`, the networks are
:class:`~glassnet.Sequential` models trained by their own ``fit``, and the panels are read with
the instruments of :mod:`glassnet.inspect` (``symmetry``, ``unit_status``, ``NeuronRecorder``).
No state here is touched by the web server's event loop: the worker thread owns it.

This module gathers the run's parts, one module each, in the order a run uses them:

* :mod:`.config`: the settings (:class:`PlayConfig`) and the check of those a page sends;
* :mod:`.links`: typed weights, and links that hold a whole run;
* :mod:`.data`: an uploaded CSV, and the data split and scaled (:class:`PlayData`);
* :mod:`.networks`: the networks compared side by side, built and written out as Python;
* :mod:`.frames`: the setup and the frames sent to a page, and the views it shows;
* :mod:`.script`: the exported script that replays the run bit for bit.
"""

from __future__ import annotations

from . import features as feat
from .config import (
    ACTIVATIONS,
    COMPARE,
    DATASETS,
    INITIALIZERS,
    MAX_HIDDEN_LAYERS,
    MAX_UNITS,
    OPTIMIZERS,
    PLANE_SETS,
    REGULARIZERS,
    TOYS,
    PlayConfig,
    config_json,
    parse_config,
)
from .data import (
    MAX_CSV_FEATURES,
    MAX_CSV_ROWS,
    CsvData,
    PlayData,
    build_data,
    read_csv_upload,
)
from .frames import (
    GRID,
    MAX_VIEWS_MESSAGE,
    PROBE_ROWS,
    SLOW_KEYS,
    THUMB,
    VIEWS,
    dumps,
    frame_for,
    grid_points,
    json_float,
    parse_views,
    plane_extent,
    probe_rows,
    setup_for,
    unit_layers,
    unit_traces,
    variant_frame,
)
from .links import (
    MAX_LINK_CHARS,
    MAX_LINK_EDITS,
    MAX_LINK_STEPS,
    apply_edit,
    decode_link,
    encode_link,
)
from .networks import (
    Variant,
    build_model,
    model_source,
    regularizer_expr,
    variants,
)
from .script import (
    export_script,
)

__all__ = ["ACTIVATIONS", "COMPARE", "DATASETS", "GRID", "INITIALIZERS", "MAX_CSV_FEATURES",
           "MAX_CSV_ROWS", "MAX_HIDDEN_LAYERS", "MAX_LINK_CHARS", "MAX_LINK_EDITS",
           "MAX_LINK_STEPS", "MAX_UNITS", "MAX_VIEWS_MESSAGE", "OPTIMIZERS", "PLANE_SETS",
           "PROBE_ROWS", "REGULARIZERS", "SLOW_KEYS", "THUMB", "TOYS", "VIEWS", "CsvData",
           "PlayConfig", "PlayData", "Variant", "apply_edit", "build_data", "build_model",
           "config_json", "decode_link", "dumps", "encode_link", "export_script", "feat",
           "frame_for", "grid_points", "json_float", "model_source", "parse_config", "parse_views",
           "plane_extent", "probe_rows", "read_csv_upload", "regularizer_expr", "setup_for",
           "unit_layers", "unit_traces", "variant_frame", "variants"]
