"""Distributions inside the network: weight and gradient histograms over time (TensorBoard style),
dead and saturated activation units over time, and activation histograms at one step.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import pages.ui.figures.theme as theme
from core.coach import DEAD_RELU_FRACTION, SATURATED_FRACTION
from core.events import ActivationStats, Histogram
from core.i18n import N_, _
from core.run_state import RunView
from pages.ui.figures.base import even_indices, new_figure, show_empty, style, uirev
from pages.ui.figures.inside.base import blank, missing, small_titles, spacing
from pages.ui.figures.timeline import at_step

GRID_BINS = 40  # value bins of the common grid every step's histogram is re-binned onto
MAX_HISTOGRAM_ROWS = 60
MAX_ACTIVATION_PANELS = 12
ACTIVATION_COLUMNS = 3


def histogram_layers(view: RunView) -> list[str]:
    """Layers with weight/gradient histograms (of the newest record), for a layer picker."""
    return list(view.histograms[-1].layers) if view.histograms else []


def rebin(hist: Histogram, edges: np.ndarray) -> np.ndarray:
    """Counts of `hist` moved onto the bins between `edges`, spreading each bin's count evenly."""
    counts = np.asarray(hist.counts, dtype=np.float64)
    out = np.zeros(len(edges) - 1)
    total = counts.sum()
    if total <= 0 or not (math.isfinite(hist.lo) and math.isfinite(hist.hi)):
        return out
    if hist.hi <= hist.lo:  # every value equal: one spike
        out[int(np.clip(np.searchsorted(edges, hist.lo, "right") - 1, 0, len(out) - 1))] = total
        return out
    src = np.linspace(hist.lo, hist.hi, len(counts) + 1)
    cumulative = np.concatenate([[0.0], np.cumsum(counts)])
    return np.diff(np.interp(edges, src, cumulative))


def _regrid(hists: list[Histogram], filled: list[Histogram]) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres of one grid spanning every non-empty histogram, and counts (steps, GRID_BINS)."""
    lo, hi = min(h.lo for h in filled), max(h.hi for h in filled)
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, GRID_BINS + 1)
    return (edges[:-1] + edges[1:]) / 2, np.stack([rebin(h, edges) for h in hists])


def weight_histograms(
    view: RunView,
    layer: str,
    which: Literal["weights", "grads"] = "weights",
    step: int | None = None,
) -> go.Figure:
    """One layer's weight (or gradient) histogram per recorded step as a heatmap: value by step."""
    if which not in ("weights", "grads"):
        raise ValueError(f"which must be 'weights' or 'grads', got {which!r}")
    weights = which == "weights"
    title = (
        _("Weights of {layer} over training")
        if weights
        else _("Gradients of {layer} over training")
    )
    fig = new_figure(
        title.format(layer=layer),
        _("weight value") if weights else _("gradient value"),
        _("step"),
        uirev(f"hist_{which}_{layer}", view),
    )
    rows = [
        (h.step, getattr(h, which)[h.layers.index(layer)])
        for h in view.histograms
        if layer in h.layers and (step is None or h.step <= step)
    ]
    rows = [rows[i] for i in even_indices(len(rows), MAX_HISTOGRAM_ROWS)]
    filled = [hist for _s, hist in rows if sum(hist.counts) > 0]
    if not filled:
        if view.histograms and step is not None and view.histograms[0].step > step:
            first = _("the first histograms come at step {step}")
            return show_empty(fig, first.format(step=view.histograms[0].step))
        absent = (
            _("no weight histograms recorded for {layer}")
            if weights
            else _("no gradient histograms recorded for {layer}")
        )
        return show_empty(fig, missing(view, bool(view.histograms), absent.format(layer=layer)))
    centres, counts = _regrid([hist for _s, hist in rows], filled)
    z = np.log10(1.0 + counts)  # log colour, so the few far-out values stay visible
    top = int(np.ceil(np.log10(1.0 + counts.max())))
    ticks = [0, *(10**p for p in range(top + 1))]
    fig.add_heatmap(
        x=centres.tolist(),
        y=[str(s) for s, _hist in rows],  # one even row per record, however irregular the steps
        z=[[v if v > 0 else None for v in row] for row in z.tolist()],
        customdata=counts.round(1).tolist(),
        colorscale=theme.HEAT_SCALE,
        zmin=0.0,
        zmax=max(float(z.max()), 0.5),
        colorbar=dict(
            title=dict(text=_("count (log scale)"), side="right"),
            tickvals=[math.log10(1 + t) for t in ticks],
            ticktext=[f"{t:,}" for t in ticks],
        ),
        hovertemplate=(
            _("step %{y}<br>weight ≈ %{x:.3g}<br>count %{customdata:.3g}")
            if weights
            else _("step %{y}<br>gradient ≈ %{x:.3g}<br>count %{customdata:.3g}")
        )
        + "<extra></extra>",
    )
    fig.update_yaxes(type="category")
    fig.update_xaxes(showgrid=False, zeroline=False)
    fig.update_yaxes(showgrid=False)
    return fig


def _activation_stream(view: RunView, step: int | None) -> list[ActivationStats]:
    """Records sharing the newest record's layers (up to `step`), thinned to the point cap."""
    stream = [a for a in view.activations if step is None or a.step <= step]
    if not stream:
        return []
    layers = stream[-1].layers
    stream = [a for a in stream if a.layers == layers]
    return [stream[i] for i in even_indices(len(stream))]


ACTIVATION_PANELS = (  # (ReLU-like?, field, coach threshold, label, subplot title)
    (
        True,
        "dead_frac",
        DEAD_RELU_FRACTION,
        N_("dead"),
        N_("dead ReLU units (0 for every probe input)"),
    ),
    (
        False,
        "saturated_frac",
        SATURATED_FRACTION,
        N_("saturated"),
        N_("saturated tanh/sigmoid outputs (near their limits)"),
    ),
)


def activation_over_time(view: RunView, step: int | None = None) -> go.Figure:
    """Share of dead ReLU units and of saturated tanh/sigmoid outputs per layer, over steps.

    One panel per kind the model has; with `step`, a dotted line marks that step.
    """
    stream = _activation_stream(view, None)
    title = _("Dead and saturated units over training")
    if not stream:
        return blank(view, "act_time", title)
    layers, kinds = stream[-1].layers, stream[-1].kinds
    panels = [
        (p, [i for i, k in enumerate(kinds) if (k == "relu") == p[0]]) for p in ACTIVATION_PANELS
    ]
    panels = [(p, chosen) for p, chosen in panels if chosen]
    if not panels:
        return blank(view, "act_time", title, _("this model has no activation layers"))
    fig = make_subplots(
        rows=len(panels),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.16,
        subplot_titles=[_(p[-1]) for p, _chosen in panels],
    )
    style(fig, title, uirev("act_time", view))
    steps = [a.step for a in stream]
    colors = theme.layer_colors(len(layers))
    hover = _("{layer}<br>step %{{x}}<br>{label} %{{y:.0%}}")
    for row, ((_relu, field, warn, label, _title), chosen) in enumerate(panels, start=1):
        label = _(label)
        for i in chosen:
            fig.add_scatter(
                x=steps,
                y=[getattr(a, field)[i] for a in stream],
                name=f"{layers[i]} ({kinds[i]})",
                mode="lines+markers" if len(steps) <= 30 else "lines",
                line=dict(color=colors[i], width=2.5),
                hovertemplate=hover.format(layer=layers[i], label=label) + "<extra></extra>",
                row=row,
                col=1,
            )
        fig.add_hline(
            y=warn,
            line=dict(color=theme.REFERENCE, dash="dash", width=2),
            annotation_text=_("coach warns above {warn:.0%}").format(warn=warn),
            annotation_position="top left",
            annotation_font=dict(size=theme.SMALL_SIZE, color=theme.REFERENCE),
            row=row,
            col=1,
        )
        fig.update_yaxes(
            title_text=_("{label} share").format(label=label),
            range=[0, 1.05],
            tickformat=".0%",
            row=row,
            col=1,
        )
        if step is not None:
            fig.add_vline(x=step, line=dict(color=theme.TRUTH, dash="dot", width=2), row=row, col=1)
    fig.update_xaxes(title_text=_("step"), row=len(panels), col=1)
    legend = dict(
        title_text=_("layer"), orientation="v", x=1.02, xanchor="left", y=1.0, yanchor="top"
    )
    fig.update_layout(height=180 + 260 * len(panels), legend=legend)
    return small_titles(fig)


def activation_distribution(view: RunView, step: int | None = None) -> go.Figure:
    """Each activation layer's histogram of outputs on the probe batch, at `step` (or the latest)."""
    record = at_step(view.activations, step)
    if record is None or not record.layers:
        return blank(view, "act_dist", _("Activation values per layer"))
    n = min(len(record.layers), MAX_ACTIVATION_PANELS)
    cols = min(ACTIVATION_COLUMNS, n)
    rows = math.ceil(n / cols)
    titles = []
    for i in range(n):
        relu = record.kinds[i] == "relu"
        share = record.dead_frac[i] if relu else record.saturated_frac[i]
        title = (
            _("{layer} · {kind} · {share:.0%} dead")
            if relu
            else _("{layer} · {kind} · {share:.0%} saturated")
        )
        titles.append(title.format(layer=record.layers[i], kind=record.kinds[i], share=share))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        horizontal_spacing=spacing(cols, 0.08),
        vertical_spacing=spacing(rows, 0.14),
    )
    title = _("Activation values per layer at step {step}").format(step=record.step)
    style(fig, title, uirev("act_dist", view))
    colors = theme.layer_colors(len(record.layers))
    for i in range(n):
        hist = record.hists[i]
        counts = np.asarray(hist.counts, dtype=np.float64)
        width = (hist.hi - hist.lo) / max(len(counts), 1)
        share = counts / max(counts.sum(), 1.0)
        r, c = divmod(i, cols)
        fig.add_bar(
            x=(hist.lo + width * (np.arange(len(counts)) + 0.5)).tolist(),
            y=share.tolist(),
            width=width,
            marker=dict(color=colors[i], line=dict(width=0)),
            name=record.layers[i],
            showlegend=False,
            hovertemplate=_("value ≈ %{x:.3g}<br>%{y:.1%} of outputs") + "<extra></extra>",
            row=r + 1,
            col=c + 1,
        )
        if i + cols >= n:  # the lowest panel of its column
            fig.update_xaxes(title_text=_("activation value"), row=r + 1, col=c + 1)
    fig.update_yaxes(tickformat=".0%")
    fig.update_yaxes(title_text=_("share"), col=1)
    fig.update_layout(height=140 + 260 * rows, bargap=0)
    return small_titles(fig)
