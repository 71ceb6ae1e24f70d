"""The dashboard's tabs: Curves, Gradient flow, Predictions, the inside views, Model.

The inside-the-network tabs (Inside, Features, Errors, Coach) live in `insight_tabs`. Tabs are
stateful (`on_change="rerun"`), so only the open tab builds its figures; each chart is drawn through
`charting`, which rebuilds a figure only when its own data moved.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.diagnostics import gradient_flags
from core.i18n import LANGUAGES, N_, _, translations
from core.run_state import RunView
from pages.ui import figures
from pages.ui.dashboard.charting import LOSS_S, SLOW_S, cached_figure, chart
from pages.ui.dashboard.insight_tabs import coach_tab, errors_tab, features_tab, inside_tab
from pages.ui.figures.inside import boundary_animation
from pages.ui.widgets import format_number

TABS = (
    N_("Curves"),
    N_("Gradient flow"),
    N_("Predictions"),
    N_("Inside"),
    N_("Features"),
    N_("Errors"),
    N_("Coach"),
    N_("Model"),
)
TAB_KEY = "dashboard.tab"


def _tab_of(label: object) -> str | None:
    """The English tab whose label, in any language, is `label` (the open tab's state holds the
    label it was shown with, so a language switch keeps the same tab open)."""
    if not isinstance(label, str):
        return None
    for tab in TABS:
        if label in (tab, f"⟦{tab}⟧") or any(
            translations(lang).get(tab) == label for lang in LANGUAGES
        ):
            return tab
    return None


def show_tabs(view: RunView) -> None:
    """The dashboard's tabs; only the open one renders."""
    labels = [_(tab) for tab in TABS]
    shown = st.session_state.get(TAB_KEY)
    if shown not in labels:
        tab = _tab_of(shown)
        if tab is None:
            st.session_state.pop(TAB_KEY, None)
        else:
            st.session_state[TAB_KEY] = labels[TABS.index(tab)]
    tabs = st.tabs(labels, key=TAB_KEY, on_change="rerun")
    renderers = (
        curves_tab,
        gradients_tab,
        predictions_tab,
        inside_tab,
        features_tab,
        errors_tab,
        coach_tab,
        model_tab,
    )
    for tab, render in zip(tabs, renderers, strict=True):
        if tab.open is not False:
            with tab:
                render(view)


def curves_tab(view: RunView) -> None:
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    smoothing = left.slider(
        _("Smoothing"),
        0.0,
        0.99,
        0.6,
        0.01,
        key="dashboard.smoothing",
        help=_("Exponential moving average of the step loss (like TensorBoard)."),
    )
    log_y = right.toggle(_("Log scale"), key="dashboard.log_y")
    last_step = view.loss_steps[-1] if view.loss_steps else 0
    loss = cached_figure(
        view, figures.loss_curve, smoothing, log_y, stamp=last_step, every_s=LOSS_S
    )
    chart(loss, "dashboard.loss_chart")
    epochs = cached_figure(view, figures.epoch_curves, stamp=len(view.epochs), every_s=SLOW_S)
    chart(epochs, "dashboard.epoch_chart")


def _numbers(numbers: Any) -> str:
    if isinstance(numbers, dict):
        return " · ".join(
            f"{k}: {format_number(v) if isinstance(v, float) else v}" for k, v in numbers.items()
        )
    if isinstance(numbers, (list, tuple)):
        return " · ".join(format_number(v) if isinstance(v, float) else str(v) for v in numbers)
    return str(numbers or "")


def gradients_tab(view: RunView) -> None:
    flags = gradient_flags(view.layer_stats)
    for flag in flags:
        show = st.warning if flag.level == "warning" else st.info
        numbers = _numbers(flag.numbers)
        show(f"**{flag.title}** — {flag.message}" + (f"\n\n`{numbers}`" if numbers else ""))
    if view.layer_stats and not flags:
        st.success(_("Gradients look healthy: no layer is vanishing or exploding."))
    stamp = view.layer_stats[-1].step if view.layer_stats else 0
    for builder, key in (
        (figures.grad_norm_lines, "dashboard.grad_lines"),
        (figures.grad_heatmap, "dashboard.grad_heatmap"),
        (figures.update_ratio, "dashboard.update_ratio"),
    ):
        chart(cached_figure(view, builder, stamp=stamp, every_s=SLOW_S), key)


def predictions_tab(view: RunView) -> None:
    kind = view.samples_kind
    if view.samples_step:
        st.caption(_("Predictions of the model at step {step:,}.").format(step=view.samples_step))
    if kind == "text":
        s = view.samples
        st.markdown(
            _("Prompt `{prompt}`, then the model's own characters:").format(
                prompt=s.get("static_prompt", "").strip()
            )
        )
        st.code(s.get("static_prompt", "") + s.get("generated", ""), language=None, wrap_lines=True)
        return
    if kind in ("sequence", "table"):
        st.dataframe(figures.prediction_table(view), hide_index=True, key="dashboard.pred_table")
        return
    fig = cached_figure(view, figures.predictions_figure, stamp=view.samples_step, every_s=SLOW_S)
    if fig is not None:
        chart(fig, "dashboard.predictions")
    if kind == "boundary" and len(view.insights) > 1:
        st.subheader(_("How the boundary evolved"))
        anim = cached_figure(view, boundary_animation, stamp=len(view.insights), every_s=SLOW_S)
        chart(anim, "dashboard.boundary_animation")


def model_tab(view: RunView) -> None:
    plan = view.plan
    if plan is not None:
        cols = st.columns(3)
        cols[0].metric(_("Parameters"), f"{plan.model.total_params:,}")
        cols[1].metric(_("Training memory (est.)"), f"{plan.estimated_bytes / 2**20:.1f} MB")
        cols[2].metric(_("Examples (train / val)"), f"{plan.n_train:,} / {plan.n_val:,}")
    table = figures.model_summary_table(plan.model if plan else None)
    st.dataframe(table, hide_index=True, key="dashboard.summary")
    with st.expander(_("Configuration (JSON)")):
        st.json(view.config.to_dict())
