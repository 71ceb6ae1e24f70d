"""Optimizer-lab numbers: surfaces' known minima, trajectories equal to torch.optim run directly."""

from __future__ import annotations

import math

import pytest
import torch

from core.labs.surfaces import SURFACES, SurfaceConfig, grid, loss_fn
from core.labs.trajectories import LAB_DEFAULTS, explain_step, lab_default, race, run_trajectory
from core.optim import OptimConfig

TORCH_OPTIMIZERS = {
    "sgd": lambda p, c: torch.optim.SGD([p], lr=c.lr),
    "momentum": lambda p, c: torch.optim.SGD([p], lr=c.lr, momentum=c.momentum),
    "nesterov": lambda p, c: torch.optim.SGD([p], lr=c.lr, momentum=c.momentum, nesterov=True),
    "rmsprop": lambda p, c: torch.optim.RMSprop([p], lr=c.lr, alpha=c.beta2),
    "adagrad": lambda p, c: torch.optim.Adagrad([p], lr=c.lr),
    "adam": lambda p, c: torch.optim.Adam([p], lr=c.lr, betas=(c.beta1, c.beta2)),
    "adamw": lambda p, c: torch.optim.AdamW(
        [p], lr=c.lr, betas=(c.beta1, c.beta2), weight_decay=c.weight_decay
    ),
}


def reference(surface: SurfaceConfig, cfg: OptimConfig, start, steps: int):
    """The straightforward loop, written out: positions and losses."""
    f = loss_fn(surface)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = TORCH_OPTIMIZERS[cfg.name](p, cfg)
    points, losses = [tuple(start)], []
    for _ in range(steps):
        opt.zero_grad()
        loss = f(p[0], p[1])
        loss.backward()
        losses.append(loss.item())
        opt.step()
        points.append(tuple(p.detach().tolist()))
    losses.append(f(p[0], p[1]).item())
    return points, losses, opt.state[p]


@pytest.mark.parametrize("name", list(LAB_DEFAULTS))
@pytest.mark.parametrize("surface", ["bowl", "beale"])
def test_trajectory_equals_torch_optim_run_directly(name: str, surface: str) -> None:
    cfg = lab_default(name, lr=1e-3)
    surf = SurfaceConfig(name=surface, condition=20.0)
    start = SURFACES[surface].start
    traj = run_trajectory(surf, cfg, start, 40)
    points, losses, state = reference(surf, cfg, start, 40)
    assert traj.stopped is None and traj.steps == 40
    assert list(traj.points) == points
    assert list(traj.losses) == losses
    for key, value in state.items():
        if isinstance(value, torch.Tensor):
            recorded = traj.states[-1][key]
            assert (recorded if value.numel() == 1 else list(recorded)) == (
                value.item() if value.numel() == 1 else value.tolist()
            )


@pytest.mark.parametrize("name", list(LAB_DEFAULTS))
def test_explained_step_is_the_step_taken(name: str) -> None:
    traj = run_trajectory(SurfaceConfig(name="rosenbrock"), lab_default(name, lr=1e-3), (-1, 1), 6)
    for k in range(1, 7):
        e = explain_step(traj, k)
        assert e["step_x"] == pytest.approx(e["dx"], rel=1e-9, abs=1e-15)
        assert e["step_y"] == pytest.approx(e["dy"], rel=1e-9, abs=1e-15)
    with pytest.raises(ValueError, match="step 7"):
        explain_step(traj, 7)


@pytest.mark.parametrize("name", list(SURFACES))
def test_known_minima_have_the_minimum_value_and_zero_gradient(name: str) -> None:
    s = SURFACES[name]
    f = loss_fn(SurfaceConfig(name=name, condition=50.0))
    for point in s.minima:
        p = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        value = f(p[0], p[1])
        value.backward()
        assert value.item() == pytest.approx(s.f_min, abs=1e-12)
        assert p.grad.abs().max().item() < 1e-9
    xs, ys, z = grid(SurfaceConfig(name=name), n=41)
    assert len(z) == len(ys) == 41 and len(z[0]) == len(xs)
    assert min(min(row) for row in z) >= s.f_min - 1e-12, "nothing on the grid beats the minimum"


def test_rosenbrock_minimum_is_one_one_and_bowl_condition_shapes_it() -> None:
    f = loss_fn(SurfaceConfig(name="rosenbrock"))
    assert f(torch.tensor(1.0), torch.tensor(1.0)).item() == 0.0
    steep = loss_fn(SurfaceConfig(name="bowl", condition=100.0))
    one = torch.tensor(1.0)
    assert steep(torch.tensor(0.0), one).item() == 100 * steep(one, torch.tensor(0.0)).item()


def test_huge_learning_rate_is_flagged_not_raised() -> None:
    traj = run_trajectory(
        SurfaceConfig(name="rosenbrock"), lab_default("sgd", lr=10.0), (-1.5, 2), 50
    )
    assert traj.stopped in ("non-finite", "runaway")
    assert traj.stopped_at is not None and traj.steps == traj.stopped_at - 1
    assert all(math.isfinite(v) for p in traj.points for v in p)
    assert len(traj.losses) == len(traj.points) == len(traj.grads) + 1 == len(traj.states) + 1


@pytest.mark.parametrize("surface", list(SURFACES))
def test_suggested_settings_make_progress_without_diverging(surface: str) -> None:
    optims = [lab_default(name, surface) for name in LAB_DEFAULTS]
    for traj in race(SurfaceConfig(name=surface), optims, SURFACES[surface].start, 100):
        assert traj.stopped is None, traj.optimizer
        assert traj.losses[-1] < traj.losses[0], traj.optimizer


def test_race_runs_each_optimizer_and_bad_inputs_are_named() -> None:
    trajs = race(SurfaceConfig(), [lab_default("sgd"), lab_default("adam")], (-1.8, 1.2), 100)
    assert [t.optimizer for t in trajs] == ["sgd", "adam"]
    assert all(t.losses[-1] < t.losses[0] for t in trajs)
    with pytest.raises(ValueError, match="steps"):
        run_trajectory(SurfaceConfig(), lab_default("sgd"), (0, 0), -1)
    with pytest.raises(ValueError, match="condition"):
        run_trajectory(SurfaceConfig(condition=0.5), lab_default("sgd"), (0, 0), 1)
    with pytest.raises(ValueError, match="unknown optimizer"):
        lab_default("lbfgs")
