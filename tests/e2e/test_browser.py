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
from pathlib import Path

import pytest

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
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


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


@pytest.fixture
def browser():
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


def test_starter_trains_live_and_is_listed(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 2000})
    page.goto(server)
    page.locator(".st-key-home-start_spiral button").wait_for(timeout=60_000)
    shoot(page, "01-home")
    assert "owner=" in page.url

    page.locator(".st-key-home-start_spiral button").click()
    page.wait_for_url(re.compile(r"/playground"), timeout=30_000)
    page.wait_for_function(
        "() => { const gd = document.querySelector("
        "'.st-key-dashboard-loss_chart .js-plotly-plot');"
        " return gd && gd.data && gd.data.length > 0 && gd.data[0].x.length > 0; }",
        timeout=30_000,
    )
    first_step, first_loss = number(metric(page, "Step")), number(metric(page, "Loss (smoothed)"))
    first_points = loss_points(page)
    run_id = page.locator("h4 code").first.inner_text()
    shoot(page, "02-playground-live")
    page.wait_for_timeout(2500)
    second_step, second_loss = number(metric(page, "Step")), number(metric(page, "Loss (smoothed)"))
    assert second_step > first_step, "the dashboard keeps updating while the run trains"
    assert loss_points(page) > first_points
    assert second_loss < first_loss, f"loss should fall: {first_loss} -> {second_loss}"

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
    assert "owner=" in page.url, "the owner token stays in the address on every page"
    shoot(page, "07-runs")
    assert run_id in (grid.text_content() or ""), "the run just trained is listed"
