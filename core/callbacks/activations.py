"""Activation statistics on a fixed probe batch: distributions, dead ReLUs, saturated tanh/sigmoid.

Hooks are attached only for the probe's own forward pass (in eval mode, without gradients), so the
training steps themselves pay nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn as nn

from core.callbacks.cadence import Cadence
from core.callbacks.gradients import histogram
from core.events import ActivationStats, Event
from core.trainer import Callback, Trainer

PROBE_SIZE = 128
RELU_LIKE = (nn.ReLU, nn.LeakyReLU, nn.ReLU6, nn.ELU, nn.GELU, nn.SiLU)
SATURATING = {nn.Tanh: (-1.0, 1.0), nn.Sigmoid: (0.0, 1.0)}
SATURATION_MARGIN = 0.02


def activation_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The model's activation-function modules, in registration order."""
    kinds = RELU_LIKE + tuple(SATURATING)
    return [(name, m) for name, m in model.named_modules() if isinstance(m, kinds)]


def activation_summary(module: nn.Module, out: torch.Tensor) -> tuple[str, float, float]:
    """(kind, dead fraction, saturated fraction) of one activation layer's probe output (B, ...)."""
    out = out.detach().float()
    if isinstance(module, RELU_LIKE):
        # A unit is dead when it outputs nothing positive for every probe example.
        dead = (out <= 0).all(dim=0).float().mean()
        return "relu", float(dead), 0.0
    lo, hi = SATURATING[type(module)]
    margin = SATURATION_MARGIN * (hi - lo)
    saturated = ((out <= lo + margin) | (out >= hi - margin)).float().mean()
    return type(module).__name__.lower(), 0.0, float(saturated)


class ActivationProbe(Callback):
    """Emits `ActivationStats` for every activation layer on sampled steps."""

    def __init__(self, emit: Callable[[Event], None], cadence: Cadence | None = None) -> None:
        self.emit = emit
        self.cadence = cadence or Cadence(budget=0.005, min_interval_s=1.0)

    def on_fit_start(self, trainer: Trainer) -> None:
        self.modules = activation_modules(trainer.model)
        self.probe = trainer.data.x_train[:PROBE_SIZE].to(trainer.device)
        self.measure(trainer)

    def on_batch_end(self, trainer: Trainer, loss: float) -> None:
        if self.modules and self.cadence.due(trainer):
            self.cadence.start()
            self.measure(trainer)
            self.cadence.done(trainer)

    def on_fit_end(self, trainer: Trainer) -> None:
        self.measure(trainer)

    def measure(self, trainer: Trainer) -> None:
        if not self.modules:
            return
        outputs: dict[str, torch.Tensor] = {}

        def keep(name: str) -> Callable:
            return lambda _m, _i, out: outputs.__setitem__(name, out)

        handles = [m.register_forward_hook(keep(name)) for name, m in self.modules]
        was_training = trainer.model.training
        trainer.model.eval()
        try:
            with torch.no_grad():
                trainer.model(self.probe)
        finally:
            for h in handles:
                h.remove()
            trainer.model.train(was_training)
        names, kinds, means, stds, dead, sat, hists = [], [], [], [], [], [], []
        for name, module in self.modules:
            out = outputs.get(name)
            if not isinstance(out, torch.Tensor):
                continue
            kind, d, s = activation_summary(module, out)
            names.append(name)
            kinds.append(kind)
            means.append(float(out.float().mean()))
            stds.append(float(out.float().std()) if out.numel() > 1 else 0.0)
            dead.append(d)
            sat.append(s)
            hists.append(histogram(out))
        self.emit(
            ActivationStats(
                trainer.step,
                tuple(names),
                tuple(kinds),
                tuple(means),
                tuple(stds),
                tuple(dead),
                tuple(sat),
                tuple(hists),
            )
        )
