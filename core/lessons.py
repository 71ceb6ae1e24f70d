"""Guided lessons: Markdown notebooks in assets/lessons with live cells and a check on the run.

A lesson file reads top to bottom like a notebook. Its front matter holds the title, the question
to answer by experimenting, what to look at, and the check; the body is prose with `run` blocks,
each a setup (config keys as in a share link, one per line) that the page trains inline:

    ---
    title: The learning rate
    summary: Too low crawls, too high explodes.
    question: Which learning rate reaches 90% validation accuracy within 10 epochs?
    look_at: the loss curve's first 100 steps.
    check: val_accuracy >= 0.9
    check: epochs <= 10
    ---
    Prose...

    ```run too-low
    data.name=moons
    optim.lr=0.0001
    vary=optim.lr
    ```

`vary` names the fields the lesson lets the learner change inline; `hide` the Playground controls
a "change it in the Playground" link hides. A value `cell:<name>` in `finetune.init_from` means
"the learner's latest finished run of that cell". The check holds when every condition holds for
one run started from the lesson. Translations (`<slug>.zh.md`) carry the same run blocks and checks.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.config import RunConfig
from core.i18n import ASSETS, N_, _, join_cjk_lines, localized_path
from core.run_state import RunView
from core.urlstate import config_from_query

LESSONS_DIR = ASSETS / "lessons"
TEXT_KEYS = ("title", "summary", "question", "look_at")
_BLOCK = re.compile(r"^```run[ \t]+([a-z0-9-]+)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_CONDITION = re.compile(r"^\s*([a-z_][a-z_.0-9]*)\s*(>=|<=|==|>|<)\s*(-?[0-9.]+(?:e-?[0-9]+)?)\s*$")
CELL_REF = "cell:"
CONFIG_PREFIXES = ("data.", "model.", "optim.", "train.")
VIEWS = ("loss", "epochs", "gradients", "predictions")  # what a cell can draw under its Start
OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": lambda a, b: math.isclose(a, b),
}


def _last_epoch(view: RunView, attr: str, metric: str | None = None) -> float | None:
    if not view.epochs or (metric and view.epochs[-1].metric_name != metric):
        return None
    value = getattr(view.epochs[-1], attr)
    return value if math.isfinite(value) else None


def _best_accuracy(view: RunView) -> float | None:
    if not view.epochs or view.epochs[-1].metric_name != "accuracy":
        return None
    return view.best_val_metric()


def _gap(view: RunView) -> float | None:
    train, val = _last_epoch(view, "train_metric", "accuracy"), _last_epoch(view, "val_metric")
    return None if train is None or val is None else train - val


# What a check can measure on a run, with the words a learner reads for it.
METRICS: dict[str, tuple[str, Callable[[RunView], float | None]]] = {
    "val_accuracy": (N_("validation accuracy"), lambda v: _last_epoch(v, "val_metric", "accuracy")),
    "best_val_accuracy": (N_("best validation accuracy"), _best_accuracy),
    "train_accuracy": (
        N_("training accuracy"),
        lambda v: _last_epoch(v, "train_metric", "accuracy"),
    ),
    "val_loss": (N_("validation loss"), lambda v: _last_epoch(v, "val_loss")),
    "train_loss": (N_("training loss"), lambda v: _last_epoch(v, "train_loss")),
    "accuracy_gap": (N_("training minus validation accuracy"), _gap),
    "parameters": (
        N_("parameters"),
        lambda v: float(v.plan.model.total_params) if v.plan is not None else None,
    ),
    "epochs": (N_("epochs trained"), lambda v: float(len(v.epochs)) if v.epochs else None),
    "diverged": (N_("diverged (1 = yes)"), lambda v: 1.0 if v.status == "diverged" else 0.0),
    "finetuned": (
        N_("started from a trained run (1 = yes)"),
        lambda v: 1.0 if v.config.finetune.init_from else 0.0,
    ),
}


def _config_number(view: RunView, path: str) -> float | None:
    """A numeric config field by its dotted path (`data.seq_len`), None if it is not a number."""
    value: object = view.config
    for part in path.split("."):
        value = getattr(value, part, None)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _known_metric(name: str) -> bool:
    return name in METRICS or (
        name.startswith(CONFIG_PREFIXES) and _config_number(_PROBE, name) is not None
    )


_PROBE = RunView(run_id="", owner="", status="", config=RunConfig(), created=0.0)


@dataclass(frozen=True)
class Condition:
    """One part of a lesson's check: `metric op value`, e.g. val_accuracy >= 0.95."""

    metric: str
    op: str
    value: float

    @classmethod
    def parse(cls, text: str) -> Condition:
        match = _CONDITION.match(text)
        if not match or not _known_metric(match.group(1)):
            raise ValueError(
                f"bad check {text!r}: write `<metric> <op> <number>` with a metric of "
                f"{', '.join(METRICS)} or a numeric setting such as data.seq_len"
            )
        return cls(match.group(1), match.group(2), float(match.group(3)))

    def measure(self, view: RunView) -> float | None:
        if self.metric in METRICS:
            return METRICS[self.metric][1](view)
        return _config_number(view, self.metric)

    def holds(self, view: RunView) -> bool:
        measured = self.measure(view)
        return measured is not None and OPS[self.op](measured, self.value)

    def describe(self) -> str:
        """The condition in the reader's language, e.g. "validation accuracy ≥ 0.95"."""
        sign = {">=": "≥", "<=": "≤", "==": "="}.get(self.op, self.op)
        name = _(METRICS[self.metric][0]) if self.metric in METRICS else f"`{self.metric}`"
        return f"{name} {sign} {self.value:g}"


@dataclass(frozen=True)
class RunCell:
    """A live cell: a setup the page trains inline, and the fields the learner may change."""

    name: str
    query: dict[str, str]
    vary: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    show: tuple[str, ...] = ("loss",)

    def config(self, resolve: Callable[[str], str | None] | None = None) -> RunConfig:
        """The cell's `RunConfig`; `resolve(cell)` gives the run id a `cell:<name>` stands for."""
        query = dict(self.query)
        for key, value in self.query.items():
            if value.startswith(CELL_REF):
                run_id = resolve(value[len(CELL_REF) :]) if resolve else None
                if run_id is None:
                    raise LookupError(value[len(CELL_REF) :])
                query[key] = f"run:{run_id}"
        cfg, problems = config_from_query(query)
        if problems:
            raise ValueError(f"cell {self.name!r}: " + "; ".join(problems))
        return cfg

    def needs(self) -> list[str]:
        """The cells whose runs this one starts from."""
        return [v[len(CELL_REF) :] for v in self.query.values() if v.startswith(CELL_REF)]


@dataclass(frozen=True)
class Lesson:
    """One lesson: its texts, its check and its cells (Markdown strings and `RunCell`s in order)."""

    slug: str
    title: str
    summary: str
    question: str
    look_at: str
    conditions: tuple[Condition, ...]
    cells: tuple[str | RunCell, ...] = field(default=())

    @property
    def runs(self) -> dict[str, RunCell]:
        return {c.name: c for c in self.cells if isinstance(c, RunCell)}

    def passed_by(self, view: RunView) -> bool:
        return all(c.holds(view) for c in self.conditions)


def parse_lesson(slug: str, text: str) -> Lesson:
    """A lesson from its Markdown text; ValueError naming what is wrong."""
    if not text.startswith("---\n"):
        raise ValueError(f"lesson {slug}: no front matter (a --- block) at the top")
    head, _sep, body = text[4:].partition("\n---\n")
    meta: dict[str, str] = {}
    conditions = []
    for line in head.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"lesson {slug}: front matter line without a colon: {line!r}")
        key, value = key.strip(), value.strip()
        if key == "check":
            conditions.append(Condition.parse(value))
        elif key in TEXT_KEYS:
            meta[key] = value
        else:
            raise ValueError(f"lesson {slug}: unknown front matter key {key!r}")
    missing = [k for k in TEXT_KEYS if not meta.get(k)]
    if missing or not conditions:
        raise ValueError(f"lesson {slug}: missing {', '.join(missing) or 'check'}")
    return Lesson(slug, conditions=tuple(conditions), cells=_cells(slug, body), **meta)


def _cells(slug: str, body: str) -> tuple[str | RunCell, ...]:
    cells: list[str | RunCell] = []
    position = 0
    for match in _BLOCK.finditer(body):
        prose = body[position : match.start()].strip()
        if prose:
            cells.append(prose)
        cells.append(_run_cell(slug, match.group(1), match.group(2)))
        position = match.end()
    if body[position:].strip():
        cells.append(body[position:].strip())
    names = [c.name for c in cells if isinstance(c, RunCell)]
    if len(set(names)) != len(names):
        raise ValueError(f"lesson {slug}: two run cells share a name")
    return tuple(cells)


def _run_cell(slug: str, name: str, text: str) -> RunCell:
    query: dict[str, str] = {}
    extras: dict[str, tuple[str, ...]] = {"vary": (), "hide": (), "show": ("loss",)}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"lesson {slug}, cell {name}: expected key=value, got {line!r}")
        key, value = key.strip(), value.strip()
        if key in extras:
            extras[key] = tuple(v.strip() for v in value.split(",") if v.strip())
        else:
            query[key] = value
    unknown = set(extras["show"]) - set(VIEWS)
    if unknown:
        raise ValueError(f"lesson {slug}, cell {name}: show= takes {', '.join(VIEWS)}")
    cell = RunCell(name, query, extras["vary"], extras["hide"], extras["show"])
    cell.config(lambda _cell: "check")  # a bad setup fails when the lesson is read, not later
    return cell


def lesson_slugs() -> list[str]:
    """Every lesson, in course order (the files are named `NN-slug.md`)."""
    return [
        p.stem.split("-", 1)[1]
        for p in sorted(LESSONS_DIR.glob("[0-9][0-9]-*.md"))
        if p.suffixes == [".md"]
    ]


def lesson_file(slug: str) -> Path:
    """The English file of lesson `slug`; KeyError if there is none."""
    for path in LESSONS_DIR.glob(f"[0-9][0-9]-{slug}.md"):
        return path
    raise KeyError(slug)


def load_lesson(slug: str) -> Lesson:
    """Lesson `slug` in the reader's language (English where it has no translation)."""
    path = localized_path(lesson_file(slug))
    return _parsed(str(path), path.stat().st_mtime)


_cache: dict[tuple[str, float], Lesson] = {}


def _parsed(path: str, mtime: float) -> Lesson:
    key = (path, mtime)
    if key not in _cache:
        slug = Path(path).name.split(".")[0].split("-", 1)[1]
        _cache[key] = parse_lesson(slug, join_cjk_lines(Path(path).read_text(encoding="utf-8")))
    return _cache[key]
