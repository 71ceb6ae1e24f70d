"""Lessons: the shipped files parse, their translations match, checks measure runs, progress is kept."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from core import i18n
from core.config import RunConfig
from core.events import EpochEnd
from core.lesson_progress import LessonProgress
from core.lessons import (
    Condition,
    RunCell,
    lesson_file,
    lesson_slugs,
    load_lesson,
    parse_lesson,
)
from core.run_state import RunView

TOPICS = (
    "learning-rate",
    "backprop",
    "loss",
    "vanishing",
    "overfit",
    "cnn",
    "adam",
    "lstm",
    "attention",
    "fine",
)


@pytest.fixture
def chinese():
    previous = i18n.set_language_source(lambda: "zh")
    yield
    i18n.set_language_source(previous)


def test_at_least_ten_lessons_cover_the_syllabus() -> None:
    slugs = lesson_slugs()
    assert len(slugs) >= 10
    for topic in TOPICS:
        assert any(topic in s for s in slugs), f"no lesson on {topic}"


@pytest.mark.parametrize("slug", lesson_slugs())
def test_each_lesson_parses_with_cells_and_a_check(slug: str) -> None:
    lesson = load_lesson(slug)
    assert lesson.title and lesson.question and lesson.look_at and lesson.conditions
    assert lesson.runs, "a lesson trains something"
    for cell in lesson.runs.values():
        assert isinstance(cell.config(lambda name: "x"), RunConfig)
        for needed in cell.needs():
            assert needed in lesson.runs, f"{cell.name} starts from an unknown cell {needed}"


@pytest.mark.parametrize("slug", lesson_slugs())
def test_the_chinese_lesson_has_the_same_cells_and_check(slug: str, chinese) -> None:
    path = lesson_file(slug)
    zh = path.with_name(f"{path.stem}.zh.md")
    assert zh.is_file(), f"{zh.name} is missing"
    english = parse_lesson(slug, path.read_text(encoding="utf-8"))
    chinese_lesson = load_lesson(slug)
    assert chinese_lesson.title != english.title
    assert chinese_lesson.runs == english.runs
    assert chinese_lesson.conditions == english.conditions


def _view(**changes) -> RunView:
    epoch = EpochEnd(
        epoch=2,
        step=30,
        train_loss=0.2,
        train_metric=0.99,
        val_loss=0.3,
        val_metric=0.9,
        metric_name="accuracy",
        lr=0.1,
        samples_per_s=1.0,
        elapsed_s=1.0,
    )
    base = RunView(run_id="r", owner="o", status="completed", config=RunConfig(), created=0.0)
    return dataclasses.replace(base, **{"epochs": (epoch,) * 3, **changes})


def test_conditions_measure_the_run_and_compare() -> None:
    view = _view()
    assert Condition.parse("val_accuracy >= 0.9").holds(view)
    assert not Condition.parse("val_accuracy > 0.9").holds(view)
    assert Condition.parse("epochs <= 3").holds(view)
    assert Condition.parse("accuracy_gap <= 0.1").measure(view) == pytest.approx(0.09)
    assert Condition.parse("diverged == 0").holds(view)
    assert Condition.parse("diverged == 1").holds(dataclasses.replace(view, status="diverged"))
    assert Condition.parse("data.n_samples >= 100").holds(view)
    assert not Condition.parse("val_accuracy >= 0.5").holds(_view(epochs=()))  # nothing measured


@pytest.mark.parametrize(
    "text", ["val_accuracy >> 1", "accuracy >= 1", "data.name >= 1", "eval(1) > 0", "x"]
)
def test_a_bad_check_is_refused_with_the_allowed_metrics(text: str) -> None:
    with pytest.raises(ValueError, match="metric"):
        Condition.parse(text)


def test_a_lesson_file_with_mistakes_is_explained() -> None:
    good = "---\ntitle: T\nsummary: S\nquestion: Q\nlook_at: L\ncheck: epochs >= 1\n---\n"
    assert parse_lesson("x", good + "text").cells == ("text",)
    with pytest.raises(ValueError, match="front matter"):
        parse_lesson("x", "no header")
    with pytest.raises(ValueError, match="missing question"):
        parse_lesson("x", good.replace("question: Q\n", ""))
    with pytest.raises(ValueError, match="optim.lr"):
        parse_lesson("x", good + "```run a\noptim.lr=banana\n```\n")
    with pytest.raises(ValueError, match="share a name"):
        parse_lesson("x", good + "```run a\n```\n```run a\n```\n")
    with pytest.raises(ValueError, match="show="):
        parse_lesson("x", good + "```run a\nshow=everything\n```\n")


def test_a_cell_starting_from_another_needs_its_run() -> None:
    cell = RunCell("tune", {"data.name": "digits", "finetune.init_from": "cell:pretrain"})
    assert cell.needs() == ["pretrain"]
    with pytest.raises(LookupError):
        cell.config(lambda name: None)
    assert cell.config(lambda name: "abc123").finetune.init_from == "run:abc123"


def test_progress_is_kept_per_browser(tmp_path: Path) -> None:
    book = LessonProgress(tmp_path)
    book.add_run("browser-one-key", "learning-rate", "find-it", "run1")
    book.add_run("browser-one-key", "learning-rate", "find-it", "run2")
    book.mark_passed("browser-one-key", "learning-rate")
    book.save_answer("browser-one-key", "learning-rate", "about 1")
    again = LessonProgress(tmp_path).read("browser-one-key")["learning-rate"]
    assert again.runs == {"find-it": ["run1", "run2"]} and again.passed
    assert again.answer == "about 1"
    assert LessonProgress(tmp_path).read("browser-two-key") == {}
    with pytest.raises(ValueError):
        book.add_run("../../etc", "x", "y", "z")  # an owner key never names a file
