"""The playground's configuration form: the session's `RunConfig`, drawn as widgets.

The config is the one owner of every value (pages.ui.state): each widget is drawn from it on every
run and a change writes straight back into it, so what the form shows is what Start trains. Only
options that fit are offered (the dataset's own params, models whose `check` accepts its spec,
losses of its task, schedule knobs of the chosen schedule). A choice that no longer fits after
another change stays selected and is explained, never silently replaced.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import streamlit as st

from core.config import RunConfig
from core.data import DATASETS, DataConfig, DataSpec, load_dataset_shared
from core.data.files import UPLOAD, UPLOAD_KINDS, max_upload_bytes, store_upload
from core.finetune import FinetuneConfig, layer_names
from core.i18n import N_, _, language
from core.models import MODELS, build_model, compatible_models, default_config
from core.optim import OPTIMIZER_TITLES, OPTIMIZERS, OptimConfig
from core.plan import RunPlan, plan_run, validate_config
from core.runs import RunRegistry
from core.serialize import from_json, to_json
from core.tasks import losses_for
from core.trainer import TrainConfig
from core.urlstate import with_value
from pages.ui import state
from pages.ui.widgets import (
    Binding,
    bound_inputs,
    field_label,
    option_name,
    show,
    value_from_widget,
)

GROUP_TITLES = {
    "toy": N_("2-D toys"),
    "images": N_("Images"),
    "sequence": N_("Sequences"),
    "text": N_("Text"),
    "tabular": N_("Tables (CSV)"),
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
KNOB_LABELS = {
    "rmsprop": {"beta2": N_("Smoothing (RMSprop's beta2)"), "lr": N_("Learning rate")},
    "default": {"lr": N_("Learning rate")},
}
KEY = "playground"
# Fields that name server files: on a shared server (a registry with a FilePolicy) they are not
# offered; an upload box stands in for `path`, and the datasets folder is the administrator's.
SERVER_FILE_FIELDS = ("path", "data_dir", "download")


@st.cache_data(max_entries=32, show_spinner=False)
def data_spec(data_json: str, lang: str) -> tuple[DataSpec | None, str]:
    """The dataset's spec (shapes, task), or why it cannot be loaded (in language `lang`)."""
    try:
        return load_dataset_shared(from_json(DataConfig, data_json), seed=0).spec, ""
    except ValueError as err:
        return None, str(err)


@st.cache_data(max_entries=64, show_spinner=False)
def _plan(plan_json: str, memory_budget: int, lang: str) -> tuple[RunPlan | None, str]:
    """The plan, or why it cannot be made (in language `lang`: the cache keeps both)."""
    try:
        return plan_run(RunConfig.from_json(plan_json), memory_budget), ""
    except ValueError as err:
        return None, str(err)


def run_plan(cfg: RunConfig, registry: RunRegistry) -> tuple[RunPlan | None, str]:
    """What the config will train (model summary, memory, data sizes), or why it cannot start.

    The plan (which loads the data and builds the model) is cached on the parts that shape it, so
    moving the learning rate or the epochs only re-runs the cheap range checks. Start hands this
    plan to the registry: it is computed once per setup, not again on the click. `cfg` is planned
    as the registry will load it (uploads and a run to start from resolved to server files) and
    as its backend plans it (on a Ray cluster a CUDA run needs a GPU there, not on this server).
    """
    try:
        validate_config(cfg)
        loadable = registry.backend.plannable(registry.loadable(cfg))
    except ValueError as err:
        return None, str(err)
    shaping = replace(
        loadable, optim=OptimConfig(), seed=0, train=replace(cfg.train, epochs=1, max_steps=0)
    )
    with st.spinner(_("Building the model…")):
        return _plan(shaping.to_json(), registry.memory_budget, language())


# -- writing a change back into the config -----------------------------------------------------
def _commit(key: str, path: str, owner_cls: type, name: str) -> None:
    """on_change of a field widget: parse what it holds and put it into the config."""
    raw = st.session_state[key]
    cfg = state.playground_config()
    invalid = dict(state.invalid_input())
    try:
        changed = with_value(cfg, path, value_from_widget(owner_cls, name, raw))
    except ValueError as err:
        invalid[key] = (raw, str(err))
        st.session_state[state.INVALID_INPUT] = invalid
        return
    invalid.pop(key, None)
    state.set_config(changed)
    st.session_state[state.INVALID_INPUT] = invalid


def _choose(key: str, section: str, make: Any) -> None:
    """on_change of a chooser (data kind, dataset, architecture, optimizer...): `make` maps the
    picked option and the current config section to the new section."""
    cfg = state.playground_config()
    value = make(st.session_state[key], getattr(cfg, section))
    state.set_config(replace(cfg, **{section: value}))


def _chooser(
    widget: Any, label: str, options: Sequence, current: Any, key: str, bind: Binding, **kw: Any
) -> None:
    """A selectbox-like widget showing `current` from the config; its change goes through kw's
    on_change."""
    show(key, current)
    start = (
        {"default": current}
        if widget is st.segmented_control
        else {"index": options.index(current)}
    )
    widget(label, options, key=key, disabled=bind.disabled, **start, **kw)


def data_inputs(cfg: DataConfig, bind: Binding) -> tuple[DataSpec | None, list[str]]:
    """Task group, dataset and that dataset's own parameters."""
    groups = list(dict.fromkeys(e.group for e in DATASETS.values()))
    entry = DATASETS[cfg.name]
    if not bind.hides("data.name"):
        _chooser(
            st.segmented_control,
            _("Kind of data"),
            groups,
            entry.group,
            f"{KEY}.data.group",
            bind,
            format_func=lambda g: _(GROUP_TITLES.get(g, g)),
            on_change=_choose,
            args=(f"{KEY}.data.group", "data", _pick_group),
        )
        names = [n for n, e in DATASETS.items() if e.group == entry.group]
        _chooser(
            st.selectbox,
            field_label(DataConfig, "name"),
            names,
            cfg.name,
            f"{KEY}.data.name",
            bind,
            format_func=lambda n: _(DATASETS[n].title),
            on_change=_choose,
            args=(f"{KEY}.data.name", "data", lambda name, data: replace(data, name=name)),
        )
        st.caption(_(entry.description))
    policy = state.registry().files
    params = [p for p in entry.params if policy is None or p not in SERVER_FILE_FIELDS]
    errors = bound_inputs(cfg, f"{KEY}.data", bind.at("data"), params)
    if policy is not None and entry.name in UPLOAD_KINDS and not bind.hides("data.path"):
        errors += upload_input(cfg, entry.name, bind)
    try:
        loadable = policy.resolve(cfg) if policy is not None else cfg
    except ValueError as err:
        spec, message = None, str(err)
    else:
        spec, message = data_spec(to_json(loadable), language())
    if message:
        st.error(message)
        errors.append(message)
    return spec, errors


def _upload(key: str, kind: str) -> None:
    """on_change of an upload box: keep the file (content-addressed) and point the config at it."""
    file = st.session_state.get(key)
    cfg = state.playground_config()
    invalid = dict(state.invalid_input())
    invalid.pop(key, None)
    if file is None:  # the visitor removed it
        state.set_config(with_value(cfg, "data.path", ""))
        return
    try:
        ref = store_upload(file.getvalue(), file.name, state.registry().files.uploads, kind)
    except ValueError as err:
        invalid[key] = (None, str(err))
    else:
        state.set_config(with_value(cfg, "data.path", ref))
    st.session_state[state.INVALID_INPUT] = invalid


UPLOAD_LABELS = {
    "csv": N_("Your CSV file"),
    "text": N_("Your text file"),
    "image_zip": N_("Your images: a ZIP with one folder per class (cats/1.png, dogs/1.png)"),
}


def upload_input(cfg: DataConfig, kind: str, bind: Binding) -> list[str]:
    """The upload box that stands in for a file path on a shared server."""
    key = f"{KEY}.data.upload.{kind}"
    st.file_uploader(
        _(UPLOAD_LABELS[kind])
        if kind in UPLOAD_LABELS
        else _("Your {kind} file").format(kind=kind),
        type=[s.lstrip(".") for s in UPLOAD_KINDS[kind]],
        key=key,
        on_change=_upload,
        args=(key, kind),
        max_upload_size=max(1, max_upload_bytes() // 2**20),
        disabled=bind.disabled,
        help=_("Stays on this server, named by its content, so a run can be opened and re-run."),
    )
    if cfg.path:
        st.caption(
            _("Using the uploaded file `{name}`.").format(name=cfg.path.removeprefix(UPLOAD))
        )
    _typed, error = bind.invalid.get(key, (None, ""))
    if error:
        st.error(error)
        return [error]
    return []


def _pick_group(group: str | None, data: DataConfig) -> DataConfig:
    """A new kind of data starts from its first dataset (no choice: keep the current one)."""
    if group is None or DATASETS[data.name].group == group:
        return data
    return replace(data, name=next(n for n, e in DATASETS.items() if e.group == group))


def model_inputs(cfg: RunConfig, spec: DataSpec | None, bind: Binding) -> list[str]:
    """Architecture (those that fit the data) and its options, generated from its config class."""
    model = cfg.model
    fits = compatible_models(spec) if spec else list(MODELS)
    options = fits + ([model.kind] if model.kind not in fits else [])
    if not bind.hides("model.kind"):
        _chooser(
            st.selectbox,
            _("Architecture"),
            options,
            model.kind,
            f"{KEY}.model.kind",
            bind,
            format_func=lambda k: (
                _(MODELS[k].title)
                if k in fits
                else _("{model} (does not fit)").format(model=_(MODELS[k].title))
            ),
            on_change=_choose,
            args=(
                f"{KEY}.model.kind",
                "model",
                lambda kind, m: m if kind == m.kind else default_config(kind),
            ),
        )
    errors = bound_inputs(model, f"{KEY}.model.{model.kind}", bind.at("model"))
    if spec is not None and not errors:
        try:
            model.check(spec)
        except ValueError as err:
            st.warning(
                _("**{model} does not fit this data:** {reason}").format(
                    model=_(MODELS[model.kind].title), reason=err
                )
            )
            errors.append(str(err))
    with st.expander(_("Show the code")):
        st.code(inspect.getsource(sys.modules[type(model).__module__]), language="python")
    return errors


def optim_inputs(optim: OptimConfig, bind: Binding) -> list[str]:
    """Optimizer, learning rate (log slider), its own knobs, schedule, regularization, clipping."""
    if not bind.hides("optim.name"):
        _chooser(
            st.selectbox,
            field_label(OptimConfig, "name"),
            list(OPTIMIZERS),
            optim.name,
            f"{KEY}.optim.name",
            bind,
            format_func=lambda name: _(OPTIMIZER_TITLES[name]),
            on_change=_choose,
            args=(f"{KEY}.optim.name", "optim", lambda name, o: replace(o, name=name)),
        )
    labels = KNOB_LABELS.get(optim.name, KNOB_LABELS["default"])
    fields = ["lr", *OPTIMIZER_KNOBS.get(optim.name, ()), "schedule"]
    more = [*SCHEDULE_KNOBS.get(optim.schedule, ()), "weight_decay", "l1", "grad_clip"]
    return bound_inputs(optim, f"{KEY}.optim", bind.at("optim"), fields + more, labels)


def train_inputs(cfg: RunConfig, spec: DataSpec | None, bind: Binding) -> list[str]:
    """Epochs, batch size, loss (those of the task), seed and device."""
    errors = bound_inputs(cfg.train, f"{KEY}.train", bind.at("train"), ["epochs", "batch_size"])
    losses = ["auto", *(losses_for(spec) if spec else ())]
    loss_meta = TrainConfig.__dataclass_fields__["loss"].metadata
    if cfg.train.loss not in losses:
        losses.append(cfg.train.loss)  # kept and explained by the plan check, not replaced
    if not bind.hides("train.loss"):
        _chooser(
            st.selectbox,
            field_label(TrainConfig, "loss"),
            losses,
            cfg.train.loss,
            f"{KEY}.train.loss",
            bind,
            format_func=lambda loss: option_name(loss_meta, loss),
            help=_(loss_meta["help"]),
            on_change=_choose,
            args=(f"{KEY}.train.loss", "train", lambda loss, t: replace(t, loss=loss)),
        )
    errors += bound_inputs(cfg, KEY, bind, ["seed"])
    devices = ["auto", *state.registry().backend.devices()]  # where its runs train
    device_meta = RunConfig.__dataclass_fields__["device"].metadata
    if cfg.device not in devices:
        devices.append(cfg.device)
    if not bind.hides("device"):
        _chooser(
            st.selectbox,
            field_label(RunConfig, "device"),
            devices,
            cfg.device,
            f"{KEY}.device",
            bind,
            format_func=lambda d: option_name(device_meta, d),
            help=_(device_meta["help"]),
            on_change=_commit,
            args=(f"{KEY}.device", "device", RunConfig, "device"),
        )
    return errors


def configure(
    cfg: RunConfig, disabled: bool = False, hidden: frozenset[str] = frozenset()
) -> list[str]:
    """The whole form for `cfg`; returns the input errors that block Start."""
    bind = Binding("", _commit, state.invalid_input(), disabled, hidden)
    st.subheader(_("1 · Data"))
    spec, errors = data_inputs(cfg.data, bind)
    st.subheader(_("2 · Model"))
    errors += model_inputs(cfg, spec, bind)
    st.subheader(_("3 · Training"))
    errors += optim_inputs(cfg.optim, bind)
    errors += train_inputs(cfg, spec, bind)
    if cfg.finetune.init_from:
        st.subheader(_("4 · Start from a trained run"))
        errors += finetune_inputs(cfg, spec, bind)
    return errors


@st.cache_data(max_entries=32, show_spinner=False)
def _layer_names(model_json: str, kind: str, spec: DataSpec) -> list[str]:
    """The model's top-level layers (what can be frozen), or [] if it does not fit the data."""
    try:
        model_cfg = from_json(type(default_config(kind)), model_json)
        return layer_names(build_model(model_cfg, spec))
    except ValueError:
        return []


def _start_from_scratch() -> None:
    cfg = state.playground_config()
    state.set_config(replace(cfg, finetune=FinetuneConfig()))


def finetune_inputs(cfg: RunConfig, spec: DataSpec | None, bind: Binding) -> list[str]:
    """Which run's weights to start from, which layers stay frozen, whether the head is new."""
    ft = cfg.finetune
    st.caption(
        _(
            "Training starts from the trained weights of run `{run}` instead of random ones. "
            "Change the data (e.g. other classes, fewer examples) and Start."
        ).format(run=ft.source_run or ft.init_from)
    )
    names = _layer_names(to_json(cfg.model), cfg.model.kind, spec) if spec else []
    options = list(dict.fromkeys([*names, *ft.freeze]))
    if not bind.hides("finetune.freeze"):
        key = f"{KEY}.finetune.freeze"
        show(key, list(ft.freeze))
        st.multiselect(
            _("Frozen layers (kept as pre-trained)"),
            options,
            format_func=_,
            key=key,
            disabled=bind.disabled,
            on_change=_choose,
            args=(key, "finetune", lambda picked, f: replace(f, freeze=tuple(picked))),
            help=_(FinetuneConfig.__dataclass_fields__["freeze"].metadata["help"]),
        )
    errors = bound_inputs(ft, f"{KEY}.finetune", bind.at("finetune"), ["new_head"])
    st.button(
        _("Train from scratch instead"),
        key=f"{KEY}.finetune.clear",
        on_click=_start_from_scratch,
        disabled=bind.disabled,
        icon=":material/restart_alt:",
    )
    return errors
