"""Race real torch.optim optimizers across a 2-D surface and record everything they did.

Each run moves one float64 parameter of shape (2,) with the optimizer built by `core.optim`, and
keeps positions, losses, gradients and the optimizer's own state after every step as plain
numbers. A run that blows up stops at the first non-finite or runaway value and says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import torch

from core.labs.surfaces import SurfaceConfig, loss_fn
from core.optim import OptimConfig, build_optimizer

MAX_STEPS = 2000
RUNAWAY = 1e6  # beyond this distance from the origin the run has left any surface we plot
StopReason = Literal["non-finite", "runaway"]

# Settings other than the learning rate that each optimizer starts from in the lab.
LAB_DEFAULTS: dict[str, OptimConfig] = {
    "sgd": OptimConfig(name="sgd"),
    "momentum": OptimConfig(name="momentum", momentum=0.9),
    "nesterov": OptimConfig(name="nesterov", momentum=0.9),
    "rmsprop": OptimConfig(name="rmsprop", beta2=0.99),
    "adagrad": OptimConfig(name="adagrad"),
    "adam": OptimConfig(name="adam"),
    "adamw": OptimConfig(name="adamw", weight_decay=0.01),
}
# Starting learning rates per surface that make a fair first race (found by sweeping 1e-3..0.5
# over 200 steps): plain SGD's must fit the steepest curvature, adaptive ones set a step length.
SUGGESTED_LR: dict[str, dict[str, float]] = {
    "bowl": dict(sgd=0.15, momentum=0.02, nesterov=0.02, rmsprop=0.02, adagrad=0.5, adam=0.1),
    "rosenbrock": dict(sgd=2e-3, momentum=1e-3, nesterov=1e-3, rmsprop=0.01, adagrad=0.5, adam=0.1),
    "beale": dict(sgd=0.01, momentum=2e-3, nesterov=2e-3, rmsprop=0.02, adagrad=0.5, adam=0.05),
    "saddle": dict(sgd=0.02, momentum=0.01, nesterov=0.01, rmsprop=0.01, adagrad=0.2, adam=0.05),
    "bumpy": dict(sgd=0.05, momentum=0.02, nesterov=0.02, rmsprop=0.02, adagrad=0.5, adam=0.1),
}


@dataclass(frozen=True)
class Trajectory:
    """One optimizer's path. Step k (1-based) used grads[k - 1], moved to points[k], left states[k - 1]."""

    optimizer: str
    hyper: dict[str, float]  # the optimizer's numeric settings (lr, eps, betas split, ...)
    points: tuple[tuple[float, float], ...]  # start first
    losses: tuple[float, ...]  # f at each point
    grads: tuple[tuple[float, float], ...]
    states: tuple[dict[str, float | tuple[float, float]], ...]
    stopped: StopReason | None = None
    stopped_at: int | None = None  # the step that produced the bad value

    @property
    def steps(self) -> int:
        return len(self.points) - 1


def _plain(value: object) -> float | tuple[float, float] | None:
    if isinstance(value, torch.Tensor):
        return float(value.item()) if value.numel() == 1 else tuple(value.tolist())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _plain_dict(d: dict) -> dict:
    out = {}
    for key, value in d.items():
        if key == "betas":
            out["beta1"], out["beta2"] = (float(v) for v in value)
        elif (v := _plain(value)) is not None:
            out[key] = v
    return out


def _finite(values: Sequence[float]) -> bool:
    return all(math.isfinite(v) for v in values)


def run_trajectory(
    surface: SurfaceConfig, optim: OptimConfig, start: tuple[float, float], steps: int
) -> Trajectory:
    """Run `steps` steps of the real torch optimizer from `start`; stop early if it diverges."""
    if not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps={steps} is outside the allowed range [0, {MAX_STEPS}]")
    if not _finite(start):
        raise ValueError(f"start must be two finite numbers, got {start}")
    f = loss_fn(surface)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)  # (2,)
    opt = build_optimizer([p], optim)

    def evaluate() -> tuple[float, tuple[float, float]]:
        opt.zero_grad()
        loss = f(p[0], p[1])
        loss.backward()
        return loss.item(), tuple(p.grad.tolist())

    loss, grad = evaluate()
    points, losses, grads, states = [tuple(map(float, start))], [loss], [], []
    stopped: StopReason | None = None if _finite((loss, *grad)) else "non-finite"
    stopped_at = 0 if stopped else None
    for k in range(1, steps + 1):
        if stopped:
            break
        opt.step()
        point = tuple(p.detach().tolist())
        if not _finite(point):
            stopped = "non-finite"
        elif max(map(abs, point)) > RUNAWAY:
            stopped = "runaway"
        else:
            loss, new_grad = evaluate()
            stopped = None if _finite((loss, *new_grad)) else "non-finite"
        if stopped:
            stopped_at = k
            break
        grads.append(grad)
        points.append(point)
        losses.append(loss)
        states.append(_plain_dict(opt.state[p]))
        grad = new_grad
    return Trajectory(
        optim.name,
        _plain_dict(opt.param_groups[0]),
        tuple(points),
        tuple(losses),
        tuple(grads),
        tuple(states),
        stopped,
        stopped_at,
    )


def explain_step(traj: Trajectory, k: int) -> dict[str, float]:
    """The numbers behind step k (1-based): gradient, state, effective rates, predicted move.

    `step_x`/`step_y` is the move the update rule predicts from the recorded state; it equals the
    move actually taken (`dx`, `dy`), which is what makes the explanation trustworthy.
    """
    if not 1 <= k <= traj.steps:
        raise ValueError(f"step {k} is outside the recorded steps [1, {traj.steps}]")
    h, s = traj.hyper, traj.states[k - 1]
    (x0, y0), (x1, y1) = traj.points[k - 1], traj.points[k]
    lr, wd = h["lr"], h.get("weight_decay", 0.0)
    name = traj.optimizer
    g = traj.grads[k - 1]
    if name != "adamw":  # L2 weight decay is folded into the gradient
        g = (g[0] + wd * x0, g[1] + wd * y0)
    out = dict(k=k, lr=lr, g_x=g[0], g_y=g[1], dx=x1 - x0, dy=y1 - y0, f=traj.losses[k])
    step = [-lr * gi for gi in g]
    if name in ("momentum", "nesterov"):
        b, mu = s["momentum_buffer"], h["momentum"]
        out |= dict(mu=mu, b_x=b[0], b_y=b[1], horizon=1 / (1 - mu) if mu < 1 else math.inf)
        d = [gi + mu * bi for gi, bi in zip(g, b)] if name == "nesterov" else b
        step = [-lr * di for di in d]
    elif name in ("rmsprop", "adagrad"):
        acc = s["square_avg" if name == "rmsprop" else "sum"]
        clr = lr / (1 + (s["step"] - 1) * h.get("lr_decay", 0.0))
        eff = [clr / (math.sqrt(a) + h["eps"]) for a in acc]
        out |= dict(s_x=acc[0], s_y=acc[1], eff_x=eff[0], eff_y=eff[1])
        step = [-e * gi for e, gi in zip(eff, g)]
    elif name in ("adam", "adamw"):
        t, b1, b2 = s["step"], h["beta1"], h["beta2"]
        m, v = s["exp_avg"], s["exp_avg_sq"]
        mhat = [mi / (1 - b1**t) for mi in m]
        vhat = [vi / (1 - b2**t) for vi in v]
        eff = [lr / (math.sqrt(vi) + h["eps"]) for vi in vhat]
        out |= dict(beta1=b1, beta2=b2, m_x=m[0], m_y=m[1], v_x=v[0], v_y=v[1])
        out |= dict(mhat_x=mhat[0], mhat_y=mhat[1], vhat_x=vhat[0], vhat_y=vhat[1])
        out |= dict(eff_x=eff[0], eff_y=eff[1])
        step = [-e * mi for e, mi in zip(eff, mhat)]
        if name == "adamw":
            decay = [-lr * wd * p0 for p0 in (x0, y0)]
            step = [st + de for st, de in zip(step, decay)]
            out |= dict(wd=wd, decay_x=decay[0], decay_y=decay[1])
    out["step_x"], out["step_y"] = step
    return out


def race(
    surface: SurfaceConfig,
    optims: Sequence[OptimConfig],
    start: tuple[float, float],
    steps: int,
) -> list[Trajectory]:
    """One trajectory per optimizer, all from the same start on the same surface."""
    return [run_trajectory(surface, o, start, steps) for o in optims]


def lab_default(name: str, surface: str = "bowl", **changes: float) -> OptimConfig:
    """The lab's starting settings for optimizer `name` on `surface`, with `changes` applied."""
    if name not in LAB_DEFAULTS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(LAB_DEFAULTS)}")
    lrs = SUGGESTED_LR.get(surface, SUGGESTED_LR["bowl"])
    lr = lrs.get(name, lrs["adam"])  # AdamW shares Adam's step length
    return replace(LAB_DEFAULTS[name], **{"lr": lr, **changes})
