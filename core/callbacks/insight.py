"""The training timeline and the confusion view.

`InsightProbe` records, every so often, what the model does with a few fixed validation inputs
(sample predictions, feature maps, attention, hidden states) and saves the weights alongside, so a
slider can scrub every view back to that moment. `ConfusionReporter` turns the validation pass's
predictions into a confusion matrix with the most confidently wrong examples.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import torch

from core.callbacks.cadence import Cadence
from core.events import Confusion, Event, Insight
from core.probes import probe_all
from core.samples import sample_predictions
from core.trainer import Callback, EpochMetrics, Trainer

PROBE_INPUTS = 4
MAX_SNAPSHOTS = 24
MAX_SNAPSHOT_PARAMS = 5_000_000  # larger models skip weight files (disk), not the other views
MAX_CONFUSION_CLASSES = 40
N_WRONG = 8


class InsightProbe(Callback):
    """Emits `Insight` timeline frames (at fit start, on sampled steps, at fit end)."""

    def __init__(
        self,
        emit: Callable[[Event], None],
        snapshot_dir: str | None = None,
        cadence: Cadence | None = None,
    ) -> None:
        self.emit = emit
        self.snapshot_dir = Path(snapshot_dir) if snapshot_dir else None
        self.cadence = cadence or Cadence(budget=0.01, min_interval_s=2.0)
        self.saved: list[Path] = []

    def on_fit_start(self, trainer: Trainer) -> None:
        self.inputs = trainer.data.x_val[:PROBE_INPUTS].to(trainer.device)
        n_params = sum(p.numel() for p in trainer.model.parameters())
        if n_params > MAX_SNAPSHOT_PARAMS:
            self.snapshot_dir = None
        self.frame(trainer)

    def on_batch_end(self, trainer: Trainer, loss: float) -> None:
        if self.cadence.due(trainer):
            self.cadence.start()
            self.frame(trainer)
            self.cadence.done(trainer)

    def on_fit_end(self, trainer: Trainer) -> None:
        self.frame(trainer)

    def frame(self, trainer: Trainer) -> None:
        samples = sample_predictions(trainer.model, trainer.data, trainer.device)
        samples = {k: v for k, v in samples.items() if not k.startswith("static_")}
        probes = probe_all(trainer.model, self.inputs)
        self.emit(Insight(trainer.step, samples, **probes, snapshot=self._save_weights(trainer)))

    def _save_weights(self, trainer: Trainer) -> str:
        """Keep at most MAX_SNAPSHOTS weight files, thinning older ones evenly."""
        if self.snapshot_dir is None:
            return ""
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        path = self.snapshot_dir / f"step_{trainer.step:09d}.pt"
        state = {k: v.detach().cpu() for k, v in trainer.model.state_dict().items()}
        torch.save(state, path)
        self.saved.append(path)
        if len(self.saved) > MAX_SNAPSHOTS:
            keep = self.saved[:-1:2] + [self.saved[-1]]
            for old in set(self.saved) - set(keep):
                old.unlink(missing_ok=True)
            self.saved = keep
        return os.fspath(path)


class ConfusionReporter(Callback):
    """Emits a `Confusion` after each validation pass of a classification or token task."""

    def __init__(self, emit: Callable[[Event], None]) -> None:
        self.emit = emit

    def on_eval_end(self, trainer: Trainer, metrics: EpochMetrics) -> None:
        spec = trainer.data.spec
        if trainer.val_predictions is None or spec.n_outputs > MAX_CONFUSION_CLASSES:
            return
        pred, conf, true = trainer.val_predictions
        trainer.val_predictions = None  # consumed; the next validation pass refills it
        k = spec.n_outputs
        matrix = torch.bincount(true * k + pred, minlength=k * k).reshape(k, k)
        totals = matrix.sum(1).clamp_min(1)
        per_class = (matrix.diagonal() / totals).tolist()
        wrong = torch.nonzero(pred != true).flatten()
        worst = wrong[conf[wrong].argsort(descending=True)[:N_WRONG]]
        names = spec.class_names or spec.vocab or tuple(str(i) for i in range(k))
        pixels: tuple = ()
        if spec.input_kind == "image" and spec.task == "classification" and len(worst):
            x = trainer.data.x_val[worst]
            lo = x.flatten(1).min(1).values.view(-1, 1, 1, 1)
            hi = x.flatten(1).max(1).values.view(-1, 1, 1, 1)
            scaled = ((x - lo) / (hi - lo).clamp_min(1e-8) * 255).round().to(torch.uint8)
            pixels = tuple(scaled.permute(0, 2, 3, 1).tolist())
        self.emit(
            Confusion(
                step=trainer.step,
                epoch=trainer.epoch + 1,
                class_names=tuple(names[:k]),
                matrix=tuple(tuple(row) for row in matrix.tolist()),
                per_class_accuracy=tuple(round(a, 4) for a in per_class),
                wrong_index=tuple(worst.tolist()),
                wrong_true=tuple(true[worst].tolist()),
                wrong_pred=tuple(pred[worst].tolist()),
                wrong_confidence=tuple(round(c, 4) for c in conf[worst].tolist()),
                wrong_pixels=pixels,
            )
        )
