"""A lesson drawn as a notebook: prose, then live cells each with its own Start and chart, then the
check evaluated on the learner's runs (`core.lessons` holds the lessons and the progress)."""

from __future__ import annotations

import dataclasses
import os

import streamlit as st

from core.i18n import SOURCE_LANGUAGE, _, language
from core.lesson_progress import LessonProgress, LessonRecord
from core.lessons import Lesson, RunCell
from core.run_state import RunView
from core.runs import DEFAULT_ROOT
from core.urlstate import config_to_query, with_value
from pages.ui import i18n, state
from pages.ui.dashboard.charting import chart
from pages.ui.dashboard.live import describe, live_view
from pages.ui.dashboard.runs_table import status_label
from pages.ui.figures import (
    PREDICTION_FIGURES as KINDS,
)
from pages.ui.figures import (
    epoch_curves,
    grad_heatmap,
    loss_curve,
    predictions_figure,
)
from pages.ui.prose import pseudo_marked
from pages.ui.share import link
from pages.ui.state import HIDE
from pages.ui.widgets import Binding, field_input, value_from_widget

LESSON = "lesson"  # the query key naming the open lesson
REFRESH_S = 1.0
CELL_CONFIGS = "lessons.configs"  # (slug, cell) -> the cell's config as the learner changed it
CELL_ERRORS = "lessons.errors"  # (slug, cell) -> why the cell could not start


@st.cache_resource(show_spinner=False)
def _progress(root: str) -> LessonProgress:
    return LessonProgress(root)


def progress() -> LessonProgress:
    """The server's lesson progress book (beside the run store)."""
    return _progress(os.environ.get("BPL_DATA_DIR") or str(DEFAULT_ROOT))


def records() -> dict[str, LessonRecord]:
    """This browser's progress, lesson by lesson."""
    return progress().read(state.owner())


# -- a cell's setup: the one copy the inline controls show and Start trains ----------------------
def cell_config(lesson: Lesson, cell: RunCell, record: LessonRecord) -> object:
    """The cell's config as this learner has changed it (the lesson's own until they do)."""
    configs = st.session_state.setdefault(CELL_CONFIGS, {})
    key = (lesson.slug, cell.name)
    if key not in configs:
        configs[key] = cell.config(lambda name: latest_run(record, name))
    return configs[key]


def _changed(key: str, path: str, owner_cls: type, name: str) -> None:
    """on_change of a cell's control: the new value goes into that cell's config."""
    slug, cell = key.split(".")[1:3]
    configs = st.session_state.setdefault(CELL_CONFIGS, {})
    errors = st.session_state.setdefault(CELL_ERRORS, {})
    if (slug, cell) not in configs:
        return  # a control of a cell that is not drawn with controls (it waits for another cell)
    try:
        value = value_from_widget(owner_cls, name, st.session_state[key])
        configs[(slug, cell)] = with_value(configs[(slug, cell)], path, value)
        errors.pop((slug, cell), None)
    except ValueError as err:
        errors[(slug, cell)] = str(err)


def latest_run(record: LessonRecord, cell: str, finished: bool = True) -> str | None:
    """The learner's latest run of a cell in `record` (with weights, when `finished`)."""
    reg = state.registry()
    for run_id in reversed(record.runs.get(cell, [])):
        if not finished or reg.store.checkpoint_path(run_id).is_file():
            return run_id
    return None


def start_cell(lesson: Lesson, cell: RunCell) -> None:
    """on_click of a cell's Start: train its setup for this learner and remember the run."""
    errors = st.session_state.setdefault(CELL_ERRORS, {})
    record = records().get(lesson.slug, LessonRecord())
    try:
        cfg = cell_config(lesson, cell, record)
        if cell.needs():  # a fine-tuning cell starts from the latest finished run of another
            fresh = cell.config(lambda name: latest_run(record, name))
            cfg = dataclasses.replace(cfg, finetune=fresh.finetune)
        run_id = state.registry().start(cfg, owner=state.owner())
    except LookupError as missing:
        errors[(lesson.slug, cell.name)] = _(
            "Run the cell “{cell}” above first and let it finish: this one starts from it."
        ).format(cell=missing.args[0])
        return
    except ValueError as err:
        errors[(lesson.slug, cell.name)] = str(err)
        return
    errors.pop((lesson.slug, cell.name), None)
    progress().add_run(state.owner(), lesson.slug, cell.name, run_id)


# -- drawing -------------------------------------------------------------------------------------
def run_cell(lesson: Lesson, cell: RunCell, number: int, record: LessonRecord) -> None:
    """A live cell: its setup in one line, the controls the lesson opens, Start, the live chart.

    `record` is this learner's progress on the lesson, read once for the whole page."""
    with st.container(border=True):
        waiting_for = ""  # the earlier cell whose finished run this one starts from, if none yet
        try:
            cfg = cell_config(lesson, cell, record)
        except LookupError as missing:
            waiting_for = str(missing.args[0])
            cfg = cell.config(lambda name: "pending")
        st.markdown(_("**Cell {n}** · `{name}`").format(n=number, name=cell.name))
        st.caption(describe(cfg))
        if waiting_for:
            st.caption(
                _("Starts from your finished run of cell “{cell}” above.").format(cell=waiting_for)
            )
        bind = Binding("", on_change=_changed)
        for path in () if waiting_for else cell.vary:
            section, name = path.rsplit(".", 1)
            field_input(
                getattr(cfg, section),
                name,
                f"lessons.{lesson.slug}.{cell.name}.{path}",
                bind=bind.at(section),
            )
        left, right = st.columns([1, 3], vertical_alignment="center")
        left.button(
            _("Start"),
            key=f"lessons.{lesson.slug}.{cell.name}.start",
            type="primary",
            icon=":material/play_arrow:",
            on_click=start_cell,
            args=(lesson, cell),
            width="stretch",
        )
        query = config_to_query(cfg) | ({HIDE: ",".join(cell.hide)} if cell.hide else {})
        if language() != SOURCE_LANGUAGE:
            query[i18n.QUERY] = language()
        if not waiting_for:
            right.link_button(_("Change it in the Playground"), link(query), icon=":material/tune:")
        error = st.session_state.get(CELL_ERRORS, {}).get((lesson.slug, cell.name))
        if error:
            st.error(_("**Could not start this cell.** {reason}").format(reason=error))
        run_id = latest_run(record, cell.name, finished=False)
        if run_id is not None:
            view = live_view(run_id)
            if view is not None:
                st.fragment(run_every=REFRESH_S if view.active else None)(_cell_live)(
                    lesson.slug, cell, run_id, view.status
                )


def _cell_live(slug: str, cell: RunCell, run_id: str, shown_status: str) -> None:
    """What moves while a cell's run trains: its status line and the charts the cell asks for."""
    state.owner()
    view = live_view(run_id)
    if view is None:
        return
    if view.status != shown_status:
        st.rerun()  # the check below and the timer follow the new status
    st.caption(run_line(view))
    builders = {
        "loss": (loss_curve, bool(view.loss_steps)),
        "epochs": (epoch_curves, bool(view.epochs)),
        "gradients": (grad_heatmap, bool(view.layer_stats)),
        "predictions": (predictions_figure, bool(view.samples) and view.samples_kind in KINDS),
    }
    shown = [name for name in cell.show if builders[name][1]]
    for column, name in zip(st.columns(len(shown)) if len(shown) > 1 else [st], shown):
        with column if column is not st else st.container():
            chart(builders[name][0](view), key=f"lessons.{slug}.{cell.name}.{name}")


def run_line(view: RunView) -> str:
    """A run's status and latest numbers in one line."""
    line = _("Run `{run}` · {status}").format(run=view.run_id, status=status_label(view.status))
    if view.epochs:
        last = view.epochs[-1]
        line += " · " + _("epoch {epoch}: validation loss {loss:.3g}").format(
            epoch=last.epoch, loss=last.val_loss
        )
        if last.metric_name == "accuracy":
            line += " · " + _("validation accuracy {acc:.1%}").format(acc=last.val_metric)
    if view.status == "diverged":
        line += " · " + _("the loss became NaN or infinite")
    return line


def check_panel(lesson: Lesson, record: LessonRecord) -> bool:
    """The lesson's question and check, evaluated on every run started from it; True if passed."""
    reg = state.registry()
    # Finished runs only: "within 10 epochs" must not pass on a longer run caught at epoch 10.
    views = [
        v
        for ids in record.runs.values()
        for r in ids
        if (v := reg.snapshot(r)) is not None and not v.active
    ]
    passed = record.passed or any(lesson.passed_by(v) for v in views)
    if passed and not record.passed:
        progress().mark_passed(state.owner(), lesson.slug)
    best = max(
        views,
        key=lambda v: (sum(c.holds(v) for c in lesson.conditions), v.created),
        default=None,
    )
    with st.container(border=True):
        st.markdown(_("#### :material/task_alt: Check"))
        st.markdown(pseudo_marked(lesson.question))
        for condition in lesson.conditions:
            measured = condition.measure(best) if best is not None else None
            ok = best is not None and condition.holds(best)
            shown = "—" if measured is None else f"{measured:.4g}"
            st.markdown(
                (
                    ":green[:material/check_circle:] "
                    if ok
                    else ":gray[:material/radio_button_unchecked:] "
                )
                + _("{condition} (your best run: {measured})").format(
                    condition=condition.describe(), measured=shown
                )
            )
        if passed:
            st.success(_("**Passed.** This lesson is marked done in this browser."))
        elif not views:
            st.info(_("Start a cell above; the check is evaluated on your runs from this lesson."))
        else:
            st.info(_("Not yet: change a setup above and run it again."))
    return passed
