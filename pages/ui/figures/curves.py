"""Learning curves: loss per step, train vs validation per epoch, and several runs overlaid."""

from __future__ import annotations

from typing import Literal

import plotly.graph_objects as go
from plotly.subplots import make_subplots

import pages.ui.figures.theme as theme
from core.events import EpochEnd
from core.i18n import N_, _
from core.run_state import RunView
from core.tasks import TASKS
from pages.ui.figures.base import (
    MAX_TRACE_POINTS,
    ema,
    empty_text,
    new_figure,
    show_empty,
    style,
    thin,
    uirev,
)

CompareMetric = Literal["step_loss", "val_loss", "val_metric"]
METRIC_TITLES = {
    "accuracy": N_("accuracy (%)"),
    "mae": N_("mean absolute error"),
    "metric": N_("metric"),
}
SPLITS = {"train": N_("train"), "validation": N_("validation")}


def metric_title(metric_name: str) -> str:
    """Axis title for a task metric, in the visitor's language: accuracy in percent, or mean
    absolute error (an unknown metric name is shown as it is)."""
    title = METRIC_TITLES.get(metric_name)
    return _(title) if title else metric_name


def task_metric(view: RunView) -> str:
    """The run's metric: its latest epoch's, or before any epoch the one its task scores."""
    if view.epochs:
        return view.epochs[-1].metric_name
    task = view.plan.spec.task if view.plan else None
    return TASKS[task].metric_name if task in TASKS else "metric"


def metric_scale(metric_name: str) -> float:
    """Factor from stored metric to shown metric (accuracy is stored as a fraction)."""
    return 100.0 if metric_name == "accuracy" else 1.0


def loss_curve(view: RunView, smoothing: float = 0.6, log_y: bool = False) -> go.Figure:
    """Training loss per step: raw values as a thin line, the debiased EMA as a thick one."""
    fig = new_figure(_("Training loss per step"), _("step"), _("loss"), uirev("loss", view))
    if log_y:
        fig.update_yaxes(type="log", title_text=_("loss (log scale)"))
    if not view.loss_steps:
        return show_empty(fig, empty_text(view))
    smoothed = ema(view.loss_values, smoothing)
    raw_x, raw_y = thin(view.loss_steps, view.loss_values)
    fig.add_scatter(
        x=raw_x,
        y=raw_y,
        name=_("loss") if smoothing == 0 else _("loss (raw)"),
        line=dict(color=theme.TRAIN, width=1 if smoothing else 2.5),
        opacity=0.35 if smoothing else 1.0,
        hovertemplate=_("step %{x}<br>loss %{y:.4g}") + "<extra></extra>",
    )
    if smoothing:
        sx, sy = thin(view.loss_steps, smoothed)
        fig.add_scatter(
            x=sx,
            y=sy,
            name=_("loss (smoothed {smoothing:g})").format(smoothing=smoothing),
            line=dict(color=theme.TRAIN, width=3),
            hovertemplate=_("step %{x}<br>smoothed loss %{y:.4g}") + "<extra></extra>",
        )
    if view.status == "diverged":
        fig.add_vline(
            x=view.failed_step,
            line=dict(color=theme.WRONG, dash="dash"),
            annotation_text=_("loss became NaN"),
            annotation_font_color=theme.WRONG,
        )
    return fig


def epoch_curves(view: RunView) -> go.Figure:
    """Side by side: train vs validation loss per epoch, and train vs validation metric."""
    epochs = view.epochs
    name = task_metric(view)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(_("loss"), metric_title(name)))
    style(fig, _("Train vs validation per epoch"), uirev("epochs", view))
    fig.update_layout(legend_y=1.08)  # above the subplot titles
    fig.update_xaxes(title_text=_("epoch"))
    fig.update_yaxes(title_text=_("loss"), row=1, col=1)
    fig.update_yaxes(title_text=metric_title(name), row=1, col=2)
    if not epochs:
        return show_empty(fig, empty_text(view))
    scale = metric_scale(name)
    x = [e.epoch for e in epochs]
    if x[-1] <= 12:
        fig.update_xaxes(dtick=1)  # whole epochs only
    for col, (train, val, label) in enumerate(
        (
            ([e.train_loss for e in epochs], [e.val_loss for e in epochs], _("loss")),
            (
                [e.train_metric * scale for e in epochs],
                [e.val_metric * scale for e in epochs],
                metric_title(name),
            ),
        ),
        start=1,
    ):
        hover = _("epoch %{{x}}<br>{split} {label} %{{y:.4g}}")
        for split, ys, color in (("train", train, theme.TRAIN), ("validation", val, theme.VAL)):
            # Validation skips some tiny epochs (NaN): draw the measured ones, connected.
            xs, ys = _measured(x, ys)
            tx, ty = thin(xs, ys)
            fig.add_scatter(
                x=tx,
                y=ty,
                name=_(SPLITS[split]),
                legendgroup=split,
                showlegend=col == 1,
                mode="lines+markers" if len(tx) <= 50 else "lines",
                line=dict(color=color, width=3),
                hovertemplate=hover.format(split=_(SPLITS[split]), label=label) + "<extra></extra>",
                row=1,
                col=col,
            )
    return fig


def _measured(xs: list, ys: list) -> tuple[list, list]:
    """Drop the points whose value is NaN (epochs where validation was skipped)."""
    kept = [(x, y) for x, y in zip(xs, ys, strict=True) if y == y]
    return [x for x, _y in kept], [y for _x, y in kept]


def _val_series(epochs: tuple[EpochEnd, ...], metric: CompareMetric) -> tuple[list, list]:
    if metric == "val_loss":
        return _measured([e.epoch for e in epochs], [e.val_loss for e in epochs])
    return _measured(
        [e.epoch for e in epochs], [e.val_metric * metric_scale(e.metric_name) for e in epochs]
    )


def compare_runs(
    views: list[RunView],
    metric: CompareMetric,
    labels: list[str],
    smoothing: float = 0.6,
) -> go.Figure:
    """Several runs on one chart: smoothed step loss, or validation loss/metric per epoch."""
    if len(labels) != len(views):
        raise ValueError(f"need one label per run: got {len(labels)} labels for {len(views)} runs")
    if metric not in ("step_loss", "val_loss", "val_metric"):
        raise ValueError(f"metric must be step_loss, val_loss or val_metric, got {metric!r}")
    names = {e.metric_name for v in views for e in v.epochs[-1:]}
    if metric == "step_loss":
        y_title = _("training loss (smoothed {smoothing:g})").format(smoothing=smoothing)
    elif metric == "val_loss":
        y_title = _("validation loss")
    else:
        shown = metric_title(names.pop()) if len(names) == 1 else _("metric")
        y_title = _("validation {metric}").format(metric=shown)
    x_title = _("step") if metric == "step_loss" else _("epoch")
    ids = ",".join(v.run_id for v in views)
    fig = new_figure(_("Runs compared"), x_title, y_title, f"compare:{metric}:{ids}")
    for i, (view, label) in enumerate(zip(views, labels, strict=True)):
        if metric == "step_loss":
            xs, ys = view.loss_steps, ema(view.loss_values, smoothing)
        else:
            xs, ys = _val_series(view.epochs, metric)
        if not xs:
            continue
        tx, ty = thin(xs, ys, MAX_TRACE_POINTS)
        fig.add_scatter(
            x=tx,
            y=ty,
            name=label,
            mode="lines" if metric == "step_loss" or len(tx) > 50 else "lines+markers",
            line=dict(color=theme.cycle(theme.RUN_COLORS, i), width=3),
            hovertemplate=f"{label}<br>{x_title} %{{x}}<br>{y_title} %{{y:.4g}}<extra></extra>",
        )
    if not fig.data:
        return show_empty(fig, empty_text(views[0] if views else None))
    return fig
