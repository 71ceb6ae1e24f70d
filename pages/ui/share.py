"""Links to share: this setup (editable or read-only, optionally hiding controls) and one run.

Every link carries configuration or a run id, never the owner key: whoever opens one gets their
own copy of the setup and cannot steer anyone's runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from urllib.parse import urlencode, urlsplit

import streamlit as st

from core.config import RunConfig
from core.i18n import N_, _
from core.urlstate import SECTIONS, config_paths, config_to_query
from pages.ui.state import HIDE, RUN, VIEW
from pages.ui.widgets import field_label

HIDE_KEY = "playground.share.hide"
PAGE_PATH = "/playground"
# How the hide options name a whole section of the setup (the others are one setting each).
SECTION_TITLES = {
    "data": N_("Data (the whole section)"),
    "model": N_("Model (the whole section)"),
    "optim": N_("Optimizer and schedule (the whole section)"),
    "train": N_("Training loop (the whole section)"),
    "finetune": N_("Start from a trained run (the whole section)"),
}


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
    hide_labels: Mapping[str, str] = field(default_factory=dict)  # option -> how it is shown

    def show(self) -> None:
        """The links, each in a box with a copy button, and the lesson option to hide controls."""
        st.caption(
            _(
                "Whoever opens a link gets their own copy of this setup; no link lets anyone "
                "control your runs."
            )
        )
        st.markdown(_("**This setup**, ready to change and start:"))
        st.code(self.edit, language=None, wrap_lines=True)
        st.markdown(_("**Read-only**: shows the setup, starts nothing:"))
        st.code(self.view, language=None, wrap_lines=True)
        if self.run:
            st.markdown(_("**Look at the run shown below** (read-only):"))
            st.code(self.run, language=None, wrap_lines=True)
        st.multiselect(
            _("For a lesson: hide these controls in the links"),
            self.hide_options,
            key=HIDE_KEY,
            format_func=lambda path: self.hide_labels.get(path, path),
            help=_("The hidden settings still apply; the student just does not see them."),
        )


def hide_label(cfg: RunConfig, path: str) -> str:
    """How a hide option is shown: a section's title, or a setting's label and its config key."""
    if path in SECTION_TITLES:
        return _(SECTION_TITLES[path])
    *parents, name = path.split(".")
    owner = cfg
    for part in parents:
        owner = getattr(owner, part, None)
    if not is_dataclass(owner) or name not in {f.name for f in fields(owner)}:
        return path
    return f"{field_label(type(owner), name)} · {path}"


def share_links(cfg: RunConfig, run_id: str | None = None) -> ShareLinks:
    """Links for `cfg` (hiding the controls picked in the share box) and for run `run_id`."""
    query = config_to_query(cfg)
    hide = ",".join(st.session_state.get(HIDE_KEY) or ())
    if hide:
        query[HIDE] = hide
    options = tuple(dict.fromkeys((*SECTIONS, *config_paths(cfg))))  # seed, device: both
    return ShareLinks(
        edit=link(query),
        view=link({**query, VIEW: "1"}),
        run=link({RUN: run_id, VIEW: "1"}) if run_id else None,
        hide_options=options,
        hide_labels={path: hide_label(cfg, path) for path in options},
    )
