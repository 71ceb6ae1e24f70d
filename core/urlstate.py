"""A `RunConfig` as URL query parameters, generated from the dataclass fields.

TensorFlow Playground's `state.ts` idea: one declarative mapping serializes the whole setup, with
nothing written per field. Keys are the fields' dotted paths, values plain text, and only fields
that differ from their defaults are written (a model's fields from its architecture's defaults),
so a link stays short and readable:

    config_to_query(cfg)   -> {"data.name": "digits", "model.kind": "cnn", "train.epochs": "37"}
    config_from_query(q)   -> (RunConfig(...), ["ignored train.epochs=0: ..."])

Decoding never raises on what a visitor typed: a bad value is left at its default and explained.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from core.config import RunConfig
from core.data import DATASETS
from core.i18n import _
from core.models import MODELS, default_config
from core.validation import allowed, check_value

KIND = "kind"  # a section whose class has a `kind` tag (the model) writes it as "<section>.kind"
SECTIONS = tuple(f.name for f in dataclasses.fields(RunConfig))
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _leaves(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any, dataclasses.Field]]:
    """(dotted path, owning dataclass, field) for every non-dataclass field, depth first."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            yield from _leaves(value, path + ".")
        else:
            yield path, obj, f


def encode(value: Any) -> str:
    """One field's value as query text: numbers as written, tuples comma-separated."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return ",".join(encode(v) for v in value)
    return str(value)


def config_to_query(cfg: RunConfig) -> dict[str, str]:
    """The query parameters of `cfg`: every field that differs from its default, plus the model's
    architecture when it is not the default one."""
    query: dict[str, str] = {}
    defaults: dict[int, Any] = {}
    for path, owner, f in _leaves(cfg):
        default = defaults.setdefault(id(owner), type(owner)())
        value = getattr(owner, f.name)
        if value != getattr(default, f.name):
            query[path] = encode(value)
    if cfg.model.kind != RunConfig().model.kind:
        query[f"model.{KIND}"] = cfg.model.kind
    return dict(sorted(query.items()))


def _parse(tp: Any, text: str) -> Any:
    """Query text -> a value shaped like type `tp` (its type and range are checked afterwards by
    `core.validation.check_value`, the one place that knows the rules); ValueError if unreadable."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    text = text.strip()
    if tp is bool:
        if text.lower() not in TRUE + FALSE:
            raise ValueError(_("use true or false"))
        return text.lower() in TRUE
    if origin is tuple:
        return tuple(_parse(args[0], item.strip()) for item in text.split(",") if item.strip())
    if tp in (int, float):
        try:
            return tp(text)
        except ValueError:
            raise ValueError(
                _("{text} is not {allowed}").format(text=repr(text), allowed=allowed(tp))
            ) from None
    return text


def with_value(cfg: Any, path: str, value: Any) -> Any:
    """`cfg` with the field at dotted `path` replaced (model configs re-check themselves and raise
    ValueError for a bad value)."""
    name, _dot, rest = path.partition(".")
    if not rest:
        return dataclasses.replace(cfg, **{name: value})
    return dataclasses.replace(cfg, **{name: with_value(getattr(cfg, name), rest, value)})


def config_diff(old: RunConfig, new: RunConfig) -> list[str]:
    """What `new` changes from `old`, one "path: old -> new" line per differing setting (a new
    architecture is one line, not one per field of both)."""
    a, b = _flat(old), _flat(new)
    if old.model.kind != new.model.kind:
        a = {k: v for k, v in a.items() if not k.startswith("model.") or k == "model.kind"}
        b = {k: v for k, v in b.items() if not k.startswith("model.") or k == "model.kind"}
    keys = sorted(a.keys() | b.keys())
    return [f"{k}: {a.get(k)} -> {b.get(k)}" for k in keys if a.get(k) != b.get(k)]


def _flat(cfg: RunConfig) -> dict[str, str]:
    return {
        **{p: encode(getattr(o, f.name)) for p, o, f in _leaves(cfg)},
        "model.kind": cfg.model.kind,
    }


def config_paths(cfg: RunConfig) -> list[str]:
    """Every setting's dotted path in `cfg` (the model's fields are those of its architecture)."""
    return [path for path, _owner, _field in _leaves(cfg)]


def is_config_key(key: str) -> bool:
    """Whether a query key belongs to the configuration (others: view, hide, run...)."""
    return key.split(".", 1)[0] in SECTIONS


def _ignored_choice(key: str, value: str, choices: Iterable[str]) -> str:
    return _("ignored {key}={value}: choose one of {choices}").format(
        key=key, value=value, choices=", ".join(choices)
    )


def config_from_query(query: Mapping[str, str]) -> tuple[RunConfig, list[str]]:
    """The config a query describes, and one readable line per parameter that was ignored."""
    cfg, problems = RunConfig(), []
    kind = query.get(f"model.{KIND}")
    if kind is not None:
        if kind in MODELS:
            cfg = dataclasses.replace(cfg, model=default_config(kind))
        else:
            problems.append(_ignored_choice(f"model.{KIND}", kind, MODELS))
    leaves = {path: (type(owner), f) for path, owner, f in _leaves(cfg)}
    for key, text in query.items():
        if not is_config_key(key) or key == f"model.{KIND}":
            continue
        if key not in leaves:
            problems.append(_("ignored {key}: no such setting").format(key=key))
            continue
        cls, f = leaves[key]
        try:
            tp = typing.get_type_hints(cls)[f.name]
            value = _parse(tp, str(text))
            check_value(tp, value, f.metadata, key)
            cfg = with_value(cfg, key, value)
        except (ValueError, TypeError) as err:
            reason = str(err)  # check_value's messages already name the setting and its value
            if key in reason:
                problems.append(_("ignored {reason}").format(reason=reason))
            else:
                problems.append(
                    _("ignored {key}={value}: {reason}").format(key=key, value=text, reason=reason)
                )
    if cfg.data.name not in DATASETS:
        problems.append(_ignored_choice("data.name", cfg.data.name, DATASETS))
        cfg = dataclasses.replace(
            cfg, data=dataclasses.replace(cfg.data, name=RunConfig().data.name)
        )
    return cfg, problems
