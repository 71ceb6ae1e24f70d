"""The training timeline: which recorded frame or event belongs to a chosen step.

One step slider drives every "inside the network" view: each builder with a `step` argument shows
the latest thing recorded at or before that step, so all views scrub together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from core.events import Insight
from core.run_state import RunView


class HasStep(Protocol):
    step: int


T = TypeVar("T", bound=HasStep)


def timeline_steps(view: RunView) -> list[int]:
    """The distinct steps of the run's timeline frames (`view.insights`), ascending."""
    return sorted({frame.step for frame in view.insights})


def at_step(items: Sequence[T], step: int | None) -> T | None:
    """The latest item with `.step <= step` (the latest of all when `step` is None), else None.

    Of several items at the same step the one recorded last wins, as it is the newest.
    """
    best: T | None = None
    for item in items:
        if (step is None or item.step <= step) and (best is None or item.step >= best.step):
            best = item
    return best


def frame_at(view: RunView, step: int | None = None) -> Insight | None:
    """The timeline frame shown at `step` (the newest frame when `step` is None)."""
    return at_step(view.insights, step)
