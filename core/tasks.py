"""Tasks own the loss, the prediction rule and the metric, so one trainer serves every dataset.

Models only return logits/outputs; `TASKS[spec.task]` turns them into a loss, predictions and a
metric (accuracy for classification and tokens, mean absolute error for regression).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

from core.data.base import DataSpec
from core.i18n import _

LossName = Literal["auto", "cross_entropy", "mse", "mae", "huber", "bce", "hinge"]
IGNORE = -100  # target id that is not scored (e.g. the question part of a copy task)


@dataclass(frozen=True)
class Task:
    """Base task: subclasses define which losses fit and how to score predictions."""

    loss_name: str
    losses: tuple[str, ...] = ()
    metric_name: str = "accuracy"
    higher_is_better: bool = True

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def metric_sums(
        self, out: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, int | torch.Tensor]:
        """(sum of per-item scores as a 0-d tensor, item count), so epoch metrics aggregate
        exactly over batches without a device sync per step."""
        raise NotImplementedError


def _one_hot_like(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.one_hot(y, out.shape[-1]).to(out.dtype)


@dataclass(frozen=True)
class ClassificationTask(Task):
    """One label per example; logits (B, C), targets (B,) class ids."""

    losses: tuple[str, ...] = ("cross_entropy", "mse", "mae", "huber", "bce", "hinge")

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        name = self.loss_name
        if name == "cross_entropy":
            return F.cross_entropy(out, y)
        if name == "bce":
            return F.binary_cross_entropy_with_logits(out, _one_hot_like(out, y))
        if name == "hinge":
            return F.multi_margin_loss(out, y)
        probs = out.softmax(-1)
        target = _one_hot_like(out, y)
        return REGRESSION_LOSSES[name](probs, target)

    def metric_sums(
        self, out: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, int | torch.Tensor]:
        return (out.argmax(-1) == y).sum(), y.numel()


@dataclass(frozen=True)
class TokenTask(Task):
    """One label per position; logits (B, T, V), targets (B, T) with IGNORE where not scored."""

    losses: tuple[str, ...] = ("cross_entropy",)

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1), ignore_index=IGNORE)

    def metric_sums(
        self, out: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, int | torch.Tensor]:
        scored = y != IGNORE
        return ((out.argmax(-1) == y) & scored).sum(), scored.sum()


@dataclass(frozen=True)
class RegressionTask(Task):
    """Real-valued targets (B, D); the metric is mean absolute error."""

    losses: tuple[str, ...] = ("mse", "mae", "huber")
    metric_name: str = "mae"
    higher_is_better: bool = False

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return REGRESSION_LOSSES[self.loss_name](out, y.reshape(out.shape))

    def metric_sums(
        self, out: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, int | torch.Tensor]:
        return (out - y.reshape(out.shape)).abs().sum(), out.numel()


REGRESSION_LOSSES = {
    "mse": F.mse_loss,
    "mae": F.l1_loss,
    "huber": F.huber_loss,
}

TASKS: dict[str, type[Task]] = {
    "classification": ClassificationTask,
    "tokens": TokenTask,
    "regression": RegressionTask,
}
DEFAULT_LOSS = {"classification": "cross_entropy", "tokens": "cross_entropy", "regression": "mse"}


def make_task(spec: DataSpec, loss: str = "auto") -> Task:
    """Build the task for a dataset; ValueError when `loss` does not fit it."""
    cls = TASKS[spec.task]
    name = DEFAULT_LOSS[spec.task] if loss == "auto" else loss
    allowed = cls.__dataclass_fields__["losses"].default
    if name not in allowed:
        raise ValueError(
            _("loss {name} does not fit a {task} task; choose one of {allowed}").format(
                name=name, task=spec.task, allowed=", ".join(allowed)
            )
        )
    return cls(loss_name=name)


def losses_for(spec: DataSpec) -> tuple[str, ...]:
    """Losses that make sense for this dataset (for the UI's choices)."""
    return TASKS[spec.task].__dataclass_fields__["losses"].default
