"""The three labs in a real browser: step the backprop graph, race optimizers, explore losses.

Serves the lab pages with `streamlit run` on a free port (through app.py once its navigation lists
them, else through a small wide-layout entry script naming just the labs), drives Debian's
Chromium with Playwright and leaves screenshots in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_browser import free_port, stop_server, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
LABS = ("backprop_lab", "optimizer_lab", "loss_lab")
VIEWPORT = {"width": 1500, "height": 1900}  # the app scrolls inside its own pane: show it all
LAUNCHER = """
import streamlit as st

def index():
    st.title("Labs")

st.set_page_config(page_title="Backprop Lab: labs", layout="wide")
labs = [st.Page(path, url_path=name) for name, path in {pages!r}]
st.navigation([st.Page(index, default=True), *labs]).run()
"""

pytestmark = pytest.mark.slow


def entry_script(tmp_path: Path) -> Path:
    """app.py when it already routes to the labs, else a stand-in that routes only to them."""
    app = ROOT / "app.py"
    if all(f"pages/{name}.py" in app.read_text() for name in LABS):
        return app
    script = tmp_path / "labs_app.py"
    pages = [(name, str(ROOT / "pages" / f"{name}.py")) for name in LABS]
    script.write_text(LAUNCHER.format(pages=pages))
    return script


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("labs")
    port = free_port()
    env = {**os.environ, "BPL_DATA_DIR": str(tmp / "runs_data"), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "streamlit", "run", str(entry_script(tmp))]
    cmd += ["--server.headless", "true", "--server.port", str(port)]
    cmd += ["--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        stop_server(proc)


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"labs-{name}.png"), full_page=True)


def click(page, key: str, then: str) -> None:
    """Click the button with widget key `key`, then wait until the page shows `then`."""
    page.locator(f".st-key-{key.replace('.', '-')} button").click()
    page.get_by_text(then).first.wait_for(timeout=30_000)


def chart_traces(page, key: str) -> list[str]:
    """The trace names of the plotly chart with widget key `key`."""
    return page.evaluate(
        """(cls) => { const gd = document.querySelector(cls + ' .js-plotly-plot');
            return gd && gd.data ? gd.data.map(t => t.name || '') : []; }""",
        f".st-key-{key.replace('.', '-')}",
    )


def test_backprop_lab_steps_forward_and_backward(server: str, browser) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{server}/backprop_lab")
    page.locator(".st-key-backprop-forward_step button").wait_for(timeout=60_000)
    click(page, "backprop.forward_step", "Forward step 1 of")
    click(page, "backprop.forward_step", "Forward step 2 of")
    page.locator(".katex").first.wait_for(timeout=15_000)
    assert "nodes" in chart_traces(page, "backprop.graph")
    shoot(page, "01-backprop-forward")

    click(page, "backprop.run_forward", "The forward pass is done")
    click(page, "backprop.backward_step", "Backward step 1 of")
    click(page, "backprop.backward_step", "Backward step 2 of")
    shoot(page, "02-backprop-backward")

    click(page, "backprop.run_steps", "The last SGD step")
    page.locator(".st-key-backprop-loss_chart .js-plotly-plot").wait_for(timeout=30_000)
    shoot(page, "03-backprop-trained")


def test_optimizer_lab_races_and_switches_surface(server: str, browser) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{server}/optimizer_lab")
    page.locator(".st-key-optimizer-contour .js-plotly-plot").wait_for(timeout=60_000)
    names = chart_traces(page, "optimizer.contour")
    assert {"SGD", "SGD + momentum", "Adam"} <= set(names)
    shoot(page, "04-optimizer-bowl")

    page.locator(".st-key-optimizer-surface").click()
    page.get_by_role("option", name="Rosenbrock").click()
    page.wait_for_function(  # Rosenbrock's plot region runs from y = -1 to 3
        """() => { const gd = document.querySelector('.st-key-optimizer-contour .js-plotly-plot');
            const y = gd && gd.data && gd.data.length ? gd.data[0].y : null;
            return y && Math.abs(y[y.length - 1] - 3) < 1e-9; }""",
        timeout=30_000,
    )
    shoot(page, "05-optimizer-rosenbrock")


def test_loss_lab_tabs(server: str, browser) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{server}/loss_lab")
    page.locator(".st-key-loss-curves .js-plotly-plot").wait_for(timeout=60_000)
    shoot(page, "06-loss-curves")
    page.get_by_role("tab", name="Outliers and line fits").click()
    page.locator(".st-key-loss-fits .js-plotly-plot").wait_for(timeout=15_000)
    shoot(page, "07-loss-outliers")
    page.get_by_role("tab", name="Softmax + cross-entropy").click()
    page.locator(".st-key-loss-softmax .js-plotly-plot").wait_for(timeout=15_000)
    assert page.get_by_text("p − onehot").first.is_visible()
    shoot(page, "08-loss-softmax")
