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

from core.i18n import _

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
            raise ValueError(_unknown(path, value, list(args)))
    elif tp in (bool, int, float, str):
        _check_scalar(tp, value, meta, path)
    elif not isinstance(value, origin or tp):
        raise ValueError(_expected(path, value, allowed(tp, meta)))


def _unknown(path: str, value: Any, choices: list) -> str:
    return _("unknown {path}={value}; choose one of {choices}").format(
        path=path, value=repr(value), choices=choices
    )


def _expected(path: str, value: Any, words: str) -> str:
    return _("{path}={value}: expected {allowed}").format(
        path=path, value=repr(value), allowed=words
    )


def _bounded(tp: type, lo: Any, hi: Any) -> str:
    """A number type with its range in words: "a whole number in [1, 9]", "a finite number >= 0"."""
    if tp is int:
        if lo is not None and hi is not None:
            return _("a whole number in [{lo}, {hi}]").format(lo=lo, hi=hi)
        if lo is not None:
            return _("a whole number >= {lo}").format(lo=lo)
        if hi is not None:
            return _("a whole number <= {hi}").format(hi=hi)
        return _("a whole number")
    if lo is not None and hi is not None:
        return _("a finite number in [{lo}, {hi}]").format(lo=lo, hi=hi)
    if lo is not None:
        return _("a finite number >= {lo}").format(lo=lo)
    if hi is not None:
        return _("a finite number <= {hi}").format(hi=hi)
    return _("a number")


def allowed(tp: Any, meta: Mapping[str, Any] = NO_META) -> str:
    """What type `tp` with metadata `meta` accepts, in words: "a whole number in [1, 9]"."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is bool:
        return _("true or false")
    if tp in (int, float):
        return _bounded(tp, meta.get("min"), meta.get("max"))
    if tp is str:
        if "choices" in meta:
            return _("one of {choices}").format(choices=list(meta["choices"]))
        return _("text")
    if origin is Literal:
        return _("one of {choices}").format(choices=list(args))
    if origin in (tuple, list) or tp in (tuple, list):
        lo_len, hi_len = meta.get("min_len", 0), meta.get("max_len")
        if hi_len is not None:
            words = _("a list or tuple of {lo} to {hi} items").format(lo=lo_len, hi=hi_len)
        elif lo_len:
            words = _("a list or tuple of at least {lo} items").format(lo=lo_len)
        else:
            words = _("a list or tuple of items")
        if len(args) == 1 or (len(args) == 2 and args[1] is Ellipsis):  # every item alike
            words = _("{items}, each {each}").format(items=words, each=allowed(args[0], meta))
        return words
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _("a mapping of {name} fields").format(name=tp.__name__)
    return getattr(tp, "__name__", str(tp))


def either(options: list[str]) -> str:
    """Alternatives in words: "a, b or c" ("a or b or c" in English, as the checks say it)."""
    words = options[0]
    for option in options[1:]:
        words = _("{first} or {second}").format(first=words, second=option)
    return words


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
    words = either(["null" if a is type(None) else allowed(a, meta) for a in args])
    raise ValueError(_expected(path, value, words))


def _check_sequence(tp: Any, value: Any, meta: Mapping[str, Any], path: str) -> None:
    """Tuples (and lists): the container type, the length, then every item against its type."""
    origin, args = typing.get_origin(tp) or tp, typing.get_args(tp)
    if not isinstance(value, origin):
        raise ValueError(_expected(path, value, allowed(tp, meta)))
    if origin is tuple and args and args[-1] is not Ellipsis:  # a fixed shape: tuple[float, float]
        if len(value) != len(args):
            raise ValueError(
                _("{path}={value}: expected {n} items").format(
                    path=path, value=repr(value), n=len(args)
                )
            )
        for i, (arg, item) in enumerate(zip(args, value)):
            check_value(arg, item, meta, f"{path}[{i}]")
        return
    lo, hi = meta.get("min_len", 0), meta.get("max_len", math.inf)
    if not lo <= len(value) <= hi:
        raise ValueError(
            _("{path}={value} has {n} items: expected {allowed}").format(
                path=path, value=repr(value), n=len(value), allowed=allowed(tp, meta)
            )
        )
    for i, item in enumerate(value if args else ()):
        check_value(args[0], item, meta, f"{path}[{i}]")


def _check_scalar(tp: type, value: Any, meta: Mapping[str, Any], path: str) -> None:
    """bool, int, float and str: the type (bools are not numbers), finiteness, range, choices."""
    if tp is bool or tp is str:
        ok = isinstance(value, tp) and value in meta.get("choices", (value,))
        if not ok and tp is str and isinstance(value, str):
            raise ValueError(_unknown(path, value, list(meta["choices"])))
    else:
        kind = numbers.Integral if tp is int else numbers.Real
        ok = isinstance(value, kind) and not isinstance(value, bool)
        lo, hi = meta.get("min"), meta.get("max")
        ranged = lo is not None or hi is not None
        ok = ok and (not ranged or isinstance(value, numbers.Integral) or math.isfinite(value))
        ok = ok and (lo is None or value >= lo) and (hi is None or value <= hi)
    if not ok:
        raise ValueError(_expected(path, value, allowed(tp, meta)))
