"""A teacher's class: students join by link, their runs make a live leaderboard, and nobody gets
control of anybody else's runs."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.classes import CODE_ALPHABET, ClassBook
from core.config import RunConfig
from core.data.base import DataConfig
from core.trainer import TrainConfig
from core.urlstate import config_to_query
from pages.ui import state
from tests.pages.conftest import APP, open_page, run, run_until, with_draft

TINY = RunConfig(data=DataConfig(name="spiral", n_samples=200), train=TrainConfig(epochs=2))


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def test_the_class_book_keeps_classes_and_their_runs(tmp_path) -> None:
    book = ClassBook(tmp_path)
    code = book.create("teacher-key", "  Monday  ", {"optim.lr": "0.01"})
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    book.join(code, "run-1", "  Ada   Lovelace ")
    room = ClassBook(tmp_path).get(code.lower())  # a fresh reader, a code typed in lower case
    assert room.title == "Monday" and room.setup == {"optim.lr": "0.01"}
    assert room.runs == [{"run": "run-1", "student": "Ada Lovelace"}]
    assert [r.code for r in book.of_teacher("teacher-key")] == [code]
    assert book.of_teacher("someone-else") == []
    with pytest.raises(ValueError, match="no class"):
        book.join("NOPE42", "run-2", "x")
    (tmp_path / "classes.json").write_text("{damaged")
    assert book.get(code) is None  # a damaged file reads as no classes, never a crash


def test_students_join_by_link_and_appear_on_the_teachers_leaderboard(app: AppTest) -> None:
    teacher = open_page(with_draft(app, TINY), "pages/teacher.py")
    assert "No class yet" in texts(teacher.info)
    teacher.text_input(key="teacher.title").set_value("Learning rates")
    teacher.button(key="teacher.create").click()
    run(teacher)
    code = teacher.session_state["teacher.selected"]
    link = texts(teacher.code)
    assert f"class={code}" in link and "data.n_samples=200" in link
    assert teacher.session_state[state.OWNER] not in link

    student = AppTest.from_file(str(APP), default_timeout=30)
    for key, value in {**config_to_query(TINY), "class": code}.items():
        student.query_params[key] = value
    student = open_page(student, "pages/playground.py")
    assert "Learning rates" in texts(student.info)
    student.text_input(key="classroom.name").set_value("Ada")
    student.button(key="playground.start").click()
    run_until(student, lambda a: "— completed" in texts(a.markdown))
    run_id = student.session_state[state.RUN_ID]
    assert student.session_state[state.CONFIG] == TINY

    board = run(teacher).dataframe[0].value
    assert list(board["student"]) == ["Ada"] and list(board["run"]) == [run_id]
    assert board["best val"].iloc[0] > 0 and board["parameters"].iloc[0] > 0
    with pytest.raises(PermissionError):  # seeing a run is not steering it
        state.registry().delete(run_id, owner=teacher.session_state[state.OWNER])


def test_an_error_metric_ranks_the_lowest_first_in_any_language(app: AppTest) -> None:
    """A regression class (mean absolute error) puts the smallest error on top, in Chinese too:
    the ranking reads the metric's key, not its translated title."""
    from core.i18n import set_language_source
    from core.models import MLPConfig
    from core.optim import OptimConfig
    from pages.ui import classroom

    run(app)
    reg = state.registry()
    good, poor = (
        reg.start(
            RunConfig(
                data=DataConfig(name="sine", n_samples=200),
                model=MLPConfig(hidden=(16,)),
                optim=OptimConfig(name="adam", lr=lr),
                train=TrainConfig(epochs=2),
            ),
            owner="student-one-key",
        )
        for lr in (1e-2, 1e-6)
    )
    for run_id in (good, poor):
        assert reg.wait(run_id, timeout=120).status == "completed"
    book = classroom.book()
    code = book.create("teacher-key-123", "Errors", {})
    book.join(code, poor, "Bo")
    book.join(code, good, "Ada")
    previous = set_language_source(lambda: "zh")
    try:
        board = classroom.leaderboard(book.get(code))
    finally:
        set_language_source(previous)
    assert list(board["student"]) == ["Ada", "Bo"]
    assert board["best val"].iloc[0] < board["best val"].iloc[1]
