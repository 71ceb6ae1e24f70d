"""Models from config: the `MODELS` registry and `build_model`, the one way the engine gets a network.

Adding an architecture = one file with a `ModelConfig` subclass + one line in `MODELS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import torch
import torch.nn as nn

from core.data.base import DataSpec
from core.i18n import _
from core.models.base import ModelConfig
from core.models.cnn import CNNConfig, ResNetConfig
from core.models.init import init_weights
from core.models.mlp import MLPConfig
from core.models.rnn import RNNConfig
from core.models.transformer import TransformerConfig

MODELS: Mapping[str, type[ModelConfig]] = MappingProxyType(
    {
        MLPConfig.kind: MLPConfig,
        CNNConfig.kind: CNNConfig,
        ResNetConfig.kind: ResNetConfig,
        RNNConfig.kind: RNNConfig,
        TransformerConfig.kind: TransformerConfig,
    }
)


def default_config(kind: str) -> ModelConfig:
    """The registry's config for `kind` with every field at its default."""
    if kind not in MODELS:
        raise ValueError(
            _("unknown model kind {kind}; choose one of {choices}").format(
                kind=repr(kind), choices=sorted(MODELS)
            )
        )
    return MODELS[kind]()


def build_model(cfg: ModelConfig, spec: DataSpec, seed: int | None = None) -> nn.Module:
    """Check `cfg` fits `spec`, build it and apply its weight init; `seed` makes weights repeatable."""
    cfg.check(spec)
    if seed is not None:
        torch.manual_seed(seed)
    model = cfg.build(spec)
    return init_weights(model, getattr(cfg, "init", "default"))


def compatible_models(spec: DataSpec) -> list[str]:
    """Registry keys whose default config can handle `spec`, in registry order."""
    kinds = []
    for kind in MODELS:
        try:
            default_config(kind).check(spec)
        except ValueError:
            continue
        kinds.append(kind)
    return kinds


__all__ = [
    "MODELS",
    "CNNConfig",
    "MLPConfig",
    "ModelConfig",
    "RNNConfig",
    "ResNetConfig",
    "TransformerConfig",
    "build_model",
    "compatible_models",
    "default_config",
]
