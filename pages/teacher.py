"""Teacher: make a class from the Playground's setup, share its link, watch the leaderboard."""

from __future__ import annotations

import streamlit as st

from pages.ui import state
from pages.ui.classroom import book, class_link, create_class, leaderboard
from pages.ui.dashboard.live import describe

state.require_frame("pages/teacher.py")
owner = state.owner()

st.title(":material/school: Teacher")
st.markdown(
    "Make a **class** from the Playground's current setup "
    f"({describe(state.playground_config())}). Students who open its link get that setup; the "
    "runs they start appear below as a live leaderboard. You see their results; only each "
    "student can steer their own runs."
)
left, right = st.columns([3, 1], vertical_alignment="bottom")
left.text_input("Class name", key="teacher.title", placeholder="e.g. Monday, learning rates")
right.button(
    "Create a class",
    on_click=create_class,
    type="primary",
    icon=":material/add:",
    key="teacher.create",
)

rooms = book().of_teacher(owner)
if not rooms:
    st.info("No class yet: set up the Playground for the lesson, then **Create a class**.")
    st.stop()

codes = [r.code for r in rooms]
if st.session_state.get("teacher.selected") not in codes:
    st.session_state["teacher.selected"] = codes[0]
code = st.selectbox(
    "Class", codes, key="teacher.selected", format_func=lambda c: f"{c} · {book().get(c).title}"
)
room = book().get(code)
if room is None:
    st.warning("This class could not be read; create it again.")
    st.stop()
st.markdown("**Class link** (students open it; it holds no key to your runs):")
st.code(class_link(room), language=None)
st.caption(f"Or tell them the code **{room.code}**: Playground address + `?class={room.code}`.")


@st.fragment(run_every=2.0)
def live_board() -> None:
    state.owner()  # the teacher is here: their own runs are not abandoned
    board = leaderboard(book().get(code) or room)
    st.subheader(f"Leaderboard · {len(board)} run(s)")
    if board.empty:
        st.caption("No runs yet. They appear here as students start them.")
        return
    st.dataframe(
        board,
        hide_index=True,
        key="teacher.board",
        column_config={
            "best val": st.column_config.NumberColumn("best val", format="%.4g"),
            "started": st.column_config.DatetimeColumn("started", format="HH:mm:ss"),
        },
    )


live_board()
