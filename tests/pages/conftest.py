"""AppTest fixtures: a fresh registry (own run store, own workers) for every test."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.config import RunConfig
from pages.ui import state

APP = Path(__file__).resolve().parents[2] / "app.py"
OWNER = "test-owner-token"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The app entry script, with the run store in a temporary folder; workers stopped after."""
    monkeypatch.setenv("BPL_DATA_DIR", str(tmp_path / "runs_data"))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state[state.OWNER] = OWNER
    yield at
    st.cache_resource.clear()  # its on_release calls registry.shutdown(): workers stopped


def run(at: AppTest) -> AppTest:
    """One script run that must not raise."""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    """Run once (so navigation registers its pages), then switch to `page` and run it."""
    run(at)  # navigation registers its pages during a run
    at.switch_page(page)
    return run(at)


def with_draft(at: AppTest, cfg: RunConfig) -> AppTest:
    """Make `cfg` the playground's setup (as the Home starters do)."""
    at.session_state[state.CONFIG] = cfg
    return at


def run_until(at: AppTest, done: Callable[[AppTest], bool], timeout: float = 90.0) -> AppTest:
    """Rerun (each run ticks the dashboard fragment) until `done(at)` or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        run(at)
        if done(at):
            return at
        assert time.monotonic() < deadline, "timed out waiting for the page to show the result"
        time.sleep(0.3)
