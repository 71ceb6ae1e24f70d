"""Classes: a teacher's code that students join, and the runs they train in it.

A class is a setup (the teacher's Playground config, as link parameters) under a short code.
Students who open the class link get that setup; the runs they start are listed under the class,
with the name they chose, so the teacher's page can rank them. Joining a class gives nobody
control of anybody's runs: the list holds run ids and names, control stays with the owner key.
Kept in one small JSON file next to the run store, written atomically.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.i18n import N_, _

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a projector
CODE_LENGTH = 6
MAX_NAME = 40
MAX_RUNS_PER_CLASS = 2000
# Stored in English, shown in the reader's language (`display_name`).
DEFAULT_TITLE = N_("A class")
ANONYMOUS = N_("anonymous")


def display_name(text: str) -> str:
    """A class title or student name as shown: the stored defaults in the reader's language."""
    return _(text) if text in (DEFAULT_TITLE, ANONYMOUS) else text


@dataclass
class ClassRoom:
    code: str
    title: str
    teacher: str  # the teacher's owner key (never shown)
    setup: dict[str, str]  # link parameters of the class's setup
    created: float
    runs: list[dict[str, str]] = field(default_factory=list)  # {"run": id, "student": name}


class ClassBook:
    """All classes of one server, in `root/classes.json`."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.path = Path(root) / "classes.json"
        self._lock = threading.Lock()

    def _read(self) -> dict[str, ClassRoom]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {code: ClassRoom(**room) for code, room in raw.items()}

    def _write(self, rooms: dict[str, ClassRoom]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp-{os.getpid()}-{threading.get_ident()}")
        tmp.write_text(json.dumps({c: asdict(r) for c, r in rooms.items()}), encoding="utf-8")
        os.replace(tmp, self.path)

    def create(self, teacher: str, title: str, setup: dict[str, str]) -> str:
        title = title.strip()[:80] or DEFAULT_TITLE
        with self._lock:
            rooms = self._read()
            code = "".join(secrets.choice(CODE_ALPHABET) for _unused in range(CODE_LENGTH))
            while code in rooms:
                code = "".join(secrets.choice(CODE_ALPHABET) for _unused in range(CODE_LENGTH))
            rooms[code] = ClassRoom(code, title, teacher, dict(setup), time.time())
            self._write(rooms)
        return code

    def get(self, code: str) -> ClassRoom | None:
        return self._read().get(code.strip().upper())

    def of_teacher(self, teacher: str) -> list[ClassRoom]:
        rooms = [r for r in self._read().values() if r.teacher == teacher]
        return sorted(rooms, key=lambda r: r.created, reverse=True)

    def join(self, code: str, run_id: str, student: str) -> None:
        """List `run_id` under the class with the student's chosen name (ValueError: no class)."""
        name = " ".join(student.split())[:MAX_NAME] or ANONYMOUS
        with self._lock:
            rooms = self._read()
            room = rooms.get(code)
            if room is None:
                raise ValueError(_("there is no class {code}").format(code=repr(code)))
            if len(room.runs) >= MAX_RUNS_PER_CLASS:
                raise ValueError(_("this class has all the runs it can list"))
            room.runs.append({"run": run_id, "student": name})
            self._write(rooms)
