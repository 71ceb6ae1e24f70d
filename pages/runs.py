"""Runs: every run this browser started (and shared ones); compare, download, delete, reopen."""

from __future__ import annotations

from functools import partial

import streamlit as st

from core.i18n import N_, _, ngettext
from pages.ui import figures, state
from pages.ui.dashboard.charting import chart
from pages.ui.dashboard.live import describe
from pages.ui.dashboard.runs_table import (
    column_label,
    delete_runs,
    epochs_csv,
    open_in_playground,
    runs_frame,
    shown,
    status_label,
    step_loss_csv,
)

CURVES = {
    "step_loss": N_("Training loss"),
    "val_loss": N_("Validation loss"),
    "val_metric": N_("Validation metric"),
}

state.require_frame("pages/runs.py")

registry = state.registry()
owner = state.owner()

st.title(_(":material/table_chart: Runs"))
records = registry.list(owner)
if not records:
    st.info(_("No runs yet. Start one from **Home** or the **Playground**."))
    st.stop()

st.caption(_("Select rows to compare their curves, download their data, reopen or delete them."))
table = runs_frame(registry, records)
event = st.dataframe(
    shown(table),
    hide_index=True,
    on_select="rerun",
    selection_mode="multi-row",
    key="runs.table",
    column_config={
        column_label("created"): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
        column_label("best val"): st.column_config.NumberColumn(format="%.4g"),
        column_label("run"): st.column_config.TextColumn(width="medium"),
    },
)
selected = [table.iloc[i]["run"] for i in event.selection.rows]
# `?compare=id,id` (e.g. the fine-tuning example) shows those runs until rows are picked.
asked = [r for r in st.query_params.get("compare", "").split(",") if r in set(table["run"])]
selected = selected or asked
note = st.session_state.pop("runs.note", "")
if note:
    st.warning(note)
if not selected:
    st.caption(_("Nothing selected yet."))
    st.stop()

views = [v for v in (registry.snapshot(r) for r in selected) if v is not None]
st.subheader(_("Compare") if len(views) > 1 else _("Curves"))
metric = st.segmented_control(
    _("Curve"),
    list(CURVES),
    default="step_loss",
    format_func=lambda curve: _(CURVES[curve]),
    key="runs.metric",
)
labels = [
    f"{v.run_id[-6:]} · {v.config.data.name} · {v.config.model.kind}"
    + (_(" · fine-tuned") if v.config.finetune.init_from else "")
    for v in views
]
chart(figures.compare_runs(views, metric or "step_loss", labels), "runs.compare_chart")

st.subheader(_("Selected runs"))
for view in views:
    with st.container(border=True):
        st.markdown(f"**`{view.run_id}`** — {status_label(view.status)}")
        st.caption(describe(view.config))
        cols = st.columns(4)
        cols[0].download_button(
            _("Epoch metrics (CSV)"),
            epochs_csv(view),
            file_name=f"{view.run_id}-epochs.csv",
            mime="text/csv",
            key=f"runs.epochs_csv.{view.run_id}",
            disabled=not view.epochs,
        )
        cols[1].download_button(
            _("Step loss (CSV)"),
            step_loss_csv(view),
            file_name=f"{view.run_id}-steps.csv",
            mime="text/csv",
            key=f"runs.steps_csv.{view.run_id}",
            disabled=not view.loss_steps,
        )
        # Weights are the owner's to hand out; a shared run's curves are public, its weights not.
        mine = view.owner == owner
        checkpoint = registry.store.checkpoint_path(view.run_id)
        has_weights = mine and checkpoint.is_file()
        cols[2].download_button(
            _("Weights (final.pt)"),
            partial(checkpoint.read_bytes) if has_weights else b"",
            file_name=f"{view.run_id}-final.pt",
            mime="application/octet-stream",
            key=f"runs.checkpoint.{view.run_id}",
            disabled=not has_weights,
            help=_(
                "The trained weights (a state_dict; load with `torch.load(..., weights_only=True)`)."
            )
            if mine
            else _("Only the run's owner can download its weights."),
        )
        if cols[3].button(
            _("Open in playground"),
            key=f"runs.open.{view.run_id}",
            icon=":material/tune:",
            on_click=open_in_playground,
            args=(view.run_id,),
        ):
            st.switch_page("pages/playground.py")

with st.popover(
    ngettext("Delete {n} selected run…", "Delete {n} selected runs…", len(selected)).format(
        n=len(selected)
    ),
    icon=":material/delete:",
):
    st.markdown(
        ngettext(
            "Delete **{n}** run and its files? This cannot be undone.",
            "Delete **{n}** runs and their files? This cannot be undone.",
            len(selected),
        ).format(n=len(selected))
    )
    st.button(
        _("Yes, delete"),
        key="runs.delete_confirm",
        type="primary",
        on_click=delete_runs,
        args=(selected,),
    )
