"""Figures of a sweep's results (pure: rows of plain values in, plotly Figure out)."""

from __future__ import annotations

import math

import plotly.graph_objects as go

import pages.ui.figures.theme as theme
from core.i18n import _
from pages.ui.figures.base import new_figure

METRIC = "best val"  # the rows' key of the best validation metric (not shown as such)


def _numeric(values: list[str]) -> list[float] | None:
    try:
        return [float(v) for v in values]
    except ValueError:
        return None


def sweep_heatmap(
    rows: list[dict], x: str, y: str, metric_title: str, names: dict[str, str] | None = None
) -> go.Figure:
    """The best validation metric at every (x, y) point of a two-parameter sweep; `names`: how
    the swept settings are shown (default: their paths)."""
    xs = list(dict.fromkeys(r[x] for r in rows))
    ys = list(dict.fromkeys(r[y] for r in rows))
    z = [[None] * len(xs) for _row in ys]
    for r in rows:
        value = r.get(METRIC)
        if value is not None and math.isfinite(value):
            z[ys.index(r[y])][xs.index(r[x])] = value
    x_name, y_name = (names or {}).get(x, x), (names or {}).get(y, y)
    title = _("{metric} by {x} and {y}").format(metric=metric_title, x=x_name, y=y_name)
    fig = new_figure(title, x_name, y_name, "sweep.heatmap")
    fig.add_heatmap(
        x=xs,
        y=ys,
        z=z,
        colorscale=theme.HEAT_SCALE,
        texttemplate="%{z:.3g}",
        colorbar=dict(title=dict(text=metric_title, side="right")),
        hovertemplate=f"{x} %{{x}}, {y} %{{y}}: %{{z:.4g}}<extra></extra>",
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    fig.update_layout(height=420)
    return fig


def parallel_coordinates(
    rows: list[dict], paths: list[str], metric_title: str, names: dict[str, str] | None = None
) -> go.Figure:
    """One line per finished run across the swept settings and the metric; colour = metric."""
    done = [r for r in rows if r.get(METRIC) is not None and math.isfinite(r[METRIC])]
    dims = []
    for path in paths:
        values = [r[path] for r in done]
        numbers = _numeric(values)
        if numbers is not None:
            dims.append(dict(label=(names or {}).get(path, path), values=numbers))
        else:
            levels = list(dict.fromkeys(values))
            dims.append(
                dict(
                    label=(names or {}).get(path, path),
                    values=[levels.index(v) for v in values],
                    tickvals=list(range(len(levels))),
                    ticktext=levels,
                )
            )
    metric = [r[METRIC] for r in done]
    dims.append(dict(label=metric_title, values=metric))
    fig = go.Figure(
        go.Parcoords(
            line=dict(color=metric, colorscale=theme.HEAT_SCALE, showscale=True),
            dimensions=dims,
        )
    )
    fig.update_layout(
        template=theme.TEMPLATE,
        title=_("Every run of the sweep ({n} finished)").format(n=len(done)),
        height=420,
    )
    return fig
