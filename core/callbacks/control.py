"""Steering a running loop from outside: pause, resume, stop and learning-rate changes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from core.events import Event, StatusChange
from core.trainer import Callback, Trainer

POLL_EVERY = 4  # steps between checks; a check is one non-blocking syscall


class ControlSource(Protocol):
    """Where commands come from (a pipe in the worker, a list in tests)."""

    def poll(self) -> list[tuple]:
        """Commands waiting now, without blocking."""
        ...

    def wait(self) -> tuple:
        """Block until the next command arrives."""
        ...


class ControlCallback(Callback):
    """Applies ("pause",), ("resume",), ("stop",) and ("lr", value) commands between steps."""

    def __init__(self, source: ControlSource, emit: Callable[[Event], None]) -> None:
        self.source = source
        self.emit = emit

    def on_batch_end(self, trainer: Trainer, loss: float) -> None:
        if trainer.step % POLL_EVERY == 0:
            for command in self.source.poll():
                self.apply(trainer, command)

    def on_epoch_end(self, trainer: Trainer) -> None:
        for command in self.source.poll():
            self.apply(trainer, command)

    def apply(self, trainer: Trainer, command: tuple) -> None:
        name = command[0]
        if name == "stop":
            trainer.should_stop = trainer.stopped_by_user = True
        elif name == "lr":
            trainer.set_base_lr(float(command[1]))
        elif name == "pause":
            self._pause(trainer)

    def _pause(self, trainer: Trainer) -> None:
        self.emit(StatusChange("paused", "Paused", step=trainer.step))
        t0 = time.perf_counter()
        while True:
            command = self.source.wait()
            if command[0] in ("resume", "stop"):
                break
            if command[0] == "lr":
                self.apply(trainer, command)
        trainer.paused_s += time.perf_counter() - t0
        if command[0] == "stop":
            trainer.should_stop = trainer.stopped_by_user = True
        else:
            self.emit(StatusChange("running", "Resumed", step=trainer.step))
