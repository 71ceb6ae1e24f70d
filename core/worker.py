"""The worker side of a run: trains it and streams its events to the server in batches (through a
pipe in a local worker process; `core.backends.ray_worker` reuses it on a Ray cluster).

It never touches the UI. Everything that goes wrong is caught here and ends the run with a status
(`diverged`, `failed`) and a plain-language hint instead of a crash.
"""

from __future__ import annotations

import math
import os
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any, Protocol

import torch

from core.callbacks.control import ControlSource
from core.config import RunConfig
from core.engine import train_run
from core.events import EpochEnd, Event, StatusChange, StepLosses
from core.trainer import DivergedError

SEND_EVERY_S = 0.2
OOM_HINT = (
    "The model or batch does not fit in memory. Use a smaller batch size, fewer or narrower "
    "layers, or shorter sequences."
)
FAILED_HINT = "Something went wrong inside training; the details below say what."


class Channel(Protocol):
    """Where a sink's batches go: a pipe's `Connection`, or any object with its `send`."""

    def send(self, batch: list[Event]) -> None: ...


class PipeSink:
    """Buffers events and sends them in batches: a few pipe writes per second, not per step.

    Status changes, the run's first losses and each validation go out at once: the learner who
    just clicked Start waits for that first point, one racing for 95% for that measurement.
    """

    def __init__(self, conn: Channel) -> None:
        self.conn = conn
        self.buffer: list[Event] = []
        self.last_send = time.perf_counter()
        self.sent_losses = False

    def __call__(self, event: Event) -> None:
        self.buffer.append(event)
        now = time.perf_counter()
        first_losses = not self.sent_losses and isinstance(event, StepLosses)
        if first_losses or _urgent(event) or now - self.last_send >= SEND_EVERY_S:
            self.sent_losses |= first_losses
            self.flush()
            self.last_send = now

    def flush(self) -> None:
        if self.buffer:
            self.conn.send(self.buffer)
            self.buffer = []


def _urgent(event: Event) -> bool:
    """Events worth a pipe write of their own (at most a few per second: validation is paced)."""
    return isinstance(event, StatusChange) or (
        isinstance(event, EpochEnd) and math.isfinite(event.val_metric)
    )


class PipeControl:
    """Commands from the server: a shared counter says one is waiting, the pipe carries it.

    Reading a shared integer costs ~0.1 us; `Connection.poll()` builds a selector (~20 us), too
    slow to call every few steps of a tiny model.
    """

    def __init__(self, conn: Connection, sent: Any = None) -> None:
        self.conn = conn
        self.sent = sent
        self.received = 0

    def poll(self) -> list[tuple]:
        if self.sent is not None and self.sent.value == self.received:
            return []
        commands = []
        while self.conn.poll():
            commands.append(self.wait())
        return commands

    def wait(self) -> tuple:
        command = self.conn.recv()
        self.received += 1
        return command


def outcome_event(exc: BaseException, step: int) -> StatusChange:
    """Translate an exception from training into the status the run ends with."""
    if isinstance(exc, DivergedError):
        last = "none" if exc.last_finite is None else f"{exc.last_finite:.4g}"
        return StatusChange(
            "diverged",
            f"Diverged at step {exc.step}: loss became NaN/inf (last finite loss {last}).",
            exc.hint,
            step=exc.step,
        )
    if isinstance(exc, torch.OutOfMemoryError) or "out of memory" in str(exc).lower():
        return StatusChange("failed", "Out of memory.", OOM_HINT, step=step, detail=str(exc))
    if isinstance(exc, ValueError):
        return StatusChange(
            "failed", str(exc), FAILED_HINT, step=step, detail=traceback.format_exc()
        )
    return StatusChange(
        "failed",
        f"{type(exc).__name__}: {exc}",
        FAILED_HINT,
        step=step,
        detail=traceback.format_exc(),
    )


WORKER_NICENESS = 10


def _yield_to_the_server() -> None:
    """Train at a lower CPU priority than the web server: with a class training on a few cores,
    pages must still render at once (the loop loses little: it gets every idle cycle)."""
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        pass  # not allowed here: train at normal priority


def worker_main(
    config_json: str,
    events: Connection,
    control: Connection,
    sent: Any,
    checkpoint_path: str,
    threads: int,
) -> None:
    """Process entry point of the local backend: train, report the outcome, close the pipe."""
    try:
        run_worker(
            config_json, PipeSink(events), PipeControl(control, sent), checkpoint_path, threads
        )
    finally:
        events.close()


def run_worker(
    config_json: str,
    sink: PipeSink,
    control: ControlSource,
    checkpoint_path: str,
    threads: int,
) -> None:
    """Train one run and end it with a status, whatever happens: the worker side of every
    backend (a local process's pipe, a Ray task's outbox), so both train and fail alike."""
    _yield_to_the_server()
    torch.set_num_threads(max(1, threads))
    step = 0
    try:
        cfg = RunConfig.from_json(config_json)
        sink(StatusChange("running", "Training"))
        trainer = train_run(cfg, sink, control, checkpoint_path)
        step = trainer.step
        if trainer.stopped_by_user:
            sink(StatusChange("stopped", f"Stopped at step {step}.", step=step))
        else:
            sink(StatusChange("completed", f"Finished after {step} steps.", step=step))
    except (BrokenPipeError, ConnectionResetError, EOFError):
        return  # the server went away: there is nobody left to report to
    except BaseException as exc:  # noqa: BLE001 - the run must end with a status, whatever happened
        try:
            sink(outcome_event(exc, step))
        except OSError:
            return
    finally:
        try:
            sink.flush()
        except OSError:
            pass


def _warm_up() -> None:
    """Pay lazy imports once, in the forkserver: optimizers pull in torch._dynamo (~1.5 s) and the
    digits starter scikit-learn (~0.7 s). Workers fork from the process that imported this module,
    so each run starts in milliseconds (on Ray, each reused Ray worker pays it once).
    """
    import sklearn.datasets  # noqa: F401 - imported for its side effect: loaded once, shared

    param = torch.nn.Parameter(torch.zeros(1))
    torch.optim.Adam([param]).step()


_warm_up()
