"""The Runs page's data: one table row per stored run, metrics as CSV, and run actions.

Rows come from the store's records plus a few numbers from each run's snapshot (best validation
metric, duration), cached per (run, last update) so a page with many finished runs stays quick.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from typing import Any

import pandas as pd
import streamlit as st

from core.events import STATUS_NAMES
from core.i18n import N_, _, language
from core.run_state import RunView
from core.runs import RunRegistry
from core.store import RunRecord
from pages.ui import state
from pages.ui.figures.curves import metric_scale, metric_title
from pages.ui.widgets import format_number

COLUMNS = ["created", "dataset", "model", "optimizer", "lr", "batch", "epochs", "status",
           "best val", "metric", "duration", "started from", "run"]  # fmt: skip
# The columns' headers as a visitor reads them (code keeps using the English names above).
COLUMN_LABELS = {
    "created": N_("created"),
    "dataset": N_("dataset"),
    "model": N_("model"),
    "optimizer": N_("optimizer"),
    "lr": N_("lr"),
    "batch": N_("batch"),
    "epochs": N_("epochs"),
    "status": N_("status"),
    "best val": N_("best val"),
    "metric": N_("metric"),
    "duration": N_("duration"),
    "started from": N_("started from"),
    "run": N_("run"),
}


def status_label(status: str) -> str:
    """A run's status in the visitor's language (an unknown one as it is)."""
    return _(status) if status in STATUS_NAMES else status


def column_label(column: str) -> str:
    """A table column's header in the visitor's language."""
    return _(COLUMN_LABELS[column]) if column in COLUMN_LABELS else column


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its headers in the visitor's language, ready for `st.dataframe`."""
    return frame.rename(columns=column_label)


def view_numbers(view: RunView | None) -> dict[str, Any]:
    """Best validation metric (shown scale), its name, the run's duration in seconds and its
    parameter count."""
    if view is None:
        return {
            "best val": None,
            "metric": "",
            "metric key": "",
            "duration": None,
            "parameters": None,
        }
    best = view.best_val_metric()
    name = view.epochs[-1].metric_name if view.epochs else ""
    duration = None
    if view.progress is not None and view.progress.elapsed_s:
        duration = view.progress.elapsed_s
    elif view.started:
        duration = (view.ended or dt.datetime.now().timestamp()) - view.started
    return {
        # Unrounded: the table shows 4 significant digits, so a tiny error does not read as 0.
        "best val": None if best is None else best * metric_scale(name),
        "metric": metric_title(name) if name else "",
        "metric key": name,  # "accuracy", "mae"...: for logic; "metric" is the shown title
        "duration": duration,
        "parameters": view.plan.model.total_params if view.plan else None,
    }


@st.cache_data(max_entries=2000, show_spinner=False)
def _stored_numbers(root: str, run_id: str, updated: float, lang: str) -> dict[str, Any]:
    """`view_numbers` of a stored run; `lang` keys the cache, as the metric's name is translated."""
    return view_numbers(state.registry().snapshot(run_id))


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds >= 60:
        return _("{minutes} min {seconds:02d} s").format(
            minutes=seconds // 60, seconds=seconds % 60
        )
    return _("{seconds} s").format(seconds=seconds)


def run_numbers(reg: RunRegistry, record: RunRecord, active: set[str]) -> dict[str, Any]:
    """`view_numbers` of a listed run: live for an active run, else from the store, read once per
    save (tables that refresh every few seconds do not re-read finished runs)."""
    if record.run_id in active:
        return view_numbers(reg.snapshot(record.run_id))
    return _stored_numbers(str(reg.store.root), record.run_id, record.updated, language())


def runs_frame(reg: RunRegistry, records: list[RunRecord]) -> pd.DataFrame:
    """The table shown on the Runs page, newest first (English column names: see `shown`)."""
    active = set(reg.active())
    rows = []
    for r in records:
        numbers = run_numbers(reg, r, active)
        cfg = r.config
        rows.append(
            {
                "created": dt.datetime.fromtimestamp(r.created),
                "dataset": cfg.data.name,
                "model": cfg.model.kind,
                "optimizer": cfg.optim.name,
                "lr": format_number(cfg.optim.lr),
                "batch": cfg.train.batch_size,
                "epochs": cfg.train.epochs,
                "status": _("{status} (shared)").format(status=status_label(r.status))
                if r.shared
                else status_label(r.status),
                **numbers,
                "duration": _duration(numbers["duration"]),
                # Lineage: the run whose weights this one was fine-tuned from.
                "started from": cfg.finetune.source_run
                or (_("a file") if cfg.finetune.init_from else ""),
                "run": r.run_id,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def epochs_csv(view: RunView) -> str:
    """Per-epoch metrics of a run as CSV."""
    frame = pd.DataFrame([dataclasses.asdict(e) for e in view.epochs])
    return frame.to_csv(index=False)


def step_loss_csv(view: RunView) -> str:
    """Training loss per step (thinned to the snapshot's points) as CSV."""
    buf = io.StringIO()
    pd.DataFrame({"step": view.loss_steps, "loss": view.loss_values}).to_csv(buf, index=False)
    return buf.getvalue()


def open_in_playground(run_id: str) -> None:
    """Show this run on the playground, with its configuration loaded into the form."""
    view = state.registry().snapshot(run_id)
    if view is None:
        return
    state.set_config(view.config)
    state.select_run(run_id)


def delete_runs(run_ids: list[str]) -> None:
    """Delete runs this owner owns; shared runs of others are skipped with a note."""
    reg, who = state.registry(), state.owner()
    skipped = []
    for run_id in run_ids:
        try:
            reg.delete(run_id, owner=who)
        except PermissionError:
            skipped.append(run_id)
        except KeyError:
            continue
    if st.session_state.get(state.RUN_ID) in run_ids:
        state.select_run(None)
    st.session_state.pop("runs.table", None)  # the selected row numbers now point elsewhere
    if skipped:
        st.session_state["runs.note"] = _(
            "Not deleted (another session's shared runs): {runs}"
        ).format(runs=", ".join(skipped))
