"""How the server starts a worker process: the forkserver context and the hidden `__main__`.
The local backend (`core.backends.local`) holds the processes; their own side is `core.worker`.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing import spawn
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
    re-runs unguarded scripts. Workers need nothing from it: their target lives in core. Hiding
    `__main__`'s file is not enough on a server: every Streamlit script run installs a fresh
    `__main__` (the app script), so a worker started from a background thread (a queued run, a
    sweep) could catch that one mid-start and run the app in the child. So the start's
    preparation data is stripped of the main module too.
    """
    main = sys.modules.get("__main__")
    with START_LOCK:
        original = spawn.get_preparation_data
        spawn.get_preparation_data = _without_main(original)
        saved = {}
        if main is not None:
            saved = {k: main.__dict__[k] for k in ("__spec__", "__file__") if k in main.__dict__}
            main.__dict__["__spec__"] = None
            main.__dict__.pop("__file__", None)
        try:
            yield
        finally:
            spawn.get_preparation_data = original
            if main is not None:
                main.__dict__.update(saved)


def _without_main(get_preparation_data: Any) -> Any:
    def prepare(name: str) -> dict:
        data = get_preparation_data(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    return prepare


def noop() -> None:
    """A process that only proves the forkserver is ready."""


def worker_entry(*args: object) -> None:
    from core.worker import worker_main

    worker_main(*args)  # type: ignore[arg-type]
