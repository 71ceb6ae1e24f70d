"""Helpers shared by the "see inside the network" figure modules: empty and not-applicable
figures, subplot axis names and small-multiple spacing.
"""

from __future__ import annotations

import re

import plotly.graph_objects as go

import pages.ui.figures.theme as theme
from core.i18n import _
from core.run_state import RunView
from pages.ui.figures.base import empty_text, new_figure, show_empty, uirev
from pages.ui.figures.timeline import frame_at

DIVERGING_SCALE = "RdBu_r"  # negative blue, zero white, positive red: weights and hidden states
GREY_SCALE = ((0.0, "#000000"), (1.0, "#FFFFFF"))  # feature maps: low dark, high bright
CONFUSION_SCALE = "Blues"


def blank(view: RunView, kind: str, title: str, text: str | None = None) -> go.Figure:
    """A titled figure with a centred note: `text`, or "waiting…"/"nothing recorded" by status
    (`title` and `text` already translated)."""
    fig = new_figure(title, "", "", uirev(kind, view))
    return show_empty(fig, text or empty_text(view))


def missing(view: RunView, recorded: bool, absent: str) -> str:
    """Why a view is empty: nothing recorded yet (by status), or `absent` once frames exist."""
    return absent if recorded else empty_text(view)


def no_frame_text(view: RunView, step: int | None, absent: str) -> str:
    """Why a frame view is empty: no frame (yet, or at/before `step`), or `absent` in the frames."""
    if view.insights and frame_at(view, step) is None:
        return _("no frame recorded at or before step {step}").format(step=step)
    return missing(view, bool(view.insights), absent)


def axis_suffix(i: int) -> str:
    """Plotly's suffix for the i-th subplot's axes (0-based): '', '2', '3', ..."""
    return "" if i == 0 else str(i + 1)


def spacing(n: int, gap: float) -> float:
    """A subplot gap that plotly accepts for `n` rows or columns (at most 1 / (n - 1))."""
    return min(gap, 0.9 / (n - 1)) if n > 1 else gap


def picture_axes(fig: go.Figure) -> go.Figure:
    """Axes for small pictures: no ticks or grid, first row on top, square pixels."""
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, ticks="")
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, ticks="")
    fig.update_yaxes(autorange="reversed")
    for key in list(fig.layout.to_plotly_json()):
        if match := re.fullmatch(r"xaxis(\d*)", key):
            suffix = match.group(1)
            fig.layout[f"yaxis{suffix}"].update(scaleanchor=f"x{suffix}", constrain="domain")
            fig.layout[key].update(constrain="domain")
    return fig


def small_titles(fig: go.Figure) -> go.Figure:
    """Subplot titles in the small font, so many panels stay readable."""
    for annotation in fig.layout.annotations:
        annotation.font = dict(size=theme.SMALL_SIZE)
    return fig
