"""glassnet.interop: Keras files in, PyTorch in and out, ONNX out, each equal to the other
library's own outputs; unsupported or hostile input is a glassnet error."""

from __future__ import annotations

import importlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.interop import from_keras, from_torch, load_keras_weights, to_onnx, to_torch


def _optional(name: str) -> Any:
    """The module, or None where it is not installed (its section's tests then skip alone,
    not the whole file)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


KERAS_DIR = Path(__file__).resolve().parent / "data" / "keras"
KERAS_MODELS = ["dense_relu_tanh_softmax", "dense_sigmoid_nobias_linear", "layers_zoo"]


def zoo(dtype: str = "float32", seed: int = 3) -> gn.Sequential:
    """Every layer kind the converters know, with trained-looking (non-default) statistics."""
    L = gn.layers
    rng = np.random.default_rng(seed)
    norm = L.Normalization()
    norm.adapt(rng.normal(2.0, 3.0, size=(100, 5)))
    model = gn.Sequential([
        L.Input(shape=(5,)), norm,
        L.Dense(9, activation="tanh"), L.BatchNormalization(momentum=0.9, epsilon=1e-3),
        L.ReLU(), L.Dropout(0.25),
        L.Dense(7, activation="leaky_relu"), L.LeakyReLU(negative_slope=0.1),
        L.Dense(6), L.Activation("sigmoid"),
        L.Dense(4, activation="softmax"),
    ], seed=seed, dtype=dtype)
    bn = model.layers[2]
    bn.set_weights([rng.uniform(0.5, 2, 9), rng.normal(size=9), rng.normal(size=9),
                    rng.uniform(0.1, 3, 9)])
    return model


def course(dtype: str = "float32") -> gn.Sequential:
    return gn.Sequential([gn.layers.Input(shape=(64,)), gn.layers.Dense(25, activation="relu"),
                          gn.layers.Dense(15, activation="sigmoid"),
                          gn.layers.Dense(10, activation="linear")], seed=1, dtype=dtype)


def batch(n: int, dtype: str = "float32", m: int = 50) -> np.ndarray:
    return np.random.default_rng(9).normal(size=(m, n)).astype(dtype)


# ----------------------------------------------------------------------------- Keras in

@pytest.mark.parametrize("name", KERAS_MODELS)
def test_keras_file_predicts_what_keras_predicted(name: str) -> None:
    model = from_keras(KERAS_DIR / f"{name}.keras")
    saved = np.load(KERAS_DIR / f"{name}.npz")
    out = model.predict(saved["x"])
    assert out.shape == saved["y"].shape
    np.testing.assert_allclose(out, saved["y"], rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", KERAS_MODELS)
def test_keras_weights_file_loads_into_the_same_architecture(name: str) -> None:
    reference = from_keras(KERAS_DIR / f"{name}.keras")
    fresh = gn.Sequential.from_config(reference.get_config())
    load_keras_weights(fresh, KERAS_DIR / f"{name}.weights.h5")
    for a, b in zip(fresh.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    saved = np.load(KERAS_DIR / f"{name}.npz")
    np.testing.assert_allclose(fresh.predict(saved["x"]), saved["y"], rtol=0, atol=1e-6)


def test_keras_layers_and_options_come_across() -> None:
    model = from_keras(KERAS_DIR / "layers_zoo.keras")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Normalization", "Dense", "BatchNormalization", "ReLU", "Dropout",
                     "Dense", "LeakyReLU", "Dense", "Activation", "Dense", "Softmax"]
    assert model.get_layer("dropout").rate == pytest.approx(0.3)
    assert model.get_layer("leaky_re_lu").negative_slope == pytest.approx(0.2)
    assert model.get_layer("dense_7").kernel_regularizer.l2 == pytest.approx(0.01)
    assert model.name == "layers_zoo" and model.dtype == np.float32
    nobias = from_keras(KERAS_DIR / "dense_sigmoid_nobias_linear.keras")
    np.testing.assert_array_equal(nobias.layers[0].b, 0.0)  # use_bias=False: zero bias


@pytest.mark.parametrize("name,what", [("unsupported_gelu", "gelu"),
                                       ("unsupported_conv", "Conv1D")])
def test_unsupported_keras_layers_are_named(name: str, what: str) -> None:
    with pytest.raises(gn.ConfigError, match=what):
        from_keras(KERAS_DIR / f"{name}.keras")


def test_a_weights_only_file_needs_a_model() -> None:
    with pytest.raises(gn.ConfigError, match="load_keras_weights"):
        from_keras(KERAS_DIR / "layers_zoo.weights.h5")
    wrong = course()
    with pytest.raises(gn.ModelFileError, match="shape"):
        load_keras_weights(wrong, KERAS_DIR / "dense_relu_tanh_softmax.weights.h5")


def _archive(tmp_path: Path, config: Any, weights: bytes | None = None,
             name: str = "m.keras", compress: int = zipfile.ZIP_STORED) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=compress) as z:
        z.writestr("metadata.json", "{}")
        z.writestr("config.json", config if isinstance(config, (str, bytes))
                   else json.dumps(config))
        if weights is None:
            with zipfile.ZipFile(KERAS_DIR / "dense_relu_tanh_softmax.keras") as src:
                weights = src.read("model.weights.h5")
        z.writestr("model.weights.h5", weights)
    return path


def _keras_config() -> dict[str, Any]:
    with zipfile.ZipFile(KERAS_DIR / "dense_relu_tanh_softmax.keras") as src:
        config: dict[str, Any] = json.loads(src.read("config.json"))
    return config


def test_truncated_and_malformed_keras_files(tmp_path: Path) -> None:
    data = (KERAS_DIR / "layers_zoo.keras").read_bytes()
    cut = tmp_path / "cut.keras"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(gn.ModelFileError):
        from_keras(cut)
    with pytest.raises(gn.ModelFileError, match="JSON"):
        from_keras(_archive(tmp_path, "{not json"))
    config = _keras_config()
    del config["config"]["layers"][1]["config"]["units"]
    with pytest.raises(gn.ModelFileError, match="dense"):
        from_keras(_archive(tmp_path, config))
    with pytest.raises(gn.ModelFileError, match="HDF5"):
        from_keras(_archive(tmp_path, _keras_config(), weights=b"\x89HDF not really"))
    with pytest.raises(gn.MissingFileError, match="no file at") as missing:
        from_keras(tmp_path / "missing.keras")
    assert isinstance(missing.value, FileNotFoundError)  # as every glassnet reader says it
    with pytest.raises(gn.MissingFileError, match="no file at"):
        load_keras_weights(gn.Sequential([gn.Input((2,)), gn.Dense(1)]),
                           tmp_path / "missing.weights.h5")
    with pytest.raises(gn.ModelFileError, match="not a regular file"):
        from_keras(tmp_path)
    functional = _keras_config()
    functional["class_name"] = "Functional"
    with pytest.raises(gn.ConfigError, match="Sequential"):
        from_keras(_archive(tmp_path, functional))


def test_a_zip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    config = json.dumps(_keras_config()) + " " * (50 * 2**20)  # 50 MB of blanks
    path = _archive(tmp_path, config, compress=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 2**20
    with pytest.raises(gn.ModelFileError, match="expands"):
        from_keras(path)


def test_a_config_asking_for_more_weights_than_the_file_holds(tmp_path: Path) -> None:
    config = _keras_config()
    config["config"]["layers"][1]["config"]["units"] = 10**9
    with pytest.raises(gn.ModelFileError, match="can hold"):
        from_keras(_archive(tmp_path, config))


def test_links_out_of_the_file_are_refused(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    outside = tmp_path / "outside.h5"
    with h5py.File(outside, "w") as f:
        f["w"] = np.ones((8, 16), dtype="float32")
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f["layers/dense/vars/0"] = h5py.ExternalLink(str(outside), "/w")
        f["layers/dense/vars/1"] = np.zeros(16, dtype="float32")
    with pytest.raises(gn.ModelFileError, match="ExternalLink"):
        from_keras(_archive(tmp_path, _keras_config(), weights=buf.getvalue()))
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_dataset("layers/dense/vars/0", shape=(8, 16), dtype="float32",
                         external=[(str(outside), 0, 8 * 16 * 4)])
        f["layers/dense/vars/1"] = np.zeros(16, dtype="float32")
    with pytest.raises(gn.ModelFileError, match="outside"):
        from_keras(_archive(tmp_path, _keras_config(), weights=buf.getvalue()))


# ----------------------------------------------------------------------------- PyTorch

torch = _optional("torch")
needs_torch = pytest.mark.skipif(torch is None, reason="needs PyTorch: glassnet[torch]")


@needs_torch
@pytest.mark.parametrize("make,dtype,tol", [(course, "float32", 1e-6), (zoo, "float32", 1e-6),
                                            (course, "float64", 1e-12),
                                            (zoo, "float64", 1e-12)])
@needs_torch
def test_to_torch_gives_equal_outputs(make: Any, dtype: str, tol: float) -> None:
    model = make(dtype)
    module = to_torch(model)
    assert isinstance(module, torch.nn.Sequential) and not module.training
    x = batch(model.input_dim, dtype)
    with torch.no_grad():
        out = module(torch.from_numpy(x)).numpy()
    assert out.dtype == model.dtype
    np.testing.assert_allclose(out, model.predict(x), rtol=0, atol=tol)


@needs_torch
def test_to_torch_maps_each_layer() -> None:
    module = to_torch(course())
    assert [type(m).__name__ for m in module] == ["Linear", "ReLU", "Linear", "Sigmoid",
                                                 "Linear"]
    np.testing.assert_array_equal(module[0].weight.detach().numpy(), course().layers[0].W.T)


@needs_torch
@pytest.mark.parametrize("dtype,tol", [("float32", 1e-6), ("float64", 1e-12)])
def test_from_torch_gives_equal_outputs(dtype: str, tol: float) -> None:
    torch.manual_seed(0)
    tdtype = torch.float64 if dtype == "float64" else torch.float32
    nn = torch.nn
    module = nn.Sequential(
        nn.Linear(6, 12), nn.ReLU(), nn.BatchNorm1d(12), nn.Dropout(0.2),
        nn.Linear(12, 8, bias=False), nn.Tanh(), nn.Linear(8, 8), nn.LeakyReLU(0.05),
        nn.Identity(), nn.Sigmoid(), nn.Linear(8, 3), nn.Softmax(dim=-1),
    ).to(tdtype)
    module.train()
    with torch.no_grad():
        for _ in range(5):  # move the batch-norm statistics off their defaults
            module(torch.randn(32, 6, dtype=tdtype) * 2 + 1)
    module.eval()
    model = from_torch(module, seed=4)
    assert model.dtype == np.dtype(dtype) and model.seed == 4
    kinds = [type(layer).__name__ for layer in model.layers]
    # an activation right after a Linear is its Dense layer's; the Sigmoid after Identity is
    # a layer of its own
    assert kinds == ["Dense", "BatchNormalization", "Dropout", "Dense", "Dense", "Activation",
                     "Dense"]
    assert model.layers[4].activation.alpha == pytest.approx(0.05)
    x = batch(6, dtype)
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model.predict(x), expected, rtol=0, atol=tol)


@needs_torch
def test_round_trip_through_torch() -> None:
    model = zoo()
    back = from_torch(to_torch(model))
    x = batch(5)
    np.testing.assert_allclose(back.predict(x), model.predict(x), rtol=0, atol=1e-6)


@needs_torch
def test_from_torch_names_what_it_cannot_read() -> None:
    nn = torch.nn
    with pytest.raises(gn.ConfigError, match="Conv1d"):
        from_torch(nn.Sequential(nn.Linear(3, 4), nn.Conv1d(1, 1, 2)))
    with pytest.raises(gn.ConfigError, match="dim"):
        from_torch(nn.Sequential(nn.Linear(3, 4), nn.Softmax(dim=0)))
    with pytest.raises(gn.ArgumentTypeError, match="Sequential"):
        from_torch(nn.Linear(3, 4))
    with pytest.raises(gn.ConfigError, match="float"):
        from_torch(nn.Sequential(nn.Linear(3, 4).to(torch.float16)))


# ----------------------------------------------------------------------------- ONNX out

ort = _optional("onnxruntime")
needs_ort = pytest.mark.skipif(ort is None or _optional("onnx") is None,
                               reason="needs onnx and onnxruntime: glassnet[onnx]")


@needs_ort
@pytest.mark.parametrize("make", [course, zoo])
def test_to_onnx_runs_in_onnxruntime_with_equal_outputs(make: Any, tmp_path: Path) -> None:
    model = make()
    path = tmp_path / "model.onnx"
    proto = to_onnx(model, path)
    assert path.is_file() and [p.name for p in tmp_path.iterdir()] == ["model.onnx"]
    assert proto.graph.input[0].name == "input"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = batch(model.input_dim)
    out = session.run(None, {"input": x})[0]
    np.testing.assert_allclose(out, model.predict(x), rtol=0, atol=1e-6)
    one = session.run(None, {"input": x[:1]})[0]  # any batch size
    np.testing.assert_allclose(one, model.predict(x[:1]), rtol=0, atol=1e-6)


@needs_ort
def test_to_onnx_float64(tmp_path: Path) -> None:
    model = course("float64")
    session = ort.InferenceSession(to_onnx(model).SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    x = batch(64, "float64")
    np.testing.assert_allclose(session.run(None, {"input": x})[0], model.predict(x),
                               rtol=0, atol=1e-12)


@needs_ort
@needs_torch
def test_unexportable_model_is_a_clear_error() -> None:
    model = gn.Sequential([gn.layers.Dense(3, activation="relu")])
    with pytest.raises(gn.NotReadyError, match="build"):
        to_onnx(model)
    with pytest.raises(gn.NotReadyError, match="build"):
        to_torch(model)
