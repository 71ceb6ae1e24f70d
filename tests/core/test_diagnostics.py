"""Gradient-flow flags on constructed LayerStats streams: each rule fires, and stays quiet."""

from __future__ import annotations

import math

import pytest

from core.diagnostics import (
    EXPLODING_NORM,
    HEALTHY_UPDATE_RATIO,
    Flag,
    gradient_flags,
)
from core.events import LayerStats
from core.run_state import RunView

LAYERS = ("body.0", "body.2", "body.4", "head")


def stream(grads: list[list[float]], ratios: list[list[float]] | None = None) -> tuple:
    """One LayerStats per row of `grads` (per-layer norms), update ratios healthy unless given."""
    ratios = ratios or [[HEALTHY_UPDATE_RATIO] * len(LAYERS)] * len(grads)
    return tuple(
        LayerStats(
            step=10 * (i + 1),
            layers=LAYERS,
            grad_norm=tuple(g),
            weight_norm=(1.0,) * len(LAYERS),
            update_ratio=tuple(r),
        )
        for i, (g, r) in enumerate(zip(grads, ratios, strict=True))
    )


HEALTHY = stream([[0.5, 0.8, 1.0, 1.2]] * 6)


def titles(flags: list[Flag]) -> list[str]:
    return [f.title for f in flags]


def test_healthy_stream_and_empty_inputs_raise_no_flags():
    assert gradient_flags(HEALTHY) == []
    assert gradient_flags(()) == []
    assert gradient_flags(RunView("r", "me", "queued", {}, 0.0)) == []


def test_accepts_a_run_view():
    view = RunView("r", "me", "running", {}, 0.0, layer_stats=stream([[1e-5, 1e-3, 0.1, 1.0]]))
    assert titles(gradient_flags(view)) == ["Vanishing gradients"]


def test_vanishing_names_the_starved_layers_and_quotes_the_numbers():
    flags = gradient_flags(stream([[2e-5, 4e-4, 0.05, 1.0]] * 5))
    assert titles(flags) == ["Vanishing gradients"]
    flag = flags[0]
    assert flag.level == "warning"
    assert flag.layers == ("body.0", "body.2")
    assert flag.numbers["ratio"] == pytest.approx(2e-5)
    assert flag.numbers["largest_grad_norm"] == pytest.approx(1.0)
    assert "body.0" in flag.message and "2e-05" in flag.message and "head" in flag.message
    assert "ReLU" in flag.message


def test_vanishing_uses_the_median_so_one_low_sample_does_not_fire():
    grads = [[0.5, 0.8, 1.0, 1.2]] * 4 + [[1e-6, 0.8, 1.0, 1.2]]
    assert gradient_flags(stream(grads)) == []


def test_vanishing_just_above_one_percent_does_not_fire():
    assert gradient_flags(stream([[0.011, 0.5, 0.8, 1.0]] * 5)) == []


def test_vanishing_looks_only_at_the_recent_window():
    recovered = [[2e-5, 4e-4, 0.05, 1.0]] * 10 + [[0.5, 0.8, 1.0, 1.2]] * 5
    assert gradient_flags(stream(recovered), window=5) == []
    assert "Vanishing gradients" in titles(gradient_flags(stream(recovered), window=15))


def test_exploding_on_a_huge_gradient_norm():
    flags = gradient_flags(stream([[0.5, 0.8, 1.0, 1.2]] * 4 + [[0.5, 0.8, 1.0, 5e3]]))
    flag = next(f for f in flags if f.title == "Exploding gradients")
    assert flag.level == "warning"
    assert flag.layers == ("head",)
    assert flag.numbers["max_grad_norm"] == pytest.approx(5e3)
    assert "5e+03" in flag.message and "clipping" in flag.message


def test_exploding_on_fast_growth_below_the_absolute_limit():
    grads = [[0.1 * 2**i] * 4 for i in range(5)]  # 16x growth, all norms far below 1e3
    flags = gradient_flags(stream(grads))
    flag = next(f for f in flags if f.title == "Exploding gradients")
    assert flag.numbers["growth"] == pytest.approx(16.0)
    assert "16x" in flag.message
    assert flag.layers == LAYERS


def test_moderate_growth_and_norms_at_the_limit_do_not_fire():
    grads = [[0.1 * 1.7**i] * 4 for i in range(5)]  # 8.4x growth
    assert gradient_flags(stream(grads)) == []
    assert gradient_flags(stream([[EXPLODING_NORM * 0.9] * 4] * 5)) == []


def test_non_finite_gradients_count_as_exploding():
    flags = gradient_flags(stream([[1.0, 1.0, 1.0, 1.0], [math.nan, 1.0, 1.0, math.inf]]))
    flag = next(f for f in flags if f.title == "Exploding gradients")
    assert flag.layers == ("body.0", "head")
    assert flag.numbers["max_grad_norm"] == math.inf


def test_update_ratio_too_high_warns_about_the_learning_rate():
    ratios = [[1e-3, 1e-3, 0.3, 1e-3]] * 5
    flags = gradient_flags(stream([[0.5, 0.8, 1.0, 1.2]] * 5, ratios))
    assert titles(flags) == ["Learning rate too high"]
    assert flags[0].level == "warning"
    assert flags[0].layers == ("body.4",)
    assert flags[0].numbers["max_update_ratio"] == pytest.approx(0.3)
    assert "30.0%" in flags[0].message and "lower the learning rate" in flags[0].message


def test_update_ratio_too_low_everywhere_suggests_a_higher_learning_rate():
    ratios = [[1e-7] * 4] * 5
    flags = gradient_flags(stream([[0.5, 0.8, 1.0, 1.2]] * 5, ratios))
    assert titles(flags) == ["Learning has stalled"]
    assert flags[0].level == "info"
    assert flags[0].layers == LAYERS
    assert flags[0].numbers["min_update_ratio"] == pytest.approx(1e-7)
    assert "1e-07" in flags[0].message and "10x higher" in flags[0].message


def test_update_ratio_within_the_healthy_band_does_not_fire():
    for value in (2e-5, 1e-3, 0.09):
        ratios = [[value] * 4] * 5
        assert gradient_flags(stream([[0.5, 0.8, 1.0, 1.2]] * 5, ratios)) == []


def test_warnings_come_before_infos():
    ratios = [[1e-7, 1e-7, 1e-3, 1e-3]] * 5
    flags = gradient_flags(stream([[1e-6, 0.8, 1.0, 1.2]] * 5, ratios))
    assert [f.level for f in flags] == ["warning", "info"]


def test_flags_are_frozen_and_window_is_checked():
    flag = gradient_flags(stream([[1e-6, 0.8, 1.0, 1.2]]))[0]
    with pytest.raises(AttributeError):
        flag.title = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="window"):
        gradient_flags(HEALTHY, window=0)


def test_zero_gradients_point_to_dead_units_and_zero_updates_to_no_learning():
    ratios = [[0.0, 0.0, 1e-3, 1e-3]] * 5
    flags = gradient_flags(stream([[0.0, 0.0, 0.3, 1.2]] * 5, ratios))
    assert titles(flags) == ["Vanishing gradients", "Learning has stalled"]
    assert "dead ReLUs" in flags[0].message and "ReLU instead" not in flags[0].message
    assert "not at all" in flags[1].message and "while others still move" in flags[1].message
