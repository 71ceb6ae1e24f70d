"""Session facts and the one registry: the owner token (kept in the URL), the selected run, the draft.

`st.session_state` holds only small things here: the owner token, the selected run id, the draft
config as JSON and the last start error. The registry itself is a server-wide `st.cache_resource`.
"""

from __future__ import annotations

import os
import re
import secrets
import time

import streamlit as st

from core.config import RunConfig
from core.presets import preset_config
from core.runs import DEFAULT_ROOT, RunRegistry

OWNER = "state.owner"
RUN_ID = "state.run_id"
DRAFT = "state.draft"
START_ERROR = "state.start_error"
CONTROL_ERROR = "state.control_error"
WIDGET_PREFIX = "playground."
FIRST_STEPS_WAIT_S = 1.0
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@st.cache_resource(show_spinner=False, on_release=lambda reg: reg.shutdown())
def _registry(root: str) -> RunRegistry:
    return RunRegistry(root)


def registry() -> RunRegistry:
    """The server's run registry, rooted at $BPL_DATA_DIR (read now, so tests can point it away)."""
    return _registry(os.environ.get("BPL_DATA_DIR") or str(DEFAULT_ROOT))


def owner() -> str:
    """This browser's owner token: from the URL, else this session, else new; kept in the URL."""
    from_url = st.query_params.get("owner", "")
    token = from_url if _TOKEN.match(from_url) else st.session_state.get(OWNER, "")
    if not _TOKEN.match(token):
        token = secrets.token_urlsafe(12)
    st.session_state[OWNER] = token
    if from_url != token:
        st.query_params["owner"] = token
    return token


def selected_run(reg: RunRegistry, who: str) -> str | None:
    """The run the playground shows: the chosen one, else the owner's latest active or latest run."""
    run_id = st.session_state.get(RUN_ID)
    if run_id and reg.snapshot(run_id) is not None:
        return run_id
    records = [r for r in reg.list(who) if r.owner == who]
    active = set(reg.active(who))
    pick = next((r for r in records if r.run_id in active), records[0] if records else None)
    st.session_state[RUN_ID] = pick.run_id if pick else None
    return st.session_state[RUN_ID]


def select_run(run_id: str | None) -> None:
    """Show `run_id` in the playground."""
    st.session_state[RUN_ID] = run_id


def draft_config() -> RunConfig:
    """The configuration being edited in the playground."""
    text = st.session_state.get(DRAFT)
    return RunConfig.from_json(text) if text else RunConfig()


def set_draft(cfg: RunConfig) -> None:
    st.session_state[DRAFT] = cfg.to_json()


def load_draft(cfg: RunConfig) -> None:
    """Replace the draft and forget the playground's widget values so they show `cfg`."""
    set_draft(cfg)
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIX)]:
        del st.session_state[key]


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


def control_run(run_id: str, command: str | tuple) -> None:
    """Send a pause/resume/stop/lr command to one of this owner's runs."""
    try:
        registry().control(run_id, command, owner=owner())
    except (KeyError, PermissionError, ValueError) as err:
        what = command if isinstance(command, str) else "change the learning rate"
        st.session_state[CONTROL_ERROR] = f"Could not {what}: {err}"


def load_preset(key: str) -> None:
    """Callback of a preset picker whose widget `key` holds a preset name."""
    name = st.session_state.get(key)
    if name:
        load_draft(preset_config(name))


def launch(cfg: RunConfig) -> None:
    """Load `cfg` into the playground and start it (home page starters, "train again")."""
    load_draft(cfg)
    start_run(cfg)
