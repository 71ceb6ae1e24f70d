"""Inside a CNN: what every conv layer's channels light up on one probe input, the first layer's
filters, and the probe input itself (payload keys in core.probes and core.samples).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.i18n import _
from core.run_state import RunView
from pages.ui.figures.base import style, uirev
from pages.ui.figures.inside.base import (
    DIVERGING_SCALE,
    GREY_SCALE,
    blank,
    missing,
    no_frame_text,
    picture_axes,
    small_titles,
    spacing,
)
from pages.ui.figures.timeline import frame_at

MAX_LAYERS = 8
MAX_CHANNELS = 8
FILTER_COLUMNS = 8
CHANNEL_NAMES = {3: ("R", "G", "B")}


def _clamp(index: int, n: int) -> int:
    return max(0, min(index, n - 1))


def feature_maps_figure(view: RunView, input_index: int = 0, step: int | None = None) -> go.Figure:
    """Every conv layer's output maps (rows: layers, columns: channels) for one probe input."""
    frame = frame_at(view, step)
    fm = frame.feature_maps if frame else {}
    layers, maps = list(fm.get("layers") or [])[:MAX_LAYERS], fm.get("maps") or []
    if not layers or not maps or not maps[0]:
        text = no_frame_text(view, step, _("this model has no convolution layers"))
        return blank(view, "feature_maps", _("Feature maps"), text)
    index = _clamp(input_index, len(maps[0]))
    chosen = [
        np.asarray(maps[i][index], dtype=np.float64)[:MAX_CHANNELS] for i in range(len(layers))
    ]
    cols = max(m.shape[0] for m in chosen)
    rows = len(layers)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        horizontal_spacing=spacing(cols, 0.015),
        vertical_spacing=spacing(rows, 0.04),
        column_titles=[_("channel {c}").format(c=c) for c in range(cols)],
        row_titles=layers,
    )
    title = _("Feature maps for input #{index} at step {step}").format(index=index, step=frame.step)
    style(fig, title, uirev("feature_maps", view))
    hover = _("{layer}, channel {c}<br>row %{{y}}, column %{{x}}<br>brightness %{{z:.0f}} of 255")
    for r, (layer, layer_maps) in enumerate(zip(layers, chosen, strict=True)):
        for c, fmap in enumerate(layer_maps):  # (H, W) brightness 0-255
            fig.add_heatmap(
                z=fmap.tolist(),
                colorscale=GREY_SCALE,
                zmin=0,
                zmax=255,
                showscale=False,
                hovertemplate=hover.format(layer=layer, c=c) + "<extra></extra>",
                row=r + 1,
                col=c + 1,
            )
    picture_axes(small_titles(fig))
    fig.update_layout(height=140 + 150 * rows, margin=dict(l=30, r=120))
    return fig


def _filter_image(weights: np.ndarray) -> list[list[float | None]]:
    """One filter (C_in, k, k) as a k x (C_in * (k + 1) - 1) image, input channels side by side."""
    k = weights.shape[-1]
    gap = np.full((k, 1), np.nan)
    parts = [p for ch in weights for p in (ch, gap)][:-1]
    image = np.concatenate(parts, axis=1)
    return [[None if math.isnan(v) else v for v in row] for row in image.tolist()]


def _filter_row_px(cols: int, c_in: int, k: int) -> int:
    """Height of one row of filter images whose width is a 1/cols share of a ~800 px plot."""
    aspect = k / (c_in * (k + 1) - 1)
    return max(80, round(40 + 800 / cols * aspect))


def filters_figure(view: RunView, step: int | None = None) -> go.Figure:
    """The first conv layer's filters as small images; blue negative, white zero, red positive."""
    frame = frame_at(view, step)
    fm = frame.feature_maps if frame else {}
    filters = np.asarray(fm.get("filters") or [], dtype=np.float64)  # (C_out, C_in, k, k)
    if filters.ndim != 4 or not filters.size:
        text = no_frame_text(view, step, _("this model has no convolution layers"))
        return blank(view, "filters", _("Filters of the first conv layer"), text)
    c_out, c_in = filters.shape[:2]
    title = _("Filters of {layer} at step {step}")
    if c_in in CHANNEL_NAMES:  # colour images: the R, G and B weights side by side
        title = _("Filters of {layer} at step {step} (input channels {channels})")
    elif c_in > 1:
        filters = filters.mean(axis=1, keepdims=True)
        title = _("Filters of {layer} at step {step} (mean over {n} input channels)")
    cols = min(FILTER_COLUMNS, c_out)
    rows = math.ceil(c_out / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[_("filter {o}").format(o=o) for o in range(c_out)],
        horizontal_spacing=spacing(cols, 0.02),
        vertical_spacing=spacing(rows, 0.12),
    )
    layer = (fm.get("layers") or [_("first conv layer")])[0]
    channels = " | ".join(CHANNEL_NAMES.get(c_in, ()))
    title = title.format(layer=layer, step=frame.step, channels=channels, n=c_in)
    style(fig, title, uirev("filters", view))
    hover = _("filter {o}<br>row %{{y}}, column %{{x}}<br>weight %{{z:.3f}}")
    for o in range(c_out):
        r, c = divmod(o, cols)
        fig.add_heatmap(
            z=_filter_image(filters[o]),
            coloraxis="coloraxis",
            hovertemplate=hover.format(o=o) + "<extra></extra>",
            row=r + 1,
            col=c + 1,
        )
    top = float(np.abs(filters).max()) or 1.0
    fig.update_layout(
        coloraxis=dict(
            colorscale=DIVERGING_SCALE,
            cmin=-top,
            cmax=top,
            colorbar=dict(title=dict(text=_("weight"), side="right")),
        ),
        height=140 + rows * _filter_row_px(cols, filters.shape[1], filters.shape[-1]),
    )
    return picture_axes(small_titles(fig))


def probe_image(view: RunView, input_index: int = 0) -> go.Figure:
    """The probe input `input_index` (one of the first validation images) as a small picture."""
    s = view.samples
    pixels = (s.get("static_pixels") or []) if view.samples_kind == "images" else []
    if not pixels:
        text = missing(view, bool(view.samples_kind), _("not an image dataset"))
        return blank(view, "probe_image", _("Probe input"), text)
    index = _clamp(input_index, len(pixels))
    img = np.asarray(pixels[index], dtype=np.uint8)  # (H, W, C)
    if img.ndim == 2:
        img = img[..., None]
    if img.shape[-1] == 1:
        img = np.repeat(img, 3, axis=-1)
    names = list(s.get("static_class_names") or [])
    true = (s.get("static_true") or [])[index : index + 1]
    if true and 0 <= true[0] < len(names):
        title = _("Input #{index}: a {name}").format(index=index, name=names[true[0]])
    else:
        title = _("Input #{index}").format(index=index)
    hover = _("row %{y}, column %{x}") + "<extra></extra>"
    fig = go.Figure(go.Image(z=img, hovertemplate=hover))
    style(fig, title, uirev("probe_image", view))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=70, b=10))
    return fig
