"""Pieces every architecture shares: config checking, activations, input adapters, output heads.

An input adapter turns each `DataSpec.input_kind` into what an architecture consumes (a flat vector
or a sequence of feature vectors); `make_head` maps features to the task's output shape.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn as nn
import torch.nn.functional as F

from core.data.base import DataSpec
from core.i18n import _
from core.models.base import ModelConfig
from core.validation import check_ranges

Activation = Literal["relu", "leaky_relu", "gelu", "tanh", "sigmoid", "linear"]
InitScheme = Literal["default", "xavier", "he", "zeros", "constant"]

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "linear": nn.Identity,
}


def activation(name: str) -> nn.Module:
    """A fresh activation module by name; "linear" is the identity."""
    if name not in _ACTIVATIONS:
        raise ValueError(f"activation {name!r} is unknown; choose one of {sorted(_ACTIVATIONS)}")
    return _ACTIVATIONS[name]()


def check_fields(cfg: object) -> None:
    """Validate every field of dataclass `cfg` against its type hint and metadata.

    Numbers (and each item of a tuple of numbers) must lie in metadata [min, max], tuple lengths in
    [min_len, max_len]; Literal fields must be one of the choices; bools must be bools.
    """
    check_ranges(cfg)
    owner = type(cfg).__name__
    hints = typing.get_type_hints(type(cfg))
    for f in dataclasses.fields(cfg):
        value, tp, meta = getattr(cfg, f.name), hints[f.name], f.metadata
        origin = typing.get_origin(tp)
        if origin is Literal and value not in typing.get_args(tp):
            choices = list(typing.get_args(tp))
            raise ValueError(f"{owner}.{f.name} = {value!r} is not one of {choices}")
        if tp is bool and not isinstance(value, bool):
            raise ValueError(f"{owner}.{f.name} must be True or False, got {value!r}")
        if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"{owner}.{f.name} must be a whole number, got {value!r}")
        if origin is tuple:
            if not isinstance(value, tuple):
                raise ValueError(f"{owner}.{f.name} must be a tuple, got {value!r}")
            lo, hi = meta.get("min_len", 0), meta.get("max_len", math.inf)
            if not lo <= len(value) <= hi:
                raise ValueError(f"{owner}.{f.name} has {len(value)} items; allowed {lo} to {hi}")
            lo, hi = meta.get("min", -math.inf), meta.get("max", math.inf)
            for item in value:
                if isinstance(item, bool) or not isinstance(item, (int, float)):
                    raise ValueError(f"{owner}.{f.name} must hold numbers, got {item!r}")
                if not lo <= item <= hi:
                    raise ValueError(
                        f"{owner}.{f.name} = {value!r}: {item!r} is outside the allowed range "
                        f"[{lo}, {hi}]"
                    )


@dataclass(frozen=True)
class CheckedConfig(ModelConfig):
    """A ModelConfig whose fields are validated against their metadata when it is created."""

    def __post_init__(self) -> None:
        check_fields(self)


def require_input(cfg: ModelConfig, spec: DataSpec, kinds: tuple[str, ...], why: str) -> None:
    """Raise a learner-readable ValueError when `spec.input_kind` is not in `kinds` (`why` is
    marked for translation where it is written, and translated here)."""
    if spec.input_kind not in kinds:
        raise ValueError(
            _("{model} cannot read {kind} inputs of {dataset} (it takes {kinds}): {why}").format(
                model=_(cfg.title),
                kind=repr(spec.input_kind),
                dataset=repr(spec.name),
                kinds=", ".join(kinds),
                why=_(why),
            )
        )


def n_positions(spec: DataSpec) -> int:
    """Sequence length as a sequence model sees it: T for tokens/series, image rows for images."""
    if spec.input_kind == "image":
        return spec.input_shape[1]
    return spec.input_shape[0]


class FlatInput(nn.Module):
    """Turns any input into one feature vector per example: (B, ...) -> (B, out_features).

    Images and series are flattened; token ids become one-hot vectors, then flattened.
    """

    def __init__(self, spec: DataSpec) -> None:
        super().__init__()
        self.vocab_size = spec.vocab_size if spec.input_kind == "tokens" else 0
        self.out_features = math.prod(spec.input_shape) * max(self.vocab_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.vocab_size:
            x = F.one_hot(x, self.vocab_size).float()  # (B, T, V)
        return x.flatten(1)


class SequenceInput(nn.Module):
    """Turns any sequence-like input into (B, T, out_features).

    Token ids are embedded into `dim` features; series steps (B, T, F) and image rows
    (B, H, C*W) pass through, or are projected to `dim` when `project` is True.
    """

    def __init__(self, spec: DataSpec, dim: int, project: bool) -> None:
        super().__init__()
        self.is_image = spec.input_kind == "image"
        if spec.input_kind == "tokens":
            self.embed: nn.Module = nn.Embedding(spec.vocab_size, dim)
            self.out_features = dim
            return
        if self.is_image:
            channels, _height, width = spec.input_shape
            features = channels * width
        else:
            features = spec.input_shape[-1]
        self.embed = nn.Linear(features, dim) if project else nn.Identity()
        self.out_features = dim if project else features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.is_image:
            x = x.permute(0, 2, 1, 3).flatten(2)  # (B, C, H, W) -> (B, H, C*W): rows are steps
        return self.embed(x)


def make_head(in_features: int, spec: DataSpec, per_position: bool) -> nn.Module:
    """Final linear layer producing the task's output shape from features.

    per_position=True: features are (B, T, D) and every step gets its own output (sequence models).
    Otherwise features are (B, D); for the "tokens" task the head emits T*n_outputs values and
    reshapes them to (B, T, n_outputs).
    """
    if spec.task != "tokens" or per_position:
        return nn.Linear(in_features, spec.n_outputs)
    t = n_positions(spec)
    return nn.Sequential(
        nn.Linear(in_features, t * spec.n_outputs), nn.Unflatten(1, (t, spec.n_outputs))
    )
