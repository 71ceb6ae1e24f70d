"""The playground's one source of truth: the form, the address and what Start trains are one config.

Each of the first tests reproduces a defect seen on the earlier main (see the core-loop issue).
"""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.config import RunConfig
from core.data import DataConfig
from core.models import CNNConfig
from core.optim import OptimConfig
from core.presets import PRESETS
from core.trainer import TrainConfig
from core.urlstate import config_to_query
from pages.ui import state
from pages.ui.dashboard.live import lr_key
from tests.core.test_datasets import write_cifar
from tests.pages.conftest import APP, OWNER, open_page, run, run_until, with_draft

PLAYGROUND = "pages/playground.py"
LONG = RunConfig(data=DataConfig(name="spiral", n_samples=400), train=TrainConfig(epochs=5000))
TINY_CNN = RunConfig(
    data=DataConfig(name="digits", n_samples=200),
    model=CNNConfig(channels=(4,), head_hidden=8),
    train=TrainConfig(epochs=2, batch_size=32),
)


def config(at: AppTest) -> RunConfig:
    return at.session_state[state.CONFIG]


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def session(query: dict[str, str] | None = None, owner: str = OWNER) -> AppTest:
    """A new browser session (same server, same registry) opening the app with `query`."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state[state.OWNER] = owner
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def url_config(at: AppTest) -> dict[str, str]:
    return {k: v for k, v in at.query_params.items() if k not in ("view", "hide", "run")}


def click_start(at: AppTest) -> str:
    assert not at.button(key="playground.start").disabled, texts(at.error)
    at.button(key="playground.start").click()
    run(at)
    return at.session_state[state.RUN_ID]


def shown_status(status: str):
    return lambda at: f"— {status}" in texts(at.markdown)


# -- the defects -----------------------------------------------------------------------------------
def test_a_preset_switches_the_whole_form_and_start_trains_what_is_shown(app: AppTest) -> None:
    open_page(app, PLAYGROUND)
    app.selectbox(key="playground.preset").select("digits")
    run(app)
    preset = PRESETS["digits"].config
    assert config(app) == preset
    assert app.segmented_control(key="playground.data.group").value == "images"
    assert app.selectbox(key="playground.data.name").value == "digits"
    assert app.selectbox(key="playground.model.kind").value == "cnn"
    assert app.text_input(key="playground.model.cnn.channels").value == "16, 32"
    assert f"{13706:,} parameters" in texts(app.caption)  # the plan describes the shown CNN
    assert url_config(app) == config_to_query(preset)

    app.select_slider(key="playground.optim.lr").set_value(0.01)
    app.number_input(key="playground.train.epochs").set_value(1)
    run(app)
    run_id = click_start(app)
    trained = state.registry().snapshot(run_id).config
    assert trained == replace(
        preset, optim=replace(preset.optim, lr=0.01), train=replace(preset.train, epochs=1)
    )
    assert trained == config(app)


def test_a_preset_survives_later_reruns(app: AppTest) -> None:
    open_page(app, PLAYGROUND)
    app.selectbox(key="playground.preset").select("spiral")
    run(app)
    app.number_input(key="playground.train.epochs").set_value(3000)
    run(app)
    click_start(app)
    run_until(app, shown_status("running"))
    app.button(key="dashboard.stop").click()
    run_until(app, shown_status("stopped"))
    expected = replace(
        PRESETS["spiral"].config, train=replace(PRESETS["spiral"].config.train, epochs=3000)
    )
    assert config(app) == expected
    assert app.number_input(key="playground.train.epochs").value == 3000
    assert app.text_input(key="playground.model.mlp.hidden").value == "32, 32"


def test_the_learning_rate_box_belongs_to_its_run(app: AppTest) -> None:
    open_page(with_draft(app, LONG), PLAYGROUND)
    first = click_start(app)
    run_until(app, shown_status("running"))
    app.number_input(key=lr_key(first)).set_value(0.2)  # typed, never applied
    run(app)
    app.number_input(key="playground.train.epochs").set_value(4000)
    app.select_slider(key="playground.optim.lr").set_value(0.001)
    run(app)
    second = click_start(app)
    assert second != first
    box = app.number_input(key=lr_key(second))
    assert box.value == 0.001  # the new run's own rate, not the 0.2 typed for the first
    app.button(key="dashboard.apply_lr").click()
    run(app)
    assert state.registry().snapshot(first).config.optim.lr == 0.003
    for run_id in (first, second):
        state.registry().control(run_id, "stop")


def test_a_reload_shows_the_shown_run_and_its_setup_together(app: AppTest) -> None:
    open_page(with_draft(app, TINY_CNN), PLAYGROUND)
    run_id = click_start(app)
    run_until(app, shown_status("completed"))
    reloaded = open_page(session(), PLAYGROUND)  # same browser (cookie), no setup in the address
    assert reloaded.session_state[state.RUN_ID] == run_id
    assert config(reloaded) == TINY_CNN == state.registry().snapshot(run_id).config
    plan = state.registry().snapshot(run_id).plan
    assert f"{plan.model.total_params:,} parameters" in texts(reloaded.caption)
    assert reloaded.selectbox(key="playground.model.kind").value == "cnn"


def test_a_damaged_cifar_folder_is_a_message_not_a_traceback(
    app: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_cifar(tmp_path)
    batch = tmp_path / "cifar-10-batches-py" / "data_batch_1"
    batch.write_bytes(pickle.dumps({b"data": b"", b"labels": []}))  # keys are bytes
    monkeypatch.setenv("BPL_DATASETS_DIR", str(tmp_path))  # the administrator's dataset folder
    cfg = RunConfig(data=DataConfig(name="cifar10"))
    open_page(with_draft(app, cfg), PLAYGROUND)  # run() asserts no exception
    assert "could not read CIFAR-10 files" in texts(app.error)
    assert app.button(key="playground.start").disabled


# -- links --------------------------------------------------------------------------------------
def test_controls_write_the_address_and_a_link_restores_them(app: AppTest) -> None:
    open_page(app, PLAYGROUND)
    app.number_input(key="playground.train.epochs").set_value(37)
    app.text_input(key="playground.model.mlp.hidden").input("12, 6")
    run(app)
    query = url_config(app)
    assert query == {"train.epochs": "37", "model.hidden": "12,6"}
    assert "owner" not in app.query_params and OWNER not in str(dict(app.query_params))

    friend = open_page(session(query, owner="a-friend-of-mine"), PLAYGROUND)
    assert config(friend) == config(app)
    assert friend.number_input(key="playground.train.epochs").value == 37
    assert friend.text_input(key="playground.model.mlp.hidden").value == "12, 6"
    assert friend.session_state[state.RUN_ID] is None  # my runs are not theirs to see


def test_a_link_with_bad_values_says_what_it_ignored(app: AppTest) -> None:
    at = open_page(
        session({"train.epochs": "0", "optim.lr": "fast", "data.name": "digits"}), PLAYGROUND
    )
    assert "Parts of this link were not used" in texts(at.warning)
    assert "train.epochs=0" in texts(at.warning) and "optim.lr=fast" in texts(at.warning)
    assert config(at) == RunConfig(data=DataConfig(name="digits"))


def test_a_view_link_can_neither_start_nor_steer(app: AppTest) -> None:
    open_page(with_draft(app, LONG), PLAYGROUND)
    run_id = click_start(app)
    run_until(app, shown_status("running"))
    query = {**config_to_query(LONG), "view": "1", "run": run_id}
    for who in ("a-student-token", OWNER):  # not even the owner steers from a view link
        viewer = open_page(session(query, owner=who), PLAYGROUND)
        assert not any(b.key == "playground.start" for b in viewer.button)
        assert not any(b.key in ("dashboard.stop", "dashboard.pause") for b in viewer.button)
        assert f"Run `{run_id}`" in texts(viewer.markdown)
        assert viewer.number_input(key="playground.train.epochs").disabled
    stranger = open_page(session({"run": run_id}, owner="a-student-token"), PLAYGROUND)
    assert not any(b.key == "dashboard.stop" for b in stranger.button)
    assert "only its owner can steer it" in texts(stranger.caption)
    state.registry().control(run_id, "stop")


def test_a_lesson_link_hides_chosen_controls_but_keeps_their_values(app: AppTest) -> None:
    query = {"optim.lr": "0.03", "model.hidden": "8", "hide": "optim,model.hidden"}
    at = open_page(session(query), PLAYGROUND)
    keys = {w.key for w in (*at.selectbox, *at.select_slider, *at.text_input)}
    assert "playground.optim.name" not in keys and "playground.optim.lr" not in keys
    assert "playground.model.mlp.hidden" not in keys and "playground.data.name" in keys
    assert config(at).optim == OptimConfig(lr=0.03) and config(at).model.hidden == (8,)
    assert at.query_params["hide"] == "optim,model.hidden"


def test_share_links_carry_the_setup_never_the_owner_key(app: AppTest) -> None:
    open_page(with_draft(app, TINY_CNN), PLAYGROUND)
    run_id = click_start(app)
    codes = [c.value for c in app.code if "playground" in str(c.value)]
    assert len(codes) == 3, codes  # setup, read-only setup, this run
    assert all(OWNER not in link for link in codes)
    assert codes[0].endswith(
        "?" + "&".join(f"{k}={v}" for k, v in config_to_query(TINY_CNN).items())
    )
    assert codes[1].endswith("&view=1") and codes[2].endswith(f"run={run_id}&view=1")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (DataConfig(name="text", path="/etc/passwd"), "files are uploaded"),
        (DataConfig(name="csv", path="../runs_data/runs.sqlite3"), "files are uploaded"),
        (DataConfig(name="cifar10", data_dir="/tmp"), "server's own data folder"),
        (DataConfig(name="mnist", download=True), "downloading datasets is turned off"),
    ],
)
def test_a_visitor_cannot_name_a_server_file(app: AppTest, data: DataConfig, reason: str) -> None:
    query = config_to_query(RunConfig(data=data))
    at = open_page(session(query), PLAYGROUND)  # a link carrying the path: refused, explained
    assert reason in texts(at.error)
    assert at.button(key="playground.start").disabled
    with pytest.raises(ValueError, match=reason):
        state.registry().start(RunConfig(data=data), owner=OWNER)
    assert not any(isinstance(w.key, str) and w.key.endswith(".data_dir") for w in at.text_input)


class _Planted:
    """A pickle that creates a file when loaded: proof that code in a pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_pickle_in_a_visitor_chosen_folder_is_never_loaded(app: AppTest, tmp_path: Path) -> None:
    write_cifar(tmp_path)
    marker = tmp_path / "code-ran"
    for batch in (tmp_path / "cifar-10-batches-py").iterdir():
        batch.write_bytes(pickle.dumps(_Planted(marker)))
    data = DataConfig(name="cifar10", data_dir=str(tmp_path))
    at = open_page(session(config_to_query(RunConfig(data=data))), PLAYGROUND)
    assert "server's own data folder" in texts(at.error)
    with pytest.raises(ValueError):
        state.registry().start(RunConfig(data=data), owner=OWNER)
    assert not marker.exists()
