"""Who trains next: a queue served round-robin across visitors, with per-visitor limits.

A class of 30 shares a few training slots. Without fairness one student clicking Start 30 times
takes every slot and everyone else waits behind them. Here each visitor may have a few runs
training and a few waiting; when a slot frees up, the visitor served least recently goes next.

    queue = FairQueue(FairLimits(per_visitor_running=2, per_visitor_queued=4))
    queue.admit("run-1", "alice", running={"alice": 2})   # ValueError when alice already waits 4
    queue.next_to_launch(running)                        # -> "run-1" (or None)
    queue.position("run-1")                              # 1-based place in line
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from core.i18n import _


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {text!r}")
    return int(text)


@dataclass(frozen=True)
class FairLimits:
    """Per-visitor limits: runs training at once, and runs waiting for a slot."""

    per_visitor_running: int = 2
    per_visitor_queued: int = 4

    @staticmethod
    def from_env() -> FairLimits:
        """$BPL_RUNS_PER_VISITOR and $BPL_QUEUED_PER_VISITOR, else the defaults."""
        return FairLimits(
            _env_int("BPL_RUNS_PER_VISITOR", FairLimits.per_visitor_running),
            _env_int("BPL_QUEUED_PER_VISITOR", FairLimits.per_visitor_queued),
        )


class FairQueue:
    """Waiting runs, served round-robin across owners (not thread-safe: the registry locks)."""

    def __init__(self, limits: FairLimits | None = None) -> None:
        self.limits = limits or FairLimits()
        self._waiting: list[tuple[str, str]] = []  # (run id, owner), in arrival order
        self._last_served: dict[str, int] = {}  # owner -> launch counter when last served
        self._launches = 0

    def __contains__(self, run_id: object) -> bool:
        return any(rid == run_id for rid, _owner in self._waiting)

    def __iter__(self) -> Iterator[str]:
        return iter([rid for rid, _owner in self._waiting])

    def __len__(self) -> int:
        return len(self._waiting)

    def waiting_of(self, owner: str) -> int:
        return sum(1 for _rid, o in self._waiting if o == owner)

    def has_room(self, owner: str) -> bool:
        """Whether `owner` may put another run in line."""
        return self.waiting_of(owner) < self.limits.per_visitor_queued

    def check_room(self, owner: str) -> None:
        """ValueError when `owner` already has the most runs waiting."""
        if not self.has_room(owner):
            raise ValueError(
                _(
                    "you already have {n} runs waiting for a training slot; stop one of them or "
                    "wait until one starts"
                ).format(n=self.limits.per_visitor_queued)
            )

    def admit(self, run_id: str, owner: str) -> None:
        """Put a run in line; ValueError when its owner already has the most runs waiting."""
        self.check_room(owner)
        self._waiting.append((run_id, owner))

    def remove(self, run_id: str) -> bool:
        """Take a run out of line (stopped before it started); False if it was not waiting."""
        before = len(self._waiting)
        self._waiting = [(rid, o) for rid, o in self._waiting if rid != run_id]
        return len(self._waiting) != before

    def _order(self, running: Mapping[str, int], capped: bool) -> list[tuple[str, str]]:
        """The waiting runs in the order they would start, owners served least recently first."""
        waiting, served, order = list(self._waiting), dict(self._last_served), []
        busy = Counter(running)
        launches = self._launches
        while waiting:
            heads = {}
            for i, (_rid, owner) in enumerate(waiting):
                if owner not in heads and not (
                    capped and busy[owner] >= self.limits.per_visitor_running
                ):
                    heads[owner] = i
            if not heads:
                break
            owner = min(heads, key=lambda o: (served.get(o, -1), heads[o]))
            order.append(waiting.pop(heads[owner]))
            launches += 1
            served[owner] = launches
            busy[owner] += 1
        return order

    def next_to_launch(self, running: Mapping[str, int]) -> str | None:
        """Pop the run that gets the next free slot (None: nobody may start now).

        `running` counts each owner's runs holding a slot; an owner at their limit waits.
        """
        order = self._order(running, capped=True)
        if not order:
            return None
        run_id, owner = order[0]
        self.remove(run_id)
        self._launches += 1
        self._last_served[owner] = self._launches
        return run_id

    def position(self, run_id: str, running: Mapping[str, int] | None = None) -> int | None:
        """1-based place of a waiting run in line, or None if it is not waiting."""
        order = [rid for rid, _owner in self._order(running or {}, capped=False)]
        return order.index(run_id) + 1 if run_id in order else None
