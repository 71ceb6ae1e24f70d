""" "See inside the network" figures: real tiny runs of each architecture in, checked figures out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core.config import RunConfig
from core.data.base import DataConfig
from core.engine import train_run
from core.events import ActivationStats, Confusion, Histogram, Insight
from core.models import CNNConfig, MLPConfig, RNNConfig, TransformerConfig
from core.plan import plan_run
from core.run_state import RunState, RunView
from core.trainer import TrainConfig
from pages.ui.figures import inside as FI
from pages.ui.figures import theme
from pages.ui.figures.base import NO_DATA, WAITING
from pages.ui.figures.inside.weights import GRID_BINS, rebin
from pages.ui.figures.timeline import at_step, frame_at, timeline_steps


def trained_view(cfg: RunConfig) -> RunView:
    """Train `cfg` in-process and fold its events, with the summary the run registry attaches."""
    events: list = []
    train_run(cfg, events.append)
    state = RunState(RunView("r", "me", "running", cfg, 0.0, plan=plan_run(cfg)))
    state.apply(events)
    return replace(state.snapshot(), status="completed")


@pytest.fixture(scope="module")
def cnn() -> RunView:
    return trained_view(
        RunConfig(
            data=DataConfig(name="digits", n_samples=200),
            model=CNNConfig(channels=(4, 8)),
            train=TrainConfig(epochs=2),
        )
    )


@pytest.fixture(scope="module")
def transformer() -> RunView:
    return trained_view(
        RunConfig(
            data=DataConfig(name="reverse", n_samples=64, seq_len=4),
            model=TransformerConfig(d_model=16, n_heads=2, n_layers=2, d_ff=32),
            train=TrainConfig(epochs=1),
        )
    )


@pytest.fixture(scope="module")
def lstm() -> RunView:
    return trained_view(
        RunConfig(
            data=DataConfig(name="parity", n_samples=64, seq_len=5),
            model=RNNConfig(cell="lstm", hidden_size=6),
            train=TrainConfig(epochs=1),
        )
    )


@pytest.fixture(scope="module")
def spiral() -> RunView:
    return trained_view(
        RunConfig(
            data=DataConfig(name="spiral", n_samples=200),
            model=MLPConfig(hidden=(8,)),
            train=TrainConfig(epochs=2),
        )
    )


def empty_view(status: str = "queued") -> RunView:
    return RunView("r", "me", status, RunConfig(), 0.0)


def notes(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def heatmaps(fig: go.Figure) -> list[go.Heatmap]:
    return [t for t in fig.data if t.type == "heatmap"]


def same(a, b) -> bool:
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)


def first_frame_step(view: RunView) -> int:
    return timeline_steps(view)[0]


# -- the timeline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    step: int
    tag: str = ""


def test_at_step_picks_the_latest_item_at_or_before_the_step() -> None:
    items = [Item(0, "a"), Item(5, "b"), Item(5, "c"), Item(9, "d")]
    assert at_step(items, 4) == Item(0, "a")
    assert at_step(items, 5) == Item(5, "c")  # the newer of two at the same step
    assert at_step(items, 100) == Item(9, "d")
    assert at_step(items, None) == Item(9, "d")
    assert at_step(items, -1) is None
    assert at_step([], None) is None


def test_timeline_steps_are_sorted_and_distinct(spiral: RunView) -> None:
    steps = timeline_steps(spiral)
    assert steps == sorted(set(steps)) and len(steps) >= 2
    assert frame_at(spiral, steps[0]).step == steps[0]
    assert frame_at(spiral).step == steps[-1]
    assert timeline_steps(empty_view()) == [] and frame_at(empty_view()) is None


# -- weights and activations -------------------------------------------------------------------


def test_rebin_keeps_every_count() -> None:
    edges = np.linspace(-2.0, 3.0, 41)
    spread = rebin(Histogram(-1.0, 1.0, (3, 0, 5, 2)), edges)
    assert spread.sum() == pytest.approx(10.0)
    assert spread[edges[1:] <= -1.0].sum() == 0.0 and spread[edges[:-1] >= 1.0].sum() == 0.0
    spike = rebin(Histogram(0.5, 0.5, (7,)), edges)
    assert spike.sum() == 7.0 and spike.max() == 7.0


def test_weight_histograms_regrid_every_step_onto_one_value_axis(cnn: RunView) -> None:
    layer = FI.histogram_layers(cnn)[0]
    fig = FI.weight_histograms(cnn, layer)
    (heat,) = heatmaps(fig)
    records = [h for h in cnn.histograms if layer in h.layers]
    assert np.asarray(heat.customdata).shape == (len(records), GRID_BINS)
    assert list(heat.y) == [str(h.step) for h in records]
    for row, record in zip(heat.customdata, records, strict=True):
        assert sum(row) == pytest.approx(sum(record.weights[0].counts), abs=1.0)
    early = FI.weight_histograms(cnn, layer, "grads", step=records[0].step)
    assert len(heatmaps(early)[0].y) == 1 and "Gradients" in early.layout.title.text
    missing = FI.weight_histograms(cnn, "no.such.layer")
    assert missing.data == () and any("no.such.layer" in t for t in notes(missing))
    with pytest.raises(ValueError, match="which"):
        FI.weight_histograms(cnn, layer, "bias")  # type: ignore[arg-type]


def test_activation_views(cnn: RunView) -> None:
    over_time = FI.activation_over_time(cnn, step=1)
    last = cnn.activations[-1]
    assert len(over_time.data) == len(last.layers)  # every CNN activation is a ReLU: one panel
    assert any(s.type == "line" and s.x0 == 1 for s in over_time.layout.shapes)  # the step marker
    early_step = cnn.activations[0].step
    dist = FI.activation_distribution(cnn, step=early_step)
    assert f"step {early_step}" in dist.layout.title.text
    assert len(dist.data) == len(cnn.activations[0].layers)
    for bar in dist.data:
        assert sum(bar.y) == pytest.approx(1.0)


def test_activation_over_time_adds_a_panel_for_saturating_layers(cnn: RunView) -> None:
    hist = Histogram(-1.0, 1.0, (1, 2, 1))
    record = ActivationStats(
        3, ("a", "b"), ("relu", "tanh"), (0.1, 0.0), (1.0, 1.0), (0.2, 0.0), (0.0, 0.7), (hist,) * 2
    )
    fig = FI.activation_over_time(replace(cnn, activations=(record,)))
    assert [t.yaxis for t in fig.data] == ["y", "y2"]
    assert list(fig.data[1].y) == [0.7]


# -- CNNs ---------------------------------------------------------------------------------------


def test_feature_maps_grid_is_layers_by_channels(cnn: RunView) -> None:
    fm = frame_at(cnn).feature_maps
    fig = FI.feature_maps_figure(cnn, input_index=1)
    n_layers, widest = len(fm["layers"]), max(len(m[1]) for m in fm["maps"])
    assert len([k for k in fig.layout if k.startswith("xaxis")]) == n_layers * widest
    assert len(heatmaps(fig)) == sum(len(m[1]) for m in fm["maps"])
    assert same(heatmaps(fig)[0].z, fm["maps"][0][1][0])
    assert not same(heatmaps(fig)[0].z, heatmaps(FI.feature_maps_figure(cnn, 0))[0].z)
    early = FI.feature_maps_figure(cnn, 1, step=first_frame_step(cnn))
    assert f"step {first_frame_step(cnn)}" in early.layout.title.text
    assert not same(heatmaps(early)[-1].z, heatmaps(fig)[-1].z)  # the network changed since
    assert "#3" in FI.feature_maps_figure(cnn, input_index=99).layout.title.text  # clamped


def test_filters_are_centred_on_zero(cnn: RunView) -> None:
    filters = np.asarray(frame_at(cnn).feature_maps["filters"])  # (C_out, 1, k, k)
    fig = FI.filters_figure(cnn)
    assert len(heatmaps(fig)) == filters.shape[0]
    assert np.asarray(heatmaps(fig)[0].z).shape == filters.shape[2:]
    axis = fig.layout.coloraxis
    assert axis.cmin == -axis.cmax == pytest.approx(-np.abs(filters).max())


def test_colour_filters_show_each_input_channel(cnn: RunView) -> None:
    rgb = np.ones((2, 3, 3, 3)).tolist()
    frame = Insight(7, feature_maps={"layers": ["conv"], "maps": [], "filters": rgb})
    fig = FI.filters_figure(replace(cnn, insights=(frame,)))
    z = heatmaps(fig)[0].z
    assert len(z) == 3 and len(z[0]) == 3 * 3 + 2  # R | G | B with a gap column between
    assert z[0][3] is None and "R | G | B" in fig.layout.title.text


def test_probe_image_shows_the_chosen_validation_image(cnn: RunView) -> None:
    fig = FI.probe_image(cnn, 2)
    (image,) = fig.data
    pixels = np.asarray(cnn.samples["static_pixels"][2])
    assert np.asarray(image.z).shape == (*pixels.shape[:2], 3)
    assert np.array_equal(np.asarray(image.z)[..., 0], pixels[..., 0])
    true = cnn.samples["static_class_names"][cnn.samples["static_true"][2]]
    assert fig.layout.title.text.endswith(f"a {true}")


# -- sequence models ----------------------------------------------------------------------------


def test_attention_rows_sum_to_one_and_axes_show_the_input(transformer: RunView) -> None:
    att = frame_at(transformer).attention
    fig = FI.attention_figure(transformer, input_index=0)
    n_heads = len(att["maps"][0][0])
    assert len(heatmaps(fig)) == len(att["layers"]) * n_heads
    for heat in heatmaps(fig):
        assert np.allclose(np.asarray(heat.z).sum(axis=1), 1.0, atol=0.02)
    assert "".join(fig.layout.xaxis.ticktext) == transformer.samples["rows"][0]["input"]
    early = FI.attention_figure(transformer, 0, step=first_frame_step(transformer))
    assert not same(heatmaps(early)[0].z, heatmaps(fig)[0].z)
    unnamed = FI.attention_figure(replace(transformer, samples={}))
    assert unnamed.layout.xaxis.ticktext[:2] == ("t0", "t1")
    long = np.full((1, 1, 100, 100), 0.01).tolist()  # (B, heads, T, T)
    frame = Insight(3, attention={"layers": ["blocks.0"], "maps": [long]})
    capped = FI.attention_figure(replace(transformer, insights=(frame,)))
    assert np.asarray(heatmaps(capped)[0].z).shape == (64, 64)


def test_recurrent_figure_shows_hidden_units_and_gates(lstm: RunView) -> None:
    rec = frame_at(lstm).recurrent
    hidden = np.asarray(rec["hidden"][1])  # (T, units)
    fig = FI.recurrent_figure(lstm, input_index=1)
    heats = heatmaps(fig)
    assert len(heats) == 1 + len(rec["gate_names"])
    assert np.allclose(np.asarray(heats[0].z), hidden.T)
    forget = np.asarray(heats[1 + rec["gate_names"].index("forget")].z)
    assert forget.min() >= 0.0 and forget.max() <= 1.0
    symbols = list(lstm.samples["rows"][1]["input"])
    assert fig.layout.xaxis.ticktext == tuple(symbols) and len(symbols) == hidden.shape[0]
    assert fig.layout.xaxis.title.text == "time step (input symbol)"
    no_gates = {k: v for k, v in rec.items() if k not in ("gates", "gate_names")}
    gru = replace(lstm, insights=(Insight(3, recurrent={**no_gates, "cell": "GRU"}),))
    assert len(heatmaps(FI.recurrent_figure(gru))) == 1


def test_recurrent_figure_without_input_symbols_labels_positions(lstm: RunView) -> None:
    fig = FI.recurrent_figure(replace(lstm, samples={}), input_index=1)  # e.g. a forecast series
    x_axes = list(fig.select_xaxes())
    assert fig.layout.xaxis.title.text == "position in the sequence" and len(x_axes) == 5
    assert all("symbol" not in (axis.title.text or "") for axis in x_axes)
    assert all(axis.ticktext is None for axis in x_axes)  # plain positions, not t0, t1, …


# -- confusion ----------------------------------------------------------------------------------


def test_confusion_counts_every_validation_example(cnn: RunView) -> None:
    n_val = cnn.plan.n_val
    fig = FI.confusion_figure(cnn)
    (heat,) = heatmaps(fig)
    assert sum(cell[1] for row in heat.customdata for cell in row) == n_val
    z = np.asarray(heat.z)
    assert np.allclose(z.sum(axis=1)[z.sum(axis=1) > 0], 1.0)
    assert np.asarray(heatmaps(FI.confusion_figure(cnn, normalize=False))[0].z).sum() == n_val
    first = cnn.confusions[0]
    early = FI.confusion_figure(cnn, step=first.step)
    assert f"epoch {first.epoch} " in early.layout.title.text
    bars = FI.per_class_accuracy_figure(cnn, step=first.step)
    assert list(bars.data[0].y) == list(first.per_class_accuracy)


def test_confusion_is_capped_at_40_classes(cnn: RunView) -> None:
    k = 60
    matrix = tuple(tuple(int(i == j) for j in range(k)) for i in range(k))
    big = Confusion(5, 1, tuple(str(i) for i in range(k)), matrix, (1.0,) * k)
    fig = FI.confusion_figure(replace(cnn, confusions=(big,)))
    assert np.asarray(heatmaps(fig)[0].z).shape == (40, 40)


def test_wrong_examples(cnn: RunView, lstm: RunView) -> None:
    last = cnn.confusions[-1]
    fig = FI.wrong_examples_figure(cnn)
    images = [t for t in fig.data if t.type == "image"]
    assert len(images) == len(last.wrong_index) > 0
    names = last.class_names
    t, p, c = last.wrong_true[0], last.wrong_pred[0], last.wrong_confidence[0]
    assert f"true {names[t]} → pred {names[p]} ({c:.0%})" in notes(fig)
    table = FI.wrong_examples_table(lstm)
    assert isinstance(table, pd.DataFrame) and len(table) == len(lstm.confusions[-1].wrong_index)
    assert set(table["true"]) <= {"even", "odd"}
    assert "not an image dataset: see the table" in notes(FI.wrong_examples_figure(lstm))
    assert FI.wrong_examples_table(empty_view()).empty


# -- the decision boundary animation -----------------------------------------------------------


def test_boundary_animation_has_a_frame_per_timeline_frame(spiral: RunView) -> None:
    fig = FI.boundary_animation(spiral)
    steps = timeline_steps(spiral)
    assert len(fig.frames) == len(steps) == len(spiral.insights)
    assert [f.name for f in fig.frames] == [str(s) for s in steps]
    assert same(fig.frames[0].data[0].z, frame_at(spiral, steps[0]).samples["z"])
    assert not same(fig.frames[0].data[0].z, fig.frames[-1].data[0].z)
    assert len(fig.layout.sliders[0].steps) == len(steps)
    assert fig.layout.updatemenus[0].buttons[0].args[0] is None  # play: every frame
    assert f"step {steps[-1]}" in fig.layout.title.text
    frame = spiral.insights[-1]
    many = tuple(replace(frame, step=i) for i in range(100))
    assert len(FI.boundary_animation(replace(spiral, insights=many)).frames) == 32


# -- every builder, on every kind of view --------------------------------------------------------

BUILDERS: dict[str, Callable[[RunView], go.Figure]] = {
    "weight_histograms": lambda v: FI.weight_histograms(v, (FI.histogram_layers(v) or ["x"])[0]),
    "activation_over_time": FI.activation_over_time,
    "activation_distribution": FI.activation_distribution,
    "feature_maps": FI.feature_maps_figure,
    "filters": FI.filters_figure,
    "probe_image": FI.probe_image,
    "attention": FI.attention_figure,
    "recurrent": FI.recurrent_figure,
    "confusion": FI.confusion_figure,
    "per_class_accuracy": FI.per_class_accuracy_figure,
    "wrong_examples": FI.wrong_examples_figure,
    "boundary_animation": FI.boundary_animation,
}
APPLIES = {  # which views each builder has something to draw for
    "feature_maps": {"cnn"},
    "filters": {"cnn"},
    "probe_image": {"cnn"},
    "attention": {"transformer"},
    "recurrent": {"lstm"},
    "wrong_examples": {"cnn"},
    "boundary_animation": {"spiral"},
    "weight_histograms": {"cnn", "spiral"},
    "activation_over_time": {"cnn", "spiral", "transformer"},
    "activation_distribution": {"cnn", "spiral", "transformer"},
}


PROBES = {"feature_maps", "filters", "probe_image", "attention", "recurrent", "wrong_examples"}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_builder_draws_or_says_why_not(name: str, request: pytest.FixtureRequest) -> None:
    build = BUILDERS[name]
    for status, text in (("queued", WAITING), ("completed", NO_DATA)):
        fig = build(empty_view(status))
        assert fig.data == () and notes(fig) == [text] and fig.layout.title.text
    for view_name in ("cnn", "transformer", "lstm", "spiral"):
        view = request.getfixturevalue(view_name)
        fig = build(view)
        assert fig.layout.title.text and fig.layout.template.layout.font.size == theme.FONT_SIZE
        drawn = view_name in APPLIES.get(name, {"cnn", "transformer", "lstm", "spiral"})
        assert bool(fig.data) == drawn, (name, view_name)
        if not drawn:
            assert notes(fig), (name, view_name)
        if not drawn and name in PROBES | {"boundary_animation"}:  # says why, not just "nothing"
            assert notes(fig)[0] not in (WAITING, NO_DATA), (name, view_name)
