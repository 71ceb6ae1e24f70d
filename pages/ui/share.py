"""Links to share: this setup (editable or read-only, optionally hiding controls) and one run.

Every link carries configuration or a run id, never the owner key: whoever opens one gets their
own copy of the setup and cannot steer anyone's runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import streamlit as st

from core.config import RunConfig
from core.urlstate import SECTIONS, config_paths, config_to_query
from pages.ui.state import HIDE, RUN, VIEW

HIDE_KEY = "playground.share.hide"
PAGE_PATH = "/playground"


def _base() -> str:
    """This server's playground address as the browser sees it (a relative one in tests)."""
    url = st.context.url or ""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return PAGE_PATH
    return f"{parts.scheme}://{parts.netloc}{PAGE_PATH}"


def link(query: dict[str, str]) -> str:
    """The playground's address with `query` (absolute when the browser's address is known)."""
    return f"{_base()}?{urlencode(query, safe=',')}" if query else _base()


@dataclass(frozen=True)
class ShareLinks:
    """The links of one setup (and of the run shown with it)."""

    edit: str
    view: str
    run: str | None
    hide_options: tuple[str, ...]

    def show(self) -> None:
        """The links, each in a box with a copy button, and the lesson option to hide controls."""
        st.caption(
            "Whoever opens a link gets their own copy of this setup; no link lets anyone "
            "control your runs."
        )
        st.markdown("**This setup**, ready to change and start:")
        st.code(self.edit, language=None, wrap_lines=True)
        st.markdown("**Read-only**: shows the setup, starts nothing:")
        st.code(self.view, language=None, wrap_lines=True)
        if self.run:
            st.markdown("**Look at the run shown below** (read-only):")
            st.code(self.run, language=None, wrap_lines=True)
        st.multiselect(
            "For a lesson: hide these controls in the links",
            self.hide_options,
            key=HIDE_KEY,
            help="The hidden settings still apply; the student just does not see them.",
        )


def share_links(cfg: RunConfig, run_id: str | None = None) -> ShareLinks:
    """Links for `cfg` (hiding the controls picked in the share box) and for run `run_id`."""
    query = config_to_query(cfg)
    hide = ",".join(st.session_state.get(HIDE_KEY) or ())
    if hide:
        query[HIDE] = hide
    return ShareLinks(
        edit=link(query),
        view=link({**query, VIEW: "1"}),
        run=link({RUN: run_id, VIEW: "1"}) if run_id else None,
        hide_options=(*SECTIONS, *config_paths(cfg)),
    )
