"""Sample predictions on a small fixed batch, as plain data for the Predictions view.

`SAMPLERS[spec.sample_kind](model, bundle, device)` returns a JSON-able dict. Keys starting with
"static_" never change during a run (the data being predicted), so they are sent only once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn as nn

from core.data.base import DataBundle
from core.tasks import IGNORE

GRID = 48
N_IMAGES = 16
N_SEQUENCES = 6
N_FORECASTS = 4
N_ROWS = 10
N_POINTS = 400
GENERATE_CHARS = 160


def _round(values: torch.Tensor, digits: int = 4) -> list:
    return torch.round(values.detach().float().cpu(), decimals=digits).tolist()


def _confidences(out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    probs = out.float().softmax(-1)
    conf, pred = probs.max(-1)
    return pred, conf


def boundary(model: nn.Module, data: DataBundle, device: torch.device) -> dict[str, Any]:
    """Model output over a grid covering the 2-D data, plus the training points."""
    x0, x1, y0, y1 = data.extras["bounds"]
    xs, ys = torch.linspace(x0, x1, GRID), torch.linspace(y0, y1, GRID)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    points = torch.stack([gx.flatten(), gy.flatten()], dim=1)  # (GRID*GRID, 2)
    out = model(data.extras["featurize"](points).to(device))
    if data.spec.task == "classification":
        probs = out.float().softmax(-1)
        if probs.shape[-1] == 2:
            z, zkind = probs[:, 1], "probability"
        else:
            z, zkind = probs.argmax(-1).float(), "class"
    else:
        z, zkind = out[:, 0], "value"
    raw = data.extras["points_train"][:N_POINTS]
    return {
        "z": _round(z.reshape(GRID, GRID), 3),
        "zkind": zkind,
        "static_xs": _round(xs, 3),
        "static_ys": _round(ys, 3),
        "static_points": _round(raw, 3),
        "static_labels": _round(data.y_train[:N_POINTS].flatten(), 3),
    }


def curve(model: nn.Module, data: DataBundle, device: torch.device) -> dict[str, Any]:
    """Predicted curve y(x) for a 1-D regression, plus the training points."""
    x0, x1 = data.extras["bounds"][:2]
    xs = torch.linspace(x0, x1, 200).unsqueeze(1)
    out = model(data.extras["featurize"](xs).to(device))
    raw = data.extras["points_train"][:N_POINTS]
    return {
        "y": _round(out[:, 0]),
        "static_x": _round(xs[:, 0]),
        "static_points": _round(raw.flatten()),
        "static_targets": _round(data.y_train[:N_POINTS].flatten()),
    }


def images(model: nn.Module, data: DataBundle, device: torch.device) -> dict[str, Any]:
    """Predicted class and confidence for a few validation images (pixels sent once, as 0-255)."""
    x = data.x_val[:N_IMAGES]
    pred, conf = _confidences(model(x.to(device)))
    lo = x.flatten(1).min(1).values.view(-1, 1, 1, 1)
    hi = x.flatten(1).max(1).values.view(-1, 1, 1, 1)
    pixels = ((x - lo) / (hi - lo).clamp_min(1e-8) * 255).round().to(torch.uint8)
    return {
        "pred": pred.tolist(),
        "confidence": _round(conf, 3),
        "static_true": data.y_val[:N_IMAGES].tolist(),
        "static_pixels": pixels.permute(0, 2, 3, 1).tolist(),  # (N, H, W, C)
        "static_class_names": list(data.spec.class_names),
    }


def _decode(ids: list[int], vocab: tuple[str, ...]) -> str:
    return "".join(vocab[i] if 0 <= i < len(vocab) else "?" for i in ids)


def sequence(model: nn.Module, data: DataBundle, device: torch.device) -> dict[str, Any]:
    """Input, target and predicted symbols for a few validation sequences."""
    x, y = data.x_val[:N_SEQUENCES], data.y_val[:N_SEQUENCES]
    out = model(x.to(device)).cpu()
    vocab = data.spec.vocab
    rows = []
    if data.spec.task == "tokens":
        pred = out.argmax(-1)
        for xi, yi, pi in zip(x.tolist(), y, pred):
            scored = yi != IGNORE
            rows.append(
                {
                    "input": _decode(xi, vocab),
                    "target": _decode(yi[scored].tolist(), vocab),
                    "predicted": _decode(pi[scored].tolist(), vocab),
                }
            )
    else:
        pred, conf = _confidences(out)
        names = data.spec.class_names or tuple(str(i) for i in range(data.spec.n_outputs))
        for xi, yi, pi, ci in zip(x.tolist(), y.tolist(), pred.tolist(), conf.tolist()):
            rows.append(
                {
                    "input": _decode(xi, vocab),
                    "target": names[yi],
                    "predicted": names[pi],
                    "confidence": round(ci, 3),
                }
            )
    return {"rows": rows}


def forecast(model: nn.Module, data: DataBundle, device: torch.device) -> dict[str, Any]:
    """History, true future and predicted future for a few validation series."""
    x, y = data.x_val[:N_FORECASTS], data.y_val[:N_FORECASTS]
    out = model(x.to(device))
    return {
        "predicted": _round(out.reshape(y.shape)),
        "static_history": _round(x[..., 0]),
        "static_truth": _round(y),
    }


def text(model: nn.Module, data: DataBundle, device: torch.device) -> dict[str, Any]:
    """Characters sampled from the model after a fixed prompt (fixed seed: only the model varies)."""
    vocab, stoi = data.spec.vocab, data.extras["stoi"]
    window = data.spec.input_shape[0]
    prompt = data.extras.get("prompt", "")
    ids = [stoi[c] for c in prompt if c in stoi] or [0]
    generator = torch.Generator().manual_seed(0)
    generated: list[int] = []
    for _ in range(GENERATE_CHARS):
        context = torch.tensor([(ids + generated)[-window:]], device=device)
        logits = model(context)[0, -1].float().cpu() / 0.8
        generated.append(int(torch.multinomial(logits.softmax(-1), 1, generator=generator)))
    return {"static_prompt": prompt, "generated": _decode(generated, vocab)}


def table(model: nn.Module, data: DataBundle, device: torch.device) -> dict[str, Any]:
    """True vs predicted target for a few validation rows of a tabular dataset."""
    x, y = data.x_val[:N_ROWS], data.y_val[:N_ROWS]
    out = model(x.to(device)).cpu()
    if data.spec.task == "classification":
        pred, conf = _confidences(out)
        names = data.spec.class_names or tuple(str(i) for i in range(data.spec.n_outputs))
        return {
            "predicted": [names[i] for i in pred.tolist()],
            "confidence": _round(conf, 3),
            "static_true": [names[i] for i in y.tolist()],
        }
    mean, std = data.extras.get("target_mean", 0.0), data.extras.get("target_std", 1.0)
    return {
        "predicted": _round(out[:, 0] * std + mean),
        "static_true": _round(y.reshape(len(y), -1)[:, 0] * std + mean),
    }


SAMPLERS: dict[str, Callable[[nn.Module, DataBundle, torch.device], dict[str, Any]]] = {
    "boundary": boundary,
    "curve": curve,
    "images": images,
    "sequence": sequence,
    "forecast": forecast,
    "text": text,
    "table": table,
}


@torch.no_grad()
def sample_predictions(model: nn.Module, data: DataBundle, device: torch.device) -> dict[str, Any]:
    """Run the dataset's sampler with the model in eval mode, restoring its mode afterwards."""
    was_training = model.training
    model.eval()
    try:
        return SAMPLERS[data.spec.sample_kind](model, data, device)
    finally:
        model.train(was_training)
