"""Small generated 2-D (and 1-D) problems you can see whole: points, labels and a decision boundary.

Raw coordinates live roughly in [-3, 3]; models see them through `features.make_featurizer`, which
adds optional extra features and standardizes, so a grid of raw points can be fed to the model too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import torch

from core.data.base import DataBundle, DataConfig, DatasetEntry, DataSpec, split
from core.data.features import check_features, feature_names, make_featurizer
from core.i18n import N_

TOY_PARAMS = ("n_samples", "noise", "val_fraction", "features")


def _gauss(n: int, dims: int, g: torch.Generator) -> torch.Tensor:
    return torch.randn(n, dims, generator=g)


def _uniform(n: int, dims: int, lo: float, hi: float, g: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, dims, generator=g)


def _alternating(n: int, k: int = 2) -> torch.Tensor:
    return torch.arange(n) % k  # balanced classes; the split shuffles them


def make_circle(n: int, noise: float, g: torch.Generator, n_classes: int) -> tuple:
    """Class 1: a disc of radius 1.5; class 0: a ring from 2.1 to 3 around it."""
    labels = _alternating(n)
    inner = _uniform(n, 1, 0.0, 1.5, g)[:, 0]
    outer = _uniform(n, 1, 2.1, 3.0, g)[:, 0]
    radius = torch.where(labels == 1, inner, outer)
    angle = _uniform(n, 1, 0.0, 2 * math.pi, g)[:, 0]
    points = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
    return points + noise * _gauss(n, 2, g), labels


def make_xor(n: int, noise: float, g: torch.Generator, n_classes: int) -> tuple:
    """Class 1 where x and y share a sign; points are kept a little away from the axes."""
    points = _uniform(n, 2, -3.0, 3.0, g)
    points = points + 0.3 * torch.sign(points)
    labels = (points[:, 0] * points[:, 1] > 0).long()
    return points + noise * _gauss(n, 2, g), labels


def make_blobs(n: int, noise: float, g: torch.Generator, n_classes: int) -> tuple:
    """`n_classes` Gaussian blobs evenly spaced on a circle of radius 2.2."""
    labels = _alternating(n, n_classes)
    turn = _uniform(1, 1, 0.0, 2 * math.pi, g)[0, 0]
    angles = turn + 2 * math.pi * labels.float() / n_classes
    centers = 2.2 * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return centers + (0.4 + noise) * _gauss(n, 2, g), labels


def make_spiral(n: int, noise: float, g: torch.Generator, n_classes: int) -> tuple:
    """Two arms winding 1.75 turns around each other; no straight line separates them."""
    labels = _alternating(n)
    t = _uniform(n, 1, 0.0, 1.0, g)[:, 0]
    radius = 3.0 * t
    angle = 1.75 * 2 * math.pi * t + math.pi * labels.float()
    points = torch.stack([radius * torch.sin(angle), radius * torch.cos(angle)], dim=1)
    return points + noise * _gauss(n, 2, g), labels


def make_moons(n: int, noise: float, g: torch.Generator, n_classes: int) -> tuple:
    """Two interleaving half circles (like scikit-learn's make_moons), scaled to about [-2, 3]."""
    labels = _alternating(n)
    t = _uniform(n, 1, 0.0, math.pi, g)[:, 0]
    upper = torch.stack([torch.cos(t), torch.sin(t)], dim=1)
    lower = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], dim=1)
    points = torch.where(labels[:, None] == 0, upper, lower)
    points = 2.0 * (points - torch.tensor([0.5, 0.25]))
    return points + noise * _gauss(n, 2, g), labels


def make_sine(n: int, noise: float, g: torch.Generator) -> tuple:
    """y = sin(x) + noise for x in [-2 pi, 2 pi]: two full waves."""
    points = _uniform(n, 1, -2 * math.pi, 2 * math.pi, g)
    return points, torch.sin(points) + noise * _gauss(n, 1, g)


def make_plane(n: int, noise: float, g: torch.Generator) -> tuple:
    """z = a*x + b*y + noise, with a and b drawn from the seed (kept in extras["coefficients"])."""
    coef = _uniform(2, 1, -1.0, 1.0, g)  # (2, 1)
    points = _uniform(n, 2, -3.0, 3.0, g)
    return points, points @ coef / 2 + noise * _gauss(n, 1, g), tuple(coef[:, 0].tolist())


def _bounds(points: torch.Tensor) -> tuple[float, ...]:
    """(min, max) per raw dimension with a 10% margin: (xmin, xmax[, ymin, ymax])."""
    lo, hi = points.min(dim=0).values, points.max(dim=0).values
    pad = 0.1 * (hi - lo).clamp_min(1e-3)
    return tuple(
        v for d in range(points.shape[1]) for v in (float(lo[d] - pad[d]), float(hi[d] + pad[d]))
    )


def _bundle(
    name: str,
    cfg: DataConfig,
    g: torch.Generator,
    points: torch.Tensor,
    targets: torch.Tensor,
    **spec,
) -> DataBundle:
    """Split, featurize and package raw points; `spec` holds the task-specific DataSpec fields."""
    features = check_features(cfg.features, dims=points.shape[1])
    idx = torch.arange(points.shape[0])
    idx_train, _, idx_val, _ = split(idx, idx, cfg.val_fraction, g)
    featurize = make_featurizer(points[idx_train], features)
    x = featurize(points)
    return DataBundle(
        spec=DataSpec(name=name, input_kind="vector", input_shape=(int(x.shape[1]),), **spec),
        x_train=x[idx_train],
        y_train=targets[idx_train],
        x_val=x[idx_val],
        y_val=targets[idx_val],
        extras={
            "points": points,
            "labels": targets,
            "points_train": points[idx_train],
            "points_val": points[idx_val],
            "bounds": _bounds(points),
            "featurize": featurize,
            "feature_names": feature_names(points.shape[1], features),
        },
    )


def load_classifier_toy(
    name: str, make: Callable, multiclass: bool, cfg: DataConfig, seed: int
) -> DataBundle:
    """A 2-D classification toy from generator `make` -> (points, labels)."""
    g = torch.Generator().manual_seed(seed)
    n_classes = cfg.n_classes if multiclass else 2
    points, labels = make(cfg.n_samples, cfg.noise, g, n_classes)
    return _bundle(
        name,
        cfg,
        g,
        points.float(),
        labels.long(),
        task="classification",
        n_outputs=n_classes,
        sample_kind="boundary",
        class_names=tuple(str(i) for i in range(n_classes)),
    )


def load_sine(cfg: DataConfig, seed: int) -> DataBundle:
    """The 1-D regression toy: learn the curve sin(x) from noisy samples."""
    g = torch.Generator().manual_seed(seed)
    points, targets = make_sine(cfg.n_samples, cfg.noise, g)
    return _bundle(
        "sine", cfg, g, points, targets, task="regression", n_outputs=1, sample_kind="curve"
    )


def load_plane(cfg: DataConfig, seed: int) -> DataBundle:
    """The 2-D regression toy: a tilted plane, which a single linear layer fits exactly."""
    g = torch.Generator().manual_seed(seed)
    points, targets, coef = make_plane(cfg.n_samples, cfg.noise, g)
    bundle = _bundle(
        "plane", cfg, g, points, targets, task="regression", n_outputs=1, sample_kind="boundary"
    )
    bundle.extras["coefficients"] = coef
    return bundle


def _classifier(
    name: str, title: str, make: Callable, description: str, multiclass: bool = False
) -> DatasetEntry:
    params = TOY_PARAMS + (("n_classes",) if multiclass else ())
    load = partial(load_classifier_toy, name, make, multiclass)
    return DatasetEntry(name, title, description, load, params, "toy")


ENTRIES = (
    _classifier(
        "circle",
        N_("Circle"),
        make_circle,
        N_(
            "Points inside a disc belong to one class, points on a ring around it to the other. "
            "A straight line cannot separate them, but one hidden layer (or the x2 and y2 features) "
            "can."
        ),
    ),
    _classifier(
        "xor",
        "XOR",
        make_xor,
        N_(
            "The class depends on whether x and y have the same sign, the classic XOR puzzle. "
            "No single straight line works; a small hidden layer or the xy feature solves it."
        ),
    ),
    _classifier(
        "blobs",
        N_("Gaussian blobs"),
        make_blobs,
        N_(
            "Round clouds of points, one per class, placed around a circle. "
            "Easy: even a linear model separates them, until the noise makes the clouds overlap."
        ),
        multiclass=True,
    ),
    _classifier(
        "spiral",
        N_("Spiral"),
        make_spiral,
        N_(
            "Two arms of points winding around each other. "
            "A linear model fails completely; a network needs several hidden units to follow the "
            "curls."
        ),
    ),
    _classifier(
        "moons",
        N_("Two moons"),
        make_moons,
        N_(
            "Two interlocking half circles. "
            "The boundary between them is a gentle S-curve that a small hidden layer learns quickly."
        ),
    ),
    DatasetEntry(
        "sine",
        N_("Sine curve"),
        N_(
            "Regression in one dimension: predict y = sin(x) from noisy samples over two full waves. "
            "A linear model only draws a straight line; a hidden layer learns to bend it."
        ),
        load_sine,
        ("n_samples", "noise", "val_fraction"),
        "toy",
    ),
    DatasetEntry(
        "plane",
        N_("Tilted plane"),
        N_(
            "Regression in two dimensions: the target is a*x + b*y plus noise. "
            "A single linear layer fits it exactly, so it shows what a perfect fit looks like."
        ),
        load_plane,
        TOY_PARAMS,
        "toy",
    ),
)
