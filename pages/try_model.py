"""Try a model: give a trained run's model a new input and see its answer, then take it elsewhere."""

from __future__ import annotations

import pickle

import streamlit as st

from core.i18n import _
from pages.ui import state
from pages.ui.dashboard.live import describe
from pages.ui.dashboard.runs_table import status_label
from pages.ui.trying import INPUTS, finetune_button, load, runs_with_weights, use_elsewhere

state.require_frame("pages/try_model.py")

registry = state.registry()
owner = state.owner()

st.title(":material/science: " + _("Try a model"))
st.caption(
    _(
        "A trained run's model answers a new input of yours. The same answer comes from its HTTP "
        "API (below), and the model can be taken away as code, ONNX or TensorBoard logs."
    )
)
records = runs_with_weights(registry.list(owner))
if not records:
    st.info(
        _(
            "No trained model yet: a run saves its weights as it trains and when it ends. Start "
            "one on the **Playground** (or from **Home**) and come back in a moment."
        )
    )
    st.stop()

by_id = {r.run_id: r for r in records}
ids = list(by_id)
# A `run=` this page did not write itself is a link (or the dashboard's "Try this model"): it
# picks the run; afterwards the picker owns the choice and the address follows it.
asked = st.query_params.get(state.RUN, "")
if asked in by_id and asked != st.session_state.get("try.url_run"):
    st.session_state["try.run"] = asked
if st.session_state.get("try.run") not in by_id:
    st.session_state["try.run"] = ids[0]
run_id = st.selectbox(
    _("Run"),
    ids,
    format_func=lambda rid: f"{rid} · {describe(by_id[rid].config)}",
    key="try.run",
)
st.query_params[state.RUN] = st.session_state["try.url_run"] = run_id
record = by_id[run_id]
try:
    model = load(run_id)
except (ValueError, RuntimeError, OSError, EOFError, pickle.UnpicklingError) as err:
    st.error(_("**This run's model could not be loaded.** {error}").format(error=err))
    st.stop()

spec = model.data.spec
live = state.registry().get(run_id)
if live is not None and live.status in ("queued", "starting", "running", "paused"):
    weights = registry.store.weights_path(run_id)
    step = weights.stem.removeprefix("step_").lstrip("0") or "0"
    st.info(
        _(
            "This run is still training: you are trying its weights of step {step} (they are "
            "saved every so often). Rerun the page for newer ones."
        ).format(step=step)
        if step.isdigit()
        else _(
            "This run is still training: you are trying its latest saved weights. Rerun the page "
            "for newer ones."
        )
    )
classes = ", ".join(spec.class_names[:12]) if spec.class_names else ""
st.caption(
    f"{spec.name} · {record.config.model.kind} · {status_label(record.status)}"
    + (" · " + _("classes: {names}").format(names=classes) if classes else "")
)
render = INPUTS.get(model.input_kind)
if render is None:
    st.error(
        _("**This run's model cannot be tried here.** ({dataset} data)").format(dataset=spec.name)
    )
else:
    render(model, run_id)

st.divider()
finetune_button(record)
with st.expander(
    _("Use it elsewhere: HTTP API, script, notebook, ONNX, TensorBoard"), expanded=False
):
    use_elsewhere(model, record, mine=record.owner == owner)
