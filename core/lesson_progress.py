"""Each browser's progress through the lessons: the runs it started from each cell, whether it
passed the check, its answer. One small JSON file per browser (keyed by its owner key) under
`lessons/` next to the run store, so progress survives reloads and server restarts."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_OWNER = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass
class LessonRecord:
    """One learner's work on one lesson: runs per cell (oldest first), passed, their answer."""

    runs: dict[str, list[str]] = field(default_factory=dict)
    passed: bool = False
    answer: str = ""


class LessonProgress:
    """Each browser's lesson progress (keyed by its owner key), one JSON file per browser."""

    def __init__(self, root: str | Path) -> None:
        self.folder = Path(root) / "lessons"
        self._lock = threading.Lock()

    def _path(self, owner: str) -> Path:
        if not _OWNER.match(owner):
            raise ValueError("not a valid owner key")
        return self.folder / f"{owner}.json"

    def read(self, owner: str) -> dict[str, LessonRecord]:
        """slug -> record for this browser (empty when it has done nothing yet)."""
        try:
            raw = json.loads(self._path(owner).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {
            slug: LessonRecord(
                runs={k: [str(r) for r in v] for k, v in rec.get("runs", {}).items()},
                passed=bool(rec.get("passed")),
                answer=str(rec.get("answer", "")),
            )
            for slug, rec in raw.items()
            if isinstance(rec, dict)
        }

    def _update(self, owner: str, slug: str, change: Callable[[LessonRecord], None]) -> None:
        with self._lock:
            records = self.read(owner)
            change(records.setdefault(slug, LessonRecord()))
            path = self._path(owner)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(
                json.dumps({s: r.__dict__ for s, r in records.items()}), encoding="utf-8"
            )
            tmp.replace(path)

    def add_run(self, owner: str, slug: str, cell: str, run_id: str) -> None:
        self._update(owner, slug, lambda r: r.runs.setdefault(cell, []).append(run_id))

    def mark_passed(self, owner: str, slug: str) -> None:
        self._update(owner, slug, lambda r: setattr(r, "passed", True))

    def save_answer(self, owner: str, slug: str, answer: str) -> None:
        self._update(owner, slug, lambda r: setattr(r, "answer", answer[:2000]))
