"""Taking a trained run elsewhere: the model as ONNX, checked against PyTorch in onnxruntime.

`torch.onnx.export` traces the model on one validation example; the exported file is then run in
onnxruntime on a few validation examples and must match PyTorch's outputs (to `ONNX_TOLERANCE`),
so a file that would compute something else is never handed out.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch

from core.predict import Trained

ONNX_TOLERANCE = 1e-4
ONNX_OPSET = 18


def export_onnx(trained: Trained, out: Path | None = None) -> bytes:
    """The model as ONNX bytes (also written to `out`), verified in onnxruntime."""
    model = trained.model.eval()
    example = trained.data.x_val[:1]
    buffer = io.BytesIO()
    # With gradients on, nn.MultiheadAttention takes its plain path, not the fused kernel that
    # ONNX cannot express; the traced graph is the same math.
    with torch.enable_grad():
        torch.onnx.export(
            model,
            (example,),
            buffer,
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
    data = buffer.getvalue()
    verify_onnx(trained, data)
    if out is not None:
        Path(out).write_bytes(data)
    return data


def verify_onnx(trained: Trained, data: bytes, n: int = 4) -> float:
    """Largest |onnxruntime - PyTorch| on `n` validation examples; ValueError above tolerance."""
    import onnxruntime as ort

    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    x = trained.data.x_val[:n]
    with torch.no_grad():
        expected = trained.model(x).numpy()
    (got,) = session.run(["output"], {"input": x.numpy()})
    error = float(np.abs(got - expected).max())
    if not error <= ONNX_TOLERANCE:
        raise ValueError(f"the ONNX model differs from PyTorch by {error:.2e}; not exported")
    return error
