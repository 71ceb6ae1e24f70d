"""Loss explorer: loss functions and their gradients, outliers under each loss, softmax + CE."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.i18n import N_, _
from core.labs.losses import (
    LOSSES,
    LineFit,
    fit_line,
    loss_curve,
    names,
    outlier_data,
    softmax_xent,
)
from pages.ui import state
from pages.ui.dashboard.charting import chart as draw
from pages.ui.labs.losses import curves_figure, fits_figure, softmax_figure
from pages.ui.labs.prose import fill, sections
from pages.ui.widgets import format_value

KEY = "loss"
PROSE = "labs/losses"
TEXT = sections(PROSE)


@st.cache_data(max_entries=64, show_spinner=False)
def line_fits(outlier: float, delta: float) -> tuple[list[float], list[float], list[LineFit]]:
    """The data with its outlier at `outlier`, and the line each regression loss fits to it."""
    xs, ys = outlier_data(outlier)
    return xs, ys, [fit_line(xs, ys, name, delta) for name in names("regression")]


def chart(fig, key: str) -> None:
    draw(fig, f"{KEY}.{key}")


state.require_frame("pages/loss_lab.py")
st.title(_(":material/functions: Loss explorer"))
st.markdown(TEXT["intro"])
curves_tab, outlier_tab, softmax_tab = st.tabs(
    [_("Loss and gradient"), _("Outliers and line fits"), _("Softmax + cross-entropy")]
)

with curves_tab:
    left, mid, right = st.columns(3)
    kind = left.radio(
        _("Task"),
        [N_("regression"), N_("classification")],
        format_func=_,
        key=f"{KEY}.kind",
        horizontal=True,
    )
    delta = 1.0
    if kind == "regression":
        target = mid.slider(_("Target y"), -3.0, 3.0, 0.0, 0.1, key=f"{KEY}.target")
        delta = right.slider(_("Huber δ"), 0.1, 3.0, 1.0, 0.1, key=f"{KEY}.delta")
        lo, hi, x_title = target - 3.0, target + 3.0, _("prediction ŷ")
    else:
        target = float(
            mid.radio(_("Target class y"), [0, 1], 1, key=f"{KEY}.class", horizontal=True)
        )
        lo, hi, x_title = -4.0, 4.0, _("score (logit) s")
    curves = {name: loss_curve(name, target, lo, hi, delta) for name in names(kind)}
    st.markdown(TEXT[kind])
    chart(curves_figure(curves, target, x_title), "curves")

with outlier_tab:
    left, right = st.columns(2)
    outlier = left.slider(_("Outlier's y"), -10.0, 10.0, 8.0, 0.5, key=f"{KEY}.outlier")
    fit_delta = right.slider(_("Huber δ for the fit"), 0.1, 3.0, 1.0, 0.1, key=f"{KEY}.fit_delta")
    st.markdown(TEXT["outliers"])
    xs, ys, fits = line_fits(outlier, fit_delta)
    chart(fits_figure(xs, ys, fits), "fits")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("loss"): _(LOSSES[f.loss].title),
                    _("slope"): f.slope,
                    _("intercept"): f.intercept,
                    _("final mean loss"): f.history[-1],
                }
                for f in fits
            ]
        ),
        hide_index=True,
        key=f"{KEY}.fit_table",
    )

with softmax_tab:
    left, right, __ = st.columns(3)
    n = left.slider(_("Classes"), 2, 6, 4, key=f"{KEY}.n_classes")
    target_class = right.selectbox(_("Target class"), list(range(n)), key=f"{KEY}.target_class")
    defaults = (2.0, 1.0, 0.1, -1.0, 0.5, -0.5)
    logits = [
        col.number_input(
            _("logit z{i}").format(i=i), -10.0, 10.0, defaults[i], 0.1, key=f"{KEY}.logit{i}"
        )
        for i, col in enumerate(st.columns(6)[:n])
    ]
    out = softmax_xent(logits, target_class)
    st.markdown(fill(PROSE, "softmax", dict(loss=out.loss, p_target=out.probs[target_class])))
    st.metric(_("Cross-entropy loss"), format_value(out.loss))
    chart(softmax_figure(out.probs, out.grads, target_class), "softmax")
    onehot = [1.0 if i == target_class else 0.0 for i in range(n)]
    check = [p - o for p, o in zip(out.probs, onehot, strict=True)]
    table = pd.DataFrame(
        {
            _("logit z"): logits,
            "p": out.probs,
            _("p − onehot"): check,
            _("autograd dL/dz"): out.grads,
            _("equal"): ["✓" if abs(c - g) < 1e-9 else "✗" for c, g in zip(check, out.grads)],
        },
        index=[_("class {i}").format(i=i) for i in range(n)],
    )
    st.dataframe(table, key=f"{KEY}.softmax_table")
