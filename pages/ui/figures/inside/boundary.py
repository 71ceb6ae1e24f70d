"""The decision boundary as it forms: one animation frame per timeline frame, played with a button
or scrubbed with a step slider, drawn exactly like the live decision-boundary figure.
"""

from __future__ import annotations

from dataclasses import replace

import plotly.graph_objects as go

from core.i18n import N_, _
from core.run_state import RunView
from pages.ui.figures.base import even_indices
from pages.ui.figures.inside.base import blank, missing
from pages.ui.figures.predictions import decision_boundary

MAX_ANIMATION_FRAMES = 32
FRAME_MS = 500
TITLE = N_("The decision boundary forming")


def _frame_args(duration: int) -> dict:
    return {
        "mode": "immediate",
        "frame": {"duration": duration, "redraw": True},  # contours cannot be tweened
        "transition": {"duration": 0},
    }


def _controls(steps: list[int]) -> dict:
    """A play/pause pair and a step slider driving the frames named after their steps."""
    play = dict(label=_("▶ play"), method="animate", args=[None, _frame_args(FRAME_MS)])
    pause = dict(label=_("❚❚ pause"), method="animate", args=[[None], _frame_args(0)])
    # The slider shows "step 120": the text around {step}, so a translation may move the number.
    before, _sep, after = _("step {step}").partition("{step}")
    return dict(
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                buttons=[play, pause],
                x=0.0,
                xanchor="left",
                y=-0.16,
                yanchor="top",
                pad=dict(t=10, r=10),
                showactive=False,
            )
        ],
        sliders=[
            dict(
                active=len(steps) - 1,
                x=0.3,
                len=0.7,
                y=-0.16,
                yanchor="top",
                pad=dict(t=10),
                currentvalue=dict(prefix=before, suffix=after, visible=True),
                steps=[
                    dict(label=str(s), method="animate", args=[[str(s)], _frame_args(0)])
                    for s in steps
                ],
            )
        ],
    )


def boundary_animation(view: RunView) -> go.Figure:
    """The model's output over the plane at every timeline frame (at most 32), newest shown first."""
    s = view.samples
    if view.samples_kind != "boundary" or not s.get("static_xs") or not s.get("static_ys"):
        text = missing(view, bool(s), _("not a 2-D dataset"))
        return blank(view, "boundary_anim", _(TITLE), text)
    by_step = {f.step: f for f in view.insights if f.samples.get("z") is not None}
    steps = sorted(by_step)
    steps = [steps[i] for i in even_indices(len(steps), MAX_ANIMATION_FRAMES)]
    if not steps:
        return blank(view, "boundary_anim", _(TITLE))
    last = by_step[steps[-1]]
    fig = decision_boundary(replace(view, samples={**s, **last.samples}))
    moving = [i for i, t in enumerate(fig.data) if getattr(t, "z", None) is not None]
    titled = _("{title}: step {step}")
    fig.frames = [
        go.Frame(
            name=str(step),
            data=[type(fig.data[i])(z=by_step[step].samples["z"]) for i in moving],
            traces=moving,
            layout=go.Layout(title_text=titled.format(title=_(TITLE), step=step)),
        )
        for step in steps
    ]
    fig.update_layout(title_text=titled.format(title=_(TITLE), step=steps[-1]), **_controls(steps))
    fig.update_layout(margin=dict(b=170), height=640)
    return fig
