"""Figures for the backprop lab: the computational graph mid-pass, and the loss over SGD steps.

`graph_figure` is a pure function of the graph, its trace and how far each pass has gone: nodes sit
in columns by depth (inputs and weights, products, sums, activations, ..., loss), a value appears
once the forward pass reaches it, a gradient once a backward edge delivers it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from core.i18n import N_, _
from core.labs.graph import EdgeStep, Graph, Trace
from pages.ui.figures import theme
from pages.ui.labs.formulas import label, num

ROLE_COLORS = {
    "input": theme.PALETTE[4],
    "weight": theme.PALETTE[1],
    "bias": theme.PALETTE[1],
    "product": "#7F7F7F",
    "sum": "#7F7F7F",
    "activation": theme.PRED,
    "output": theme.PRED,
    "target": theme.TRUTH,
    "loss": theme.VAL,
}
ROLE_NAMES = {  # a node's role, as its hover label names it
    "input": N_("input"),
    "weight": N_("weight"),
    "bias": N_("bias"),
    "target": N_("target"),
    "product": N_("product"),
    "sum": N_("sum"),
    "activation": N_("activation"),
    "output": N_("output"),
    "loss": N_("loss"),
}
FORWARD = theme.TRAIN  # the forward pass is drawn in blue
BACKWARD = theme.VAL  # the backward pass in vermillion
ROW_PX = 62  # vertical room per node: a marker plus two lines of label
TEXT_SIZE = 13


@dataclass(frozen=True)
class Progress:
    """How far the passes have gone: nodes computed and edges back-propagated."""

    n_forward: int
    n_backward: int

    def current_node(self, t: Trace) -> int | None:
        """The node the last forward step computed (while no backward step has been taken)."""
        return (
            t.forward_order[self.n_forward - 1] if self.n_forward and not self.n_backward else None
        )

    def current_edge(self, t: Trace) -> EdgeStep | None:
        return t.edges[self.n_backward - 1] if self.n_backward else None


def columns(graph: Graph) -> list[int]:
    """Column of each node: computed nodes one right of their deepest computed input, each leaf
    just left of its first consumer, so weights sit next to the products that use them."""
    col = [0] * len(graph.nodes)
    for node in graph.nodes:
        if node.op != "leaf":
            col[node.id] = 1 + max((col[p] for p in node.parents), default=0)
    children = graph.children()
    for node in graph.nodes:
        if node.op == "leaf" and children[node.id]:
            col[node.id] = min(col[c] for c in children[node.id]) - 1
    return col


def layout(graph: Graph) -> list[tuple[float, float]]:
    """(x, y) of each node: columns left to right, each column ordered to shorten the edges."""
    col = columns(graph)
    children = graph.children()
    by_col: dict[int, list[int]] = {}
    for node in graph.nodes:
        by_col.setdefault(col[node.id], []).append(node.id)
    y = [0.0] * len(graph.nodes)

    def place(ids: list[int]) -> None:
        for rank, i in enumerate(ids):
            y[i] = (len(ids) - 1) / 2 - rank

    for ids in by_col.values():
        place(ids)
    for _sweep in range(
        2
    ):  # two barycentre sweeps: sort each column by its neighbours' mean height
        for c in sorted(by_col):
            ids = by_col[c]
            nbrs = {i: [*graph.nodes[i].parents, *children[i]] for i in ids}
            mean = {i: sum(y[n] for n in nbrs[i]) / len(nbrs[i]) if nbrs[i] else y[i] for i in ids}
            by_col[c] = sorted(ids, key=lambda i: (-mean[i], i))
            place(by_col[c])
    return [(float(col[i]), y[i]) for i in range(len(graph.nodes))]


def known_grads(t: Trace, progress: Progress) -> dict[int, float]:
    """Gradients delivered so far: dL/dL = 1 once the backward pass starts, then edge by edge."""
    grads: dict[int, float] = {}
    if progress.n_backward:
        grads[len(t.values) - 1] = 1.0
    for e in t.edges[: progress.n_backward]:
        grads[e.parent] = e.grad_after
    return grads


def _lines(
    pos: Sequence[tuple[float, float]],
    pairs: Sequence[tuple[int, int]],
    color: str,
    width: float,
    name: str,
) -> go.Scatter:
    """All edges in `pairs` as one line trace (None-separated segments)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a, b in pairs:
        xs += [pos[a][0], pos[b][0], None]
        ys += [pos[a][1], pos[b][1], None]
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        line=dict(color=color, width=width),
        hoverinfo="skip",
        showlegend=False,
        name=name,
    )


def _nodes(
    graph: Graph,
    t: Trace,
    pos: Sequence[tuple[float, float]],
    known: set[int],
    grads: dict[int, float],
    lit: set[int],
) -> go.Scatter:
    """Every node: square leaves, round computed nodes, filled once their value is known."""
    text, hover = [], []
    for n in graph.nodes:
        value = num(t.values[n.id]) if n.id in known else "?"
        grad = f"∂ {num(grads[n.id])}" if n.id in grads else ""
        text.append(
            f"<b>{label(n)}</b> {value}"
            + (f"<br><span style='color:{BACKWARD}'>{grad}</span>" if grad else "")
        )
        about = _("{name} ({role})<br>value {value}").format(
            name=label(n), role=_(ROLE_NAMES[n.role]), value=value
        )
        hover.append(about + (f"<br>{grad}" if grad else ""))
    nodes = graph.nodes
    return go.Scatter(
        x=[p[0] for p in pos],
        y=[p[1] for p in pos],
        mode="markers+text",
        text=text,
        textposition="top center",
        textfont=dict(size=TEXT_SIZE),
        hovertext=hover,
        hoverinfo="text",
        showlegend=False,
        name="nodes",
        marker=dict(
            size=[22 if n.id in lit else 14 for n in nodes],
            symbol=["square" if n.op == "leaf" else "circle" for n in nodes],
            color=[ROLE_COLORS[n.role] if n.id in known else "white" for n in nodes],
            line=dict(
                color=[theme.TRUTH if n.id in lit else ROLE_COLORS[n.role] for n in nodes],
                width=[3.5 if n.id in lit else 2 for n in nodes],
            ),
        ),
    )


def graph_figure(graph: Graph, t: Trace, progress: Progress) -> go.Figure:
    """The graph with values known so far, gradients delivered so far and the current step lit."""
    pos = layout(graph)
    known = {n.id for n in graph.nodes if n.op == "leaf"} | set(
        t.forward_order[: progress.n_forward]
    )
    node, edge = progress.current_node(t), progress.current_edge(t)
    fig = go.Figure()
    fig.add_trace(
        _lines(pos, [(p, n.id) for n in graph.nodes for p in n.parents], "#C8C8C8", 1.2, "edges")
    )
    done = [(e.parent, e.child) for e in t.edges[: progress.n_backward]]
    fig.add_trace(_lines(pos, done, BACKWARD, 2.0, "done"))
    lit: set[int] = set()
    if node is not None:
        fig.add_trace(
            _lines(pos, [(p, node) for p in graph.nodes[node].parents], FORWARD, 4.0, "current")
        )
        lit = {node}
    if edge is not None:
        fig.add_trace(_lines(pos, [(edge.parent, edge.child)], BACKWARD, 5.0, "current"))
        lit = {edge.parent, edge.child}
    fig.add_trace(_nodes(graph, t, pos, known, known_grads(t, progress), lit))
    rows = max(sum(1 for p in pos if p[0] == c) for c in {p[0] for p in pos})
    top = max(p[1] for p in pos)
    fig.update_layout(
        template=theme.TEMPLATE,
        height=int(max(360, ROW_PX * rows + 80)),
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(visible=False, range=[-0.6, max(p[0] for p in pos) + 0.6]),
        yaxis=dict(visible=False, range=[-top - 0.5, top + 0.9]),
        uirevision="backprop-graph",
        hovermode="closest",
    )
    return fig


def loss_history_figure(losses: Sequence[float]) -> go.Figure:
    """The example's loss before each SGD step (log scale when it spans more than a decade)."""
    fig = go.Figure(
        go.Scatter(
            x=list(range(len(losses))),
            y=list(losses),
            mode="lines+markers",
            line=dict(color=theme.TRAIN, width=3),
            marker=dict(size=5),
            name=_("loss"),
        )
    )
    positive = [v for v in losses if v > 0]
    spans = len(positive) == len(losses) and max(positive) > 10 * min(positive)
    fig.update_layout(
        template=theme.TEMPLATE,
        title_text=_("Loss on the example after each SGD step"),
        height=340,
        uirevision="backprop-loss",
        margin=dict(t=60),
    )
    fig.update_xaxes(title_text=_("SGD step"))
    fig.update_yaxes(
        title_text=_("loss (log scale)") if spans else _("loss"),
        type="log" if spans else "linear",
        exponentformat="power",
    )
    return fig
