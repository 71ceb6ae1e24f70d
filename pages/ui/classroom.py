"""A class on the app: the teacher's page (create a class, its live leaderboard) and the student's
side (a class link puts the class's setup in the form; their runs are listed under the class)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.classes import ClassBook, ClassRoom, display_name
from core.i18n import _
from core.urlstate import config_to_query
from pages.ui import state
from pages.ui.dashboard.runs_table import run_numbers, status_label
from pages.ui.share import link

CLASS = "class"  # the query key of a class link
JOINED = "classroom.code"
NAME = "classroom.name"


@st.cache_resource(show_spinner=False)
def _book(root: str) -> ClassBook:
    return ClassBook(root)


def book() -> ClassBook:
    return _book(str(state.registry().store.root))


# -- students ----------------------------------------------------------------------------------
def joined() -> ClassRoom | None:
    """The class this session is in: a `class=` link joins it."""
    code = st.query_params.get(CLASS, "") or st.session_state.get(JOINED, "")
    room = book().get(code) if code else None
    if room is not None:
        st.session_state[JOINED] = room.code
    return room


def student_banner(room: ClassRoom) -> None:
    """Who is in which class, and the name the teacher's leaderboard shows."""
    st.info(
        _(
            ":material/school: **Class “{title}”** (code `{code}`): the runs you start appear on "
            "your teacher's leaderboard under the name below. Nobody else can steer them."
        ).format(title=display_name(room.title), code=room.code)
    )
    st.text_input(
        _("Your name on the leaderboard"), key=NAME, max_chars=40, placeholder=_("e.g. Ada")
    )


def started(run_id: str) -> None:
    """After Start: list the run under the class this session is in."""
    code = st.session_state.get(JOINED)
    if code:
        try:
            book().join(code, run_id, st.session_state.get(NAME, ""))
        except ValueError as err:
            st.session_state[state.START_ERROR] = _(
                "The run started but is not in the class: {error}"
            ).format(error=err)


# -- teachers ----------------------------------------------------------------------------------
def class_link(room: ClassRoom) -> str:
    """The link students open: the class's setup and its code (no owner key in it)."""
    return link({**room.setup, CLASS: room.code})


def create_class() -> None:
    """on_click: a class with the Playground's current setup."""
    setup = config_to_query(state.playground_config())
    title = st.session_state.get("teacher.title", "")
    st.session_state["teacher.selected"] = book().create(state.owner(), title, setup)


def leaderboard(room: ClassRoom) -> pd.DataFrame:
    """The class's runs, best validation metric first: name, status, metric, parameters, time.
    Columns are named in English (the page names them for the visitor); cells read as shown.

    Redrawn every few seconds: finished runs' numbers come from the Runs table's cache, so only
    the runs still training are read again."""
    reg = state.registry()
    records = {r.run_id: r for r in reg.list()}
    active = set(reg.active())
    rows, metric_keys = [], []
    for entry in room.runs:
        record = records.get(entry["run"])
        if record is None:  # deleted by its owner
            continue
        numbers = run_numbers(reg, record, active)
        metric_keys.append(numbers["metric key"])
        rows.append(
            {
                "student": display_name(entry["student"]),
                "status": status_label(record.status),
                "best val": numbers["best val"],
                "metric": numbers["metric"],
                "parameters": numbers["parameters"],
                "time (s)": round(numbers["duration"]) if numbers["duration"] else None,
                "started": dt.datetime.fromtimestamp(record.created),
                "run": record.run_id,
            }
        )
    frame = pd.DataFrame(rows, columns=["student", "status", "best val", "metric", "parameters",
                                        "time (s)", "started", "run"])  # fmt: skip
    lower_better = bool(metric_keys) and metric_keys[0] == "mae"  # an error ranks lowest first
    return frame.sort_values(
        "best val", ascending=lower_better, na_position="last", ignore_index=True
    )
