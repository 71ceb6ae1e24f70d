"""Sweeps: points of a grid (or a random sample) checked before anything starts; the runner
queues them within the visitor's share."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import RunConfig
from core.data.base import DataConfig
from core.runs import RunRegistry
from core.scheduler import FairLimits
from core.sweeps import MAX_POINTS, SweepAxis, SweepRunner, sweep_points
from core.trainer import TrainConfig

BASE = RunConfig(data=DataConfig(name="spiral", n_samples=200), train=TrainConfig(epochs=2))


def test_a_grid_has_every_combination_and_a_random_sweep_a_seeded_sample() -> None:
    axes = [
        SweepAxis("optim.lr", ("0.001", "0.01")),
        SweepAxis("train.batch_size", ("16", "32", "64")),
    ]
    grid = sweep_points(BASE, axes)
    assert len(grid) == 6
    assert {(c.optim.lr, c.train.batch_size) for _, c in grid} == {
        (lr, b) for lr in (0.001, 0.01) for b in (16, 32, 64)
    }
    assert all(c.data == BASE.data for _, c in grid)
    picked = sweep_points(BASE, axes, "random", 3, seed=1)
    assert len(picked) == 3 and picked == sweep_points(BASE, axes, "random", 3, seed=1)
    hidden = sweep_points(BASE, [SweepAxis("model.hidden", ("8", "16,16"))])
    assert [c.model.hidden for _, c in hidden] == [(8,), (16, 16)]


@pytest.mark.parametrize(
    ("axes", "reason"),
    [
        ([SweepAxis("optim.lr", ("fast",))], "optim.lr"),
        ([SweepAxis("optim.lr", ("-1",))], "optim.lr"),
        ([SweepAxis("optim.lr", ())], "at least one value"),
        ([SweepAxis("optim.lr", ("0.1",)), SweepAxis("optim.lr", ("0.2",))], "different"),
        ([SweepAxis("seed", tuple(str(i) for i in range(MAX_POINTS + 1)))], "too many"),
    ],
)
def test_a_bad_sweep_is_refused_before_anything_starts(axes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        sweep_points(BASE, axes)


def test_the_runner_waits_for_room_instead_of_being_refused(tmp_path: Path) -> None:
    """Six points for a visitor allowed 1 running + 2 waiting: all six start, in turn."""
    reg = RunRegistry(tmp_path / "store", max_concurrent=2, limits=FairLimits(1, 2))
    try:
        points = sweep_points(BASE, [SweepAxis("seed", ("0", "1", "2", "3", "4", "5"))])
        runner = SweepRunner(reg, "student", points, poll_s=0.05).start()
        runner.wait_submitted(timeout=180)
        assert runner.submitted and all(runner.run_ids) and not any(runner.errors)
        views = [reg.wait(r, timeout=120) for r in runner.run_ids]
        assert [v.config.seed for v in views] == [0, 1, 2, 3, 4, 5]
        assert all(v.status == "completed" for v in views)
    finally:
        reg.shutdown()
