"""The largest output differences of glassnet.interop's conversions.

    python -m benchmarks.interop_diffs

Keras in: each model of tests/data/keras against the ``predict`` Keras saved beside it.
PyTorch out: ``to_torch(model)`` against ``model.predict``; PyTorch in: ``from_torch(module)``
against the module; ONNX out: onnxruntime running ``to_onnx(model)`` against ``model.predict``.
The glassnet models are the course's 64-25-15-10 network and a stack of every layer kind the
converters know (Normalization, Dense, BatchNormalization, ReLU, Dropout, LeakyReLU,
Activation, Softmax), in float32 and float64, on 1,000 standard-normal rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import glassnet as gn
from glassnet.interop import from_keras, from_torch, to_onnx, to_torch

KERAS_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "keras"


def course(dtype: str) -> gn.Sequential:
    L = gn.layers
    return gn.Sequential([L.Input(shape=(64,)), L.Dense(25, activation="relu"),
                          L.Dense(15, activation="sigmoid"), L.Dense(10)], seed=1, dtype=dtype)


def zoo(dtype: str) -> gn.Sequential:
    L = gn.layers
    rng = np.random.default_rng(3)
    norm = L.Normalization()
    norm.adapt(rng.normal(2.0, 3.0, size=(100, 5)))
    model = gn.Sequential([
        L.Input(shape=(5,)), norm, L.Dense(9, activation="tanh"), L.BatchNormalization(),
        L.ReLU(), L.Dropout(0.25), L.Dense(7, activation="leaky_relu"), L.LeakyReLU(0.1),
        L.Dense(6), L.Activation("sigmoid"), L.Dense(4, activation="softmax"),
    ], seed=3, dtype=dtype)
    model.layers[2].set_weights([rng.uniform(0.5, 2, 9), rng.normal(size=9),
                                 rng.normal(size=9), rng.uniform(0.1, 3, 9)])
    return model


def torch_module(dtype: str) -> Any:
    import torch

    nn = torch.nn
    torch.manual_seed(0)
    tdtype = torch.float64 if dtype == "float64" else torch.float32
    module = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.BatchNorm1d(12), nn.Dropout(0.2),
                           nn.Linear(12, 8), nn.Tanh(), nn.Linear(8, 3),
                           nn.Softmax(dim=-1)).to(tdtype)
    with torch.no_grad():
        for _ in range(5):
            module(torch.randn(32, 6, dtype=tdtype) * 2 + 1)
    return module.eval()


def main() -> None:
    import onnxruntime as ort
    import torch

    rows: list[tuple[str, str, float]] = []
    for path in sorted(KERAS_DIR.glob("*.npz")):
        if path.stem.startswith("unsupported"):
            continue
        saved = np.load(path)
        model = from_keras(path.with_suffix(".keras"))
        rows.append(("Keras in", path.stem, float(np.abs(model.predict(saved["x"])
                                                         - saved["y"]).max())))
    for dtype in ("float32", "float64"):
        for make in (course, zoo):
            model = make(dtype)
            x = np.random.default_rng(0).normal(size=(1000, model.input_dim)).astype(dtype)
            with torch.no_grad():
                out = to_torch(model)(torch.from_numpy(x)).numpy()
            rows.append(("PyTorch out", f"{make.__name__} {dtype}",
                         float(np.abs(out - model.predict(x)).max())))
            if dtype == "float32" or make is course:  # onnxruntime: no float64 LeakyRelu
                session = ort.InferenceSession(to_onnx(model).SerializeToString(),
                                               providers=["CPUExecutionProvider"])
                out = session.run(None, {"input": x})[0]
                rows.append(("ONNX out", f"{make.__name__} {dtype}",
                             float(np.abs(out - model.predict(x)).max())))
        module = torch_module(dtype)
        x = np.random.default_rng(0).normal(size=(1000, 6)).astype(dtype)
        with torch.no_grad():
            expected = module(torch.from_numpy(x)).numpy()
        rows.append(("PyTorch in", f"linear-bn-dropout {dtype}",
                     float(np.abs(from_torch(module).predict(x) - expected).max())))
    print(f"{'conversion':12} {'model':34} {'max |difference|':>16}")
    for kind, name, diff in sorted(rows, key=lambda r: r[0]):
        print(f"{kind:12} {name:34} {diff:16.3e}")


if __name__ == "__main__":
    main()
