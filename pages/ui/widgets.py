"""Widgets generated from dataclass fields: type and `metadata` (min, max, help, log) pick the widget.

    cfg, errors = config_inputs(cfg, "playground.optim", ["lr", "momentum"])

bool -> checkbox, Literal -> selectbox, int -> number input (slider for short ranges), float ->
slider or number input (`log` -> log-spaced slider), tuple[int, ...] -> "16, 16" text input with
validation, tuple[str, ...] with choices -> multiselect, str -> text input. A new config class
needs no widget code; `UI_HINTS` only adds what the core metadata does not say.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any, TypeVar

import streamlit as st

from core.data.features import EXTRA_FEATURES

T = TypeVar("T")
SLIDER_STEP = 0.01  # floats on a short range (dropout, noise, momentum) get a slider in 0.01 steps

# Presentation hints merged over a field's metadata (keyed by field name): choices the metadata does
# not list, and penalties whose useful values span decades (0 = off, then 1e-5 ... max).
UI_HINTS: Mapping[str, Mapping[str, Any]] = {
    "features": {"choices": tuple(EXTRA_FEATURES)},
    "weight_decay": {"log": True, "zero": True},
    "l1": {"log": True, "zero": True},
    "grad_clip": {"log": True, "zero": True},
    "text": {"area": True},
}


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def log_options(lo: float, hi: float, zero: bool = False) -> list[float]:
    """1-2-5 values per decade from `lo` to `hi` (and 0 first when `zero`)."""
    lo = max(lo, 1e-5) if zero else lo
    values = [0.0] if zero else []
    for exp in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for mant in (1, 2, 5):
            v = float(f"{mant}e{exp}")
            if lo <= v <= hi:
                values.append(v)
    return values


def format_number(v: float) -> str:
    """Short, exact-enough label for a hyperparameter value: 0.003, 1e-05, 250."""
    return "0" if v == 0 else f"{v:.4g}"


def parse_int_tuple(text: str, meta: Mapping[str, Any]) -> tuple[int, ...]:
    """Parse "16, 16" into (16, 16); ValueError naming what is wrong and the allowed range."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"{text!r} is not a list of whole numbers like 16, 16") from None
    lo, hi = meta.get("min", 1), meta.get("max")
    bad = [v for v in values if v < lo or (hi is not None and v > hi)]
    if bad:
        raise ValueError(f"every number must be between {lo} and {hi}; got {bad}")
    n_lo, n_hi = meta.get("min_len", 0), meta.get("max_len", 64)
    if not n_lo <= len(values) <= n_hi:
        raise ValueError(f"give between {n_lo} and {n_hi} numbers; got {len(values)}")
    return values


def _nice_step(span: float) -> float:
    raw = span / 100
    exp = math.floor(math.log10(raw))
    return next(m * 10**exp for m in (1, 2, 5, 10) if m * 10**exp >= raw)


def _float_input(label: str, value: float, key: str, meta: Mapping[str, Any], help_: str) -> float:
    lo, hi = meta.get("min"), meta.get("max")
    if meta.get("log") and lo is not None and hi is not None:
        options = sorted(set(log_options(lo, hi, meta.get("zero", False)) + [value]))
        return st.select_slider(
            label, options, value=value, format_func=format_number, key=key, help=help_
        )
    if lo is not None and hi is not None and hi - lo <= 2:
        step = SLIDER_STEP
        if abs(round((value - lo) / step) * step - (value - lo)) < 1e-9:
            return st.slider(label, float(lo), float(hi), float(value), step, key=key, help=help_)
    return st.number_input(
        label, lo, hi, float(value), format="%g", key=key, help=help_, step=_nice_step(hi or 1)
    )


def _int_input(label: str, value: int, key: str, meta: Mapping[str, Any], help_: str) -> int:
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None and hi - lo <= 16:
        return st.slider(label, int(lo), int(hi), int(value), key=key, help=help_)
    return st.number_input(label, lo, hi, int(value), step=1, key=key, help=help_)


def field_input(cfg: Any, name: str, key: str, label: str | None = None) -> tuple[Any, str]:
    """One widget for field `name` of dataclass `cfg`; returns (value, error message or "")."""
    f = next(f for f in dataclasses.fields(cfg) if f.name == name)
    meta = {**f.metadata, **UI_HINTS.get(name, {})}
    tp, value = _hints(type(cfg))[name], getattr(cfg, name)
    label, help_ = label or _label(name), meta.get("help")
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is bool:
        return st.checkbox(label, value, key=key, help=help_), ""
    if origin is typing.Literal:
        return st.selectbox(label, args, args.index(value), key=key, help=help_), ""
    if tp is int:
        return _int_input(label, value, key, meta, help_), ""
    if tp is float:
        return _float_input(label, value, key, meta, help_), ""
    if origin is tuple and args[:1] == (int,):
        text = st.text_input(label, ", ".join(map(str, value)), key=key, help=help_)
        try:
            return parse_int_tuple(text, meta), ""
        except ValueError as err:
            return value, f"{label}: {err}"
    if origin is tuple and "choices" in meta:
        picked = st.multiselect(label, meta["choices"], list(value), key=key, help=help_)
        return tuple(picked), ""
    widget: Callable[..., str] = st.text_area if meta.get("area") else st.text_input
    return widget(label, value, key=key, help=help_), ""


def config_inputs(
    cfg: T,
    prefix: str,
    names: Iterable[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[T, list[str]]:
    """Widgets for `names` (default: every field) of `cfg`, keyed `prefix.name`.

    Returns the config with the widgets' values and a list of learner-readable input errors.
    """
    names = [f.name for f in dataclasses.fields(cfg)] if names is None else list(names)
    changes, errors = {}, []
    for name in names:
        label = (labels or {}).get(name)
        changes[name], error = field_input(cfg, name, f"{prefix}.{name}", label)
        if error:
            st.error(error)
            errors.append(error)
    return dataclasses.replace(cfg, **changes), errors
