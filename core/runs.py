"""The run registry: starts runs on a backend, relays their events, queues the overflow.

    registry = RunRegistry(root)
    run_id = registry.start(cfg, owner=token)      # returns at once (ValueError for a bad config)
    view = registry.snapshot(run_id)               # bounded plain-data copy for the UI
    registry.control(run_id, "pause" | "resume" | "stop" | ("lr", 1e-3))

A backend (`core.backends`: worker processes here, the default, or tasks on a Ray cluster) trains
each run; one supervising thread per active run reads its worker's events, folds them into the
run's `RunState` and saves snapshots to the `RunStore`. This is the one piece of mutable global
state.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from core.backends import Backend, Job, Worker, make_backend
from core.config import RunConfig
from core.data.files import FilePolicy
from core.events import (
    ACTIVE_STATUSES,
    PROCESS_ENDED_HINT,
    PROCESS_ENDED_TEXT,
    RAY_LAUNCH_FAILED_TEXT,
    STARTING_TEXT,
    STOPPED_QUEUED_TEXT,
    STOPPED_UNANSWERED_TEXT,
    StatusChange,
)
from core.i18n import _
from core.plan import DEFAULT_MEMORY_BUDGET, RunPlan, plan_run
from core.run_state import STORED_FRAMES, RunState, RunView
from core.scheduler import FairLimits, FairQueue
from core.store import RunRecord, RunStore
from core.threads import threads_for

log = logging.getLogger(__name__)

SAVE_EVERY_S = 3.0
STOP_GRACE_S = 1.5  # a worker gets this long to honour Stop before its process is ended
RECENT_FINISHED = 16  # finished runs kept whole in memory (older ones are read from the store)
DEFAULT_ROOT = Path(
    os.environ.get("BPL_DATA_DIR", Path(__file__).resolve().parents[1] / "runs_data")
)
DEFAULT_MAX_CONCURRENT = int(os.environ.get("BPL_MAX_RUNS", "4"))
Command = str | tuple
# A run the Ray cluster would not take (the cluster is gone, refused the task): why is its detail.


@dataclass(frozen=True)
class Supervised:
    """A launched run: the backend's worker and the server thread relaying its events."""

    worker: Worker
    thread: threading.Thread


class RunRegistry:
    """All runs this process knows: live ones in memory, finished ones in the store."""

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        max_concurrent: int = DEFAULT_MAX_CONCURRENT,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        worker_threads: int | None = None,
        limits: FairLimits | None = None,
        idle_stop_s: float | None = None,
        files: FilePolicy | None = None,
        backend: Backend | str | None = None,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent must be at least 1, got {max_concurrent}")
        # $BPL_DATA_DIR is read here, not at import, so tests and servers can point it elsewhere.
        self.store = RunStore(root or os.environ.get("BPL_DATA_DIR") or DEFAULT_ROOT)
        self.max_concurrent = max_concurrent
        self.memory_budget = memory_budget
        # None: each run's threads follow its size (core.threads); a number fixes it (benches).
        self.worker_threads = worker_threads
        # The app's visitors read only their uploads and the server's datasets; the CLI: any file.
        self.files = files
        self.interrupted = self.store.mark_interrupted()
        # Where runs train: a name ("local", "ray"), else $BPL_BACKEND / $RAY_ADDRESS decide.
        if backend is None or isinstance(backend, str):
            backend = make_backend(backend)
        self.backend: Backend = backend
        # Writers replace these dicts under the lock (copy on write); readers, every page of every
        # visitor, take the current dict without waiting for the lock.
        self._lock = threading.RLock()
        self._states: dict[str, RunState] = {}
        self._workers: dict[str, Supervised] = {}
        self._launching: set[str] = set()  # slots reserved while a worker process starts
        self._recent: OrderedDict[str, RunState] = OrderedDict()  # finished runs, newest last
        self._queue = FairQueue(limits or FairLimits.from_env())
        # Runs of visitors not seen for idle_stop_s are stopped (None: never; the CLI's case).
        self.idle_stop_s = idle_stop_s
        self._seen: dict[str, float] = {}
        self._forced: set[str] = set()  # runs whose process was ended because Stop went unheard
        if idle_stop_s is not None:
            threading.Thread(target=self._janitor, daemon=True, name="bpl-janitor").start()

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until the backend has warmed up (benchmarks time runs, not that)."""
        self.backend.wait_ready(timeout)

    # -- starting -----------------------------------------------------------------------------
    def start(
        self, cfg: RunConfig, owner: str, shared: bool = False, plan: RunPlan | None = None
    ) -> str:
        """Validate `cfg` and start (or queue) a run; return its id at once.

        `plan` is the server's `plan_run(cfg)` when the caller already has it (the playground
        plans the form as it is drawn), so Start does not load the data and build the model again.
        """
        if self.files is not None:
            self.files.check(cfg.data)
            self.files.check_start_point(cfg.finetune.init_from)
        self._check_source(cfg, owner)
        if plan is None:
            plan = plan_run(self.backend.plannable(self.loadable(cfg)), self.memory_budget)
        else:
            self.backend.plannable(cfg)  # ValueError if it cannot train there (a GPU, say)
            if plan.estimated_bytes > self.memory_budget:
                raise ValueError(
                    _("this run needs more memory than the server allows; plan it again")
                )
        run_id = time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)
        view = RunView(run_id, owner, "queued", cfg, time.time(), shared=shared, plan=plan)
        state = RunState(view)
        with self._lock:
            self._queue.check_room(owner)  # ValueError: this visitor already waits enough
            self._states = {**self._states, run_id: state}
        self.touch(owner)
        # Saved as queued before it can launch, so no worker's status is overwritten by this row.
        # Nothing slow happens under the registry lock: a class's clicks must not wait in line.
        self.store.save(state.snapshot(max_frames=STORED_FRAMES))
        try:
            with self._lock:
                self._queue.admit(run_id, owner)
        except ValueError:  # two clicks of one visitor raced for the last place in line
            with self._lock:
                self._states = {k: v for k, v in self._states.items() if k != run_id}
            self.store.delete(run_id)
            raise
        self._launch_queued()
        return run_id

    def loadable(self, cfg: RunConfig) -> RunConfig:
        """`cfg` as the loaders read it: uploads, the dataset folder and a `run:<id>` to start
        from as server paths (a config a visitor sees keeps the references)."""
        if self.files is not None:
            cfg = replace(cfg, data=self.files.resolve(cfg.data))
        source = cfg.finetune.source_run
        if source:
            checkpoint = self.store.checkpoint_path(source)
            if not checkpoint.is_file():
                raise ValueError(
                    _("run {run_id} has no saved weights to start from").format(run_id=source)
                )
            cfg = replace(cfg, finetune=replace(cfg.finetune, init_from=str(checkpoint)))
        return cfg

    def _check_source(self, cfg: RunConfig, owner: str) -> None:
        """A visitor fine-tunes from their own runs or shared ones, not from another's."""
        source = cfg.finetune.source_run
        if not source or self.files is None:
            return
        state = self.get(source)
        if state is None or not (state.base.owner == owner or state.base.shared):
            raise ValueError(
                _("run {run_id} is not yours or shared, so it cannot be a start point").format(
                    run_id=source
                )
            )

    def _running_by_owner(self) -> Counter[str]:
        holding = [*self._workers, *self._launching]
        return Counter(self._states[rid].base.owner for rid in holding)

    def _launch_queued(self) -> None:
        """Give free slots to the next runs in line. A slot is reserved under the lock; the worker
        process is started outside it (a fork can take a while on a busy machine)."""
        while True:
            with self._lock:
                if len(self._workers) + len(self._launching) >= self.max_concurrent:
                    return
                run_id = self._queue.next_to_launch(self._running_by_owner())
                if run_id is None:
                    return
                self._launching.add(run_id)
            try:
                self._launch(run_id)
            finally:
                with self._lock:
                    self._launching.discard(run_id)

    def has_room(self, owner: str) -> bool:
        """Whether `owner` may queue another run now (sweeps wait for this, not for an error)."""
        with self._lock:
            return self._queue.has_room(owner)

    def queue_position(self, run_id: str) -> int | None:
        """1-based place in line of a queued run (round-robin across visitors), else None."""
        with self._lock:
            return self._queue.position(run_id, self._running_by_owner())

    # -- visitors -----------------------------------------------------------------------------
    def touch(self, owner: str) -> None:
        """Note that `owner` is here (a page of theirs ran); their runs are not abandoned."""
        self._seen[owner] = time.monotonic()

    def _janitor(self) -> None:
        assert self.idle_stop_s is not None
        while True:
            time.sleep(min(30.0, max(0.05, self.idle_stop_s / 2)))
            self.stop_abandoned()

    def stop_abandoned(self) -> list[str]:
        """Stop active runs whose owner has not been seen for `idle_stop_s`; return their ids."""
        if self.idle_stop_s is None:
            return []
        now = time.monotonic()
        with self._lock:
            gone = [
                rid
                for rid, s in self._states.items()
                if s.status in ACTIVE_STATUSES
                and now - self._seen.get(s.base.owner, now) > self.idle_stop_s
            ]
        for run_id in gone:
            self.control(run_id, "stop")
        return gone

    def _launch(self, run_id: str) -> None:
        state = self._states[run_id]
        view = state.base
        threads = self.worker_threads or threads_for(
            view.plan.work_per_step if view.plan else 0.0, self.max_concurrent
        )
        job = Job(run_id, self.loadable(view.config), self.store.checkpoint_path(run_id), threads)
        state.set_status("starting", STARTING_TEXT)
        try:
            worker = self.backend.launch(job)
        except Exception as exc:  # noqa: BLE001 - e.g. the cluster is gone: this run fails, not the server
            if self.backend.name == "ray":
                state.set_status("failed", RAY_LAUNCH_FAILED_TEXT, detail=str(exc) or repr(exc))
            else:
                state.set_status("failed", PROCESS_ENDED_TEXT.format(code="?"), detail=repr(exc))
            self.store.save(state.snapshot(max_frames=STORED_FRAMES))
            self._retire(run_id)
            return
        thread = threading.Thread(target=self._supervise, args=(run_id, worker), daemon=True)
        with self._lock:
            self._workers = {**self._workers, run_id: Supervised(worker, thread)}
            self._launching.discard(run_id)
        thread.start()

    # -- supervising --------------------------------------------------------------------------
    def _supervise(self, run_id: str, worker: Worker) -> None:
        state = self._states[run_id]
        last_save = time.monotonic()
        lost = ""  # why this thread stopped following a worker that may still train
        while True:
            try:
                batch = worker.next_batch(0.5)
                if batch is None:
                    continue
                state.apply(batch)
            except (EOFError, OSError):
                break
            except Exception as exc:  # noqa: BLE001 - the run ends failed; it must not stay "running"
                log.exception("Lost track of run %s", run_id)
                lost = repr(exc)
                if worker.is_alive():
                    worker.kill()
                break
            now = time.monotonic()
            # Status changes are saved at once; metrics every few seconds (a snapshot is ~100 KB
            # of JSON, too much to write after every tiny epoch).
            if now - last_save >= SAVE_EVERY_S or any(isinstance(e, StatusChange) for e in batch):
                self.store.save(state.snapshot(max_frames=STORED_FRAMES))
                last_save = now
        worker.join(timeout=10)
        forced = run_id in self._forced
        self._forced.discard(run_id)
        if state.status in ACTIVE_STATUSES and forced:
            step = state.progress.step if state.progress else 0
            state.set_status(
                "stopped", STOPPED_UNANSWERED_TEXT.format(step=step, seconds=f"{STOP_GRACE_S:g}")
            )
        elif state.status in ACTIVE_STATUSES:
            code = worker.exit_code
            state.set_status(
                "failed",
                PROCESS_ENDED_TEXT.format(code="?" if code is None else code),
                PROCESS_ENDED_HINT,
                worker.detail or lost,
            )
        self.store.save(state.snapshot(max_frames=STORED_FRAMES))
        with self._lock:
            self._workers = {k: v for k, v in self._workers.items() if k != run_id}
        worker.close()
        self._retire(run_id)
        self._launch_queued()

    def _retire(self, run_id: str) -> None:
        """A run ended and is saved: keep it among the recently finished, no longer live. Its
        full state stays in memory while it is among the RECENT_FINISHED latest; older ones are
        read back from the store when asked for, so a server's memory does not grow run by run."""
        with self._lock:
            state = self._states.get(run_id)
            self._states = {k: v for k, v in self._states.items() if k != run_id}
            if state is not None:
                self._remember(run_id, state)

    # -- reading ------------------------------------------------------------------------------
    def get(self, run_id: str) -> RunState | None:
        """The live state of a run (or one rebuilt from the store for finished runs)."""
        state = self._states.get(run_id)
        if state is not None:
            return state
        with self._lock:
            state = self._recent.get(run_id)
            if state is not None:
                self._recent.move_to_end(run_id)
                return state
        view = self.store.load(run_id)
        if view is None:
            return None
        state = RunState(view)
        with self._lock:
            self._remember(run_id, state)
        return state

    def _remember(self, run_id: str, state: RunState) -> None:
        """Keep a finished run among the RECENT_FINISHED latest (call with the lock held)."""
        self._recent[run_id] = state
        self._recent.move_to_end(run_id)
        while len(self._recent) > RECENT_FINISHED:
            self._recent.popitem(last=False)

    def snapshot(self, run_id: str) -> RunView | None:
        """A bounded plain-data copy of a run, live or stored."""
        state = self.get(run_id)
        return state.snapshot() if state is not None else None

    def list(self, owner: str | None = None) -> list[RunRecord]:
        """Stored runs visible to `owner` (their own and shared ones), with live statuses."""
        records = self.store.records(owner)
        live = {rid: s.status for rid, s in self._states.items()}
        return [replace(r, status=live.get(r.run_id, r.status)) for r in records]

    def active(self, owner: str | None = None) -> list[str]:
        """Ids of this owner's runs that are queued, starting, running or paused."""
        states = self._states.items()
        return [
            rid
            for rid, s in states
            if s.status in ACTIVE_STATUSES and (owner is None or s.base.owner == owner)
        ]

    def worker_pid(self, run_id: str) -> int | None:
        """OS process id of the run's worker while it has one (benchmarks pin it to a core; on
        Ray it is the process on the run's node, known once the run has sent its first events)."""
        entry = self._workers.get(run_id)
        return entry.worker.pid if entry is not None else None

    def worker_threads_of(self, run_id: str) -> int | None:
        """Torch threads the run's worker trains with, while it has a worker."""
        entry = self._workers.get(run_id)
        return entry.worker.threads if entry is not None else None

    def wait(self, run_id: str, timeout: float | None = None, poll_s: float = 0.05) -> RunView:
        """Block until the run is no longer active (CLI and tests); returns its final view."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            state = self.get(run_id)
            if state is None:
                raise KeyError(run_id)
            supervised = run_id in self._workers or run_id in self._launching
            if state.status not in ACTIVE_STATUSES and not supervised:
                return state.snapshot()
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {state.status} after {timeout} s")
            time.sleep(poll_s)

    # -- steering -----------------------------------------------------------------------------
    def _check_owner(self, run_id: str, owner: str | None) -> RunState:
        state = self.get(run_id)
        if state is None:
            raise KeyError(_("no run {run_id}").format(run_id=repr(run_id)))
        if owner is not None and state.base.owner != owner:
            raise PermissionError(
                _("run {run_id} belongs to another session").format(run_id=run_id)
            )
        return state

    def control(self, run_id: str, command: Command, owner: str | None = None) -> None:
        """Send "pause", "resume", "stop" or ("lr", value) to a run."""
        cmd = (command,) if isinstance(command, str) else tuple(command)
        if cmd[0] not in ("pause", "resume", "stop", "lr"):
            raise ValueError(f"unknown command {cmd[0]!r}; use pause, resume, stop or lr")
        if cmd[0] == "lr" and not (len(cmd) == 2 and float(cmd[1]) > 0):
            raise ValueError(
                _("learning rate must be a positive number, got {value}").format(value=cmd[1:])
            )
        state = self._check_owner(run_id, owner)
        while not self._control_now(run_id, state, cmd):
            time.sleep(0.005)  # its worker process is starting this very moment

    def _control_now(self, run_id: str, state: RunState, cmd: tuple) -> bool:
        """Apply `cmd` unless the run's worker is being started (False: ask again shortly)."""
        with self._lock:
            if run_id in self._launching:
                return False
            if cmd[0] == "stop" and self._queue.remove(run_id):
                state.set_status("stopped", STOPPED_QUEUED_TEXT)
                self.store.save(state.snapshot(max_frames=STORED_FRAMES))
                self._retire(run_id)
                return True
            entry = self._workers.get(run_id)
            if entry is not None:
                try:
                    entry.worker.send(cmd)
                except (BrokenPipeError, OSError):
                    pass  # the worker already ended; its supervisor records the outcome
                if cmd[0] == "stop":
                    # A long step (a big model) or a stuck worker must not hold Stop hostage.
                    timer = threading.Timer(STOP_GRACE_S, self._force_stop, (run_id, entry.worker))
                    timer.daemon = True
                    timer.start()
            return True

    def _force_stop(self, run_id: str, worker: Worker) -> None:
        """Stop was asked STOP_GRACE_S ago and the worker still runs: end its process. A run that
        has already reported how it ended obeyed (its last parcels may still be on their way)."""
        state = self._states.get(run_id)
        if state is None or state.status not in ACTIVE_STATUSES:
            return
        if worker.is_alive():
            self._forced.add(run_id)
            worker.kill()

    def delete(self, run_id: str, owner: str | None = None) -> None:
        """Stop a run if it is active, then remove it and its files."""
        state = self._check_owner(run_id, owner)
        if state.status in ACTIVE_STATUSES:
            self.control(run_id, "stop", owner)
            with self._lock:
                entry = self._workers.get(run_id)
            if entry is not None:
                entry.thread.join(timeout=10)
        with self._lock:
            self._states = {k: v for k, v in self._states.items() if k != run_id}
            self._recent.pop(run_id, None)
        self.store.delete(run_id)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop every active run and wait for the workers (tests, CLI exit)."""
        with self._lock:
            queued = list(self._queue)
            running = list(self._workers)
        for run_id in queued + running:
            self.control(run_id, "stop")
        for run_id in running:
            with self._lock:
                entry = self._workers.get(run_id)
            if entry is not None:
                entry.thread.join(timeout=timeout)
                entry.worker.terminate()
