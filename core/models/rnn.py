"""Recurrent networks (vanilla RNN, LSTM, GRU) over token, series or image-row sequences.

Sequence-to-sequence and next-token tasks read one output per step; classification and regression
read the final hidden state (both directions when bidirectional).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

import torch
import torch.nn as nn

from core.data.base import DataSpec
from core.i18n import N_, _
from core.models.layers import CheckedConfig, InitScheme, SequenceInput, make_head, require_input

_CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@dataclass(frozen=True)
class RNNConfig(CheckedConfig):
    """A stack of recurrent layers reading the input one step at a time."""

    kind: ClassVar[str] = "rnn"
    title: ClassVar[str] = "RNN / LSTM / GRU"

    cell: Literal["rnn", "lstm", "gru"] = field(
        default="lstm",
        metadata={
            "label": N_("Cell"),
            "help": N_("Recurrent cell: plain tanh RNN, LSTM or GRU."),
            "options": {"rnn": N_("RNN (plain tanh)"), "lstm": "LSTM", "gru": "GRU"},
        },
    )
    hidden_size: int = field(
        default=64,
        metadata={
            "min": 1,
            "max": 1024,
            "label": N_("Hidden size"),
            "help": N_("Size of the memory vector."),
        },
    )
    num_layers: int = field(
        default=1,
        metadata={
            "min": 1,
            "max": 6,
            "label": N_("Num layers"),
            "help": N_("Recurrent layers stacked on each other."),
        },
    )
    bidirectional: bool = field(
        default=False,
        metadata={
            "label": N_("Bidirectional"),
            "help": N_("Also read the sequence backwards (not for next-token)."),
        },
    )
    dropout: float = field(
        default=0.0,
        metadata={
            "min": 0.0,
            "max": 0.9,
            "label": N_("Dropout"),
            "help": N_("Dropout between stacked layers."),
        },
    )
    embed_dim: int = field(
        default=32,
        metadata={
            "min": 1,
            "max": 512,
            "label": N_("Embed dim"),
            "help": N_("Vector size for each input token."),
        },
    )
    init: InitScheme = field(
        default="default",
        metadata={"label": N_("Init"), "help": N_("How the weights start before training.")},
    )

    def check(self, spec: DataSpec) -> None:
        require_input(
            self, spec, ("tokens", "series", "image"), N_("it reads a sequence one step at a time.")
        )
        if spec.causal and self.bidirectional:
            raise ValueError(
                _(
                    "A bidirectional RNN also reads the sequence backwards, so when predicting "
                    "the next character it would already have seen it. Turn bidirectional off."
                )
            )

    def build(self, spec: DataSpec) -> nn.Module:
        return RNN(self, spec)


class RNN(nn.Module):
    """Input adapter -> recurrent stack -> per-step head or final-state head."""

    def __init__(self, cfg: RNNConfig, spec: DataSpec) -> None:
        super().__init__()
        self.inp = SequenceInput(spec, cfg.embed_dim, project=False)
        self.rnn = _CELLS[cfg.cell](
            self.inp.out_features,
            cfg.hidden_size,
            num_layers=cfg.num_layers,
            batch_first=True,
            dropout=cfg.dropout if cfg.num_layers > 1 else 0.0,
            bidirectional=cfg.bidirectional,
        )
        self.directions = 2 if cfg.bidirectional else 1
        self.per_step = spec.task == "tokens"
        self.head = make_head(cfg.hidden_size * self.directions, spec, per_position=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, state = self.rnn(self.inp(x))  # out: (B, T, directions * H)
        if self.per_step:
            return self.head(out)  # (B, T, n_outputs)
        h_n = state[0] if isinstance(state, tuple) else state  # LSTM state is (h, c)
        last = h_n[-self.directions :]  # last layer, every direction: (directions, B, H)
        return self.head(last.transpose(0, 1).flatten(1))  # (B, n_outputs)
