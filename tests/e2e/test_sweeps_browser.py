"""A 4-point sweep in Chromium, run to completion, ends in the parallel-coordinates chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import shoot
from tests.e2e.test_share_browser import app, assert_no_exception, visitor  # noqa: F401

pytestmark = pytest.mark.slow


def test_a_four_point_sweep_runs_to_completion(app, visitor) -> None:  # noqa: F811
    server, _ = app
    page = visitor()
    page.goto(f"{server}/sweeps?data.n_samples=200&train.epochs=3")
    values = page.locator(".stTextInput input").first
    values.wait_for(timeout=60_000)
    values.fill("0.001, 0.003, 0.01, 0.03")
    values.press("Enter")
    page.wait_for_timeout(500)
    page.locator(".st-key-sweeps-start button").click()
    expect(page.get_by_text("The sweep is complete.")).to_be_visible(timeout=180_000)
    expect(page.locator(".js-plotly-plot .parcoords").first).to_be_attached(timeout=30_000)
    expect(page.get_by_text("Best so far")).to_be_visible()
    assert_no_exception(page)
    shoot(page, "sweeps-01-complete")
