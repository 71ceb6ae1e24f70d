"""The runner contract, kept by both backends: worker processes here and tasks on a Ray cluster.

Every contract test runs against both (parametrized); the Ray ones share one local Ray instance
(`ray.init(num_cpus=2)`) for the whole module. Tests that kill a worker come last: Ray then has to
start and warm a fresh one, which the other tests should not wait for.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import ray
import torch

from core.backends import Job, backend_name
from core.backends.ray_backend import RayBackend, RayWorker, resources, runtime_env
from core.backends.ray_worker import Parcel, place_inputs, ship_inputs
from core.cli import main
from core.engine import prepare
from core.finetune import FinetuneConfig
from core.plan import plan_run
from core.runs import RunRegistry
from core.sweeps import SweepAxis, SweepRunner, sweep_points
from tests.core.helpers import tiny_config

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ray_backend():
    """One local Ray for the module (started here, so its workers ship this checkout)."""
    started = not ray.is_initialized()
    if started:
        ray.init(
            num_cpus=2, runtime_env=runtime_env(), log_to_driver=False, logging_level=logging.ERROR
        )
    backend = RayBackend()
    backend.wait_ready(timeout=120)
    yield backend
    if started:
        ray.shutdown()


@pytest.fixture(params=["local", "ray"])
def registry(request: pytest.FixtureRequest, tmp_path: Path):
    backend = request.getfixturevalue("ray_backend") if request.param == "ray" else "local"
    reg = RunRegistry(tmp_path / "store", max_concurrent=2, backend=backend)
    yield reg
    reg.shutdown()


def wait_for(predicate, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def training(registry: RunRegistry, run_id: str, steps: int = 20) -> None:
    wait_for(
        lambda: (p := registry.snapshot(run_id).progress) is not None and p.step > steps,
        what="training",
    )


# -- the contract, on both backends -------------------------------------------------------------
def test_a_run_streams_and_its_files_land_in_the_store(registry: RunRegistry):
    cfg = tiny_config(epochs=3)
    run_id = registry.start(cfg, owner="alice")
    view = registry.wait(run_id, timeout=120)
    assert view.status == "completed", view.message
    assert [e.epoch for e in view.epochs] == [1, 2, 3]
    assert view.loss_steps and view.samples_kind == "boundary" and view.insights
    checkpoint = registry.store.checkpoint_path(run_id)
    prepare(cfg).model.load_state_dict(torch.load(checkpoint, weights_only=True))
    assert registry.store.weights_path(run_id) == checkpoint
    last = Path(view.insights[-1].snapshot)  # the timeline's weights, as the Try page reads them
    assert last.parent == registry.store.run_dir(run_id) / "snapshots" and last.is_file()
    assert registry.list("alice")[0].status == "completed"


def test_pause_resume_lr_and_stop(registry: RunRegistry):
    run_id = registry.start(tiny_config(epochs=10_000), owner="bob")
    training(registry, run_id, steps=50)
    registry.control(run_id, "pause", owner="bob")
    wait_for(lambda: registry.snapshot(run_id).status == "paused", what="paused")
    time.sleep(0.3)
    before = registry.snapshot(run_id).progress.step
    time.sleep(0.6)
    assert registry.snapshot(run_id).progress.step == before
    registry.control(run_id, ("lr", 0.123), owner="bob")
    registry.control(run_id, "resume", owner="bob")
    wait_for(lambda: registry.snapshot(run_id).progress.step > before + 20, what="resumed")
    wait_for(lambda: abs(registry.snapshot(run_id).progress.lr - 0.123) < 1e-9, what="new lr")
    registry.control(run_id, "stop", owner="bob")
    view = registry.wait(run_id, timeout=60)
    assert view.status == "stopped"
    assert registry.store.checkpoint_path(run_id).is_file()


def test_a_run_starts_from_another_runs_weights(registry: RunRegistry):
    """The weights to start from travel to the worker (no shared files on a cluster)."""
    first = registry.start(tiny_config(epochs=1), owner="carol")
    assert registry.wait(first, timeout=120).status == "completed"
    tuned = tiny_config(epochs=1).with_changes(
        finetune=FinetuneConfig(init_from=f"run:{first}", freeze=("body",))
    )
    second = registry.start(tuned, owner="carol")
    assert registry.wait(second, timeout=120).status == "completed"
    before = torch.load(registry.store.checkpoint_path(first), weights_only=True)
    after = torch.load(registry.store.checkpoint_path(second), weights_only=True)
    assert torch.equal(before["body.0.weight"], after["body.0.weight"])  # frozen: as loaded
    assert not torch.equal(before["head.weight"], after["head.weight"])


def test_a_six_run_sweep_trains_every_point(registry: RunRegistry):
    points = sweep_points(tiny_config(epochs=1), [SweepAxis("seed", tuple("012345"))])
    runner = SweepRunner(registry, "student", points, poll_s=0.05).start()
    runner.wait_submitted(timeout=120)
    assert runner.submitted and all(runner.run_ids) and not any(runner.errors)
    views = [registry.wait(r, timeout=120) for r in runner.run_ids]
    assert [v.config.seed for v in views] == [0, 1, 2, 3, 4, 5]
    assert all(v.status == "completed" and v.epochs for v in views)


def test_the_cli_gives_the_same_numbers_on_both_backends(ray_backend, tmp_path: Path, capsys):
    args = ["--root", str(tmp_path), "train", "--dataset", "spiral", "--n-samples", "300"]
    args += ["--epochs", "3", "--seed", "7", "--json", "--quiet"]
    results = {}
    for backend in ("local", "ray"):
        assert main([*args, "--backend", backend]) == 0
        results[backend] = json.loads(capsys.readouterr().out)
    keys = ("status", "steps", "epochs", "train_loss", "val_loss", "val_metric", "parameters")
    assert {k: results["ray"][k] for k in keys} == {k: results["local"][k] for k in keys}
    weights = [
        torch.load(tmp_path / "runs" / r["run_id"] / "final.pt", weights_only=True)
        for r in results.values()
    ]
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


# -- killing workers (last: Ray must replace the workers they kill) -----------------------------
def test_a_worker_that_dies_fails_the_run_and_keeps_its_metrics(registry: RunRegistry):
    run_id = registry.start(tiny_config(epochs=10_000), owner="dan")
    training(registry, run_id)
    pid = wait_for(lambda: registry.worker_pid(run_id), what="a worker")
    os.kill(pid, signal.SIGKILL)  # out of memory, a lost node: the process is just gone
    view = registry.wait(run_id, timeout=60)
    assert view.status == "failed" and "ended unexpectedly" in view.message
    assert view.loss_steps and view.progress.step > 20  # the metrics so far are kept
    assert registry.store.load(run_id).status == "failed"


def test_stop_is_honoured_within_two_seconds_even_by_a_stuck_worker(registry: RunRegistry):
    run_id = registry.start(tiny_config(epochs=10_000), owner="erin")
    training(registry, run_id)
    pid = wait_for(lambda: registry.worker_pid(run_id), what="a worker")
    os.kill(pid, signal.SIGSTOP)  # a step that never ends, as far as the server can tell
    t0 = time.monotonic()
    registry.control(run_id, "stop", owner="erin")
    view = registry.wait(run_id, timeout=30)
    assert time.monotonic() - t0 < 2.5
    assert view.status == "stopped" and "did not answer" in view.message
    assert view.loss_steps


# -- the Ray backend's own parts -----------------------------------------------------------------
def test_files_travel_both_ways_without_a_shared_folder(tmp_path: Path):
    data, weights = tmp_path / "server" / "points.csv", tmp_path / "server" / "init.pt"
    data.parent.mkdir()
    data.write_text("x,y\n1,2\n")
    weights.write_bytes(b"weights")
    cfg = tiny_config()
    cfg = cfg.with_changes(
        data=replace(cfg.data, path=str(data)), finetune=FinetuneConfig(init_from=str(weights))
    )
    shipped, files = ship_inputs(cfg)
    assert str(tmp_path) not in shipped.to_json()  # the cluster gets names and bytes, not paths
    placed = place_inputs(shipped, files, tmp_path / "node")
    assert Path(placed.data.path).read_text() == "x,y\n1,2\n"
    assert Path(placed.finetune.init_from).read_bytes() == b"weights"
    # ...and back: a parcel's files land in the run's folder; thinned-out snapshots go.
    run_dir = tmp_path / "store" / "run"
    (run_dir / "snapshots").mkdir(parents=True)
    (run_dir / "snapshots" / "step_000000001.pt").write_bytes(b"old")
    worker = RayWorker(None, None, Job("r", cfg, run_dir / "final.pt", 1))
    files = {"snapshots/step_000000009.pt": b"new", "final.pt": b"final"}
    worker._unpack_files(Parcel([], files, ("step_000000009.pt",), 1))  # noqa: SLF001
    assert sorted(p.name for p in (run_dir / "snapshots").iterdir()) == ["step_000000009.pt"]
    assert (run_dir / "final.pt").read_bytes() == b"final"


def test_a_cuda_run_asks_the_cluster_for_a_gpu(ray_backend, tmp_path: Path):
    cuda = tiny_config().with_changes(device="cuda")
    assert resources(cuda, 2) == {"num_cpus": 2, "num_gpus": 1}
    assert resources(tiny_config(), 1) == {"num_cpus": 1, "num_gpus": 0}
    reg = RunRegistry(tmp_path / "store", backend=ray_backend)
    try:  # this test cluster has no GPU: refused at Start, even with the page's own plan
        with pytest.raises(ValueError, match="cuda"):
            reg.start(cuda, owner="gpu")
        with pytest.raises(ValueError, match="cuda"):
            reg.start(cuda, owner="gpu", plan=plan_run(tiny_config()))
        assert reg.list() == []
    finally:
        reg.shutdown()


def test_the_backend_follows_the_flag_then_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("BPL_BACKEND", raising=False)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert backend_name() == "local"
    monkeypatch.setenv("RAY_ADDRESS", "ray://head:10001")
    assert backend_name() == "ray" and backend_name("local") == "local"
    monkeypatch.setenv("BPL_BACKEND", "local")
    assert backend_name() == "local"
    monkeypatch.setenv("BPL_BACKEND", "spark")
    with pytest.raises(ValueError, match="BPL_BACKEND"):
        backend_name()


def test_the_default_backend_never_imports_ray():
    code = (
        "import sys, core.cli, core.runs; from core.backends import make_backend; "
        "make_backend(); print('ray' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("BPL_BACKEND", "RAY_ADDRESS")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert out.stdout.strip() == "False", out.stderr
