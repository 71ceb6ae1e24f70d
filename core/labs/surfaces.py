"""Two-dimensional loss surfaces f(x, y) written in torch, each with its known minima: SURFACES.

They are the classic optimizer test functions: an ill-conditioned bowl, Rosenbrock's banana
valley, Beale's plateau with steep walls, a saddle with two valleys and a bumpy bowl full of
local minima.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import torch

from core.i18n import N_
from core.validation import check_ranges

SurfaceName = Literal["bowl", "rosenbrock", "beale", "saddle", "bumpy"]
Fn = Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]


@dataclass(frozen=True)
class SurfaceConfig:
    """Which surface, and the bowl's condition number (ratio of its steepest to flattest curvature)."""

    name: SurfaceName = field(default="bowl", metadata={"help": N_("The loss landscape.")})
    condition: float = field(
        default=10.0,
        metadata={
            "min": 1.0,
            "max": 1000.0,
            "log": True,
            "help": N_("Bowl only: how much steeper y is than x (the Hessian's condition number)."),
        },
    )


@dataclass(frozen=True)
class Surface:
    """One landscape: its formula, the region worth plotting, a start point and its minima."""

    title: str
    f: Fn  # (x, y, condition) -> loss, elementwise on tensors of any shape
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    f_min: float


def _bowl(x: torch.Tensor, y: torch.Tensor, condition: float) -> torch.Tensor:
    return 0.5 * (x**2 + condition * y**2)


def _rosenbrock(x: torch.Tensor, y: torch.Tensor, condition: float) -> torch.Tensor:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _beale(x: torch.Tensor, y: torch.Tensor, condition: float) -> torch.Tensor:
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _saddle(x: torch.Tensor, y: torch.Tensor, condition: float) -> torch.Tensor:
    # A saddle at the origin between two valleys at y = +-1: x^2 curves up, y^4/4 - y^2/2 down.
    return x**2 + y**4 / 4 - y**2 / 2


def _bumpy(x: torch.Tensor, y: torch.Tensor, condition: float) -> torch.Tensor:
    # A wide bowl with cosine ripples: one global minimum at 0 and a ring of local ones around it.
    return (x**2 + y**2) / 4 + 2 - torch.cos(3 * x) - torch.cos(3 * y)


SURFACES: dict[str, Surface] = {
    "bowl": Surface(
        N_("Quadratic bowl"), _bowl, (-2.0, 2.0), (-2.0, 2.0), (-1.8, 1.2), ((0, 0),), 0.0
    ),
    "rosenbrock": Surface(
        N_("Rosenbrock"), _rosenbrock, (-2.0, 2.0), (-1.0, 3.0), (-1.2, 1.0), ((1, 1),), 0.0
    ),
    "beale": Surface(N_("Beale"), _beale, (-4.5, 4.5), (-4.5, 4.5), (1.0, 1.5), ((3, 0.5),), 0.0),
    "saddle": Surface(
        N_("Saddle"), _saddle, (-2.0, 2.0), (-2.0, 2.0), (-1.8, 0.01), ((0, 1), (0, -1)), -0.25
    ),
    "bumpy": Surface(
        N_("Bumpy bowl (many minima)"), _bumpy, (-4.0, 4.0), (-4.0, 4.0), (3.3, 2.6), ((0, 0),), 0.0
    ),
}


def surface(cfg: SurfaceConfig) -> Surface:
    """The registered surface named by the config, after a range check."""
    if cfg.name not in SURFACES:
        raise ValueError(f"unknown surface {cfg.name!r}; choose one of {sorted(SURFACES)}")
    check_ranges(cfg)
    return SURFACES[cfg.name]


def loss_fn(cfg: SurfaceConfig) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """f(x, y) for this config (the condition number bound in)."""
    fn, condition = surface(cfg).f, cfg.condition
    return lambda x, y: fn(x, y, condition)


def grid(cfg: SurfaceConfig, n: int = 120) -> tuple[list[float], list[float], list[list[float]]]:
    """The surface sampled on an n x n grid over its plot region: xs, ys and z[row = y][col = x]."""
    s = surface(cfg)
    xs = torch.linspace(*s.x_range, n, dtype=torch.float64)
    ys = torch.linspace(*s.y_range, n, dtype=torch.float64)
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")  # (n, n), rows follow y
    with torch.no_grad():
        z = loss_fn(cfg)(xx, yy)
    return xs.tolist(), ys.tolist(), z.tolist()
