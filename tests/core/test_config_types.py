"""Every config the UI or CLI can express is refused with a ValueError, or plans and trains a step.

Configs are generated from the dataclass fields and their metadata (type hints, min/max, lengths,
choices), with wrong-typed and out-of-range values some of the time, so a new field or model is
covered for free. `fits` states the type rules on its own, as the oracle `from_dict` must match.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
import typing
from typing import Any, Literal

import pytest
from hypothesis import Phase, event, find, given, settings
from hypothesis import strategies as st

from core.config import RunConfig
from core.data import DataConfig, load_dataset
from core.engine import build_trainer
from core.models import MODELS, ModelConfig, compatible_models
from core.plan import plan_run
from core.trainer import Callback, DivergedError, Trainer

DATASETS = ("spiral", "xor", "sine", "digits", "copy", "reverse", "text")
CAPS = {"data.n_samples": 300, "data.seq_len": 16, "train.epochs": 1, "train.batch_size": 64}
WIDTH = 32  # cap on every whole number of a model: widths, layers, kernels
WRONG = (None, True, "abc", "", 3.5, -1, 10**12, math.nan, math.inf, [], [1, "a"], {}, {"a": 1})
SETTINGS = settings(max_examples=250, deadline=None, derandomize=True, database=None)

Leaf = tuple[Any, dict]  # (type hint, field metadata)


def fits(tp: Any, meta: dict, value: Any) -> bool:
    """Whether JSON `value` is allowed for a field typed `tp` with metadata `meta`."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return isinstance(value, str) and value in args
    if origin is tuple:
        items = value if isinstance(value, list) else [value]  # one value means one item
        lo, hi = meta.get("min_len", 0), meta.get("max_len", math.inf)
        return lo <= len(items) <= hi and all(fits(args[0], meta, v) for v in items)
    if tp is bool:
        return isinstance(value, bool)
    if tp is str:
        return isinstance(value, str) and value in meta.get("choices", (value,))
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    if tp is int and value != int(value):
        return False
    return meta.get("min", -math.inf) <= value <= meta.get("max", math.inf)


def _cap(path: str, meta: dict) -> Any:
    hi = meta.get("max")
    cap = CAPS.get(path, WIDTH if path.startswith("model.") else None)
    return hi if cap is None or hi is None else min(hi, cap)


def _clip(value: Any, lo: Any, hi: Any) -> Any:
    if isinstance(value, tuple):
        return [_clip(v, lo, hi) for v in value]
    return min(max(value, lo), hi) if isinstance(value, int | float) and hi is not None else value


def valid_values(tp: Any, meta: dict, path: str) -> st.SearchStrategy:
    """Values a widget or `--set` could produce for this field, within the test's size caps."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    lo, hi = meta.get("min"), _cap(path, meta)
    if origin is Literal:
        return st.sampled_from(args)
    if origin is tuple:
        items = valid_values(args[0], meta, path)
        hi_len = min(meta.get("max_len", 4), 4)
        unique = "choices" in meta  # a multiselect lists each choice once
        return st.lists(items, min_size=meta.get("min_len", 0), max_size=hi_len, unique=unique)
    if tp is bool:
        return st.booleans()
    if tp is str:
        choices = meta.get("choices")
        return st.sampled_from(choices) if choices else st.text("ab e\n", max_size=60)
    if tp is int:
        return st.integers(lo, hi)
    if meta.get("log") and lo > 0:  # a log slider
        return st.floats(math.log10(lo), math.log10(hi)).map(lambda e: min(hi, max(lo, 10**e)))
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def wrong_values(tp: Any, meta: dict) -> st.SearchStrategy:
    """Values of the wrong type, or just outside the field's range."""
    if tp is dict:  # a whole section, or a field no section has
        return st.sampled_from([v for v in WRONG if v != {}])
    lo, hi = meta.get("min"), meta.get("max")
    outside = ([] if lo is None else [lo - 1]) + ([] if hi is None else [hi + 1])
    return st.sampled_from(WRONG + tuple(outside) + tuple([v] for v in outside))


@functools.cache
def datasets_for(kind: str) -> list[str]:
    """The datasets the default config of model `kind` can read."""
    specs = [load_dataset(DataConfig(name=name, n_samples=100), 0).spec for name in DATASETS]
    return [spec.name for spec in specs if kind in compatible_models(spec)]


@st.composite
def config_trees(
    draw: st.DrawFn, kinds: tuple[str, ...] = tuple(MODELS)
) -> tuple[dict, dict[str, Leaf]]:
    """A RunConfig as JSON data, plus every leaf's (type, metadata). The dataset mostly fits the
    model kind, so many configs get as far as training."""
    kind = draw(st.sampled_from(kinds))
    fitting = st.sampled_from(datasets_for(kind))
    dataset = draw(st.one_of(fitting, fitting, st.sampled_from(DATASETS)))
    leaves: dict[str, Leaf] = {}

    def section(cls: type, prefix: str) -> dict:
        hints, tree = typing.get_type_hints(cls), {}
        for f in dataclasses.fields(cls):
            path, tp = prefix + f.name, hints[f.name]
            if dataclasses.is_dataclass(tp):
                sub = section(MODELS[kind] if tp is ModelConfig else tp, path + ".")
                tree[f.name] = {"kind": kind, **sub} if tp is ModelConfig else sub
                continue
            default = f.default_factory() if callable(f.default_factory) else f.default
            default = _clip(default, f.metadata.get("min"), _cap(path, f.metadata))
            values = st.one_of(st.just(default), valid_values(tp, dict(f.metadata), path))
            tree[f.name] = draw(values)
            leaves[path] = (tp, dict(f.metadata))
        return tree

    tree = section(RunConfig, "")
    tree["data"]["name"] = dataset
    return tree, leaves


@st.composite
def config_cases(draw: st.DrawFn) -> tuple[dict, list[str]]:
    """A config tree with 0-2 wrong values planted, and the paths that must be refused."""
    tree, leaves = draw(config_trees())
    bad: list[str] = []
    for _ in range(draw(st.sampled_from((0, 0, 0, 1, 1, 2)))):
        path = draw(st.sampled_from(sorted(leaves) + ["model.kind", "data", "model", "optim.x"]))
        *parents, name = path.split(".")
        node = tree
        for key in parents:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue  # its section was replaced by a wrong value already
        tp, meta = leaves.get(path, (dict, {}))  # dict: a section, a kind tag or an unknown name
        value = draw(wrong_values(tp, meta))
        node[name] = value
        if tp is dict or not fits(tp, meta, value):
            bad.append(path)
    return tree, bad


class StopAfterFirstStep(Callback):
    def on_batch_end(self, trainer: Trainer, loss: float) -> None:
        trainer.should_stop = True


def outcome(tree: dict) -> str:
    """What becomes of a config tree: refused (by which check) or trained one step."""
    try:
        cfg = RunConfig.from_dict(copy.deepcopy(tree))
    except ValueError:
        return "refused by from_dict"
    assert RunConfig.from_dict(cfg.to_dict()) == cfg
    try:
        plan_run(cfg)
    except ValueError:
        return "refused by plan_run"
    trainer = build_trainer(cfg, [StopAfterFirstStep()])
    try:
        trainer.fit()
    except DivergedError:  # a run that trained and blew up: the worker reports it with a hint
        return "trained, then diverged"
    assert trainer.step == 1
    return "trained"


@SETTINGS
@given(config_cases())
def test_every_config_is_refused_with_a_value_error_or_trains(case: tuple[dict, list[str]]):
    tree, bad = case
    try:
        RunConfig.from_dict(copy.deepcopy(tree))
    except ValueError as err:
        assert bad, f"a valid config was refused: {err}"
        assert any(path in str(err) for path in bad), f"{err} names none of {bad}"
    else:
        assert not bad, f"wrong values at {bad} were accepted"
    result = outcome(tree)
    event(result)
    event(f"{tree['model']['kind'] if isinstance(tree.get('model'), dict) else '-'}: {result}")


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_the_generator_reaches_training_for_every_model(kind: str):
    """Guards the test above against a generator that only ever makes refused configs."""
    fast = settings(SETTINGS, max_examples=100, phases=[Phase.generate])
    trees = config_trees((kind,)).map(lambda pair: pair[0])
    tree = find(trees, lambda t: outcome(t) == "trained", settings=fast)  # or NoSuchExample
    assert tree["model"]["kind"] == kind
