"""The inside-the-network tabs in a real browser, on a CNN learning handwritten digits.

Screenshots of every insight view land in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_browser import server, shoot  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow

TABS = ("Inside", "Features", "Errors", "Coach", "Predictions")


def test_insight_tabs_render_on_a_training_cnn(server: str, browser) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.goto(server)
    page.locator(".st-key-home-start_digits button").click(timeout=60_000)
    page.wait_for_url(re.compile(r"/playground"), timeout=30_000)
    page.get_by_role("tab", name="Features").wait_for(timeout=60_000)
    page.wait_for_timeout(4000)  # a few timeline frames
    for i, tab in enumerate(TABS, start=1):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(2500)
        shoot(page, f"insight-0{i}-{tab.lower()}")
    page.get_by_role("tab", name="Features").click()
    page.locator(".st-key-dashboard-feature_maps .js-plotly-plot").wait_for(timeout=30_000)
    page.get_by_role("tab", name="Errors").click()
    page.locator(".st-key-dashboard-confusion .js-plotly-plot").wait_for(timeout=30_000)
    page.get_by_role("tab", name="Inside").click()
    page.locator(".st-key-dashboard-hist_chart .js-plotly-plot").wait_for(timeout=30_000)


def features_of_starter(server: str, browser, starter: str, chart: str, name: str) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 2000})
    page.goto(server)
    page.locator(f".st-key-home-start_{starter} button").click(timeout=60_000)
    page.wait_for_url(re.compile(r"/playground"), timeout=30_000)
    page.get_by_role("tab", name="Features").click(timeout=60_000)
    page.locator(f".st-key-dashboard-{chart} .js-plotly-plot").wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    shoot(page, name)
    page.get_by_role("button", name="Stop").click()


def test_attention_and_recurrent_views_in_the_browser(server: str, browser) -> None:  # noqa: F811
    features_of_starter(server, browser, "reverse", "attention", "insight-06-attention")
    features_of_starter(server, browser, "text", "recurrent", "insight-07-lstm-state")
