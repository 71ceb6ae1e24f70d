"""Type and range checks driven by type hints and field metadata, so every config validates alike.

Metadata keys: `min`/`max` (numbers, and each number of a tuple), `min_len`/`max_len` (tuples),
`choices` (strings, and each string of a tuple). `core.serialize.from_dict` runs `check_value` on
every field it builds, so a config read from JSON, the CLI, the store or a URL is checked here.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal

NO_META: Mapping[str, Any] = {}


def check_ranges(cfg: Any) -> None:
    """Raise ValueError naming the first field of dataclass `cfg` with a wrong type or range."""
    hints = typing.get_type_hints(type(cfg))
    for f in dataclasses.fields(cfg):
        check_value(hints[f.name], getattr(cfg, f.name), f.metadata, f.name)


def check_value(tp: Any, value: Any, meta: Mapping[str, Any], path: str) -> None:
    """Raise ValueError naming `path`, `value` and what is allowed unless `value` fits `tp`, `meta`.

    A nested dataclass value is only checked for its class (its own fields were checked when it was
    built). A float must be finite where its field declares a range; an unranged float (a measured
    validation loss) may be NaN.
    """
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return
    if origin in (typing.Union, types.UnionType):
        _check_union(args, value, meta, path)
    elif origin is tuple or tp is tuple or origin is list or tp is list:
        _check_sequence(tp, value, meta, path)
    elif origin is Literal:
        if not any(value == c and type(value) is type(c) for c in args):
            raise ValueError(f"unknown {path}={value!r}; choose one of {list(args)}")
    elif tp in (bool, int, float, str):
        _check_scalar(tp, value, meta, path)
    elif not isinstance(value, origin or tp):
        raise ValueError(f"{path}={value!r}: expected {allowed(tp, meta)}")


def allowed(tp: Any, meta: Mapping[str, Any] = NO_META) -> str:
    """What type `tp` with metadata `meta` accepts, in words: "a whole number in [1, 9]"."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    lo, hi = meta.get("min"), meta.get("max")
    bounds = f" in [{lo}, {hi}]" if lo is not None and hi is not None else ""
    bounds = bounds or (f" >= {lo}" if lo is not None else "")
    bounds = bounds or (f" <= {hi}" if hi is not None else "")
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number" + bounds
    if tp is float:
        return ("a finite number" if bounds else "a number") + bounds
    if tp is str:
        return f"one of {list(meta['choices'])}" if "choices" in meta else "text"
    if origin is Literal:
        return f"one of {list(args)}"
    if origin in (tuple, list) or tp in (tuple, list):
        lo_len, hi_len = meta.get("min_len", 0), meta.get("max_len")
        size = f"{lo_len} to {hi_len} " if hi_len is not None else ""
        size = size or (f"at least {lo_len} " if lo_len else "")
        homogeneous = len(args) == 1 or (len(args) == 2 and args[1] is Ellipsis)
        each = f", each {allowed(args[0], meta)}" if homogeneous else ""
        return f"a list or tuple of {size}items{each}"
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return f"a mapping of {tp.__name__} fields"
    return getattr(tp, "__name__", str(tp))


def _check_union(args: tuple, value: Any, meta: Mapping[str, Any], path: str) -> None:
    """`X | None` takes None or an X; a union of several types takes a value any of them takes."""
    if value is None and type(None) in args:
        return
    options = [a for a in args if a is not type(None)]
    if len(options) == 1:
        check_value(options[0], value, meta, path)
        return
    for option in options:
        try:
            check_value(option, value, meta, path)
            return
        except ValueError:
            continue
    words = " or ".join("null" if a is type(None) else allowed(a, meta) for a in args)
    raise ValueError(f"{path}={value!r}: expected {words}")


def _check_sequence(tp: Any, value: Any, meta: Mapping[str, Any], path: str) -> None:
    """Tuples (and lists): the container type, the length, then every item against its type."""
    origin, args = typing.get_origin(tp) or tp, typing.get_args(tp)
    if not isinstance(value, origin):
        raise ValueError(f"{path}={value!r}: expected {allowed(tp, meta)}")
    if origin is tuple and args and args[-1] is not Ellipsis:  # a fixed shape: tuple[float, float]
        if len(value) != len(args):
            raise ValueError(f"{path}={value!r}: expected {len(args)} items")
        for i, (arg, item) in enumerate(zip(args, value)):
            check_value(arg, item, meta, f"{path}[{i}]")
        return
    lo, hi = meta.get("min_len", 0), meta.get("max_len", math.inf)
    if not lo <= len(value) <= hi:
        raise ValueError(f"{path}={value!r} has {len(value)} items: expected {allowed(tp, meta)}")
    for i, item in enumerate(value if args else ()):
        check_value(args[0], item, meta, f"{path}[{i}]")


def _check_scalar(tp: type, value: Any, meta: Mapping[str, Any], path: str) -> None:
    """bool, int, float and str: the type (bools are not numbers), finiteness, range, choices."""
    if tp is bool or tp is str:
        ok = isinstance(value, tp) and value in meta.get("choices", (value,))
        if not ok and tp is str and isinstance(value, str):
            raise ValueError(f"unknown {path}={value!r}; choose one of {list(meta['choices'])}")
    else:
        kind = numbers.Integral if tp is int else numbers.Real
        ok = isinstance(value, kind) and not isinstance(value, bool)
        lo, hi = meta.get("min"), meta.get("max")
        ranged = lo is not None or hi is not None
        ok = ok and (not ranged or isinstance(value, numbers.Integral) or math.isfinite(value))
        ok = ok and (lo is None or value >= lo) and (hi is None or value <= hi)
    if not ok:
        raise ValueError(f"{path}={value!r}: expected {allowed(tp, meta)}")
