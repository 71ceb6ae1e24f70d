"""Assemble and run one training run from a `RunConfig`: data, model, task, optimizer, callbacks.

`train_run` trains in the current process and is what the worker process (and tests, and
benchmarks) call. Checking a config before any process starts is `core.plan.plan_run`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn as nn

from core.callbacks import ControlSource, standard_callbacks
from core.config import RunConfig
from core.data import load_dataset
from core.data.base import DataBundle
from core.device import pick_device
from core.events import Event
from core.finetune import apply_finetune, checkpoint_file
from core.models import build_model
from core.optim import build_optimizer
from core.plan import validate_config
from core.tasks import Task, make_task
from core.trainer import Callback, Trainer


@dataclass
class Prepared:
    """The live objects of a run, built in the process that trains it."""

    data: DataBundle
    model: nn.Module
    task: Task
    device: torch.device


def prepare(cfg: RunConfig) -> Prepared:
    """Load the data and build model and task, all seeded from `cfg.seed`."""
    validate_config(cfg)
    device = pick_device(cfg.device)
    data = load_dataset(cfg.data, cfg.seed)
    task = make_task(data.spec, cfg.train.loss)
    model = build_model(cfg.model, data.spec, seed=cfg.seed)
    if cfg.finetune.init_from:
        apply_finetune(model, cfg.finetune, checkpoint_file(cfg.finetune))
    return Prepared(data, model.to(device), task, device)


def train_run(
    cfg: RunConfig,
    emit: Callable[[Event], None],
    control: ControlSource | None = None,
    checkpoint_path: str | None = None,
    extra_callbacks: list[Callback] | None = None,
) -> Trainer:
    """Train `cfg` here with full instrumentation, streaming events to `emit`; return the trainer."""
    snapshots = (
        os.path.join(os.path.dirname(checkpoint_path), "snapshots") if checkpoint_path else None
    )
    callbacks = standard_callbacks(emit, control, snapshots) + list(extra_callbacks or [])
    trainer = build_trainer(cfg, callbacks)
    trainer.fit()
    if checkpoint_path:
        save_checkpoint(trainer.model, checkpoint_path)
    return trainer


def build_trainer(cfg: RunConfig, callbacks: list[Callback]) -> Trainer:
    """Data, model, optimizer and loop for `cfg`, ready to `fit()`, with exactly these callbacks."""
    run = prepare(cfg)
    optimizer = build_optimizer(run.model.parameters(), cfg.optim)
    return Trainer(
        run.model,
        run.task,
        run.data,
        optimizer,
        cfg.optim,
        cfg.train,
        run.device,
        callbacks,
        cfg.seed,
    )


def save_checkpoint(model: nn.Module, path: str) -> None:
    """Save the weights only (CPU tensors), loadable with torch.load(..., weights_only=True)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)
