"""Events a training run streams from the worker to the server: frozen dataclasses of plain numbers.

Tensors never cross the process boundary; `.item()`/`.tolist()` happen in the worker. Each event kind
has exactly one place in `core.run_state` that folds it into the run's bounded buffers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

RunStatus = Literal[
    "queued",
    "starting",
    "running",
    "paused",
    "completed",
    "stopped",
    "diverged",
    "failed",
    "interrupted",
]
ACTIVE_STATUSES: frozenset[str] = frozenset({"queued", "starting", "running", "paused"})


@dataclass(frozen=True)
class StepLosses:
    """Training loss at consecutive optimizer steps (sent in chunks)."""

    steps: tuple[int, ...]
    losses: tuple[float, ...]


@dataclass(frozen=True)
class Progress:
    """Where the run is and how fast it goes."""

    epoch: int
    step: int
    total_steps: int
    samples_per_s: float
    elapsed_s: float
    lr: float


@dataclass(frozen=True)
class EpochEnd:
    """Per-epoch summary: train/validation loss and metric, learning rate, throughput."""

    epoch: int
    step: int
    train_loss: float
    train_metric: float
    val_loss: float
    val_metric: float
    metric_name: str
    lr: float
    samples_per_s: float
    elapsed_s: float


@dataclass(frozen=True)
class LayerStats:
    """Per-layer gradient norm, weight norm and update/weight ratio at one sampled step."""

    step: int
    layers: tuple[str, ...]
    grad_norm: tuple[float, ...]
    weight_norm: tuple[float, ...]
    update_ratio: tuple[float, ...]


@dataclass(frozen=True)
class Histogram:
    """A histogram over `bins` equal-width bins between `lo` and `hi`."""

    lo: float
    hi: float
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Histograms:
    """Weight and gradient histograms per layer at one sampled step."""

    step: int
    layers: tuple[str, ...]
    weights: tuple[Histogram, ...]
    grads: tuple[Histogram, ...]


@dataclass(frozen=True)
class ActivationStats:
    """Activation statistics per activation layer on the fixed probe batch.

    dead_frac: share of ReLU-family units that are zero for every probe example;
    saturated_frac: share of tanh/sigmoid outputs within 2% of their limits.
    """

    step: int
    layers: tuple[str, ...]
    kinds: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    dead_frac: tuple[float, ...]
    saturated_frac: tuple[float, ...]
    hists: tuple[Histogram, ...]


@dataclass(frozen=True)
class Samples:
    """Predictions on a small fixed batch; `payload`'s keys depend on `kind` (see core.samples)."""

    step: int
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Insight:
    """A timeline frame: what the model does with a few fixed inputs at one step.

    `samples` is the sample-prediction payload (without static parts); `feature_maps` (CNNs),
    `attention` (Transformers) and `recurrent` (RNNs) are filled when the model has such layers
    (see core.probes for their keys). `snapshot` names the weight file saved with this frame.
    """

    step: int
    samples: dict[str, Any] = field(default_factory=dict)
    feature_maps: dict[str, Any] = field(default_factory=dict)
    attention: dict[str, Any] = field(default_factory=dict)
    recurrent: dict[str, Any] = field(default_factory=dict)
    snapshot: str = ""


@dataclass(frozen=True)
class Confusion:
    """Confusion matrix on the validation set (rows: true class, columns: predicted), per-class
    accuracy, and the most confidently wrong examples (with pixels 0-255 for images)."""

    step: int
    epoch: int
    class_names: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]
    per_class_accuracy: tuple[float, ...]
    wrong_index: tuple[int, ...] = ()
    wrong_true: tuple[int, ...] = ()
    wrong_pred: tuple[int, ...] = ()
    wrong_confidence: tuple[float, ...] = ()
    wrong_pixels: tuple = ()  # (N, H, W, C) uint8 lists for image datasets


@dataclass(frozen=True)
class StatusChange:
    """The run entered a new status; `hint` is plain-language advice for learners."""

    status: RunStatus
    message: str = ""
    hint: str = ""
    step: int = 0
    detail: str = ""  # e.g. a traceback for failed runs


Event = (
    StepLosses
    | Progress
    | EpochEnd
    | LayerStats
    | Histograms
    | ActivationStats
    | Samples
    | Insight
    | Confusion
    | StatusChange
)
