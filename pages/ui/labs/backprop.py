"""Streamlit glue for the backprop lab: its controls, its three small step counters, its buttons.

The page remembers only three ints (nodes computed, edges back-propagated, SGD steps taken); the
network itself is rebuilt from the config on every rerun, which costs well under a millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from core.i18n import _
from core.labs.backprop import (
    MAX_STEPS,
    Example,
    LabState,
    NetConfig,
    ParamUpdate,
    run_lab,
    validate,
)
from core.labs.graph import Graph
from pages.ui.labs.formulas import label, num
from pages.ui.labs.graph import Progress
from pages.ui.widgets import config_inputs

KEY = "backprop"
FORWARD, BACKWARD, TRAINED = f"{KEY}.n_forward", f"{KEY}.n_backward", f"{KEY}.trained"
FINGERPRINT = f"{KEY}.fingerprint"
DEFAULT_INPUTS = (0.5, -1.0, 0.25)
BURST = 50


def controls() -> tuple[NetConfig, Example, list[str]]:
    """The network and example widgets (sidebar); returns the config, example and input errors."""
    st.subheader(_("Network"))
    labels = {
        "n_inputs": _("Inputs"),
        "hidden": _("Hidden"),
        "activation": _("Activation"),
        "loss": _("Loss"),
        "seed": _("Seed"),
        "lr": _("Learning rate"),
    }
    cfg, errors = config_inputs(NetConfig(), f"{KEY}.net", labels=labels)
    st.subheader(_("Training example"))
    cols = st.columns(cfg.n_inputs)
    inputs = tuple(
        col.number_input(f"x{i + 1}", -5.0, 5.0, DEFAULT_INPUTS[i], 0.05, key=f"{KEY}.x{i}")
        for i, col in enumerate(cols)
    )
    lo, hi = (0.0, 1.0) if cfg.loss == "bce" else (-5.0, 5.0)
    target = st.number_input(
        _("Target y"),
        lo,
        hi,
        0.8,
        0.05,
        key=f"{KEY}.target.{cfg.loss}",
        help=_("What ŷ should be."),
    )
    example = Example(inputs=inputs, target=target)
    try:
        validate(cfg, example)
    except ValueError as err:
        errors.append(str(err))
    return cfg, example, errors


def progress(cfg: NetConfig, example: Example) -> tuple[Progress, int]:
    """The step counters; all back to zero when the network or the example changed."""
    s = st.session_state
    fingerprint = repr((cfg, example))
    if s.get(FINGERPRINT) != fingerprint:
        s[FINGERPRINT], s[FORWARD], s[BACKWARD], s[TRAINED] = fingerprint, 0, 0, 0
    return Progress(s[FORWARD], s[BACKWARD]), s[TRAINED]


@st.cache_data(max_entries=64, show_spinner=False)
def lab(cfg: NetConfig, example: Example, trained: int) -> LabState:
    """The network after `trained` SGD steps, both passes recorded (cached per rerun pattern)."""
    return run_lab(cfg, example, trained)


def _set(**values: int) -> None:
    for name, value in values.items():
        st.session_state[f"{KEY}.{name}"] = value


def step_buttons(state: LabState, p: Progress, trained: int) -> None:
    """The seven stepping buttons; each callback only moves the counters."""
    n_fwd, n_edges = len(state.trace.forward_order), len(state.trace.edges)
    fwd_done, bwd_done = p.n_forward == n_fwd, p.n_backward == n_edges
    need_forward = None if fwd_done else _("Finish the forward pass first.")
    need_grads = None if bwd_done else _("Needs the gradients: finish the backward pass first.")
    buttons = [
        (_("Forward step"), "forward_step", dict(n_forward=p.n_forward + 1), fwd_done, None),
        (_("Run forward"), "run_forward", dict(n_forward=n_fwd), fwd_done, None),
        (
            _("Backward step"),
            "backward_step",
            dict(n_backward=p.n_backward + 1),
            not fwd_done or bwd_done,
            need_forward,
        ),
        (
            _("Run backward"),
            "run_backward",
            dict(n_backward=n_edges),
            not fwd_done or bwd_done,
            need_forward,
        ),
        (
            _("Optimizer step"),
            "optimizer_step",
            dict(trained=trained + 1, n_forward=0, n_backward=0),
            not bwd_done or trained >= MAX_STEPS,
            need_grads,
        ),
        (
            _("Run {n} steps").format(n=BURST),
            "run_steps",
            dict(trained=trained + BURST, n_forward=n_fwd, n_backward=0),
            trained + BURST > MAX_STEPS,
            None,
        ),
        (_("Reset"), "reset", dict(trained=0, n_forward=0, n_backward=0), False, None),
    ]
    for col, (text, key, values, disabled, why) in zip(
        st.columns(len(buttons)), buttons, strict=True
    ):
        col.button(
            text,
            key=f"{KEY}.{key}",
            on_click=_set,
            kwargs=values,
            disabled=disabled,
            help=why if disabled and why else None,
            width="stretch",
            type="primary"
            if key in ("forward_step", "backward_step", "optimizer_step")
            else "secondary",
        )


def update_table(graph: Graph, updates: Sequence[ParamUpdate]) -> pd.DataFrame:
    """An SGD step, one row per parameter θ: old value, gradient, learning rate, new value.

    Numbers are shown as the graph shows them (4 significant digits), so they can be compared.
    """
    rows = [
        {
            "θ": label(graph.nodes[u.node]),
            _("old θ"): num(u.old),
            "∂L/∂θ": num(u.grad),
            "lr": num(u.lr),
            _("new θ"): num(u.new),
        }
        for u in updates
    ]
    return pd.DataFrame(rows)
