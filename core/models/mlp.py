"""A multi-layer perceptron: flatten the input, then Linear -> [BatchNorm] -> activation -> [Dropout].

The simplest network in the lab; the TensorFlow-playground style experiments run on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import torch
import torch.nn as nn

from core.data.base import DataSpec
from core.i18n import N_, _
from core.models.layers import (
    Activation,
    CheckedConfig,
    FlatInput,
    InitScheme,
    activation,
    make_head,
)


@dataclass(frozen=True)
class MLPConfig(CheckedConfig):
    """Fully connected network; `hidden` lists the width of each hidden layer (empty = linear)."""

    kind: ClassVar[str] = "mlp"
    title: ClassVar[str] = N_("MLP (fully connected)")

    hidden: tuple[int, ...] = field(
        default=(16, 16),
        metadata={
            "min": 1,
            "max": 1024,
            "max_len": 16,
            "label": N_("Hidden"),
            "help": N_("Neurons in each hidden layer."),
        },
    )
    activation: Activation = field(
        default="relu",
        metadata={
            "label": N_("Activation"),
            "help": N_("Non-linearity applied after each hidden layer."),
        },
    )
    dropout: float = field(
        default=0.0,
        metadata={
            "min": 0.0,
            "max": 0.9,
            "label": N_("Dropout"),
            "help": N_("Share of neurons switched off in training."),
        },
    )
    batch_norm: bool = field(
        default=False,
        metadata={
            "label": N_("Batch norm"),
            "help": N_("Normalise each hidden layer over the batch."),
        },
    )
    init: InitScheme = field(
        default="default",
        metadata={"label": N_("Init"), "help": N_("How the weights start before training.")},
    )

    def check(self, spec: DataSpec) -> None:
        if spec.causal:
            raise ValueError(
                _(
                    "An MLP sees the whole window at once, so when predicting the next character "
                    "it could simply read it from its input. Use an RNN or a Transformer "
                    "(decoder), which only look at earlier positions."
                )
            )

    def build(self, spec: DataSpec) -> nn.Module:
        return MLP(self, spec)


class MLP(nn.Module):
    """Flattened input -> hidden layers -> output head."""

    def __init__(self, cfg: MLPConfig, spec: DataSpec) -> None:
        super().__init__()
        self.inp = FlatInput(spec)
        layers: list[nn.Module] = []
        width = self.inp.out_features
        for size in cfg.hidden:
            layers.append(nn.Linear(width, size))
            if cfg.batch_norm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(activation(cfg.activation))
            if cfg.dropout > 0:
                layers.append(nn.Dropout(cfg.dropout))
            width = size
        self.body = nn.Sequential(*layers)
        self.head = make_head(width, spec, per_position=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(self.inp(x)))
