"""The Sweeps page's parts: choose what to vary, run the sweep, follow its results."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import streamlit as st

from core.config import RunConfig
from core.i18n import N_, _
from core.sweeps import SweepAxis, SweepRunner, sweep_points
from core.urlstate import config_paths
from pages.ui import state
from pages.ui.dashboard.charting import chart
from pages.ui.dashboard.runs_table import status_label
from pages.ui.figures.curves import metric_scale, metric_title
from pages.ui.figures.sweeps import METRIC, parallel_coordinates, sweep_heatmap

KEY = "sweeps"
CURRENT = "sweeps.current"  # this session's latest SweepRunner
SUGGESTED = {
    "optim.lr": "0.0003, 0.001, 0.003, 0.01",
    "train.batch_size": "16, 32, 64",
    "optim.name": "sgd, momentum, adam",
    "seed": "0, 1, 2",
    "train.epochs": "5, 10, 20",
    "optim.weight_decay": "0, 0.0001, 0.001",
}
# The results table's own columns (English in the rows, named in the visitor's language).
COLUMNS = {
    "best": N_("best"),
    "status": N_("status"),
    METRIC: N_("best val"),
    "metric": N_("metric"),
    "run": N_("run"),
}


def suggestion(cfg: RunConfig, path: str) -> str:
    """Values to start from: a usual range, or the current value."""
    return SUGGESTED.get(path) or _current(cfg, path)


def _current(cfg: RunConfig, path: str) -> str:
    value: object = cfg
    for part in path.split("."):
        value = getattr(value, part)
    if isinstance(value, tuple):
        return " ".join(str(v) for v in value)
    return str(value)


def path_name(cfg: RunConfig, path: str) -> str:
    """A setting as the visitor reads it: its form label and its path (`optim.lr`)."""
    owner: object = cfg
    *parents, leaf = path.split(".")
    for part in parents:
        owner = getattr(owner, part, None)
    fields = (
        {f.name: f for f in dataclasses.fields(owner)} if dataclasses.is_dataclass(owner) else {}
    )
    label = fields[leaf].metadata.get("label") if leaf in fields else None
    return f"{_(label)} · {path}" if label else path


def axis_input(cfg: RunConfig, index: int, default: str) -> SweepAxis:
    paths = config_paths(cfg)
    left, right = st.columns([1, 2])
    path = left.selectbox(
        _("Hyperparameter {index}").format(index=index),
        paths,
        index=paths.index(default),
        format_func=lambda p: path_name(cfg, p),
        key=f"{KEY}.path{index}",
    )
    text = right.text_input(
        _("Values (comma-separated; tuples with spaces, e.g. 16 16)"),
        value=suggestion(cfg, path),
        key=f"{KEY}.values{index}.{path}",
    )
    values = tuple(v.strip().replace(" ", ",") for v in text.split(",") if v.strip())
    return SweepAxis(path, values)


def start_sweep(cfg: RunConfig, axes: list[SweepAxis], mode: str, n: int) -> str | None:
    """Check every point, then hand the runs to a SweepRunner; a problem is returned as text."""
    try:
        points = sweep_points(cfg, axes, mode, n)
    except ValueError as err:
        return str(err)
    st.session_state[CURRENT] = SweepRunner(state.registry(), state.owner(), points).start()
    return None


def running(runner: SweepRunner) -> bool:
    """Runs of the sweep are still to be started or are training."""
    active = set(state.registry().active(state.owner()))
    return not runner.submitted or any(r in active for r in runner.run_ids if r)


def result_rows(runner: SweepRunner) -> list[dict]:
    reg = state.registry()
    rows = []
    for (values, _cfg), run_id, error in zip(
        runner.points, runner.run_ids, runner.errors, strict=True
    ):
        view = reg.snapshot(run_id) if run_id else None
        best = view.best_val_metric() if view else None
        name = view.epochs[-1].metric_name if view and view.epochs else ""
        rows.append(
            {
                **values,
                "status": _("refused: {error}").format(error=error)
                if error
                else status_label(view.status)
                if view
                else _("waiting"),
                METRIC: best * metric_scale(name) if best is not None else None,
                "metric": name,
                "run": run_id or "",
            }
        )
    return rows


def results(runner: SweepRunner) -> bool:
    """The sweep's table, best run marked, heatmap (two parameters) and parallel coordinates;
    True while runs are still to come or training."""
    rows = result_rows(runner)
    paths = list(runner.points[0][0]) if runner.points else []
    finished = [r for r in rows if r[METRIC] is not None and math.isfinite(r[METRIC])]
    name = next((r["metric"] for r in finished), "")
    lower_better = name == "mae"
    best = (min if lower_better else max)(finished, key=lambda r: r[METRIC]) if finished else None
    frame = pd.DataFrame(rows)
    frame.insert(0, "best", ["★" if best is not None and r is best else "" for r in rows])
    frame["metric"] = [metric_title(r["metric"]) if r["metric"] else "" for r in rows]
    names = {p: path_name(runner.points[0][1], p) for p in paths}
    headers = {**names, **{key: _(title) for key, title in COLUMNS.items()}}
    st.dataframe(frame.rename(columns=headers), hide_index=True, key=f"{KEY}.table")
    if best is not None:
        setting = ", ".join(f"{p} = {best[p]}" for p in paths)
        st.success(
            _("**Best so far:** {setting}: {metric} {value:.4g}").format(
                setting=setting, metric=metric_title(name), value=best[METRIC]
            )
        )
    title = (
        _("best validation {metric}").format(metric=metric_title(name))
        if name
        else _("best validation metric")
    )
    if len(paths) == 2 and finished:
        chart(sweep_heatmap(rows, paths[0], paths[1], title, names), f"{KEY}.heatmap")
    if finished:
        chart(parallel_coordinates(rows, paths, title, names), f"{KEY}.parcoords")
    return running(runner)
