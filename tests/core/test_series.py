"""Bounded buffers: flat memory for long runs, with first/last points and extremes kept."""

from __future__ import annotations

import numpy as np

from core.series import BoundedLog, BoundedSeries, minmax_downsample


def test_a_million_steps_stay_bounded_and_keep_first_last_and_spikes():
    series = BoundedSeries(capacity=4096)
    rng = np.random.default_rng(0)
    for start in range(0, 1_000_000, 10_000):
        xs = np.arange(start, start + 10_000)
        ys = rng.random(10_000)
        if start == 500_000:
            ys[1234] = 99.0  # a loss spike mid-run
        series.extend(xs.tolist(), ys.tolist())
        assert len(series) <= 4096 + 10_000
    xs, ys = series.points(2000)
    assert len(xs) <= 2002
    assert xs[0] == 0 and xs[-1] == 999_999
    assert max(ys) == 99.0
    assert series.total == 1_000_000
    assert xs == sorted(xs)


def test_minmax_downsample_returns_input_when_small():
    xs, ys = np.arange(10.0), np.arange(10.0)
    out_x, out_y = minmax_downsample(xs, ys, 100)
    assert out_x.tolist() == xs.tolist()


def test_bounded_log_thins_but_keeps_newest():
    log: BoundedLog[int] = BoundedLog(capacity=100)
    for i in range(10_000):
        log.append(i)
    assert len(log) <= 100
    assert log.items[0] == 0 and log.items[-1] == 9_999
    thin = log.thinned(10)
    assert len(thin) <= 10 and thin[-1] == 9_999
