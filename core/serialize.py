"""One generic dataclass <-> JSON-able dict conversion, used for configs, events and the store.

Nested dataclasses round-trip by their type hints; a field typed as the abstract `ModelConfig`
is stored with a `"kind"` tag and rebuilt through the model registry.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")


def to_dict(obj: Any) -> Any:
    """Turn a (nested) dataclass into plain dicts, lists and scalars."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        kind = getattr(type(obj), "kind", None)
        if isinstance(kind, str):
            out = {"kind": kind, **out}
        return out
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def _convert(tp: Any, value: Any) -> Any:
    """Coerce a JSON value to the annotated type `tp` (dataclasses, tuples, optionals, literals)."""
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is type(None):
                continue
            try:
                return _convert(arg, value)
            except (TypeError, ValueError):
                continue
        return value
    if origin is typing.Literal:
        return value
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, (list, tuple)):
            value = [value]  # "--set model.hidden=8" means (8,)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in value)
        return tuple(_convert(a, v) for a, v in zip(args, value))
    if origin is list:
        (arg,) = typing.get_args(tp) or (Any,)
        return [_convert(arg, v) for v in value]
    if origin is dict:
        return dict(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_dict(tp, value)
    if tp is float and isinstance(value, (int, float)):
        return float(value)
    if tp is int and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Build dataclass `cls` from `to_dict` output; unknown keys raise ValueError naming them."""
    if not isinstance(data, dict):
        raise ValueError(f"expected a mapping for {cls.__name__}, got {type(data).__name__}")
    resolver = getattr(cls, "resolve_kind", None)
    if resolver is not None and "kind" in data:
        cls = resolver(data["kind"])
    data = {k: v for k, v in data.items() if k != "kind"}
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown field(s) for {cls.__name__}: {sorted(unknown)}")
    return cls(**{k: _convert(hints[k], v) for k, v in data.items()})


def to_json(obj: Any) -> str:
    """Serialize a dataclass to a compact, key-sorted JSON string."""
    return json.dumps(to_dict(obj), sort_keys=True, separators=(",", ":"))


def from_json(cls: type[T], text: str) -> T:
    """Inverse of `to_json`."""
    return from_dict(cls, json.loads(text))
