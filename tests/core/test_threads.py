"""The one thread policy the app, the CLI and the benches share (core.threads)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core.plan import plan_run
from core.presets import PRESETS
from core.threads import PARALLEL_WORK, threads_for


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BPL_WORKER_THREADS", raising=False)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_starter_trains_on_one_thread(name: str) -> None:
    plan = plan_run(PRESETS[name].config)
    assert 0 < plan.work_per_step < PARALLEL_WORK
    assert threads_for(plan.work_per_step, concurrent=1, cores=16) == 1


def test_big_steps_get_more_threads_but_only_their_share_of_the_cores() -> None:
    assert threads_for(PARALLEL_WORK * 8, concurrent=1, cores=4) == 4
    assert threads_for(PARALLEL_WORK * 8, concurrent=4, cores=4) == 1
    assert threads_for(PARALLEL_WORK * 8, concurrent=2, cores=16) == 8
    assert threads_for(PARALLEL_WORK * 1.5, concurrent=1, cores=16) == 2


def test_the_environment_overrides_and_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPL_WORKER_THREADS", "3")
    assert threads_for(10.0) == 3
    monkeypatch.setenv("BPL_WORKER_THREADS", "many")
    with pytest.raises(ValueError, match="BPL_WORKER_THREADS"):
        threads_for(10.0)


def test_openmp_waits_passively_once_core_is_imported() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    code = "import core, os; print(os.environ['OMP_WAIT_POLICY'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "PASSIVE", out.stderr
