"""What the model predicts on a fixed batch: a decision boundary, a fitted curve, labelled images or
forecasts, chosen by `RunView.samples_kind` (payload keys are documented in core.samples).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import pages.ui.figures.theme as theme
from core.i18n import N_, _
from core.run_state import RunView
from pages.ui.figures.base import (
    MAX_TRACE_POINTS,
    empty_text,
    even_indices,
    finite_or_none,
    new_figure,
    show_empty,
    style,
    uirev,
)

IMAGE_COLUMNS = 4
FORECAST_COLUMNS = 2
FORECAST_PARTS = {"history": N_("history"), "truth": N_("truth"), "prediction": N_("prediction")}


def _samples(view: RunView, kind: str, *keys: str) -> dict[str, Any] | None:
    """The payload when it is of `kind` and holds every key in `keys`, else None."""
    s = view.samples
    if view.samples_kind != kind or any(s.get(k) is None for k in keys):
        return None
    return s


def _class_names(view: RunView, n: int) -> list[str]:
    names = list(view.plan.spec.class_names) if view.plan else []
    return names + [_("class {i}").format(i=i) for i in range(len(names), n)]


def _discrete_scale(colors: list[str]) -> list[tuple[float, str]]:
    """A colour scale with one flat band per class id 0..K-1 (use zmin=-0.5, zmax=K-0.5)."""
    k = len(colors)
    return [stop for i, c in enumerate(colors) for stop in ((i / k, c), ((i + 1) / k, c))]


def _add_class_points(fig: go.Figure, points: np.ndarray, labels: np.ndarray, names: list) -> None:
    for k, name in enumerate(names):
        mask = labels == k
        if mask.any():
            fig.add_scatter(
                x=points[mask, 0],
                y=points[mask, 1],
                mode="markers",
                name=str(name),
                marker=dict(
                    color=theme.cycle(theme.CLASS_COLORS, k),
                    size=9,
                    line=dict(color="white", width=1.5),
                ),
                hovertemplate=f"{name}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
            )


def _value_map(
    fig: go.Figure, xs: list, ys: list, z: list, points: np.ndarray, targets: np.ndarray
) -> go.Figure:
    """Regression over the plane: predicted value and the targets on one shared colour range."""
    both = np.concatenate([np.asarray(z, dtype=float).ravel(), targets])
    lo, hi = float(np.nanmin(both)), float(np.nanmax(both))
    hi = hi if hi > lo else lo + 1.0
    fig.add_contour(
        x=xs,
        y=ys,
        z=z,
        zmin=lo,
        zmax=hi,
        colorscale=theme.VALUE_SCALE,
        contours=dict(coloring="heatmap", showlines=False),
        line_width=0,
        colorbar=dict(title=dict(text=_("value"))),
        hovertemplate=_("(%{x:.2f}, %{y:.2f})<br>predicted %{z:.3g}") + "<extra></extra>",
        name=_("prediction"),
    )
    fig.add_scatter(
        x=points[:, 0],
        y=points[:, 1],
        mode="markers",
        name=_("training points"),
        marker=dict(
            color=targets,
            colorscale=theme.VALUE_SCALE,
            cmin=lo,
            cmax=hi,
            size=9,
            line=dict(color="white", width=1.5),
        ),
        hovertemplate=_("(%{x:.2f}, %{y:.2f})<br>target %{marker.color:.3g}") + "<extra></extra>",
    )
    return fig


def decision_boundary(view: RunView) -> go.Figure:
    """The model's output over the plane (probability, class or value) with the training points."""
    fig = new_figure(
        _("What the model predicts across the plane"),
        _("x₁ (first input)"),
        _("x₂ (second input)"),
        uirev("boundary", view),
    )
    s = _samples(view, "boundary", "z", "static_xs", "static_ys")
    if s is None:
        return show_empty(fig, empty_text(view))
    xs, ys, z, zkind = s["static_xs"], s["static_ys"], s["z"], s.get("zkind", "value")
    points = np.asarray(s.get("static_points", []), dtype=float).reshape(-1, 2)
    labels = np.asarray(s.get("static_labels", []), dtype=float).reshape(-1)
    keep = even_indices(min(len(points), len(labels)), MAX_TRACE_POINTS)
    points, labels = points[keep], labels[keep]
    if zkind == "value":
        return _value_map(fig, xs, ys, z, points, labels)
    top = max(labels.max(initial=0.0), np.nanmax(np.asarray(z, dtype=float)))
    names = _class_names(view, max(2, int(top) + 1))
    n_classes = len(names)
    if zkind == "probability":
        fig.add_contour(
            x=xs,
            y=ys,
            z=z,
            zmin=0.0,
            zmax=1.0,
            colorscale=theme.PROBABILITY_SCALE,
            contours=dict(coloring="heatmap", showlines=False),
            line_width=0,
            colorbar=dict(title=dict(text=f"P({names[1]})")),
            hovertemplate=f"(%{{x:.2f}}, %{{y:.2f}})<br>P({names[1]}) %{{z:.2f}}<extra></extra>",
            name=_("probability"),
        )
        fig.add_contour(
            x=xs,
            y=ys,
            z=z,
            contours=dict(start=0.5, end=0.5, size=1.0, coloring="none"),
            line=dict(color=theme.TRUTH, width=2),
            showscale=False,
            hoverinfo="skip",
            name=_("decision boundary (50%)"),
        )
    else:
        colors = [theme.cycle(theme.CLASS_COLORS, k) for k in range(n_classes)]
        fig.add_heatmap(
            x=xs,
            y=ys,
            z=z,
            zmin=-0.5,
            zmax=n_classes - 0.5,
            colorscale=_discrete_scale(colors),
            opacity=0.45,
            colorbar=dict(title=dict(text=_("predicted")), tickvals=list(range(n_classes))),
            hovertemplate=_("(%{x:.2f}, %{y:.2f})<br>predicted class %{z}") + "<extra></extra>",
            name=_("predicted class"),
        )
        fig.data[-1].colorbar.ticktext = names
    _add_class_points(fig, points, labels, names)
    return fig


def curve_fit(view: RunView) -> go.Figure:
    """The model's curve y(x) over the training points of a 1-D regression."""
    fig = new_figure(
        _("The model's curve vs the training data"),
        _("x (input)"),
        _("y (target)"),
        uirev("curve", view),
    )
    s = _samples(view, "curve", "y", "static_x")
    if s is None:
        return show_empty(fig, empty_text(view))
    px, py = s.get("static_points", []), s.get("static_targets", [])
    keep = even_indices(min(len(px), len(py)))
    fig.add_scatter(
        x=[px[i] for i in keep],
        y=[py[i] for i in keep],
        mode="markers",
        name=_("training data"),
        marker=dict(color=theme.TRAIN, size=8, opacity=0.6),
    )
    keep = even_indices(min(len(s["static_x"]), len(s["y"])))
    fig.add_scatter(
        x=[s["static_x"][i] for i in keep],
        y=finite_or_none([s["y"][i] for i in keep]),
        mode="lines",
        name=_("model"),
        line=dict(color=theme.PRED, width=4),
    )
    return fig


def _image_title(pred: int, conf: float, true: int, names: list[str]) -> str:
    def name(i: int) -> str:
        return names[i] if 0 <= i < len(names) else str(i)

    return _("pred {pred} ({conf:.0%}) / true {true}").format(
        pred=name(pred), conf=conf, true=name(true)
    )


def image_grid(view: RunView) -> go.Figure:
    """Validation images titled with prediction, confidence and truth; wrong ones framed in red."""
    s = _samples(view, "images", "pred", "static_pixels", "static_true")
    if s is None:
        fig = new_figure(_("Predictions on validation images"), "", "", uirev("images", view))
        return show_empty(fig, empty_text(view))
    pred, true, pixels = s["pred"], s["static_true"], s["static_pixels"]
    conf = s.get("confidence") or [math.nan] * len(pred)
    names = list(s.get("static_class_names") or [])
    n = min(len(pred), len(true), len(pixels), len(conf))
    cols = max(1, min(IMAGE_COLUMNS, n))
    rows = max(1, math.ceil(n / cols))
    titles = [_image_title(pred[i], conf[i], true[i], names) for i in range(n)]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles or None,
        horizontal_spacing=0.03,
        vertical_spacing=min(0.3 / rows, 0.12),
    )
    right = sum(pred[i] == true[i] for i in range(n))
    title = (
        _("Predictions on validation images: {right} of {n} right").format(right=right, n=n)
        if n
        else _("Predictions")
    )
    style(fig, title, uirev("images", view))
    for i in range(n):
        img = np.asarray(pixels[i], dtype=np.uint8)  # (H, W, C)
        if img.ndim == 2:
            img = img[..., None]
        if img.shape[-1] == 1:
            img = np.repeat(img, 3, axis=-1)
        r, c = divmod(i, cols)
        fig.add_trace(
            go.Image(z=img, hovertemplate=titles[i] + "<extra></extra>"), row=r + 1, col=c + 1
        )
        wrong = pred[i] != true[i]
        fig.layout.annotations[i].font = dict(
            size=theme.SMALL_SIZE, color=theme.WRONG if wrong else theme.TRUTH
        )
        if wrong:
            ref = "" if i == 0 else str(i + 1)
            fig.add_shape(
                type="rect",
                xref=f"x{ref} domain",
                yref=f"y{ref} domain",
                x0=0,
                x1=1,
                y0=0,
                y1=1,
                line=dict(color=theme.WRONG, width=4),
            )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=110 + 190 * rows, margin=dict(t=110))
    return fig


def forecast_plot(view: RunView) -> go.Figure:
    """Small multiples, one per series: the history, the true future and the predicted future."""
    s = _samples(view, "forecast", "predicted", "static_history", "static_truth")
    if s is None:
        fig = new_figure(_("Forecasts"), _("time step"), _("value"), uirev("forecast", view))
        return show_empty(fig, empty_text(view))
    hist = [np.asarray(h, dtype=float).reshape(-1) for h in s["static_history"]]
    truth = [np.asarray(t, dtype=float).reshape(-1) for t in s["static_truth"]]
    pred = [np.asarray(p, dtype=float).reshape(-1) for p in s["predicted"]]
    n = min(len(hist), len(truth), len(pred))
    cols = max(1, min(FORECAST_COLUMNS, n))
    rows = max(1, math.ceil(n / cols))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[_("series {i}").format(i=i + 1) for i in range(n)] or None,
    )
    style(fig, _("Forecasts: history, truth and prediction"), uirev("forecast", view))
    for i in range(n):
        r, c = divmod(i, cols)
        parts = (
            ("history", -len(hist[i]), hist[i], dict(color=theme.HISTORY, width=3)),
            ("truth", 0, truth[i], dict(color=theme.TRUTH, width=2, dash="dash")),
            ("prediction", 0, pred[i], dict(color=theme.PRED, width=3)),
        )
        for name, start, y, line in parts:
            keep = even_indices(len(y))
            fig.add_scatter(
                x=[start + j for j in keep],
                y=finite_or_none(y[keep].tolist()),
                name=_(FORECAST_PARTS[name]),
                legendgroup=name,
                showlegend=i == 0,
                mode="lines" if name == "history" else "lines+markers",
                line=line,
                row=r + 1,
                col=c + 1,
            )
    fig.update_xaxes(title_text=_("time step (0 = first forecast)"), row=rows)
    fig.update_yaxes(title_text=_("value"), col=1)
    fig.update_layout(height=120 + 280 * rows, legend_y=1.08)
    return fig


PREDICTION_FIGURES: dict[str, Callable[[RunView], go.Figure]] = {
    "boundary": decision_boundary,
    "curve": curve_fit,
    "images": image_grid,
    "forecast": forecast_plot,
}
NOT_FIGURES = frozenset({"text", "sequence", "table"})  # the page shows these as text or tables


def predictions_figure(view: RunView) -> go.Figure | None:
    """The figure for this run's samples kind; None where the page shows text or a table."""
    kind = view.samples_kind or (view.plan.spec.sample_kind if view.plan else "")
    if kind in NOT_FIGURES:
        return None
    if kind in PREDICTION_FIGURES:
        return PREDICTION_FIGURES[kind](view)
    fig = new_figure(_("Predictions"), "", "", uirev("predictions", view))
    return show_empty(fig, empty_text(view))
