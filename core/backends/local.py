"""The local backend, the default: each run trains in a worker process on this machine.

Workers fork from a forkserver that has already imported torch and the engine, so a run starts in
milliseconds; events come back through a pipe, commands go out through another (`core.worker`).
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from multiprocessing.connection import Connection
from typing import Any

from core.backends.base import Job
from core.config import RunConfig
from core.device import available_devices
from core.events import Event
from core.launcher import main_module_hidden, noop, worker_context, worker_entry


class LocalWorker:
    """A worker process as the server holds it: the process and both ends of its pipes."""

    def __init__(
        self,
        process: mp.process.BaseProcess,
        events: Connection,
        control: Connection,
        sent: Any,
        threads: int,
    ) -> None:
        self.process = process
        self.events = events
        self.control = control
        self.sent = sent  # shared c_long: commands sent so far; the worker counts what it read
        self.threads = threads

    @property
    def pid(self) -> int | None:
        return self.process.pid

    @property
    def exit_code(self) -> int | None:
        return self.process.exitcode

    @property
    def detail(self) -> str:
        return ""

    def next_batch(self, timeout: float) -> list[Event] | None:
        if not self.events.poll(timeout):
            if not self.process.is_alive() and not self.events.poll(0):
                raise EOFError
            return None
        return self.events.recv()

    def send(self, command: tuple) -> None:
        """Write `command`, then count it (the registry calls this under its lock)."""
        self.control.send(command)
        self.sent.value += 1

    def is_alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        self.process.kill()

    def terminate(self) -> None:
        if self.process.is_alive():
            self.process.terminate()

    def join(self, timeout: float) -> None:
        self.process.join(timeout=timeout)

    def close(self) -> None:
        self.control.close()


class LocalBackend:
    """Worker processes on this machine, forked from a warm forkserver."""

    name = "local"

    def __init__(self) -> None:
        self._ctx = worker_context()
        if self._ctx.get_start_method() == "forkserver":
            # Start the forkserver (which imports torch) now, not on the first click on Start.
            self._warming: threading.Thread | None = threading.Thread(
                target=self._warm_forkserver, daemon=True
            )
            self._warming.start()
        else:
            self._warming = None

    def _warm_forkserver(self) -> None:
        """Start the forkserver and wait until it has imported torch and the engine: the first
        worker forks from it, so the first Start after a server start is as fast as the next."""
        with main_module_hidden():
            probe = self._ctx.Process(target=noop, daemon=True, name="bpl-warm-up")
            probe.start()
        probe.join(timeout=120)

    def wait_ready(self, timeout: float | None = None) -> None:
        if self._warming is not None:
            self._warming.join(timeout)

    def devices(self) -> list[str]:
        return available_devices()  # the run trains on this machine

    def plannable(self, cfg: RunConfig) -> RunConfig:
        return cfg  # the run trains here: planning checks this machine's devices, as it should

    def launch(self, job: Job) -> LocalWorker:
        events_recv, events_send = self._ctx.Pipe(duplex=False)
        control_recv, control_send = self._ctx.Pipe(duplex=False)
        sent = self._ctx.Value("l", 0, lock=False)  # written under the registry's lock only
        process = self._ctx.Process(
            target=worker_entry,
            args=(
                job.config.to_json(),
                events_send,
                control_recv,
                sent,
                str(job.checkpoint_path),
                job.threads,
            ),
            daemon=True,
            name=f"bpl-run-{job.run_id}",
        )
        with main_module_hidden():
            process.start()
        events_send.close()
        control_recv.close()
        return LocalWorker(process, events_recv, control_send, sent, job.threads)
