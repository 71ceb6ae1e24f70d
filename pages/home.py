"""Home: what the lab is, a map of the pages, and one-click starters that train right away."""

from __future__ import annotations

import streamlit as st

from core.presets import FINETUNE_EXAMPLE, PRESETS
from pages.ui import actions, finetune_example, state
from pages.ui.prose import prose

state.require_frame("pages/home.py")

st.title(":material/science: Backprop Lab")
st.markdown(prose("home"))

st.subheader("One-click starters")
st.markdown(prose("starters"))
for col, preset in zip(st.columns(len(PRESETS)), PRESETS.values(), strict=True):
    with col.container(border=True):
        st.markdown(f"**{preset.title}**")
        st.caption(preset.blurb)
        if st.button(
            "Train it",
            key=f"home.start_{preset.name}",
            on_click=actions.launch,
            args=(preset.config,),
            type="primary",
            icon=":material/play_arrow:",
        ):
            st.switch_page("pages/playground.py")

st.subheader("Pre-train, then fine-tune")
st.markdown(prose("finetune"))
pretrained = finetune_example.latest_pretrained(state.registry(), state.owner())
first, second = st.columns(2)
with first.container(border=True):
    st.markdown("**1 · Pre-train** a CNN on the digits 0-4 (all their examples, about 10 s).")
    if st.button(
        "Pre-train it",
        key="home.pretrain",
        on_click=actions.launch,
        args=(FINETUNE_EXAMPLE.pretrain,),
        icon=":material/play_arrow:",
    ):
        st.switch_page("pages/playground.py")
with second.container(border=True):
    st.markdown(
        "**2 · Fine-tune** it on the digits 5-9 from just 20 examples, next to the same CNN "
        "trained on those 20 from scratch, and compare their curves."
    )
    if st.button(
        "Fine-tune and compare",
        key="home.finetune",
        on_click=finetune_example.start_pair,
        args=(pretrained,),
        disabled=pretrained is None,
        icon=":material/compare_arrows:",
        help=None if pretrained else "Pre-train first (step 1); this starts when it has finished.",
    ):
        st.switch_page(
            "pages/runs.py",
            query_params={"compare": st.session_state.get(finetune_example.COMPARE, "")},
        )

st.subheader("Or set it up yourself")
st.page_link("pages/playground.py", label="Open the Playground", icon=":material/tune:")
