"""Real handwritten digits that need no download: scikit-learn's bundled 8x8 `load_digits` set."""

from __future__ import annotations

import torch

from core.data.base import DataBundle, DataConfig, DatasetEntry, DataSpec, keep_classes, split
from core.data.vision import standardize_images
from core.i18n import N_

DIGIT_NAMES = tuple(str(i) for i in range(10))


def load_digits(cfg: DataConfig, seed: int) -> DataBundle:
    """1,797 scanned digits at 8x8 pixels; `n_samples` caps how many are used (seeded subset)."""
    from sklearn.datasets import load_digits as sk_load_digits  # imported lazily: slow import

    raw = sk_load_digits()
    images = torch.tensor(raw.images, dtype=torch.float32)[:, None] / 16.0  # (N, 1, 8, 8) in [0, 1]
    labels = torch.tensor(raw.target, dtype=torch.int64)
    images, labels, names = keep_classes(images, labels, DIGIT_NAMES, cfg.classes)
    g = torch.Generator().manual_seed(seed)
    keep = torch.randperm(len(labels), generator=g)[: cfg.n_samples]
    x_train, y_train, x_val, y_val = split(images[keep], labels[keep], cfg.val_fraction, g)
    x_train, x_val, extras = standardize_images(x_train, x_val)
    spec = DataSpec(
        name="digits",
        task="classification",
        input_kind="image",
        input_shape=(1, 8, 8),
        n_outputs=len(names),
        sample_kind="images",
        class_names=names,
    )
    return DataBundle(spec, x_train, y_train, x_val, y_val, extras)


ENTRIES = (
    DatasetEntry(
        "digits",
        N_("Handwritten digits (8x8)"),
        N_(
            "1,797 real handwritten digits, scanned at a tiny 8x8 pixels, shipped with scikit-learn. "
            "Small enough to train in seconds, yet real data: a simple network reaches about 95%, "
            "a small CNN a bit more."
        ),
        load_digits,
        ("n_samples", "val_fraction", "classes"),
        "images",
    ),
)
