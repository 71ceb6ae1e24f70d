"""A run as the server sees it: events folded into bounded buffers, and plain-data snapshots.

`RunState.apply` is the one place each event kind lands; `snapshot()` returns a `RunView`, an
immutable, thinned copy the UI can read without locks.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from core.config import RunConfig
from core.events import (
    ACTIVE_STATUSES,
    ActivationStats,
    Confusion,
    EpochEnd,
    Event,
    Histograms,
    Insight,
    LayerStats,
    Progress,
    Samples,
    StatusChange,
    StepLosses,
)
from core.plan import RunPlan
from core.series import BoundedLog, BoundedSeries

MAX_POINTS = 2000
MAX_LAYER_STATS = 300
MAX_HISTOGRAMS = 60
MAX_FRAMES = 32  # timeline frames (Insight events) a view carries
STORED_FRAMES = 12  # ...and a stored snapshot keeps (they hold feature maps: big)


@dataclass(frozen=True)
class RunView:
    """Everything the UI shows about a run, thinned to bounded sizes."""

    run_id: str
    owner: str
    status: str
    config: RunConfig
    created: float
    version: int = 0
    message: str = ""
    hint: str = ""
    detail: str = ""
    failed_step: int = 0
    started: float = 0.0
    ended: float = 0.0
    shared: bool = False
    plan: RunPlan | None = None  # computed once by the server when the run was started
    progress: Progress | None = None
    loss_steps: tuple[float, ...] = ()
    loss_values: tuple[float, ...] = ()
    epochs: tuple[EpochEnd, ...] = ()
    layer_stats: tuple[LayerStats, ...] = ()
    histograms: tuple[Histograms, ...] = ()
    activations: tuple[ActivationStats, ...] = ()
    samples_kind: str = ""
    samples_step: int = 0
    samples: dict[str, Any] = field(default_factory=dict)
    insights: tuple[Insight, ...] = ()
    confusions: tuple[Confusion, ...] = ()

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def best_val_metric(self) -> float | None:
        """Best validation metric so far (max accuracy, or min error for regression)."""
        values = [e.val_metric for e in self.epochs if math.isfinite(e.val_metric)]
        if not values:
            return None
        return min(values) if self.epochs[-1].metric_name == "mae" else max(values)


class RunState:
    """Mutable, thread-safe accumulation of one run's events (server side)."""

    def __init__(self, view: RunView) -> None:
        self._lock = threading.Lock()
        self.base = view
        self.status = view.status
        self.message, self.hint, self.detail = view.message, view.hint, view.detail
        self.failed_step = view.failed_step
        self.started, self.ended = view.started, view.ended
        self.version = view.version
        self.progress = view.progress
        self.loss = BoundedSeries()
        self.loss.extend(view.loss_steps, view.loss_values)
        self.epochs: list[EpochEnd] = list(view.epochs)
        self.layer_stats: BoundedLog[LayerStats] = BoundedLog(4 * MAX_LAYER_STATS)
        self.histograms: BoundedLog[Histograms] = BoundedLog(4 * MAX_HISTOGRAMS)
        self.activations: BoundedLog[ActivationStats] = BoundedLog(4 * MAX_LAYER_STATS)
        self.insights: BoundedLog[Insight] = BoundedLog(2 * MAX_FRAMES)
        self.confusions: BoundedLog[Confusion] = BoundedLog(2 * MAX_FRAMES)
        for log, items in (
            (self.layer_stats, view.layer_stats),
            (self.histograms, view.histograms),
            (self.activations, view.activations),
            (self.insights, view.insights),
            (self.confusions, view.confusions),
        ):
            for item in items:
                log.append(item)
        self.samples_kind, self.samples_step = view.samples_kind, view.samples_step
        self.samples: dict[str, Any] = dict(view.samples)

    def set_status(self, status: str, message: str = "", hint: str = "", detail: str = "") -> None:
        with self._lock:
            self._set_status(StatusChange(status, message, hint, detail=detail))  # type: ignore[arg-type]
            self.version += 1

    def _set_status(self, ev: StatusChange) -> None:
        self.status, self.message, self.hint, self.detail = (
            ev.status,
            ev.message,
            ev.hint,
            ev.detail,
        )
        if ev.status in ("diverged", "failed"):
            self.failed_step = ev.step
        if ev.status == "running" and not self.started:
            self.started = time.time()
        if ev.status not in ACTIVE_STATUSES and not self.ended:
            self.ended = time.time()

    def apply(self, events: list[Event]) -> None:
        """Fold a batch of events into the buffers (called by the supervising thread)."""
        with self._lock:
            for ev in events:
                if isinstance(ev, StepLosses):
                    self.loss.extend(ev.steps, ev.losses)
                elif isinstance(ev, Progress):
                    self.progress = ev
                elif isinstance(ev, EpochEnd):
                    self.epochs.append(ev)
                elif isinstance(ev, LayerStats):
                    self.layer_stats.append(ev)
                elif isinstance(ev, Histograms):
                    self.histograms.append(ev)
                elif isinstance(ev, ActivationStats):
                    self.activations.append(ev)
                elif isinstance(ev, Samples):
                    if ev.kind != self.samples_kind:
                        self.samples = {}
                    self.samples.update(ev.payload)
                    self.samples_kind, self.samples_step = ev.kind, ev.step
                elif isinstance(ev, Insight):
                    self.insights.append(ev)
                elif isinstance(ev, Confusion):
                    self.confusions.append(ev)
                elif isinstance(ev, StatusChange):
                    self._set_status(ev)
            self.version += 1

    def snapshot(self, max_points: int = MAX_POINTS, max_frames: int = MAX_FRAMES) -> RunView:
        """A bounded, immutable copy for the UI (and, with fewer frames, for the store)."""
        with self._lock:
            steps, losses = self.loss.points(max_points)
            return RunView(
                run_id=self.base.run_id,
                owner=self.base.owner,
                status=self.status,
                config=self.base.config,
                created=self.base.created,
                version=self.version,
                message=self.message,
                hint=self.hint,
                detail=self.detail,
                failed_step=self.failed_step,
                started=self.started,
                ended=self.ended,
                shared=self.base.shared,
                plan=self.base.plan,
                progress=self.progress,
                loss_steps=tuple(steps),
                loss_values=tuple(losses),
                epochs=tuple(self.epochs),
                layer_stats=tuple(self.layer_stats.thinned(MAX_LAYER_STATS)),
                histograms=tuple(self.histograms.thinned(MAX_HISTOGRAMS)),
                activations=tuple(self.activations.thinned(MAX_LAYER_STATS)),
                samples_kind=self.samples_kind,
                samples_step=self.samples_step,
                samples=dict(self.samples),
                insights=tuple(self.insights.thinned(max_frames)),
                confusions=tuple(self.confusions.thinned(max_frames)),
            )
