"""The live training dashboard: a fragment that re-reads the run's snapshot every second.

Header, status and controls are drawn by the page; a fragment redraws progress, numbers and the open
tab once a second while the run is active. When the status changes (running, paused, ended) the
fragment triggers one full rerun, so controls and timer follow: a finished run is drawn once more,
with the timer off. Figures are rebuilt only when their data moved (see `dashboard.charting`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

from core.config import RunConfig
from core.events import ACTIVE_STATUSES, localize_status_text
from core.i18n import _
from core.run_state import MAX_POINTS, RunState, RunView
from pages.ui import actions, presentation, state, variants
from pages.ui.dashboard.charting import chart
from pages.ui.dashboard.runs_table import status_label
from pages.ui.dashboard.tabs import show_tabs
from pages.ui.figures import ema
from pages.ui.figures.base import new_figure, show_empty
from pages.ui.figures.curves import metric_scale, metric_title
from pages.ui.widgets import format_number, format_value

REFRESH_S = 1.0
LIVE_POINTS = 600  # loss points per redraw while training; the browser redraws them every second
SMOOTHING = "dashboard.smoothing"


def dashboard(run: RunState | None, can_control: bool = True) -> None:
    """The selected run's live view (or a hint on how to start one). Its controls show only to
    the run's owner, and never on a read-only link (`can_control=False`)."""
    view = _thinned(run) if run is not None else None
    if view is None:
        st.info(
            _("No run yet: press **Start**.")
            if presentation.enabled()
            else _(
                "No run yet: choose data, a model and hyperparameters on the left, then **Start**."
            )
        )
        # An empty chart now also loads the browser's charting library before the first run.
        figure = new_figure(_("Training loss per step"), _("step"), _("loss"), "empty")
        empty = show_empty(figure, "")
        chart(empty.update_layout(height=320), "dashboard.placeholder")
        return
    header(view)
    status_message(view)
    if state.registry().store.weights_path(view.run_id) is not None:
        st.page_link(
            "pages/try_model.py",
            label=_("Try this model on your own input (its weights so far)")
            if view.active
            else _("Try this model on your own input"),
            icon=":material/model_training:",
            query_params={state.RUN: view.run_id},
        )
    mine = view.owner == state.owner()
    if can_control and mine:
        controls(view)
    elif view.active and mine:
        st.caption(
            _(":material/visibility: A read-only link: open the Playground itself to steer it.")
        )
    elif view.active:
        st.caption(
            _(":material/visibility: You are watching this run; only its owner can steer it.")
        )
    st.fragment(run_every=REFRESH_S if view.active else None)(_live)(view.run_id, view.status)


def live_view(run_id: str) -> RunView | None:
    """A snapshot thinned for a chart redrawn every second (finished runs keep full detail)."""
    run = state.registry().get(run_id)
    return _thinned(run) if run is not None else None


def _thinned(run: RunState) -> RunView:
    return run.snapshot(LIVE_POINTS if run.status in ACTIVE_STATUSES else MAX_POINTS)


def _live(run_id: str, shown_status: str) -> None:
    """What moves while a run trains: progress, headline numbers and the open tab."""
    state.owner()  # a watching visitor is present: their runs are not abandoned
    view = live_view(run_id)
    if view is None:
        st.warning(_("This run was deleted."))
        return
    if view.status != shown_status:
        st.rerun()  # header, controls and timer follow the new status; off once the run ended
    progress(view)
    original = variants.original_of(run_id)
    original_view = live_view(original) if original else None
    if original_view is not None:
        variants.comparison(view, original_view)
    show_tabs(view)


def describe(cfg: RunConfig) -> str:
    """One line naming a run's data, model and key hyperparameters."""
    return _(
        "{data} · {model} · {optimizer} lr {lr} · batch {batch} · {epochs} epochs · seed {seed}"
    ).format(
        data=cfg.data.name,
        model=cfg.model.kind,
        optimizer=cfg.optim.name,
        lr=format_number(cfg.optim.lr),
        batch=cfg.train.batch_size,
        epochs=cfg.train.epochs,
        seed=cfg.seed,
    )


def header(view: RunView) -> None:
    st.markdown(
        _("#### Run `{run_id}` — {status}").format(
            run_id=view.run_id, status=status_label(view.status)
        )
    )
    st.caption(describe(view.config))


def status_message(view: RunView) -> None:
    """The run's status in words: errors in red with the engine's message and advice."""
    s = view.status
    msg, hint = localize_status_text(view.message), localize_status_text(view.hint)
    if s == "queued":
        place = state.registry().queue_position(view.run_id)
        st.info(
            _(
                "Queued, number **{place}** in line: every training slot is busy. Slots go to "
                "each visitor in turn, so it starts as soon as one frees up for you."
            ).format(place=place)
            if place
            else _(
                "Queued, waiting: every training slot is busy. Slots go to each visitor in turn, "
                "so it starts as soon as one frees up for you."
            )
        )
    elif s == "starting":
        st.info(msg or _("Starting a worker process…"))
    elif s == "paused":
        st.info(_("Paused. **Resume** continues from the same step."))
    elif s == "completed":
        st.success(msg or _("Finished."))
    elif s == "stopped":
        st.info(msg or _("Stopped."))
    elif s == "diverged":
        st.error(_("**Training diverged.** {message}").format(message=msg))
    elif s == "failed":
        st.error(_("**Training failed.** {message}").format(message=msg))
    elif s in ("interrupted", "damaged"):
        st.warning(msg)
    if hint and s in ("diverged", "failed", "interrupted"):
        st.warning(_("**What to try:** {hint}").format(hint=hint))
    if view.detail and s == "failed":
        with st.expander(_("Technical details")):
            st.code(without_server_paths(view.detail), language=None)
    error = st.session_state.pop(state.CONTROL_ERROR, "")
    if error:
        st.error(error)


_REPO = str(Path(__file__).resolve().parents[3])


def without_server_paths(text: str) -> str:
    """A traceback as a visitor may read it: where the server keeps its files is left out."""
    for prefix, shown in ((sys.prefix, "<python>"), (_REPO + os.sep, ""), (_REPO, ".")):
        text = text.replace(prefix, shown)
    return text


def lr_key(run_id: str) -> str:
    """The learning-rate box of one run: keyed by run, so a value never carries to another run."""
    return f"dashboard.lr.{run_id}"


def _apply_lr(run_id: str) -> None:
    lr = float(st.session_state[lr_key(run_id)])
    if actions.control_run(run_id, ("lr", lr)):
        st.toast(_("Learning rate set to {lr}").format(lr=format_number(lr)))


def controls(view: RunView) -> None:
    """Pause / Resume / Stop, and a new learning rate while it runs."""
    rid, s = view.run_id, view.status
    cols = st.columns([1, 1, 1, 2, 1], vertical_alignment="bottom")
    for col, (label, cmd, enabled) in zip(
        cols,
        (
            (_("Pause"), "pause", s == "running"),
            (_("Resume"), "resume", s == "paused"),
            (_("Stop"), "stop", view.active),
        ),
        strict=False,
    ):
        col.button(
            label,
            key=f"dashboard.{cmd}",
            on_click=actions.control_run,
            args=(rid, cmd),
            disabled=not enabled,
            width="stretch",
        )
    cols[3].number_input(
        _("Learning rate"),
        min_value=1e-6,
        max_value=10.0,
        value=min(max(view.config.optim.lr, 1e-6), 10.0),
        format="%g",
        step=1e-4,
        key=lr_key(rid),
        disabled=s not in ("running", "paused"),
        help=_(
            "The base learning rate, sent to the running worker; a schedule keeps multiplying it."
        ),
    )
    cols[4].button(
        _("Apply"),
        key="dashboard.apply_lr",
        on_click=_apply_lr,
        args=(rid,),
        disabled=s not in ("running", "paused"),
        width="stretch",
    )
    st.button(
        _("Run a variant"),
        key="dashboard.variant",
        on_click=variants.run_variant,
        args=(rid,),
        icon=":material/call_split:",
        help=_(
            "Put this run's setup in the form: change what you want to test and Start. Same "
            "seed, so the variant starts from the same weights and sees the data in the same "
            "order; both curves are then drawn on one chart."
        ),
    )


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds >= 60:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return _("{seconds} s").format(seconds=seconds)


def progress(view: RunView) -> None:
    """Progress bar (epoch, step, speed, time left) and the headline numbers."""
    p, epochs = view.progress, view.config.train.epochs
    if p is None or not p.total_steps:
        st.progress(0.0, text=_("Waiting for the first steps…"))
        return
    done = min(1.0, p.step / p.total_steps)
    left = p.elapsed_s / p.step * (p.total_steps - p.step) if p.step else 0.0
    where = _("Epoch {epoch}/{epochs} · step {step:,}/{total:,} · {speed:,.0f} samples/s").format(
        epoch=min(p.epoch + 1, epochs),
        epochs=epochs,
        step=p.step,
        total=p.total_steps,
        speed=p.samples_per_s,
    )
    when = (
        _("{time} left").format(time=_duration(left))
        if view.active
        else _("took {time}").format(time=_duration(p.elapsed_s))
    )
    st.progress(done, text=f"{where} · {when}")
    smoothing = float(st.session_state.get(SMOOTHING, 0.6))
    finite = [v for v in view.loss_values[-500:] if v == v and abs(v) != float("inf")]
    loss = ema(finite, smoothing)[-1] if finite else None
    cols = st.columns(4)
    cols[0].metric(_("Step"), f"{p.step:,}")
    cols[1].metric(_("Loss (smoothed)"), format_value(loss) if loss is not None else "–")
    # Validation may skip tiny epochs (see core.trainer.VAL_BUDGET): show the latest measured one.
    last = next((e for e in reversed(view.epochs) if e.val_metric == e.val_metric), None)
    if last is None:
        cols[2].metric(_("Validation metric"), "–")
    else:
        value = f"{last.val_metric * metric_scale(last.metric_name):.4g}"
        label = _("Validation {metric}").format(metric=metric_title(last.metric_name))
        cols[2].metric(label, value)
    cols[3].metric(_("Learning rate"), format_number(p.lr))
