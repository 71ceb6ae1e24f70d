"""Fair A/B: "Run a variant" of a run, then watch both on one chart.

A variant keeps the original's seed, so with the same model it starts from the same initial
weights and sees the data in the same order: whatever differs in the curves comes from the
settings the learner changed (listed as a diff). Which run a new run is a variant of is kept in
this browser session.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from core.i18n import _
from core.run_state import RunView
from core.urlstate import config_diff
from pages.ui import state
from pages.ui.dashboard.charting import LOSS_S, SLOW_S, cached_figure, chart
from pages.ui.figures import compare_runs
from pages.ui.figures.predictions import decision_boundary

PENDING = "variants.pending"  # the run the next Start is a variant of
PAIRS = "variants.pairs"  # variant run id -> original run id


def run_variant(run_id: str) -> None:
    """on_click of "Run a variant": the form takes the run's setup; Start trains the variant."""
    run = state.registry().get(run_id)
    if run is None:
        return
    state.set_config(run.base.config)
    state.select_run(run_id)
    st.session_state[PENDING] = run_id


def pending() -> str | None:
    return st.session_state.get(PENDING)


def started(new_run: str) -> None:
    """After Start: remember what the new run is a variant of (if it is one)."""
    original = st.session_state.pop(PENDING, None)
    if original and original != new_run:
        st.session_state.setdefault(PAIRS, {})[new_run] = original


def original_of(run_id: str) -> str | None:
    return st.session_state.get(PAIRS, {}).get(run_id)


def comparison(view: RunView, original: RunView) -> None:
    """The variant's diff, both loss curves overlaid, and (2-D data) both decision boundaries."""
    changed = config_diff(original.config, view.config)
    st.markdown(
        _(
            "**A variant of run `{run_id}`**, same seed, so same starting weights and data order "
            "where the model allows it."
        ).format(run_id=original.run_id)
    )
    if changed:
        st.caption(_("Changed: {settings}").format(settings=" · ".join(f"`{c}`" for c in changed)))
    else:
        st.caption(
            _(
                "Nothing changed: the two runs compute the same numbers, so their curves lie "
                "exactly on top of each other."
            )
        )
    if view.loss_values and original.loss_values:
        a, b = original.loss_values[0], view.loss_values[0]
        text = (
            _("First training loss: {original!r} (original) and {variant!r} (variant), identical.")
            if a == b
            else _(
                "First training loss: {original!r} (original) and {variant!r} (variant), different."
            )
        )
        st.caption(text.format(original=a, variant=b))
    # Redrawn each second while the variant trains: rebuilt only when a run's data moved.
    stamp = (len(view.loss_steps), len(original.loss_steps))
    curves = cached_figure(view, _curves, original.run_id, stamp=stamp, every_s=LOSS_S)
    chart(curves, "dashboard.variant_curves")
    if view.samples_kind == "boundary" and original.samples_kind == "boundary":
        left, right = st.columns(2)
        with left:
            st.caption(_("Original"))
            figure = cached_figure(
                view, _original_boundary, original.run_id, stamp=original.samples_step
            )
            chart(figure, "dashboard.variant_boundary_a")
        with right:
            st.caption(_("Variant"))
            figure = cached_figure(view, decision_boundary, stamp=view.samples_step, every_s=SLOW_S)
            chart(figure, "dashboard.variant_boundary_b")


def _other(run_id: str) -> RunView | None:
    run = state.registry().get(run_id)
    return run.snapshot() if run is not None else None


def _curves(view: RunView, original_id: str) -> go.Figure:
    original = _other(original_id) or view
    labels = [
        _("original {run_id}").format(run_id=original.run_id[-6:]),
        _("variant {run_id}").format(run_id=view.run_id[-6:]),
    ]
    return compare_runs([original, view], "step_loss", labels)


def _original_boundary(view: RunView, original_id: str) -> go.Figure:
    return decision_boundary(_other(original_id) or view)
