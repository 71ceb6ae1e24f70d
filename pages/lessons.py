"""Lessons: guided notebooks where the learner reads, trains inline and passes a check."""

from __future__ import annotations

import re

import streamlit as st

from core.i18n import _
from core.lesson_progress import LessonRecord
from core.lessons import RunCell, lesson_slugs, load_lesson
from pages.ui import lessons, state
from pages.ui.prose import pseudo_marked

state.require_frame("pages/lessons.py")

slug = st.query_params.get(lessons.LESSON, "")
done = lessons.records()
slugs = lesson_slugs()


def _open(target: str | None) -> None:
    if target:
        st.query_params[lessons.LESSON] = target
    elif lessons.LESSON in st.query_params:
        del st.query_params[lessons.LESSON]


if slug not in slugs:
    st.title(_(":material/menu_book: Lessons"))
    st.markdown(
        _(
            "Each lesson reads like a notebook: a short explanation, setups you train right "
            "there, a question to answer by experimenting and a check the app evaluates on your "
            "runs. Your progress is kept in this browser."
        )
    )
    if slug:
        shown = re.sub(r"[^a-z0-9-]", "", slug.lower())[:60]  # a link's text, never Markdown
        st.warning(_("There is no lesson called “{slug}”.").format(slug=shown))
    passed = sum(done.get(s, LessonRecord()).passed for s in slugs)
    st.progress(
        passed / len(slugs),
        text=_("{n} of {total} lessons passed").format(n=passed, total=len(slugs)),
    )
    for number, name in enumerate(slugs, start=1):
        lesson = load_lesson(name)
        with st.container(border=True):
            left, right = st.columns([5, 1], vertical_alignment="center")
            mark = (
                ":green[:material/check_circle:]" if done.get(name, LessonRecord()).passed else ""
            )
            left.markdown(f"**{number} · {pseudo_marked(lesson.title)}** {mark}")
            left.caption(pseudo_marked(lesson.summary))
            right.button(
                _("Open"),
                key=f"lessons.open.{name}",
                on_click=_open,
                args=(name,),
                icon=":material/arrow_forward:",
                width="stretch",
            )
    st.stop()

lesson = load_lesson(slug)
record = done.get(slug, LessonRecord())
number = slugs.index(slug) + 1
st.button(
    _("All lessons"), key="lessons.back", on_click=_open, args=(None,), icon=":material/arrow_back:"
)
st.title(f"{number} · {pseudo_marked(lesson.title)}")
st.info(
    _("**Question:** {question}\n\n**Look at:** {look_at}").format(
        question=pseudo_marked(lesson.question), look_at=pseudo_marked(lesson.look_at)
    ),
    icon=":material/help:",
)
cell_number = 0
for cell in lesson.cells:
    if isinstance(cell, RunCell):
        cell_number += 1
        lessons.run_cell(lesson, cell, cell_number, record)
    else:
        st.markdown(pseudo_marked(cell))

lessons.check_panel(lesson, record)
answer = st.text_area(
    _("Your answer to the question (kept in this browser)"),
    value=record.answer,
    key=f"lessons.{slug}.answer",
)
if answer != record.answer:
    lessons.progress().save_answer(state.owner(), slug, answer)
if number < len(slugs):
    st.button(
        _("Next lesson"),
        key="lessons.next",
        on_click=_open,
        args=(slugs[number],),
        icon=":material/arrow_forward:",
    )
