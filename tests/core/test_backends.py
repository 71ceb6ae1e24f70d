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
from core.backends.ray_worker import Outbox, Parcel, place_inputs, ship_inputs
from core.cli import main
from core.engine import prepare
from core.events import StatusChange, StepLosses
from core.finetune import FinetuneConfig
from core.plan import plan_run
from core.runs import RAY_LAUNCH_FAILED_TEXT, RunRegistry
from core.sweeps import SweepAxis, SweepRunner, sweep_points
from tests.core.helpers import tiny_config, wait_for

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


def drain(worker: RayWorker) -> list:
    """Every event the worker still delivers, until its end."""
    events = []
    while True:
        try:
            events += worker.next_batch(0.5) or []
        except EOFError:
            return events


def test_a_run_that_wants_more_cpus_than_a_node_has_still_trains(ray_backend, tmp_path: Path):
    job = Job("wide", tiny_config(epochs=1), tmp_path / "wide" / "final.pt", threads=64)
    worker = ray_backend.launch(job)
    assert worker.threads == 2  # this test cluster's one node; 64 would wait for a place forever
    try:
        statuses = [e.status for e in drain(worker) if isinstance(e, StatusChange)]
    finally:
        worker.close()
    assert statuses[-1] == "completed" and job.checkpoint_path.is_file()


def test_a_killed_run_still_delivers_the_parcels_it_had_sent(ray_backend, tmp_path: Path):
    """Stop obeyed just as its grace ran out: the final status and final.pt must not be lost."""
    job = Job("late", tiny_config(epochs=1), tmp_path / "late" / "final.pt", threads=1)
    worker = ray_backend.launch(job)
    try:
        ray.wait([worker.stream.completed()], timeout=60)  # every parcel waits to be read
        worker.kill()
        statuses = [e.status for e in drain(worker) if isinstance(e, StatusChange)]
    finally:
        worker.close()
    assert statuses[-1] == "completed" and job.checkpoint_path.is_file()


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


def test_a_parcel_the_server_cannot_take_fails_the_run_with_the_reason(ray_backend, tmp_path):
    @ray.remote(num_cpus=0)
    def escaping():
        yield Parcel([], {"../escaped.pt": b"x"}, None, os.getpid())
        time.sleep(60)  # still training: the server must cancel it

    job = Job("bad", tiny_config(), tmp_path / "bad" / "final.pt", threads=1)
    worker = RayWorker(escaping.remote(), ray_backend.mailbox, job)
    with pytest.raises(EOFError):
        worker.next_batch(30)
    assert "outside its folder" in worker.detail and not worker.is_alive()
    assert not (tmp_path / "escaped.pt").exists()
    with pytest.raises(ray.exceptions.RayError):  # cancelled: it trains on no longer
        ray.get(next(worker.stream), timeout=30)
    worker.close()


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


def test_the_playground_plans_for_the_cluster_not_this_server(
    ray_backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from pages.ui.config_panel import run_plan

    cuda = tiny_config().with_changes(device="cuda")
    reg = RunRegistry(tmp_path / "store", backend=ray_backend)
    try:
        assert ray_backend.devices() == ["cpu"]  # this test cluster has no GPU
        plan, error = run_plan(cuda, reg)
        assert plan is None and "cuda" in error
        monkeypatch.setattr(ray_backend, "capacity", lambda: (1, 2))  # now a node has one
        assert ray_backend.devices() == ["cuda", "cpu"]
        plan, error = run_plan(cuda, reg)  # planned here, even though this server has no GPU
        assert plan is not None and not error
    finally:
        reg.shutdown()


def test_the_last_batch_is_taken_even_when_training_ends_during_a_wait():
    outbox = Outbox()
    assert outbox.take(0) is not None  # nothing yet, but not finished: the task waits on
    outbox.send([StepLosses((1,), (0.5,))])  # the last batch, then the end, between two takes
    outbox.finish()
    last = outbox.take(0)
    assert last is not None and last.events == [StepLosses((1,), (0.5,))]
    assert outbox.take(0) is None


class StubWorker:
    """A worker that hands out `batches` (an exception is raised), then waits until killed."""

    threads = 1
    pid = None
    exit_code = None
    detail = ""

    def __init__(self, *batches) -> None:
        self.batches = list(batches)
        self.killed = False

    def next_batch(self, timeout: float):
        if self.batches:
            batch = self.batches.pop(0)
            if isinstance(batch, Exception):
                raise batch
            return batch
        if self.killed:
            raise EOFError
        time.sleep(0.01)
        return None

    def is_alive(self) -> bool:
        return not self.killed

    def kill(self) -> None:
        self.killed = True

    def send(self, command: tuple) -> None: ...
    def terminate(self) -> None: ...
    def join(self, timeout: float) -> None: ...
    def close(self) -> None: ...


class StubBackend:
    name = "ray"

    def __init__(self, worker: StubWorker | None = None, error: Exception | None = None):
        self.worker, self.error = worker, error

    def devices(self) -> list[str]:
        return ["cpu"]

    def plannable(self, cfg):
        return cfg

    def wait_ready(self, timeout: float | None = None) -> None: ...

    def launch(self, job: Job) -> StubWorker:
        if self.error is not None:
            raise self.error
        return self.worker


def test_a_launch_the_cluster_refuses_says_so(tmp_path: Path):
    reg = RunRegistry(tmp_path, backend=StubBackend(error=ConnectionError("head node is gone")))
    view = reg.wait(reg.start(tiny_config(), owner="fay"), timeout=10)
    assert (view.status, view.message) == ("failed", RAY_LAUNCH_FAILED_TEXT)
    assert view.detail == "head node is gone" and not view.hint  # no out-of-memory guess


def test_a_supervisor_that_cannot_follow_its_run_fails_it_and_frees_the_slot(tmp_path: Path):
    worker = StubWorker([StatusChange("running")], RuntimeError("unreadable parcel"))
    reg = RunRegistry(tmp_path, max_concurrent=1, backend=StubBackend(worker))
    view = reg.wait(reg.start(tiny_config(), owner="gus"), timeout=10)
    assert view.status == "failed" and "unreadable parcel" in view.detail
    assert worker.killed and not reg.active()


def test_stop_does_not_end_a_run_that_already_obeyed(tmp_path: Path):
    worker = StubWorker([StatusChange("running")], [StatusChange("stopped", "Stopped at step 3.")])
    reg = RunRegistry(tmp_path, backend=StubBackend(worker))
    run_id = reg.start(tiny_config(), owner="hal")
    wait_for(lambda: reg.snapshot(run_id).status == "stopped", timeout=10, what="stopped")
    reg._force_stop(run_id, worker)  # noqa: SLF001 - its last parcels may still be on their way
    assert not worker.killed
    worker.kill()
    assert reg.wait(run_id, timeout=10).message == "Stopped at step 3."


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
