"""Teacher: make a class from the Playground's setup, share its link, watch the leaderboard."""

from __future__ import annotations

import streamlit as st

from core.classes import display_name
from core.i18n import N_, _, ngettext
from pages.ui import state
from pages.ui.classroom import book, class_link, create_class, leaderboard
from pages.ui.dashboard.live import describe

# The leaderboard's columns (English in the frame, named in the visitor's language on the page).
COLUMNS = {
    "student": N_("student"),
    "status": N_("status"),
    "best val": N_("best val"),
    "metric": N_("metric"),
    "parameters": N_("parameters"),
    "time (s)": N_("time (s)"),
    "started": N_("started"),
    "run": N_("run"),
}

state.require_frame("pages/teacher.py")
owner = state.owner()

st.title(":material/school: " + _("Teacher"))
st.markdown(
    _(
        "Make a **class** from the Playground's current setup ({setup}). Students who open its "
        "link get that setup; the runs they start appear below as a live leaderboard. You see "
        "their results; only each student can steer their own runs."
    ).format(setup=describe(state.playground_config()))
)
left, right = st.columns([3, 1], vertical_alignment="bottom")
left.text_input(_("Class name"), key="teacher.title", placeholder=_("e.g. Monday, learning rates"))
right.button(
    _("Create a class"),
    on_click=create_class,
    type="primary",
    icon=":material/add:",
    key="teacher.create",
)

rooms = book().of_teacher(owner)
if not rooms:
    st.info(_("No class yet: set up the Playground for the lesson, then **Create a class**."))
    st.stop()

codes = [r.code for r in rooms]
if st.session_state.get("teacher.selected") not in codes:
    st.session_state["teacher.selected"] = codes[0]
code = st.selectbox(
    _("Class"),
    codes,
    key="teacher.selected",
    format_func=lambda c: f"{c} · {display_name(book().get(c).title)}",
)
room = book().get(code)
if room is None:
    st.warning(_("This class could not be read; create it again."))
    st.stop()
st.markdown(_("**Class link** (students open it; it holds no key to your runs):"))
st.code(class_link(room), language=None)
st.caption(
    _("Or tell them the code **{code}**: Playground address + `?class={code}`.").format(
        code=room.code
    )
)


@st.fragment(run_every=2.0)
def live_board() -> None:
    state.owner()  # the teacher is here: their own runs are not abandoned
    board = leaderboard(book().get(code) or room)
    st.subheader(
        ngettext("Leaderboard · {n} run", "Leaderboard · {n} runs", len(board)).format(n=len(board))
    )
    if board.empty:
        st.caption(_("No runs yet. They appear here as students start them."))
        return
    shown = {name: _(title) for name, title in COLUMNS.items()}
    st.dataframe(
        board.rename(columns=shown),
        hide_index=True,
        key="teacher.board",
        column_config={
            shown["best val"]: st.column_config.NumberColumn(shown["best val"], format="%.4g"),
            shown["started"]: st.column_config.DatetimeColumn(shown["started"], format="HH:mm:ss"),
        },
    )


live_board()
