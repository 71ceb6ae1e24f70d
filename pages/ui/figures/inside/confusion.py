"""Where a classifier goes wrong on the validation set: the confusion matrix, accuracy per class, and
the most confidently wrong examples (as pictures for images, as a table otherwise).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import pages.ui.figures.theme as theme
from core.events import Confusion
from core.i18n import N_, _
from core.run_state import RunView
from pages.ui.figures.base import empty_text, new_figure, style, uirev
from pages.ui.figures.inside.base import CONFUSION_SCALE, blank, small_titles, spacing
from pages.ui.figures.tables import shown
from pages.ui.figures.timeline import at_step

MAX_CLASSES = 40
MAX_CELL_TEXT = 15  # up to this many classes, every cell shows its count
WRONG_COLUMNS = 4
WRONG_TABLE_COLUMNS = [N_("validation item"), N_("true"), N_("predicted"), N_("confidence")]
SYMBOLS = {" ": "␣", "\n": "↵", "\t": "⇥", "": "∅"}


def _no_confusion_text(view: RunView, step: int | None) -> str:
    """Why there is no confusion matrix: not a classifier, too many classes, or not yet."""
    spec = view.plan.spec if view.plan else None
    if spec is not None and spec.task == "regression":
        return _("confusion matrices are for classification tasks")
    if spec is not None and spec.n_outputs > MAX_CLASSES:
        return _("{n} classes are too many for a confusion matrix").format(n=spec.n_outputs)
    if view.confusions and step is not None:
        return _("the first validation pass comes at step {step}").format(
            step=view.confusions[0].step
        )
    return empty_text(view)


def _names(c: Confusion, k: int) -> list[str]:
    """Readable class names: invisible symbols spelled out, missing names numbered."""
    names = [SYMBOLS.get(n, n) for n in c.class_names[:k]]
    return names + [str(i) for i in range(len(names), k)]


def _confusion(view: RunView, step: int | None) -> tuple[Confusion | None, np.ndarray]:
    """The confusion record at `step` and its matrix (true x predicted), capped at MAX_CLASSES."""
    c = at_step(view.confusions, step)
    if c is None or not c.matrix:
        return None, np.zeros((0, 0), dtype=np.int64)
    k = min(len(c.matrix), MAX_CLASSES)
    return c, np.asarray(c.matrix, dtype=np.int64)[:k, :k]


def _when(c: Confusion) -> str:
    return _("epoch {epoch} (step {step})").format(epoch=c.epoch, step=c.step)


def confusion_figure(view: RunView, step: int | None = None, normalize: bool = True) -> go.Figure:
    """Validation counts by true class (rows) and predicted class (columns), diagonal = right.

    With `normalize`, colour shows each true class's share (rows sum to 1); cells show counts.
    """
    c, matrix = _confusion(view, step)
    if c is None:
        return blank(view, "confusion", _("Confusion matrix"), _no_confusion_text(view, step))
    k = len(matrix)
    names = _names(c, k)
    totals = matrix.sum(axis=1, keepdims=True)
    z = matrix / np.maximum(totals, 1) if normalize else matrix
    right = int(np.trace(matrix)) / max(int(matrix.sum()), 1)
    fig = new_figure(
        _("Confusion matrix at {when}: {right:.0%} right").format(when=_when(c), right=right),
        _("predicted class"),
        _("true class"),
        uirev("confusion", view),
    )
    cell = _("true {true}, predicted {predicted}")
    hover = (
        _("%{customdata[0]}<br>%{customdata[1]} examples (%{z:.0%} of this class)")
        if normalize
        else _("%{customdata[0]}<br>%{customdata[1]} examples")
    )
    fig.add_heatmap(
        x=list(range(k)),
        y=list(range(k)),
        z=z.tolist(),
        zmin=0,
        zmax=1 if normalize else max(int(matrix.max()), 1),
        text=[[str(v) if v else "" for v in row] for row in matrix.tolist()],  # zeros left blank
        texttemplate="%{text}" if k <= MAX_CELL_TEXT else None,
        customdata=[
            [[cell.format(true=names[t], predicted=names[p]), int(matrix[t, p])] for p in range(k)]
            for t in range(k)
        ],
        colorscale=CONFUSION_SCALE,
        colorbar=dict(
            title=dict(text=_("share of row") if normalize else _("count"), side="right")
        ),
        hovertemplate=hover + "<extra></extra>",
    )
    ticks = dict(tickvals=list(range(k)), ticktext=names, showgrid=False, zeroline=False)
    if k > MAX_CELL_TEXT:
        ticks["tickfont"] = dict(size=theme.SMALL_SIZE - 2)
    fig.update_xaxes(**ticks)
    fig.update_yaxes(**ticks, autorange="reversed")
    fig.update_layout(height=min(900, max(460, 220 + 36 * k)))
    return fig


def per_class_accuracy_figure(view: RunView, step: int | None = None) -> go.Figure:
    """Validation accuracy of each true class as bars, with the overall accuracy as a line."""
    c, matrix = _confusion(view, step)
    if c is None:
        text = _no_confusion_text(view, step)
        return blank(view, "class_accuracy", _("Accuracy per class"), text)
    k = len(matrix)
    names = _names(c, k)
    totals = matrix.sum(axis=1)
    accuracy = list(c.per_class_accuracy[:k]) + [math.nan] * (k - len(c.per_class_accuracy))
    overall = int(np.trace(matrix)) / max(int(matrix.sum()), 1)
    fig = new_figure(
        _("Accuracy per class at {when}").format(when=_when(c)),
        _("true class"),
        _("validation accuracy"),
        uirev("class_accuracy", view),
    )
    fig.add_bar(
        x=list(range(k)),
        y=[a if math.isfinite(a) else None for a in accuracy],
        customdata=[[names[i], int(matrix[i, i]), int(totals[i])] for i in range(k)],
        marker=dict(color=theme.VAL),
        name=_("per class"),
        hovertemplate=_(
            "class %{customdata[0]}<br>%{y:.0%} right (%{customdata[1]} of %{customdata[2]})"
        )
        + "<extra></extra>",
    )
    fig.add_hline(
        y=overall,
        line=dict(color=theme.REFERENCE, dash="dash", width=2),
        annotation_text=_("all classes: {overall:.0%}").format(overall=overall),
        annotation_position="top left",
        annotation_font=dict(size=theme.SMALL_SIZE + 2, color=theme.REFERENCE),
    )
    fig.update_xaxes(tickvals=list(range(k)), ticktext=names, showgrid=False)
    fig.update_yaxes(range=[0, 1.08], tickformat=".0%")
    fig.update_layout(showlegend=False)
    return fig


def _wrong_rows(c: Confusion) -> list[tuple[int, str, str, float]]:
    names = _names(c, max([len(c.class_names), *(i + 1 for i in c.wrong_true + c.wrong_pred)]))
    return [
        (i, names[t], names[p], conf)
        for i, t, p, conf in zip(c.wrong_index, c.wrong_true, c.wrong_pred, c.wrong_confidence)
    ]


def wrong_examples_table(view: RunView, step: int | None = None) -> pd.DataFrame:
    """The most confidently wrong validation predictions at `step`, most confident first."""
    c = at_step(view.confusions, step)
    rows = _wrong_rows(c) if c is not None else []
    return shown(pd.DataFrame(rows, columns=WRONG_TABLE_COLUMNS))


def wrong_examples_figure(view: RunView, step: int | None = None) -> go.Figure:
    """The most confidently wrong validation images, titled "true X → pred Y (97%)"."""
    title = _("Most confidently wrong validation images")
    c = at_step(view.confusions, step)
    if c is None:
        return blank(view, "wrong", title, _no_confusion_text(view, step))
    rows = _wrong_rows(c)
    if not c.wrong_pixels:
        text = _("not an image dataset: see the table") if rows else _("no wrong predictions here")
        return blank(view, "wrong", title, text)
    n = min(len(rows), len(c.wrong_pixels))
    cols = min(WRONG_COLUMNS, n)
    grid_rows = math.ceil(n / cols)
    named = _("true {true} → pred {pred} ({conf:.0%})")
    titles = [named.format(true=t, pred=p, conf=conf) for _i, t, p, conf in rows[:n]]
    fig = make_subplots(
        rows=grid_rows,
        cols=cols,
        subplot_titles=titles,
        horizontal_spacing=spacing(cols, 0.03),
        vertical_spacing=spacing(grid_rows, 0.12),
    )
    style(fig, _("{title} at {when}").format(title=title, when=_when(c)), uirev("wrong", view))
    for i in range(n):
        img = np.asarray(c.wrong_pixels[i], dtype=np.uint8)  # (H, W, C)
        if img.ndim == 2:
            img = img[..., None]
        if img.shape[-1] == 1:
            img = np.repeat(img, 3, axis=-1)
        r, col = divmod(i, cols)
        hover = _("validation item {i}").format(i=rows[i][0]) + f"<br>{titles[i]}<extra></extra>"
        fig.add_trace(go.Image(z=img, hovertemplate=hover), row=r + 1, col=col + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=110 + 200 * grid_rows, margin=dict(t=110))
    return small_titles(fig)
