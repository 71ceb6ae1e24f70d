"""The run store survives damage: a corrupt or missing database, corrupt rows, a full disk."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import pytest

from core.events import ACTIVE_STATUSES, EpochEnd, Progress
from core.run_state import RunView
from core.runs import RunRegistry
from core.serialize import to_json
from core.store import RunStore
from tests.core.helpers import tiny_config


def make_view(run_id: str = "r1", status: str = "completed", steps: int = 3) -> RunView:
    """A run with a few losses and one epoch, as the registry would save it."""
    epoch = EpochEnd(1, steps, 0.5, 0.8, 0.6, 0.75, "accuracy", 1e-2, 100.0, 1.0)
    return RunView(
        run_id,
        "alice",
        status,
        tiny_config(),
        created=time.time(),
        started=time.time(),
        progress=Progress(1, steps, 10, 100.0, 1.0, 1e-2),
        loss_steps=tuple(float(s) for s in range(1, steps + 1)),
        loss_values=tuple(1.0 / s for s in range(1, steps + 1)),
        epochs=(epoch,),
    )


def corrupt_row(root: Path, run_id: str, **columns: str) -> None:
    """Overwrite stored columns of a row behind the store's back."""
    db = sqlite3.connect(root / "runs.sqlite3")
    for column, value in columns.items():
        db.execute(f"UPDATE runs SET {column}=? WHERE id=?", (value, run_id))
    db.commit()
    db.close()


def remove_database(root: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (root / f"runs.sqlite3{suffix}").unlink(missing_ok=True)


def random_bytes(db: Path) -> None:
    db.write_bytes(os.urandom(8192))


def truncated(db: Path) -> None:
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])


@pytest.mark.parametrize("damage", [random_bytes, truncated])
def test_corrupt_database_is_moved_aside_and_rebuilt_from_run_folders(
    tmp_path: Path, caplog, damage
):
    store = RunStore(tmp_path)
    for i in range(20):  # rows on many pages, so that truncation cuts through them
        store.save(
            replace(make_view(f"old{i}"), loss_values=(1.0,) * 2000, loss_steps=(1.0,) * 2000)
        )
    store.save(make_view("r1", "completed"))
    store.close()
    damage(tmp_path / "runs.sqlite3")

    with caplog.at_level(logging.WARNING, logger="core"):
        store = RunStore(tmp_path)
    assert {r.run_id for r in store.records("alice")} == {"r1"} | {f"old{i}" for i in range(20)}
    assert store.load("r1").loss_values == make_view().loss_values
    assert list(tmp_path.glob("runs.sqlite3.corrupt-*"))
    assert any("could not be read" in r.getMessage() for r in caplog.records)


def test_registry_starts_on_a_corrupt_database(tmp_path: Path):
    (tmp_path / "runs.sqlite3").write_bytes(os.urandom(8192))
    registry = RunRegistry(tmp_path, max_concurrent=1)
    try:
        assert registry.list("alice") == []
    finally:
        registry.shutdown()


def test_corrupt_snapshot_of_an_active_run_does_not_break_start_up(tmp_path: Path):
    store = RunStore(tmp_path)
    store.save(make_view("bad", "running"))
    store.save(make_view("good", "running"))
    store.close()
    corrupt_row(tmp_path, "bad", snapshot="{truncated")

    store = RunStore(tmp_path)
    assert store.mark_interrupted() == ["good"]
    statuses = {r.run_id: r.status for r in store.records()}
    assert statuses == {"bad": "damaged", "good": "interrupted"}
    assert "damaged" not in ACTIVE_STATUSES
    assert not store.load("bad").active


def _unknown_config_field() -> dict[str, str]:
    """A row written by a version whose RunConfig had a field this one lacks."""
    snapshot = json.loads(to_json(make_view("r1")))
    snapshot["config"]["gone_field"] = 1
    return {"config": json.dumps(snapshot["config"]), "snapshot": json.dumps(snapshot)}


CORRUPTIONS = {
    "snapshot JSON": {"snapshot": "{not json"},
    "config JSON": {"config": "\x00\x01garbage"},
    "config no longer parses": _unknown_config_field(),
}


@pytest.mark.parametrize("columns", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_corrupt_row_is_listed_as_damaged(tmp_path: Path, columns: dict[str, str]):
    store = RunStore(tmp_path)
    store.save(make_view("r1"))
    store.save(make_view("r2"))
    corrupt_row(tmp_path, "r1", **columns)

    view = store.load("r1")
    assert view.status == "damaged" and not view.active
    assert "could not be read" in view.message
    assert view.owner == "alice"
    statuses = {r.run_id: r.status for r in store.records("alice")}
    assert statuses == {"r1": "damaged", "r2": "completed"}
    assert store.load("r2").status == "completed"


@pytest.mark.parametrize("status", ["completed", "running"])
def test_runs_come_back_with_their_metrics_after_the_database_is_deleted(
    tmp_path: Path, status: str
):
    store = RunStore(tmp_path)
    store.save(make_view("r1", "queued", steps=0))
    store.save(make_view("r1", status, steps=5))
    store.close()
    remove_database(tmp_path)

    store = RunStore(tmp_path)
    (record,) = store.records("alice")
    assert record.config == tiny_config()
    view = store.load("r1")
    assert view.loss_steps == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert view.epochs == make_view(steps=5).epochs
    assert (record.status, view.status) == (("interrupted",) * 2 if status == "running" else
                                            (status,) * 2)  # fmt: skip
    assert store.mark_interrupted() == []


def test_run_file_is_written_on_status_changes_not_on_every_metrics_save(tmp_path: Path):
    store = RunStore(tmp_path)
    run_file = store.run_dir("r1") / "run.json"

    def saved_steps() -> int:
        return len(json.loads(run_file.read_text())["snapshot"]["loss_steps"])

    store.save(make_view("r1", "running", steps=1))
    assert saved_steps() == 1
    store.save(make_view("r1", "running", steps=2))
    assert saved_steps() == 1  # a metrics save: the file is left alone
    store.save(make_view("r1", "paused", steps=3))
    assert saved_steps() == 3
    store.save(make_view("r1", "completed", steps=4))
    store.save(make_view("r1", "completed", steps=5))
    assert saved_steps() == 5  # final statuses are always written
    assert not list(run_file.parent.glob("*.tmp*"))


def test_deleted_runs_do_not_come_back(tmp_path: Path):
    store = RunStore(tmp_path)
    store.save(make_view("r1"))
    store.save(make_view("r2"))
    store.delete("r1")
    store.close()
    remove_database(tmp_path)
    assert [r.run_id for r in RunStore(tmp_path).records()] == ["r2"]


class _FullDisk:
    """A connection whose writes fail as on a full disk; reads still work."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def execute(self, sql: str, *args):
        if not sql.lstrip().upper().startswith("SELECT"):
            raise sqlite3.OperationalError("database or disk is full")
        return self.db.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self.db, name)


def test_save_on_a_full_disk_logs_and_keeps_going(tmp_path: Path, monkeypatch, caplog):
    store = RunStore(tmp_path)
    store.save(make_view("r1", "running", steps=1))
    real_db = store._db
    monkeypatch.setattr(store, "_db", _FullDisk(real_db))

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with caplog.at_level(logging.ERROR, logger="core"):
        store.save(make_view("r1", "completed", steps=2))  # does not raise
        store.save(make_view("r1", "completed", steps=3))
    assert str(tmp_path) in (store.write_error or "")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and str(tmp_path) in errors[0].getMessage()  # once, not per save

    monkeypatch.undo()
    store.save(make_view("r1", "completed", steps=4))
    assert store.write_error is None
    assert store.load("r1").loss_steps == (1.0, 2.0, 3.0, 4.0)


def test_an_unusable_data_folder_is_named_in_the_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError, match="file"):
        RunStore(blocker)


def test_damaged_row_keeps_owner_privacy(tmp_path: Path):
    store = RunStore(tmp_path)
    store.save(replace(make_view("r1"), owner="bob"))
    corrupt_row(tmp_path, "r1", config="{")
    assert store.records("alice") == []
    assert [r.status for r in store.records("bob")] == ["damaged"]
