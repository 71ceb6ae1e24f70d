"""Backprop Lab: the entry script is only a router plus the frame every page shares.

    streamlit run app.py
"""

from __future__ import annotations

import streamlit as st

from pages.ui import state

st.set_page_config(page_title="Backprop Lab", page_icon="🧪", layout="wide")

registry = state.registry()
owner = state.owner()

page = st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("pages/playground.py", title="Playground", icon="🎛️"),
        st.Page("pages/runs.py", title="Runs", icon="📋"),
    ]
)
page.run()

with st.sidebar:
    st.divider()
    active = registry.active(owner)
    st.caption(
        f"{len(active)} of your runs active · "
        f"at most {registry.max_concurrent} train at once, the rest wait in a queue"
    )
    st.caption(
        "Your runs keep training when you switch pages or reload. Bookmark this address "
        f"to come back to them (session `{owner[:6]}…`)."
    )
