"""The Try page in Chromium: train a digits CNN, draw a stroke on the canvas, see probabilities."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.urlstate import config_to_query
from tests.e2e.test_browser import shoot
from tests.e2e.test_share_browser import (  # noqa: F401 - fixtures
    app,
    assert_no_exception,
    open_playground,
    start,
    visitor,
)
from tests.pages.test_try_page import RUNS

pytestmark = pytest.mark.slow


def test_a_drawn_digit_gets_class_probabilities(app, visitor) -> None:  # noqa: F811
    server, _ = app
    page = visitor()
    query = "&".join(f"{k}={v}" for k, v in config_to_query(RUNS["image"]).items())
    open_playground(page, f"{server}/playground?{query}")
    start(page)
    try_link = page.get_by_text("Try this model on your own input")
    try_link.click(timeout=120_000)
    canvas = page.locator(".st-key-try-canvas canvas, [class*='st-key-try-canvas'] canvas").last
    canvas.wait_for(timeout=60_000)
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.85, steps=12)
    page.mouse.up()
    expect(page.get_by_text("What the model sees")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Class probabilities")).to_be_visible()
    expect(page.get_by_text("The model says")).to_be_visible()
    assert_no_exception(page)
    shoot(page, "try-01-drawn-digit")


def test_the_home_fine_tuning_example_ends_in_an_overlay(app, visitor) -> None:  # noqa: F811
    server, _ = app
    page = visitor()
    page.goto(server)
    page.locator(".st-key-home-pretrain-digits button").click(timeout=60_000)
    expect(page.get_by_text("— completed")).to_be_visible(timeout=180_000)
    page.goto(server)
    fine_tune = page.locator(".st-key-home-finetune-digits button")
    expect(fine_tune).to_be_enabled(timeout=60_000)
    fine_tune.click()
    expect(page.get_by_role("heading", name="Compare")).to_be_visible(timeout=60_000)
    page.wait_for_timeout(15_000)  # both short runs finish; the overlay redraws on reload
    page.reload()
    expect(page.get_by_role("heading", name="Compare")).to_be_visible(timeout=60_000)
    assert_no_exception(page)
    shoot(page, "try-02-finetune-overlay")
