"""Assemble and run one training run from a `RunConfig`: data, model, task, optimizer, callbacks.

`plan_run` checks a config before any process starts (bad values, incompatible model, too large a
model for the memory budget); `train_run` trains in the current process and is what the worker
process (and tests, and benchmarks) call.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn

from core.callbacks import ControlSource, standard_callbacks
from core.config import RunConfig
from core.data import load_dataset
from core.data.base import DataBundle, DataSpec
from core.device import pick_device
from core.events import Event
from core.models import build_model
from core.models.summary import estimate_memory_bytes, summarize
from core.optim import build_optimizer, validate_optim
from core.serialize import to_dict
from core.tasks import Task, make_task
from core.trainer import Callback, Trainer
from core.validation import check_ranges

DEFAULT_MEMORY_BUDGET = int(float(os.environ.get("BPL_MEMORY_BUDGET_GB", "4")) * 2**30)


@dataclass(frozen=True)
class RunPlan:
    """What a config will train, known before training starts."""

    spec: DataSpec
    summary: dict[str, Any]  # core.models.summary.ModelSummary as plain data
    estimated_bytes: int
    n_train: int
    n_val: int


@dataclass
class Prepared:
    """The live objects of a run, built in the process that trains it."""

    data: DataBundle
    model: nn.Module
    task: Task
    device: torch.device


def validate_config(cfg: RunConfig) -> None:
    """Raise ValueError naming the first out-of-range field of any part of the config."""
    check_ranges(cfg.data)
    check_ranges(cfg.train)
    check_ranges(cfg)
    validate_optim(cfg.optim)


def prepare(cfg: RunConfig) -> Prepared:
    """Load the data and build model and task, all seeded from `cfg.seed`."""
    validate_config(cfg)
    device = pick_device(cfg.device)
    data = load_dataset(cfg.data, cfg.seed)
    task = make_task(data.spec, cfg.train.loss)
    model = build_model(cfg.model, data.spec, seed=cfg.seed).to(device)
    return Prepared(data, model, task, device)


def plan_run(cfg: RunConfig, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> RunPlan:
    """Validate a config and estimate its memory; ValueError with a readable reason if it won't run."""
    validate_config(cfg)
    pick_device(cfg.device)
    data = load_dataset(cfg.data, cfg.seed)
    make_task(data.spec, cfg.train.loss)
    model = build_model(cfg.model, data.spec, seed=cfg.seed)
    summary = summarize(model, data.spec)
    batch = min(cfg.train.batch_size, data.n_train)
    need = estimate_memory_bytes(summary, batch)
    if need > memory_budget:
        raise ValueError(
            f"this model needs about {need / 2**30:.1f} GiB to train with batch size {batch} "
            f"({summary.total_params:,} parameters), over the {memory_budget / 2**30:.1f} GiB "
            "budget; use fewer or narrower layers or a smaller batch"
        )
    return RunPlan(data.spec, to_dict(summary), need, data.n_train, data.n_val)


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
