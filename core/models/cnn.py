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
from core.i18n import N_, _
from core.models.layers import (
    Activation,
    CheckedConfig,
    InitScheme,
    activation,
    make_head,
    require_input,
)

_IMAGES_ONLY = N_("convolutions slide a small window over the rows and columns of a picture.")


@dataclass(frozen=True)
class CNNConfig(CheckedConfig):
    """Conv blocks (conv -> [BatchNorm] -> activation -> [pool] -> [dropout]) then a dense head."""

    kind: ClassVar[str] = "cnn"
    title: ClassVar[str] = N_("CNN (convolutional)")

    channels: tuple[int, ...] = field(
        default=(16, 32),
        metadata={
            "min": 1,
            "max": 512,
            "min_len": 1,
            "max_len": 6,
            "label": N_("Channels"),
            "help": N_("Filters per block."),
        },
    )
    kernel_size: int = field(
        default=3,
        metadata={
            "min": 1,
            "max": 7,
            "label": N_("Kernel size"),
            "help": N_("Width of each filter in pixels."),
        },
    )
    stride: int = field(
        default=1,
        metadata={
            "min": 1,
            "max": 3,
            "label": N_("Stride"),
            "help": N_("Pixels the filter moves per step."),
        },
    )
    padding: int = field(
        default=1,
        metadata={
            "min": 0,
            "max": 3,
            "label": N_("Padding"),
            "help": N_("Zero pixels added around the border."),
        },
    )
    pool: Literal["max", "avg", "none"] = field(
        default="max",
        metadata={
            "label": N_("Pool"),
            "help": N_("Halve the image after each block (max or average)."),
            "options": {
                "max": N_("max pooling"),
                "avg": N_("average pooling"),
                "none": N_("no pooling"),
            },
        },
    )
    batch_norm: bool = field(
        default=False,
        metadata={
            "label": N_("Batch norm"),
            "help": N_("Normalise each block's output over the batch."),
        },
    )
    dropout: float = field(
        default=0.0,
        metadata={
            "min": 0.0,
            "max": 0.9,
            "label": N_("Dropout"),
            "help": N_("Share of activations switched off in training."),
        },
    )
    activation: Activation = field(
        default="relu",
        metadata={"label": N_("Activation"), "help": N_("Non-linearity after convs.")},
    )
    head_hidden: int = field(
        default=64,
        metadata={
            "min": 0,
            "max": 1024,
            "label": N_("Head hidden"),
            "help": N_("Dense layer before the output (0 = none)."),
        },
    )
    init: InitScheme = field(
        default="default",
        metadata={"label": N_("Init"), "help": N_("How the weights start before training.")},
    )

    def block_shapes(self, spec: DataSpec) -> list[tuple[int, int, bool]]:
        """(height, width, pooled) after each block; ValueError if the image gets too small."""
        _channels, h, w = spec.input_shape
        shapes = []
        for i in range(len(self.channels)):
            h = (h + 2 * self.padding - self.kernel_size) // self.stride + 1
            w = (w + 2 * self.padding - self.kernel_size) // self.stride + 1
            if h < 1 or w < 1:
                raise ValueError(
                    _(
                        "conv block {block} shrinks the {height}x{width} image to nothing "
                        "(kernel_size={kernel_size}, stride={stride}, padding={padding}); use "
                        "fewer blocks, a smaller kernel or more padding"
                    ).format(
                        block=i + 1,
                        height=spec.input_shape[1],
                        width=spec.input_shape[2],
                        kernel_size=self.kernel_size,
                        stride=self.stride,
                        padding=self.padding,
                    )
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
        for out_ch, (_h, _w, pooled) in zip(cfg.channels, shapes, strict=True):
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
        h, w, _pooled = shapes[-1]
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
        metadata={
            "label": N_("Zero init residual"),
            "help": N_("Start every residual block as the identity (last BatchNorm at 0)."),
        },
    )

    def check(self, spec: DataSpec) -> None:
        require_input(self, spec, ("image",), _IMAGES_ONLY)
        if spec.task == "tokens":
            raise ValueError(_("ResNet-18 gives one answer per image, not one per position"))

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
