"""Starter setups as data: named `RunConfig`s that train to a visible result in seconds on a CPU.

The home page offers them as one-click starters; the playground as a starting point to tweak.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from core.config import RunConfig
from core.data.base import DataConfig
from core.finetune import FinetuneConfig
from core.models import CNNConfig, MLPConfig, RNNConfig, TransformerConfig
from core.optim import OptimConfig
from core.trainer import TrainConfig


@dataclass(frozen=True)
class Preset:
    """A named configuration plus one sentence on what to watch while it trains."""

    name: str
    title: str
    blurb: str
    config: RunConfig


PRESETS: Mapping[str, Preset] = MappingProxyType(
    {
        p.name: p
        for p in (
            Preset(
                "spiral",
                "MLP on the spiral",
                "Two interleaved spirals: watch the decision boundary curl around them.",
                RunConfig(
                    data=DataConfig(name="spiral", n_samples=2000, noise=0.15),
                    model=MLPConfig(hidden=(32, 32), activation="relu"),
                    optim=OptimConfig(name="adam", lr=3e-3),
                    train=TrainConfig(epochs=200, batch_size=32),
                ),
            ),
            Preset(
                "digits",
                "CNN on handwritten digits",
                "8x8 scans of digits: a small convolutional network reads them in seconds.",
                RunConfig(
                    data=DataConfig(name="digits", n_samples=1797),
                    model=CNNConfig(channels=(16, 32), head_hidden=64),
                    optim=OptimConfig(name="adam", lr=3e-3),
                    train=TrainConfig(epochs=30, batch_size=64),
                ),
            ),
            Preset(
                "text",
                "LSTM writes text",
                "A recurrent network learns spelling one character at a time; read its attempts.",
                RunConfig(
                    data=DataConfig(name="text", n_samples=4000, seq_len=64),
                    model=RNNConfig(cell="lstm", hidden_size=128, embed_dim=32),
                    optim=OptimConfig(name="adam", lr=3e-3, grad_clip=1.0),
                    train=TrainConfig(epochs=6, batch_size=64),
                ),
            ),
            Preset(
                "reverse",
                "Transformer reverses sequences",
                "Attention learns to look at the mirrored position; watch its maps form.",
                RunConfig(
                    data=DataConfig(name="reverse", n_samples=2000, seq_len=8),
                    model=TransformerConfig(d_model=32, n_heads=2, n_layers=2, d_ff=64),
                    optim=OptimConfig(name="adam", lr=1e-3),
                    train=TrainConfig(epochs=30, batch_size=32),
                ),
            ),
        )
    }
)


def preset_config(name: str) -> RunConfig:
    """The config of preset `name`; ValueError naming the choices for an unknown one."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return PRESETS[name].config


@dataclass(frozen=True)
class FinetuneExample:
    """The worked pre-train / fine-tune example: a CNN learns the digits 0-4 from all their
    examples, then the digits 5-9 from 20 examples (a new head on the pre-trained layers), next
    to the same model trained on those 20 examples from scratch."""

    pretrain: RunConfig
    few: DataConfig
    train: TrainConfig
    optim: OptimConfig

    def pair(self, pretrained_run: str, seed: int = 0) -> tuple[RunConfig, RunConfig]:
        """(fine-tuned from `pretrained_run`, the same from scratch) on the few examples."""
        scratch = replace(
            self.pretrain, data=self.few, train=self.train, optim=self.optim, seed=seed
        )
        start = FinetuneConfig(init_from=f"run:{pretrained_run}", new_head=True)
        return replace(scratch, finetune=start), scratch


FINETUNE_EXAMPLE = FinetuneExample(
    pretrain=RunConfig(
        data=DataConfig(name="digits", classes=(0, 1, 2, 3, 4), n_samples=1797),
        model=CNNConfig(channels=(16, 32)),
        optim=OptimConfig(name="adam", lr=3e-3),
        train=TrainConfig(epochs=15, batch_size=32),
    ),
    few=DataConfig(name="digits", classes=(5, 6, 7, 8, 9), n_samples=40, val_fraction=0.5),
    train=TrainConfig(epochs=10, batch_size=8),
    optim=OptimConfig(name="adam", lr=1e-3),
)
