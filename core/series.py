"""Bounded buffers for long runs: memory stays flat however many steps a run takes.

`BoundedSeries` keeps (x, y) points; when full it re-buckets everything into equal-width x bins and
keeps each bin's min and max, so spikes survive, as do the first and last points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")


def minmax_downsample(
    xs: np.ndarray, ys: np.ndarray, max_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """At most ~`max_points` points: per equal-width x bucket, the min and max y, in x order."""
    n = len(xs)
    if n <= max_points or max_points < 4:
        return xs, ys
    buckets = max(1, (max_points - 2) // 2)
    span = float(xs[-1] - xs[0]) or 1.0
    ids = np.minimum(((xs - xs[0]) / span * buckets).astype(np.int64), buckets - 1)
    # NaN/inf sort last, so a bucket's first entry is its finite minimum and its last finite
    # entry its maximum; sorting by (bucket, y) finds both for every bucket at once.
    order = np.lexsort((np.where(np.isfinite(ys), ys, np.inf), ids))
    sorted_ids = ids[order]
    firsts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
    lasts = np.r_[firsts[1:] - 1, n - 1]
    finite_y = np.where(np.isfinite(ys), ys, -np.inf)
    order_hi = np.lexsort((finite_y, ids))
    idx = np.unique(np.concatenate([[0, n - 1], order[firsts], order_hi[lasts]]))
    return xs[idx], ys[idx]


class BoundedSeries:
    """Append-only (x, y) series that never holds more than `capacity` points."""

    def __init__(self, capacity: int = 8192) -> None:
        self.capacity = capacity
        self._xs = np.empty(0, dtype=np.float64)
        self._ys = np.empty(0, dtype=np.float64)
        self._pending_x: list[float] = []
        self._pending_y: list[float] = []
        self.total = 0  # points ever appended

    def extend(self, xs: Sequence[float], ys: Sequence[float]) -> None:
        self._pending_x.extend(xs)
        self._pending_y.extend(ys)
        self.total += len(xs)
        if len(self._xs) + len(self._pending_x) > self.capacity:
            self._merge()
            self._xs, self._ys = minmax_downsample(self._xs, self._ys, self.capacity // 2)

    def _merge(self) -> None:
        if self._pending_x:
            self._xs = np.concatenate([self._xs, np.asarray(self._pending_x, dtype=np.float64)])
            self._ys = np.concatenate([self._ys, np.asarray(self._pending_y, dtype=np.float64)])
            self._pending_x, self._pending_y = [], []

    def __len__(self) -> int:
        return len(self._xs) + len(self._pending_x)

    def points(self, max_points: int = 2000) -> tuple[list[float], list[float]]:
        """A thinned copy for charts: at most ~`max_points`, first/last and extremes kept."""
        self._merge()
        xs, ys = minmax_downsample(self._xs, self._ys, max_points)
        return xs.tolist(), ys.tolist()


class BoundedLog(Generic[T]):
    """A list of records that drops every other old record when it reaches `capacity`."""

    def __init__(self, capacity: int = 512) -> None:
        self.capacity = capacity
        self.items: list[T] = []

    def append(self, item: T) -> None:
        self.items.append(item)
        if len(self.items) > self.capacity:
            last = self.items[-1]
            self.items = self.items[:-1:2] + [last]

    def thinned(self, max_items: int) -> list[T]:
        """Evenly spaced subset of at most `max_items`, always including the newest."""
        items = self.items
        if len(items) <= max_items:
            return list(items)
        idx = np.linspace(0, len(items) - 1, max_items).round().astype(int)
        return [items[i] for i in sorted(set(idx.tolist()))]

    def __len__(self) -> int:
        return len(self.items)
