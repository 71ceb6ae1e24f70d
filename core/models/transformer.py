"""A small pre-norm Transformer built from torch.nn pieces, as encoder or causal decoder.

Each `Block` can record its attention weights (`record_attention = True`) for the attention-maps
view; training leaves it off so attention runs without materialising the weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import torch
import torch.nn as nn

from core.data.base import DataSpec
from core.i18n import N_, _
from core.models.layers import CheckedConfig, SequenceInput, make_head, n_positions, require_input


@dataclass(frozen=True)
class TransformerConfig(CheckedConfig):
    """Token/step embeddings + positions -> n_layers attention blocks -> output head."""

    kind: ClassVar[str] = "transformer"
    title: ClassVar[str] = "Transformer"

    d_model: int = field(
        default=64,
        metadata={
            "min": 4,
            "max": 1024,
            "label": N_("D model"),
            "help": N_("Vector size carried per position."),
        },
    )
    n_heads: int = field(
        default=4,
        metadata={
            "min": 1,
            "max": 16,
            "label": N_("N heads"),
            "help": N_("Attention heads (must divide d_model)."),
        },
    )
    n_layers: int = field(
        default=2,
        metadata={
            "min": 1,
            "max": 12,
            "label": N_("N layers"),
            "help": N_("Attention blocks stacked."),
        },
    )
    d_ff: int = field(
        default=128,
        metadata={
            "min": 4,
            "max": 4096,
            "label": N_("D ff"),
            "help": N_("Hidden size of each block's feed-forward part."),
        },
    )
    dropout: float = field(
        default=0.0,
        metadata={
            "min": 0.0,
            "max": 0.9,
            "label": N_("Dropout"),
            "help": N_("Dropout on attention and residual paths."),
        },
    )
    positional: Literal["sinusoidal", "learned", "none"] = field(
        default="learned",
        metadata={
            "label": N_("Positional"),
            "help": N_("How each position learns where it is."),
            "options": {
                "sinusoidal": N_("sinusoidal (fixed)"),
                "learned": N_("learned (trained with the model)"),
                "none": N_("none (order is invisible)"),
            },
        },
    )
    mode: Literal["auto", "encoder", "decoder"] = field(
        default="auto",
        metadata={
            "label": N_("Mode"),
            "help": N_("Decoder = only look at earlier positions; auto picks from the task."),
            "options": {
                "auto": N_("auto (from the task)"),
                "encoder": N_("encoder (sees every position)"),
                "decoder": N_("decoder (sees earlier positions only)"),
            },
        },
    )

    def is_causal(self, spec: DataSpec) -> bool:
        """True when attention must be masked so a position sees only itself and the past."""
        return self.mode == "decoder" or (self.mode == "auto" and spec.causal)

    def check(self, spec: DataSpec) -> None:
        require_input(
            self,
            spec,
            ("tokens", "series", "image"),
            N_("attention relates positions of a sequence."),
        )
        if self.d_model % self.n_heads:
            raise ValueError(
                _(
                    "d_model={d_model} must be divisible by n_heads={n_heads}: each head gets an "
                    "equal slice of the vector"
                ).format(d_model=self.d_model, n_heads=self.n_heads)
            )
        if spec.causal and self.mode == "encoder":
            raise ValueError(
                _(
                    "An encoder lets every position look at every other one, so when predicting "
                    "the next character it would read the answer. Use mode 'decoder' or 'auto'."
                )
            )

    def build(self, spec: DataSpec) -> nn.Module:
        return Transformer(self, spec)


class Block(nn.Module):
    """Pre-norm block: x + Attention(LayerNorm(x)), then x + FeedForward(LayerNorm(x))."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(
            nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model), nn.Dropout(dropout)
        )
        self.record_attention = False
        self.last_attention: torch.Tensor | None = None  # (B, heads, T, T) when recorded

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        h = self.ln1(x)  # (B, T, D)
        if self.record_attention:
            a, weights = self.attn(
                h, h, h, attn_mask=mask, need_weights=True, average_attn_weights=False
            )
            self.last_attention = weights.detach()
        else:
            a, _weights = self.attn(h, h, h, attn_mask=mask, need_weights=False)
        x = x + self.drop(a)
        return x + self.ff(self.ln2(x))


class SinusoidalPositions(nn.Module):
    """Fixed sin/cos position codes (Vaswani et al.), added to the input; no parameters."""

    def __init__(self, max_len: int, d_model: int) -> None:
        super().__init__()
        pos = torch.arange(max_len).unsqueeze(1)  # (T, 1)
        freq = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        table = torch.zeros(max_len, d_model)
        table[:, 0::2] = torch.sin(pos * freq)
        table[:, 1::2] = torch.cos(pos * freq[: d_model // 2])
        self.register_buffer("table", table, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.table[: x.shape[1]]


class LearnedPositions(nn.Module):
    """One trained vector per position, added to the input."""

    def __init__(self, max_len: int, d_model: int) -> None:
        super().__init__()
        self.table = nn.Parameter(torch.randn(max_len, d_model))  # (T, D), like nn.Embedding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.table[: x.shape[1]]


_POSITIONS = {"sinusoidal": SinusoidalPositions, "learned": LearnedPositions}


class Transformer(nn.Module):
    """Input adapter -> positions -> blocks -> final LayerNorm -> per-position or pooled head."""

    def __init__(self, cfg: TransformerConfig, spec: DataSpec) -> None:
        super().__init__()
        self.causal = cfg.is_causal(spec)
        self.per_position = spec.task == "tokens"
        max_len = n_positions(spec)
        self.inp = SequenceInput(spec, cfg.d_model, project=True)
        position = _POSITIONS.get(cfg.positional)
        self.pos = position(max_len, cfg.d_model) if position else nn.Identity()
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(
            Block(cfg.d_model, cfg.n_heads, cfg.d_ff, cfg.dropout) for _layer in range(cfg.n_layers)
        )
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.head = make_head(cfg.d_model, spec, per_position=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.drop(self.pos(self.inp(x)))  # (B, T, D)
        t = x.shape[1]
        mask = None
        if self.causal:  # True above the diagonal = may not attend to a later position
            mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        for block in self.blocks:
            x = block(x, mask)
        x = self.ln_f(x)
        if self.per_position:
            return self.head(x)  # (B, T, n_outputs)
        pooled = x[:, -1] if self.causal else x.mean(dim=1)  # (B, D)
        return self.head(pooled)
