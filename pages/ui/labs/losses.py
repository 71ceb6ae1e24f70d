"""Figures for the loss explorer: loss and gradient curves, outlier line fits, softmax bars.

Pure builders from core numbers to `go.Figure`; every loss keeps one colour in every chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.i18n import _
from core.labs.losses import LOSSES, OUTLIER_INDEX, Curve, LineFit
from pages.ui.figures import theme

LOSS_COLORS = {name: theme.cycle(theme.PALETTE, i % 3) for i, name in enumerate(LOSSES)}
DASH = {"bce": "dash"}  # BCE on sigmoid(score) is the 2-class cross-entropy: dashed, so both show


def curves_figure(curves: Mapping[str, Curve], target: float, x_title: str) -> go.Figure:
    """Each loss (top) and its autograd derivative (bottom) against the prediction."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=(_("loss L"), _("gradient dL/d(prediction)")),
    )
    for name, c in curves.items():
        style = dict(color=LOSS_COLORS[name], width=3, dash=DASH.get(name, "solid"))
        title = _(LOSSES[name].title)
        for row, ys in ((1, c.losses), (2, c.grads)):
            fig.add_trace(
                go.Scatter(
                    x=list(c.preds),
                    y=list(ys),
                    mode="lines",
                    line=style,
                    name=title,
                    legendgroup=name,
                    showlegend=row == 1,
                    hovertemplate=f"{title}<br>%{{x:.3g}} → %{{y:.4g}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
    for row in (1, 2):
        fig.add_vline(x=target, line=dict(color=theme.TRUTH, dash="dot", width=2), row=row, col=1)
    fig.add_hline(y=0, line=dict(color=theme.REFERENCE, width=1), row=2, col=1)
    fig.update_layout(template=theme.TEMPLATE, height=620, uirevision=f"curves:{x_title}")
    fig.update_xaxes(title_text=x_title, row=2, col=1)
    return fig


def fits_figure(xs: Sequence[float], ys: Sequence[float], fits: Sequence[LineFit]) -> go.Figure:
    """The data, its outlier ringed in red, and the line each loss fitted."""
    others = [i for i in range(len(xs)) if i != len(xs) + OUTLIER_INDEX]
    fig = go.Figure(
        go.Scatter(
            x=[xs[i] for i in others],
            y=[ys[i] for i in others],
            mode="markers",
            name=_("data"),
            marker=dict(size=11, color=theme.TRUTH),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[xs[OUTLIER_INDEX]],
            y=[ys[OUTLIER_INDEX]],
            mode="markers",
            name=_("outlier"),
            marker=dict(size=16, color=theme.WRONG, symbol="diamond"),
        )
    )
    lo, hi = min(xs) - 0.3, max(xs) + 0.3
    for fit in fits:
        fig.add_trace(
            go.Scatter(
                x=[lo, hi],
                y=[fit.slope * lo + fit.intercept, fit.slope * hi + fit.intercept],
                mode="lines",
                line=dict(color=LOSS_COLORS[fit.loss], width=3),
                name=f"{_(LOSSES[fit.loss].title)}: y = {fit.slope:.2f}x + {fit.intercept:.2f}",
            )
        )
    fig.update_layout(
        template=theme.TEMPLATE,
        height=520,
        uirevision="fits",
        legend=dict(
            orientation="v",
            yanchor="top",
            y=0.99,
            xanchor="left",
            x=0.01,
            bgcolor="rgba(255,255,255,0.8)",
        ),
        margin=dict(t=30),
    )
    fig.update_xaxes(title_text="x")
    fig.update_yaxes(title_text="y")
    return fig


def softmax_figure(probs: Sequence[float], grads: Sequence[float], target: int) -> go.Figure:
    """Softmax probabilities (target class highlighted) beside the gradient w.r.t. each logit."""
    classes = [_("class {i}").format(i=i) for i in range(len(probs))]
    colors = [theme.PRED if i == target else theme.HISTORY for i in range(len(probs))]
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=(_("softmax probability p"), _("gradient dL/dz = p − onehot")),
    )
    fig.add_trace(
        go.Bar(
            x=classes,
            y=list(probs),
            marker_color=colors,
            text=[f"{p:.3f}" for p in probs],
            textposition="outside",
            name="p",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=classes,
            y=list(grads),
            marker_color=colors,
            text=[f"{g:+.3f}" for g in grads],
            textposition="outside",
            name="dL/dz",
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    fig.update_yaxes(range=[0, 1.15], row=1, col=1)
    fig.update_yaxes(range=[-1.2, 1.2], row=1, col=2)
    fig.update_layout(template=theme.TEMPLATE, height=400, uirevision="softmax", margin=dict(t=60))
    return fig
