"""The run store: one SQLite file (WAL) for run rows and snapshots, plus a folder per run for files.

Each row holds the config, status, owner, the pid of the process supervising it and the latest
`RunView` snapshot as JSON, so a restarted server lists past runs with their curves, and runs whose
supervising process died show as `interrupted`.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from core.config import RunConfig
from core.events import ACTIVE_STATUSES
from core.run_state import RunView
from core.serialize import from_dict, to_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    shared INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    config TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    pid INTEGER NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_owner ON runs(owner);
"""


@dataclass(frozen=True)
class RunRecord:
    """A stored run's row, without the (larger) snapshot."""

    run_id: str
    owner: str
    shared: bool
    status: str
    config: RunConfig
    created: float
    updated: float


def _view_from_json(text: str) -> RunView:
    """A stored snapshot; ones saved before runs carried a typed plan get their `summary` upgraded."""
    data = json.loads(text)
    summary = data.pop("summary", None)
    if summary and "plan" not in data:
        layers = ("layers", "total_params", "trainable_params", "activation_elements")
        data["plan"] = {
            "spec": summary["spec"],
            "model": {k: summary[k] for k in layers},
            "estimated_bytes": summary["estimated_bytes"],
            "n_train": summary["n_train"],
            "n_val": summary["n_val"],
        }
    return from_dict(RunView, data)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunStore:
    """Thread-safe access to the runs database and the per-run folders under `root`."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.root / "runs.sqlite3", check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._db.commit()

    def run_dir(self, run_id: str) -> Path:
        return self.root / "runs" / run_id

    def checkpoint_path(self, run_id: str) -> Path:
        return self.run_dir(run_id) / "final.pt"

    def save(self, view: RunView) -> None:
        """Insert or update a run's row from its snapshot."""
        row = (
            view.run_id,
            view.owner,
            int(view.shared),
            view.status,
            to_json(view.config),
            view.created,
            time.time(),
            os.getpid(),
            to_json(view),
        )
        with self._lock:
            self._db.execute(
                "INSERT INTO runs (id, owner, shared, status, config, created, updated, pid, snapshot)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                " shared=excluded.shared, status=excluded.status, updated=excluded.updated,"
                " pid=excluded.pid, snapshot=excluded.snapshot",
                row,
            )
            self._db.commit()

    def load(self, run_id: str) -> RunView | None:
        """The last saved snapshot of a run, or None."""
        with self._lock:
            row = self._db.execute("SELECT snapshot FROM runs WHERE id=?", (run_id,)).fetchone()
        return _view_from_json(row[0]) if row else None

    def records(self, owner: str | None = None) -> list[RunRecord]:
        """Stored runs, newest first; with `owner`, only that owner's runs and shared ones."""
        query = "SELECT id, owner, shared, status, config, created, updated FROM runs"
        args: tuple = ()
        if owner is not None:
            query += " WHERE owner=? OR shared=1"
            args = (owner,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created DESC", args).fetchall()
        return [
            RunRecord(r[0], r[1], bool(r[2]), r[3], RunConfig.from_json(r[4]), r[5], r[6])
            for r in rows
        ]

    def mark_interrupted(self, live_pids: frozenset[int] = frozenset()) -> list[str]:
        """Runs left active by a process that is gone (or is this one, restarted) -> `interrupted`."""
        me = os.getpid()
        with self._lock:
            marks = ",".join("?" * len(ACTIVE_STATUSES))
            rows = self._db.execute(
                f"SELECT id, pid, snapshot FROM runs WHERE status IN ({marks})",
                tuple(ACTIVE_STATUSES),
            ).fetchall()
        changed = []
        for run_id, pid, snapshot in rows:
            if pid in live_pids or (pid != me and _pid_alive(pid)):
                continue
            view = _view_from_json(snapshot)
            step = view.progress.step if view.progress else 0
            self.save(
                replace(
                    view,
                    status="interrupted",
                    message=f"Interrupted: the server stopped while this run was {view.status} "
                    f"(metrics kept up to step {step}).",
                    hint="Start it again from the same configuration to redo it.",
                    ended=view.ended or time.time(),
                )
            )
            changed.append(run_id)
        return changed

    def delete(self, run_id: str) -> None:
        """Remove a run's row and its files."""
        with self._lock:
            self._db.execute("DELETE FROM runs WHERE id=?", (run_id,))
            self._db.commit()
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._db.close()
