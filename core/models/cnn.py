"""Convolutional networks for images: a configurable small CNN and a ResNet-18 for small images.

Shapes are computed up front, so the same config works on 8x8 digits, 28x28 MNIST and 32x32 CIFAR:
pooling is skipped once a side would shrink below 2 pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

import torch
import torch.nn as nn

from core.data.base import DataSpec
from core.models.layers import (
    Activation,
    CheckedConfig,
    InitScheme,
    activation,
    make_head,
    require_input,
)

_IMAGES_ONLY = "convolutions slide a small window over the rows and columns of a picture."


@dataclass(frozen=True)
class CNNConfig(CheckedConfig):
    """Conv blocks (conv -> [BatchNorm] -> activation -> [pool] -> [dropout]) then a dense head."""

    kind: ClassVar[str] = "cnn"
    title: ClassVar[str] = "CNN (convolutional)"

    channels: tuple[int, ...] = field(
        default=(16, 32),
        metadata={"min": 1, "max": 512, "min_len": 1, "max_len": 6, "help": "Filters per block."},
    )
    kernel_size: int = field(
        default=3, metadata={"min": 1, "max": 7, "help": "Width of each filter in pixels."}
    )
    stride: int = field(
        default=1, metadata={"min": 1, "max": 3, "help": "Pixels the filter moves per step."}
    )
    padding: int = field(
        default=1, metadata={"min": 0, "max": 3, "help": "Zero pixels added around the border."}
    )
    pool: Literal["max", "avg", "none"] = field(
        default="max", metadata={"help": "Halve the image after each block (max or average)."}
    )
    batch_norm: bool = field(
        default=False, metadata={"help": "Normalise each block's output over the batch."}
    )
    dropout: float = field(
        default=0.0,
        metadata={"min": 0.0, "max": 0.9, "help": "Share of activations switched off in training."},
    )
    activation: Activation = field(default="relu", metadata={"help": "Non-linearity after convs."})
    head_hidden: int = field(
        default=64,
        metadata={"min": 0, "max": 1024, "help": "Dense layer before the output (0 = none)."},
    )
    init: InitScheme = field(
        default="default", metadata={"help": "How the weights start before training."}
    )

    def block_shapes(self, spec: DataSpec) -> list[tuple[int, int, bool]]:
        """(height, width, pooled) after each block; ValueError if the image gets too small."""
        _, h, w = spec.input_shape
        shapes = []
        for i in range(len(self.channels)):
            h = (h + 2 * self.padding - self.kernel_size) // self.stride + 1
            w = (w + 2 * self.padding - self.kernel_size) // self.stride + 1
            if h < 1 or w < 1:
                raise ValueError(
                    f"conv block {i + 1} shrinks the {spec.input_shape[1]}x{spec.input_shape[2]} "
                    f"image to nothing (kernel_size={self.kernel_size}, stride={self.stride}, "
                    f"padding={self.padding}); use fewer blocks, a smaller kernel or more padding"
                )
            pooled = self.pool != "none" and min(h, w) >= 2
            if pooled:
                h, w = h // 2, w // 2
            shapes.append((h, w, pooled))
        return shapes

    def check(self, spec: DataSpec) -> None:
        require_input(self, spec, ("image",), _IMAGES_ONLY)
        self.block_shapes(spec)

    def build(self, spec: DataSpec) -> nn.Module:
        return CNN(self, spec)


class CNN(nn.Module):
    """Conv feature extractor, flatten, optional hidden dense layer, output head."""

    def __init__(self, cfg: CNNConfig, spec: DataSpec) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        in_ch = spec.input_shape[0]
        pool = nn.MaxPool2d if cfg.pool == "max" else nn.AvgPool2d
        shapes = cfg.block_shapes(spec)
        for out_ch, (_, _, pooled) in zip(cfg.channels, shapes, strict=True):
            layers = [nn.Conv2d(in_ch, out_ch, cfg.kernel_size, cfg.stride, cfg.padding)]
            if cfg.batch_norm:
                layers.append(nn.BatchNorm2d(out_ch))
            layers.append(activation(cfg.activation))
            if pooled:
                layers.append(pool(2))
            if cfg.dropout > 0:
                layers.append(nn.Dropout2d(cfg.dropout))
            blocks.append(nn.Sequential(*layers))
            in_ch = out_ch
        self.features = nn.Sequential(*blocks)
        h, w, _ = shapes[-1]
        width = in_ch * h * w
        hidden: list[nn.Module] = [nn.Flatten()]
        if cfg.head_hidden:
            hidden += [nn.Linear(width, cfg.head_hidden), activation(cfg.activation)]
            if cfg.dropout > 0:
                hidden.append(nn.Dropout(cfg.dropout))
            width = cfg.head_hidden
        self.classifier = nn.Sequential(*hidden)
        self.head = make_head(width, spec, per_position=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.classifier(self.features(x)))  # (B, C, H, W) -> (B, n_outputs)


@dataclass(frozen=True)
class ResNetConfig(CheckedConfig):
    """torchvision's ResNet-18, adapted to small images (3x3 stride-1 stem, no max-pool)."""

    kind: ClassVar[str] = "resnet18"
    title: ClassVar[str] = "ResNet-18"

    zero_init_residual: bool = field(
        default=False,
        metadata={"help": "Start every residual block as the identity (last BatchNorm at 0)."},
    )

    def check(self, spec: DataSpec) -> None:
        require_input(self, spec, ("image",), _IMAGES_ONLY)
        if spec.task == "tokens":
            raise ValueError("ResNet-18 gives one answer per image, not one per position")

    def build(self, spec: DataSpec) -> nn.Module:
        from torchvision.models import resnet18

        model = resnet18(
            weights=None, num_classes=spec.n_outputs, zero_init_residual=self.zero_init_residual
        )
        # The ImageNet stem (7x7 stride 2 + max-pool) would shrink an 8x8 or 32x32 image to 2x2
        # before the first residual block; small images keep their resolution instead.
        model.conv1 = nn.Conv2d(spec.input_shape[0], 64, 3, stride=1, padding=1, bias=False)
        nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")
        model.maxpool = nn.Identity()
        return model
