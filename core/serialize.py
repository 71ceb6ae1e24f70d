"""One generic dataclass <-> JSON-able dict conversion, used for configs, events and the store.

Nested dataclasses round-trip by their type hints; a field typed as the abstract `ModelConfig`
is stored with a `"kind"` tag and rebuilt through the model registry. Building checks every field's
type and range (`core.validation.check_value`), so bad data fails here with the field's path.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any, TypeVar

from core.validation import allowed, check_value

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


def _convert(tp: Any, value: Any, path: str) -> Any:
    """Shape a JSON value towards the annotated type `tp`: nested dataclasses, lists to tuples,
    whole floats to ints, ints to floats. Whether it then fits is `check_value`'s call."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if value is None or len(options) != 1:
            return value
        return _convert(options[0], value, path)
    if origin is tuple or tp is tuple:
        if not isinstance(value, (list, tuple)):
            value = [value]  # "--set model.hidden=8" means (8,)
        if len(args) == 2 and args[1] is Ellipsis:
            args = (args[0],) * len(value)
        if len(args) != len(value):
            return tuple(value)  # a wrong length: check_value names it
        return tuple(_convert(a, v, f"{path}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if origin is list and isinstance(value, (list, tuple)):
        item = args[0] if args else Any
        return [_convert(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and value is not None:
        return _build(tp, value, path)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Build dataclass `cls` from `to_dict` output, checking every field's type and range.

    ValueError names the field's path (e.g. "model.hidden[1]"), its value and what is allowed;
    unknown or missing fields are named too.
    """
    return _build(cls, data, "")


def _build(cls: type[T], data: Any, path: str) -> T:
    """`from_dict` for the dataclass at `path` ("" for the top) of the data being read."""
    if not isinstance(data, dict):
        raise ValueError(f"{path or cls.__name__}={data!r}: expected {allowed(cls)}")
    cls = _resolve_kind(cls, data, path)
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.init]
    names = {f.name for f in fields}
    unknown = sorted(_join(path, str(k)) for k in data if k not in names and k != "kind")
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}; {cls.__name__} has {sorted(names)}")
    missing = [
        _join(path, f.name)
        for f in fields
        if f.name not in data
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ValueError(f"missing field(s) {missing} of {cls.__name__}")
    values = {}
    for f in fields:
        if f.name in data:
            field_path = _join(path, f.name)
            value = _convert(hints[f.name], data[f.name], field_path)
            check_value(hints[f.name], value, f.metadata, field_path)
            values[f.name] = value
    return cls(**values)


def _resolve_kind(cls: type[T], data: dict[str, Any], path: str) -> type[T]:
    """The concrete class a `"kind"` tag names, for a class with `resolve_kind` (model configs)."""
    resolver = getattr(cls, "resolve_kind", None)
    if resolver is None:
        return cls
    where = _join(path, "kind")
    if "kind" not in data:
        if getattr(cls, "kind", None):
            return cls  # already concrete
        raise ValueError(f"{where} is missing: {cls.__name__} needs a kind tag")
    kind = data["kind"]
    if not isinstance(kind, str):
        raise ValueError(f"{where}={kind!r}: expected text naming the kind")
    try:
        resolved = resolver(kind)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None
    if not issubclass(resolved, cls):
        raise ValueError(f"{where}={kind!r} is not a kind of {cls.__name__}")
    return resolved


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def to_json(obj: Any) -> str:
    """Serialize a dataclass to a compact, key-sorted JSON string."""
    return json.dumps(to_dict(obj), sort_keys=True, separators=(",", ":"))


def from_json(cls: type[T], text: str) -> T:
    """Inverse of `to_json`."""
    return from_dict(cls, json.loads(text))
