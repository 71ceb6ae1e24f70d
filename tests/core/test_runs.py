"""Background runs in worker processes: lifecycle, queueing, ownership and the store (start, stream,
pause/resume/lr/stop and a stuck worker are the runner contract: tests/core/test_backends.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from core import runs
from core.data.base import DataConfig
from core.engine import prepare
from core.plan import plan_run
from core.runs import RunRegistry
from core.trainer import TrainConfig
from tests.core.helpers import diverging_config, tiny_config, wait_for

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def registry(tmp_path: Path):
    reg = RunRegistry(tmp_path / "store", max_concurrent=2)
    yield reg
    reg.shutdown()


def test_run_completes_and_saves_a_loadable_checkpoint(registry: RunRegistry):
    cfg = tiny_config(epochs=3)
    run_id = registry.start(cfg, owner="alice")
    view = registry.wait(run_id, timeout=120)
    assert view.status == "completed", view.message
    assert [e.epoch for e in view.epochs] == [1, 2, 3]
    assert view.loss_steps and view.samples_kind == "boundary"
    state = torch.load(registry.store.checkpoint_path(run_id), weights_only=True)
    model = prepare(cfg).model
    model.load_state_dict(state)
    assert registry.list("alice")[0].status == "completed"


def test_queue_beyond_the_concurrency_limit(tmp_path: Path):
    reg = RunRegistry(tmp_path / "q", max_concurrent=1)
    try:
        first = reg.start(tiny_config(epochs=10_000), owner="c")
        second = reg.start(tiny_config(epochs=1), owner="c")
        time.sleep(0.5)
        assert reg.snapshot(second).status == "queued"
        assert reg.worker_pid(second) is None  # queued: no process yet
        pid = reg.worker_pid(first)
        assert pid is not None and pid != os.getpid()
        os.kill(pid, 0)  # a live process (raises if not)
        reg.control(first, "stop")
        assert reg.wait(second, timeout=120).status == "completed"
        assert reg.worker_pid(first) is None and reg.worker_pid(second) is None
        assert reg.snapshot(first).status == "stopped"
    finally:
        reg.shutdown()


def test_worker_threads_follow_the_runs_size(registry: RunRegistry, monkeypatch):
    """A tiny model gets one torch thread even when the registry could give it more cores."""
    monkeypatch.delenv("BPL_WORKER_THREADS", raising=False)
    run_id = registry.start(tiny_config(epochs=10_000), owner="t")
    try:
        deadline = time.monotonic() + 60
        while registry.worker_threads_of(run_id) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert registry.worker_threads_of(run_id) == 1
    finally:
        registry.control(run_id, "stop")
        registry.wait(run_id, timeout=60)


def test_start_uses_the_plan_it_is_given(registry: RunRegistry, monkeypatch):
    """The playground plans the form once; Start hands that plan on instead of planning again."""
    cfg = tiny_config(epochs=1)
    plan = plan_run(cfg)
    monkeypatch.setattr(runs, "plan_run", lambda *a, **k: pytest.fail("planned a second time"))
    run_id = registry.start(cfg, owner="p", plan=plan)
    view = registry.wait(run_id, timeout=120)
    assert view.status == "completed"
    assert view.plan == plan and view.config == cfg


def test_first_loss_reaches_the_view_before_the_first_epoch_ends(registry: RunRegistry):
    """The first step's loss is sent at once, not with the first epoch's batch of events."""
    cfg = tiny_config(epochs=1).with_changes(
        data=DataConfig(name="spiral", n_samples=20_000), train=TrainConfig(epochs=1, batch_size=1)
    )
    run_id = registry.start(cfg, owner="f")
    try:
        deadline = time.monotonic() + 60
        while not registry.snapshot(run_id).loss_steps:
            assert time.monotonic() < deadline
            time.sleep(0.005)
        view = registry.snapshot(run_id)
        assert view.loss_steps[0] == 1 and not view.epochs
    finally:
        registry.control(run_id, "stop")
        registry.wait(run_id, timeout=60)


def test_divergence_ends_the_run_with_a_hint(registry: RunRegistry):
    run_id = registry.start(diverging_config(), owner="d")
    view = registry.wait(run_id, timeout=120)
    assert view.status == "diverged"
    assert "step" in view.message and view.failed_step > 0
    assert "learning rate" in view.hint


def test_bad_config_starts_nothing(registry: RunRegistry):
    from core.optim import OptimConfig

    with pytest.raises(ValueError, match="lr"):
        registry.start(tiny_config().with_changes(optim=OptimConfig(lr=0.0)), owner="e")
    assert registry.list() == []


def test_owners_see_and_steer_only_their_runs(registry: RunRegistry):
    mine = registry.start(tiny_config(epochs=1), owner="me")
    shared = registry.start(tiny_config(epochs=1), owner="teacher", shared=True)
    other = registry.start(tiny_config(epochs=1), owner="other")
    for run_id in (mine, shared, other):
        registry.wait(run_id, timeout=120)
    visible = {r.run_id for r in registry.list("me")}
    assert visible == {mine, shared}
    with pytest.raises(PermissionError):
        registry.control(other, "stop", owner="me")
    with pytest.raises(PermissionError):
        registry.delete(other, owner="me")
    registry.delete(mine, owner="me")
    assert registry.snapshot(mine) is None


CRASHING_SERVER = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {repo!r})
    from core.runs import RunRegistry
    from tests.core.helpers import tiny_config
    if __name__ == "__main__":
        reg = RunRegistry({root!r})
        done = reg.start(tiny_config(epochs=1), owner="t")
        reg.wait(done, timeout=120)
        live = reg.start(tiny_config(epochs=10000), owner="t")
        while not reg.snapshot(live).epochs or not reg.store.load(live).epochs:
            time.sleep(0.05)
        print(done, live, flush=True)
        time.sleep(60)
    """
)


def test_restart_keeps_finished_runs_and_marks_interrupted_ones(tmp_path: Path):
    root = str(tmp_path / "restart")
    script = tmp_path / "server.py"
    script.write_text(CRASHING_SERVER.format(repo=str(REPO), root=root))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        done, live = proc.stdout.readline().split()
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # the server dies without any clean-up
        proc.wait()
    reg = RunRegistry(root)
    try:
        statuses = {r.run_id: r.status for r in reg.list()}
        assert statuses == {done: "completed", live: "interrupted"}
        view = reg.snapshot(live)
        assert view.epochs, "metrics up to the last flush are kept"
        assert "Interrupted" in view.message
    finally:
        reg.shutdown()


def test_workers_train_at_a_lower_priority_than_the_server(registry: RunRegistry):
    run_id = registry.start(tiny_config(epochs=10_000), owner="n")
    pid = wait_for(lambda: registry.worker_pid(run_id), what="a worker")
    wait_for(lambda: registry.snapshot(run_id).loss_steps, what="training")
    assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, os.getpid())
    registry.control(run_id, "stop")
    registry.wait(run_id, timeout=60)


def test_a_class_clicking_at_once_never_exceeds_the_slots(tmp_path: Path):
    """Twelve visitors start at the same moment: starts do not wait on each other's process
    launches, yet no more than max_concurrent workers ever run, and every run completes."""
    import threading

    reg = RunRegistry(tmp_path / "store", max_concurrent=2)
    try:
        seen_slots, done = [], threading.Event()

        def sample() -> None:
            while not done.is_set():
                with reg._lock:  # noqa: SLF001 - what the launcher itself counts
                    seen_slots.append(len(reg._workers) + len(reg._launching))  # noqa: SLF001
                time.sleep(0.002)

        sampler = threading.Thread(target=sample)
        sampler.start()
        ids: list[str] = []
        barrier = threading.Barrier(12)

        def click(i: int) -> None:
            barrier.wait()
            ids.append(reg.start(tiny_config(epochs=1), owner=f"student-{i}"))

        clicks = [threading.Thread(target=click, args=(i,)) for i in range(12)]
        for t in clicks:
            t.start()
        for t in clicks:
            t.join()
        views = [reg.wait(run_id, timeout=180) for run_id in ids]
        done.set()
        sampler.join()
        assert len(ids) == 12 and all(v.status == "completed" for v in views)
        assert max(seen_slots) <= 2
    finally:
        reg.shutdown()


def test_finished_runs_leave_memory_but_stay_readable(tmp_path: Path, monkeypatch):
    """A day of classes must not grow the server: only the latest finished runs stay in memory,
    older ones are read back from the store (with their metrics) when asked for."""
    monkeypatch.setattr(runs, "RECENT_FINISHED", 2)
    reg = RunRegistry(tmp_path / "store", max_concurrent=2)
    try:
        ids = [reg.start(tiny_config(epochs=1), owner=f"s{i}") for i in range(4)]
        for run_id in ids:
            reg.wait(run_id, timeout=120)
        wait_for(lambda: not reg.active(), what="all runs retired")
        assert not reg._states and len(reg._recent) <= 2  # noqa: SLF001
        oldest = reg.get(ids[0])
        assert oldest is not None and oldest.status == "completed"
        assert oldest.snapshot().epochs
    finally:
        reg.shutdown()


def test_a_worker_never_runs_the_main_script_even_if_it_is_swapped_mid_start(tmp_path: Path):
    """Streamlit installs a fresh `__main__` (the app script) on every script run, so a worker
    started from a background thread can meet a main module that was not hidden; the child must
    still not import it (it would run the whole app in the worker)."""
    import types

    from core.launcher import main_module_hidden, noop, worker_context

    marker = tmp_path / "main-ran"
    script = tmp_path / "fake_app.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    saved = sys.modules["__main__"]
    ctx = worker_context()
    try:
        with main_module_hidden():
            swapped = types.ModuleType("__main__")
            swapped.__file__ = str(script)  # what a Streamlit script run puts there
            sys.modules["__main__"] = swapped
            process = ctx.Process(target=noop, daemon=True)
            process.start()
        process.join(timeout=60)
    finally:
        sys.modules["__main__"] = saved
    assert process.exitcode == 0
    assert not marker.exists()
