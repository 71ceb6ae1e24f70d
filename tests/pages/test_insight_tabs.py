"""The inside-the-network tabs (Inside, Features, Errors, Coach) render on real runs, scrub with the
timeline, and show architecture-specific views."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.config import RunConfig
from core.data.base import DataConfig
from core.models import CNNConfig, MLPConfig, RNNConfig, TransformerConfig
from core.optim import OptimConfig
from core.trainer import TrainConfig
from pages.ui import state
from tests.pages.conftest import run, run_until
from tests.pages.test_app import finished, start

CNN = RunConfig(
    data=DataConfig(name="digits", n_samples=200),
    model=CNNConfig(channels=(4, 8)),
    train=TrainConfig(epochs=3),
)
LSTM = RunConfig(
    data=DataConfig(name="parity", n_samples=64, seq_len=5),
    model=RNNConfig(cell="lstm", hidden_size=6),
    train=TrainConfig(epochs=2),
)
DEEP_SIGMOID = RunConfig(
    data=DataConfig(name="spiral", n_samples=400),
    model=MLPConfig(hidden=(16,) * 9, activation="sigmoid"),
    optim=OptimConfig(lr=3e-3),
    train=TrainConfig(epochs=3),
)


def keys(at: AppTest) -> set[str]:
    found, stack = set(), [at.main]
    while stack:
        node = stack.pop()
        if getattr(node, "key", None):
            found.add(node.key)
        stack.extend(getattr(node, "children", {}).values())
    return found


def open_tab(at: AppTest, tab: str) -> AppTest:
    at.session_state["dashboard.tab"] = tab
    return run(at)


def test_cnn_run_shows_weights_feature_maps_and_confusion(app: AppTest) -> None:
    start(app, CNN)
    run_until(app, finished("completed"))
    open_tab(app, "Inside")
    assert {"dashboard.hist_chart", "dashboard.act_time", "dashboard.act_dist"} <= keys(app)
    open_tab(app, "Features")
    assert {"dashboard.feature_maps", "dashboard.filters", "dashboard.probe_image"} <= keys(app)
    app.radio(key="dashboard.probe_input").set_value(2)
    run(app)
    if "dashboard.timeline_follow" in app.session_state:  # two or more frames recorded
        app.toggle(key="dashboard.timeline_follow").set_value(False)
        run(app)
        app.slider(key="dashboard.timeline_step").set_value(0)
        run(app)  # scrubbed back to the first frame: still renders
        assert "dashboard.feature_maps" in keys(app)
    open_tab(app, "Errors")
    assert {"dashboard.confusion", "dashboard.per_class"} <= keys(app)
    open_tab(app, "Coach")


def test_lstm_run_shows_hidden_state_and_gates(app: AppTest) -> None:
    start(app, LSTM)
    run_until(app, finished("completed"))
    open_tab(app, "Features")
    assert "dashboard.recurrent" in keys(app)
    assert "dashboard.feature_maps" not in keys(app)


@pytest.mark.parametrize("cfg, advice", [(DEEP_SIGMOID, "Vanishing gradients")])
def test_coach_tab_quotes_its_numbers(app: AppTest, cfg: RunConfig, advice: str) -> None:
    start(app, cfg)
    run_until(app, finished("completed"))
    open_tab(app, "Coach")
    text = "\n".join(str(w.value) for w in app.warning)
    assert advice in text
    assert state.registry().snapshot(app.session_state[state.RUN_ID]).layer_stats


TRANSFORMER = RunConfig(
    data=DataConfig(name="reverse", n_samples=64, seq_len=4),
    model=TransformerConfig(d_model=16, n_heads=2, n_layers=2, d_ff=32),
    train=TrainConfig(epochs=2),
)
SPIRAL = RunConfig(
    data=DataConfig(name="spiral", n_samples=200),
    model=MLPConfig(hidden=(8,)),
    train=TrainConfig(epochs=400),
)


def test_transformer_run_shows_attention(app: AppTest) -> None:
    start(app, TRANSFORMER)
    run_until(app, finished("completed"))
    open_tab(app, "Features")
    assert "dashboard.attention" in keys(app)


def test_spiral_run_animates_its_decision_boundary(app: AppTest) -> None:
    start(app, SPIRAL)
    run_until(app, finished("completed"), timeout=120)
    open_tab(app, "Predictions")
    if len(state.registry().snapshot(app.session_state[state.RUN_ID]).insights) > 1:
        assert "dashboard.boundary_animation" in keys(app)
