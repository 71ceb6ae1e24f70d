"""Fair scheduling: per-visitor limits and a queue served round-robin across visitors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core.runs import RunRegistry
from core.scheduler import FairLimits, FairQueue
from tests.core.helpers import tiny_config


def test_a_visitor_clicking_many_times_does_not_push_others_back() -> None:
    queue = FairQueue(FairLimits(per_visitor_running=1, per_visitor_queued=30))
    for i in range(30):
        queue.admit(f"a{i}", "alice")
    queue.admit("b0", "bob")
    assert queue.position("b0") == 2  # right behind alice's first click, not her 30th
    assert queue.next_to_launch({}) == "a0"
    assert queue.position("b0") == 1  # alice was just served: bob's turn
    assert queue.next_to_launch({"alice": 1}) == "b0"


def test_turns_alternate_and_limits_hold() -> None:
    queue = FairQueue(FairLimits(per_visitor_running=2, per_visitor_queued=3))
    for i in range(3):
        queue.admit(f"a{i}", "alice")
    with pytest.raises(ValueError, match="3 runs waiting"):
        queue.admit("a3", "alice")
    queue.admit("b0", "bob")
    queue.admit("b1", "bob")
    order = [queue.next_to_launch({}) for _ in range(5)]
    assert order == ["a0", "b0", "a1", "b1", "a2"]
    queue.admit("c0", "carol")
    assert queue.next_to_launch({"carol": 2}) is None  # carol already trains her share
    assert queue.position("c0") == 1
    assert queue.remove("c0") and not queue.remove("c0") and len(queue) == 0


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPL_RUNS_PER_VISITOR", "3")
    monkeypatch.setenv("BPL_QUEUED_PER_VISITOR", "7")
    assert FairLimits.from_env() == FairLimits(3, 7)
    monkeypatch.setenv("BPL_QUEUED_PER_VISITOR", "none")
    with pytest.raises(ValueError, match="BPL_QUEUED_PER_VISITOR"):
        FairLimits.from_env()


@pytest.fixture
def registry(tmp_path: Path):
    reg = RunRegistry(
        tmp_path / "store", max_concurrent=1, limits=FairLimits(1, 4), idle_stop_s=None
    )
    yield reg
    reg.shutdown()


def test_thirty_clicks_leave_another_visitors_run_first_in_line(registry: RunRegistry) -> None:
    long = tiny_config(epochs=10_000)
    started, refused = [], 0
    for _ in range(30):
        try:
            started.append(registry.start(long, owner="clicker"))
        except ValueError as err:
            assert "runs waiting" in str(err)
            refused += 1
    assert len(started) == 5 and refused == 25  # one training, four waiting
    other = registry.start(tiny_config(epochs=1), owner="classmate")
    assert registry.queue_position(other) == 1
    registry.control(started[0], "stop")
    registry.wait(started[0], timeout=60)
    deadline = time.monotonic() + 60
    while registry.snapshot(other).status == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert all(registry.snapshot(r).status == "queued" for r in started[1:])


def test_runs_of_a_visitor_who_left_are_stopped(tmp_path: Path) -> None:
    reg = RunRegistry(tmp_path / "s", max_concurrent=1, idle_stop_s=3600)
    try:
        run_id = reg.start(tiny_config(epochs=10_000), owner="gone")
        reg.idle_stop_s = 0.2
        time.sleep(0.3)
        assert reg.stop_abandoned() == [run_id]
        assert reg.wait(run_id, timeout=60).status == "stopped"
        reg.touch("here")
        assert reg.stop_abandoned() == []
    finally:
        reg.shutdown()
