"""Backprop Lab: the entry script is only a router plus the frame every page shares.

Run it with `streamlit run app.py`.
"""

from __future__ import annotations

import streamlit as st

from core.i18n import _
from pages.ui import i18n, presentation, state

i18n.enter()  # first: the language of everything below, the browser tab's title included
st.set_page_config(page_title=_("Backprop Lab"), page_icon=":material/science:", layout="wide")

registry = state.registry()
owner = state.owner()

page = st.navigation(
    [
        st.Page("pages/home.py", title=_("Home"), icon=":material/home:", default=True),
        st.Page("pages/lessons.py", title=_("Lessons"), icon=":material/menu_book:"),
        st.Page("pages/playground.py", title=_("Playground"), icon=":material/tune:"),
        st.Page("pages/runs.py", title=_("Runs"), icon=":material/table_chart:"),
        st.Page("pages/try_model.py", title=_("Try a model"), icon=":material/model_training:"),
        st.Page("pages/sweeps.py", title=_("Sweeps"), icon=":material/grid_on:"),
        st.Page("pages/teacher.py", title=_("Teacher"), icon=":material/school:"),
        st.Page("pages/backprop_lab.py", title=_("Backprop lab"), icon=":material/account_tree:"),
        st.Page("pages/optimizer_lab.py", title=_("Optimizer lab"), icon=":material/moving:"),
        st.Page("pages/loss_lab.py", title=_("Loss explorer"), icon=":material/functions:"),
    ]
)
state.enter_frame()
with st.sidebar:
    state.remember_owner()
    i18n.picker()
    presentation.toggle()
    active = len(registry.active(owner))
    st.caption(
        _(
            ":material/directions_run: **{active}** of your runs active "
            "(up to {limit} train at once, more wait in a queue). "
            "Runs keep training when you switch pages or reload; this browser finds them again."
        ).format(active=active, limit=registry.max_concurrent)
    )
if registry.store.write_error:
    st.error(
        _(
            "**The server cannot save runs right now** (its disk may be full). Training goes on, "
            "but results may not be kept; tell whoever runs this server."
        )
    )
page.run()
