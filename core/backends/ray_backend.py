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
import time
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
CAPACITY_TTL_S = 5.0  # how long the cluster's GPUs and node sizes are taken as known
KILL_DRAIN_S = 0.5  # after a kill, how long the parcels a task had sent may still be read
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


def capacity() -> tuple[int, int]:
    """The cluster's GPUs, and the CPUs of its largest live node (at least 1): a task asking for
    more CPUs than any one node has would wait for a place forever."""
    gpus = int(ray.cluster_resources().get("GPU", 0))
    cpus = [n.get("Resources", {}).get("CPU", 0) for n in ray.nodes() if n.get("Alive")]
    return gpus, max(1, int(max(cpus, default=1)))


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
        self._ended = False  # every parcel was read (or the task was given up on)
        self._killed = False  # to end: the parcels it had sent are read, then it is cancelled
        self._cancelled = False  # set before Ray is told to cancel the task
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
        try:
            return self._read(timeout)
        except EOFError:
            self._ended = True
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. Ray lost the task, or a parcel was malformed
            # A run the server can no longer follow ends failed, with the reason: the supervising
            # thread must not die and leave it "running" in a slot.
            log.error("Lost track of run %s: %s", self.run_id, exc)
            self._detail = str(exc) or repr(exc)
            self._ended = True
            self._cancel()
            raise EOFError from exc

    def _read(self, timeout: float) -> list[Event] | None:
        # Once killed, the parcels the task had sent are still read (the final checkpoint may be
        # among them), as a local worker's pipe is read to its end; then it is cancelled. Only
        # until then does Ray's wait tell a parcel from the end: a cancelled task's stream counts
        # as ready, but its next item comes once Ray has reaped the worker (seconds).
        ready, _pending = ray.wait([self.stream], timeout=0 if self._killed else timeout)
        if self._cancelled:
            raise EOFError
        if not ready:
            if self._killed:
                self._cancel()
                raise EOFError
            return None
        try:
            parcel: Parcel = ray.get(next(self.stream))
        except StopIteration:
            raise EOFError from None
        except ray.exceptions.RayError as exc:  # the worker died, or the task was cancelled
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
        if self._ended or self._killed:
            raise BrokenPipeError(f"run {self.run_id} has ended")
        self._sent += 1  # numbered: the task applies commands in this order, however they travel
        self.mailbox.put.remote(self.run_id, self._sent, command)

    def is_alive(self) -> bool:
        return not self._ended

    def kill(self) -> None:
        """Cancel the task by force (Ray ends its worker process) once the parcels it had sent
        are read, or KILL_DRAIN_S from now at the latest; the run then ends."""
        if self._killed:
            return
        self._killed = True
        timer = threading.Timer(KILL_DRAIN_S, self._cancel)
        timer.daemon = True
        timer.start()

    def _cancel(self) -> None:
        if self._cancelled:
            return
        self._cancelled = True
        try:
            ray.cancel(self.stream, force=True)
        except Exception as exc:  # noqa: BLE001 - e.g. the cluster is gone, and the task with it
            log.warning("Could not cancel the task of run %s: %s", self.run_id, exc)

    def terminate(self) -> None:
        if not self._ended:
            self._cancel()

    def join(self, timeout: float) -> None:
        """Nothing to wait for: Ray reaps its workers."""

    def close(self) -> None:
        try:
            self.mailbox.drop.remote(self.run_id)
        except Exception as exc:  # noqa: BLE001 - the cluster is gone: nothing is left to drop
            log.warning("Could not drop the mailbox of run %s: %s", self.run_id, exc)


class RayBackend:
    """Runs as tasks on a Ray cluster, steered through one mailbox actor."""

    name = "ray"

    def __init__(self, address: str | None = None) -> None:
        connect(address)
        self.mailbox = Mailbox.remote()
        self._capacity_lock = threading.Lock()
        self._capacity: tuple[int, int] | None = None
        self._capacity_at = 0.0
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

    def capacity(self) -> tuple[int, int]:
        """`capacity()`, asked of Ray at most every CAPACITY_TTL_S (pages ask on every rerun);
        while Ray cannot answer, the last answer (none yet: no GPU, one CPU)."""
        with self._capacity_lock:
            now = time.monotonic()
            if self._capacity is None or now - self._capacity_at > CAPACITY_TTL_S:
                try:
                    self._capacity, self._capacity_at = capacity(), now
                except Exception as exc:  # noqa: BLE001 - a page must still draw
                    log.warning("Could not read the Ray cluster's resources: %s", exc)
                    return self._capacity or (0, 1)
            return self._capacity

    def devices(self) -> list[str]:
        """The cluster's devices, not this server's: CUDA when a node has a GPU."""
        gpus, _cpus = self.capacity()
        return ["cuda", "cpu"] if gpus >= 1 else ["cpu"]

    def plannable(self, cfg: RunConfig) -> RunConfig:
        """A CUDA run needs a GPU on the cluster, not on this server."""
        if cfg.device == "auto":
            return cfg
        devices = self.devices()
        if cfg.device not in devices:
            raise ValueError(
                _("device {device} is not available here; available: {devices}").format(
                    device=cfg.device, devices=", ".join(devices)
                )
            )
        return replace(cfg, device="cpu")  # planning here checks sizes, not this server's devices

    def launch(self, job: Job) -> RayWorker:
        cfg, inputs = ship_inputs(job.config)
        _gpus, node_cpus = self.capacity()
        job = replace(job, threads=max(1, min(job.threads, node_cpus)))  # fits on some node
        options = train_task.options(**resources(cfg, job.threads))
        stream = options.remote(
            job.run_id, cfg.to_json(), inputs, job.threads, self.mailbox, job.checkpoint_path.name
        )
        return RayWorker(stream, self.mailbox, job)
