"""The training loop: determinism, control commands, divergence, and agreement with a bare loop."""

from __future__ import annotations

import math

import pytest
import torch

from core.callbacks import ControlCallback
from core.config import RunConfig
from core.engine import prepare, train_run
from core.events import EpochEnd, StatusChange, StepLosses
from core.optim import build_optimizer
from core.trainer import Callback, DivergedError, Trainer
from tests.core.helpers import diverging_config, tiny_config


class ScriptedControl:
    """A control source that delivers commands at given steps (in-process stand-in for the pipe)."""

    def __init__(self, script: dict[int, list[tuple]], trainer_ref: list) -> None:
        self.script = script
        self.trainer_ref = trainer_ref
        self.waiting: list[tuple] = []

    def poll(self) -> list[tuple]:
        step = self.trainer_ref[0].step if self.trainer_ref else 0
        due = [s for s in self.script if s <= step]
        out = [cmd for s in sorted(due) for cmd in self.script.pop(s)]
        return out

    def wait(self) -> tuple:
        return self.waiting.pop(0)


def losses_of(events: list) -> list[float]:
    return [loss for e in events if isinstance(e, StepLosses) for loss in e.losses]


def test_same_config_gives_same_numbers():
    a, b = [], []
    train_run(tiny_config(), a.append)
    train_run(tiny_config(), b.append)
    assert losses_of(a) == losses_of(b)
    c = []
    train_run(tiny_config().with_changes(seed=1), c.append)
    assert losses_of(c) != losses_of(a)


def test_engine_matches_a_hand_written_loop():
    """Same seed, same data order: the instrumented loop computes exactly the bare loop's losses."""
    cfg = tiny_config(epochs=2)
    events: list = []
    train_run(cfg, events.append)
    run = prepare(cfg)
    opt = build_optimizer(run.model.parameters(), cfg.optim)
    gen = torch.Generator().manual_seed(cfg.seed)
    x, y = run.data.x_train, run.data.y_train
    bare = []
    for _ in range(cfg.train.epochs):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(len(x) // cfg.train.batch_size):
            idx = perm[i * cfg.train.batch_size : (i + 1) * cfg.train.batch_size]
            loss = torch.nn.functional.cross_entropy(run.model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            bare.append(loss.item())
    assert losses_of(events) == pytest.approx(bare, rel=1e-6)


def test_events_cover_steps_epochs_and_views():
    events: list = []
    trainer = train_run(tiny_config(epochs=3), events.append)
    steps = [s for e in events if isinstance(e, StepLosses) for s in e.steps]
    assert steps == list(range(1, trainer.step + 1))
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in epochs] == [1, 2, 3]
    assert all(0 <= e.train_metric <= 1 for e in epochs)
    measured = [e.val_metric for e in epochs if not math.isnan(e.val_metric)]
    assert measured and all(0 <= m <= 1 for m in measured)
    assert not math.isnan(epochs[-1].val_loss), "the last epoch is always validated"
    kinds = {type(e).__name__ for e in events}
    assert {"LayerStats", "Histograms", "ActivationStats", "Samples", "Progress"} <= kinds


def test_stop_pause_resume_and_lr_change():
    cfg = tiny_config(epochs=50)
    run = prepare(cfg)
    opt = build_optimizer(run.model.parameters(), cfg.optim)
    ref: list = []
    control = ScriptedControl({4: [("lr", 0.5)], 8: [("pause",)], 20: [("stop",)]}, ref)
    control.waiting = [("lr", 0.25), ("resume",)]
    events: list = []
    trainer = Trainer(
        run.model,
        run.task,
        run.data,
        opt,
        cfg.optim,
        cfg.train,
        run.device,
        [ControlCallback(control, events.append)],
        cfg.seed,
    )
    ref.append(trainer)
    trainer.fit()
    assert trainer.stopped_by_user
    assert 20 <= trainer.step < 24  # commands are polled every few steps
    assert trainer.base_lr == 0.25  # the lr sent while paused was applied
    statuses = [e.status for e in events if isinstance(e, StatusChange)]
    assert statuses == ["paused", "running"]


def test_nan_loss_raises_diverged_with_step_and_last_finite_loss():
    with pytest.raises(DivergedError) as info:
        train_run(diverging_config(), lambda e: None)
    err = info.value
    assert err.step > 0
    assert err.last_finite is not None and math.isfinite(err.last_finite)
    assert "learning rate" in err.hint


def test_max_steps_and_schedule():
    cfg = tiny_config(epochs=10, max_steps=7)
    trainer = train_run(cfg, lambda e: None)
    assert trainer.step == 7
    cosine = RunConfig.from_dict(
        {**cfg.to_dict(), "optim": {**cfg.optim.__dict__, "schedule": "cosine"}}
    )
    seen: list[float] = []

    class LrSpy(Callback):
        def on_batch_end(self, trainer: Trainer, loss: float) -> None:
            seen.append(trainer.lr)

    train_run(cosine, lambda e: None, extra_callbacks=[LrSpy()])
    assert seen[0] == pytest.approx(cfg.optim.lr)
    assert seen == sorted(seen, reverse=True) and seen[-1] < cfg.optim.lr / 2
