"""The runner contract: what the run registry needs from whatever trains its runs.

A `Backend` launches a `Job` and hands back a `Worker`, the server's end of one training run:
batches of events come out of it, control commands go into it, and it can be ended by force.
The local backend (worker processes on this machine) and the Ray backend (tasks on a cluster)
both fill the same `RunState` through this one interface, so pages, the store and control do not
know where a run trains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.config import RunConfig
from core.events import Event


@dataclass(frozen=True)
class Job:
    """One run as a backend receives it."""

    run_id: str
    config: RunConfig  # as the loaders read it: uploads and start points resolved to server paths
    checkpoint_path: Path  # final.pt in the server's run store; weight snapshots go beside it
    threads: int  # torch threads (core.threads): one policy wherever the run trains


class Worker(Protocol):
    """The server's end of one launched run."""

    threads: int

    @property
    def pid(self) -> int | None:
        """OS process id of the training process (on its own node), once known."""
        ...

    @property
    def exit_code(self) -> int | None:
        """How the process ended, when it did and that is known."""
        ...

    @property
    def detail(self) -> str:
        """Why the worker was lost, when the backend can say (shown under a failed run)."""
        ...

    def next_batch(self, timeout: float) -> list[Event] | None:
        """The next batch of events, or None if none came within `timeout` seconds.

        Raises EOFError (or OSError) once the worker has ended and every batch has been read.
        """
        ...

    def send(self, command: tuple) -> None:
        """Forward a control command; OSError if the worker is already gone."""
        ...

    def is_alive(self) -> bool: ...

    def kill(self) -> None:
        """End the run's process now (Stop went unanswered)."""
        ...

    def terminate(self) -> None:
        """End the run's process politely (the server shuts down)."""
        ...

    def join(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the process to be gone."""
        ...

    def close(self) -> None:
        """Release what the server held for this worker (pipes, mailboxes)."""
        ...


class Backend(Protocol):
    """Where runs train."""

    name: str

    def devices(self) -> list[str]:
        """The devices a run can train on where this backend trains it, best first (the
        playground offers these, not necessarily the server's own)."""
        ...

    def plannable(self, cfg: RunConfig) -> RunConfig:
        """`cfg` as the server may plan it here; ValueError when this backend cannot run it."""
        ...

    def launch(self, job: Job) -> Worker:
        """Start training `job`; returns at once."""
        ...

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until launching is warmed up (benchmarks time runs, not that)."""
        ...
