"""Gradient flow: how strongly each layer learns, as lines, a heatmap and the update/weight ratio.

All three read `RunView.layer_stats`; layers are drawn in forward order, first layer darkest.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

import pages.ui.figures.theme as theme
from core.events import LayerStats
from core.i18n import _
from core.run_state import RunView
from pages.ui.figures.base import empty_text, even_indices, new_figure, show_empty, uirev

HEALTHY_UPDATE_RATIO = 1e-3
FEW_POINTS = 30  # up to this many samples, lines also show their points


def _stream(view: RunView) -> list[LayerStats]:
    """The sampled records that share the newest record's layers, thinned to the point cap."""
    if not view.layer_stats:
        return []
    layers = view.layer_stats[-1].layers
    records = [s for s in view.layer_stats if s.layers == layers]
    return [records[i] for i in even_indices(len(records))]


def _positive(values: list[float]) -> list[float | None]:
    """Values a log axis can show; zero/negative/non-finite become gaps."""
    return [v if math.isfinite(v) and v > 0 else None for v in values]


def _per_layer_lines(fig: go.Figure, stream: list[LayerStats], field: str, label: str) -> go.Figure:
    steps = [s.step for s in stream]
    layers = stream[-1].layers
    hover = _("{layer}<br>step %{{x}}<br>{label} %{{y:.3g}}")
    for i, (layer, color) in enumerate(zip(layers, theme.layer_colors(len(layers)), strict=True)):
        fig.add_scatter(
            x=steps,
            y=_positive([getattr(s, field)[i] for s in stream]),
            name=layer,
            mode="lines" if len(steps) > FEW_POINTS else "lines+markers",
            line=dict(color=color, width=2.5),
            connectgaps=False,
            hovertemplate=hover.format(layer=layer, label=label) + "<extra></extra>",
        )
    legend = dict(title_text=_("layer (first → last)"))
    if len(layers) > 8:  # a long list reads better as a column beside the chart
        legend.update(orientation="v", x=1.02, xanchor="left", y=1.0, yanchor="top")
    fig.update_layout(legend=legend)
    return fig


def grad_norm_lines(view: RunView, log_y: bool = True) -> go.Figure:
    """Per-layer gradient norm over the sampled steps, one line per layer."""
    fig = new_figure(
        _("Gradient norm per layer"), _("step"), _("gradient norm (L2)"), uirev("grad_lines", view)
    )
    if log_y:
        fig.update_yaxes(type="log", title_text=_("gradient norm (L2, log scale)"))
    stream = _stream(view)
    if not stream:
        return show_empty(fig, empty_text(view))
    return _per_layer_lines(fig, stream, "grad_norm", _("gradient norm"))


def grad_heatmap(view: RunView) -> go.Figure:
    """Layer (rows, first on top) by step (columns), coloured by log10 of the gradient norm."""
    fig = new_figure(
        _("Gradient flow through the layers"),
        _("step"),
        _("layer (input at top)"),
        uirev("grad_heat", view),
    )
    fig.update_yaxes(autorange="reversed")
    stream = _stream(view)
    if not stream:
        return show_empty(fig, empty_text(view))
    layers = stream[-1].layers
    raw = [[s.grad_norm[i] for s in stream] for i in range(len(layers))]  # (layers, steps)
    z = [[math.log10(v) if math.isfinite(v) and v > 0 else None for v in row] for row in raw]
    fig.add_heatmap(
        x=[s.step for s in stream],
        y=list(layers),
        z=z,
        customdata=raw,
        colorscale=theme.HEAT_SCALE,
        colorbar=dict(title=dict(text=_("log10 grad norm"), side="right")),
        hovertemplate=_("%{y}<br>step %{x}<br>gradient norm %{customdata:.3g}") + "<extra></extra>",
    )
    fig.update_yaxes(type="category")
    return fig


def update_ratio(view: RunView) -> go.Figure:
    """Per-layer size of each update relative to the weights, on a log axis, with 1e-3 marked."""
    fig = new_figure(
        _("Update size relative to weights"),
        _("step"),
        _("update / weight ratio (log scale)"),
        uirev("update_ratio", view),
    )
    fig.update_yaxes(type="log", exponentformat="power")
    stream = _stream(view)
    if not stream:
        return show_empty(fig, empty_text(view))
    _per_layer_lines(fig, stream, "update_ratio", _("update/weight"))
    first, last = stream[0].step, max(stream[-1].step, stream[0].step + 1)
    fig.add_scatter(
        x=[first, last],
        y=[HEALTHY_UPDATE_RATIO, HEALTHY_UPDATE_RATIO],
        name=_("typical healthy value (1e-3)"),
        mode="lines+text",
        text=[_("healthy ≈ 1e-3"), ""],
        textposition="bottom right",
        textfont=dict(color=theme.REFERENCE, size=theme.SMALL_SIZE + 2),
        line=dict(color=theme.REFERENCE, dash="dash", width=2),
        hoverinfo="skip",
    )
    return fig
