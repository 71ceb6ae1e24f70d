"""Optimizer lab: race real torch.optim optimizers across 2-D loss surfaces and read their state."""

from __future__ import annotations

import streamlit as st

from core.i18n import _
from core.labs.surfaces import SURFACES
from core.optim import OPTIMIZER_TITLES
from pages.ui import state
from pages.ui.labs import optim as ui
from pages.ui.labs.prose import sections
from pages.ui.labs.surfaces import color, contour_figure, gap_figure

TEXT = sections(ui.PROSE)
PLOTLY_CONFIG = {"displaylogo": False}

state.require_frame("pages/optimizer_lab.py")
st.title(_(":material/moving: Optimizer lab"))
st.markdown(TEXT["intro"])

with st.sidebar:
    st.subheader(_("Surface"))
    surface_cfg, start, steps = ui.surface_controls()
    st.subheader(_("Racers"))
    optims = ui.racer_controls(surface_cfg.name)

surface = SURFACES[surface_cfg.name]
xs, ys, z = ui.surface_grid(surface_cfg)
trajectories = ui.cached_race(surface_cfg, tuple(optims), start, steps)

if not trajectories:
    st.info(_("Pick at least one optimizer in the sidebar to start the race."))
step = st.slider(
    _("Step"),
    0,
    steps,
    steps,
    key=f"{ui.KEY}.step.{steps}",
    help=_("Replay the race: every path is drawn up to this step."),
)
for traj in trajectories:
    note = ui.stopped_note(traj)
    if note:
        st.warning(note, icon=":material/warning:")

left, right = st.columns([7, 6])
left.plotly_chart(
    contour_figure(surface, xs, ys, z, trajectories, step),
    key=f"{ui.KEY}.contour",
    theme=None,
    config=PLOTLY_CONFIG,
    width="stretch",
)
right.plotly_chart(
    gap_figure(trajectories, surface.f_min, step),
    key=f"{ui.KEY}.gap",
    theme=None,
    config=PLOTLY_CONFIG,
    width="stretch",
)

st.subheader(_("What each optimizer was doing at step {step}").format(step=step))
for traj in trajectories:
    title = _(OPTIMIZER_TITLES[traj.optimizer])
    with st.container(border=True, key=f"{ui.KEY}.explain.{traj.optimizer}"):
        st.markdown(
            f"<span style='color:{color(traj.optimizer)}'>●</span> **{title}** "
            f"{ui.summary(traj, surface.f_min)}",
            unsafe_allow_html=True,
        )
        st.markdown(ui.explanation(traj, step))
