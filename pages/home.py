"""Home: what the lab is, a map of the pages, and one-click starters that train right away."""

from __future__ import annotations

import streamlit as st

from core.i18n import _
from core.presets import FINETUNE_EXAMPLES, PRESETS
from pages.ui import actions, finetune_example, state
from pages.ui.prose import prose

state.require_frame("pages/home.py")

st.title(":material/science: " + _("Backprop Lab"))
st.markdown(prose("home"))
st.page_link(
    "pages/lessons.py", label=_("New here? Start with the lessons"), icon=":material/menu_book:"
)

st.subheader(_("One-click starters"))
st.markdown(prose("starters"))
for col, preset in zip(st.columns(len(PRESETS)), PRESETS.values(), strict=True):
    with col.container(border=True):
        st.markdown(f"**{_(preset.title)}**")
        st.caption(_(preset.blurb))
        if st.button(
            _("Train it"),
            key=f"home.start_{preset.name}",
            on_click=actions.launch,
            args=(preset.config,),
            type="primary",
            icon=":material/play_arrow:",
        ):
            st.switch_page("pages/playground.py")

st.subheader(_("Pre-train, then fine-tune"))
st.markdown(prose("finetune"))
for example in FINETUNE_EXAMPLES:
    finetune_example.example_cards(example)

st.subheader(_("Or set it up yourself"))
st.page_link("pages/playground.py", label=_("Open the Playground"), icon=":material/tune:")
