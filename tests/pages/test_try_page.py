"""The Try page: a trained run's model answers a new input of each kind, and can be taken away."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.config import RunConfig
from core.data.base import DataConfig
from core.data.files import store_upload
from core.models import CNNConfig, MLPConfig, RNNConfig, TransformerConfig
from core.trainer import TrainConfig
from pages.ui import state
from tests.pages.conftest import OWNER, open_page, run

SMALL = TrainConfig(epochs=1, batch_size=32)
RUNS = {
    "point": RunConfig(
        data=DataConfig(name="spiral", n_samples=200), model=MLPConfig(hidden=(8,)), train=SMALL
    ),
    "image": RunConfig(
        data=DataConfig(name="digits", n_samples=200), model=CNNConfig(channels=(4,)), train=SMALL
    ),
    "prompt": RunConfig(
        data=DataConfig(name="text", n_samples=100, seq_len=16),
        model=RNNConfig(cell="lstm", hidden_size=8),
        train=SMALL,
    ),
    "text": RunConfig(
        data=DataConfig(name="text_classes", seq_len=24),
        model=RNNConfig(cell="lstm", hidden_size=8),
        train=SMALL,
    ),
    "sequence": RunConfig(
        data=DataConfig(name="reverse", n_samples=60, seq_len=4),
        model=TransformerConfig(d_model=8, n_heads=2, n_layers=1, d_ff=8),
        train=SMALL,
    ),
}


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def trained_page(app: AppTest, kind: str, owner: str = OWNER) -> tuple[AppTest, str]:
    run(app)
    reg = state.registry()
    run_id = reg.start(RUNS[kind], owner=owner, shared=owner != OWNER)
    assert reg.wait(run_id, timeout=120).status == "completed"
    app.query_params[state.RUN] = run_id
    return open_page(app, "pages/try_model.py"), run_id


def test_a_toy_model_answers_a_typed_point(app: AppTest) -> None:
    at, _ = trained_page(app, "point")
    at.number_input(key="try.x").set_value(0.5)
    at.number_input(key="try.y").set_value(-0.5)
    run(at)
    assert any(c.key == "try.boundary" for c in at.get("plotly_chart"))
    assert any(c.key == "try.bars" for c in at.get("plotly_chart"))


def test_an_image_model_offers_a_canvas_and_an_upload_and_waits_for_a_picture(
    app: AppTest,
) -> None:
    """The drawing itself is exercised in Chromium (tests/e2e/test_try_browser.py): AppTest
    cannot draw on a component or upload a file."""
    at, _ = trained_page(app, "image")
    assert at.segmented_control(key="try.how").value == "Draw"
    at.segmented_control(key="try.how").set_value("Upload")
    run(at)
    assert "Draw something" in texts(at.info)  # nothing uploaded yet
    keys = [c.key for c in at.get("plotly_chart")]
    assert "try.seen" not in keys


def test_a_text_model_continues_a_prompt(app: AppTest) -> None:
    at, _ = trained_page(app, "prompt")
    at.text_area(key=at.text_area[0].key).set_value("the ")
    at.slider(key="try.length").set_value(30)
    run(at)
    code = texts(at.code)
    assert code.startswith("the ") and len(code) >= 34
    at.text_area(key=at.text_area[0].key).set_value("\u4e2d")  # never seen in training
    run(at)
    assert "never saw" in texts(at.error)


def test_a_sequence_model_answers_a_sequence(app: AppTest) -> None:
    at, _ = trained_page(app, "sequence")
    assert "in:" in texts(at.code) and "out:" in texts(at.code)
    at.text_input(key=at.text_input[0].key).set_value("0")
    run(at)
    assert "symbols long" in texts(at.error)


def test_the_api_command_and_downloads_and_weights_only_for_the_owner(app: AppTest) -> None:
    at, run_id = trained_page(app, "point", owner="teacher-key")
    assert f"/models/{run_id}/predict" in texts(at.code)
    onnx = next(b for b in at.get("download_button") if b.proto.label == "Model (ONNX)")
    assert onnx.proto.disabled and "owner" in onnx.proto.help
    script = next(
        b for b in at.get("download_button") if b.proto.label.startswith("Training script")
    )
    assert not script.proto.disabled


def test_without_trained_runs_the_page_says_how_to_get_one(app: AppTest) -> None:
    at = open_page(app, "pages/try_model.py")
    assert "No trained model yet" in texts(at.info)


@pytest.mark.parametrize("kind", ["image"])
def test_the_dashboard_links_a_finished_run_to_the_try_page(app: AppTest, kind: str) -> None:
    run(app)
    reg = state.registry()
    run_id = reg.start(RUNS[kind], owner=OWNER)
    reg.wait(run_id, timeout=120)
    app.session_state[state.RUN_ID] = run_id
    at = open_page(app, "pages/playground.py")
    links = [e for e in at.get("page_link") if "Try this model" in e.proto.label]
    assert links


def test_a_drawing_is_centred_on_its_ink_like_the_training_digits() -> None:
    import numpy as np

    from pages.ui.trying import centred

    canvas = np.zeros((240, 240, 3), dtype=np.uint8)
    canvas[10:50, 200:210] = 255  # a small stroke in the top-right corner
    out = centred(canvas)
    assert out.shape[0] == out.shape[1] < 100
    ink = np.argwhere(out.max(axis=-1) > 0)
    middle = (ink.min(axis=0) + ink.max(axis=0)) / 2
    assert np.allclose(middle, (out.shape[0] - 1) / 2, atol=2)


def _trained_run(app: AppTest, cfg: RunConfig) -> AppTest:
    run(app)
    reg = state.registry()
    run_id = reg.start(cfg, owner=OWNER)
    assert reg.wait(run_id, timeout=120).status == "completed"
    app.query_params[state.RUN] = run_id
    return open_page(app, "pages/try_model.py")


def test_a_table_model_gets_one_input_per_column(app: AppTest, tmp_path) -> None:
    rows = ["size,colour,kind"] + [
        f"{i},{'red' if i % 3 else 'blue'},{'big' if i > 20 else 'small'}" for i in range(60)
    ]
    run(app)
    ref = store_upload(
        ("\n".join(rows) + "\n").encode(), "t.csv", state.registry().files.uploads, "csv"
    )
    at = _trained_run(app, RunConfig(data=DataConfig(name="csv", path=ref), train=SMALL))
    assert {w.label for w in at.number_input} >= {"size"}
    assert at.selectbox(key=next(s.key for s in at.selectbox if s.label == "colour")).options == [
        "blue",
        "red",
    ]
    assert "The model says (kind)" in [m.label for m in at.metric]


def test_a_forecaster_and_a_one_dimensional_toy_answer(app: AppTest) -> None:
    at = _trained_run(
        app,
        RunConfig(
            data=DataConfig(name="sine_forecast", n_samples=100, seq_len=8),
            model=RNNConfig(hidden_size=8),
            train=SMALL,
        ),
    )
    assert any(c.key == "try.forecast" for c in at.get("plotly_chart"))
    at.text_input(key=at.text_input[0].key).set_value("1, 2, x")
    run(at)
    assert "Write numbers" in texts(at.error)
    at = _trained_run(
        app,
        RunConfig(
            data=DataConfig(name="sine", n_samples=100), model=MLPConfig(hidden=(8,)), train=SMALL
        ),
    )
    assert [w.label for w in at.number_input] == ["x"]
    assert [m.label for m in at.metric] == ["The model says"]


def test_the_run_picker_and_the_address_agree(app: AppTest) -> None:
    """A `run=` link picks the run; choosing another in the picker moves the address along, and a
    new link picks again."""
    at, first = trained_page(app, "point")
    reg = state.registry()
    second = reg.start(RUNS["point"], owner=OWNER)
    reg.wait(second, timeout=120)
    run(at)
    at.selectbox(key="try.run").set_value(second)
    run(at)
    assert at.query_params[state.RUN] == [second] or at.query_params[state.RUN] == second
    at.query_params[state.RUN] = first
    run(at)
    assert at.selectbox(key="try.run").value == first


def test_fine_tuning_from_the_try_page_and_the_home_example(app: AppTest) -> None:
    """Try page -> Playground with the run's weights as start point (freeze, new head); Home's
    worked example starts a fine-tuned and a from-scratch run and the Runs page compares them."""
    from core.presets import FINETUNE_EXAMPLE

    at, run_id = trained_page(app, "image")
    at.button(key="try.finetune").click()
    run(at)
    cfg = at.session_state[state.CONFIG]
    assert cfg.finetune.init_from == f"run:{run_id}"
    at = open_page(at, "pages/playground.py")
    freeze = at.multiselect(key="playground.finetune.freeze")
    assert freeze.options == ["features", "classifier", "head"]
    freeze.set_value(["features"])
    run(at)
    assert at.session_state[state.CONFIG].finetune.freeze == ("features",)
    assert not at.button(key="playground.start").disabled
    at.button(key="playground.finetune.clear").click()
    run(at)
    assert not at.session_state[state.CONFIG].finetune.init_from

    reg = state.registry()
    pre = reg.start(FINETUNE_EXAMPLE.pretrain, owner=OWNER)
    reg.wait(pre, timeout=300)
    home = open_page(at, "pages/home.py")
    assert not home.button(key="home.finetune.digits").disabled
    home.button(key="home.finetune.digits").click()
    run(home)
    pair = home.session_state["finetune_example.compare"].split(",")
    assert len(pair) == 2
    assert reg.get(pair[0]).base.config.finetune.source_run == pre
    for rid in pair:
        reg.wait(rid, timeout=300)
    home.query_params["compare"] = ",".join(pair)
    runs = open_page(home, "pages/runs.py")
    assert any(c.key == "runs.compare_chart" for c in runs.get("plotly_chart"))
    table = runs.dataframe(key="runs.table").value
    assert set(table.loc[table["run"] == pair[0], "started from"]) == {pre}


def test_a_text_classifier_answers_a_typed_text(app: AppTest) -> None:
    at, _ = trained_page(app, "text")
    at.text_area(key=at.text_area[0].key).set_value("A lovely, charming film.")
    run(at)
    assert [m.label for m in at.metric] == ["The model says"]
    assert at.metric[0].value in ("negative", "positive")


def test_a_run_still_training_can_be_tried_with_its_latest_weights(app: AppTest) -> None:
    import time

    run(app)
    reg = state.registry()
    long = RunConfig(
        data=DataConfig(name="spiral", n_samples=2000),
        model=MLPConfig(hidden=(8,)),
        train=TrainConfig(epochs=5000),
    )
    run_id = reg.start(long, owner=OWNER)
    try:
        deadline = time.monotonic() + 60
        while reg.store.weights_path(run_id) is None:
            assert time.monotonic() < deadline, "no snapshot saved"
            time.sleep(0.1)
        app.query_params[state.RUN] = run_id
        at = open_page(app, "pages/try_model.py")
        assert "still training" in texts(at.info)
        assert any(c.key == "try.bars" for c in at.get("plotly_chart"))
    finally:
        reg.control(run_id, "stop")
        reg.wait(run_id, timeout=30)
