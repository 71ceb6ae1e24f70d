"""Button callbacks: each calls one registry function for this browser's owner key.

Errors become learner-readable messages in session state (`state.START_ERROR`,
`state.CONTROL_ERROR`) that the page shows on its next run.
"""

from __future__ import annotations

import time

import streamlit as st

from core.config import RunConfig
from core.i18n import N_, _
from core.plan import RunPlan
from core.presets import preset_config
from pages.ui import classroom, variants
from pages.ui.config_panel import run_plan
from pages.ui.state import (
    CONTROL_ERROR,
    START_ERROR,
    owner,
    registry,
    select_run,
    set_config,
)

FIRST_STEPS_WAIT_S = 1.0
START_REQUESTED = "actions.start_requested"
# What a refused control message says could not be done, per command.
COMMAND_WORDS = {
    "pause": N_("pause the run"),
    "resume": N_("resume the run"),
    "stop": N_("stop the run"),
    "lr": N_("change the learning rate"),
}


def request_start() -> None:
    """on_click of Start: the page starts the run once every widget change of this click has
    reached the config, so the run is exactly the setup on screen (callback order is not fixed)."""
    st.session_state[START_REQUESTED] = True


def start_requested() -> bool:
    """Whether Start was clicked since the last run of the page (and forget it)."""
    return bool(st.session_state.pop(START_REQUESTED, False))


def start_run(cfg: RunConfig, plan: RunPlan | None = None) -> str | None:
    """Start `cfg` for this owner and select it; a bad config leaves its reason in START_ERROR.

    `plan` is the plan the page already made for `cfg`; the registry then does not make it again.
    """
    try:
        run_id = registry().start(cfg, owner=owner(), plan=plan)
    except ValueError as err:
        st.session_state[START_ERROR] = str(err)
        return None
    st.session_state.pop(START_ERROR, None)
    variants.started(run_id)
    classroom.started(run_id)
    select_run(run_id)
    _wait_for_first_steps(run_id)
    return run_id


def _wait_for_first_steps(run_id: str, timeout_s: float = FIRST_STEPS_WAIT_S) -> None:
    """Give a fresh run a moment to report its first loss, so the page that follows draws it.

    A worker reports its first loss ~0.1-0.4 s after the click (bench/first_point.py); without
    this wait the first page after Start shows an empty chart and the point comes a tick later.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        view = registry().snapshot(run_id)
        if (
            view is None
            or view.loss_steps
            or view.status in ("queued", "paused")
            or not view.active
        ):
            return  # a queued run waits for a slot: no point in holding the page for it
        time.sleep(0.01)


def control_run(run_id: str, command: str | tuple) -> bool:
    """Send a pause/resume/stop/lr command to one of this owner's runs; False if it was refused."""
    try:
        registry().control(run_id, command, owner=owner())
    except (KeyError, PermissionError, ValueError) as err:
        name = command if isinstance(command, str) else command[0]
        what = _(COMMAND_WORDS[name]) if name in COMMAND_WORDS else name
        st.session_state[CONTROL_ERROR] = _("Could not {what}: {reason}").format(
            what=what, reason=err
        )
        return False
    return True


def load_preset(key: str) -> None:
    """Callback of a preset picker whose widget `key` holds a preset name."""
    name = st.session_state.get(key)
    if name:
        set_config(preset_config(name))


def launch(cfg: RunConfig) -> None:
    """Make `cfg` the playground's setup and start it (home page starters, "train again").

    The plan comes from the page's plan cache: a class clicking the same starter plans it once.
    """
    set_config(cfg)
    reg = registry()
    plan, _error = run_plan(cfg, reg)
    start_run(cfg, plan)
