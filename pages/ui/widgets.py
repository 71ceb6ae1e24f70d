"""Widgets generated from dataclass fields: type and `metadata` (min, max, help, log) pick the widget.

    cfg, errors = config_inputs(cfg, "playground.optim", ["lr", "momentum"])

Labels, help texts and option names come from the metadata (`label`, `help`, `options`: value ->
shown name), marked with `N_()` in core and translated here when drawn; values stay English.

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
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, TypeVar

import streamlit as st

from core.data.features import EXTRA_FEATURES
from core.i18n import N_, _

T = TypeVar("T")
SLIDER_STEP = 0.01  # floats on a short range (dropout, noise, momentum) get a slider in 0.01 steps

# Presentation hints merged over a field's metadata (keyed by field name): choices the metadata does
# not list, shown names of options shared by several configs, and penalties whose useful values
# span decades (0 = off, then 1e-5 ... max).
ACTIVATION_OPTIONS = {
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "gelu": "GELU",
    "linear": N_("linear (none)"),
}
INIT_OPTIONS = {
    "default": N_("PyTorch default"),
    "xavier": "Xavier",
    "he": "He (Kaiming)",
    "zeros": N_("zeros (all the same)"),
    "constant": N_("constant (all the same)"),
}
UI_HINTS: Mapping[str, Mapping[str, Any]] = {
    "features": {"choices": tuple(EXTRA_FEATURES)},
    "activation": {"options": ACTIVATION_OPTIONS},
    "init": {"options": INIT_OPTIONS},
    "weight_decay": {"log": True, "zero": True},
    "l1": {"log": True, "zero": True},
    "grad_clip": {"log": True, "zero": True},
    "text": {"area": True},
}


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def field_label(cls: type, name: str) -> str:
    """The translated label of field `name` of dataclass `cls` (its metadata's, else its name)."""
    meta = _meta(cls, name)[1]
    return _(meta.get("label") or _label(name))


def option_name(meta: Mapping[str, Any], value: Any) -> str:
    """How an option of a field is shown: its metadata's name for it, translated."""
    return _(str(meta.get("options", {}).get(value, value)))


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


def format_value(v: float) -> str:
    """A measured value (a loss) to 4 decimals, scientific when huge or tiny: 0.6931, 1.851e+10."""
    if v == 0 or not math.isfinite(v) or 1e-4 <= abs(v) < 1e5:
        return f"{v:.4f}"
    return f"{v:.4g}"


def parse_int_tuple(text: str, meta: Mapping[str, Any]) -> tuple[int, ...]:
    """Parse "16, 16" into (16, 16); ValueError naming what is wrong and the allowed range."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(
            _("{text} is not a list of whole numbers like 16, 16").format(text=repr(text))
        ) from None
    lo, hi = meta.get("min", 1), meta.get("max")
    bad = [v for v in values if v < lo or (hi is not None and v > hi)]
    if bad:
        raise ValueError(
            _("every number must be between {lo} and {hi}; got {bad}").format(lo=lo, hi=hi, bad=bad)
        )
    n_lo, n_hi = meta.get("min_len", 0), meta.get("max_len", 64)
    if not n_lo <= len(values) <= n_hi:
        raise ValueError(
            _("give between {lo} and {hi} numbers; got {n}").format(lo=n_lo, hi=n_hi, n=len(values))
        )
    return values


def _nice_step(span: float) -> float:
    raw = span / 100
    exp = math.floor(math.log10(raw))
    return next(m * 10**exp for m in (1, 2, 5, 10) if m * 10**exp >= raw)


@dataclass(frozen=True)
class Binding:
    """Controlled widgets: the config owns each value and the widget only shows it; a change
    calls `on_change(widget key, config path, owning class, field name)`, which writes it back.

    `section` is the config path of the dataclass being drawn ("" = the top); `invalid` maps a
    widget key to (text the visitor typed, why it was refused) so that text stays on screen.
    """

    section: str
    on_change: Callable[[str, str, type, str], None]
    invalid: Mapping[str, tuple[Any, str]] = field(default_factory=dict)
    disabled: bool = False
    hidden: frozenset[str] = frozenset()

    def at(self, section: str) -> Binding:
        """The same binding for a nested section ("optim", "model", ...)."""
        return replace(self, section=f"{self.section}.{section}" if self.section else section)

    def path(self, name: str) -> str:
        return f"{self.section}.{name}" if self.section else name

    def hides(self, path: str) -> bool:
        return any(path == h or path.startswith(h + ".") for h in self.hidden)


def _float_input(label: str, value: float, meta: Mapping[str, Any], kw: dict) -> Any:
    lo, hi = meta.get("min"), meta.get("max")
    if meta.get("log") and lo is not None and hi is not None:
        options = sorted(set(log_options(lo, hi, meta.get("zero", False)) + [value]))
        return st.select_slider(label, options, format_func=format_number, **_value(kw, value))
    if lo is not None and hi is not None and hi - lo <= 2:
        step = SLIDER_STEP
        if abs(round((value - lo) / step) * step - (value - lo)) < 1e-9:
            return st.slider(label, float(lo), float(hi), step=step, **_value(kw, float(value)))
    return st.number_input(
        label, lo, hi, format="%g", step=_nice_step(hi or 1), **_value(kw, float(value))
    )


def _int_input(label: str, value: int, meta: Mapping[str, Any], kw: dict) -> Any:
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None and hi - lo <= 16:
        return st.slider(label, int(lo), int(hi), **_value(kw, int(value)))
    return st.number_input(label, lo, hi, step=1, **_value(kw, int(value)))


def _value(kw: dict, value: Any, name: str = "value") -> dict:
    """Widget kwargs with its value. A bound widget also gets it through session state when the
    widget already holds another one (a preset, a link); the `value` argument alone is only a
    default, but it is what the browser draws first, so a bound widget never flashes a minimum."""
    if kw.get("on_change") is not None:
        show(kw["key"], value)
    return {**kw, name: value}


def show(key: str, value: Any) -> None:
    """Make a bound widget show `value` (only written when it differs: a write is a new value)."""
    if key in st.session_state and st.session_state[key] != value:
        st.session_state[key] = value


def _meta(cls: type, name: str) -> tuple[Any, dict[str, Any]]:
    f = next(f for f in dataclasses.fields(cls) if f.name == name)
    return _hints(cls)[name], {**f.metadata, **UI_HINTS.get(name, {})}


def value_from_widget(cls: type, name: str, raw: Any) -> Any:
    """What a field's widget holds -> the field's value ("16, 16" -> (16, 16)); ValueError if bad."""
    tp, meta = _meta(cls, name)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple and args[:1] == (int,):
        return parse_int_tuple(str(raw), meta)
    if origin is tuple:
        return tuple(raw or ())
    if tp is float:
        return float(raw)
    if tp is int:
        return int(raw)
    return raw


def field_input(
    cfg: Any, name: str, key: str, label: str | None = None, bind: Binding | None = None
) -> tuple[Any, str]:
    """One widget for field `name` of dataclass `cfg`; returns (value, error message or "").

    Free (no `bind`): starts at the config's value and returns what the widget holds. Bound: shows
    the config's value (or refused text still being corrected) and returns the config's value.
    """
    tp, meta = _meta(type(cfg), name)
    value = getattr(cfg, name)
    label = _(label or meta.get("label") or _label(name))
    help_ = _(meta["help"]) if meta.get("help") else None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    kw: dict[str, Any] = {"key": key, "help": help_}
    typed, error = None, ""
    if bind is not None:
        kw |= {
            "on_change": bind.on_change,
            "args": (key, bind.path(name), type(cfg), name),
            "disabled": bind.disabled,
        }
        typed, error = bind.invalid.get(key, (None, ""))
    if tp is bool:
        got = st.checkbox(label, **_value(kw, value))
    elif origin is typing.Literal:
        if bind is not None:
            show(key, value)
        got = st.selectbox(
            label, args, args.index(value), format_func=lambda v: option_name(meta, v), **kw
        )
    elif tp is int:
        got = _int_input(label, value, meta, kw)
    elif tp is float:
        got = _float_input(label, value, meta, kw)
    elif origin is tuple and args[:1] == (int,):
        text = st.text_input(label, **_value(kw, typed or ", ".join(map(str, value))))
        try:
            got = parse_int_tuple(text, meta)
        except ValueError as err:
            got, error = value, str(err)
    elif origin is tuple and "choices" in meta:
        got = tuple(
            st.multiselect(
                label,
                meta["choices"],
                format_func=lambda v: option_name(meta, v),
                **_value(kw, list(value), "default"),
            )
        )
    else:
        widget: Callable[..., str] = st.text_area if meta.get("area") else st.text_input
        got = widget(label, **_value(kw, value))
    if error:
        error = _("{label}: {error}").format(label=label, error=error)
    return (value if bind is not None else got), error


def config_inputs(
    cfg: T,
    prefix: str,
    names: Iterable[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[T, list[str]]:
    """Free widgets for `names` (default: every field) of `cfg`, keyed `prefix.name`.

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


def bound_inputs(
    cfg: Any,
    prefix: str,
    bind: Binding,
    names: Iterable[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[str]:
    """Bound widgets for `names` (default: every field) of `cfg`, keyed `prefix.name`, except
    those `bind` hides; returns the learner-readable input errors that block Start."""
    names = [f.name for f in dataclasses.fields(cfg)] if names is None else list(names)
    errors = []
    for name in names:
        if bind.hides(bind.path(name)):
            continue
        _unused, error = field_input(cfg, name, f"{prefix}.{name}", (labels or {}).get(name), bind)
        if error:
            st.error(error)
            errors.append(error)
    return errors
