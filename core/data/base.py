"""What every dataset hands the engine: tensors split into train/validation plus a `DataSpec`.

Models read the spec to size their input and output layers; tasks read it to pick loss and metric;
the sample-prediction callback reads `sample_kind` to know what to draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch

from core.data.features import EXTRA_FEATURES
from core.i18n import N_, _

TaskKind = Literal["classification", "regression", "tokens"]
InputKind = Literal["vector", "image", "tokens", "series"]
SampleKind = Literal["boundary", "curve", "images", "text", "sequence", "forecast", "table"]


@dataclass(frozen=True)
class DataConfig:
    """Which dataset to load and its knobs; each dataset reads only the fields in its `params`."""

    name: str = field(
        default="spiral",
        metadata={"label": N_("Dataset"), "help": N_("Dataset name (see DATASETS).")},
    )
    n_samples: int = field(
        default=1000,
        metadata={
            "min": 20,
            "max": 200_000,
            "label": N_("N samples"),
            "help": N_("Examples to generate or keep."),
        },
    )
    noise: float = field(
        default=0.1,
        metadata={
            "min": 0.0,
            "max": 2.0,
            "label": N_("Noise"),
            "help": N_("Noise added to generated data."),
        },
    )
    val_fraction: float = field(
        default=0.2,
        metadata={
            "min": 0.05,
            "max": 0.5,
            "label": N_("Val fraction"),
            "help": N_("Share held out for validation."),
        },
    )
    features: tuple[str, ...] = field(
        default=(),
        metadata={
            "choices": tuple(EXTRA_FEATURES),
            "label": N_("Features"),
            "help": N_("Extra 2-D input features: x2, y2, xy, sinx, siny."),
        },
    )
    seq_len: int = field(
        default=12,
        metadata={
            "min": 2,
            "max": 256,
            "label": N_("Seq len"),
            "help": N_("Sequence length (sequence tasks)."),
        },
    )
    n_symbols: int = field(
        default=8,
        metadata={
            "min": 2,
            "max": 64,
            "label": N_("N symbols"),
            "help": N_("Alphabet size (sequence tasks)."),
        },
    )
    horizon: int = field(
        default=8,
        metadata={
            "min": 1,
            "max": 64,
            "label": N_("Horizon"),
            "help": N_("Steps to forecast (sine task)."),
        },
    )
    data_dir: str = field(
        default="./data",
        metadata={"label": N_("Data dir"), "help": N_("Folder with MNIST/CIFAR files.")},
    )
    path: str = field(
        default="",
        metadata={"label": N_("Path"), "help": N_("A CSV, text or ZIP-of-images file to use.")},
    )
    text: str = field(
        default="",
        metadata={"label": N_("Text"), "help": N_("Text to model instead of the corpus.")},
    )
    target: str = field(
        default="", metadata={"label": N_("Target"), "help": N_("CSV column to predict.")}
    )
    text_column: str = field(
        default="",
        metadata={
            "label": N_("Text column"),
            "help": N_("CSV column holding the texts (empty: the first text column)."),
        },
    )
    vocabulary: Literal["text", "ascii"] = field(
        default="text",
        metadata={
            "label": N_("Vocabulary"),
            "help": N_(
                "Characters a text model knows: those of its text, or all printable ASCII "
                "(then a model trained on one text can be fine-tuned on another)."
            ),
            "options": {
                "text": N_("the characters of its text"),
                "ascii": N_("all printable ASCII"),
            },
        },
    )
    download: bool = field(
        default=False,
        metadata={"label": N_("Download"), "help": N_("Let torchvision download files.")},
    )
    n_classes: int = field(
        default=3,
        metadata={
            "min": 2,
            "max": 10,
            "label": N_("N classes"),
            "help": N_("Number of classes (blobs)."),
        },
    )
    classes: tuple[int, ...] = field(
        default=(),
        metadata={
            "min": 0,
            "max": 9,
            "max_len": 10,
            "label": N_("Classes to keep"),
            "help": N_(
                "Keep only these classes, e.g. 0,1,2,3,4 (empty: all). For fine-tuning demos."
            ),
        },
    )
    image_size: int = field(
        default=28,
        metadata={
            "min": 8,
            "max": 64,
            "label": N_("Image size"),
            "help": N_("Side in pixels your images are scaled to."),
        },
    )


def keep_classes(
    x: torch.Tensor, y: torch.Tensor, names: tuple[str, ...], classes: tuple[int, ...]
) -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...]]:
    """Only the examples of `classes` (all when empty), relabelled 0..k-1 in the order given."""
    if not classes:
        return x, y, names
    if len(set(classes)) != len(classes) or len(classes) < 2:
        raise ValueError(
            _("classes must be at least 2 different class ids, got {classes}").format(
                classes=list(classes)
            )
        )
    unknown = [c for c in classes if not 0 <= c < len(names)]
    if unknown:
        raise ValueError(
            _("classes {unknown} do not exist here (ids 0 to {last})").format(
                unknown=unknown, last=len(names) - 1
            )
        )
    keep = torch.isin(y, torch.tensor(classes))
    relabel = torch.full((len(names),), -1, dtype=torch.int64)
    relabel[torch.tensor(classes)] = torch.arange(len(classes))
    return x[keep], relabel[y[keep]], tuple(names[c] for c in classes)


class DatasetMissingError(ValueError):
    """The dataset's files are not on disk (and downloading was off or failed)."""


@dataclass(frozen=True)
class DataSpec:
    """Shapes and meaning of a dataset, independent of any model.

    input_kind: "vector" (B, F) floats, "image" (B, C, H, W) floats, "tokens" (B, T) int64 ids,
    "series" (B, T, F) floats.  task: "classification" -> y (B,) int64 class ids, logits (B, n_outputs);
    "regression" -> y (B, n_outputs) floats; "tokens" -> y (B, T) int64 ids (-100 = not scored),
    logits (B, T, n_outputs).
    """

    name: str
    task: TaskKind
    input_kind: InputKind
    input_shape: tuple[int, ...]  # one example, no batch dimension
    n_outputs: int  # classes, regression targets, or vocabulary size
    sample_kind: SampleKind
    description: str = ""
    vocab_size: int = 0  # for "tokens" inputs: number of distinct input ids
    class_names: tuple[str, ...] = ()
    vocab: tuple[str, ...] = ()  # id -> printable symbol, for text/sequence tasks
    causal: bool = False  # next-token tasks: the model must not see future positions


@dataclass
class DataBundle:
    """Train and validation tensors (CPU) plus their spec; `x_*`/`y_*` align on dimension 0."""

    spec: DataSpec
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    extras: dict = field(default_factory=dict)  # e.g. raw 2-D points for plotting, the text corpus

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def n_val(self) -> int:
        return int(self.x_val.shape[0])


def split(
    x: torch.Tensor, y: torch.Tensor, val_fraction: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Shuffle with `generator` and split into (x_train, y_train, x_val, y_val)."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    n = int(x.shape[0])
    perm = torch.randperm(n, generator=generator)
    n_val = max(1, int(round(n * val_fraction)))
    if n - n_val < 1:
        raise ValueError(_("dataset of {n} examples is too small to split").format(n=n))
    val, train = perm[:n_val], perm[n_val:]
    return x[train], y[train], x[val], y[val]


@dataclass(frozen=True)
class DatasetEntry:
    """A registry row: how to load one dataset, what it is, and which DataConfig fields it reads."""

    name: str
    title: str
    description: str
    load: object  # Callable[[DataConfig, int], DataBundle]: (config, seed) -> bundle
    params: tuple[str, ...] = ()
    group: str = "toy"  # toy | images | sequence | text | tabular (for grouping in the UI)
