"""glassnet -> ONNX: :func:`to_onnx`, written with the ``onnx`` package.

The graph takes ``input`` of shape ``(batch, n_features)`` and gives ``output``; a Dense
layer is one ``Gemm`` (``x @ W + b``) plus its activation node (``Relu``, ``Sigmoid``,
``Tanh``, ``Softmax`` over the last axis, ``LeakyRelu``); a per-feature affine layer is a
``Mul`` and an ``Add``; Dropout is left out (it does nothing at inference).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..model import Sequential
from ._common import model_steps, optional

__all__ = ["to_onnx"]

#: ONNX operator set the graphs use (Softmax over the last axis needs 13 or later)
OPSET = 17


def _onnx() -> Any:
    return optional("onnx", "glassnet.interop.to_onnx needs the onnx package: "
                            "pip install 'glassnet[onnx]'")


def to_onnx(model: Sequential, path: str | os.PathLike[str] | None = None) -> Any:
    """The model as an ONNX ``ModelProto`` (checked with ``onnx.checker``); with ``path``,
    also written there atomically. Inputs and outputs are in the model's dtype."""
    onnx = _onnx()
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    elem = onnx.TensorProto.DOUBLE if model.dtype == np.float64 else onnx.TensorProto.FLOAT
    nodes: list[Any] = []
    inits: list[Any] = []
    current = "input"
    count = 0

    def out_name(base: str) -> str:
        nonlocal count
        count += 1
        return f"{base}_{count}"

    for step in model_steps(model):
        if step.kind == "dense":
            W, b = (np.ascontiguousarray(a, dtype=model.dtype) for a in step.arrays)
            w_name, b_name = f"{step.name}/W", f"{step.name}/b"
            inits += [numpy_helper.from_array(W, w_name), numpy_helper.from_array(b, b_name)]
            out = out_name(f"{step.name}/z")
            nodes.append(helper.make_node("Gemm", [current, w_name, b_name], [out],
                                          name=f"{step.name}/Gemm"))
            current = out
        elif step.kind == "activation":
            if step.activation == "linear":
                continue
            out = out_name(f"{step.name}/a")
            ops: dict[str, tuple[str, dict[str, Any]]] = {
                "relu": ("Relu", {}), "sigmoid": ("Sigmoid", {}), "tanh": ("Tanh", {}),
                "softmax": ("Softmax", {"axis": -1}),
                "leaky_relu": ("LeakyRelu", {"alpha": step.alpha}),
            }
            op, attrs = ops[step.activation]
            nodes.append(helper.make_node(op, [current], [out], name=f"{step.name}/{op}",
                                          **attrs))
            current = out
        elif step.kind == "affine":
            scale, shift = (np.ascontiguousarray(a, dtype=model.dtype) for a in step.arrays)
            s_name, t_name = f"{step.name}/scale", f"{step.name}/shift"
            inits += [numpy_helper.from_array(scale, s_name),
                      numpy_helper.from_array(shift, t_name)]
            mid, out = out_name(f"{step.name}/scaled"), out_name(f"{step.name}/a")
            nodes.append(helper.make_node("Mul", [current, s_name], [mid],
                                          name=f"{step.name}/Mul"))
            nodes.append(helper.make_node("Add", [mid, t_name], [out],
                                          name=f"{step.name}/Add"))
            current = out
        # dropout: nothing at inference
    nodes.append(helper.make_node("Identity", [current], ["output"], name="output"))
    graph = helper.make_graph(
        nodes, str(model.name),
        [helper.make_tensor_value_info("input", elem, ["batch", int(model.input_dim or 0)])],
        [helper.make_tensor_value_info("output", elem, ["batch", int(model.output_dim)])],
        initializer=inits,
    )
    proto = helper.make_model(graph, producer_name="glassnet", producer_version=__version__,
                              opset_imports=[helper.make_opsetid("", OPSET)])
    proto.ir_version = min(proto.ir_version, 9)  # readable by onnxruntime releases of 2023 on
    onnx.checker.check_model(proto, full_check=True)
    if path is not None:
        target = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                   dir=target.parent or ".")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(proto.SerializeToString())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return proto
