"""When to take a costly measurement: adaptively, so instrumentation stays a small share of time.

After each measurement the interval (in steps) is re-derived from what it cost, the average step
time and a time budget, so a cheap probe on a slow model runs often and a costly one rarely.
"""

from __future__ import annotations

import math
import time

from core.trainer import Trainer


class Cadence:
    """Due every N steps, N chosen so cost/(N * step time) <= budget and N * step time >= min_s,
    but never more than `max_interval_s` of training apart."""

    def __init__(
        self,
        budget: float = 0.01,
        min_interval_s: float = 0.5,
        first_step: int = 1,
        max_interval_s: float = 20.0,
    ) -> None:
        self.budget = budget
        self.min_interval_s = min_interval_s
        self.max_interval_s = max_interval_s
        self._cost = 0.0
        self.next_step = first_step
        self.every = first_step
        self._t0 = 0.0

    def due(self, trainer: Trainer) -> bool:
        return trainer.step >= self.next_step

    def start(self) -> None:
        """Call right before the measurement."""
        self._t0 = time.perf_counter()

    def done(self, trainer: Trainer) -> None:
        """Call right after the measurement; schedules the next one."""
        cost = time.perf_counter() - self._t0
        # Smoothed, so one slow measurement (a busy machine) cannot push the next one far away.
        self._cost = cost if not self._cost else 0.5 * self._cost + 0.5 * cost
        step_s = trainer.elapsed_s / max(trainer.step, 1)
        by_budget = self._cost / (self.budget * step_s)
        by_time = self.min_interval_s / step_s
        cap = max(1.0, self.max_interval_s / step_s)
        self.every = max(1, math.ceil(min(max(by_budget, by_time), cap)))
        self.next_step = trainer.step + self.every
