"""Home's worked examples of pre-training and fine-tuning (`core.presets.FINETUNE_EXAMPLES`)."""

from __future__ import annotations

import streamlit as st

from core.i18n import _
from core.presets import FinetuneExample
from core.runs import RunRegistry
from pages.ui import actions, state

COMPARE = "finetune_example.compare"  # the two runs the Runs page compares


def latest_pretrained(reg: RunRegistry, owner: str, example: FinetuneExample) -> str | None:
    """This visitor's latest finished pre-training run of `example`, with its weights."""
    for record in reg.list(owner):
        if (
            record.owner == owner
            and record.config == example.pretrain
            and reg.store.checkpoint_path(record.run_id).is_file()
        ):
            return record.run_id
    return None


def start_pair(example: FinetuneExample, pretrained: str | None) -> None:
    """Start the fine-tuned run and the from-scratch one; the Runs page then overlays them."""
    if pretrained is None:
        return
    reg, owner = state.registry(), state.owner()
    try:
        ids = [reg.start(cfg, owner=owner) for cfg in example.pair(pretrained)]
    except ValueError as err:
        st.session_state[state.START_ERROR] = str(err)
        return
    st.session_state[COMPARE] = ",".join(ids)


def example_cards(example: FinetuneExample) -> None:
    """Step 1 (pre-train) and step 2 (fine-tune next to from-scratch) of one example."""
    pretrained = latest_pretrained(state.registry(), state.owner(), example)
    first, second = st.columns(2)
    with first.container(border=True):
        st.markdown(_(example.pretrain_step))
        if st.button(
            _("Pre-train it"),
            key=f"home.pretrain.{example.name}",
            on_click=actions.launch,
            args=(example.pretrain,),
            icon=":material/play_arrow:",
        ):
            st.switch_page("pages/playground.py")
    with second.container(border=True):
        st.markdown(_(example.finetune_step))
        if st.button(
            _("Fine-tune and compare"),
            key=f"home.finetune.{example.name}",
            on_click=start_pair,
            args=(example, pretrained),
            disabled=pretrained is None,
            icon=":material/compare_arrows:",
            help=None
            if pretrained
            else _("Pre-train first (step 1); this starts when it has finished."),
        ):
            st.switch_page(
                "pages/runs.py", query_params={"compare": st.session_state.get(COMPARE, "")}
            )
