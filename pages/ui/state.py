"""Session facts and the one registry: the owner token (kept in the URL), the selected run, the draft.

`st.session_state` holds only small things here: the owner token, the selected run id, the draft
config as JSON and the last error message. The registry itself is a server-wide `st.cache_resource`.
Button callbacks that act on runs live in `pages.ui.actions`.
"""

from __future__ import annotations

import os
import re
import secrets

import streamlit as st

from core.config import RunConfig
from core.runs import DEFAULT_ROOT, RunRegistry

FRAMED = "state.framed"
RETURN_TO = "state.return_to"
OWNER = "state.owner"
RUN_ID = "state.run_id"
DRAFT = "state.draft"
START_ERROR = "state.start_error"
CONTROL_ERROR = "state.control_error"
WIDGET_PREFIX = "playground."
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def enter_frame() -> None:
    """Called by app.py on every run: the shared frame is up; return to a page asked for first."""
    st.session_state[FRAMED] = True
    page = st.session_state.pop(RETURN_TO, None)
    if page:
        st.switch_page(page, query_params=st.query_params.to_dict())


def require_frame(page: str) -> None:
    """First line of every page: make sure app.py (the frame and navigation) runs around it.

    Streamlit runs `pages/<name>.py` on its own (its legacy pages-folder mode) when a fresh server
    gets its first request for a page URL, before app.py has ever called st.navigation. Then this
    goes through app.py once and comes back to `page`.
    """
    if not st.session_state.get(FRAMED):
        st.session_state[RETURN_TO] = page
        st.switch_page("app.py", query_params=st.query_params.to_dict())


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
