"""Dashboard tabs that look inside the network: Inside (weights, gradients, activations),
Features (CNN maps and filters, attention, recurrent state), Errors (confusion), and the Coach.

One timeline slider (shared by these tabs) scrubs every view back to any recorded step.
"""

from __future__ import annotations

import streamlit as st

from core.coach import coach
from core.i18n import N_, _
from core.run_state import RunView
from pages.ui.dashboard.charting import SLOW_S, cached_figure, chart
from pages.ui.figures import inside as fi
from pages.ui.figures.timeline import timeline_steps
from pages.ui.widgets import format_number

FOLLOW_KEY = "dashboard.timeline_follow"
STEP_KEY = "dashboard.timeline_step"
INPUT_KEY = "dashboard.probe_input"
SHOW = {"weights": N_("weights"), "grads": N_("grads")}


def timeline_step(view: RunView) -> int | None:
    """The step all inside-views show: None (latest) while following, else the slider's step."""
    steps = timeline_steps(view)
    if len(steps) < 2:
        st.caption(_("The timeline fills as training goes: a frame every few seconds."))
        return None
    left, right = st.columns([1, 4], vertical_alignment="bottom")
    follow = left.toggle(
        _("Follow live"), value=True, key=FOLLOW_KEY, help=_("Show the newest frame.")
    )
    step = right.slider(
        _("Timeline: {frames} frames (step {first:,} to {last:,})").format(
            frames=len(steps), first=steps[0], last=steps[-1]
        ),
        min_value=0,
        max_value=max(steps[-1], 1),
        value=steps[-1],
        key=STEP_KEY,
        disabled=follow,
        help=_("Scrub every view on these tabs back to the frame recorded at or before this step."),
    )
    return None if follow else step


def _stamp(view: RunView, step: int | None) -> tuple:
    return (len(view.insights), len(view.histograms), len(view.confusions), step)


def _probe_input(view: RunView) -> int:
    return st.radio(
        _("Input"),
        [0, 1, 2, 3],
        horizontal=True,
        key=INPUT_KEY,
        format_func=lambda i: f"#{i}",
        help=_("One of four fixed validation examples the engine probes as it trains."),
    )


def inside_tab(view: RunView) -> None:
    step = timeline_step(view)
    layers = fi.histogram_layers(view)
    if layers:
        left, right = st.columns([3, 1])
        layer = left.selectbox(_("Layer"), layers, key="dashboard.hist_layer")
        which = right.radio(
            _("Show"),
            list(SHOW),
            horizontal=True,
            key="dashboard.hist_which",
            format_func=lambda v: _(SHOW[v]),
        )
        stamp = _stamp(view, step)
        chart(
            cached_figure(
                view, fi.weight_histograms, layer, which, step, stamp=stamp, every_s=SLOW_S
            ),
            "dashboard.hist_chart",
        )
    chart(
        cached_figure(
            view, fi.activation_over_time, step, stamp=_stamp(view, step), every_s=SLOW_S
        ),
        "dashboard.act_time",
    )
    chart(
        cached_figure(
            view, fi.activation_distribution, step, stamp=_stamp(view, step), every_s=SLOW_S
        ),
        "dashboard.act_dist",
    )


def features_tab(view: RunView) -> None:
    step = timeline_step(view)
    frame = view.insights[-1] if view.insights else None
    if frame is None:
        st.info(_("Waiting for the first timeline frame…"))
        return
    index = _probe_input(view)
    stamp = _stamp(view, step)
    if frame.feature_maps:
        left, right = st.columns([1, 3])
        with left:
            chart(fi.probe_image(view, index), "dashboard.probe_image")
        with right:
            chart(
                cached_figure(view, fi.filters_figure, step, stamp=stamp, every_s=SLOW_S),
                "dashboard.filters",
            )
        chart(
            cached_figure(view, fi.feature_maps_figure, index, step, stamp=stamp, every_s=SLOW_S),
            "dashboard.feature_maps",
        )
    if frame.attention:
        chart(
            cached_figure(view, fi.attention_figure, index, step, stamp=stamp, every_s=SLOW_S),
            "dashboard.attention",
        )
    if frame.recurrent:
        chart(
            cached_figure(view, fi.recurrent_figure, index, step, stamp=stamp, every_s=SLOW_S),
            "dashboard.recurrent",
        )
    if not (frame.feature_maps or frame.attention or frame.recurrent):
        st.info(
            _(
                "This architecture has no convolutions, attention or recurrent state to look at; "
                "see Inside for its weights and activations."
            )
        )


def errors_tab(view: RunView) -> None:
    if not view.confusions:
        st.info(_("Confusion matrices appear for classification tasks after the first validation."))
        return
    step = timeline_step(view)
    normalize = st.toggle(_("Normalize rows"), value=True, key="dashboard.confusion_norm")
    stamp = _stamp(view, step)
    chart(
        cached_figure(view, fi.confusion_figure, step, normalize, stamp=stamp, every_s=SLOW_S),
        "dashboard.confusion",
    )
    chart(
        cached_figure(view, fi.per_class_accuracy_figure, step, stamp=stamp, every_s=SLOW_S),
        "dashboard.per_class",
    )
    st.subheader(_("Most confidently wrong"))
    if view.confusions[-1].wrong_pixels:
        chart(
            cached_figure(view, fi.wrong_examples_figure, step, stamp=stamp, every_s=SLOW_S),
            "dashboard.wrong",
        )
    else:
        st.dataframe(fi.wrong_examples_table(view, step), hide_index=True, key="dashboard.wrong_t")


def coach_tab(view: RunView) -> None:
    flags = coach(view)
    if not flags:
        st.success(
            _(
                "Nothing to flag so far: loss, gradients, activations and the train/validation "
                "gap look fine."
            )
            if view.active
            else _(
                "Nothing to flag: loss, gradients, activations and the train/validation gap look "
                "fine."
            )
        )
    for flag in flags:
        show = st.warning if flag.level == "warning" else st.info
        numbers = " · ".join(f"{k} = {format_number(v)}" for k, v in flag.numbers.items())
        text = _("**{title}.** {message}").format(title=flag.title, message=flag.message)
        show(text + (f"\n\n`{numbers}`" if numbers else ""))
