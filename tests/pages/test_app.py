"""The app as a user drives it, through Streamlit's AppTest: pages, the form, runs start to end."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.config import RunConfig
from core.data import DATASETS, DataConfig, load_dataset
from core.events import EpochEnd
from core.models import MLPConfig, TransformerConfig, compatible_models, default_config
from core.optim import OptimConfig
from core.presets import PRESETS
from core.run_state import RunView
from core.trainer import TrainConfig
from pages.ui import state
from pages.ui.dashboard.live import lr_key
from pages.ui.dashboard.runs_table import epochs_csv, step_loss_csv, view_numbers
from pages.ui.widgets import format_value, log_options, parse_int_tuple
from tests.pages.conftest import APP, OWNER, open_page, run, run_until, with_draft

TINY = RunConfig(
    data=DataConfig(name="spiral", n_samples=200),
    model=MLPConfig(hidden=(8,)),
    optim=OptimConfig(name="adam", lr=0.01),
    train=TrainConfig(epochs=2, batch_size=32),
)
# Plain SGD at lr 10 on a sine regression: the loss is NaN within a handful of steps.
DIVERGING = RunConfig(
    data=DataConfig(name="sine", n_samples=200),
    model=MLPConfig(hidden=(16, 16)),
    optim=OptimConfig(name="sgd", lr=10.0),
    train=TrainConfig(epochs=3, batch_size=32),
)
PAGES = ["pages/home.py", "pages/playground.py", "pages/runs.py"]


def draft(at: AppTest) -> RunConfig:
    return at.session_state[state.CONFIG]


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def start(at: AppTest, cfg: RunConfig) -> AppTest:
    open_page(with_draft(at, cfg), "pages/playground.py")
    assert not at.button(key="playground.start").disabled
    at.button(key="playground.start").click()
    return run(at)


def fresh(app: AppTest) -> AppTest:
    """Another browser session of the same owner (same app, same registry, new widgets)."""
    at = AppTest.from_file(app._script_path, default_timeout=30)  # noqa: SLF001
    at.session_state[state.OWNER] = OWNER
    return at


def finished(status: str):
    return lambda at: f"— {status}" in texts(at.markdown)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(app: AppTest, page: str) -> None:
    open_page(app, page)
    assert app.title, "each page has a title"
    assert app.session_state[state.OWNER] == "test-owner-token"


def test_a_new_visitor_gets_an_owner_key_that_stays_out_of_the_address() -> None:
    at = AppTest.from_file(str(APP), default_timeout=30)
    run(at)
    token = at.session_state[state.OWNER]
    assert len(token) >= 12
    open_page(at, "pages/playground.py")
    assert at.session_state[state.OWNER] == token, "the key survives page changes"
    assert all(token not in str(v) for v in at.query_params.values())
    assert "owner" not in at.query_params


def test_home_offers_the_starters(app: AppTest) -> None:
    run(app)
    for name in PRESETS:
        assert app.button(key=f"home.start_{name}").label == "Train it"


def test_controls_change_the_config(app: AppTest) -> None:
    open_page(app, "pages/playground.py")
    app.select_slider(key="playground.optim.lr").set_value(0.1)
    app.text_input(key="playground.model.mlp.hidden").input("8, 4")
    run(app)
    cfg = draft(app)
    assert cfg.optim.lr == 0.1
    assert cfg.model.hidden == (8, 4)

    assert not _has(app, "playground.optim.momentum")  # Adam has no momentum knob
    app.selectbox(key="playground.optim.name").select("momentum")
    app.selectbox(key="playground.optim.schedule").select("step")
    run(app)
    assert _has(app, "playground.optim.momentum") and _has(app, "playground.optim.step_every")
    assert draft(app).optim.name == "momentum" and draft(app).optim.schedule == "step"

    app.segmented_control(key="playground.data.group").set_value("text")
    run(app)
    assert draft(app).data.name == "text" and draft(app).model.kind == "mlp"  # kept, explained
    assert "does not fit this data" in texts(app.warning)
    assert app.button(key="playground.start").disabled
    app.selectbox(key="playground.model.kind").select("rnn")
    run(app)
    assert draft(app).model.kind == "rnn" and not app.button(key="playground.start").disabled


def _has(at: AppTest, key: str) -> bool:
    return any(getattr(node, "key", None) == key for node in _walk(at._tree))  # noqa: SLF001


def _walk(block):
    for child in getattr(block, "children", {}).values():
        yield child
        yield from _walk(child)


def test_invalid_input_is_explained_and_blocks_start(app: AppTest) -> None:
    open_page(app, "pages/playground.py")
    app.text_input(key="playground.model.mlp.hidden").input("8, lots")
    run(app)
    assert "not a list of whole numbers" in texts(app.error)
    assert app.button(key="playground.start").disabled


def test_model_that_does_not_fit_is_explained(app: AppTest) -> None:
    open_page(with_draft(app, RunConfig(data=DataConfig(name="text", n_samples=200))), PAGES[1])
    warnings = texts(app.warning)
    assert "does not fit this data" in warnings and "RNN or a Transformer" in warnings
    assert app.button(key="playground.start").disabled
    cfg = RunConfig(data=DataConfig(name="text"), model=TransformerConfig(d_model=30, n_heads=4))
    other = open_page(with_draft(fresh(app), cfg), PAGES[1])
    assert "divisible by n_heads" in texts(other.warning)
    assert other.button(key="playground.start").disabled


def test_start_shows_the_dashboard_until_completed(app: AppTest) -> None:
    start(app, TINY)
    run_id = app.session_state[state.RUN_ID]
    assert run_id
    run_until(app, finished("completed"))
    assert "Finished after" in texts(app.success)
    labels = {m.label: m.value for m in app.metric}
    assert labels["Step"] == "10"  # 160 training examples / 32 per batch * 2 epochs
    assert labels["Loss (smoothed)"] != "–"
    assert app.button(key="dashboard.stop").disabled  # the final state: nothing left to stop

    app.session_state["dashboard.tab"] = "Gradient flow"
    run(app)
    app.session_state["dashboard.tab"] = "Predictions"
    run(app)
    assert any(c.key == "dashboard.predictions" for c in _walk(app.main))

    open_page(app, "pages/runs.py")
    table = app.dataframe(key="runs.table").value
    assert list(table["run"]) == [run_id]
    assert table["status"].iloc[0] == "completed"
    assert table["best val"].iloc[0] > 0 and table["metric"].iloc[0] == "accuracy (%)"

    view = state.registry().snapshot(run_id)
    epochs = epochs_csv(view).splitlines()
    assert "val_loss" in epochs[0] and len(epochs) == 1 + 2  # header + one row per epoch
    assert step_loss_csv(view).splitlines()[0] == "step,loss"
    assert len(step_loss_csv(view).splitlines()) == 1 + 10
    assert state.registry().store.checkpoint_path(run_id).is_file()


def test_diverging_run_says_so(app: AppTest) -> None:
    start(app, DIVERGING)
    run_until(app, finished("diverged"))
    errors = texts(app.error)
    assert "Training diverged" in errors and "NaN" in errors
    assert "learning rate" in texts(app.warning)


def test_pause_resume_and_stop(app: AppTest) -> None:
    long = RunConfig(data=DataConfig(name="spiral", n_samples=2000), train=TrainConfig(epochs=500))
    start(app, long)
    run_until(app, finished("running"))
    app.button(key="dashboard.pause").click()
    run_until(app, finished("paused"))
    app.number_input(key=lr_key(app.session_state[state.RUN_ID])).set_value(0.0005)
    app.button(key="dashboard.apply_lr").click()
    run(app)
    app.button(key="dashboard.resume").click()
    run_until(app, lambda at: {m.label: m.value for m in at.metric}["Learning rate"] == "0.0005")
    app.button(key="dashboard.stop").click()
    run_until(app, finished("stopped"))
    assert "Stopped at step" in texts(app.info)


def test_reload_reattaches_to_the_latest_run(app: AppTest) -> None:
    start(app, TINY)
    run_id = app.session_state[state.RUN_ID]
    run_until(app, finished("completed"))
    reloaded = open_page(fresh(app), "pages/playground.py")
    assert reloaded.session_state[state.RUN_ID] == run_id
    stranger = AppTest.from_file(app._script_path, default_timeout=30)  # noqa: SLF001
    open_page(stranger, "pages/runs.py")
    assert "No runs yet" in texts(stranger.info)


def test_a_start_the_engine_refuses_is_explained(app: AppTest) -> None:
    run(app)
    state.registry().memory_budget = 1024  # 1 KiB: no model fits, so the registry refuses
    app.button(key="home.start_spiral").click()
    run(app)
    errors = texts(app.error)
    assert "Could not start the run" in errors and "budget" in errors
    assert state.registry().list("test-owner-token") == []
    assert app.button(key="playground.start").disabled  # the plan says the same before Start


def test_every_dataset_and_fitting_model_gets_a_form(app: AppTest) -> None:
    """Widgets come from config metadata: every dataset x compatible model renders its form."""

    def form(cfg: RunConfig) -> AppTest:
        return open_page(with_draft(fresh(app), cfg), PAGES[1])

    for name in DATASETS:
        data = DataConfig(name=name)
        try:
            spec = load_dataset(data, seed=0).spec
        except ValueError:  # files not on disk (MNIST, CIFAR) or no CSV chosen: explained
            assert "Can't start this yet" in texts(form(RunConfig(data=data)).error), name
            continue
        for kind in compatible_models(spec):
            at = form(RunConfig(data=data, model=default_config(kind)))
            assert (draft(at).data.name, draft(at).model.kind) == (name, kind)
            assert not at.button(key="playground.start").disabled, (name, kind, texts(at.error))


def test_widget_helpers_parse_and_space_values() -> None:
    meta = {"min": 1, "max": 1024, "max_len": 8}
    assert parse_int_tuple("16, 16", meta) == (16, 16)
    assert parse_int_tuple("", meta) == ()  # no hidden layer: a linear model
    for bad, reason in (("16, x", "whole numbers"), ("0", "between 1 and 1024"), ("1," * 9, "8")):
        with pytest.raises(ValueError, match=reason):
            parse_int_tuple(bad, meta)
    assert log_options(1e-6, 10.0)[:3] == [1e-6, 2e-6, 5e-6] and log_options(1e-6, 10.0)[-1] == 10.0
    assert log_options(0.0, 1.0, zero=True)[:2] == [0.0, 1e-5]


def test_measured_values_switch_to_scientific_notation_when_huge_or_tiny() -> None:
    assert format_value(0.69314718) == "0.6931" and format_value(0.0) == "0.0000"
    assert format_value(18509539354.2) == "1.851e+10"  # a diverged loss, not 18509539354.2000
    assert format_value(-2.5e6) == "-2.5e+06" and format_value(3.2e-5) == "3.2e-05"
    assert format_value(99999.5) == "99999.5000" and format_value(float("nan")) == "nan"


def test_runs_table_keeps_a_tiny_error_instead_of_rounding_it_to_zero() -> None:
    epoch = EpochEnd(1, 10, 1e-4, 3e-5, 1e-4, 3e-5, "mae", 1e-3, 100.0, 1.0)
    numbers = view_numbers(RunView("r", "me", "completed", RunConfig(), 0.0, epochs=(epoch,)))
    assert numbers["best val"] == pytest.approx(3e-5) and numbers["metric"] == "mean absolute error"


def test_a_preset_fills_the_form_without_starting(app: AppTest) -> None:
    open_page(app, "pages/playground.py")
    app.selectbox(key="playground.preset").select("digits")
    run(app)
    cfg = draft(app)
    assert cfg == PRESETS["digits"].config
    assert app.selectbox(key="playground.data.name").value == "digits"
    assert app.text_input(key="playground.model.cnn.channels").value == "16, 32"
    assert state.registry().list("test-owner-token") == []


def test_technical_details_leave_out_where_the_server_keeps_its_files() -> None:
    import sys
    from pathlib import Path

    from pages.ui.dashboard.live import without_server_paths

    repo = Path(__file__).resolve().parents[2]
    trace = f'File "{repo}/core/trainer.py", line 3\nFile "{sys.prefix}/lib/torch/nn.py"'
    shown = without_server_paths(trace)
    assert str(repo) not in shown and sys.prefix not in shown
    assert 'File "core/trainer.py"' in shown


def test_only_the_owner_downloads_a_shared_runs_weights(app: AppTest) -> None:
    """A teacher's shared run is listed for everyone, its curves too, but not its weights."""
    run(app)
    reg = state.registry()
    run_id = reg.start(TINY, owner="teacher-owner-key", shared=True)
    reg.wait(run_id, timeout=60)
    assert reg.store.checkpoint_path(run_id).is_file()
    open_page(app, "pages/runs.py")
    app.session_state["runs.table"] = {"selection": {"rows": [0], "columns": []}}
    run(app)
    buttons = {b.key: b for b in _walk(app.main) if b.key and "checkpoint" in str(b.key)}
    (weights,) = buttons.values()
    assert weights.proto.disabled
    assert "Only the run's owner" in weights.proto.help
