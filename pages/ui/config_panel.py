"""The playground's configuration form: dataset, architecture and hyperparameters -> a `RunConfig`.

Only options that fit are offered (the dataset's own params, models whose `check` accepts its spec,
losses of its task, schedule knobs of the chosen schedule). A choice that no longer fits after
another change stays selected and is explained, never silently replaced.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import replace

import streamlit as st

from core.config import RunConfig
from core.data import DATASETS, DataConfig, DataSpec, load_dataset
from core.device import available_devices
from core.engine import plan_run, validate_config
from core.models import MODELS, ModelConfig, compatible_models, default_config
from core.optim import OPTIMIZER_TITLES, OPTIMIZERS, OptimConfig
from core.serialize import from_json, to_dict, to_json
from core.tasks import losses_for
from core.trainer import TrainConfig
from pages.ui.widgets import config_inputs

GROUP_TITLES = {
    "toy": "2-D toys",
    "images": "Images",
    "sequence": "Sequences",
    "text": "Text",
    "tabular": "Tables (CSV)",
}
# Which optimizer/schedule knobs matter for which choice (the rest are hidden, not ignored).
OPTIMIZER_KNOBS = {
    "momentum": ("momentum",),
    "nesterov": ("momentum",),
    "rmsprop": ("beta2",),
    "adam": ("beta1", "beta2"),
    "adamw": ("beta1", "beta2"),
}
SCHEDULE_KNOBS = {"step": ("step_every", "gamma"), "warmup": ("warmup_steps",)}
KNOB_LABELS = {"beta2": "Beta2 (RMSprop: smoothing)", "lr": "Learning rate"}
KEY = "playground"


@st.cache_data(max_entries=32, show_spinner=False)
def data_spec(data_json: str) -> tuple[DataSpec | None, str]:
    """The dataset's spec (shapes, task), or why it cannot be loaded."""
    try:
        return load_dataset(from_json(DataConfig, data_json), seed=0).spec, ""
    except ValueError as err:
        return None, str(err)


@st.cache_data(max_entries=64, show_spinner="Building the model…")
def _plan(plan_json: str, memory_budget: int) -> tuple[dict | None, str]:
    try:
        plan = plan_run(RunConfig.from_json(plan_json), memory_budget)
    except ValueError as err:
        return None, str(err)
    return {
        "summary": plan.summary,
        "estimated_bytes": plan.estimated_bytes,
        "n_train": plan.n_train,
        "n_val": plan.n_val,
        "spec": to_dict(plan.spec),
    }, ""


def run_plan(cfg: RunConfig, memory_budget: int) -> tuple[dict | None, str]:
    """What the config will train (model summary, memory, data sizes), or why it cannot start.

    The plan (which loads the data and builds the model) is cached on the parts that shape it, so
    moving the learning rate or the epochs only re-runs the cheap range checks.
    """
    try:
        validate_config(cfg)
    except ValueError as err:
        return None, str(err)
    shaping = replace(
        cfg, optim=OptimConfig(), seed=0, train=replace(cfg.train, epochs=1, max_steps=0)
    )
    return _plan(shaping.to_json(), memory_budget)


def data_inputs(draft: DataConfig) -> tuple[DataConfig, DataSpec | None, list[str]]:
    """Task group, dataset and that dataset's own parameters."""
    groups = list(dict.fromkeys(e.group for e in DATASETS.values()))
    group = (
        st.segmented_control(
            "Kind of data",
            groups,
            default=DATASETS[draft.name].group if draft.name in DATASETS else groups[0],
            format_func=lambda g: GROUP_TITLES.get(g, g),
            key=f"{KEY}.data.group",
        )
        or DATASETS.get(draft.name, DATASETS["spiral"]).group
    )
    names = [n for n, e in DATASETS.items() if e.group == group]
    name = st.selectbox(
        "Dataset",
        names,
        index=names.index(draft.name) if draft.name in names else 0,
        format_func=lambda n: DATASETS[n].title,
        key=f"{KEY}.data.name",
    )
    entry = DATASETS[name]
    st.caption(entry.description)
    data, errors = config_inputs(replace(draft, name=name), f"{KEY}.data", entry.params)
    spec, err = data_spec(to_json(data))
    if err:
        st.error(err)
        errors.append(err)
    return data, spec, errors


def model_inputs(draft: ModelConfig, spec: DataSpec | None) -> tuple[ModelConfig, list[str]]:
    """Architecture (those that fit the data) and its options, generated from its config class."""
    fits = compatible_models(spec) if spec else list(MODELS)
    options = fits + ([draft.kind] if draft.kind not in fits else [])
    kind = st.selectbox(
        "Architecture",
        options,
        index=options.index(draft.kind),
        format_func=lambda k: MODELS[k].title + ("" if k in fits else " (does not fit)"),
        key=f"{KEY}.model.kind",
    )
    model = draft if kind == draft.kind else default_config(kind)
    model, errors = config_inputs(model, f"{KEY}.model.{kind}")
    if spec is not None and not errors:
        try:
            model.check(spec)
        except ValueError as err:
            st.warning(f"**{MODELS[kind].title} does not fit this data:** {err}")
            errors.append(str(err))
    with st.expander("Show the code"):
        st.code(inspect.getsource(sys.modules[type(model).__module__]), language="python")
    return model, errors


def optim_inputs(draft: OptimConfig) -> tuple[OptimConfig, list[str]]:
    """Optimizer, learning rate (log slider), its own knobs, schedule, regularization, clipping."""
    name = st.selectbox(
        "Optimizer",
        list(OPTIMIZERS),
        index=list(OPTIMIZERS).index(draft.name),
        format_func=OPTIMIZER_TITLES.get,
        key=f"{KEY}.optim.name",
    )
    fields = ["lr", *OPTIMIZER_KNOBS.get(name, ()), "schedule"]
    optim, errors = config_inputs(replace(draft, name=name), f"{KEY}.optim", fields, KNOB_LABELS)
    more = [*SCHEDULE_KNOBS.get(optim.schedule, ()), "weight_decay", "l1", "grad_clip"]
    optim, more_errors = config_inputs(optim, f"{KEY}.optim", more)
    return optim, errors + more_errors


def train_inputs(draft: RunConfig, spec: DataSpec | None) -> tuple[RunConfig, list[str]]:
    """Epochs, batch size, loss (those of the task), seed and device."""
    train, errors = config_inputs(draft.train, f"{KEY}.train", ["epochs", "batch_size"])
    losses = ["auto", *(losses_for(spec) if spec else ())]
    if draft.train.loss not in losses:
        losses.append(draft.train.loss)  # kept and explained by the plan check, not replaced
    loss = st.selectbox(
        "Loss",
        losses,
        index=losses.index(draft.train.loss),
        key=f"{KEY}.train.loss",
        help=TrainConfig.__dataclass_fields__["loss"].metadata["help"],
    )
    cfg, seed_errors = config_inputs(draft, KEY, ["seed"])
    devices = ["auto", *available_devices()]
    if draft.device not in devices:
        devices.append(draft.device)
    device = st.selectbox("Device", devices, index=devices.index(draft.device), key=f"{KEY}.device")
    return replace(cfg, train=replace(train, loss=loss), device=device), errors + seed_errors


def configure(draft: RunConfig) -> tuple[RunConfig, list[str]]:
    """The whole form; returns the config it shows and the input errors that block Start."""
    st.subheader("1 · Data")
    data, spec, errors = data_inputs(draft.data)
    st.subheader("2 · Model")
    model, model_errors = model_inputs(draft.model, spec)
    st.subheader("3 · Training")
    optim, optim_errors = optim_inputs(draft.optim)
    cfg = replace(draft, data=data, model=model, optim=optim)
    cfg, train_errors = train_inputs(cfg, spec)
    return cfg, errors + model_errors + optim_errors + train_errors
