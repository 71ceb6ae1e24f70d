"""Streamlit glue for the optimizer lab: surface and racer controls, the cached race, the prose.

Each optimizer appears at most once, with its own knobs generated from `OptimConfig`'s field
metadata; the start point's widgets are keyed per surface, so each surface keeps its own start.
"""

from __future__ import annotations

import math

import streamlit as st

from core.i18n import N_, _
from core.labs.surfaces import SURFACES, SurfaceConfig, grid
from core.labs.trajectories import LAB_DEFAULTS, Trajectory, explain_step, lab_default, race
from core.optim import OPTIMIZER_TITLES, OptimConfig
from pages.ui.labs.prose import fill
from pages.ui.widgets import config_inputs

KEY = "optimizer"
PROSE = "labs/optimizers"
KNOBS = {  # the settings that matter for each optimizer; the rest keep torch's behaviour
    "sgd": ("lr",),
    "momentum": ("lr", "momentum"),
    "nesterov": ("lr", "momentum"),
    "rmsprop": ("lr", "beta2"),
    "adagrad": ("lr",),
    "adam": ("lr", "beta1", "beta2"),
    "adamw": ("lr", "beta1", "beta2", "weight_decay"),
}
LABELS = {
    "lr": N_("Learning rate"),
    "momentum": N_("Momentum"),
    "beta1": N_("Beta1"),
    "beta2": N_("Beta2 (RMSprop: α)"),
    "weight_decay": N_("Weight decay"),
}
DEFAULT_RACERS = ["sgd", "momentum", "adam"]


def surface_controls() -> tuple[SurfaceConfig, tuple[float, float], int]:
    """Surface, condition number (bowl only), start point and number of steps."""
    name = st.selectbox(
        _("Surface"),
        list(SURFACES),
        format_func=lambda n: _(SURFACES[n].title),
        key=f"{KEY}.surface",
    )
    cfg = SurfaceConfig(name=name)
    if name == "bowl":
        labels = {"condition": _("Condition number")}
        cfg, _errors = config_inputs(cfg, KEY, ["condition"], labels=labels)
    s = SURFACES[name]
    left, right = st.columns(2)
    start = (
        left.number_input(_("Start x"), *s.x_range, s.start[0], 0.1, key=f"{KEY}.start_x.{name}"),
        right.number_input(_("Start y"), *s.y_range, s.start[1], 0.1, key=f"{KEY}.start_y.{name}"),
    )
    steps = st.slider(_("Steps"), 10, 500, 100, 10, key=f"{KEY}.steps")
    return cfg, start, steps


def racer_controls(surface: str) -> list[OptimConfig]:
    """Which optimizers race, each with its own knobs (kept per surface: their scales differ)."""
    names = st.multiselect(
        _("Optimizers"),
        list(LAB_DEFAULTS),
        DEFAULT_RACERS,
        key=f"{KEY}.racers",
        format_func=lambda n: _(OPTIMIZER_TITLES[n]),
    )
    labels = {name: _(text) for name, text in LABELS.items()}
    configs = []
    for name in names:
        with st.expander(_(OPTIMIZER_TITLES[name]), expanded=False):
            start = lab_default(name, surface)
            cfg, _errors = config_inputs(start, f"{KEY}.{surface}.{name}", KNOBS[name], labels)
            configs.append(cfg)
    return configs


@st.cache_data(max_entries=32, show_spinner=False)
def surface_grid(cfg: SurfaceConfig) -> tuple[list[float], list[float], list[list[float]]]:
    """The surface sampled for the contour plot (cached: it only changes with the surface)."""
    return grid(cfg)


@st.cache_data(max_entries=64, show_spinner=False)
def _race(
    cfg: SurfaceConfig, optims: tuple[OptimConfig, ...], start: tuple[float, float], steps: int
) -> list[Trajectory]:
    return race(cfg, optims, start, steps)


def cached_race(
    cfg: SurfaceConfig, optims: tuple[OptimConfig, ...], start: tuple[float, float], steps: int
) -> list[Trajectory]:
    """Every optimizer's trajectory (cached per surface, settings, start and length)."""
    with st.spinner(_("Racing…")):  # shown only if it takes a while
        return _race(cfg, optims, start, steps)


def stopped_note(traj: Trajectory) -> str | None:
    """Why a trajectory ended early, or None when it ran every step."""
    if traj.stopped is None:
        return None
    numbers = dict(title=_(OPTIMIZER_TITLES[traj.optimizer]), step=traj.stopped_at, **traj.hyper)
    return fill(PROSE, f"stopped-{traj.stopped}", numbers)


def explanation(traj: Trajectory, step: int) -> str:
    """What the optimizer's state did at `step` (its last step if it stopped sooner)."""
    k = min(step, traj.steps)
    if k == 0:
        return fill(PROSE, "step_zero", {})
    numbers = {**explain_step(traj, k), "title": _(OPTIMIZER_TITLES[traj.optimizer])}
    return fill(PROSE, traj.optimizer, numbers)


def summary(traj: Trajectory, f_min: float) -> str:
    """One line per racer: where it ended and how far above the minimum's loss."""
    x, y = traj.points[-1]
    gap = traj.losses[-1] - f_min
    shown = f"{gap:.2e}" if math.isfinite(gap) else "—"
    return _("ended at ({x:.3g}, {y:.3g}) after {steps} steps, f − f_min = {gap}").format(
        x=x, y=y, steps=traj.steps, gap=shown
    )
