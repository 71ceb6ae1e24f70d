"""Session facts and the one registry: who this browser is, which run it looks at, its setup.

Three ideas, kept apart (see the issue on the playground's core loop):
- "my runs": the owner key that grants control of runs. It lives in a cookie of this browser and
  in this session, never in the address, so no link a student copies carries it.
- "this setup": the playground's `RunConfig`. This session holds it and it is the one owner of the
  form: widgets are drawn from it and write back into it; the address mirrors it (core.urlstate),
  so a copied address restores every control.
- "look at this run": `?run=<id>` shows one run, read-only to anyone who does not own it.

`st.session_state` holds only small things: the owner key, the selected run id, the config and
the last messages. The registry itself is a server-wide `st.cache_resource`.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from core.config import RunConfig
from core.data.files import FilePolicy
from core.run_state import RunState
from core.runs import DEFAULT_ROOT, RunRegistry
from core.store import uploads_dir
from core.urlstate import config_from_query, config_to_query, is_config_key

FRAMED = "state.framed"
RETURN_TO = "state.return_to"
OWNER = "state.owner"
RUN_ID = "state.run_id"
CONFIG = "state.config"
URL_WRITTEN = "state.url_written"
LINK_PROBLEMS = "state.link_problems"
INVALID_INPUT = "state.invalid_input"  # widget key -> (text the visitor typed, why it is refused)
START_ERROR = "state.start_error"
CONTROL_ERROR = "state.control_error"
OWNER_COOKIE = "bpl_owner"
COOKIE_DAYS = 365
VIEW, HIDE, RUN = "view", "hide", "run"  # query keys that are not part of the config
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


IDLE_STOP_MIN = float(os.environ.get("BPL_IDLE_STOP_MIN", "30"))


@st.cache_resource(show_spinner=False, on_release=lambda reg: reg.shutdown())
def _registry(root: str) -> RunRegistry:
    # A class's server: runs of a visitor whose pages have not run for this long are stopped.
    # Visitors read only what they upload and the administrator's dataset folder, never a path.
    files = FilePolicy(
        uploads_dir(root), Path(os.environ.get("BPL_DATASETS_DIR", "data")).resolve()
    )
    return RunRegistry(root, idle_stop_s=IDLE_STOP_MIN * 60, files=files)


def registry() -> RunRegistry:
    """The server's run registry, rooted at $BPL_DATA_DIR (read now, so tests can point it away)."""
    return _registry(os.environ.get("BPL_DATA_DIR") or str(DEFAULT_ROOT))


# -- "my runs": the owner key ---------------------------------------------------------------------
def owner() -> str:
    """This browser's owner key: this session's, else its cookie's, else a new one."""
    token = st.session_state.get(OWNER, "")
    if not _TOKEN.match(token):
        cookie = _owner_cookie()
        token = cookie if _TOKEN.match(cookie) else secrets.token_urlsafe(12)
        st.session_state[OWNER] = token
    registry().touch(token)
    return token


def _owner_cookie() -> str:
    """The owner cookie the browser sent when this session connected ("" if none)."""
    value = st.context.cookies.get(OWNER_COOKIE, "")
    return value if isinstance(value, str) else ""  # AppTest has no browser, so no cookies


def remember_owner() -> None:
    """Keep the owner key in a cookie of this browser, so a reload or a new tab finds its runs."""
    token = owner()
    if _owner_cookie() != token:
        set_cookie(OWNER_COOKIE, token)


def set_cookie(name: str, value: str) -> None:
    """Write a cookie of this browser for the whole app, kept a year (`value` is app-made text:
    an owner key or a language code, never what a visitor typed)."""
    st.html(
        f"<script>document.cookie = '{name}={value}; path=/; "
        f"max-age={COOKIE_DAYS * 86400}; SameSite=Strict';</script>",
        unsafe_allow_javascript=True,
    )


# -- "look at this run" -----------------------------------------------------------------------
def selected_run(reg: RunRegistry, who: str) -> RunState | None:
    """The run the playground shows (read once per page run and handed on): one named in the
    address, else the chosen one, else the owner's latest active or latest run."""
    for run_id in (st.query_params.get(RUN, ""), st.session_state.get(RUN_ID)):
        run = reg.get(run_id) if run_id else None
        if run is not None:
            return run
    records = [r for r in reg.list(who) if r.owner == who]
    active = set(reg.active(who))
    pick = next((r for r in records if r.run_id in active), records[0] if records else None)
    st.session_state[RUN_ID] = pick.run_id if pick else None
    return reg.get(pick.run_id) if pick else None


def select_run(run_id: str | None) -> None:
    """Show `run_id` in the playground (and stop showing one named in the address)."""
    st.session_state[RUN_ID] = run_id
    if RUN in st.query_params:
        del st.query_params[RUN]


def read_only() -> bool:
    """A `view` link: the setup and runs are shown, nothing can be started or steered."""
    return st.query_params.get(VIEW, "") not in ("", "0", "false")


def hidden_controls() -> frozenset[str]:
    """Config paths (or whole sections) a lesson link hides from the form: `hide=optim,model.hidden`."""
    return frozenset(p.strip() for p in st.query_params.get(HIDE, "").split(",") if p.strip())


# -- "this setup": the playground's config ------------------------------------------------------
def _config_query() -> dict[str, str]:
    return {k: v for k, v in st.query_params.to_dict().items() if is_config_key(k)}


def playground_config(fallback: RunConfig | None = None) -> RunConfig:
    """The playground's one config. A link (a config in the address this session did not write)
    replaces it; a session without one starts from `fallback` (the run it shows) or defaults."""
    query = _config_query()
    if CONFIG not in st.session_state or (query and query != st.session_state.get(URL_WRITTEN)):
        cfg, problems = config_from_query(query) if query else (fallback or RunConfig(), [])
        set_config(cfg)
        st.session_state[LINK_PROBLEMS] = problems
    return st.session_state[CONFIG]


def set_config(cfg: RunConfig) -> None:
    """Make `cfg` the playground's setup (presets, "Open in playground", a link, a widget)."""
    st.session_state[CONFIG] = cfg
    st.session_state[INVALID_INPUT] = {}


def sync_url(cfg: RunConfig) -> None:
    """Mirror the config into the address, keeping the keys that are not config (view, hide, run)."""
    query = config_to_query(cfg)
    others = {k: v for k, v in st.query_params.to_dict().items() if not is_config_key(k)}
    if _config_query() != query:
        st.query_params.from_dict({**others, **query})
    st.session_state[URL_WRITTEN] = query


def invalid_input() -> Mapping[str, tuple[str, str]]:
    """Widget key -> (what the visitor typed, why it was refused); the config kept its value."""
    return st.session_state.setdefault(INVALID_INPUT, {})
