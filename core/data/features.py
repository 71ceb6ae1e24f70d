"""Turn raw toy coordinates into model inputs: optional Playground-style extras, standardized.

`make_featurizer` fits the standardization on the training points and returns a picklable function
that maps any (N, d) coordinates (a grid for the decision boundary, say) to (N, F) model inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

import torch

from core.i18n import _

# Extra features for 2-D points (column 0 = x, column 1 = y), as in TensorFlow Playground.
EXTRA_FEATURES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "x2": lambda p: p[:, 0] ** 2,
    "y2": lambda p: p[:, 1] ** 2,
    "xy": lambda p: p[:, 0] * p[:, 1],
    "sinx": lambda p: torch.sin(p[:, 0]),
    "siny": lambda p: torch.sin(p[:, 1]),
}


def check_features(names: Iterable[str], dims: int = 2) -> tuple[str, ...]:
    """Validate extra feature names; ValueError naming the unknown ones and the allowed choices."""
    names = tuple(names)
    unknown = [n for n in names if n not in EXTRA_FEATURES]
    if unknown:
        raise ValueError(
            _("unknown feature(s) {unknown}; choose from {choices}").format(
                unknown=unknown, choices=sorted(EXTRA_FEATURES)
            )
        )
    if names and dims != 2:
        raise ValueError(
            _("extra features {names} need 2-D points, this dataset is {dims}-D").format(
                names=list(names), dims=dims
            )
        )
    if len(set(names)) != len(names):
        raise ValueError(_("features listed twice: {names}").format(names=list(names)))
    return names


def feature_names(dims: int, features: tuple[str, ...]) -> tuple[str, ...]:
    """Column names of the model input, e.g. ("x", "y", "x2")."""
    return ("x", "y")[:dims] + features if dims <= 2 else tuple(f"x{i}" for i in range(dims))


def expand(points: torch.Tensor, features: tuple[str, ...]) -> torch.Tensor:
    """Raw coordinates (N, d) -> (N, d + len(features)) unnormalized feature columns."""
    points = points.to(torch.float32)
    extra = [EXTRA_FEATURES[name](points)[:, None] for name in features]
    return torch.cat([points, *extra], dim=1)


def featurize(
    points: torch.Tensor, features: tuple[str, ...], mean: torch.Tensor, std: torch.Tensor
) -> torch.Tensor:
    """Raw coordinates (N, d) -> standardized model inputs (N, F), float32."""
    return (expand(points, features) - mean) / std


def make_featurizer(
    points_train: torch.Tensor, features: tuple[str, ...]
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Fit per-column mean/std on the training points; return `featurize` with them bound."""
    cols = expand(points_train, features)  # (N, F)
    mean = cols.mean(dim=0)
    std = cols.std(dim=0).clamp_min(1e-6)
    return partial(featurize, features=features, mean=mean, std=std)
