"""Recovering stored runs from damage: rows that no longer parse, and a lost or corrupt database.

A stored run that cannot be read becomes a `damaged` view instead of an exception. Each run folder
holds a `run.json` (the latest snapshot plus owner, sharing and times), so the database's rows can
be rebuilt from the folders when the database is lost.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.config import RunConfig
from core.events import DAMAGED_HINT, DAMAGED_TEXT, INTERRUPTED_HINT, INTERRUPTED_TEXT
from core.run_state import RunView
from core.serialize import from_dict, to_json

log = logging.getLogger(__name__)

RUN_FILE = "run.json"
DAMAGED = "damaged"  # a stored run whose data cannot be read; not in ACTIVE_STATUSES
# What a stored text that no longer matches the dataclasses raises (JSONDecodeError is a ValueError).
DECODE_ERRORS = (ValueError, TypeError, KeyError, AttributeError)


def view_from_dict(data: dict[str, Any]) -> RunView:
    """A stored snapshot; ones saved before runs carried a typed plan get their `summary` upgraded."""
    data = dict(data)
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


def view_from_json(text: str) -> RunView:
    return view_from_dict(json.loads(text))


def damaged_view(
    run_id: str, owner: str, shared: bool, created: float, updated: float, config: str, error: str
) -> RunView:
    """What the UI shows for a stored run whose data cannot be read."""
    try:
        cfg = RunConfig.from_json(config)
    except DECODE_ERRORS:
        cfg = RunConfig()
    return RunView(
        run_id,
        owner,
        DAMAGED,
        cfg,
        created,
        message=DAMAGED_TEXT,
        hint=DAMAGED_HINT,
        detail=error,
        ended=updated,
        shared=shared,
    )


def interrupted(view: RunView) -> RunView:
    """An active run whose supervising process is gone, as `interrupted`."""
    step = view.progress.step if view.progress else 0
    return replace(
        view,
        status="interrupted",
        message=INTERRUPTED_TEXT.format(status=view.status, step=step),
        hint=INTERRUPTED_HINT,
        ended=view.ended or time.time(),
    )


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_meta(
    run_id: str, owner: str, shared: bool, status: str, created: float, updated: float
) -> dict[str, Any]:
    """What `run.json` keeps beside the snapshot: the row's own columns."""
    return {"run_id": run_id, "owner": owner, "shared": shared, "status": status,
            "created": created, "updated": updated}  # fmt: skip


def write_run_file(folder: Path, meta: dict[str, Any], snapshot: str) -> None:
    """Write `folder/run.json` atomically (temporary file, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    # The snapshot (up to megabytes) is already JSON: splice it in instead of parsing it again.
    text = json.dumps(meta)[:-1] + ', "snapshot": ' + snapshot + "}"
    tmp = folder / f"{RUN_FILE}.tmp-{os.getpid()}-{threading.get_ident()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / RUN_FILE)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def rebuild_row(folder: Path, pid: int) -> tuple | None:
    """A database row rebuilt from `folder/run.json`, or None (logged) when the file is unreadable.

    Runs saved while active become `interrupted`; a snapshot that no longer parses, `damaged`.
    """
    try:
        data = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
        owner, shared = str(data["owner"]), int(bool(data["shared"]))
        created, updated = float(data["created"]), float(data["updated"])
        snapshot = data["snapshot"]
    except (OSError, *DECODE_ERRORS) as exc:
        log.warning(
            "Run folder %s: %s could not be read (%s); run not listed.", folder, RUN_FILE, exc
        )
        return None
    try:
        view = view_from_dict(snapshot)
        if view.active:
            view = interrupted(view)
        status, config, text = view.status, to_json(view.config), to_json(view)
    except DECODE_ERRORS:
        config = snapshot.get("config") if isinstance(snapshot, dict) else None
        status, config, text = DAMAGED, json.dumps(config), json.dumps(snapshot)
    return (folder.name, owner, shared, status, config, created, updated, pid, text)


def rebuild_rows(runs: Path, known: set[str], pid: int) -> list[tuple]:
    """Rows for the folders under `runs` that hold a `run.json` but are not in `known`."""
    try:
        folders = sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []
    except OSError as exc:
        log.warning("Could not list the run folders in %s: %s", runs, exc)
        return []
    return [
        row
        for folder in folders
        if folder.name not in known and (folder / RUN_FILE).is_file()
        if (row := rebuild_row(folder, pid)) is not None
    ]


def move_aside(db_path: Path) -> Path:
    """Rename a corrupt database (and its -wal/-shm files) to `<name>.corrupt-<time>`."""
    stem = f"{db_path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
    aside, n = db_path.with_name(stem), 1
    while aside.exists():
        aside, n = db_path.with_name(f"{stem}-{n}"), n + 1
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{db_path}{suffix}")
        if source.exists():
            os.replace(source, f"{aside}{suffix}")
    return aside
