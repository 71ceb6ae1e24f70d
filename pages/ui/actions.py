"""Button callbacks: each calls one registry function for this browser's owner token.

Errors become learner-readable messages in session state (`state.START_ERROR`,
`state.CONTROL_ERROR`) that the page shows on its next run.
"""

from __future__ import annotations

import time

import streamlit as st

from core.config import RunConfig
from core.presets import preset_config
from pages.ui.state import (
    CONTROL_ERROR,
    START_ERROR,
    load_draft,
    owner,
    registry,
    select_run,
)

FIRST_STEPS_WAIT_S = 1.0


def start_run(cfg: RunConfig) -> str | None:
    """Start `cfg` for this owner and select it; a bad config leaves its reason in START_ERROR."""
    try:
        run_id = registry().start(cfg, owner=owner())
    except ValueError as err:
        st.session_state[START_ERROR] = str(err)
        return None
    st.session_state.pop(START_ERROR, None)
    select_run(run_id)
    _wait_for_first_steps(run_id)
    return run_id


def _wait_for_first_steps(run_id: str, timeout_s: float = FIRST_STEPS_WAIT_S) -> None:
    """Give a fresh run a moment to report its first steps, so the page that follows draws them.

    A worker reports its first losses ~0.3 s after it starts; without this wait the first page
    after Start shows an empty chart and the first points appear a tick (1 s) later.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        view = registry().snapshot(run_id)
        if view is None or view.loss_steps or not view.active:
            return
        time.sleep(0.02)


def control_run(run_id: str, command: str | tuple) -> bool:
    """Send a pause/resume/stop/lr command to one of this owner's runs; False if it was refused."""
    try:
        registry().control(run_id, command, owner=owner())
    except (KeyError, PermissionError, ValueError) as err:
        what = command if isinstance(command, str) else "change the learning rate"
        st.session_state[CONTROL_ERROR] = f"Could not {what}: {err}"
        return False
    return True


def load_preset(key: str) -> None:
    """Callback of a preset picker whose widget `key` holds a preset name."""
    name = st.session_state.get(key)
    if name:
        load_draft(preset_config(name))


def launch(cfg: RunConfig) -> None:
    """Load `cfg` into the playground and start it (home page starters, "train again")."""
    load_draft(cfg)
    start_run(cfg)
