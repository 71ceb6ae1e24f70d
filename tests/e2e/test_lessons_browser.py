"""A lesson link in Chinese: Chinese text, the lesson's setup restored, a cell trained inline, and
the lesson's check evaluated on that run."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import shoot
from tests.e2e.test_share_browser import app, assert_no_exception, visitor  # noqa: F401

pytestmark = pytest.mark.slow


def test_a_chinese_lesson_link_trains_a_cell_and_evaluates_the_check(app, visitor) -> None:  # noqa: F811
    server, _unused = app
    page = visitor()
    page.goto(f"{server}/lessons?lesson=learning-rate&lang=zh")
    expect(page.get_by_role("heading", name=re.compile("梯度下降与学习率"))).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_text("训练就是一路往山下走", exact=False)).to_be_visible()
    cell = page.locator(".st-key-lessons-learning-rate-too-low-start")
    expect(page.get_by_text("moons · mlp · sgd 学习率 0.001", exact=False).first).to_be_visible()
    check = page.get_by_text(re.compile(r"验证准确率 ≥ 0\.95"))
    expect(check).to_contain_text("运行：—")  # nothing measured yet
    cell.locator("button").click()
    # measured on the run once it has trained: the lesson's slow learning rate misses the check
    expect(check).to_contain_text(re.compile(r"运行：0\.\d+"), timeout=120_000)
    expect(page.get_by_text("还没有通过", exact=False)).to_be_visible()
    expect(page.get_by_text(re.compile(r"已完成")).first).to_be_visible()
    assert_no_exception(page)
    assert "lang=zh" in page.evaluate("location.href")
    shoot(page, "lessons-01-chinese-check")
