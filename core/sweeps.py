"""Sweeps: one setup trained at several values of one or two hyperparameters.

`sweep_points` turns a base config and the values to try (a grid, or a seeded random sample of
it) into configs, each checked like a link's (`core.urlstate`), so a bad value is refused before
anything starts. `SweepRunner` hands the runs to the registry as the visitor's share of the queue
allows (a sweep waits its turn like any other run), in a background thread.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import dataclass, field

from core.config import RunConfig
from core.i18n import _
from core.urlstate import config_from_query, config_to_query

MAX_POINTS = 24


@dataclass(frozen=True)
class SweepAxis:
    """One hyperparameter (a config path such as `optim.lr`) and the values to try, as text."""

    path: str
    values: tuple[str, ...]


def sweep_points(
    base: RunConfig, axes: list[SweepAxis], mode: str = "grid", n: int = 0, seed: int = 0
) -> list[tuple[dict[str, str], RunConfig]]:
    """(the point's values, its config) for every point of the grid, or `n` of them at random.
    ValueError names the first value that cannot be used."""
    if not 1 <= len(axes) <= 2:
        raise ValueError(_("a sweep varies one or two hyperparameters"))
    if len({a.path for a in axes}) != len(axes):
        raise ValueError(_("choose two different hyperparameters"))
    for axis in axes:
        if not axis.values:
            raise ValueError(_("give at least one value for {path}").format(path=axis.path))
    grid = [dict(zip([a.path for a in axes], combo, strict=True))
            for combo in itertools.product(*(a.values for a in axes))]  # fmt: skip
    if mode == "random":
        if not 1 <= n <= len(grid):
            raise ValueError(
                _("a random sweep picks 1 to {n} of the grid's points").format(n=len(grid))
            )
        grid = random.Random(seed).sample(grid, n)
    elif mode != "grid":
        raise ValueError(_("unknown sweep mode {mode}; use grid or random").format(mode=repr(mode)))
    if len(grid) > MAX_POINTS:
        raise ValueError(
            _("{n} runs is too many for one sweep; at most {most}").format(
                n=len(grid), most=MAX_POINTS
            )
        )
    query = config_to_query(base)
    points = []
    for values in grid:
        cfg, problems = config_from_query({**query, **values})
        if problems:
            raise ValueError("; ".join(problems))
        points.append((values, cfg))
    return points


@dataclass
class SweepRunner:
    """Starts a sweep's runs for `owner` one by one as the registry has room for them."""

    registry: object  # core.runs.RunRegistry (not imported: that module imports torch workers)
    owner: str
    points: list[tuple[dict[str, str], RunConfig]]
    run_ids: list[str | None] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    poll_s: float = 0.2

    def __post_init__(self) -> None:
        self.run_ids = [None] * len(self.points)
        self.errors = [""] * len(self.points)
        self._thread = threading.Thread(target=self._feed, daemon=True, name="bpl-sweep")

    def start(self) -> SweepRunner:
        self._thread.start()
        return self

    @property
    def submitted(self) -> bool:
        """Every point has been started (or refused)."""
        return all(r is not None or e for r, e in zip(self.run_ids, self.errors, strict=True))

    def _feed(self) -> None:
        for i, (_values, cfg) in enumerate(self.points):
            while not self.registry.has_room(self.owner):
                time.sleep(self.poll_s)
            try:
                self.run_ids[i] = self.registry.start(cfg, owner=self.owner)
            except ValueError as err:
                self.errors[i] = str(err)

    def wait_submitted(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)
