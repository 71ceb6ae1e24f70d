"""How the server starts a worker process: the forkserver context, the hidden `__main__`, and
the handle the registry keeps per worker. The worker's own side is `core.worker`.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any


def worker_context() -> mp.context.BaseContext:
    """forkserver (workers fork from a process that already imported torch: fast, thread-safe)."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["core.worker"])
        return ctx
    return mp.get_context("spawn")


START_LOCK = threading.Lock()


@contextmanager
def main_module_hidden() -> Iterator[None]:
    """Stop the child from re-importing the parent's `__main__` (streamlit's CLI, pytest, a script).

    forkserver/spawn children import the parent's main module by default; that costs seconds and
    re-runs unguarded scripts. Workers need nothing from it: their target lives in core.
    """
    main = sys.modules.get("__main__")
    with START_LOCK:
        if main is None:
            yield
            return
        saved = {k: main.__dict__[k] for k in ("__spec__", "__file__") if k in main.__dict__}
        main.__dict__["__spec__"] = None
        main.__dict__.pop("__file__", None)
        try:
            yield
        finally:
            main.__dict__.update(saved)


@dataclass
class WorkerHandle:
    """A running worker as the server holds it: its process, control pipe and supervising thread."""

    process: mp.process.BaseProcess
    control: Connection
    sent: Any  # shared c_long: commands sent so far; the worker compares it with what it read
    thread: threading.Thread
    threads: int  # torch threads the worker trains with


def noop() -> None:
    """A process that only proves the forkserver is ready."""


def worker_entry(*args: object) -> None:
    from core.worker import worker_main

    worker_main(*args)  # type: ignore[arg-type]
