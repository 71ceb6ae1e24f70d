"""The Ray backend: each run is a Ray task on a cluster (`$RAY_ADDRESS`; unset, a Ray already
started on this machine, else a local one). The server's side lives here; the cluster's side is
`core.backends.ray_worker`.

A run's parcels come back through Ray and are unpacked here into what the local backend would
have produced: events for the run's `RunState`, and its weight snapshots and final checkpoint as
files in the server's run store. So a run trained on the cluster looks and downloads exactly like
a local one.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

import ray

from core.backends.base import Job
from core.backends.ray_worker import Mailbox, Parcel, ship_inputs, train_task, warm_up
from core.config import RunConfig
from core.events import Event, Insight
from core.i18n import _

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ("core", "assets")  # what a task needs of this checkout: the engine and its data files
MAX_WARM_WORKERS = 8
_connecting = threading.Lock()


def connect(address: str | None = None) -> None:
    """Join the Ray cluster at `address` (None: $RAY_ADDRESS, else a local Ray), once, with this
    checkout's `runtime_env()` (a program that calls `ray.init` itself should pass it too).

    `ray.init` runs in a thread that never ends: a local Ray's processes are told to die with
    the thread that started them, and Streamlit builds the registry in a script-run thread that
    ends at once.
    """
    with _connecting:
        if ray.is_initialized():
            return
        ready, failure = threading.Event(), []

        def hold() -> None:
            try:
                ray.init(
                    address=address,
                    runtime_env=runtime_env(),
                    log_to_driver=False,
                    logging_level=logging.WARNING,
                )
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                failure.append(exc)
            ready.set()
            if not failure:
                threading.Event().wait()

        threading.Thread(target=hold, daemon=True, name="bpl-ray").start()
        ready.wait()
        if failure:
            raise failure[0]


def runtime_env() -> dict[str, Any]:
    """What the cluster's workers run in: this checkout's engine and assets (Ray uploads them
    when the server connects: the nodes share no files with it), and OpenMP's passive wait."""
    excludes = [f"/{p.name}" for p in REPO.iterdir() if p.name not in SHIPPED]
    return {
        "working_dir": str(REPO),
        "excludes": [*excludes, "__pycache__"],
        "env_vars": {"OMP_WAIT_POLICY": "PASSIVE"},
    }


def resources(cfg: RunConfig, threads: int) -> dict[str, float]:
    """What a run asks the cluster for: a CPU per torch thread, and a GPU when it trains on CUDA
    (other runs see no GPU: Ray hides the ones they did not ask for)."""
    return {"num_cpus": threads, "num_gpus": 1 if cfg.device == "cuda" else 0}


class RayWorker:
    """A run's task as the server holds it: its stream of parcels and its place in the mailbox."""

    def __init__(self, stream: ray.ObjectRefGenerator, mailbox: Any, job: Job) -> None:
        self.stream = stream
        self.mailbox = mailbox
        self.run_id = job.run_id
        self.run_dir = job.checkpoint_path.parent
        self.threads = job.threads
        self._pid: int | None = None
        self._detail = ""
        self._ended = False
        self._sent = 0

    @property
    def pid(self) -> int | None:
        return self._pid

    @property
    def exit_code(self) -> int | None:
        return None  # Ray reports how a worker died in words (`detail`), not as an exit code

    @property
    def detail(self) -> str:
        return self._detail

    def next_batch(self, timeout: float) -> list[Event] | None:
        if self._ended:
            raise EOFError
        ready, _pending = ray.wait([self.stream], timeout=timeout)
        if self._ended:  # killed meanwhile: reading on would wait for Ray to reap the worker
            raise EOFError
        if not ready:
            return None
        try:
            parcel: Parcel = ray.get(next(self.stream))
        except StopIteration:
            self._ended = True
            raise EOFError from None
        except ray.exceptions.RayError as exc:  # the worker died, or the task was cancelled
            self._ended = True
            self._detail = str(exc)
            raise EOFError from None
        self._pid = parcel.pid
        self._unpack_files(parcel)
        events = [self._located(e) for e in parcel.events]
        return events or None

    def _unpack_files(self, parcel: Parcel) -> None:
        """Write the parcel's files into the run's folder and drop the snapshots the run thinned
        out. A full disk is logged, not fatal: the run keeps training, as a local one would."""
        try:
            for name, content in parcel.files.items():
                relative = PurePosixPath(name)
                if relative.is_absolute() or ".." in relative.parts:
                    raise ValueError(f"run {self.run_id} sent a file outside its folder: {name}")
                path = self.run_dir / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_name(path.name + ".part")
                partial.write_bytes(content)
                os.replace(partial, path)
            if parcel.kept is not None:
                for old in (self.run_dir / "snapshots").glob("*.pt"):
                    if old.name not in parcel.kept:
                        old.unlink(missing_ok=True)
        except OSError as exc:
            log.error(
                "Could not save the files of run %s in %s: %s", self.run_id, self.run_dir, exc
            )

    def _located(self, event: Event) -> Event:
        """A timeline frame names its snapshot relative to the run folder; make it the store's."""
        if isinstance(event, Insight) and event.snapshot:
            return replace(event, snapshot=str(self.run_dir / event.snapshot))
        return event

    def send(self, command: tuple) -> None:
        if self._ended:
            raise BrokenPipeError(f"run {self.run_id} has ended")
        self._sent += 1  # numbered: the task applies commands in this order, however they travel
        self.mailbox.put.remote(self.run_id, self._sent, command)

    def is_alive(self) -> bool:
        return not self._ended

    def kill(self) -> None:
        """Cancel the task by force (Ray ends its worker process); the run ends now."""
        self._ended = True
        try:
            ray.cancel(self.stream, force=True)
        except ray.exceptions.RayError as exc:
            log.warning("Could not cancel the task of run %s: %s", self.run_id, exc)

    def terminate(self) -> None:
        if not self._ended:
            self.kill()

    def join(self, timeout: float) -> None:
        """Nothing to wait for: Ray reaps its workers."""

    def close(self) -> None:
        self.mailbox.drop.remote(self.run_id)


class RayBackend:
    """Runs as tasks on a Ray cluster, steered through one mailbox actor."""

    name = "ray"

    def __init__(self, address: str | None = None) -> None:
        connect(address)
        self.mailbox = Mailbox.remote()
        self._warming = threading.Thread(target=self._warm_workers, daemon=True, name="bpl-warm")
        self._warming.start()

    def _warm_workers(self) -> None:
        """Import torch and the engine in as many Ray workers as can train at once (a few
        seconds each), so that runs start in milliseconds, as from the local forkserver."""
        cpus = int(ray.cluster_resources().get("CPU", 1))
        tasks = [warm_up.remote() for _ in range(max(1, min(MAX_WARM_WORKERS, cpus)))]
        ray.wait(tasks, num_returns=len(tasks), timeout=300)

    def wait_ready(self, timeout: float | None = None) -> None:
        self._warming.join(timeout)

    def plannable(self, cfg: RunConfig) -> RunConfig:
        """A CUDA run needs a GPU on the cluster, not on this server."""
        if cfg.device != "cuda":
            return cfg
        if ray.cluster_resources().get("GPU", 0) < 1:
            raise ValueError(
                _("device {device} is not available here; available: {devices}").format(
                    device="cuda", devices="cpu"
                )
            )
        return replace(cfg, device="cpu")  # planning here checks sizes, not this server's devices

    def launch(self, job: Job) -> RayWorker:
        cfg, inputs = ship_inputs(job.config)
        options = train_task.options(**resources(cfg, job.threads))
        stream = options.remote(
            job.run_id, cfg.to_json(), inputs, job.threads, self.mailbox, job.checkpoint_path.name
        )
        return RayWorker(stream, self.mailbox, job)
