"""Looking inside a model on a few fixed inputs: CNN feature maps and filters, Transformer
attention, recurrent hidden states and LSTM gates. Plain data out, for the insight views.

Each probe returns {} when the model has no such layers, so one callback serves every architecture.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn as nn

MAX_CHANNELS = 8
MAX_SIDE = 20  # feature maps are average-pooled down to at most this many pixels a side
MAX_UNITS = 32
# Attention is recorded for what the Inside view can show, within a budget of cells per frame:
# a frame travels to the server and up to 64 stay in memory, so a 16-head, 256-token model must
# not ship 16 x 256 x 256 weights per input (that took one server from 0.6 to 1.5 GB).
MAX_ATTENTION_LAYERS = 6
MAX_ATTENTION_HEADS = 8
MAX_TOKENS = 64  # positions recorded (the first ones) for attention and recurrent state
MAX_ATTENTION_CELLS = 65_536  # per frame, all inputs, layers and heads together


def _quantize(maps: torch.Tensor) -> list:
    """Scale each map (last two dims) to 0-255 ints: small to send, enough to draw."""
    flat = maps.flatten(-2)
    lo = flat.min(-1, keepdim=True).values
    hi = flat.max(-1, keepdim=True).values
    scaled = ((flat - lo) / (hi - lo).clamp_min(1e-8) * 255).round().to(torch.uint8)
    return scaled.reshape(maps.shape).tolist()


def _capture(model: nn.Module, modules: list[tuple[str, nn.Module]], x: torch.Tensor) -> dict:
    """Run `model(x)` once, keeping each listed module's (input, output)."""
    seen: dict[str, tuple] = {}
    handles = [
        m.register_forward_hook(lambda _m, i, o, name=name: seen.__setitem__(name, (i, o)))
        for name, m in modules
    ]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    return seen


def feature_maps(model: nn.Module, x: torch.Tensor) -> dict[str, Any]:
    """Every conv layer's output maps for inputs `x` (B, C, H, W), and the first layer's filters."""
    convs = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    if not convs or x.dim() != 4:
        return {}
    seen = _capture(model, convs, x)
    layers, maps = [], []
    for name, _ in convs:
        if name in seen:
            layers.append(name)
            out = seen[name][1][:, :MAX_CHANNELS].float()  # (B, C, H, W)
            if max(out.shape[-2:]) > MAX_SIDE:
                out = torch.nn.functional.adaptive_avg_pool2d(out, MAX_SIDE)
            maps.append(_quantize(out))
    weight = convs[0][1].weight.detach().float()[:16]  # (C_out, C_in, k, k)
    return {
        "layers": layers,
        "maps": maps,
        "filters": torch.round(weight, decimals=4).tolist(),
        "channels": [int(m.out_channels) for _, m in convs],
    }


def attention(model: nn.Module, x: torch.Tensor) -> dict[str, Any]:
    """Attention weights (B, heads, T, T) of every block that can record them."""
    blocks = [(n, m) for n, m in model.named_modules() if hasattr(m, "record_attention")]
    if not blocks:
        return {}
    for _, block in blocks:
        block.record_attention = True
    try:
        model(x)
    finally:
        for _, block in blocks:
            block.record_attention = False
    blocks = blocks[:MAX_ATTENTION_LAYERS]
    weights = [b.last_attention[:, :MAX_ATTENTION_HEADS].float() for _, b in blocks]
    n_maps = sum(w.shape[0] * w.shape[1] for w in weights)
    side = min(MAX_TOKENS, int(math.sqrt(MAX_ATTENTION_CELLS / max(1, n_maps))))
    maps = [torch.round(w[..., :side, :side], decimals=3).tolist() for w in weights]
    return {"layers": [n for n, _ in blocks], "maps": maps}


def _lstm_gates(lstm: nn.LSTM, inp: torch.Tensor) -> torch.Tensor:
    """Recompute the first layer's forward-direction gates step by step: (B, T, 4, units).

    nn.LSTM fuses the gates in C++; redoing layer 0 in Python for a handful of inputs is cheap and
    uses the very weights being trained (gate order i, f, g, o as in PyTorch).
    """
    b, t, _ = inp.shape
    n = lstm.hidden_size
    h = inp.new_zeros(b, n)
    c = inp.new_zeros(b, n)
    w_ih, w_hh = lstm.weight_ih_l0, lstm.weight_hh_l0
    bias = (lstm.bias_ih_l0 + lstm.bias_hh_l0) if lstm.bias else 0.0
    gates_over_time = []
    for step in range(t):
        z = inp[:, step] @ w_ih.T + h @ w_hh.T + bias
        i, f, g, o = z.chunk(4, dim=1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c = f * c + i * g
        h = o * c.tanh()
        gates_over_time.append(torch.stack([i, f, g, o], dim=1)[..., :MAX_UNITS])
    return torch.stack(gates_over_time, dim=1)


def recurrent(model: nn.Module, x: torch.Tensor) -> dict[str, Any]:
    """Hidden state over time of the first recurrent module (B, T, units), plus LSTM gates."""
    rnns = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.RNNBase)]
    if not rnns:
        return {}
    name, rnn = rnns[0]
    inp, out = _capture(model, [rnns[0]], x)[name]
    out = out[0] if isinstance(out, tuple) else out  # (B, T, H * directions)
    hidden = out[:, :MAX_TOKENS, : min(rnn.hidden_size, MAX_UNITS)]
    result: dict[str, Any] = {
        "layer": name,
        "cell": type(rnn).__name__,
        "hidden": torch.round(hidden.float(), decimals=3).tolist(),
    }
    if isinstance(rnn, nn.LSTM) and rnn.proj_size == 0:
        gates = _lstm_gates(rnn, inp[0][:, :MAX_TOKENS].float())
        result["gates"] = torch.round(gates, decimals=3).tolist()
        result["gate_names"] = ["input", "forget", "cell", "output"]
    return result


PROBES = {"feature_maps": feature_maps, "attention": attention, "recurrent": recurrent}


@torch.no_grad()
def probe_all(model: nn.Module, x: torch.Tensor) -> dict[str, dict[str, Any]]:
    """Every probe on inputs `x`, model in eval mode (mode restored afterwards)."""
    was_training = model.training
    model.eval()
    try:
        return {name: fn(model, x) for name, fn in PROBES.items()}
    finally:
        model.train(was_training)
