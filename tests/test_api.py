"""The public API: an honest __all__, strings and objects that mean the same thing, and
the direction of imports inside the package."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn

PACKAGE_DIR = Path(gn.__file__).resolve().parent

# ----------------------------------------------------------------------------- __all__


def test_all_lists_exactly_the_public_names() -> None:
    names = gn.__all__
    assert len(names) == len(set(names)), "duplicates in glassnet.__all__"
    for name in names:
        assert hasattr(gn, name), f"glassnet.__all__ names {name!r}, which does not exist"
    public = {name for name in vars(gn) if not name.startswith("_")}
    # every public object that is not a submodule is listed; every listed module is a module
    objects = {name for name in public if not isinstance(getattr(gn, name), types.ModuleType)}
    listed_objects = {name for name in names
                      if not isinstance(getattr(gn, name), types.ModuleType)} - {"__version__"}
    assert objects == listed_objects
    assert isinstance(gn.__version__, str) and gn.__version__.count(".") >= 1


@pytest.mark.parametrize("module", ["activations", "callbacks", "checks", "datasets", "errors",
                                    "initializers", "layers", "losses", "metrics", "optimizers",
                                    "reference", "saving"])
def test_submodules_are_public_and_their_all_resolves(module: str) -> None:
    assert module in gn.__all__
    mod = getattr(gn, module)
    for name in getattr(mod, "__all__", []):
        assert hasattr(mod, name), f"glassnet.{module}.__all__ names missing {name!r}"


def test_the_course_names_are_at_the_top() -> None:
    assert gn.Dense is gn.layers.Dense and gn.Input is gn.layers.Input
    assert gn.Sequential.__module__ == "glassnet.model"
    assert gn.EarlyStopping is gn.callbacks.EarlyStopping
    assert gn.ModelFileError is gn.errors.ModelFileError


def test_inspect_gradient_check_is_importable() -> None:
    from glassnet.inspect import gradient_check

    assert callable(gradient_check)


# ----------------------------------------------------------------------------- strings == objects


def _train(activation: object, initializer: object, loss: object, optimizer: object,
           X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    model = gn.Sequential([gn.layers.Input(shape=(3,)),
                           gn.layers.Dense(4, activation=activation,
                                           kernel_initializer=initializer),
                           gn.layers.Dense(1, activation="sigmoid")], seed=5)
    model.compile(loss=loss, optimizer=optimizer)
    model.fit(X, y, epochs=3, batch_size=4, seed=2, verbose=0)
    return model.get_weights()


def test_strings_and_objects_train_the_same_model(rng: np.random.Generator) -> None:
    X = rng.normal(size=(12, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.float32)
    by_name = _train("relu", "he_normal", "binary_crossentropy", "adam", X, y)
    by_object = _train(gn.activations.ReLU(), gn.initializers.he_normal(),
                       gn.losses.BinaryCrossentropy(), gn.optimizers.Adam(), X, y)
    for a, b in zip(by_name, by_object):
        np.testing.assert_array_equal(a, b)
    different = _train("tanh", "he_normal", "binary_crossentropy", "adam", X, y)
    assert not np.array_equal(by_name[0], different[0])


@pytest.mark.parametrize("name,obj", [
    ("adam", gn.optimizers.Adam()), ("sgd", gn.optimizers.SGD()),
    ("rmsprop", gn.optimizers.RMSprop()),
])
def test_optimizer_names_give_the_default_objects(name: str, obj: gn.optimizers.Optimizer) -> None:
    resolved = gn.optimizers.get(name)
    assert type(resolved) is type(obj) and resolved.get_config() == obj.get_config()


@pytest.mark.parametrize("name", ["he_normal", "he_uniform", "glorot_normal", "glorot_uniform",
                                  "lecun_normal", "lecun_uniform", "zeros", "ones"])
def test_initializer_names_give_the_same_draws(name: str) -> None:
    by_name = gn.initializers.get(name)
    by_object = getattr(gn.initializers, name)() if name not in ("zeros", "ones") else \
        {"zeros": gn.initializers.Zeros(), "ones": gn.initializers.Ones()}[name]
    assert by_name == by_object
    a = by_name((5, 4), np.random.default_rng(1), np.float64)
    b = by_object((5, 4), np.random.default_rng(1), np.float64)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name,cls", [
    ("mse", gn.losses.MeanSquaredError), ("binary_crossentropy", gn.losses.BinaryCrossentropy),
    ("categorical_crossentropy", gn.losses.CategoricalCrossentropy),
    ("sparse_categorical_crossentropy", gn.losses.SparseCategoricalCrossentropy),
])
def test_loss_names_give_the_default_objects(name: str, cls: type) -> None:
    loss = gn.losses.get(name)
    assert type(loss) is cls and loss.get_config() == cls().get_config()


# ----------------------------------------------------------------------------- import direction

ENGINE = {"model", "layers", "training", "tensor", "data", "losses", "activations",
          "initializers", "optimizers",
          "callbacks", "errors", "io", "saving", "metrics", "datasets", "reference",
          "_checks", "checks", "_registry"}
INSTRUMENTS_UP = {"inspect", "lab", "report", "cli", "play"}
BRIDGE = {"keras", "tf"}
#: the bridges to other libraries: they use the model's public API, and nothing uses them
ECOSYSTEM = {"sklearn", "interop"}
#: optional libraries only the interop bridges load
INTEROP_ONLY = {"torch", "onnx", "onnxruntime", "h5py", "keras", "tensorflow"}


#: the one exception: Sequential.save_weights/load_weights import the Keras weights-file
#: module (h5py inside it) when a ``.weights.h5`` file is written or read
KERAS_WEIGHTS = {"glassnet.interop.keras_weights",
                 "glassnet.interop.keras_weights.is_keras_weights_path",
                 "glassnet.interop.keras_weights.save_keras_weights",
                 "glassnet.interop.keras_weights.is_hdf5_file",
                 "glassnet.interop.keras_weights.load_keras_weights_file"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """Every module ``path`` imports (anywhere in the file, lazy imports included), as
    absolute dotted names."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    text = path.read_text(encoding="utf-8") if source is None else source
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base = ".".join(base_parts[: len(base_parts) - (node.level - 1)])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # "from . import lab" imports the submodule glassnet.lab
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def _area(dotted: str) -> str | None:
    """``glassnet.inspect.units`` -> ``inspect``; names outside glassnet -> None."""
    parts = dotted.split(".")
    return parts[1] if parts[0] == "glassnet" and len(parts) > 1 else None


def _rule_broken(importer: str, target: str) -> str | None:
    """Which dependency rule ``importer`` importing ``target`` breaks, if any."""
    mine, theirs = _area(importer), _area(target)
    if target.split(".")[0] == "matplotlib" and mine != "report":
        return "matplotlib belongs to glassnet.report only"
    if target.split(".")[0] in INTEROP_ONLY and mine != "interop":
        return f"{target.split('.')[0]} belongs to glassnet.interop only"
    if theirs is None:
        return None
    if mine == "inspect" and theirs in {"lab", "report", "cli"}:
        return "inspect must not import lab/report/cli"
    if mine == "lab" and theirs in {"report", "cli"}:
        return "lab must not import report/cli"
    if mine in ENGINE and theirs in INSTRUMENTS_UP:
        return f"the engine must not import {theirs}"
    if importer == "glassnet.model" and target in KERAS_WEIGHTS:
        return None  # save_weights/load_weights hand *.weights.h5 files to this one module
    if theirs in ECOSYSTEM and mine != theirs:
        return f"nothing in glassnet imports glassnet.{theirs}"
    if mine in ECOSYSTEM and theirs != mine:
        if any(part.startswith("_") and not part.endswith("__")
               for part in target.split(".")[1:]):
            return f"{mine} uses glassnet's public API only (no private modules)"
        if theirs in INSTRUMENTS_UP:
            return f"{mine} must not import {theirs}"
    if mine in ENGINE and theirs in BRIDGE:
        return "the engine must not import the course bridge (keras, tf)"
    if mine in BRIDGE and theirs not in BRIDGE:
        if any(part.startswith("_") for part in target.split(".")[1:]):
            return "keras/tf use glassnet's public API only (no private modules)"
        if theirs in INSTRUMENTS_UP:
            return f"keras/tf must not import {theirs}"
    return None


def test_import_direction() -> None:
    problems = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        me = _module_name(path)
        for line, target in _imports(path):
            rule = _rule_broken(me, target)
            if rule:
                problems.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{line} imports "
                                f"{target} ({rule})")
    assert not problems, "\n".join(problems)


def _runtime_imports(path: Path, source: str | None = None) -> set[str]:
    """The glassnet modules ``path`` imports when it runs (lazy imports inside functions
    included; imports under ``if TYPE_CHECKING:`` left out), each cut to a module file."""
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text)
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(block.test)
                   for n in ast.walk(block)}
    lines = {n.lineno for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
             and id(n) not in typing_only}
    modules = {_module_name(p) for p in PACKAGE_DIR.rglob("*.py")}
    out = set()
    for line, target in _imports(path, text):
        while target not in modules and "." in target:
            target = target.rsplit(".", 1)[0]
        if line in lines and target in modules and target != "glassnet":
            out.add(target)
    return out


#: the training core: the model, its loop, the callbacks and the files they write
CORE = ["model", "training", "callbacks", "saving", "io", "data", "losses", "optimizers",
        "metrics", "checks"]


def test_the_training_core_imports_in_one_direction() -> None:
    """No circle among the core modules, lazy imports counted: saving sits beside io and
    below callbacks (it builds the model class its caller names), the callbacks call it, the
    loop calls the callbacks, and the model calls the loop."""
    graph = {f"glassnet.{m}": _runtime_imports(PACKAGE_DIR / f"{m}.py") & {
        f"glassnet.{c}" for c in CORE} for m in CORE}
    order: list[str] = []
    visiting: list[str] = []

    def visit(node: str) -> None:
        assert node not in visiting, f"import circle: {' -> '.join(visiting + [node])}"
        if node in order:
            return
        visiting.append(node)
        for target in sorted(graph[node]):
            visit(target)
        visiting.pop()
        order.append(node)

    for node in sorted(graph):
        visit(node)
    assert order.index("glassnet.saving") < order.index("glassnet.callbacks") \
        < order.index("glassnet.training") < order.index("glassnet.model")
    assert "glassnet.model" not in graph["glassnet.saving"] | graph["glassnet.callbacks"]


def test_the_circle_checker_counts_lazy_imports_not_typing_ones() -> None:
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .model import A\n"
              "def f():\n    from .training import fit\n")
    assert _runtime_imports(PACKAGE_DIR / "callbacks.py", source) == {"glassnet.training"}


def test_the_import_checker_resolves_relative_and_lazy_imports() -> None:
    source = "def f():\n    from ..lab import base\n    from . import flow\n"
    found = [t for _, t in _imports(PACKAGE_DIR / "inspect" / "units.py", source)]
    assert "glassnet.lab" in found and "glassnet.lab.base" in found
    assert "glassnet.inspect.flow" in found
    found = [t for _, t in _imports(PACKAGE_DIR / "lab" / "__init__.py", "from .base import x")]
    assert found == ["glassnet.lab.base", "glassnet.lab.base.x"]
    found = [t for _, t in _imports(PACKAGE_DIR / "model.py", "from . import losses as m")]
    assert "glassnet.losses" in found


@pytest.mark.parametrize("importer,target,broken", [
    ("glassnet.model", "glassnet.inspect.gradcheck", True),
    ("glassnet.datasets.toy", "glassnet.lab", True),
    ("glassnet.callbacks", "glassnet.report.plots", True),
    ("glassnet.training", "matplotlib.pyplot", True),
    ("glassnet.inspect.units", "glassnet.lab.base", True),
    ("glassnet.inspect.units", "matplotlib", True),
    ("glassnet.lab.seeds", "glassnet.report", True),
    ("glassnet.lab.seeds", "glassnet.cli", True),
    ("glassnet.inspect.units", "glassnet.model", False),
    ("glassnet.lab.seeds", "glassnet.inspect", False),
    ("glassnet.report.plots.labor", "matplotlib.figure", False),
    ("glassnet.cli", "glassnet.lab", False),
    ("glassnet.model", "glassnet.callbacks", False),
    ("glassnet.model", "glassnet.sklearn", True),
    ("glassnet.model", "glassnet.interop.keras_weights", False),
    ("glassnet.callbacks", "glassnet.interop.keras_weights", True),
    ("glassnet.model", "glassnet.interop.keras", True),
    ("glassnet.lab.seeds", "glassnet.interop.torch", True),
    ("glassnet.sklearn", "glassnet.inspect", True),
    ("glassnet.interop.onnx", "glassnet.report", True),
    ("glassnet.lab.vectorize", "torch", True),
    ("glassnet.interop.torch", "torch", False),
    ("glassnet.interop.keras", "glassnet.interop._common", False),
    ("glassnet.sklearn", "glassnet.model", False),
    ("glassnet.sklearn", "glassnet.checks", False),
    ("glassnet.sklearn", "glassnet._registry", True),
    ("glassnet.model", "glassnet.keras", True),
    ("glassnet.layers.dense", "glassnet.tf", True),
    ("glassnet.keras.backend", "glassnet.checks", False),
    ("glassnet.keras.backend", "glassnet._table", True),
    ("glassnet.tf", "glassnet.optimizers._blas", True),
    ("glassnet.keras.layers", "glassnet.lab", True),
    ("glassnet.tf", "glassnet.keras._subset", False),
    ("glassnet.keras.backend", "glassnet.model", False),
    ("glassnet.keras.models", "glassnet", False),
])
def test_the_rules(importer: str, target: str, broken: bool) -> None:
    assert (_rule_broken(importer, target) is not None) is broken


def test_importing_glassnet_and_its_packages_does_not_load_matplotlib() -> None:
    """matplotlib is loaded only when a figure is drawn (fresh interpreter)."""
    code = textwrap.dedent("""
        import sys
        import glassnet, glassnet.inspect, glassnet.lab, glassnet.report, glassnet.cli
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib")
        assert not loaded, loaded
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_no_import_cycles_among_glassnet_modules() -> None:
    """No circle of imports (lazy ones included) among the modules: ``python -m
    benchmarks.imports`` finds none (the last, model -> interop.keras_weights ->
    interop.keras -> model, went when the Keras weight reader moved to keras_files)."""
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-m", "benchmarks.imports", str(root / "src")],
                         cwd=root, capture_output=True, text=True, timeout=120, check=True).stdout
    assert "cycles (SCCs with >1 module): 0" in out, out[:2000]
    # and no module reads another's private names (20 such reaches before issue 22's
    # public names: model.fused_output, regularized_layers, trainable_weights,
    # clear_caches, sync_trainable, Dataset.raw_elements, optimizers.axpy, ...)
    assert "total private reaches: 0" in out, out[out.find("== private"):][:2000]
