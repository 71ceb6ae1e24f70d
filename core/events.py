"""Events a training run streams from the worker to the server: frozen dataclasses of plain numbers.

Tensors never cross the process boundary; `.item()`/`.tolist()` happen in the worker. Each event kind
has exactly one place in `core.run_state` that folds it into the run's bounded buffers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from core.i18n import N_, _

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
# The statuses as a page names them (runs keep the English word; show it with `_(status)`).
STATUS_NAMES = (
    N_("queued"),
    N_("starting"),
    N_("running"),
    N_("paused"),
    N_("completed"),
    N_("stopped"),
    N_("diverged"),
    N_("failed"),
    N_("interrupted"),
    N_("damaged"),  # a stored run that cannot be read (core.store_recovery)
)


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


# A run's status message and hint are kept in English: a run is stored and may be shared, so its
# words cannot be in one visitor's language. These are the texts the server and the worker write;
# `localize_status_text` shows one in the reader's language. Placeholders hold one word or number.
STARTING_TEXT = N_("Starting a worker process")
STOPPED_QUEUED_TEXT = N_("Stopped before it started.")
STOPPED_UNANSWERED_TEXT = N_(
    "Stopped at step {step}: the run did not answer within {seconds} s, so its process was "
    "ended (its last weights were not saved)."
)
PROCESS_ENDED_TEXT = N_("The training process ended unexpectedly (exit code {code}).")
PROCESS_ENDED_HINT = N_("It may have run out of memory; try a smaller model or batch size.")
INTERRUPTED_TEXT = N_(
    "Interrupted: the server stopped while this run was {status} (metrics kept up to step {step})."
)
INTERRUPTED_HINT = N_("Start it again from the same configuration to redo it.")
DAMAGED_TEXT = N_("The stored data of this run could not be read; it may be damaged.")
RAY_LAUNCH_FAILED_TEXT = N_("Could not start the run on the Ray cluster.")
DAMAGED_HINT = N_("Delete it, and start it again from its configuration if you still need it.")
STATUS_TEXTS = (
    STARTING_TEXT,
    STOPPED_QUEUED_TEXT,
    STOPPED_UNANSWERED_TEXT,
    PROCESS_ENDED_TEXT,
    PROCESS_ENDED_HINT,
    INTERRUPTED_TEXT,
    INTERRUPTED_HINT,
    DAMAGED_TEXT,
    DAMAGED_HINT,
    RAY_LAUNCH_FAILED_TEXT,
    # written by the worker (core.worker, core.trainer); its "Training", "Paused" and "Resumed"
    # are never shown: the page says those statuses in its own words
    N_("Stopped at step {step}."),
    N_("Finished after {step} steps."),
    N_("Diverged at step {step}: loss became NaN/inf (last finite loss {last})."),
    N_("Out of memory."),
    N_(
        "The model or batch does not fit in memory. Use a smaller batch size, fewer or narrower "
        "layers, or shorter sequences."
    ),
    N_("Something went wrong inside training; the details below say what."),
    N_(
        "The loss blew up to infinity/NaN. Usual causes: a learning rate that is too high (try "
        "10x lower), no gradient clipping on a recurrent model, or unscaled inputs."
    ),
)


@cache
def _status_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each of STATUS_TEXTS with the regular expression that reads its values back."""
    found = []
    for template in STATUS_TEXTS:
        parts = re.split(r"\{(\w+)\}", template)  # text, name, text, name, ..., text
        regex = "".join(
            re.escape(part) if i % 2 == 0 else rf"(?P<{part}>\S+)" for i, part in enumerate(parts)
        )
        found.append((template, re.compile(regex)))
    return tuple(found)


def localize_status_text(text: str) -> str:
    """A run's status message or hint in the reader's language: one of STATUS_TEXTS translated
    with its values filled back in (a status word translated too), else `text` as it is (an
    error's own words, which the worker wrote in English)."""
    for template, pattern in _status_patterns():
        match = pattern.fullmatch(text)
        if match:
            values = {
                name: _(value) if name == "status" else value
                for name, value in match.groupdict().items()
            }
            return _(template).format(**values)
    return text
