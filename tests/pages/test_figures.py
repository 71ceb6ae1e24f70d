"""Figure builders: real tiny runs and constructed RunViews in, well-formed plotly figures out."""

from __future__ import annotations

import ast
import dataclasses
import math
import pathlib
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from core.config import RunConfig
from core.data.base import DataConfig
from core.engine import train_run
from core.events import EpochEnd, LayerStats
from core.models import CNNConfig, MLPConfig
from core.plan import RunPlan, plan_run
from core.run_state import RunState, RunView
from core.trainer import TrainConfig
from pages.ui import figures as F
from pages.ui.figures import theme
from pages.ui.figures.base import NO_DATA, WAITING

UI_DIR = pathlib.Path(__file__).resolve().parents[2] / "pages" / "ui"
VIEW_BUILDERS = [
    F.loss_curve,
    F.epoch_curves,
    F.grad_norm_lines,
    F.grad_heatmap,
    F.update_ratio,
    F.decision_boundary,
    F.curve_fit,
    F.image_grid,
    F.forecast_plot,
]
NO_AXES = {F.image_grid}  # pictures, not charts: their axes are hidden on purpose


def plan_with(**spec_fields: object) -> RunPlan:
    """A run's plan whose data spec has `spec_fields` (task, sample_kind) changed."""
    plan = plan_run(RunConfig(data=DataConfig(name="spiral", n_samples=40)))
    return dataclasses.replace(plan, spec=dataclasses.replace(plan.spec, **spec_fields))


def trained_view(cfg: RunConfig) -> RunView:
    events: list = []
    train_run(cfg, events.append)
    state = RunState(RunView("r1", "me", "queued", cfg, 0.0))
    state.apply(events)
    return state.snapshot()


@pytest.fixture(scope="module")
def spiral() -> RunView:
    cfg = RunConfig(
        data=DataConfig(name="spiral", n_samples=200),
        model=MLPConfig(hidden=(8,)),
        train=TrainConfig(epochs=2),
    )
    return trained_view(cfg)


@pytest.fixture(scope="module")
def digits() -> RunView:
    cfg = RunConfig(
        data=DataConfig(name="digits", n_samples=100),
        model=CNNConfig(channels=(2,), head_hidden=8),
        train=TrainConfig(epochs=1),
    )
    return trained_view(cfg)


def empty_view(status: str = "queued") -> RunView:
    return RunView("empty", "me", status, RunConfig(), 0.0)


def axis_titles(fig: go.Figure) -> list[str]:
    layout = fig.layout.to_plotly_json()
    return [
        layout[key].get("title", {}).get("text") or ""
        for key in layout
        if re.fullmatch(r"[xy]axis\d*", key)
    ]


def annotation_texts(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def trace_lengths(fig: go.Figure) -> list[int]:
    return [len(t.x) for t in fig.data if getattr(t, "x", None) is not None]


def epoch(i: int, metric_name: str = "accuracy") -> EpochEnd:
    return EpochEnd(i, 10 * i, 1.0 / i, 0.5, 1.2 / i, 0.25, metric_name, 1e-3, 100.0, 1.0)


def layer_stats(n: int, layers: tuple[str, ...] = ("body.0", "body.2", "head")) -> tuple:
    return tuple(
        LayerStats(
            step=i + 1,
            layers=layers,
            grad_norm=tuple(10.0 ** -(len(layers) - j) for j in range(len(layers))),
            weight_norm=(1.0,) * len(layers),
            update_ratio=(1e-3,) * len(layers),
        )
        for i in range(n)
    )


@pytest.fixture(scope="module")
def huge() -> RunView:
    """Far more data than RunView ever holds: every builder must still cap its traces."""
    n = 50_000
    rng = np.random.default_rng(0)
    side = np.linspace(-1, 1, 48).tolist()
    return RunView(
        "huge",
        "me",
        "running",
        {},
        0.0,
        loss_steps=tuple(range(n)),
        loss_values=tuple(rng.random(n).tolist()),
        epochs=tuple(epoch(i) for i in range(1, 5001)),
        layer_stats=layer_stats(5000),
        samples_kind="boundary",
        samples={
            "z": rng.random((48, 48)).tolist(),
            "zkind": "probability",
            "static_xs": side,
            "static_ys": side,
            "static_points": rng.normal(size=(5000, 2)).tolist(),
            "static_labels": rng.integers(0, 2, 5000).astype(float).tolist(),
        },
    )


# -- every builder ----------------------------------------------------------------------------


@pytest.mark.parametrize("build", VIEW_BUILDERS, ids=lambda f: f.__name__)
def test_empty_view_gets_a_waiting_figure_with_titles(build):
    fig = build(empty_view())
    assert isinstance(fig, go.Figure)
    assert not fig.data
    assert WAITING in annotation_texts(fig)
    assert fig.layout.title.text
    assert fig.layout.uirevision
    if build not in NO_AXES:
        assert any(axis_titles(fig))
    fig.to_json()  # serialisable, as Streamlit needs


@pytest.mark.parametrize("build", VIEW_BUILDERS, ids=lambda f: f.__name__)
def test_finished_run_without_data_says_so(build):
    assert NO_DATA in annotation_texts(build(empty_view("failed")))


@pytest.mark.parametrize(
    "build",
    [F.loss_curve, F.epoch_curves, F.grad_norm_lines, F.grad_heatmap, F.update_ratio],
    ids=lambda f: f.__name__,
)
def test_real_run_gives_titled_figures_with_data(build, spiral):
    fig = build(spiral)
    assert fig.data
    assert fig.layout.title.text
    assert all(axis_titles(fig))
    assert "r1" in fig.layout.uirevision  # zoom survives refreshes of this run
    assert fig.layout.template.layout.font.size >= 16  # readable on a projector
    fig.to_json()


@pytest.mark.parametrize(
    "build",
    [F.loss_curve, F.epoch_curves, F.grad_norm_lines, F.update_ratio, F.decision_boundary],
    ids=lambda f: f.__name__,
)
def test_no_trace_exceeds_the_point_cap(build, huge):
    lengths = trace_lengths(build(huge))
    assert lengths and max(lengths) <= F.MAX_TRACE_POINTS


def test_heatmap_and_comparison_respect_the_point_cap(huge):
    heat = F.grad_heatmap(huge).data[0]
    assert len(heat.x) <= F.MAX_TRACE_POINTS and len(heat.z[0]) == len(heat.x)
    for metric in ("step_loss", "val_loss", "val_metric"):
        fig = F.compare_runs([huge, huge], metric, ["a", "b"])
        assert max(trace_lengths(fig)) <= F.MAX_TRACE_POINTS


def test_capping_keeps_the_extremes(huge):
    raw = F.loss_curve(huge, smoothing=0.0).data[0]
    assert max(raw.y) == max(huge.loss_values) and min(raw.y) == min(huge.loss_values)
    assert raw.x[0] == 0 and raw.x[-1] == len(huge.loss_steps) - 1


# -- curves -----------------------------------------------------------------------------------


def test_ema_of_a_constant_is_constant_and_debiased():
    assert F.ema([2.5] * 100, 0.9) == pytest.approx([2.5] * 100)
    assert F.ema([1.0, 3.0], 0.5)[0] == pytest.approx(1.0)  # no pull toward zero at the start
    assert F.ema([1.0, 3.0], 0.5)[1] == pytest.approx((0.5 * 0.5 + 0.5 * 3.0) / (1 - 0.5**2))
    assert F.ema([1.0, 5.0, 2.0], 0.0) == [1.0, 5.0, 2.0]
    with pytest.raises(ValueError, match="smoothing"):
        F.ema([1.0], 1.0)


def test_ema_passes_non_finite_values_through():
    out = F.ema([1.0, math.nan, 1.0], 0.6)
    assert out[0] == pytest.approx(1.0) and math.isnan(out[1]) and out[2] == pytest.approx(1.0)


def test_loss_curve_has_raw_and_smoothed_lines_in_the_train_colour(spiral):
    fig = F.loss_curve(spiral, smoothing=0.6)
    raw, smooth = fig.data
    assert list(raw.y) == pytest.approx(list(spiral.loss_values))
    assert list(smooth.y) == pytest.approx(F.ema(spiral.loss_values, 0.6))
    assert raw.line.color == smooth.line.color == theme.TRAIN
    assert smooth.line.width > raw.line.width
    assert fig.layout.xaxis.title.text == "step" and fig.layout.yaxis.title.text == "loss"
    assert len(F.loss_curve(spiral, smoothing=0.0).data) == 1


def test_loss_curve_log_axis_and_divergence_marker(spiral):
    assert F.loss_curve(spiral, log_y=True).layout.yaxis.type == "log"
    diverged = RunView(
        "d",
        "me",
        "diverged",
        RunConfig(),
        0.0,
        failed_step=7,
        loss_steps=(1, 2),
        loss_values=(1.0, 9.0),
    )
    fig = F.loss_curve(diverged)
    assert any(s.x0 == 7 for s in fig.layout.shapes)
    assert any("NaN" in t for t in annotation_texts(fig))


def test_epoch_curves_train_and_val_colours_and_percent_accuracy(spiral):
    fig = F.epoch_curves(spiral)
    by_name: dict[str, list] = {}
    for trace in fig.data:
        by_name.setdefault(trace.name, []).append(trace)
    assert {t.line.color for t in by_name["train"]} == {theme.TRAIN}
    assert {t.line.color for t in by_name["validation"]} == {theme.VAL}
    assert fig.layout.yaxis2.title.text == "accuracy (%)"
    val_metric = by_name["validation"][1]
    assert list(val_metric.y) == pytest.approx([e.val_metric * 100 for e in spiral.epochs])
    assert sum(t.showlegend is not False for t in fig.data) == 2  # one legend entry per split


def test_epoch_curves_regression_shows_mean_absolute_error():
    view = RunView(
        "m", "me", "running", RunConfig(), 0.0, epochs=(epoch(1, "mae"), epoch(2, "mae"))
    )
    fig = F.epoch_curves(view)
    assert fig.layout.yaxis2.title.text == "mean absolute error"
    assert list(fig.data[-1].y) == pytest.approx([0.25, 0.25])  # not scaled to percent


@pytest.mark.parametrize(
    ("task", "title"),
    [("regression", "mean absolute error"), ("classification", "accuracy (%)"), (None, "metric")],
)
def test_epoch_curves_before_the_first_epoch_name_the_task_metric(task, title):
    plan = plan_with(task=task) if task else None
    view = RunView("m", "me", "running", RunConfig(), 0.0, plan=plan)
    fig = F.epoch_curves(view)
    assert fig.layout.yaxis2.title.text == title
    assert fig.layout.annotations[1].text == title  # the right panel's subplot title
    assert WAITING in annotation_texts(fig)


def test_train_and_val_colours_are_distinct_theme_constants():
    assert theme.TRAIN != theme.VAL
    assert re.fullmatch(r"#[0-9A-F]{6}", theme.TRAIN) and re.fullmatch(r"#[0-9A-F]{6}", theme.VAL)


def test_compare_runs_overlays_labelled_runs(spiral, digits):
    fig = F.compare_runs([spiral, digits], "val_metric", ["spiral", "digits"])
    assert [t.name for t in fig.data] == ["spiral", "digits"]
    assert len({t.line.color for t in fig.data}) == 2
    assert fig.layout.yaxis.title.text == "validation accuracy (%)"
    assert fig.layout.xaxis.title.text == "epoch"
    step = F.compare_runs([spiral], "step_loss", ["s"])
    assert step.layout.xaxis.title.text == "step"
    assert list(step.data[0].y) == pytest.approx(F.ema(spiral.loss_values, 0.6))
    assert WAITING in annotation_texts(F.compare_runs([], "val_loss", []))
    with pytest.raises(ValueError, match="label"):
        F.compare_runs([spiral], "val_loss", [])


# -- gradients --------------------------------------------------------------------------------


def test_grad_norm_lines_one_line_per_layer_first_to_last(spiral):
    fig = F.grad_norm_lines(spiral)
    layers = spiral.layer_stats[-1].layers
    assert [t.name for t in fig.data] == list(layers)
    assert fig.layout.yaxis.type == "log"
    assert [t.line.color for t in fig.data] == theme.layer_colors(len(layers))
    assert F.grad_norm_lines(spiral, log_y=False).layout.yaxis.type != "log"


def test_grad_heatmap_puts_the_first_layer_on_top_in_log10():
    view = RunView("h", "me", "running", RunConfig(), 0.0, layer_stats=layer_stats(4))
    heat = F.grad_heatmap(view).data[0]
    assert isinstance(heat, go.Heatmap)
    assert list(heat.y) == ["body.0", "body.2", "head"]
    assert F.grad_heatmap(view).layout.yaxis.autorange == "reversed"
    assert np.shape(heat.z) == (3, 4)
    assert heat.z[0][0] == pytest.approx(-3.0) and heat.z[2][0] == pytest.approx(-1.0)


def test_update_ratio_marks_the_healthy_value(spiral):
    fig = F.update_ratio(spiral)
    assert fig.layout.yaxis.type == "log"
    ref = fig.data[-1]
    assert set(ref.y) == {1e-3} and ref.line.dash == "dash"
    assert any("1e-3" in (t or "") for t in ref.text)


# -- predictions ------------------------------------------------------------------------------


def test_decision_boundary_on_a_real_spiral_run(spiral):
    fig = F.decision_boundary(spiral)
    grids = [t for t in fig.data if isinstance(t, (go.Contour, go.Heatmap))]
    assert grids and all(np.shape(t.z) == (48, 48) for t in grids)
    points = [t for t in fig.data if isinstance(t, go.Scatter)]
    assert sum(len(t.x) for t in points) == len(spiral.samples["static_points"])
    assert {t.marker.color for t in points} == set(theme.CLASS_COLORS[:2])
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


@pytest.mark.parametrize("zkind", ["class", "value"])
def test_decision_boundary_for_many_classes_and_regression(zkind):
    z = np.arange(48 * 48).reshape(48, 48) % 3
    view = RunView(
        "b",
        "me",
        "running",
        {},
        0.0,
        samples_kind="boundary",
        samples={
            "z": z.tolist(),
            "zkind": zkind,
            "static_xs": list(range(48)),
            "static_ys": list(range(48)),
            "static_points": [[0, 0], [1, 1], [2, 2]],
            "static_labels": [0.0, 1.0, 2.0],
        },
    )
    fig = F.decision_boundary(view)
    assert np.shape(fig.data[0].z) == (48, 48)
    n_point_traces = 3 if zkind == "class" else 1
    assert len([t for t in fig.data if isinstance(t, go.Scatter)]) == n_point_traces
    fig.to_json()


def test_image_grid_shows_every_image_with_prediction_titles(digits):
    fig = F.image_grid(digits)
    n = len(digits.samples["static_pixels"])
    assert n > 0 and sum(isinstance(t, go.Image) for t in fig.data) == n
    titles = annotation_texts(fig)[:n]
    assert all(re.fullmatch(r"pred \S+ \(\d+%\) / true \S+", t) for t in titles)
    assert np.shape(fig.data[0].z)[-1] == 3  # grey digits drawn as RGB


def test_image_grid_marks_wrong_predictions_in_red():
    pixels = np.zeros((3, 4, 4, 3), dtype=np.uint8).tolist()
    view = RunView(
        "i",
        "me",
        "running",
        {},
        0.0,
        samples_kind="images",
        samples={
            "pred": [0, 1, 2],
            "confidence": [0.87, 0.5, 0.99],
            "static_true": [0, 2, 2],
            "static_pixels": pixels,
            "static_class_names": ["cat", "dog", "fox"],
        },
    )
    fig = F.image_grid(view)
    assert annotation_texts(fig)[:3] == [
        "pred cat (87%) / true cat",
        "pred dog (50%) / true fox",
        "pred fox (99%) / true fox",
    ]
    colours = [a.font.color for a in fig.layout.annotations[:3]]
    assert colours == [theme.TRUTH, theme.WRONG, theme.TRUTH]
    assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].line.color == theme.WRONG


def test_curve_fit_and_forecast_from_payloads():
    curve = RunView(
        "c",
        "me",
        "running",
        {},
        0.0,
        samples_kind="curve",
        samples={
            "y": [0.0, 1.0, 4.0],
            "static_x": [0.0, 1.0, 2.0],
            "static_points": [0.5, 1.5],
            "static_targets": [0.2, 2.1],
        },
    )
    fig = F.curve_fit(curve)
    assert [t.name for t in fig.data] == ["training data", "model"]
    assert fig.data[0].marker.color == theme.TRAIN and fig.data[1].line.color == theme.PRED
    forecast = RunView(
        "f",
        "me",
        "running",
        {},
        0.0,
        samples_kind="forecast",
        samples={
            "predicted": np.zeros((3, 4)).tolist(),
            "static_history": np.ones((3, 6)).tolist(),
            "static_truth": np.ones((3, 4)).tolist(),
        },
    )
    fig = F.forecast_plot(forecast)
    assert len(fig.data) == 3 * 3  # history, truth, prediction per series
    assert list(fig.data[0].x) == list(range(-6, 0)) and list(fig.data[1].x) == [0, 1, 2, 3]
    assert "value" in axis_titles(fig) and any("time step" in t for t in axis_titles(fig))


def test_predictions_figure_dispatches_on_the_samples_kind(spiral, digits):
    assert isinstance(F.predictions_figure(spiral).data[0], go.Contour)
    assert isinstance(F.predictions_figure(digits).data[0], go.Image)
    for kind in ("text", "sequence", "table"):
        assert (
            F.predictions_figure(RunView("t", "me", "running", RunConfig(), 0.0, samples_kind=kind))
            is None
        )
    queued = RunView("q", "me", "queued", RunConfig(), 0.0, plan=plan_with(sample_kind="images"))
    assert WAITING in annotation_texts(F.predictions_figure(queued))
    assert set(F.PREDICTION_FIGURES) == {"boundary", "curve", "images", "forecast"}


# -- tables -----------------------------------------------------------------------------------


def test_prediction_table_for_sequences_and_tables():
    rows = [
        {"input": "12|__", "target": "12", "predicted": "12"},
        {"input": "34|__", "target": "34", "predicted": "33"},
    ]
    seq = F.prediction_table(
        RunView(
            "s", "me", "running", RunConfig(), 0.0, samples_kind="sequence", samples={"rows": rows}
        )
    )
    assert list(seq.columns) == ["input", "target", "predicted", "correct"]
    assert seq["correct"].tolist() == [True, False]
    classified = F.prediction_table(
        RunView(
            "t",
            "me",
            "running",
            {},
            0.0,
            samples_kind="table",
            samples={"predicted": ["a", "b"], "confidence": [0.9, 0.6], "static_true": ["a", "a"]},
        )
    )
    assert list(classified.columns)[:3] == ["true", "predicted", "confidence"]
    regressed = F.prediction_table(
        RunView(
            "r",
            "me",
            "running",
            {},
            0.0,
            samples_kind="table",
            samples={"predicted": [1.0, 3.0], "static_true": [1.5, 2.0]},
        )
    )
    assert regressed["abs error"].tolist() == pytest.approx([0.5, 1.0])
    assert F.prediction_table(empty_view()).empty


def test_model_summary_table_matches_the_plan():
    cfg = RunConfig(data=DataConfig(name="digits", n_samples=100), model=CNNConfig(channels=(2,)))
    summary = plan_run(cfg).model
    table = F.model_summary_table(summary)
    assert list(table.columns) == ["layer", "type", "output shape", "parameters"]
    assert len(table) == len(summary.layers)
    assert table["parameters"].sum() == summary.total_params
    assert table["output shape"].iloc[0] == "2 × 8 × 8"
    assert F.model_summary_table(None).empty


# -- layering ---------------------------------------------------------------------------------


def imported_modules(path: pathlib.Path) -> list[str]:
    """Every module `path` imports, at any depth of its code (function-level imports included)."""
    tree = ast.parse(path.read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [
        f"{n.module}.{a.name}"
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module
        for a in n.names
    ]
    return names


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(UI_DIR.parents[1]).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_figure_modules_do_not_import_streamlit():
    paths = sorted((UI_DIR / "figures").rglob("*.py"))
    assert len(paths) >= 10 and UI_DIR / "figures" / "theme.py" in paths
    for path in paths:
        assert not any(n.split(".")[0] == "streamlit" for n in imported_modules(path)), path


def test_ui_modules_import_each_other_without_cycles():
    modules = {module_name(p): p for p in UI_DIR.rglob("*.py")}
    graph = {
        name: {
            target
            for imported in imported_modules(path)
            # `from pkg.module import name` depends on pkg.module; `from pkg import module` on it
            for target in [imported if imported in modules else imported.rpartition(".")[0]]
            if target in modules and target != name
        }
        for name, path in modules.items()
    }
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, " -> ".join((*trail, name))
        if name not in done:
            for target in graph[name]:
                visit(target, (*trail, name))
            done.add(name)

    for name in graph:
        visit(name, ())
