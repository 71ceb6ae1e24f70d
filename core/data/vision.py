"""MNIST, Fashion-MNIST and CIFAR-10 read through torchvision from files on disk (`cfg.data_dir`).

The app is offline: without the files we raise `DatasetMissingError` saying which files go where.
CIFAR-10's md5 checks are relaxed to "the files exist" so any copy (or a test's tiny fake) loads.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch

from core.data.base import (
    DataBundle,
    DataConfig,
    DatasetEntry,
    DatasetMissingError,
    DataSpec,
    keep_classes,
)
from core.i18n import N_, _

IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
CIFAR_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
FASHION_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
CIFAR_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
IMAGE_PARAMS = ("n_samples", "val_fraction", "classes", "data_dir", "download")


@dataclass(frozen=True)
class ImageSource:
    """Where one image dataset lives under data_dir and how torchvision reads it."""

    title: str
    folder: str  # relative to data_dir
    files: tuple[str, ...]
    dataset: str  # torchvision class name
    class_names: tuple[str, ...]


SOURCES = {
    "mnist": ImageSource(
        "MNIST", "MNIST/raw", IDX_FILES, "MNIST", tuple(str(i) for i in range(10))
    ),
    "fashion_mnist": ImageSource(
        "Fashion-MNIST", "FashionMNIST/raw", IDX_FILES, "FashionMNIST", FASHION_NAMES
    ),
    "cifar10": ImageSource("CIFAR-10", "cifar-10-batches-py", CIFAR_FILES, "CIFAR10", CIFAR_NAMES),
}


def standardize_images(
    x_train: torch.Tensor, x_val: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, dict]:
    """Per-channel standardization fitted on training images (B, C, H, W) in [0, 1].

    Returns both sets plus extras {"mean", "std"} (one float per channel): shown = x * std + mean.
    """
    mean = x_train.mean(dim=(0, 2, 3)).view(1, -1, 1, 1)
    std = x_train.std(dim=(0, 2, 3)).clamp_min(1e-6).view(1, -1, 1, 1)
    extras = {"mean": tuple(mean.flatten().tolist()), "std": tuple(std.flatten().tolist())}
    return (x_train - mean) / std, (x_val - mean) / std, extras


def _missing(source: ImageSource, folder: Path) -> list[str]:
    """Expected files absent from `folder`; an IDX file also counts when only its .gz is there."""
    return [
        f for f in source.files if not (folder / f).exists() and not (folder / f"{f}.gz").exists()
    ]


def _missing_message(source: ImageSource, folder: Path, missing: list[str]) -> str:
    files = ", ".join(source.files)
    if source.files == IDX_FILES:
        files = _("{files} (each may also end in .gz)").format(files=files)
    text = _("{title} files not found. Expected in the folder {folder}: {files}.").format(
        title=source.title, folder=folder, files=files
    )
    if len(missing) != len(source.files):
        text = _then(text, _("Missing: {files}.").format(files=", ".join(missing)))
    return _then(
        text, _("Either turn on 'download' (needs internet) or copy the files into that folder.")
    )


def _then(sentence: str, following: str) -> str:
    """Two sentences in a row (a space between them in English, none in Chinese)."""
    return _("{sentence} {following}").format(sentence=sentence, following=following)


def _gunzip(folder: Path, files: tuple[str, ...]) -> None:
    """torchvision reads uncompressed IDX files; unpack any .gz the user copied in instead."""
    for f in files:
        target, packed = folder / f, folder / f"{f}.gz"
        if not target.exists() and packed.exists():
            partial_file = target.with_suffix(".part")  # never leave a half-written file behind
            with gzip.open(packed, "rb") as src, open(partial_file, "wb") as dst:
                shutil.copyfileobj(src, dst)
            partial_file.replace(target)


def _torchvision_class(source: ImageSource) -> type:
    """The torchvision dataset class; CIFAR-10 only checks that its batch files exist."""
    import torchvision.datasets as tvd

    base = getattr(tvd, source.dataset)
    if source.dataset != "CIFAR10":
        return base

    class LocalCIFAR10(base):
        def _check_integrity(self) -> bool:
            folder = Path(self.root) / self.base_folder
            return all((folder / f).exists() for f in CIFAR_FILES)

        def _load_meta(self) -> None:  # batches.meta is optional: the names are fixed
            self.classes = list(CIFAR_NAMES)
            self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    return LocalCIFAR10


def _read(source: ImageSource, cfg: DataConfig) -> tuple[tuple, tuple]:
    """((train_images, train_labels), (test_images, test_labels)); images uint8 (N, C, H, W)."""
    root = Path(cfg.data_dir).expanduser().resolve()
    folder = root / source.folder
    cls = _torchvision_class(source)
    if cfg.download and _missing(source, folder):
        try:
            cls(str(root), train=True, download=True)
        except Exception as err:  # network errors come in many types; report them all the same way
            raise DatasetMissingError(
                _(
                    "Downloading {title} into {folder} failed ({error}). Check the internet "
                    "connection, or copy the files {files} into {folder}."
                ).format(
                    title=source.title, folder=folder, error=err, files=", ".join(source.files)
                )
            ) from err
    missing = _missing(source, folder)
    if missing:
        raise DatasetMissingError(_missing_message(source, folder, missing))
    _gunzip(folder, source.files)
    try:
        return tuple(
            _as_tensors(cls(str(root), train=train, download=False)) for train in (True, False)
        )
    except Exception as err:  # noqa: BLE001 - a damaged file fails in torchvision in many ways
        reason = f"{type(err).__name__}: {err}" if isinstance(err, (KeyError, TypeError)) else err
        raise ValueError(
            _(
                "could not read {title} files in {folder}: they are damaged or not in the "
                "expected format ({reason}). Replace them with an original copy of {title}."
            ).format(title=source.title, folder=folder, reason=reason)
        ) from err


def _as_tensors(ds: object) -> tuple[torch.Tensor, torch.Tensor]:
    images = torch.as_tensor(ds.data)
    images = images[:, None] if images.ndim == 3 else images.permute(0, 3, 1, 2)  # (N, C, H, W)
    return images.contiguous(), torch.as_tensor(ds.targets, dtype=torch.int64)


def load_images(name: str, cfg: DataConfig, seed: int) -> DataBundle:
    """Seeded subsets: `n_samples` training images; validation drawn from the official test set."""
    source = SOURCES[name]
    (train_x, train_y), (test_x, test_y) = _read(source, cfg)
    train_x, train_y, names = keep_classes(train_x, train_y, source.class_names, cfg.classes)
    test_x, test_y, _names = keep_classes(test_x, test_y, source.class_names, cfg.classes)
    g = torch.Generator().manual_seed(seed)
    n_val = min(max(1, round(cfg.n_samples * cfg.val_fraction)), len(test_y))
    train_idx = torch.randperm(len(train_y), generator=g)[: cfg.n_samples]
    val_idx = torch.randperm(len(test_y), generator=g)[:n_val]
    x_train, x_val, extras = standardize_images(
        train_x[train_idx].float() / 255.0, test_x[val_idx].float() / 255.0
    )
    spec = DataSpec(
        name=name,
        task="classification",
        input_kind="image",
        input_shape=tuple(x_train.shape[1:]),
        n_outputs=len(names),
        sample_kind="images",
        class_names=names,
    )
    return DataBundle(spec, x_train, train_y[train_idx], x_val, test_y[val_idx], extras)


def _entry(name: str, description: str) -> DatasetEntry:
    load: Callable = partial(load_images, name)
    return DatasetEntry(name, SOURCES[name].title, description, load, IMAGE_PARAMS, "images")


ENTRIES = (
    _entry(
        "mnist",
        N_(
            "70,000 handwritten digits at 28x28 pixels, the classic first benchmark of deep learning. "
            "A plain MLP passes 97%, a small CNN 99%. Needs the MNIST files in the data folder."
        ),
    ),
    _entry(
        "fashion_mnist",
        N_(
            "Photos of clothes (shirts, shoes, bags) in MNIST's 28x28 grey format, 10 classes. "
            "Harder than digits: shirts, pullovers and coats look alike, so 90% is already good."
        ),
    ),
    _entry(
        "cifar10",
        N_(
            "60,000 tiny 32x32 colour photos of planes, cars, animals and ships in 10 classes. "
            "Much harder than digits: MLPs stall near 50%, convolutional networks do far better."
        ),
    ),
)
