"""Figures of the Try page: a model's answer to one input (pure: data in, plotly Figure out)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

import pages.ui.figures.theme as theme
from core.i18n import _
from pages.ui.figures.base import new_figure

SEEN_PX = 220  # the model's input is drawn at this size, whatever its pixels


def probability_bars(probs: dict[str, float], title: str | None = None) -> go.Figure:
    """Horizontal bars, most likely on top (`title`: "Class probabilities" unless given)."""
    names, values = list(probs), [100.0 * v for v in probs.values()]
    title = _("Class probabilities") if title is None else title
    fig = new_figure(title, _("probability (%)"), "", "try.probabilities")
    fig.add_bar(
        x=values[::-1],
        y=[f"{n!r}" if n.isspace() or not n else n for n in names[::-1]],
        orientation="h",
        marker_color=[
            theme.PRED if i == len(names) - 1 else theme.HISTORY for i in range(len(names))
        ],
        text=[f"{v:.1f}%" for v in values[::-1]],
        textposition="outside",
        hovertemplate="%{y}: %{x:.2f}%<extra></extra>",
    )
    fig.update_xaxes(range=[0, 115])
    fig.update_layout(height=120 + 28 * len(names), showlegend=False)
    return fig


def seen_image(seen: list, mean: tuple[float, ...], std: tuple[float, ...]) -> go.Figure:
    """The (C, H, W) input the model received, un-normalized back to 0-1 for display."""
    x = np.asarray(seen, dtype=np.float64)
    x = x * np.asarray(std).reshape(-1, 1, 1) + np.asarray(mean).reshape(-1, 1, 1)
    x = np.clip(x, 0.0, 1.0)
    c, h, w = x.shape
    title = _("What the model sees ({width}x{height})").format(width=w, height=h)
    fig = new_figure(title, "", "", "try.seen")
    if c == 1:
        fig.add_heatmap(z=x[0], colorscale="gray", zmin=0, zmax=1, showscale=False)
    else:
        fig.add_image(z=(x.transpose(1, 2, 0) * 255).round().astype(np.uint8))
    axes = dict(showticklabels=False, showgrid=False, showline=False, zeroline=False, ticks="")
    fig.update_yaxes(autorange="reversed", scaleanchor="x", **axes)
    fig.update_xaxes(**axes)
    fig.update_layout(
        height=SEEN_PX + 80, margin=dict(l=10, r=10, t=50, b=10), title=dict(x=0.0, xanchor="left")
    )
    return fig


def boundary_with_point(grid: dict, point: tuple[float, float], answer: str) -> go.Figure:
    """The trained model's decision boundary over the data, its training points, and one point."""
    fig = new_figure(
        _("Your point: class {answer}").format(answer=answer), "x", "y", "try.boundary"
    )
    fig.add_heatmap(
        x=grid["static_xs"],
        y=grid["static_ys"],
        z=grid["z"],
        colorscale=theme.PROBABILITY_SCALE if grid["zkind"] == "probability" else theme.VALUE_SCALE,
        opacity=0.75,
        showscale=False,
        hovertemplate="x %{x:.2f}, y %{y:.2f}: %{z:.2f}<extra></extra>",
    )
    pts = np.asarray(grid["static_points"], dtype=np.float64)
    if pts.size:
        fig.add_scatter(
            x=pts[:, 0],
            y=pts[:, 1],
            mode="markers",
            marker=dict(
                color=[
                    theme.CLASS_COLORS[int(c) % len(theme.CLASS_COLORS)]
                    for c in grid["static_labels"]
                ]
                if grid["zkind"] != "value"
                else grid["static_labels"],
                size=5,
                line=dict(width=0.5, color="white"),
            ),
            name=_("training data"),
            hoverinfo="skip",
        )
    fig.add_scatter(
        x=[point[0]],
        y=[point[1]],
        mode="markers",
        marker=dict(symbol="star", size=22, color="black", line=dict(width=2, color="white")),
        name=_("your point"),
    )
    fig.update_yaxes(scaleanchor="x")
    fig.update_layout(height=460, showlegend=True)
    return fig


def forecast_figure(series: list[float], forecast: list[float]) -> go.Figure:
    """The values given (history) and the model's next values (prediction), on one time axis."""
    fig = new_figure(_("The model's forecast"), _("time step"), _("value"), "try.forecast")
    n = len(series)
    fig.add_scatter(
        x=list(range(n)),
        y=series,
        mode="lines+markers",
        name=_("your values"),
        line=dict(color=theme.HISTORY),
    )
    fig.add_scatter(
        x=list(range(n - 1, n + len(forecast))),
        y=[series[-1], *forecast],
        mode="lines+markers",
        name=_("forecast"),
        line=dict(color=theme.PRED),
    )
    fig.update_layout(height=360)
    return fig
