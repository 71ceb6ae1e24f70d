"""Presentation mode in Chromium: the sidebar toggle hides the setup and grows the text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import shoot
from tests.e2e.test_share_browser import app, assert_no_exception, visitor  # noqa: F401

pytestmark = pytest.mark.slow


def test_the_toggle_switches_presentation_mode(app, visitor) -> None:  # noqa: F811
    server, _ = app
    page = visitor()
    page.goto(f"{server}/playground?present=1")
    expect(page.get_by_text("Presentation mode: the setup is hidden")).to_be_visible(timeout=60_000)
    assert page.locator(".st-key-playground-data-name").count() == 0
    font = "parseFloat(getComputedStyle(document.querySelector('.stMainBlockContainer')).fontSize)"
    page.wait_for_function(f"{font} > 18", timeout=30_000)  # the larger text's style is on
    size = page.evaluate(font)
    shoot(page, "presentation-01-on")
    page.get_by_text("Presentation mode", exact=True).click()
    page.locator(".st-key-playground-data-name").wait_for(timeout=30_000)
    # The larger text's style leaves when the rerun ends (after the form is back): wait for it.
    page.wait_for_function(f"(big) => {font} < big", arg=size, timeout=30_000)
    assert "present" not in page.evaluate("location.href")
    assert_no_exception(page)
