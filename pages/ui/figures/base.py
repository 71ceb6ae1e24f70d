"""Building blocks shared by the figure modules: styled empty figures, point caps and smoothing.

Every trace a builder makes goes through `thin` or `even_indices`, so no trace exceeds
`MAX_TRACE_POINTS` however long the run; every empty figure says why it is empty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

import pages.ui.figures.theme as theme
from core.i18n import N_, _
from core.run_state import RunView
from core.series import minmax_downsample

MAX_TRACE_POINTS = 2000
WAITING = N_("waiting for the first steps…")
NO_DATA = N_("this run recorded nothing to show here")


def finite_or_none(values: Sequence[float]) -> list[float | None]:
    """Plain list with NaN/inf replaced by None, which plotly draws as a gap."""
    return [float(v) if v is not None and math.isfinite(v) else None for v in values]


def thin(
    xs: Sequence[float], ys: Sequence[float], max_points: int = MAX_TRACE_POINTS
) -> tuple[list[float], list[float | None]]:
    """At most `max_points` points, keeping the first, the last and each bucket's min and max."""
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    if len(x) > max_points:
        x, y = minmax_downsample(x, y, max_points)
    return x.tolist(), finite_or_none(y.tolist())


def even_indices(n: int, max_points: int = MAX_TRACE_POINTS) -> list[int]:
    """Indices of at most `max_points` evenly spaced items of `n`, first and last included."""
    if n <= max_points:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, max_points).round().astype(int).tolist()))


def ema(values: Sequence[float], smoothing: float) -> list[float]:
    """TensorBoard's debiased exponential moving average; non-finite values pass through as-is.

    Debiasing divides by (1 - w^n), so the first points are not dragged toward zero.
    """
    if not 0.0 <= smoothing < 1.0:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
    out, last, count = [], 0.0, 0
    for v in values:
        if not math.isfinite(v):
            out.append(v)
            continue
        last = last * smoothing + (1.0 - smoothing) * v
        count += 1
        out.append(last / (1.0 - smoothing**count))
    return out


def new_figure(title: str, x_title: str, y_title: str, uirevision: str) -> go.Figure:
    """An empty figure in the lab's template with title, axis titles (all already translated by the
    caller) and a stable `uirevision`."""
    fig = go.Figure()
    style(fig, title, uirevision)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig


def style(fig: go.Figure, title: str, uirevision: str) -> go.Figure:
    """Apply the template and title; `uirevision` keeps zoom and legend clicks across refreshes."""
    fig.update_layout(template=theme.TEMPLATE, title_text=title, uirevision=uirevision)
    return fig


def empty_text(view: RunView | None) -> str:
    """What an empty chart says: still waiting while the run is active, else that nothing came."""
    return _(WAITING) if view is None or view.active else _(NO_DATA)


def show_empty(fig: go.Figure, text: str | None = None) -> go.Figure:
    """Add a centred grey note (already translated; default: waiting) to a figure with no data."""
    fig.add_annotation(
        text=_(WAITING) if text is None else text,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font=dict(size=theme.TITLE_SIZE, color=theme.HISTORY),
    )
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    return fig


def uirev(kind: str, view: RunView) -> str:
    """The `uirevision` of one chart of one run: stable while the run refreshes."""
    return f"{kind}:{view.run_id}"
