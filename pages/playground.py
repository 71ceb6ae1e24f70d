"""Playground: configure a run in the sidebar, start it, and watch it learn on the live dashboard."""

from __future__ import annotations

import streamlit as st

from core.presets import PRESETS
from pages.ui import actions, state
from pages.ui.config_panel import configure, run_plan
from pages.ui.dashboard import dashboard
from pages.ui.figures import model_summary_table

state.require_frame("pages/playground.py")

registry = state.registry()
owner = state.owner()
run_id = state.selected_run(registry, owner)

st.title(":material/tune: Playground")

with st.sidebar:
    st.selectbox(
        "Start from a preset",
        list(PRESETS),
        index=None,
        placeholder="Choose a starter setup…",
        format_func=lambda name: PRESETS[name].title,
        key="playground.preset",
        on_change=actions.load_preset,
        args=("playground.preset",),
    )
    cfg, errors = configure(state.draft_config())
state.set_draft(cfg)

plan, plan_error = run_plan(cfg, registry.memory_budget) if not errors else (None, "")
problem = "; ".join(errors) or plan_error

left, right = st.columns([1, 3], vertical_alignment="center")
left.button(
    "Start",
    key="playground.start",
    type="primary",
    icon=":material/play_arrow:",
    on_click=actions.start_run,
    args=(cfg,),
    disabled=bool(problem),
    width="stretch",
)
if problem:
    right.error(f"**Can't start this yet.** {problem}")
elif plan:
    summary = plan["summary"]
    right.caption(
        f"Ready: {summary['total_params']:,} parameters, about "
        f"{plan['estimated_bytes'] / 2**20:.1f} MB to train, "
        f"{plan['n_train']:,} training / {plan['n_val']:,} validation examples."
    )
start_error = st.session_state.pop(state.START_ERROR, None)
if start_error:
    st.error(f"**Could not start the run.** {start_error}")

if plan:
    with st.expander("Model summary: layers, output shapes, parameters", expanded=run_id is None):
        st.dataframe(
            model_summary_table(plan["summary"]), hide_index=True, key="playground.summary"
        )

st.divider()
dashboard(run_id)
