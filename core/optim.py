"""Optimizers and learning-rate schedules from a config: the OPTIMIZERS and SCHEDULES registries."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import torch

from core.i18n import N_, _

OptimizerName = Literal["sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw"]
ScheduleName = Literal["constant", "step", "cosine", "warmup"]


@dataclass(frozen=True)
class OptimConfig:
    """How parameters move: optimizer, learning rate and its schedule, regularization, clipping."""

    name: OptimizerName = field(
        default="adam", metadata={"label": N_("Optimizer"), "help": N_("Update rule.")}
    )
    lr: float = field(
        default=3e-3,
        metadata={
            "min": 1e-6,
            "max": 10.0,
            "log": True,
            "label": N_("Learning rate"),
            "help": N_("Learning rate."),
        },
    )
    momentum: float = field(
        default=0.9,
        metadata={
            "min": 0.0,
            "max": 0.999,
            "label": N_("Momentum"),
            "help": N_("Momentum (SGD variants)."),
        },
    )
    beta1: float = field(
        default=0.9,
        metadata={
            "min": 0.0,
            "max": 0.999,
            "label": N_("Beta1"),
            "help": N_("Adam's first-moment decay."),
        },
    )
    beta2: float = field(
        default=0.999,
        metadata={
            "min": 0.0,
            "max": 0.9999,
            "label": N_("Beta2"),
            "help": N_("Adam/RMSprop 2nd moment."),
        },
    )
    weight_decay: float = field(
        default=0.0,
        metadata={
            "min": 0.0,
            "max": 1.0,
            "label": N_("Weight decay"),
            "help": N_("L2 penalty (decoupled in AdamW)."),
        },
    )
    l1: float = field(
        default=0.0,
        metadata={"min": 0.0, "max": 1.0, "label": N_("L1"), "help": N_("L1 penalty on weights.")},
    )
    schedule: ScheduleName = field(
        default="constant",
        metadata={
            "label": N_("Schedule"),
            "help": N_("LR over time."),
            "options": {
                "constant": N_("constant"),
                "step": N_("step decay"),
                "cosine": N_("cosine decay"),
                "warmup": N_("warm-up, then cosine decay"),
            },
        },
    )
    step_every: int = field(
        default=1,
        metadata={
            "min": 1,
            "max": 1000,
            "label": N_("Step every"),
            "help": N_("Epochs between step decays."),
        },
    )
    gamma: float = field(
        default=0.5,
        metadata={
            "min": 0.01,
            "max": 1.0,
            "label": N_("Gamma"),
            "help": N_("Step-decay factor."),
        },
    )
    warmup_steps: int = field(
        default=100,
        metadata={
            "min": 0,
            "max": 100_000,
            "label": N_("Warmup steps"),
            "help": N_("Linear warm-up length (steps)."),
        },
    )
    grad_clip: float = field(
        default=0.0,
        metadata={
            "min": 0.0,
            "max": 1000.0,
            "label": N_("Grad clip"),
            "help": N_("Max gradient norm; 0 = off."),
        },
    )


def _sgd(
    params: Iterable, c: OptimConfig, momentum: float, nesterov: bool
) -> torch.optim.Optimizer:
    return torch.optim.SGD(
        params, lr=c.lr, momentum=momentum, nesterov=nesterov, weight_decay=c.weight_decay
    )


OPTIMIZERS: dict[str, Callable[[Iterable, OptimConfig], torch.optim.Optimizer]] = {
    "sgd": lambda p, c: _sgd(p, c, 0.0, False),
    "momentum": lambda p, c: _sgd(p, c, c.momentum, False),
    "nesterov": lambda p, c: _sgd(p, c, c.momentum, True),
    "rmsprop": lambda p, c: torch.optim.RMSprop(
        p, lr=c.lr, alpha=c.beta2, weight_decay=c.weight_decay
    ),
    "adagrad": lambda p, c: torch.optim.Adagrad(p, lr=c.lr, weight_decay=c.weight_decay),
    "adam": lambda p, c: torch.optim.Adam(
        p, lr=c.lr, betas=(c.beta1, c.beta2), weight_decay=c.weight_decay
    ),
    "adamw": lambda p, c: torch.optim.AdamW(
        p, lr=c.lr, betas=(c.beta1, c.beta2), weight_decay=c.weight_decay
    ),
}

OPTIMIZER_TITLES: dict[str, str] = {
    "sgd": "SGD",
    "momentum": N_("SGD + momentum"),
    "nesterov": N_("Nesterov momentum"),
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "adam": "Adam",
    "adamw": "AdamW",
}


def lr_factor(c: OptimConfig, step: int, steps_per_epoch: int, total_steps: int) -> float:
    """Multiplier on the base learning rate at optimizer step `step` (0-based)."""
    warm = 1.0
    if c.schedule == "warmup" and c.warmup_steps > 0:
        warm = min(1.0, (step + 1) / c.warmup_steps)
    if c.schedule == "step":
        return c.gamma ** ((step // max(1, steps_per_epoch)) // c.step_every)
    if c.schedule in ("cosine", "warmup"):
        start = c.warmup_steps if c.schedule == "warmup" else 0
        span = max(1, total_steps - start)
        progress = min(1.0, max(0.0, (step - start) / span))
        return warm * 0.5 * (1.0 + math.cos(math.pi * progress))
    return 1.0


def validate_optim(c: OptimConfig) -> None:
    """Raise ValueError naming the first field outside its allowed range."""
    from core.validation import check_ranges

    if c.name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {c.name!r}; choose one of {sorted(OPTIMIZERS)}")
    check_ranges(c)
    if c.name == "nesterov" and c.momentum <= 0:
        raise ValueError(_("Nesterov momentum needs a momentum above 0 (0.9 is usual)"))


def build_optimizer(params: Iterable, c: OptimConfig) -> torch.optim.Optimizer:
    """Create the torch optimizer named by the config."""
    validate_optim(c)
    return OPTIMIZERS[c.name](params, c)


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set every parameter group's learning rate."""
    for group in optimizer.param_groups:
        group["lr"] = lr
