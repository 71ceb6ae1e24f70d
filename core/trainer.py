"""The only training loop. It knows nothing of processes, UI or files: it calls hooks.

Everything observable (loss curves, gradient flow, samples, control messages) is a `Callback`.
The loop stops early when a callback sets `trainer.should_stop`, and raises `DivergedError` as soon
as the loss stops being a finite number.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn as nn

from core.data.base import DataBundle
from core.i18n import N_
from core.optim import OptimConfig, lr_factor, set_lr
from core.tasks import IGNORE, LossName, Task

EVAL_BATCH = 1024
TRAIN_METRIC_EVERY = 8  # ~20 us of small tensor ops: every batch would cost a tiny MLP ~4%
VAL_BUDGET = 0.01  # validation may take at most this share of training time
VAL_MAX_GAP_S = 0.25  # ...but at least this often (seconds of training) while that costs under
VAL_GAP_BUDGET = 0.015  # this share: a learner watching the accuracy cross a line sees when it did,
# and one slow measurement (a busy machine) cannot stall validation for long


@dataclass(frozen=True)
class TrainConfig:
    """Loop settings: how long, how big the batches, which loss."""

    epochs: int = field(
        default=20,
        metadata={"min": 1, "max": 10_000, "label": N_("Epochs"), "help": N_("Passes over data.")},
    )
    batch_size: int = field(
        default=32,
        metadata={
            "min": 1,
            "max": 65_536,
            "label": N_("Batch size"),
            "help": N_("Examples per optimizer step."),
        },
    )
    loss: LossName = field(
        default="auto",
        metadata={
            "label": N_("Loss"),
            "help": N_("Loss; auto picks the usual one."),
            "options": {
                "auto": N_("auto (the usual one for the task)"),
                "cross_entropy": N_("cross-entropy"),
                "mse": N_("MSE (mean squared error)"),
                "mae": N_("MAE (mean absolute error)"),
                "huber": N_("Huber"),
                "bce": N_("BCE (binary cross-entropy)"),
                "hinge": N_("hinge (multi-class margin)"),
            },
        },
    )
    max_steps: int = field(
        default=0,
        metadata={
            "min": 0,
            "max": 10**9,
            "label": N_("Max steps"),
            "help": N_("Stop after this many steps; 0 = off."),
        },
    )


@dataclass(frozen=True)
class EpochMetrics:
    """What one evaluation measured."""

    train_loss: float
    train_metric: float
    val_loss: float
    val_metric: float


class DivergedError(RuntimeError):
    """Training produced a NaN/inf loss; carries where and the last finite value."""

    def __init__(self, step: int, last_finite: float | None, hint: str) -> None:
        self.step, self.last_finite, self.hint = step, last_finite, hint
        super().__init__(f"loss became NaN/inf at step {step} (last finite loss: {last_finite})")


DIVERGED_HINT = (
    "The loss blew up to infinity/NaN. Usual causes: a learning rate that is too high (try 10x "
    "lower), no gradient clipping on a recurrent model, or unscaled inputs."
)


class Callback:
    """Base class: override only the hooks you need; the trainer skips the rest."""

    def on_fit_start(self, trainer: Trainer) -> None: ...
    def on_fit_end(self, trainer: Trainer) -> None: ...
    def on_epoch_start(self, trainer: Trainer) -> None: ...
    def on_epoch_end(self, trainer: Trainer) -> None: ...
    def on_after_backward(self, trainer: Trainer) -> None: ...
    def on_batch_end(self, trainer: Trainer, loss: float) -> None: ...
    def on_eval_end(self, trainer: Trainer, metrics: EpochMetrics) -> None: ...
    def on_exception(self, trainer: Trainer, exc: BaseException) -> None: ...


HOOKS = tuple(name for name in vars(Callback) if name.startswith("on_"))


class Trainer:
    """Runs `model` on `data` with `task`'s loss; callbacks observe and steer."""

    def __init__(
        self,
        model: nn.Module,
        task: Task,
        data: DataBundle,
        optimizer: torch.optim.Optimizer,
        optim_cfg: OptimConfig,
        cfg: TrainConfig,
        device: torch.device,
        callbacks: list[Callback] | tuple[Callback, ...] = (),
        seed: int = 0,
    ) -> None:
        self.model, self.task, self.data, self.optimizer = model, task, data, optimizer
        self.optim_cfg, self.cfg, self.device = optim_cfg, cfg, device
        self.callbacks = list(callbacks)
        self.generator = torch.Generator().manual_seed(seed)
        self.batch_size = min(cfg.batch_size, data.n_train)
        self.steps_per_epoch = max(1, data.n_train // self.batch_size)
        total = self.steps_per_epoch * cfg.epochs
        self.total_steps = min(total, cfg.max_steps) if cfg.max_steps else total
        self.step = 0
        self.epoch = 0
        self.should_stop = False
        self.stopped_by_user = False
        self.base_lr = optim_cfg.lr
        self.lr = optim_cfg.lr
        self.samples_seen = 0
        self.paused_s = 0.0
        self.start_time = 0.0
        self.last_loss: float | None = None
        self.metrics: EpochMetrics | None = None
        self.val_predictions: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None
        self._lr_dirty = True
        self._val_every = 1
        self._l1_params = [p for n, p in model.named_parameters() if p.dim() > 1]
        self._hooks = {h: self._overriders(h) for h in HOOKS}

    def _overriders(self, hook: str) -> list:
        return [
            getattr(cb, hook)
            for cb in self.callbacks
            if getattr(type(cb), hook) is not getattr(Callback, hook)
        ]

    def _call(self, hook: str, *args: object) -> None:
        for fn in self._hooks[hook]:
            fn(self, *args)

    @property
    def elapsed_s(self) -> float:
        """Training wall time so far, paused time excluded."""
        return max(1e-9, time.perf_counter() - self.start_time - self.paused_s)

    @property
    def samples_per_s(self) -> float:
        return self.samples_seen / self.elapsed_s

    def set_base_lr(self, lr: float) -> None:
        """Change the learning rate while training (the schedule still multiplies it)."""
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"learning rate must be a positive number, got {lr}")
        self.base_lr = lr
        self._lr_dirty = True

    def fit(self) -> EpochMetrics | None:
        """Train for the configured epochs (or until stopped); return the last evaluation."""
        x = self.data.x_train.to(self.device)
        y = self.data.y_train.to(self.device)
        self.start_time = time.perf_counter()
        try:
            self._call("on_fit_start")
            for epoch in range(self.cfg.epochs):
                self.epoch = epoch
                self._call("on_epoch_start")
                epoch_start = time.perf_counter()
                self._train_epoch(x, y)
                self.metrics = self.evaluate(time.perf_counter() - epoch_start)
                self._call("on_eval_end", self.metrics)
                self._call("on_epoch_end")
                if self.should_stop or self.step >= self.total_steps:
                    break
        except BaseException as exc:
            self._call("on_exception", exc)
            raise
        self._call("on_fit_end")
        return self.metrics

    def _update_lr(self) -> None:
        factor = lr_factor(self.optim_cfg, self.step, self.steps_per_epoch, self.total_steps)
        self.lr = self.base_lr * factor
        set_lr(self.optimizer, self.lr)

    def _train_epoch(self, x: torch.Tensor, y: torch.Tensor) -> None:
        model, task, opt = self.model, self.task, self.optimizer
        l1, clip = self.optim_cfg.l1, self.optim_cfg.grad_clip
        scheduled = self.optim_cfg.schedule != "constant"
        after_backward, batch_end = self._hooks["on_after_backward"], self._hooks["on_batch_end"]
        model.train()
        self._epoch_loss, self._epoch_steps = 0.0, 0
        acc_dtype = torch.float32 if self.device.type == "mps" else torch.float64  # MPS has no f64
        self._epoch_score = torch.zeros((), device=self.device, dtype=acc_dtype)
        self._epoch_count = torch.zeros((), device=self.device, dtype=acc_dtype)
        perm = torch.randperm(x.shape[0], generator=self.generator).to(self.device)
        bs = self.batch_size
        for i in range(self.steps_per_epoch):
            idx = perm[i * bs : (i + 1) * bs]
            if scheduled or self._lr_dirty:
                self._update_lr()
                self._lr_dirty = False
            out, target = model(x[idx]), y[idx]
            loss = task.loss(out, target)
            loss_value = loss.item()
            if not math.isfinite(loss_value):
                raise DivergedError(self.step, self.last_loss, DIVERGED_HINT)
            if l1:
                loss = loss + l1 * sum(p.abs().sum() for p in self._l1_params)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            for fn in after_backward:
                fn(self)
            if clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            if i % TRAIN_METRIC_EVERY == 0:  # running train metric on a sample of the batches
                with torch.no_grad():
                    score, count = task.metric_sums(out.detach(), target)
                    self._epoch_score += score
                    self._epoch_count += count
            self._epoch_loss += loss_value
            self._epoch_steps += 1
            self.step += 1
            self.samples_seen += bs
            self.last_loss = loss_value
            for fn in batch_end:
                fn(self, loss_value)
            if self.should_stop or self.step >= self.total_steps:
                self.should_stop = True
                return

    @torch.inference_mode()
    def measure(
        self, x: torch.Tensor, y: torch.Tensor, keep_predictions: bool = False
    ) -> tuple[float, float]:
        """(mean loss, metric) of the model in eval mode over `x`, `y`, batched.

        With `keep_predictions`, classification/token tasks also leave `self.val_predictions`:
        (predicted ids, confidences, true ids) over every scored item, for the confusion view.
        """
        was_training = self.model.training
        self.model.eval()
        loss_sum, score_sum, count = 0.0, 0.0, 0.0
        keep = keep_predictions and self.task.metric_name == "accuracy"
        preds, confs, trues = [], [], []
        for i in range(0, x.shape[0], EVAL_BATCH):
            xb = x[i : i + EVAL_BATCH].to(self.device)
            yb = y[i : i + EVAL_BATCH].to(self.device)
            out = self.model(xb)
            score, n = self.task.metric_sums(out, yb)
            loss_sum += self.task.loss(out, yb).item() * float(n)
            score_sum += float(score)
            count += float(n)
            if keep:
                conf, pred = out.float().softmax(-1).max(-1)
                scored = yb != IGNORE
                preds.append(pred[scored].cpu())
                confs.append(conf[scored].cpu())
                trues.append(yb[scored].cpu())
        self.model.train(was_training)
        if keep:
            self.val_predictions = (torch.cat(preds), torch.cat(confs), torch.cat(trues))
        count = max(count, 1.0)
        return loss_sum / count, score_sum / count

    def evaluate(self, epoch_s: float = 0.0) -> EpochMetrics:
        """Epoch metrics: the training side is the running average over the epoch's steps (like
        Keras), so it costs no extra forward passes. Validation runs in eval mode on the whole
        validation set; when that costs more than VAL_BUDGET of training time (tiny epochs), it
        runs every few epochs instead (val fields are NaN in between), at least every VAL_MAX_GAP_S of
        training where that stays cheap, and always on the last one.
        """
        train_loss = self._epoch_loss / max(self._epoch_steps, 1)
        train_metric = float(self._epoch_score) / max(float(self._epoch_count), 1.0)
        last = (
            self.should_stop or self.step >= self.total_steps or self.epoch == self.cfg.epochs - 1
        )
        if not last and (self.epoch + 1) % self._val_every:
            return EpochMetrics(train_loss, train_metric, math.nan, math.nan)
        t0 = time.perf_counter()
        val_loss, val_metric = self.measure(self.data.x_val, self.data.y_val, True)
        cost = time.perf_counter() - t0
        if epoch_s > 0:
            by_budget = math.ceil(cost / (VAL_BUDGET * epoch_s))
            by_gap = math.floor(max(VAL_MAX_GAP_S, cost / VAL_GAP_BUDGET) / epoch_s)
            self._val_every = max(1, min(by_budget, by_gap))
        if not math.isfinite(val_loss):
            raise DivergedError(self.step, self.last_loss, DIVERGED_HINT)
        return EpochMetrics(train_loss, train_metric, val_loss, val_metric)
