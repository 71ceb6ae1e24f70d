"""A class in Chromium: the teacher makes a class, a student opens its link in another browser,
names themselves and trains; the run appears on the teacher's leaderboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import shoot
from tests.e2e.test_share_browser import (  # noqa: F401
    app,
    assert_no_exception,
    start,
    visitor,
)

pytestmark = pytest.mark.slow


def test_a_students_run_appears_on_the_teachers_leaderboard(app, visitor) -> None:  # noqa: F811
    server, _ = app
    teacher = visitor()
    teacher.goto(f"{server}/teacher?data.n_samples=200&train.epochs=3")
    teacher.locator(".st-key-teacher-title input").fill("Monday")
    teacher.locator(".st-key-teacher-title input").press("Enter")
    teacher.locator(".st-key-teacher-create button").click()
    link = teacher.locator("[data-testid='stCode'] code").filter(has_text="class=").first
    expect(link).to_be_visible(timeout=60_000)
    url = link.inner_text().strip()
    assert re.search(r"class=[A-Z2-9]{6}", url) and "data.n_samples=200" in url

    student = visitor()
    student.goto(url if url.startswith("http") else f"{server}{url}")
    name = student.locator(".st-key-classroom-name input")
    name.wait_for(timeout=60_000)
    name.fill("Ada")
    name.press("Enter")
    student.wait_for_timeout(500)
    start(student)
    expect(teacher.get_by_text("Leaderboard · 1 run", exact=True)).to_be_visible(timeout=60_000)
    expect(teacher.locator("[data-testid='stDataFrame']").last).to_be_visible()
    assert_no_exception(teacher)
    assert_no_exception(student)
    shoot(teacher, "teacher-01-leaderboard")
