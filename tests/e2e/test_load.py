"""A class on one server, in CI: 28 headless visitors (the app's websocket protocol, bench/stclient.py)
and 2 real Chromium pages at once, each starting a small run on one `streamlit run app.py` server.

Every run must complete, no page may show an error, no connection may drop. The figures (runs,
slowest Home render, memory) go to test-artifacts/load.json; `bench/load.py` is the measurement
with the starters and the targets.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bench.load import SMALL_SETUP, LoadReport, run_load
from core.urlstate import config_to_query
from tests.e2e.test_browser import ARTIFACTS, free_port, start_server, stop_server, wait_healthy

pytestmark = pytest.mark.slow

HEADLESS_VISITORS = 28
BROWSER_PAGES = 2


def test_a_class_of_thirty_trains_at_once_without_errors(tmp_path: Path, browser) -> None:
    port = free_port()
    proc = start_server(tmp_path / "runs_data", port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        reports: list[LoadReport] = []
        load = threading.Thread(
            target=lambda: reports.append(
                run_load(url, proc.pid, HEADLESS_VISITORS, "small", timeout_s=300, settle_s=3)
            )
        )
        load.start()
        query = "&".join(f"{k}={v}" for k, v in config_to_query(SMALL_SETUP).items())
        pages = []
        for _ in range(BROWSER_PAGES):  # real pages, while the headless class loads the server
            page = browser.new_context().new_page()
            page.goto(f"{url}/playground?{query}")
            page.get_by_role("button", name="Start").click()
            pages.append(page)
        for page in pages:
            expect(page.get_by_text("— completed")).to_be_visible(timeout=240_000)
            assert page.locator("[data-testid='stException']").count() == 0
        load.join(timeout=400)
        assert reports, "the headless class did not finish"
        report = reports[0]
    finally:
        stop_server(proc)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(asdict(report), indent=1))
    print(report.summary())
    assert report.page_errors == []
    assert report.started == HEADLESS_VISITORS
    assert report.completed == HEADLESS_VISITORS, report.summary()
    assert report.failed == 0 and report.unfinished == 0
