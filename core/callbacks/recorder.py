"""Per-step loss and progress (sent in chunks a few times a second) and per-epoch summaries."""

from __future__ import annotations

import time
from collections.abc import Callable

from core.events import EpochEnd, Event, Progress, StepLosses
from core.trainer import Callback, EpochMetrics, Trainer

FLUSH_S = 0.25
CLOCK_EVERY = 8


class LossRecorder(Callback):
    """Collects every step's loss and emits `StepLosses` + `Progress` after the first step, then
    about four times a second."""

    def __init__(self, emit: Callable[[Event], None]) -> None:
        self.emit = emit
        self.steps: list[int] = []
        self.losses: list[float] = []
        self._last_flush = 0.0

    def on_fit_start(self, trainer: Trainer) -> None:
        self._last_flush = time.perf_counter()
        self.emit(self._progress(trainer))

    def on_batch_end(self, trainer: Trainer, loss: float) -> None:
        self.steps.append(trainer.step)
        self.losses.append(loss)
        if trainer.step == 1:  # the first point goes out at once: someone just clicked Start
            self.flush(trainer)
        elif trainer.step % CLOCK_EVERY == 0:  # reading the clock every step costs a tiny model ~1%
            now = time.perf_counter()
            if now - self._last_flush >= FLUSH_S:
                self._last_flush = now
                self.flush(trainer)

    def flush(self, trainer: Trainer) -> None:
        if self.steps:
            self.emit(StepLosses(tuple(self.steps), tuple(self.losses)))
            self.steps, self.losses = [], []
        self.emit(self._progress(trainer))

    def _progress(self, trainer: Trainer) -> Progress:
        return Progress(
            epoch=trainer.epoch,
            step=trainer.step,
            total_steps=trainer.total_steps,
            samples_per_s=trainer.samples_per_s if trainer.step else 0.0,
            elapsed_s=trainer.elapsed_s if trainer.step else 0.0,
            lr=trainer.lr,
        )

    def on_epoch_end(self, trainer: Trainer) -> None:
        self.flush(trainer)

    def on_fit_end(self, trainer: Trainer) -> None:
        self.flush(trainer)

    def on_exception(self, trainer: Trainer, exc: BaseException) -> None:
        self.flush(trainer)


class EpochReporter(Callback):
    """Emits `EpochEnd` after each evaluation."""

    def __init__(self, emit: Callable[[Event], None]) -> None:
        self.emit = emit

    def on_eval_end(self, trainer: Trainer, metrics: EpochMetrics) -> None:
        self.emit(
            EpochEnd(
                epoch=trainer.epoch + 1,
                step=trainer.step,
                train_loss=metrics.train_loss,
                train_metric=metrics.train_metric,
                val_loss=metrics.val_loss,
                val_metric=metrics.val_metric,
                metric_name=trainer.task.metric_name,
                lr=trainer.lr,
                samples_per_s=trainer.samples_per_s,
                elapsed_s=trainer.elapsed_s,
            )
        )
