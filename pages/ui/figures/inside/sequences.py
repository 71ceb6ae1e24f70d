"""Inside sequence models: Transformer attention per layer and head, and a recurrent layer's hidden
state (plus LSTM gates) over time, for one probe input (payload keys in core.probes).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import pages.ui.figures.theme as theme
from core import probes
from core.i18n import N_, _
from core.run_state import RunView
from pages.ui.figures.base import style, uirev
from pages.ui.figures.inside.base import (
    DIVERGING_SCALE,
    axis_suffix,
    blank,
    no_frame_text,
    small_titles,
    spacing,
)
from pages.ui.figures.timeline import frame_at

MAX_LAYERS = 6
MAX_HEADS = 8
MAX_TOKENS = probes.MAX_TOKENS  # positions shown per axis (the first ones; probes record no more)
MAX_TICKS = 32  # beyond this many positions, plotly picks which tick labels to show
# x-axis titles of the hidden state and of the (narrow) gate panels
SYMBOL_TITLES = (N_("time step (input symbol)"), N_("time step"))
POSITION_TITLES = (N_("position in the sequence"), N_("position"))
GATE_TITLES = {
    "input": N_("input gate (0 shut … 1 open)"),
    "forget": N_("forget gate (0 forget … 1 keep)"),
    "cell": N_("cell candidate (−1 … 1)"),
    "output": N_("output gate (0 shut … 1 open)"),
}


def input_symbols(view: RunView, input_index: int, length: int) -> list[str] | None:
    """The probe input's first `length` symbols, one per position, when the run's samples carry
    them (probes record at most the first `core.probes.MAX_TOKENS` positions of a longer input)."""
    rows = view.samples.get("rows") or []
    text = rows[input_index].get("input", "") if input_index < len(rows) else ""
    cropped = length == probes.MAX_TOKENS and len(text) > length
    if isinstance(text, str) and (len(text) == length or cropped):
        return list(text[:length])
    return None


def token_labels(view: RunView, input_index: int, length: int) -> list[str]:
    """Axis labels for the probe input's positions: its symbols when known, else t0, t1, …"""
    return input_symbols(view, input_index, length) or [f"t{j}" for j in range(length)]


def _position_ticks(labels: list[str]) -> dict:
    """Numeric positions labelled with their symbols (symbols repeat, so not categories)."""
    if len(labels) > MAX_TICKS:
        return dict(tickfont=dict(size=theme.SMALL_SIZE))
    return dict(
        tickvals=list(range(len(labels))),
        ticktext=labels,
        tickfont=dict(size=theme.SMALL_SIZE),
        showgrid=False,
    )


def attention_figure(view: RunView, input_index: int = 0, step: int | None = None) -> go.Figure:
    """Where each position looks (rows: layers, columns: heads) for one probe input; rows sum to 1."""
    frame = frame_at(view, step)
    att = frame.attention if frame else {}
    layers, maps = list(att.get("layers") or [])[:MAX_LAYERS], att.get("maps") or []
    if not layers or not maps or not maps[0]:
        text = no_frame_text(view, step, _("this model has no attention layers"))
        return blank(view, "attention", _("Attention"), text)
    index = max(0, min(input_index, len(maps[0]) - 1))
    per_layer = [np.asarray(maps[i][index], dtype=np.float64) for i in range(len(layers))]
    heads = min(MAX_HEADS, max(m.shape[0] for m in per_layer))
    length = per_layer[0].shape[-1]
    labels = token_labels(view, index, length)[:MAX_TOKENS]
    n = len(labels)
    rows = len(layers)
    fig = make_subplots(
        rows=rows,
        cols=heads,
        subplot_titles=[
            _("{layer} · head {h}").format(layer=layer, h=h)
            for layer in layers
            for h in range(heads)
        ],
        horizontal_spacing=spacing(heads, 0.06),
        vertical_spacing=spacing(rows, 0.12),
    )
    title = _("Attention for input #{index} at step {step}").format(index=index, step=frame.step)
    style(fig, title, uirev("attention", view))
    looks = _("{query} (t{q}) looks at {key} (t{k})")
    hover = [
        [looks.format(query=labels[q], q=q, key=labels[k], k=k) for k in range(n)] for q in range(n)
    ]
    head_hover = _("{layer} head {h}<br>%{{text}}<br>weight %{{z:.2f}}")
    for r, (layer, weights) in enumerate(zip(layers, per_layer, strict=True)):
        for h in range(min(heads, weights.shape[0])):
            fig.add_heatmap(
                x=list(range(n)),
                y=list(range(n)),
                z=weights[h, :n, :n].tolist(),  # (query T, key T)
                text=hover,
                coloraxis="coloraxis",
                hovertemplate=head_hover.format(layer=layer, h=h) + "<extra></extra>",
                row=r + 1,
                col=h + 1,
            )
    ticks = _position_ticks(labels)
    fig.update_xaxes(**ticks)
    fig.update_yaxes(**ticks, autorange="reversed")
    for i in range(rows * heads):
        suffix = axis_suffix(i)
        fig.layout[f"yaxis{suffix}"].update(scaleanchor=f"x{suffix}", constrain="domain")
        fig.layout[f"xaxis{suffix}"].update(constrain="domain")
    fig.update_xaxes(title_text=_("key (looked at)"), row=rows)
    fig.update_yaxes(title_text=_("query"), col=1)
    fig.update_layout(
        coloraxis=dict(
            colorscale=theme.HEAT_SCALE,
            cmin=0.0,
            cmax=1.0,
            colorbar=dict(title=dict(text=_("attention"), side="right")),
        ),
        height=140 + 320 * rows,
    )
    return small_titles(fig)


def recurrent_figure(view: RunView, input_index: int = 0, step: int | None = None) -> go.Figure:
    """Hidden units (rows) over time (columns) for one probe input, and the LSTM gates below."""
    frame = frame_at(view, step)
    rec = frame.recurrent if frame else {}
    hidden = rec.get("hidden") or []
    if not hidden:
        text = no_frame_text(view, step, _("this model has no recurrent layer"))
        return blank(view, "recurrent", _("Recurrent hidden state"), text)
    index = max(0, min(input_index, len(hidden) - 1))
    h = np.asarray(hidden[index], dtype=np.float64)[:MAX_TOKENS]  # (T, units)
    symbols = input_symbols(view, index, len(hidden[index]))
    steps = list(range(len(h)))
    # Symbols as tick labels when the data carries them and they fit; else plain positions.
    if symbols is not None and len(steps) <= MAX_TICKS:
        ticks, x_title, gate_x_title = _position_ticks(symbols[: len(steps)]), *SYMBOL_TITLES
    else:
        ticks = dict(tickfont=dict(size=theme.SMALL_SIZE), showgrid=False)
        x_title, gate_x_title = POSITION_TITLES
    x_title, gate_x_title = _(x_title), _(gate_x_title)
    all_gates = rec.get("gates") or []
    gates = np.asarray(all_gates[index] if index < len(all_gates) else [], dtype=np.float64)
    names = list(rec.get("gate_names") or [])
    has_gates = gates.ndim == 3 and len(names) == gates.shape[1]
    cell = rec.get("cell", "RNN")
    layer = rec.get("layer") or _("the recurrent layer")
    titles = [_("hidden state of {layer} ({cell})").format(layer=layer, cell=cell)]
    if has_gates:
        titles += [_(GATE_TITLES[name]) if name in GATE_TITLES else name for name in names]
        fig = make_subplots(
            rows=2,
            cols=len(names),
            specs=[[{"colspan": len(names)}] + [None] * (len(names) - 1), [{}] * len(names)],
            subplot_titles=titles,
            row_heights=[0.55, 0.45],
            vertical_spacing=0.2,
            horizontal_spacing=0.04,
        )
    else:
        fig = make_subplots(rows=1, cols=1, subplot_titles=titles)
    title = _("{cell} memory for input #{index} at step {step}")
    style(fig, title.format(cell=cell, index=index, step=frame.step), uirev("recurrent", view))
    fig.add_heatmap(
        x=steps,
        z=h.T.tolist(),  # (units, T)
        coloraxis="coloraxis",
        hovertemplate=_("unit %{y}, time %{x}<br>value %{z:.2f}") + "<extra></extra>",
        row=1,
        col=1,
    )
    fig.update_xaxes(title_text=x_title, row=1, col=1)
    fig.update_yaxes(title_text=_("hidden unit"), row=1, col=1)
    if has_gates:
        gate_hover = _("{gate}<br>unit %{{y}}, time %{{x}}<br>%{{z:.2f}}")
        for g, name in enumerate(names):
            fig.add_heatmap(
                x=steps,
                z=gates[: len(steps), g, :].T.tolist(),  # (units, T)
                coloraxis="coloraxis" if name == "cell" else "coloraxis2",
                hovertemplate=gate_hover.format(gate=titles[g + 1]) + "<extra></extra>",
                row=2,
                col=g + 1,
            )
            fig.update_xaxes(title_text=gate_x_title, row=2, col=g + 1)
        fig.update_yaxes(title_text=_("unit"), row=2, col=1)
    fig.update_xaxes(**ticks)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    top = dict(y=0.78, len=0.45) if has_gates else {}
    fig.update_layout(
        coloraxis=dict(
            colorscale=DIVERGING_SCALE,
            cmin=-1.0,
            cmax=1.0,
            colorbar=dict(title=dict(text=_("value"), side="right"), **top),
        ),
        height=760 if has_gates else 440,
    )
    if has_gates:
        fig.update_layout(
            coloraxis2=dict(
                colorscale=theme.HEAT_SCALE,
                cmin=0.0,
                cmax=1.0,
                colorbar=dict(title=dict(text=_("gate"), side="right"), y=0.2, len=0.4),
            )
        )
    return small_titles(fig)
