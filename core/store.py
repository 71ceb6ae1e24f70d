"""The run store: one SQLite file (WAL) for run rows and snapshots, plus a folder per run for files.

Each row holds the config, status, owner, the pid of the process supervising it and the latest
`RunView` snapshot as JSON, so a restarted server lists past runs with their curves, and runs whose
supervising process died show as `interrupted`. Each run folder also keeps a `run.json`, from which
a lost or corrupt database is rebuilt (see `core.store_recovery`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from core.config import RunConfig
from core.events import ACTIVE_STATUSES
from core.run_state import RunView
from core.serialize import to_json
from core.store_recovery import (
    DAMAGED,
    DECODE_ERRORS,
    RUN_FILE,
    damaged_view,
    interrupted,
    move_aside,
    pid_alive,
    rebuild_rows,
    run_meta,
    view_from_json,
    write_run_file,
)

log = logging.getLogger(__name__)

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
COLUMNS = "id, owner, shared, status, config, created, updated, pid, snapshot"
MARKS = ", ".join("?" * 9)


class StoreError(OSError):
    """The run store's folder cannot be used (missing rights, not a folder, ...)."""


def uploads_dir(root: str | os.PathLike) -> Path:
    """Where the app keeps visitors' uploads (`upload:<name>` in a run's config) in a store."""
    return Path(root) / "uploads"


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


class RunStore:
    """Thread-safe access to the runs database and the per-run folders under `root`.

    Reading never raises for damaged data (such runs read as `damaged`); saving never raises for a
    full disk or read-only folder: it logs once and sets `write_error` until a save works again.
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.db_path = self.root / "runs.sqlite3"
        self._lock = threading.Lock()
        self._run_file_status: dict[str, str] = {}  # status last written to each run.json
        self.write_error: str | None = None  # why the last save failed; None when it worked
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        except (OSError, sqlite3.OperationalError) as exc:
            raise StoreError(f"cannot open the run store in {self.root}: {exc}") from exc
        self._reconcile()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.db_path, check_same_thread=False, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            db.commit()
            # Reads every page (~0.1 s per 200 MB): damage shows now, not on some later page view.
            problems = [row[0] for row in db.execute("PRAGMA quick_check(3)")]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError("; ".join(problems))
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _open(self) -> sqlite3.Connection:
        """Connect; a corrupt file is moved aside and replaced by a fresh one (rows come back in
        `_reconcile`). A locked or unreachable file (OperationalError) is not corruption."""
        try:
            return self._connect()
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            aside = move_aside(self.db_path)
            log.warning(
                "The run database %s could not be read (%s); moved it to %s and rebuilding the "
                "runs from their folders.",
                self.db_path,
                exc,
                aside.name,
            )
            return self._connect()

    def _reconcile(self) -> None:
        """Rebuild rows for run folders the database lacks (a lost or corrupt database), and write
        `run.json` for rows that lack one (runs saved before run files existed)."""
        with self._lock:
            known = {row[0] for row in self._db.execute("SELECT id FROM runs")}
        rows = rebuild_rows(self.root / "runs", known, os.getpid())
        if rows:
            with self._lock:
                self._db.executemany(
                    f"INSERT OR IGNORE INTO runs ({COLUMNS}) VALUES ({MARKS})", rows
                )
                self._db.commit()
            log.warning("Rebuilt %d run(s) missing from %s from their folders' %s.",
                        len(rows), self.db_path, RUN_FILE)  # fmt: skip
        for run_id in sorted(known):
            if not (self.run_dir(run_id) / RUN_FILE).is_file():
                self._backfill_run_file(run_id)

    def _backfill_run_file(self, run_id: str) -> None:
        with self._lock:
            row = self._db.execute(
                "SELECT owner, shared, status, config, created, updated, snapshot FROM runs"
                " WHERE id=?",
                (run_id,),
            ).fetchone()
        if row is None:
            return  # deleted meanwhile
        owner, shared, status, config, created, updated, snapshot = row
        try:
            view_from_json(snapshot)
            RunConfig.from_json(config)
            meta = run_meta(run_id, owner, bool(shared), status, created, updated)
            write_run_file(self.run_dir(run_id), meta, snapshot)
        except DECODE_ERRORS:
            return  # a damaged row: `load` reports it
        except OSError as exc:
            log.warning("Could not write %s for run %s: %s", RUN_FILE, run_id, exc)

    def run_dir(self, run_id: str) -> Path:
        return self.root / "runs" / run_id

    @property
    def uploads_dir(self) -> Path:
        return uploads_dir(self.root)

    def weights_path(self, run_id: str) -> Path | None:
        """The run's final weights, else (while it trains) its latest weight snapshot, else None."""
        final = self.checkpoint_path(run_id)
        if final.is_file():
            return final
        snapshots = sorted((self.run_dir(run_id) / "snapshots").glob("step_*.pt"))
        return snapshots[-1] if snapshots else None

    def checkpoint_path(self, run_id: str) -> Path:
        return self.run_dir(run_id) / "final.pt"

    def save(self, view: RunView) -> None:
        """Insert or update a run's row from its snapshot; on a status change or a final status,
        also its folder's `run.json` (not on every metrics save: those come every few seconds)."""
        snapshot, now = to_json(view), time.time()
        row = (view.run_id, view.owner, int(view.shared), view.status, to_json(view.config))
        row += (view.created, now, os.getpid(), snapshot)
        problems = []
        with self._lock:
            try:
                self._db.execute(
                    f"INSERT INTO runs ({COLUMNS}) VALUES ({MARKS})"
                    " ON CONFLICT(id) DO UPDATE SET shared=excluded.shared, status=excluded.status,"
                    " updated=excluded.updated, pid=excluded.pid, snapshot=excluded.snapshot",
                    row,
                )
                self._db.commit()
            except sqlite3.Error as exc:
                problems.append(f"database {self.db_path.name}: {exc}")
                with contextlib.suppress(sqlite3.Error):
                    self._db.rollback()
            write_file = view.status != self._run_file_status.get(view.run_id) or not view.active
        # The run's own file (fsync'ed, so it may take a while on a busy disk) is written outside
        # the lock: other runs' saves and every page's reads do not wait for it.
        if write_file:
            meta = run_meta(view.run_id, view.owner, view.shared, view.status, view.created, now)
            try:
                write_run_file(self.run_dir(view.run_id), meta, snapshot)
                self._run_file_status[view.run_id] = view.status
            except OSError as exc:
                problems.append(f"{RUN_FILE}: {exc}")
        self._note_save(problems)

    def _note_save(self, problems: list[str]) -> None:
        """Log a failing save once per streak (saves come every few seconds), and its recovery."""
        if problems:
            error = f"Could not save runs in {self.root} ({'; '.join(problems)})"
            if error != self.write_error:
                log.error("%s; runs keep going, but a restart may lose what was not saved.", error)
            self.write_error = error
        elif self.write_error is not None:
            log.warning("Saving runs in %s works again.", self.root)
            self.write_error = None

    def load(self, run_id: str) -> RunView | None:
        """The last saved snapshot of a run, a `damaged` view if it cannot be read, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT owner, shared, config, created, updated, snapshot FROM runs WHERE id=?",
                (run_id,),
            ).fetchone()
        if row is None:
            return None
        owner, shared, config, created, updated, snapshot = row
        try:
            RunConfig.from_json(config)
            return view_from_json(snapshot)
        except DECODE_ERRORS as exc:
            error = f"{type(exc).__name__}: {exc}"
            self._mark_damaged(run_id, error)
            return damaged_view(run_id, owner, bool(shared), created, updated, config, error)

    def _mark_damaged(self, run_id: str, error: str) -> None:
        """Give an unreadable row the status `damaged` (its stored text is kept as it is)."""
        with self._lock:
            try:
                marked = self._db.execute(
                    "UPDATE runs SET status=? WHERE id=? AND status!=?", (DAMAGED, run_id, DAMAGED)
                ).rowcount
                self._db.commit()
            except sqlite3.Error as exc:
                log.error("Could not mark run %s in %s as damaged: %s", run_id, self.db_path, exc)
                return
        if marked:
            log.warning("Run %s in %s could not be read (%s); it is listed as damaged.",
                        run_id, self.db_path, error)  # fmt: skip

    def records(self, owner: str | None = None) -> list[RunRecord]:
        """Stored runs, newest first; with `owner`, only that owner's runs and shared ones."""
        query = "SELECT id, owner, shared, status, config, created, updated FROM runs"
        args: tuple = ()
        if owner is not None:
            query += " WHERE owner=? OR shared=1"
            args = (owner,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created DESC", args).fetchall()
        records = []
        for run_id, who, shared, status, config, created, updated in rows:
            try:
                cfg = RunConfig.from_json(config)
            except DECODE_ERRORS:
                cfg, status = RunConfig(), DAMAGED
            records.append(RunRecord(run_id, who, bool(shared), status, cfg, created, updated))
        return records

    def mark_interrupted(self, live_pids: frozenset[int] = frozenset()) -> list[str]:
        """Runs left active by a process that is gone (or is this one, restarted) -> `interrupted`.

        Unreadable ones become `damaged` instead; returns the ids of the interrupted runs.
        """
        me = os.getpid()
        with self._lock:
            marks = ",".join("?" * len(ACTIVE_STATUSES))
            rows = self._db.execute(
                f"SELECT id, pid, snapshot FROM runs WHERE status IN ({marks})",
                tuple(ACTIVE_STATUSES),
            ).fetchall()
        changed = []
        for run_id, pid, snapshot in rows:
            if pid in live_pids or (pid != me and pid_alive(pid)):
                continue
            try:
                view = view_from_json(snapshot)
            except DECODE_ERRORS as exc:
                self._mark_damaged(run_id, f"{type(exc).__name__}: {exc}")
                continue
            self.save(interrupted(view))
            changed.append(run_id)
        return changed

    def delete(self, run_id: str) -> None:
        """Remove a run's row and its files."""
        with self._lock:
            # run.json first: a folder left behind must not bring the run back on a rebuild.
            (self.run_dir(run_id) / RUN_FILE).unlink(missing_ok=True)
            self._run_file_status.pop(run_id, None)
            self._db.execute("DELETE FROM runs WHERE id=?", (run_id,))
            self._db.commit()
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._db.close()
