"""Callbacks that turn a training run into a stream of events (see core.events).

`standard_callbacks` is the full instrumentation the app and the CLI use.
"""

from __future__ import annotations

from collections.abc import Callable

from core.callbacks.activations import ActivationProbe
from core.callbacks.cadence import Cadence
from core.callbacks.control import ControlCallback, ControlSource
from core.callbacks.gradients import GradientStats, WeightHistograms
from core.callbacks.insight import ConfusionReporter, InsightProbe
from core.callbacks.recorder import EpochReporter, LossRecorder
from core.callbacks.samples import SamplePredictions
from core.events import Event
from core.trainer import Callback

Emit = Callable[[Event], None]


def standard_callbacks(
    emit: Emit, control: ControlSource | None = None, snapshot_dir: str | None = None
) -> list[Callback]:
    """Loss/epoch reporting plus sampled gradient, histogram, activation, sample, confusion and
    timeline views; with `snapshot_dir`, timeline frames also save the weights there."""
    callbacks: list[Callback] = [
        LossRecorder(emit),
        EpochReporter(emit),
        GradientStats(emit),
        WeightHistograms(emit),
        ActivationProbe(emit),
        SamplePredictions(emit),
        ConfusionReporter(emit),
        InsightProbe(emit, snapshot_dir),
    ]
    if control is not None:
        callbacks.append(ControlCallback(control, emit))
    return callbacks


__all__ = [
    "ActivationProbe",
    "Cadence",
    "ConfusionReporter",
    "InsightProbe",
    "ControlCallback",
    "ControlSource",
    "Emit",
    "EpochReporter",
    "GradientStats",
    "LossRecorder",
    "SamplePredictions",
    "WeightHistograms",
    "standard_callbacks",
]
