"""Using a trained run: a stored run plus a raw input gives a prediction.

One function, `predict`, serves the Try page, the HTTP API (`core.serve`) and tests. A run is
rebuilt from its stored config (same data, same seed, so the same preprocessing: feature maps of
the 2-D toys, image mean/std, the text vocabulary) and its final weights (`final.pt`).

Raw inputs are plain JSON-like values, validated here; anything wrong is a ValueError written for
the person who sent it (the API turns it into a 422, the page into a message):
- 2-D toys: {"point": [x, y]}
- images: {"image": rows of pixels, 0-255 or 0-1, grey (H, W) or colour (H, W, 3), any size}
- text models: {"prompt": "...", "length": 40, "temperature": 0.8, "top_k": 5}
- text classifiers: {"text": "What a lovely film."}
- sequence tasks: {"sequence": "abcab"} (symbols of the task's alphabet)
- series forecasting: {"series": [0.1, 0.4, ...]} (the last values seen, oldest first)
- tables (CSV): {"row": {"column": value, ...}} (a missing column is a missing value)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from core.config import RunConfig
from core.data import load_dataset
from core.data.base import DataBundle
from core.data.files import resolve_upload
from core.i18n import _
from core.models import build_model
from core.store import RunStore

MAX_SIDE = 256  # pixels a side of an image sent to predict
MAX_PROMPT = 2_000  # characters
MAX_LENGTH = 500  # characters sampled
TOP_CLASSES = 10


@dataclass
class Trained:
    """A run's model with its final weights, and the data it was trained on (for preprocessing)."""

    run_id: str
    config: RunConfig
    data: DataBundle
    model: nn.Module

    @property
    def input_kind(self) -> str:
        """What `predict` takes: point, image, prompt, text, sequence, series or row."""
        spec = self.data.spec
        if spec.input_kind == "image":
            return "image"
        if spec.sample_kind == "text":
            return "prompt"
        if "encoder" in self.data.extras and spec.input_kind == "tokens":
            return "text"
        if spec.input_kind == "tokens":
            return "sequence"
        if spec.input_kind == "series":
            return "series"
        if "featurize" in self.data.extras:
            return "point"
        if "encoder" in self.data.extras:
            return "row"
        return "unsupported"

    def describe(self) -> dict[str, Any]:
        """The input spec a client needs: what to send and what comes back."""
        spec = self.data.spec
        out: dict[str, Any] = {
            "run_id": self.run_id,
            "dataset": spec.name,
            "model": self.config.model.kind,
            "task": spec.task,
            "input": self.input_kind,
            "input_shape": list(spec.input_shape),
        }
        if spec.class_names:
            out["classes"] = list(spec.class_names)
        if self.input_kind == "row":
            encoder = self.data.extras["encoder"]
            out["columns"] = {
                c.name: "number" if c.numeric else list(c.levels) for c in encoder.columns
            }
        if spec.vocab and self.input_kind in ("prompt", "sequence"):
            out["vocabulary"] = list(spec.vocab)
        return out


def load_trained(store: RunStore, run_id: str, device: str = "cpu") -> Trained:
    """Rebuild run `run_id` from the store: KeyError if unknown, ValueError if it has no weights."""
    view = store.load(run_id)
    if view is None:
        raise KeyError(_("no run {run_id}").format(run_id=repr(run_id)))
    checkpoint = store.weights_path(run_id)  # a training run: its latest snapshot
    if checkpoint is None:
        raise ValueError(
            _("run {run_id} has no saved weights yet (it is {status})").format(
                run_id=run_id, status=_(view.status)
            )
        )
    cfg = replace(view.config, data=resolve_upload(view.config.data, store.uploads_dir))
    return trained_from(cfg, checkpoint, run_id, device)


def trained_from(
    cfg: RunConfig, checkpoint: Path, run_id: str = "", device: str = "cpu"
) -> Trained:
    """A model of `cfg` with the weights in `checkpoint`, and its data (loaded as in training)."""
    data = load_dataset(cfg.data, cfg.seed)
    model = build_model(cfg.model, data.spec, seed=cfg.seed)
    model.load_state_dict(torch.load(checkpoint, map_location=device, weights_only=True))
    model.to(device).eval()
    return Trained(run_id, cfg, data, model)


@torch.no_grad()
def predict(trained: Trained, raw: dict[str, Any]) -> dict[str, Any]:
    """The model's output for one raw input (see the module docstring for the shapes)."""
    if not isinstance(raw, dict):
        raise ValueError(
            _("send a JSON object, e.g. {example}").format(example='{"point": [0.5, -1.0]}')
        )
    kind = trained.input_kind
    if kind not in raw:
        raise ValueError(
            _("this model takes {kind}: send {example}").format(
                kind=repr(kind), example=f"{{{kind!r}: ...}}"
            )
        )
    handler = {
        "point": _predict_point,
        "image": _predict_image,
        "prompt": _predict_text,
        "sequence": _predict_sequence,
        "row": _predict_row,
        "series": _predict_series,
        "text": _predict_labelled_text,
    }.get(kind)
    if handler is None:
        raise ValueError(
            _("predicting for {dataset} data is not offered").format(dataset=trained.data.spec.name)
        )
    return handler(trained, raw)


# -- outputs -----------------------------------------------------------------------------------
def _scores(trained: Trained, logits: torch.Tensor) -> dict[str, Any]:
    """Class probabilities (classification) or values (regression) for one example's output."""
    spec = trained.data.spec
    if spec.task == "regression":
        values = logits.flatten()
        mean, std = trained.data.extras.get("target_mean"), trained.data.extras.get("target_std")
        if mean is not None:
            values = values * std + mean
        return {"values": [round(float(v), 6) for v in values]}
    probs = logits.flatten().softmax(-1)
    names = spec.class_names or tuple(str(i) for i in range(len(probs)))
    order = probs.argsort(descending=True)[:TOP_CLASSES]
    return {
        "prediction": names[int(order[0])],
        "probabilities": {names[int(i)]: round(float(probs[i]), 6) for i in order},
    }


# -- inputs ------------------------------------------------------------------------------------
def _numbers(value: Any, what: str) -> torch.Tensor:
    try:
        tensor = torch.tensor(value, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(
            _("{what} must be numbers (nested lists of equal length)").format(what=what)
        ) from None
    if not torch.isfinite(tensor).all():
        raise ValueError(_("{what} contains NaN or infinity").format(what=what))
    return tensor


def _predict_point(trained: Trained, raw: dict[str, Any]) -> dict[str, Any]:
    point = _numbers(raw["point"], "point")
    dims = trained.data.extras["points"].shape[1]
    if point.shape != (dims,):
        raise ValueError(
            _("point must be {n} numbers, got shape {shape}").format(
                n=dims, shape=list(point.shape)
            )
        )
    x = trained.data.extras["featurize"](point[None])
    return {"input": point.tolist(), **_scores(trained, trained.model(x)[0])}


def preprocess_image(trained: Trained, pixels: Any) -> torch.Tensor:
    """Any-size grey or colour pixels -> the (1, C, H, W) tensor the model sees (resized to the
    training images' size, scaled like them, normalized with their mean and std)."""
    img = _numbers(pixels, "image")
    if img.dim() == 2:
        img = img[..., None]
    if img.dim() != 3 or img.shape[-1] not in (1, 3, 4) or min(img.shape[:2]) < 1:
        raise ValueError(_("image must be rows of pixels: (H, W) grey or (H, W, 3) colour"))
    if max(img.shape[:2]) > MAX_SIDE:
        raise ValueError(
            _("image is {width}x{height}; at most {limit} a side").format(
                width=img.shape[1], height=img.shape[0], limit=MAX_SIDE
            )
        )
    img = img[..., :3]
    if float(img.max()) > 1.0:
        img = img / 255.0
    channels, height, width = trained.data.spec.input_shape
    img = img.permute(2, 0, 1)[None]  # (1, c, h, w)
    if img.shape[1] != channels:
        img = (
            img.mean(1, keepdim=True) if channels == 1 else img.expand(1, channels, *img.shape[2:])
        )
    img = F.interpolate(img, size=(height, width), mode="area")
    extras = trained.data.extras
    if "mean" in extras:
        mean = torch.tensor(extras["mean"]).view(1, -1, 1, 1)
        std = torch.tensor(extras["std"]).view(1, -1, 1, 1)
        img = (img - mean) / std
    return img


def _predict_image(trained: Trained, raw: dict[str, Any]) -> dict[str, Any]:
    x = preprocess_image(trained, raw["image"])
    return {"seen": x[0].tolist(), **_scores(trained, trained.model(x)[0])}


def _encode(trained: Trained, text: str, what: str) -> list[int]:
    stoi = {ch: i for i, ch in enumerate(trained.data.spec.vocab)}
    unknown = sorted({ch for ch in text if ch not in stoi})
    if unknown:
        shown = "".join(unknown[:10])
        raise ValueError(
            _("{what} has characters the model never saw: {chars}").format(
                what=what, chars=repr(shown)
            )
        )
    return [stoi[ch] for ch in text]


def _predict_text(trained: Trained, raw: dict[str, Any]) -> dict[str, Any]:
    prompt = raw["prompt"]
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(_("prompt must be a non-empty string"))
    if len(prompt) > MAX_PROMPT:
        raise ValueError(
            _("{what} is {n} characters; at most {limit}").format(
                what="prompt", n=len(prompt), limit=MAX_PROMPT
            )
        )
    length = _bounded_int(raw.get("length", 40), "length", 0, MAX_LENGTH)
    top_k = _bounded_int(raw.get("top_k", 0), "top_k", 0, len(trained.data.spec.vocab))
    temperature = raw.get("temperature", 1.0)
    if not isinstance(temperature, int | float) or not 0.01 <= temperature <= 10:
        raise ValueError(_("temperature must be a number from 0.01 to 10"))
    seed = _bounded_int(raw.get("seed", 0), "seed", 0, 2**31 - 1)
    ids = _encode(trained, prompt, "prompt")
    window = trained.data.spec.input_shape[0]
    vocab = trained.data.spec.vocab
    g = torch.Generator().manual_seed(seed)

    def next_distribution(context: list[int]) -> torch.Tensor:
        x = torch.tensor([context[-window:]], dtype=torch.int64)
        return (trained.model(x)[0, -1] / temperature).softmax(-1)

    first = next_distribution(ids)
    generated: list[int] = []
    probs = first
    for _step in range(length):
        if top_k:
            cutoff = probs.topk(top_k).values[-1]
            probs = torch.where(probs >= cutoff, probs, torch.zeros_like(probs))
        nxt = int(torch.multinomial(probs / probs.sum(), 1, generator=g))
        generated.append(nxt)
        probs = next_distribution(ids + generated)
    order = first.argsort(descending=True)[:TOP_CLASSES]
    return {
        "prompt": prompt,
        "continuation": "".join(vocab[i] for i in generated),
        "next_character": {vocab[int(i)]: round(float(first[i]), 6) for i in order},
    }


def _predict_sequence(trained: Trained, raw: dict[str, Any]) -> dict[str, Any]:
    seq = raw["sequence"]
    if isinstance(seq, list):
        seq = "".join(map(str, seq))
    if not isinstance(seq, str) or not seq:
        raise ValueError(_("sequence must be a non-empty string of symbols"))
    spec = trained.data.spec
    ids = _encode(trained, seq, "sequence")
    if len(ids) != spec.input_shape[0]:
        raise ValueError(
            _("sequence must be {n} symbols long, got {got}").format(
                n=spec.input_shape[0], got=len(ids)
            )
        )
    out = trained.model(torch.tensor([ids], dtype=torch.int64))[0]
    if spec.task == "tokens":
        return {"sequence": seq, "output": "".join(spec.vocab[int(i)] for i in out.argmax(-1))}
    return {"sequence": seq, **_scores(trained, out)}


def _predict_labelled_text(trained: Trained, raw: dict[str, Any]) -> dict[str, Any]:
    text = raw["text"]
    if not isinstance(text, str) or not text.strip():
        raise ValueError(_("text must be a non-empty string"))
    if len(text) > MAX_PROMPT:
        raise ValueError(
            _("{what} is {n} characters; at most {limit}").format(
                what="text", n=len(text), limit=MAX_PROMPT
            )
        )
    x = trained.data.extras["encoder"].encode([text])
    return {"text": text, **_scores(trained, trained.model(x)[0])}


def _predict_series(trained: Trained, raw: dict[str, Any]) -> dict[str, Any]:
    steps = trained.data.spec.input_shape[0]
    series = _numbers(raw["series"], "series")
    if series.shape != (steps,):
        raise ValueError(
            _("series must be {n} numbers, got shape {shape}").format(
                n=steps, shape=list(series.shape)
            )
        )
    out = trained.model(series.view(1, steps, 1))[0]
    return {"series": series.tolist(), "forecast": [round(float(v), 6) for v in out.flatten()]}


def _predict_row(trained: Trained, raw: dict[str, Any]) -> dict[str, Any]:
    """One table row: {"row": {column: value}}; a missing column counts as a missing value."""
    import pandas as pd

    row = raw["row"]
    encoder = trained.data.extras["encoder"]
    if not isinstance(row, dict):
        raise ValueError(_("row must be an object of column: value"))
    known = {c.name for c in encoder.columns}
    unknown = sorted(set(row) - known)
    if unknown:
        raise ValueError(
            _("unknown column(s) {unknown}; the columns are {columns}").format(
                unknown=unknown, columns=sorted(known)
            )
        )
    for c in encoder.columns:
        value = row.get(c.name)
        if c.numeric and value is not None and not isinstance(value, int | float):
            raise ValueError(
                _("{column} takes a number, got {value}").format(column=c.name, value=repr(value))
            )
        if c.numeric and isinstance(value, float) and not math.isfinite(value):
            raise ValueError(_("{column} is NaN or infinite").format(column=c.name))
    frame = pd.DataFrame([{c.name: row.get(c.name) for c in encoder.columns}], dtype=object)
    x = torch.from_numpy(encoder.encode(frame))
    return {"row": row, **_scores(trained, trained.model(x)[0])}


def _bounded_int(value: Any, what: str, lo: int, hi: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value != int(value)
        or not lo <= value <= hi
    ):
        raise ValueError(
            _("{what} must be a whole number from {lo} to {hi}").format(what=what, lo=lo, hi=hi)
        )
    return int(value)
