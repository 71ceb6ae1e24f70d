"""Emits sample predictions (decision boundary, image guesses, generated text, ...) as training goes."""

from __future__ import annotations

from collections.abc import Callable

from core.callbacks.cadence import Cadence
from core.events import Event, Samples
from core.samples import sample_predictions
from core.trainer import Callback, Trainer


class SamplePredictions(Callback):
    """After the first step, on sampled steps (about once a second at most) and at fit end.

    Not at fit start: after one step the model predicts what it did before it (one small update),
    and sampling a text model costs ~0.15 s that would delay the learner's first loss point.
    """

    def __init__(self, emit: Callable[[Event], None], cadence: Cadence | None = None) -> None:
        self.emit = emit
        self.cadence = cadence or Cadence(budget=0.01, min_interval_s=1.0)
        self._sent_static = False

    def _send(self, trainer: Trainer) -> None:
        payload = sample_predictions(trainer.model, trainer.data, trainer.device)
        if self._sent_static:
            payload = {k: v for k, v in payload.items() if not k.startswith("static_")}
        self._sent_static = True
        self.emit(Samples(trainer.step, trainer.data.spec.sample_kind, payload))

    def on_batch_end(self, trainer: Trainer, loss: float) -> None:
        if self.cadence.due(trainer):
            self.cadence.start()
            self._send(trainer)
            self.cadence.done(trainer)

    def on_fit_end(self, trainer: Trainer) -> None:
        self._send(trainer)
