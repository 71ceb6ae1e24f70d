"""One Chromium per test module, shared by its tests (each test opens its own pages/contexts)."""

from __future__ import annotations

import pytest

from tests.e2e.test_browser import chromium_browser


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as b:
        yield b
