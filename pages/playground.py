"""Playground: set up a run in the sidebar (mirrored in the address), start it, watch it learn."""

from __future__ import annotations

import streamlit as st

from core.i18n import _
from core.presets import PRESETS
from core.urlstate import config_diff
from pages.ui import actions, classroom, presentation, state, variants
from pages.ui.config_panel import configure, run_plan
from pages.ui.dashboard.live import dashboard
from pages.ui.figures import model_summary_table
from pages.ui.share import share_links
from pages.ui.widgets import show

state.require_frame("pages/playground.py")

registry = state.registry()
owner = state.owner()
shown = state.selected_run(registry, owner)
read_only = state.read_only()
cfg = state.playground_config(fallback=shown.base.config if shown else None)

st.title(_(":material/tune: Playground"))
room = classroom.joined()
if room is not None and not read_only:
    classroom.student_banner(room)
ignored = st.session_state.pop(state.LINK_PROBLEMS, [])
if ignored:
    st.warning(
        _("**Parts of this link were not used:** {problems}").format(problems="; ".join(ignored))
    )

presenting = presentation.enabled()
with st.sidebar:
    if presenting:
        st.caption(
            _(
                ":material/slideshow: Presentation mode: the setup is hidden (it still applies). "
                "Turn the mode off to change it."
            )
        )
    if not read_only and not presenting:
        matching = next((name for name, p in PRESETS.items() if p.config == cfg), None)
        show("playground.preset", matching)
        st.selectbox(
            _("Start from a preset"),
            list(PRESETS),
            index=list(PRESETS).index(matching) if matching else None,
            placeholder=_("Choose a starter setup…"),
            format_func=lambda name: _(PRESETS[name].title),
            key="playground.preset",
            on_change=actions.load_preset,
            args=("playground.preset",),
        )
    errors = [] if presenting else configure(cfg, read_only, state.hidden_controls())
state.sync_url(cfg)

plan, plan_error = run_plan(cfg, registry) if not errors else (None, "")
problem = "; ".join(errors) or plan_error
if actions.start_requested() and not problem and not read_only:
    started = actions.start_run(cfg, plan)
    shown = registry.get(started) if started else shown

left, right = st.columns([1, 3], vertical_alignment="center")
if read_only:
    left.link_button(_("Edit a copy"), share_links(cfg).edit, icon=":material/edit:")
    right.info(
        _("A read-only link: you can look at this setup and its run, not start or steer runs.")
    )
else:
    left.button(
        _("Start"),
        key="playground.start",
        type="primary",
        icon=":material/play_arrow:",
        on_click=actions.request_start,
        disabled=bool(problem),
        width="stretch",
    )
if problem:
    right.error(_("**Can't start this yet.** {problem}").format(problem=problem))
elif plan and not read_only:
    changed = config_diff(shown.base.config, cfg) if shown else []
    summary = _(
        "Start trains this setup: {params:,} parameters, about {mb:.1f} MB, "
        "{n_train:,} training / {n_val:,} validation examples."
    ).format(
        params=plan.model.total_params,
        mb=plan.estimated_bytes / 2**20,
        n_train=plan.n_train,
        n_val=plan.n_val,
    )
    if changed:
        summary = _("{summary} It differs from the run below in {settings}.").format(
            summary=summary, settings=", ".join(changed)
        )
    right.caption(summary)
if variants.pending() and not read_only:
    st.caption(
        _(
            ":material/call_split: Start trains a **variant** of run `{run}`: same seed, so the "
            "same starting weights and data order; both curves go on one chart."
        ).format(run=variants.pending())
    )
start_error = st.session_state.pop(state.START_ERROR, None)
if start_error:
    st.error(_("**Could not start the run.** {reason}").format(reason=start_error))

with st.expander(_("Share this setup"), icon=":material/share:"):
    share_links(cfg, shown.base.run_id if shown else None).show()

if plan:
    with st.expander(_("Model summary: layers, output shapes, parameters"), expanded=shown is None):
        st.dataframe(model_summary_table(plan.model), hide_index=True, key="playground.summary")

st.divider()
dashboard(shown, can_control=not read_only)
