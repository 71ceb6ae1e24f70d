"""Gradient flow: per-layer gradient norm, weight norm, update/weight ratio, and histograms.

Both callbacks run on sampled steps only (see Cadence), so their cost stays a small share of
training time however large the model.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from core.callbacks.cadence import Cadence
from core.events import Event, Histogram, Histograms, LayerStats
from core.models.summary import parameter_layers
from core.trainer import Callback, Trainer

HIST_BINS = 30


def layer_groups(model: torch.nn.Module) -> tuple[list[str], list[list[torch.nn.Parameter]]]:
    """Readable layer names and, per layer, the parameters it owns directly."""
    names, groups = [], []
    for name, module in parameter_layers(model):
        params = [p for p in module.parameters(recurse=False) if p.requires_grad]
        if params:
            names.append(name)
            groups.append(params)
    return names, groups


def _group_norms(tensors: list[torch.Tensor], sizes: list[int]) -> list[float]:
    """L2 norm of each consecutive group of tensors (one group per layer)."""
    squared = torch.stack(torch._foreach_norm(tensors)).cpu().double().square()
    return [float(chunk.sum().sqrt()) for chunk in torch.split(squared, sizes)]


def histogram(values: torch.Tensor, bins: int = HIST_BINS) -> Histogram:
    """Equal-width histogram of all finite values (empty counts when there are none)."""
    values = values.detach().float().flatten()
    values = values[torch.isfinite(values)]
    if values.numel() == 0:
        return Histogram(0.0, 0.0, tuple([0] * bins))
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        hi = lo + 1e-6
    counts = torch.histc(values.cpu(), bins=bins, min=lo, max=hi)
    return Histogram(lo, hi, tuple(int(c) for c in counts.tolist()))


class GradientStats(Callback):
    """Emits `LayerStats` on sampled steps: how strongly each layer is learning."""

    def __init__(self, emit: Callable[[Event], None], cadence: Cadence | None = None) -> None:
        self.emit = emit
        self.cadence = cadence or Cadence(budget=0.005, min_interval_s=0.25)
        self._before: list[torch.Tensor] | None = None
        self._grad_norms: list[float] = []

    def on_fit_start(self, trainer: Trainer) -> None:
        self.names, self.groups = layer_groups(trainer.model)
        self.params = [p for group in self.groups for p in group]
        self.sizes = [len(group) for group in self.groups]

    def on_after_backward(self, trainer: Trainer) -> None:
        if not self.params or not self.cadence.due(trainer):
            return
        self.cadence.start()
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self.params]
        self._grad_norms = _group_norms(grads, self.sizes)
        self._before = [p.detach().clone() for p in self.params]

    def on_batch_end(self, trainer: Trainer, loss: float) -> None:
        if self._before is None:
            return
        with torch.no_grad():
            deltas = torch._foreach_sub([p.detach() for p in self.params], self._before)
            update = _group_norms(deltas, self.sizes)
            weight = _group_norms([p.detach() for p in self.params], self.sizes)
        self._before = None
        ratio = [u / w if w > 0 else 0.0 for u, w in zip(update, weight)]
        self.emit(
            LayerStats(
                trainer.step,
                tuple(self.names),
                tuple(self._grad_norms),
                tuple(weight),
                tuple(ratio),
            )
        )
        self.cadence.done(trainer)


class WeightHistograms(Callback):
    """Emits per-layer `Histograms` of weights and gradients on sampled steps."""

    def __init__(self, emit: Callable[[Event], None], cadence: Cadence | None = None) -> None:
        self.emit = emit
        self.cadence = cadence or Cadence(budget=0.005, min_interval_s=1.0)

    def on_fit_start(self, trainer: Trainer) -> None:
        self.names, self.groups = layer_groups(trainer.model)

    def on_after_backward(self, trainer: Trainer) -> None:
        if not self.groups or not self.cadence.due(trainer):
            return
        self.cadence.start()
        weights, grads = [], []
        for group in self.groups:
            weights.append(histogram(torch.cat([p.detach().flatten() for p in group])))
            flat = [p.grad.flatten() for p in group if p.grad is not None]
            grads.append(histogram(torch.cat(flat)) if flat else histogram(torch.zeros(0)))
        self.emit(Histograms(trainer.step, tuple(self.names), tuple(weights), tuple(grads)))
        self.cadence.done(trainer)
