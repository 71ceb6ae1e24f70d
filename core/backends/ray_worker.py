"""What runs on the Ray cluster: one run as a Ray task that trains with the same worker code as a
local process (`core.worker.run_worker`) and streams its events back as `Parcel`s.

No filesystem is shared with the server: the files a run reads travel to it as bytes
(`ship_inputs` / `place_inputs`), and the files it writes (weight snapshots, the final checkpoint)
travel back inside the parcel that carries the event naming them. Control commands reach the task
through a `Mailbox` actor, numbered so that they apply in the order the server sent them.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import ray

from core.config import RunConfig
from core.events import ACTIVE_STATUSES, Event, Insight, StatusChange
from core.worker import PipeSink, run_worker

INPUT = "input:"  # a config path that names a file shipped with the task
MAILBOX_POLL_S = 0.5  # how long one mailbox read waits for a command (a long poll)
PARCEL_WAIT_S = 0.5


@dataclass(frozen=True)
class Parcel:
    """What a run's task yields: events, and the files they name (relative to the run folder)."""

    events: list[Event]
    files: dict[str, bytes]  # e.g. "final.pt", "snapshots/step_000000120.pt"
    kept: tuple[str, ...] | None  # weight snapshots the run still keeps (None: unchanged)
    pid: int  # the training process, on its node


class Outbox:
    """What the training thread produced and the task has not yet yielded (thread-safe)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._events: list[Event] = []
        self._files: dict[str, bytes] = {}
        self._kept: tuple[str, ...] | None = None
        self.done = False

    def send(self, batch: list[Event]) -> None:
        """A `PipeSink`'s batch: wake the task, which yields it at once."""
        with self._cond:
            self._events.extend(batch)
            self._cond.notify()

    def attach(self, name: str, content: bytes, kept: tuple[str, ...] | None = None) -> None:
        """A file to send with the next parcel (before the event that names it is flushed)."""
        with self._cond:
            self._files[name] = content
            if kept is not None:
                self._kept = kept

    def finish(self) -> None:
        with self._cond:
            self.done = True
            self._cond.notify()

    def take(self, wait_s: float) -> Parcel | None:
        """Everything produced so far, waiting up to `wait_s` for something (an empty parcel if
        nothing came); None once training has finished and everything was taken. Both are
        decided under one lock, so a last batch sent just before `finish()` is never left behind."""
        with self._cond:
            self._cond.wait_for(lambda: self._events or self.done, wait_s)
            if not self._events and not self._files:
                return None if self.done else Parcel([], {}, None, os.getpid())
            parcel = Parcel(self._events, self._files, self._kept, os.getpid())
            self._events, self._files, self._kept = [], {}, None
            return parcel


class CarryingSink(PipeSink):
    """A `PipeSink` whose events bring their files: a timeline frame its weight snapshot (named
    relative to the run folder), the run's last status its final checkpoint."""

    def __init__(self, outbox: Outbox, run_dir: Path, checkpoint: Path) -> None:
        super().__init__(outbox)
        self.outbox = outbox
        self.run_dir = run_dir
        self.checkpoint = checkpoint

    def __call__(self, event: Event) -> None:
        if isinstance(event, Insight) and event.snapshot:
            event = self._carry_snapshot(event)
        elif isinstance(event, StatusChange) and event.status not in ACTIVE_STATUSES:
            if self.checkpoint.is_file():  # train_run saved it before the last status
                self.outbox.attach(self.checkpoint.name, self.checkpoint.read_bytes())
        super().__call__(event)

    def _carry_snapshot(self, event: Insight) -> Insight:
        path = Path(event.snapshot)
        name = path.relative_to(self.run_dir).as_posix()
        kept = tuple(sorted(p.name for p in path.parent.glob("*.pt")))  # the probe thins them
        self.outbox.attach(name, path.read_bytes(), kept)
        return replace(event, snapshot=name)


class MailboxControl:
    """A `ControlSource` fed by the run's mailbox: a thread long-polls it and puts the commands
    in the server's order; `poll()` between steps is one attribute read while nothing waits."""

    def __init__(self, mailbox: ray.actor.ActorHandle, run_id: str) -> None:
        self.mailbox, self.run_id = mailbox, run_id
        self._cond = threading.Condition()
        self._ready: deque[tuple] = deque()
        self._early: dict[int, tuple] = {}  # commands that overtook an earlier one in transit
        self._next = 1
        self._open = True
        threading.Thread(target=self._read_mailbox, daemon=True, name="bpl-control").start()

    def _read_mailbox(self) -> None:
        while self._open:
            try:
                items = ray.get(self.mailbox.take.remote(self.run_id, MAILBOX_POLL_S))
            except ray.exceptions.RayError:
                return  # the server is gone; Ray ends this task with it
            with self._cond:
                for seq, command in items:
                    self._early[seq] = command
                while self._next in self._early:
                    self._ready.append(self._early.pop(self._next))
                    self._next += 1
                self._cond.notify()

    def poll(self) -> list[tuple]:
        if not self._ready:
            return []
        with self._cond:
            commands = list(self._ready)
            self._ready.clear()
        return commands

    def wait(self) -> tuple:
        with self._cond:
            self._cond.wait_for(lambda: self._ready)
            return self._ready.popleft()

    def close(self) -> None:
        self._open = False


@ray.remote(num_cpus=0)
class Mailbox:
    """Control commands on their way to runs: the server puts, each run's task takes. A run has
    a box only while commands wait, and a signal only while its task waits: nothing piles up."""

    def __init__(self) -> None:
        self.boxes: dict[str, list[tuple[int, tuple]]] = {}
        self.signals: dict[str, asyncio.Event] = {}

    async def put(self, run_id: str, seq: int, command: tuple) -> None:
        self.boxes.setdefault(run_id, []).append((seq, command))
        if run_id in self.signals:
            self.signals[run_id].set()

    async def take(self, run_id: str, wait_s: float) -> list[tuple[int, tuple]]:
        if not self.boxes.get(run_id):
            signal = self.signals.setdefault(run_id, asyncio.Event())
            try:
                await asyncio.wait_for(signal.wait(), wait_s)
            except TimeoutError:
                pass
            finally:
                self.signals.pop(run_id, None)
        return self.boxes.pop(run_id, [])

    async def drop(self, run_id: str) -> None:
        self.boxes.pop(run_id, None)


def ship_inputs(cfg: RunConfig) -> tuple[RunConfig, dict[str, bytes]]:
    """`cfg` with the server files it reads (a data file, weights to start from) renamed to
    `input:<name>`, and those files' bytes (they travel through Ray's object store)."""
    files: dict[str, bytes] = {}
    if cfg.data.path and Path(cfg.data.path).is_file():
        name = "data" + Path(cfg.data.path).suffix
        files[name] = Path(cfg.data.path).read_bytes()
        cfg = replace(cfg, data=replace(cfg.data, path=INPUT + name))
    if cfg.finetune.init_from and Path(cfg.finetune.init_from).is_file():
        name = "init" + Path(cfg.finetune.init_from).suffix
        files[name] = Path(cfg.finetune.init_from).read_bytes()
        cfg = replace(cfg, finetune=replace(cfg.finetune, init_from=INPUT + name))
    return cfg, files


def place_inputs(cfg: RunConfig, files: dict[str, bytes], folder: Path) -> RunConfig:
    """Write shipped files into `folder` and point `cfg`'s `input:<name>` paths at them."""

    def placed(value: str) -> str:
        if not value.startswith(INPUT):
            return value
        name = PurePosixPath(value[len(INPUT) :]).name  # a bare name: nothing outside `folder`
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(files[name])
        return str(folder / name)

    return replace(
        cfg,
        data=replace(cfg.data, path=placed(cfg.data.path)),
        finetune=replace(cfg.finetune, init_from=placed(cfg.finetune.init_from)),
    )


@ray.remote(max_retries=0)
def train_task(
    run_id: str,
    config_json: str,
    inputs: dict[str, bytes],
    threads: int,
    mailbox: ray.actor.ActorHandle,
    checkpoint_name: str,
) -> Iterator[Parcel]:
    """Train one run in a thread of this Ray worker and yield its parcels as they come.

    Not retried: a run whose worker died ends `failed`, as a local one does. Ray reuses its
    workers, so torch and the engine are imported once per worker, not once per run.
    """
    with tempfile.TemporaryDirectory(prefix="bpl-run-") as tmp:
        run_dir = Path(tmp)
        cfg = place_inputs(RunConfig.from_json(config_json), inputs, run_dir / "inputs")
        checkpoint = run_dir / checkpoint_name
        outbox = Outbox()
        control = MailboxControl(mailbox, run_id)

        def train() -> None:
            try:
                sink = CarryingSink(outbox, run_dir, checkpoint)
                run_worker(cfg.to_json(), sink, control, str(checkpoint), threads)
            finally:
                outbox.finish()

        # A thread of its own: the worker's priority (nice) is per thread on Linux, so a reused
        # Ray worker does not sink further with every run it trains.
        threading.Thread(target=train, daemon=True, name=f"bpl-run-{run_id}").start()
        try:
            while (parcel := outbox.take(PARCEL_WAIT_S)) is not None:
                if parcel.events or parcel.files:
                    yield parcel
        finally:
            control.close()


@ray.remote
def warm_up() -> int:
    """Import torch and the engine in this Ray worker (Ray ships a task's function by value, so
    only running one imports what it uses); the worker keeps them for the runs it trains."""
    import core.worker  # noqa: F401 - imported for its side effect: loaded once per worker

    return os.getpid()
