"""Sharing a setup in a real browser: the address carries the config, `view`, `run` and `hide`.

One `streamlit run app.py` and one Chromium serve every test here; each visitor is its own browser
context (its own owner cookie). Runs are tiny (200 samples) and stopped once looked at.
Screenshots land in test-artifacts/share-*.png for a person to look at.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from core.data import DATASETS
from core.models import MODELS
from core.presets import PRESETS
from core.store import RunStore
from core.urlstate import config_from_query, config_to_query
from tests.e2e.test_browser import (
    FIRST_POINT_JS,
    free_port,
    href,
    shoot,
    shown_run_id,
    start_server,
    stop_server,
    wait_drawn,
    wait_healthy,
)

pytestmark = pytest.mark.slow

VIEWPORT = {"width": 1400, "height": 2400}  # the sidebar scrolls inside its own pane: show it all
TINY = "data.n_samples=200"
CONTROLS = ("pause", "resume", "stop", "apply_lr", "lr")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(server address, its run store directory)."""
    data_dir = tmp_path_factory.mktemp("share") / "runs_data"
    port = free_port()
    proc = start_server(data_dir, port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url, data_dir
    finally:
        stop_server(proc)


@pytest.fixture
def visitor(browser):
    """A fresh browser context: a new visitor, with no owner cookie yet."""
    contexts = []

    def new_page():
        ctx = browser.new_context(viewport=VIEWPORT)
        contexts.append(ctx)
        return ctx.new_page()

    yield new_page
    for ctx in contexts:
        ctx.close()


def query_of(url: str) -> dict[str, str]:
    """A URL's query parameters, one value each."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def open_playground(page, url: str) -> None:
    """Open `url` and wait until the form is drawn (widgets mounted, the script idle) and shows
    the epochs of the setup in `url`."""
    page.goto(url)
    page.locator(".st-key-playground-data-name input").wait_for(timeout=60_000)
    wait_drawn(page)
    epochs = config_from_query(query_of(url))[0].train.epochs
    expect(page.locator(".st-key-playground-train-epochs input")).to_have_value(str(epochs))


def assert_no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def wait_for_query(page, expected: dict[str, str], timeout: float = 30.0) -> dict[str, str]:
    """Wait until the address bar's query equals `expected`; return the last one seen."""
    deadline = time.monotonic() + timeout
    while True:
        seen = query_of(href(page))
        if seen == expected or time.monotonic() > deadline:
            return seen
        page.wait_for_timeout(100)


def start(page) -> str:
    """Click Start, wait for the first loss point, return the run id shown."""
    page.locator(".st-key-playground-start button").click()
    page.wait_for_function(FIRST_POINT_JS, timeout=60_000)
    return shown_run_id(page)


def stop(page, server: str, run_id: str) -> None:
    """Stop `run_id` from its owner's page (its owner cookie grants control on a `run` link)."""
    page.goto(f"{server}/playground?run={run_id}")
    page.locator(".st-key-dashboard-stop button").click(timeout=60_000)
    page.locator("h4").filter(has_text="stopped").wait_for(timeout=30_000)


def test_a_changed_control_travels_in_the_address_and_start_trains_it(app, visitor) -> None:
    server, data_dir = app
    page = visitor()
    open_playground(page, f"{server}/playground?{TINY}")
    epochs = page.locator(".st-key-playground-train-epochs input")
    epochs.fill("37")
    epochs.press("Enter")
    page.wait_for_function("() => location.href.includes('train.epochs=37')", timeout=30_000)
    link = href(page)
    page.get_by_text("Share this setup").click()
    share = page.locator('[data-testid="stExpander"]').filter(has_text="Share this setup")
    boxes = share.locator('[data-testid="stCode"]')
    boxes.nth(1).wait_for(timeout=30_000)
    edit, view = (boxes.nth(i).inner_text().strip() for i in (0, 1))
    assert query_of(edit) == query_of(link), edit
    assert query_of(view) == {**query_of(link), "view": "1"}, view
    assert "owner" not in edit + view
    shoot(page, "share-01-epochs-in-address")

    other = visitor()
    open_playground(other, link)
    expect(other.locator(".st-key-playground-train-epochs input")).to_have_value("37")
    run_id = start(other)
    shoot(other, "share-02-link-started")
    assert_no_exception(other)
    assert query_of(href(other)) == query_of(link), "Start left the setup in the address alone"

    (record,) = [r for r in RunStore(data_dir).records() if r.run_id == run_id]
    shown, problems = config_from_query(query_of(link))
    assert not problems
    assert record.config.train.epochs == 37
    assert record.config.data.n_samples == 200
    assert record.config == shown, "the run trains exactly the setup the link shows"


def test_each_preset_fills_the_whole_form(app, visitor) -> None:
    server, _ = app
    page = visitor()
    open_playground(page, f"{server}/playground")
    for i, preset in enumerate(PRESETS.values(), start=3):
        page.locator(".st-key-playground-preset").click()
        page.get_by_role("option", name=preset.title).click()
        expected = config_to_query(preset.config)
        assert wait_for_query(page, expected) == expected, preset.name
        cfg = preset.config
        data = page.locator(".st-key-playground-data-name input")
        arch = page.locator(".st-key-playground-model-kind input")
        epochs = page.locator(".st-key-playground-train-epochs input")
        expect(data).to_have_value(DATASETS[cfg.data.name].title)
        expect(arch).to_have_value(MODELS[cfg.model.kind].title)
        expect(epochs).to_have_value(str(cfg.train.epochs))
        expect(page.locator(".st-key-playground-preset input")).to_have_value(preset.title)
        assert_no_exception(page)
        shoot(page, f"share-0{i}-preset-{preset.name}")


def test_view_link_is_read_only_even_for_the_owner(app, visitor) -> None:
    server, _ = app
    setup = f"{server}/playground?{TINY}&train.epochs=10000"
    owner = visitor()
    open_playground(owner, setup)
    run_id = start(owner)
    owner.locator(".st-key-dashboard-stop button").wait_for()

    student = visitor()
    open_playground(student, f"{setup}&view=1")
    student.get_by_text("A read-only link").wait_for(timeout=30_000)
    assert student.locator(".st-key-playground-start").count() == 0
    assert student.get_by_role("link", name="Edit a copy").count() == 1
    expect(student.locator(".st-key-playground-train-epochs input")).to_have_value("10000")
    expect(student.locator(".st-key-playground-train-epochs input")).to_be_disabled()
    expect(student.locator(".st-key-playground-data-name input")).to_be_disabled()
    assert_no_exception(student)
    shoot(student, "share-07-view-setup")

    for name, page in (("student", student), ("owner", owner)):
        open_playground(page, f"{setup}&view=1&run={run_id}")
        page.locator("h4").filter(has_text=run_id).wait_for(timeout=30_000)
        caption = (
            "only its owner can steer it" if name == "student" else "open the Playground itself"
        )
        page.get_by_text(caption).wait_for(timeout=30_000)
        wait_drawn(page)
        assert page.locator(".st-key-playground-start").count() == 0, name
        for control in CONTROLS:
            assert page.locator(f".st-key-dashboard-{control}").count() == 0, (name, control)
        assert_no_exception(page)
        page.wait_for_function(FIRST_POINT_JS, timeout=30_000)
        shoot(page, f"share-08-view-run-{name}")
    stop(owner, server, run_id)


def test_hide_removes_controls_but_keeps_their_settings(app, visitor) -> None:
    server, _ = app
    page = visitor()
    open_playground(page, f"{server}/playground?optim.lr=0.01&hide=optim,model.hidden")
    assert page.locator(".st-key-playground-optim-name").count() == 0
    assert page.locator(".st-key-playground-optim-lr").count() == 0
    assert page.locator(".st-key-playground-model-mlp-hidden").count() == 0
    assert page.locator(".st-key-playground-model-mlp-activation").count() == 1
    assert page.locator(".st-key-playground-train-epochs input").count() == 1
    assert query_of(href(page)) == {"optim.lr": "0.01", "hide": "optim,model.hidden"}
    assert_no_exception(page)
    shoot(page, "share-09-hide-optim")


def test_an_uploaded_csv_trains_and_its_link_reopens_it(app, visitor, tmp_path: Path) -> None:
    """A visitor brings a CSV through the upload box (no path field on the server); the run uses it
    and the address names the upload by its content, never by a server path."""
    server, data_dir = app
    rows = ["size,weight,kind"] + [
        f"{i},{(i * 7) % 11},{'big' if i > 20 else 'small'}" for i in range(40)
    ]
    csv = tmp_path / "mine.csv"
    csv.write_text("\n".join(rows) + "\n")
    page = visitor()
    open_playground(page, f"{server}/playground?data.name=csv&train.epochs=3")
    assert page.locator(".st-key-playground-data-path").count() == 0  # no server path to type
    page.locator(".st-key-playground-data-upload-csv input[type=file]").set_input_files(str(csv))
    page.get_by_text("Using the uploaded file").wait_for(timeout=30_000)
    wait_drawn(page)
    query = query_of(href(page))
    assert query["data.path"].startswith("upload:") and str(data_dir) not in href(page)
    run_id = start(page)
    shoot(page, "share-10-uploaded-csv")
    stored = {r.run_id: r for r in RunStore(data_dir).records()}[run_id]
    assert stored.config.data.path == query["data.path"]

    friend = visitor()
    open_playground(
        friend, f"{server}/playground?" + "&".join(f"{k}={v}" for k, v in query.items())
    )
    friend.get_by_text("Using the uploaded file").wait_for(timeout=30_000)
    expect(friend.locator(".st-key-playground-start button")).to_be_enabled()
    assert_no_exception(friend)


def test_uploaded_images_train_a_cnn(app, visitor, tmp_path: Path) -> None:
    """A ZIP with one folder per class goes through the upload box and trains a CNN."""
    from tests.core.test_imagezip import shapes_zip

    server, _ = app
    archive = tmp_path / "pictures.zip"
    archive.write_bytes(shapes_zip())
    page = visitor()
    open_playground(
        page, f"{server}/playground?data.name=image_zip&data.image_size=16&model.kind=cnn"
    )
    upload = page.locator(".st-key-playground-data-upload-image_zip input[type=file]")
    upload.set_input_files(str(archive))
    page.get_by_text("Using the uploaded file").wait_for(timeout=30_000)
    expect(page.locator(".st-key-playground-start button")).to_be_enabled(timeout=30_000)
    start(page)
    expect(page.get_by_text("— completed")).to_be_visible(timeout=120_000)
    assert_no_exception(page)
    shoot(page, "share-11-uploaded-images")
