"""Figures for the optimizer lab: trajectories racing over a log-scaled contour map, and the loss gap.

Pure builders: surface samples and core `Trajectory` objects in, `go.Figure` out. Each optimizer
keeps its colour across both charts and every rerun (its place in the lab's optimizer list).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from core.i18n import _
from core.labs.surfaces import Surface
from core.labs.trajectories import Trajectory
from core.optim import OPTIMIZER_TITLES
from pages.ui.figures import theme

FLOOR = 1e-16  # the loss-gap chart is logarithmic: a gap of exactly 0 is drawn at this floor
CONTOUR_SCALE = ((0.0, "#FFFFFF"), (1.0, "#C5CED8"))  # light, so coloured paths stand out
HEIGHT = 600  # both charts, side by side
MAX_MARKERS = 120  # beyond this many steps a path is a line without per-step dots


# Okabe-Ito colours, the default trio (SGD, momentum, Adam) first: blue, orange, green.
COLORS = dict(
    zip(
        ("sgd", "momentum", "adam", "rmsprop", "adagrad", "nesterov", "adamw"),
        (*theme.PALETTE[:6], theme.PALETTE[7]),
    )
)


def color(name: str) -> str:
    """The optimizer's colour, the same in every chart and on every rerun."""
    return COLORS[name]


def log_gap(z: Sequence[Sequence[float]], f_min: float) -> tuple[list[list[float]], float]:
    """log10(f − f_min + eps) on the grid; eps (returned) scales with the surface's height."""
    top = max(max(row) for row in z)
    eps = max(1e-9, 1e-5 * (top - f_min))
    return [[math.log10(max(v - f_min, 0.0) + eps) for v in row] for row in z], eps


def contour_figure(
    surface: Surface,
    xs: Sequence[float],
    ys: Sequence[float],
    z: Sequence[Sequence[float]],
    trajectories: Sequence[Trajectory],
    step: int,
) -> go.Figure:
    """Contours (log-spaced levels) with each path drawn up to `step` and its head marked."""
    levels, _eps = log_gap(z, surface.f_min)
    gap_name, step_k = _("log₁₀(f − f_min)"), _("step {k}")
    fig = go.Figure(
        go.Contour(
            x=list(xs),
            y=list(ys),
            z=levels,
            colorscale=CONTOUR_SCALE,
            ncontours=28,
            line=dict(color="#8C8C8C", width=0.7),
            name=gap_name,
            colorbar=dict(title=dict(text=gap_name, side="right"), thickness=12, xpad=4),
            hovertemplate=f"x %{{x:.3g}}, y %{{y:.3g}}<br>{gap_name} %{{z:.2f}}<extra></extra>",
        )
    )
    for traj in trajectories:
        k = min(step, traj.steps)
        px = [p[0] for p in traj.points[: k + 1]]
        py = [p[1] for p in traj.points[: k + 1]]
        title = _(OPTIMIZER_TITLES[traj.optimizer])
        c = color(traj.optimizer)
        fig.add_trace(
            go.Scatter(
                x=px,
                y=py,
                mode="lines+markers" if traj.steps <= MAX_MARKERS else "lines",
                line=dict(color=c, width=3),
                marker=dict(size=5),
                name=title,
                legendgroup=title,
                hovertemplate=f"{title}<br>{step_k.format(k='%{customdata}')}"
                "<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
                customdata=list(range(k + 1)),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=px[-1:],
                y=py[-1:],
                mode="markers",
                showlegend=False,
                legendgroup=title,
                marker=dict(
                    size=15,
                    color=c,
                    line=dict(color="white", width=2),
                    symbol="x" if traj.stopped and k == traj.steps else "circle",
                ),
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[m[0] for m in surface.minima],
            y=[m[1] for m in surface.minima],
            mode="markers",
            marker=dict(
                symbol="star", size=18, color=theme.TRUTH, line=dict(color="white", width=1)
            ),
            name=_("minimum"),
        )
    )
    start = trajectories[0].points[0] if trajectories else surface.start
    fig.add_trace(
        go.Scatter(
            x=[start[0]],
            y=[start[1]],
            mode="markers",
            name=_("start"),
            marker=dict(symbol="circle-open", size=16, color=theme.TRUTH, line=dict(width=3)),
        )
    )
    fig.update_layout(
        template=theme.TEMPLATE,
        height=HEIGHT,
        margin=dict(l=60, r=10, t=70, b=50),
        uirevision=f"surface:{surface.title}",
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0.0),
    )
    fig.update_xaxes(title_text="x", range=list(surface.x_range), constrain="domain")
    fig.update_yaxes(title_text="y", range=list(surface.y_range), scaleanchor="x", scaleratio=1)
    return fig


def gap_figure(trajectories: Sequence[Trajectory], f_min: float, step: int) -> go.Figure:
    """f − f_min per step for every optimizer, on a log axis, with the slider's step marked."""
    fig = go.Figure()
    step_k = _("step {k}")
    gaps = [[max(v - f_min, FLOOR) for v in traj.losses] for traj in trajectories]
    for traj, ys in zip(trajectories, gaps, strict=True):
        title = _(OPTIMIZER_TITLES[traj.optimizer])
        fig.add_trace(
            go.Scatter(
                x=list(range(len(traj.losses))),
                y=ys,
                mode="lines",
                line=dict(color=color(traj.optimizer), width=3),
                name=title,
                hovertemplate=f"{title}<br>{step_k.format(k='%{x}')}: %{{y:.3g}}<extra></extra>",
            )
        )
    fig.add_vline(x=step, line=dict(color=theme.REFERENCE, dash="dot", width=2))
    fig.update_layout(
        template=theme.TEMPLATE,
        height=HEIGHT,
        title_text=_("Distance to the minimum's loss"),
        uirevision="race-gap",
        # Below the plot in a small font: above it, a legend of several racers ran into the title.
        legend=dict(
            orientation="h",
            yanchor="top",
            y=-0.16,
            xanchor="left",
            x=0.0,
            font=dict(size=theme.SMALL_SIZE),
        ),
    )
    fig.update_xaxes(title_text=_("step"))
    flat = [v for ys in gaps for v in ys]
    decades = math.log10(max(flat) / min(flat)) if flat else 0.0
    # Over a few decades label only powers of ten; over less, plotly's 2-5 labels are needed.
    fig.update_yaxes(
        title_text=_("f − f_min (log scale)"),
        type="log",
        exponentformat="power",
        dtick=1 if decades >= 3 else "D2",
    )
    return fig
