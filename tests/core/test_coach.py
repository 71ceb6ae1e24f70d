"""Coach rules: each fires on a constructed stream that shows its problem and stays quiet otherwise,
and the headline ones fire on real runs."""

from __future__ import annotations

import pytest

from core.coach import coach, dead_relus, divergence, overfitting, plateau, saturation, underfitting
from core.config import RunConfig
from core.data.base import DataConfig
from core.engine import train_run
from core.events import ActivationStats, EpochEnd, Histogram
from core.models import MLPConfig
from core.optim import OptimConfig
from core.run_state import RunState, RunView
from core.trainer import DivergedError, TrainConfig
from core.worker import outcome_event


def view(status: str = "running", **fields) -> RunView:
    return RunView("r", "me", status, {}, 0.0, **fields)


def epoch(i: int, train_loss: float, val_loss: float, train_acc=0.9, val_acc=0.9) -> EpochEnd:
    return EpochEnd(i, i * 10, train_loss, train_acc, val_loss, val_acc, "accuracy", 0.01, 1.0, 1.0)


def acts(kind: str, dead: float = 0.0, sat: float = 0.0) -> ActivationStats:
    h = Histogram(0.0, 1.0, (1,))
    return ActivationStats(100, ("body.1",), (kind,), (0.1,), (1.0,), (dead,), (sat,), (h,))


def test_spikes_and_divergence():
    steady = [1.0 - i * 0.001 for i in range(100)]
    assert divergence(view(loss_values=tuple(steady))) is None
    spiky = steady[:90] + [5.0] + steady[91:]
    flag = divergence(view(loss_values=tuple(spiky)))
    assert flag and flag.title == "Loss spikes" and flag.numbers["peak_loss"] == 5.0
    flag = divergence(view(status="diverged", message="Diverged at step 7", failed_step=7))
    assert flag.title == "Training diverged" and flag.numbers["step"] == 7


def test_dead_relus_and_saturation():
    assert dead_relus(view(activations=(acts("relu", dead=0.1),))) is None
    flag = dead_relus(view(activations=(acts("relu", dead=0.6),)))
    assert flag and flag.numbers["dead_fraction"] == 0.6
    assert saturation(view(activations=(acts("tanh", sat=0.2),))) is None
    assert (
        saturation(view(activations=(acts("sigmoid", sat=0.9),))).title == "Saturated activations"
    )


def test_overfitting_needs_a_rising_validation_loss_and_a_gap():
    healthy = tuple(epoch(i, 1.0 / i, 1.1 / i) for i in range(1, 9))
    assert overfitting(view(epochs=healthy)) is None
    diverging = tuple(epoch(i, 1.0 / i, 0.5 + abs(i - 3) * 0.2) for i in range(1, 9))
    flag = overfitting(view(epochs=diverging))
    assert flag and flag.numbers["best_epoch"] == 3


def test_plateau_and_underfitting():
    flat = tuple([0.69] * 90)
    assert (
        plateau(view(loss_values=flat, epochs=(epoch(1, 0.69, 0.69, 0.5, 0.5),))).title == "Plateau"
    )
    falling = tuple(1.0 / (1 + i) for i in range(90))
    assert plateau(view(loss_values=falling, epochs=(epoch(1, 0.1, 0.1, 0.5, 0.5),))) is None
    weak = tuple(epoch(i, 0.69, 0.69, 0.55, 0.52) for i in range(1, 7))
    assert underfitting(view(epochs=weak)).title == "Under-fitting"
    strong = tuple(epoch(i, 0.1, 0.1, 0.97, 0.96) for i in range(1, 7))
    assert underfitting(view(epochs=strong)) is None


def run_view(cfg: RunConfig) -> RunView:
    events: list = []
    try:
        train_run(cfg, events.append)
    except DivergedError as exc:
        events.append(outcome_event(exc, 0))
    state = RunState(RunView("r", "me", "running", cfg.to_dict(), 0.0))
    state.apply(events)
    return state.snapshot()


def titles(v: RunView) -> set[str]:
    return {f.title for f in coach(v)}


def test_deep_sigmoid_mlp_gets_vanishing_gradient_advice():
    cfg = RunConfig(
        data=DataConfig(name="spiral"),
        model=MLPConfig(hidden=(16,) * 9, activation="sigmoid"),  # 10 weight layers
        train=TrainConfig(epochs=3),
    )
    v = run_view(cfg)
    first, last = v.layer_stats[-1].grad_norm[0], v.layer_stats[-1].grad_norm[-1]
    assert first < 0.01 * last
    assert "Vanishing gradients" in titles(v)


@pytest.mark.parametrize(
    "dataset, expected", [("sine", "Training diverged"), ("spiral", "Learning rate too high")]
)
def test_sgd_with_lr_10_gets_learning_rate_advice(dataset: str, expected: str):
    cfg = RunConfig(
        data=DataConfig(name=dataset),
        optim=OptimConfig(name="sgd", lr=10.0),
        train=TrainConfig(epochs=3),
    )
    assert expected in titles(run_view(cfg))


def test_over_wide_mlp_on_few_noisy_points_gets_overfitting_advice():
    cfg = RunConfig(
        data=DataConfig(name="spiral", n_samples=200, noise=0.5),
        model=MLPConfig(hidden=(512, 512)),
        train=TrainConfig(epochs=120),
    )
    assert "Overfitting" in titles(run_view(cfg))
