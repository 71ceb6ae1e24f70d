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
from core.i18n import N_
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
                N_("MLP on the spiral"),
                N_("Two interleaved spirals: watch the decision boundary curl around them."),
                RunConfig(
                    data=DataConfig(name="spiral", n_samples=2000, noise=0.15),
                    model=MLPConfig(hidden=(32, 32), activation="relu"),
                    optim=OptimConfig(name="adam", lr=3e-3),
                    train=TrainConfig(epochs=200, batch_size=32),
                ),
            ),
            Preset(
                "digits",
                N_("CNN on handwritten digits"),
                N_("8x8 scans of digits: a small convolutional network reads them in seconds."),
                RunConfig(
                    data=DataConfig(name="digits", n_samples=1797),
                    model=CNNConfig(channels=(16, 32), head_hidden=64),
                    optim=OptimConfig(name="adam", lr=3e-3),
                    train=TrainConfig(epochs=30, batch_size=64),
                ),
            ),
            Preset(
                "text",
                N_("LSTM writes text"),
                N_(
                    "A recurrent network learns spelling one character at a time; read its attempts."
                ),
                RunConfig(
                    data=DataConfig(name="text", n_samples=4000, seq_len=64),
                    model=RNNConfig(cell="lstm", hidden_size=128, embed_dim=32),
                    optim=OptimConfig(name="adam", lr=3e-3, grad_clip=1.0),
                    train=TrainConfig(epochs=6, batch_size=64),
                ),
            ),
            Preset(
                "reverse",
                N_("Transformer reverses sequences"),
                N_("Attention learns to look at the mirrored position; watch its maps form."),
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
    """A worked pre-train / fine-tune example: pre-train on a big task, then fine-tune on a small
    one next to the same model trained on the small one from scratch (Home shows both curves)."""

    name: str
    pretrain_step: str  # what step 1 does, for the button's card
    finetune_step: str  # what step 2 does
    pretrain: RunConfig
    few: DataConfig
    train: TrainConfig
    optim: OptimConfig
    new_head: bool = True

    def pair(self, pretrained_run: str, seed: int = 0) -> tuple[RunConfig, RunConfig]:
        """(fine-tuned from `pretrained_run`, the same from scratch) on the few examples."""
        scratch = replace(
            self.pretrain, data=self.few, train=self.train, optim=self.optim, seed=seed
        )
        start = FinetuneConfig(init_from=f"run:{pretrained_run}", new_head=self.new_head)
        return replace(scratch, finetune=start), scratch


# A short text of the kind a learner pastes: the pre-trained model already knows English spelling.
SHORT_TEXT = (
    "Rain on the harbour, rain on the hill; the boats sleep in the grey water and the gulls "
    "wait on the wall. The fishermen mend their nets and talk about the weather, the price of "
    "fish and the sea that keeps rising every winter. In the evening the lamps come on one by "
    "one along the quay, and the children run home through the puddles.\n"
)

FINETUNE_EXAMPLE = FinetuneExample(
    name="digits",
    pretrain_step=N_("**1 · Pre-train** a CNN on the digits 0-4 (all their examples, about 10 s)."),
    finetune_step=N_(
        "**2 · Fine-tune** it on the digits 5-9 from just 20 examples, next to the "
        "same CNN trained on those 20 from scratch, and compare their curves."
    ),
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

TEXT_FINETUNE_EXAMPLE = FinetuneExample(
    name="text",
    pretrain_step=N_("**1 · Pre-train** a character LSTM on the shipped corpus (about 20 s)."),
    finetune_step=N_(
        "**2 · Fine-tune** it on a short text of a few lines (change it in the "
        "Playground to your own), next to the same LSTM learning that text from scratch."
    ),
    pretrain=RunConfig(
        data=DataConfig(name="text", n_samples=3000, seq_len=48, vocabulary="ascii"),
        model=RNNConfig(cell="lstm", hidden_size=64),
        optim=OptimConfig(name="adam", lr=3e-3, grad_clip=1.0),
        train=TrainConfig(epochs=3, batch_size=64),
    ),
    few=DataConfig(name="text", text=SHORT_TEXT, n_samples=200, seq_len=48, vocabulary="ascii"),
    train=TrainConfig(epochs=1, batch_size=16),
    optim=OptimConfig(name="adam", lr=3e-3, grad_clip=1.0),
    new_head=False,
)

FINETUNE_EXAMPLES = (FINETUNE_EXAMPLE, TEXT_FINETUNE_EXAMPLE)
