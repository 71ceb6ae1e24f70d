"""Backprop lab: step a tiny network's forward and backward passes one node and one edge at a time."""

from __future__ import annotations

import inspect

import streamlit as st

from core.i18n import _
from core.labs import graph as graph_code
from core.labs.backprop import sgd_step
from pages.ui import state
from pages.ui.dashboard.charting import chart
from pages.ui.labs import backprop as ui
from pages.ui.labs.formulas import backward_tex, forward_tex, label, num
from pages.ui.labs.graph import graph_figure, loss_history_figure
from pages.ui.labs.prose import fill, sections

PROSE = "labs/backprop"
TEXT = sections(PROSE)

state.require_frame("pages/backprop_lab.py")
st.title(_(":material/account_tree: Backprop lab"))
st.markdown(TEXT["intro"])

with st.sidebar:
    cfg, example, errors = ui.controls()
if errors:
    st.error(_("**Can't build this network yet.**") + " " + " ".join(errors))
    st.stop()

progress, trained = ui.progress(cfg, example)
state = ui.lab(cfg, example, trained)
graph, t = state.graph, state.trace
n_fwd, n_edges = len(t.forward_order), len(t.edges)
fwd_done, bwd_done = progress.n_forward == n_fwd, progress.n_backward == n_edges

ui.step_buttons(state, progress, trained)

m1, m2, m3, m4 = st.columns(4)
before = state.losses[-2] if trained else None
m1.metric(
    _("Loss on the example"),
    num(t.loss) if fwd_done else "?",
    delta=num(t.loss - before) if fwd_done and before is not None else None,
    delta_color="inverse",
)
m2.metric(_("Forward"), _("{done} / {total} nodes").format(done=progress.n_forward, total=n_fwd))
m3.metric(
    _("Backward"), _("{done} / {total} edges").format(done=progress.n_backward, total=n_edges)
)
m4.metric(_("SGD steps taken"), trained)

node, edge = progress.current_node(t), progress.current_edge(t)
with st.container(border=True, key=f"{ui.KEY}.now"):
    if edge is not None:
        terms = sum(1 for e in t.edges if e.parent == edge.parent)
        names = dict(child=label(graph.nodes[edge.child]), parent=label(graph.nodes[edge.parent]))
        st.markdown(
            fill(
                PROSE,
                "backward_shared" if terms > 1 else "backward",
                dict(k=progress.n_backward, n=n_edges, term=edge.term, terms=terms, **names),
            )
        )
        st.latex(backward_tex(graph, t.values, edge))
    elif node is not None:
        st.markdown(
            fill(
                PROSE, "forward", dict(k=progress.n_forward, n=n_fwd, name=label(graph.nodes[node]))
            )
        )
        st.latex(forward_tex(graph, t.values, node))
    if bwd_done:
        st.markdown(TEXT["backward_done"])
    elif fwd_done and edge is None:
        st.markdown(TEXT["forward_done"])
    elif progress.n_forward == 0:
        st.markdown(TEXT["after_step" if trained else "start"])

chart(graph_figure(graph, t, progress), f"{ui.KEY}.graph")

if bwd_done:
    title, key, (__, updates) = (
        _("What one SGD step will do"),
        "next_step",
        sgd_step(state.weights, graph, t.grads, cfg.lr),
    )
else:
    title = _("The last SGD step (step {step})").format(step=trained)
    key, updates = "last_step", state.last_update
if trained:
    left, right = st.columns([3, 2])
    with left:
        chart(loss_history_figure(state.losses), f"{ui.KEY}.loss_chart")
else:
    right = st.container()
if updates:
    rule = _("**{title}**: new θ = old θ − lr · ∂L/∂θ, with lr = {lr}")
    right.markdown(rule.format(title=title, lr=num(cfg.lr)))
    right.dataframe(ui.update_table(graph, updates), hide_index=True, key=f"{ui.KEY}.{key}")

with st.expander(_("The code behind the graph: forward and backward, micrograd style")):
    st.code(inspect.getsource(graph_code.forward) + "\n\n" + inspect.getsource(graph_code.backward))
