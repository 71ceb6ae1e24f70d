"""Loss functions as curves, line fits and a softmax: the numbers behind the loss explorer.

Every gradient here comes from torch autograd, never from a hand-written formula, so the tests can
hold it against the formulas in the textbook. LOSSES is the registry of plotted losses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

from core.i18n import N_

Kind = Literal["regression", "classification"]
FIT_STEPS = 400
FIT_LR = 0.1


@dataclass(frozen=True)
class LossSpec:
    """A per-example loss of a prediction and a target; `delta` only matters for Huber."""

    title: str
    kind: Kind
    fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]


def _two_class_ce(score: torch.Tensor, y: torch.Tensor, delta: float) -> torch.Tensor:
    # Softmax over the logits (0, score): class 1's logit is the score, class 0's is fixed at 0.
    logits = torch.stack([torch.zeros_like(score), score], dim=-1)  # (N, 2)
    return F.cross_entropy(logits, y.long(), reduction="none")


def _hinge(score: torch.Tensor, y: torch.Tensor, delta: float) -> torch.Tensor:
    return torch.clamp(1 - (2 * y - 1) * score, min=0)  # labels 0/1 become -1/+1


LOSSES: dict[str, LossSpec] = {
    "mse": LossSpec(N_("MSE"), "regression", lambda p, t, d: F.mse_loss(p, t, reduction="none")),
    "mae": LossSpec(N_("MAE"), "regression", lambda p, t, d: F.l1_loss(p, t, reduction="none")),
    "huber": LossSpec(
        N_("Huber"), "regression", lambda p, t, d: F.huber_loss(p, t, reduction="none", delta=d)
    ),
    "cross_entropy": LossSpec(N_("Cross-entropy (2 classes)"), "classification", _two_class_ce),
    "bce": LossSpec(
        N_("BCE on sigmoid(score)"),
        "classification",
        lambda s, y, d: F.binary_cross_entropy(torch.sigmoid(s), y, reduction="none"),
    ),
    "hinge": LossSpec(N_("Hinge"), "classification", _hinge),
}


def names(kind: Kind) -> list[str]:
    """The registered losses of one kind, in registry order."""
    return [name for name, spec in LOSSES.items() if spec.kind == kind]


@dataclass(frozen=True)
class Curve:
    """A loss and its derivative w.r.t. the prediction, over a range of predictions."""

    preds: tuple[float, ...]
    losses: tuple[float, ...]
    grads: tuple[float, ...]


def _check(name: str, delta: float) -> LossSpec:
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}")
    if not delta > 0:
        raise ValueError(f"Huber's delta must be positive, got {delta}")
    return LOSSES[name]


def loss_curve(
    name: str, target: float, lo: float, hi: float, delta: float = 1.0, n: int = 241
) -> Curve:
    """L(prediction, target) and dL/dprediction (autograd) for n predictions from lo to hi."""
    spec = _check(name, delta)
    if spec.kind == "classification" and target not in (0.0, 1.0):
        raise ValueError(f"classification targets are 0 or 1, got {target}")
    pred = torch.linspace(lo, hi, n, dtype=torch.float64).requires_grad_()  # (n,)
    loss = spec.fn(pred, torch.full_like(pred, target), delta)
    loss.sum().backward()  # each loss depends on its own prediction only
    return Curve(tuple(pred.tolist()), tuple(loss.tolist()), tuple(pred.grad.tolist()))


def outlier_data(outlier_y: float, n: int = 12, seed: int = 0) -> tuple[list[float], list[float]]:
    """Points near y = 1 + 0.5 x with a little seeded noise; the last but one is the outlier."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.linspace(-2, 2, n, dtype=torch.float64)
    y = 1 + 0.5 * x + 0.2 * torch.randn(n, generator=gen, dtype=torch.float64)
    y[-2] = outlier_y
    return x.tolist(), y.tolist()


OUTLIER_INDEX = -2


@dataclass(frozen=True)
class LineFit:
    """A line y = slope x + intercept fitted under one loss, with the mean loss per step."""

    loss: str
    slope: float
    intercept: float
    history: tuple[float, ...]


def fit_line(xs: Sequence[float], ys: Sequence[float], name: str, delta: float = 1.0) -> LineFit:
    """Fit a line by full-batch gradient descent (Adam, learning rate annealed to zero).

    Annealing matters for MAE and Huber: their gradient does not shrink near the optimum, so a
    constant step would keep the line jittering around it.
    """
    spec = _check(name, delta)
    if spec.kind != "regression":
        raise ValueError(f"{name!r} is a classification loss; fit lines with {names('regression')}")
    x = torch.tensor(xs, dtype=torch.float64)
    y = torch.tensor(ys, dtype=torch.float64)
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)  # (slope, intercept)
    opt = torch.optim.Adam([w], lr=FIT_LR)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1 - k / FIT_STEPS)
    history = []
    for _ in range(FIT_STEPS):
        opt.zero_grad()
        loss = spec.fn(w[0] * x + w[1], y, delta).mean()
        loss.backward()
        history.append(loss.item())
        opt.step()
        sched.step()
    slope, intercept = w.tolist()
    return LineFit(name, slope, intercept, tuple(history))


@dataclass(frozen=True)
class Softmax:
    """Softmax probabilities of some logits, the cross-entropy for a target, and dL/dlogits."""

    probs: tuple[float, ...]
    loss: float
    grads: tuple[float, ...]


def softmax_xent(logits: Sequence[float], target: int) -> Softmax:
    """Cross-entropy of `logits` against class `target`, its gradient taken by autograd."""
    if not 0 <= target < len(logits):
        raise ValueError(f"target class {target} is outside [0, {len(logits) - 1}]")
    if not all(math.isfinite(v) for v in logits):
        raise ValueError(f"logits must be finite numbers, got {list(logits)}")
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)  # (K,)
    loss = F.cross_entropy(z.unsqueeze(0), torch.tensor([target]))
    loss.backward()
    probs = torch.softmax(z.detach(), dim=0)
    return Softmax(tuple(probs.tolist()), loss.item(), tuple(z.grad.tolist()))
