"""Presentation mode, for a teacher's projector: larger text and charts, the setup form hidden.

One toggle in the sidebar (or `present=1` in the address). Charts are scaled where they are drawn
(`pages.ui.dashboard.charting.chart`), text by one style rule on the page.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from core.i18n import _

KEY = "presentation.on"
QUERY = "present"
FONT_SCALE = 1.4
HEIGHT_SCALE = 1.3
CSS = """
<style>
  .stMainBlockContainer { font-size: 1.35rem; }
  .stMainBlockContainer h1 { font-size: 3.2rem; }
  .stMainBlockContainer [data-testid="stMetricValue"] { font-size: 3rem; }
  .stMainBlockContainer [data-testid="stMarkdownContainer"] p { font-size: 1.35rem; }
</style>
"""


def enabled() -> bool:
    if KEY not in st.session_state:  # first run of this session: the address decides
        st.session_state[KEY] = st.query_params.get(QUERY, "") not in ("", "0", "false")
    return bool(st.session_state[KEY])


def _follow_toggle() -> None:
    if st.session_state[KEY]:
        st.query_params[QUERY] = "1"
    elif QUERY in st.query_params:
        del st.query_params[QUERY]


def toggle() -> None:
    """The sidebar switch; on: the page's text grows (charts grow where they are drawn)."""
    enabled()
    st.toggle(
        _("Presentation mode"),
        key=KEY,
        on_change=_follow_toggle,
        help=_("For a projector: larger text and charts, the Playground's setup form hidden."),
    )
    if st.session_state[KEY]:
        st.html(CSS)


def scale(fig: go.Figure) -> go.Figure:
    """`fig` with larger fonts and height when presenting (unchanged otherwise)."""
    if not enabled():
        return fig
    size = fig.layout.font.size or 14
    height = fig.layout.height
    fig.update_layout(font_size=round(size * FONT_SCALE))
    if height:
        fig.update_layout(height=round(height * HEIGHT_SCALE))
    return fig
