"""Home's worked example of pre-training and fine-tuning (`core.presets.FINETUNE_EXAMPLE`)."""

from __future__ import annotations

import streamlit as st

from core.presets import FINETUNE_EXAMPLE
from core.runs import RunRegistry
from pages.ui import state

COMPARE = "finetune_example.compare"  # the two runs the Runs page compares


def latest_pretrained(reg: RunRegistry, owner: str) -> str | None:
    """This visitor's latest finished pre-training run of the example, with its weights."""
    for record in reg.list(owner):
        if (
            record.owner == owner
            and record.config == FINETUNE_EXAMPLE.pretrain
            and reg.store.checkpoint_path(record.run_id).is_file()
        ):
            return record.run_id
    return None


def start_pair(pretrained: str | None) -> None:
    """Start the fine-tuned run and the from-scratch one; the Runs page then overlays them."""
    if pretrained is None:
        return
    reg, owner = state.registry(), state.owner()
    try:
        ids = [reg.start(cfg, owner=owner) for cfg in FINETUNE_EXAMPLE.pair(pretrained)]
    except ValueError as err:
        st.session_state[state.START_ERROR] = str(err)
        return
    st.session_state[COMPARE] = ",".join(ids)
