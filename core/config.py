"""`RunConfig`: the one value that fully describes a training run, seed included.

Same config, same numbers. It round-trips through JSON (store, URL, CLI) via `core.serialize`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from core.data.base import DataConfig
from core.device import DeviceName
from core.finetune import FinetuneConfig
from core.i18n import N_
from core.models.base import ModelConfig
from core.optim import OptimConfig
from core.serialize import from_dict, from_json, to_dict, to_json
from core.trainer import TrainConfig


def _default_model() -> ModelConfig:
    from core.models import default_config

    return default_config("mlp")


@dataclass(frozen=True)
class RunConfig:
    """Dataset, model, optimizer and loop settings for one run."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=_default_model)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    seed: int = field(
        default=0,
        metadata={
            "min": 0,
            "max": 2**31 - 1,
            "label": N_("Seed"),
            "help": N_("Random seed."),
        },
    )
    device: DeviceName = field(
        default="auto",
        metadata={
            "label": N_("Device"),
            "help": N_("Where to train."),
            "options": {
                "auto": N_("auto (the fastest one here)"),
                "cpu": "CPU",
                "cuda": "CUDA (NVIDIA GPU)",
                "mps": "MPS (Apple GPU)",
            },
        },
    )

    def to_json(self) -> str:
        return to_json(self)

    @staticmethod
    def from_json(text: str) -> RunConfig:
        return from_json(RunConfig, text)

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> RunConfig:
        return from_dict(RunConfig, data)

    def with_changes(self, **changes: Any) -> RunConfig:
        """Copy with top-level fields replaced (e.g. `cfg.with_changes(seed=1)`)."""
        return replace(self, **changes)
