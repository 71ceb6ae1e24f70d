"""A run's plan: what a config will train (data sizes, layers, memory, work per step), known
before any process starts. It is computed once, in the server, and travels with the run.

`plan_run` is also the check that refuses a config that cannot run (bad values, a model that does
not fit the data, too much memory), with a readable reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch.nn as nn

from core.config import RunConfig
from core.data import load_dataset_shared
from core.data.base import DataSpec
from core.device import pick_device
from core.finetune import apply_finetune, checkpoint_file
from core.i18n import _
from core.models import build_model
from core.models.summary import ModelSummary, estimate_memory_bytes, estimate_work, summarize
from core.optim import validate_optim
from core.tasks import make_task
from core.trainer import EVAL_BATCH
from core.validation import check_ranges

DEFAULT_MEMORY_BUDGET = int(float(os.environ.get("BPL_MEMORY_BUDGET_GB", "4")) * 2**30)


@dataclass(frozen=True)
class RunPlan:
    """What a config will train: the data's spec and sizes, the model's layers, and its cost."""

    spec: DataSpec
    model: ModelSummary
    estimated_bytes: int
    n_train: int
    n_val: int
    work_per_step: float = 0.0  # multiply-adds of one training step (forward + backward), roughly


def validate_config(cfg: RunConfig) -> None:
    """Raise ValueError naming the first out-of-range field of any part of the config."""
    check_ranges(cfg.data)
    check_ranges(cfg.train)
    check_ranges(cfg)
    validate_optim(cfg.optim)


def plan_run(cfg: RunConfig, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> RunPlan:
    """Validate a config and estimate its cost; ValueError with a readable reason if it won't run."""
    validate_config(cfg)
    pick_device(cfg.device)
    data = load_dataset_shared(cfg.data, cfg.seed)  # the form may just have read it
    make_task(data.spec, cfg.train.loss)
    model = build_model(cfg.model, data.spec, seed=cfg.seed)
    if cfg.finetune.init_from:  # the pre-trained weights must fit this model: say so before Start
        apply_finetune(model, cfg.finetune, checkpoint_file(cfg.finetune))
    summary = summarize(model, data.spec)
    batch = min(cfg.train.batch_size, data.n_train)
    if batch < 2 and any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules()):
        raise ValueError(
            _(
                "batch norm averages over the examples of a batch, so it needs at least 2 per "
                "batch; use a batch size of 2 or more, or turn batch norm off"
            )
        )
    need = estimate_memory_bytes(summary, batch, eval_batch=min(EVAL_BATCH, data.n_val))
    if need > memory_budget:
        raise ValueError(
            _(
                "this model needs about {need:.1f} GiB to train with batch size {batch} "
                "({params:,} parameters), over the {budget:.1f} GiB budget; use fewer or "
                "narrower layers or a smaller batch"
            ).format(
                need=need / 2**30,
                batch=batch,
                params=summary.total_params,
                budget=memory_budget / 2**30,
            )
        )
    work = 3.0 * estimate_work(summary) * batch  # backward costs about twice the forward pass
    return RunPlan(data.spec, summary, need, data.n_train, data.n_val, work)
