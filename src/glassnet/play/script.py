"""The exported script (:func:`export_script`): plain glassnet Python that rebuilds the
run's data and network and replays its optimizer steps with ``model.fit``, bit for bit."""

from __future__ import annotations

from . import features as feat
from .config import PlayConfig
from .data import CsvData, PlayData
from .networks import Variant, model_source, regularizer_expr

__all__ = ["export_script"]

def export_script(cfg: PlayConfig, data: PlayData, v: Variant, steps: int,
                  steps_per_epoch: int, csv: CsvData | None,
                  edits: list[tuple[int, int, int, float]] | None = None) -> str:
    """A Python script that rebuilds this network and replays its ``steps`` optimizer steps
    with ``model.fit``: its weights equal the playground's bit for bit."""
    lines = [
        '"""The glassnet playground\'s run, replayed.',
        "",
        f"Data: {data.description}. Network: {v.label} initialization, seed {v.seed}.",
        f"Training: {steps} optimizer steps ({cfg.optimizer}, learning rate "
        f"{cfg.learning_rate:g}, batch size {cfg.batch_size or 'full'}"
        + (f", {cfg.regularization} {cfg.reg_rate:g}" if regularizer_expr(cfg) else "")
        + (f", dropout {cfg.dropout:g}" if cfg.dropout else "") + ").",
        "Running it rebuilds the network, trains it exactly as the playground did, and",
        "writes playground-replay.glassnet; next to the playground's exported model file",
        "it checks that every weight is equal, bit for bit.",
        '"""',
        "",
        "import math",
        "import os",
        "",
        "import numpy as np",
        "",
        "import glassnet as gn",
        "",
        f"STEPS = {steps}  # optimizer steps the playground had taken",
        "",
    ]
    n, noise, seed = cfg.n_samples, cfg.noise, cfg.data_seed
    if cfg.dataset == "circles":
        lines.append(f"X, y = gn.datasets.make_circles({n}, noise={noise!r}, factor=0.5, "
                     f"seed={seed})")
    elif cfg.dataset == "moons":
        lines.append(f"X, y = gn.datasets.make_moons({n}, noise={noise!r}, seed={seed})")
    elif cfg.dataset == "xor":
        lines.append(f"X, y = gn.datasets.make_xor({n}, noise={noise!r}, seed={seed})")
    elif cfg.dataset == "gaussians":
        lines.append(f"X, y = gn.datasets.make_gaussians({n}, centers={cfg.n_classes}, "
                     f"std={max(noise, 1e-3) * 5!r}, seed={seed})")
    elif cfg.dataset == "spirals":
        lines.append(f"X, y = gn.datasets.make_spirals({n}, n_classes={cfg.n_classes}, "
                     f"noise={noise!r}, seed={seed})")
    elif cfg.dataset in feat.REGRESSION_SETS:
        lines.append("from glassnet.play.features import make_" + cfg.dataset)
        lines.append(f"X, y = make_{cfg.dataset}({n}, noise={noise!r}, seed={seed})")
    elif cfg.dataset == "coffee":
        lines.append(f"X, y = gn.datasets.load_coffee({n}, {seed})")
        lines.append("y = y.astype(np.int64)")
    elif cfg.dataset == "digits":
        lines.append("X, y = gn.datasets.load_digits(return_X_y=True)")
    else:
        assert csv is not None
        lines += [
            "# The uploaded CSV, written next to this script and read by glassnet's loader.",
            f"CSV_TEXT = {csv.text!r}",
            "with open('playground-data.csv', 'w', encoding='utf-8', newline='') as fh:",
            "    fh.write(CSV_TEXT)",
            "X, y = gn.datasets.load_csv('playground-data.csv')",
        ]
    if data.task != "regression":
        lines.append("y = np.unique(y, return_inverse=True)[1].astype(np.int64)  "
                     "# labels as 0..k-1")
    lines.append(
        "X_train, X_test, y_train, y_test = gn.datasets.train_test_split(\n"
        f"    X, y, test_size={cfg.test_fraction!r}, seed={seed}, "
        f"stratify={data.task != 'regression'})")
    if data.standardized:
        lines += ["scaler = gn.datasets.Standardizer().fit(X_train)",
                  "X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)"]
    lines += ["X_train = np.ascontiguousarray(X_train, dtype=np.float32)",
              "X_test = np.ascontiguousarray(X_test, dtype=np.float32)"]
    if data.plane:
        lines += ["from glassnet.play.features import transform",
                  f"FEATURES = {data.features!r}  # the network's inputs, computed from (x1, x2)",
                  "X_train, X_test = transform(X_train, FEATURES), transform(X_test, FEATURES)"]
    lines.append("")
    lines.append(model_source(cfg, data, v))
    lines += [
        "",
        "",
        "# Weights typed in the playground: (step, weight index, flat index, value), each set",
        "# before the optimizer step after `step` steps, as the playground set it.",
        f"EDITS = {[tuple(e) for e in (edits or [])]!r}",
        "",
        "",
        "def apply_edits(model, done, applied):",
        "    for n, (step, k, i, value) in enumerate(EDITS):",
        "        if n not in applied and step <= done:",
        "            model.weights[k].flat[i] = np.float32(value)",
        "            applied.add(n)",
        "",
        "",
        "class StopAfter(gn.Callback):",
        '    """Stop fit after a number of optimizer steps (the playground may pause',
        '    mid-epoch), and set the typed weights at their steps."""',
        "",
        "    def __init__(self, steps, applied):",
        "        self.steps, self.done, self.applied = steps, 0, applied",
        "",
        "    def on_batch_begin(self, step, logs=None):",
        "        apply_edits(self.model, self.done, self.applied)",
        "",
        "    def on_batch_end(self, step, logs=None):",
        "        self.done += 1",
        "        if self.done >= self.steps:",
        "            self.model.stop_training = True",
        "",
        "",
        f"STEPS_PER_EPOCH = {steps_per_epoch}",
        "applied = set()",
        "if STEPS:",
        f"    model.fit(X_train, y_train, epochs=math.ceil(STEPS / STEPS_PER_EPOCH), "
        f"batch_size={cfg.batch_size!r},",
        f"              seed={seed}, verbose=0, callbacks=[StopAfter(STEPS, applied)])",
        "apply_edits(model, STEPS, applied)",
        "print(model)",
        "print('test:', model.evaluate(X_test, y_test, return_dict=True))",
        "model.save('playground-replay.glassnet')",
        "if os.path.exists('playground-model.glassnet'):",
        "    theirs = gn.load_model('playground-model.glassnet').get_weights()",
        "    same = all(np.array_equal(a, b) for a, b in zip(model.get_weights(), theirs))",
        "    print('equal to playground-model.glassnet bit for bit:', same)",
        "",
    ]
    return "\n".join(lines)
