"""The app in a real browser: Home starter -> live Playground dashboard -> Runs, with screenshots.

Starts `streamlit run app.py` on a free port with its own run store and drives Debian's Chromium
through Playwright. Screenshots land in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

FIRST_POINT_JS = """() => {
    const gd = document.querySelector('.st-key-dashboard-loss_chart .js-plotly-plot');
    return !!(gd && gd.data && gd.data.length && gd.data[0].x && gd.data[0].x.length);
}"""  # the live loss chart draws a point (as bench/live_overhead.py waits for)

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} not healthy after {timeout} s")


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    """`streamlit run app.py` headless on `port`, storing runs in `data_dir`."""
    env = {**os.environ, "BPL_DATA_DIR": str(data_dir)}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    cmd += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
    # The server's log goes to a file next to its store (a pipe nobody reads would fill up and
    # stall the server under load); tests read it when something went wrong.
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(data_dir.parent / f"server-{port}.log", "wb") as log:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = start_server(tmp_path / "runs_data", port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        stop_server(proc)


@contextmanager
def chromium_browser() -> Iterator:
    """Debian's Chromium under Playwright; skips when it is missing outside CI (CI installs it)."""
    chromium = shutil.which("chromium")
    if chromium is None and not os.environ.get("CI"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def metric(page, label: str) -> str:
    """The value shown by the st.metric labelled `label`."""
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def number(text: str) -> float:
    return float(re.sub(r"[^0-9.eE+-]", "", text))


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def loss_points(page) -> int:
    """How many points the live loss chart currently draws (0 while empty)."""
    return page.evaluate(
        """() => {
            const gd = document.querySelector('.st-key-dashboard-loss_chart .js-plotly-plot');
            return gd && gd.data ? gd.data.reduce((n, t) => n + (t.x ? t.x.length : 0), 0) : 0;
        }"""
    )


def loss_chart_first_smoothed(page) -> float:
    """The smoothed loss at the first step the live loss chart draws (its last trace)."""
    return page.evaluate(
        """() => {
            const gd = document.querySelector('.st-key-dashboard-loss_chart .js-plotly-plot');
            const t = gd.data[gd.data.length - 1];
            return Number(t.y.find((v) => v !== null));
        }"""
    )


def loss_chart_last_step(page) -> float:
    """The last step the live loss chart draws (0 while empty)."""
    return page.evaluate(
        """() => {
            const gd = document.querySelector('.st-key-dashboard-loss_chart .js-plotly-plot');
            const x = gd && gd.data && gd.data[0] ? gd.data[0].x : [];
            return x && x.length ? Number(x[x.length - 1]) : 0;
        }"""
    )


def wait_drawn(page, timeout: float = 60_000) -> None:
    """Wait until the script has run and every widget is mounted (no loading skeletons left), so
    that an element's absence means something."""
    page.wait_for_function(
        """() => { const app = document.querySelector('.stApp');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid="stSkeleton"]'); }""",
        timeout=timeout,
    )


def href(page) -> str:
    """The address bar now (`page.url` can lag one rerun behind Streamlit's replaceState)."""
    return page.evaluate("location.href")


def assert_no_owner_in_address(page) -> None:
    """The owner key (the `bpl_owner` cookie) never appears in the address."""
    page.wait_for_function("() => document.cookie.includes('bpl_owner=')", timeout=15_000)
    url = href(page)
    assert "owner" not in url, url
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("bpl_owner"), "the owner key is kept in a cookie"
    assert cookies["bpl_owner"] not in url, url


def shown_run_id(page) -> str:
    """The id of the run the playground's dashboard shows."""
    return page.locator("h4").filter(has_text="Run ").first.locator("code").inner_text()


def select_first_row(page, grid) -> None:
    """Tick the first row's selection box (the grid draws on a canvas: click by position)."""
    page.wait_for_timeout(500)
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 53)
    page.get_by_text("Selected runs").wait_for(timeout=30_000)


def test_starter_trains_live_and_is_listed(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 2000})
    page.goto(server)
    page.locator(".st-key-home-start_spiral button").wait_for(timeout=60_000)
    shoot(page, "01-home")
    assert_no_owner_in_address(page)

    page.locator(".st-key-home-start_spiral button").click()
    page.wait_for_url(re.compile(r"/playground"), timeout=30_000)
    page.wait_for_function(
        "() => { const gd = document.querySelector("
        "'.st-key-dashboard-loss_chart .js-plotly-plot');"
        " return gd && gd.data && gd.data.length > 0 && gd.data[0].x.length > 0; }",
        timeout=30_000,
    )
    header = page.locator("h4").filter(has_text="Run ").first
    assert "running" in header.inner_text(), "the starter is still training"
    run_id = header.locator("code").inner_text()
    first_step, start_loss = number(metric(page, "Step")), loss_chart_first_smoothed(page)
    first_chart_step = loss_chart_last_step(page)
    shoot(page, "02-playground-live")
    page.wait_for_timeout(2500)
    second_step, loss_now = number(metric(page, "Step")), number(metric(page, "Loss (smoothed)"))
    assert second_step > first_step, "the numbers keep updating while the run trains"
    # Read it again until a redraw has finished: mid-redraw the chart briefly holds no trace.
    deadline = time.monotonic() + 10
    while loss_chart_last_step(page) <= first_chart_step and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert loss_chart_last_step(page) > first_chart_step, "the loss chart receives new points"
    assert loss_now < 0.5 * start_loss, (
        f"the loss should fall: {start_loss} at first, now {loss_now}"
    )

    for i, tab in enumerate(("Gradient flow", "Predictions", "Model"), start=3):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(1500)
        shoot(page, f"0{i}-playground-{tab.lower().replace(' ', '-')}")
    page.get_by_role("tab", name="Curves").click()
    page.get_by_text(re.compile(r"— completed")).wait_for(timeout=90_000)
    page.wait_for_timeout(1000)
    shoot(page, "06-playground-completed")

    page.get_by_role("link", name="Runs").click()
    page.wait_for_url(re.compile(r"/runs"), timeout=30_000)
    grid = page.locator('[data-testid="stDataFrame"]')
    grid.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    assert_no_owner_in_address(page)
    shoot(page, "07-runs")
    assert run_id in (grid.text_content() or ""), "the run just trained is listed"

    select_first_row(page, grid)
    page.locator(".st-key-runs-compare_chart .js-plotly-plot").wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Epoch metrics (CSV)").is_enabled()
    assert page.get_by_role("button", name="Weights (final.pt)").is_enabled()
    page.wait_for_timeout(1000)
    shoot(page, "08-runs-selected")

    page.get_by_role("button", name="Open in playground").click()
    page.wait_for_url(re.compile(r"/playground"), timeout=30_000)
    page.locator("h4").filter(has_text=run_id).wait_for(timeout=30_000)
    page.get_by_role("link", name="Runs").click()
    grid.wait_for(timeout=30_000)
    select_first_row(page, grid)
    page.get_by_role("button", name=re.compile("Delete 1 selected run")).click()
    page.get_by_role("button", name="Yes, delete").click()
    page.get_by_text("No runs yet").wait_for(timeout=30_000)


def test_a_page_address_opens_inside_the_app_frame(server: str, browser) -> None:
    """A bookmark or reload of /playground on a fresh server still runs app.py around the page,
    and the setup in its address survives the detour through app.py."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/playground?train.epochs=37")
    page.get_by_text("runs active").wait_for(timeout=60_000)  # app.py's sidebar line
    page.locator(".st-key-playground-start").wait_for(timeout=30_000)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Runs" in nav and "app" not in nav.split()
    assert re.search(r"/playground\?train\.epochs=37$", href(page))
    expect(page.locator(".st-key-playground-train-epochs input")).to_have_value("37")


def test_reload_reattaches_to_a_running_run_only_for_its_owner(server: str, browser) -> None:
    """The owner key lives in a cookie, never in the address: a reload in the same browser finds
    the running run again with its controls; another browser opening that address does not."""
    owner = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = owner.new_page()
    page.goto(f"{server}/playground?data.n_samples=200&train.epochs=10000")
    page.locator(".st-key-playground-start button").click(timeout=60_000)
    page.wait_for_function(FIRST_POINT_JS, timeout=30_000)
    run_id = shown_run_id(page)
    assert_no_owner_in_address(page)
    address = href(page)

    page.reload()
    header = page.locator("h4").filter(has_text=run_id)
    header.wait_for(timeout=60_000)
    assert "running" in header.inner_text(), "the reload found the run while it trains"
    page.locator(".st-key-dashboard-stop button").wait_for(timeout=30_000)
    assert page.locator(".st-key-dashboard-stop button").is_enabled()
    assert page.locator(".st-key-dashboard-pause button").is_enabled()
    shoot(page, "09-reload-reattached")

    other = browser.new_context(viewport={"width": 1400, "height": 1400})
    try:
        stranger = other.new_page()
        stranger.goto(address)
        stranger.get_by_text("No run yet").wait_for(timeout=60_000)
        assert stranger.locator(".st-key-dashboard-stop").count() == 0
        assert stranger.locator("h4").filter(has_text=run_id).count() == 0

        stranger.goto(f"{address}&run={run_id}")
        stranger.get_by_text("only its owner can steer it").wait_for(timeout=60_000)
        assert stranger.locator("h4").filter(has_text=run_id).count() == 1
        for control in ("pause", "resume", "stop", "apply_lr"):
            assert stranger.locator(f".st-key-dashboard-{control}").count() == 0, control
        stranger.wait_for_function(FIRST_POINT_JS, timeout=30_000)  # it sees the run's curves
        shoot(stranger, "10-stranger-watches")
    finally:
        other.close()

    page.locator(".st-key-dashboard-stop button").click()
    page.locator("h4").filter(has_text="stopped").wait_for(timeout=30_000)
    owner.close()
