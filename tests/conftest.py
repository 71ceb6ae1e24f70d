"""Shared test set-up: every test gets its own run-store folder, never the developer's."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _isolated_run_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BPL_DATA_DIR", str(tmp_path_factory.mktemp("runs_data")))
    torch.set_num_threads(1)
    yield
