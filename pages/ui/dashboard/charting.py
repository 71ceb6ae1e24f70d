"""Drawing a dashboard chart: the figure cache that rebuilds a chart only when its data moved.

Figures are cached in session state (current run only); per-epoch and sampled charts are
redrawn at most every few seconds while training (see LOSS_S, SLOW_S). Every tab draws through here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from core.i18n import language
from core.run_state import RunView
from pages.ui import presentation

FIGURE_CACHE = "dashboard.figures"
PLOTLY_CONFIG = {"displaylogo": False}
# Streamlit remounts a plotly chart whose figure changed (its element id hashes the figure), which
# costs the browser ~0.1 s (loss curve) to ~0.3 s (two-panel epoch chart) of main-thread time. While
# training, a chart redraws at most this often unless its data grew by half; the numbers above
# the charts still move every second.
LOSS_S = 2.0
SLOW_S = 5.0


def cached_figure(
    view: RunView,
    builder: Callable[..., go.Figure | None],
    *args: Any,
    stamp: Hashable,
    every_s: float = 0.0,
) -> Any:
    """`builder(view, *args)`, rebuilt only when its data moved (`stamp` changed).

    While the run is active a moved chart is redrawn once it is `every_s` seconds old, or at once
    when a numeric stamp (a count that grows: steps, epochs) grew by half since it was drawn, so the
    fast early phase of a run stays lively. A finished run's charts are drawn once more, in full.
    Only the current run's figures are kept, one per language (their titles are translated).
    """
    cache = st.session_state.get(FIGURE_CACHE)
    if cache is None or cache["run"] != view.run_id:
        cache = {"run": view.run_id, "figures": {}}
        st.session_state[FIGURE_CACHE] = cache
    key = (builder.__name__, language(), *args)  # figures hold translated titles
    entry = cache["figures"].get(key)  # (stamp, active, built at, figure)
    now = time.monotonic()
    if (
        entry is None
        or entry[1] != view.active
        or (entry[0] != stamp and (now - entry[2] >= every_s or _grew(entry[0], stamp)))
    ):
        entry = (stamp, view.active, now, builder(view, *args))
        cache["figures"][key] = entry
    return entry[3]


def _grew(old: Hashable, new: Hashable) -> bool:
    numbers = isinstance(old, (int, float)) and isinstance(new, (int, float))
    return numbers and new >= 1.5 * old  # type: ignore[operator]


def chart(fig: go.Figure, key: str) -> None:
    """Draw a figure full width (larger in presentation mode)."""
    st.plotly_chart(
        presentation.scale(fig), key=key, theme=None, config=PLOTLY_CONFIG, width="stretch"
    )
