"""Sweeps: train the Playground's setup at several values of one or two hyperparameters."""

from __future__ import annotations

import streamlit as st

from core.i18n import N_, _
from core.sweeps import MAX_POINTS
from pages.ui import state
from pages.ui.dashboard.live import describe
from pages.ui.sweeping import CURRENT, KEY, axis_input, results, running, start_sweep

state.require_frame("pages/sweeps.py")

st.title(":material/grid_on: " + _("Sweeps"))
cfg = state.playground_config()
st.markdown(
    _(
        "Sweeps the **Playground's setup** ({setup}): every run is that setup with the values "
        "below. Runs queue like any others and train as slots free up."
    ).format(setup=describe(cfg))
)
st.page_link(
    "pages/playground.py", label=_("Change the setup in the Playground"), icon=":material/tune:"
)

axes = [axis_input(cfg, 1, "optim.lr")]
if st.checkbox(_("Vary a second hyperparameter"), key=f"{KEY}.two"):
    axes.append(axis_input(cfg, 2, "train.batch_size"))
mode = st.segmented_control(
    _("Points"),
    [N_("grid"), N_("random")],
    default="grid",
    format_func=lambda option: _(option),
    key=f"{KEY}.mode",
)
n = 0
if mode == "random":
    n = st.number_input(
        _("How many points (picked at random from the grid)"), 1, MAX_POINTS, 4, key=f"{KEY}.n"
    )
if st.button(_("Run the sweep"), type="primary", icon=":material/play_arrow:", key=f"{KEY}.start"):
    problem = start_sweep(cfg, axes, mode or "grid", int(n))
    if problem:
        st.error(_("**Can't run this sweep.** {problem}").format(problem=problem))

runner = st.session_state.get(CURRENT)
if runner is not None:
    st.subheader(_("Results"))
    training = running(runner)

    def live() -> None:
        state.owner()  # this visitor is here: their runs are not abandoned
        if not results(runner) and training:
            st.rerun()  # done: draw it once more, without the timer
        if not training:
            st.caption(_("The sweep is complete."))

    st.fragment(run_every=1.0 if training else None)(live)()
