"""The contract every architecture follows: a frozen config dataclass plus a builder.

A config subclass sets `kind` (its registry key) and implements `check(spec)` (raise ValueError if the
data does not fit) and `build(spec)` (return an nn.Module that maps a batch to logits/outputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch.nn as nn

from core.data.base import DataSpec
from core.i18n import _


@dataclass(frozen=True)
class ModelConfig:
    """Base class of all model configs; `kind` names the architecture in the MODELS registry."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""

    @classmethod
    def resolve_kind(cls, kind: str) -> type[ModelConfig]:
        """Map a stored `"kind"` tag back to its config class (used by core.serialize)."""
        from core.models import MODELS

        if kind not in MODELS:
            raise ValueError(
                _("unknown model kind {kind}; choose one of {choices}").format(
                    kind=repr(kind), choices=sorted(MODELS)
                )
            )
        return MODELS[kind]

    def check(self, spec: DataSpec) -> None:
        """Raise ValueError with a learner-readable reason when this model cannot handle `spec`."""

    def build(self, spec: DataSpec) -> nn.Module:
        raise NotImplementedError
