"""The playground's URL mapping: every setup round-trips, links stay short, bad input is explained."""

from __future__ import annotations

import dataclasses

import pytest

from core.config import RunConfig
from core.data.base import DataConfig
from core.models import MODELS, default_config
from core.optim import OptimConfig
from core.presets import PRESETS
from core.trainer import TrainConfig
from core.urlstate import config_diff, config_from_query, config_to_query, encode


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_round_trip(name: str) -> None:
    cfg = PRESETS[name].config
    back, problems = config_from_query(config_to_query(cfg))
    assert back == cfg and problems == []


@pytest.mark.parametrize("kind", list(MODELS))
def test_every_architecture_round_trips_with_every_field_changed(kind: str) -> None:
    model = default_config(kind)
    changes = {}
    for f in dataclasses.fields(model):
        value = getattr(model, f.name)
        if isinstance(value, bool):
            changes[f.name] = not value
        elif isinstance(value, int) and f.metadata.get("max", 0) > value:
            changes[f.name] = value + 1
    model = dataclasses.replace(model, **changes)
    cfg = RunConfig(
        data=DataConfig(name="digits", noise=0.25, features=("sinx", "xy")),
        model=model,
        optim=OptimConfig(name="sgd", lr=1e-05, schedule="cosine"),
        train=TrainConfig(epochs=37, batch_size=7),
        seed=12,
    )
    back, problems = config_from_query(config_to_query(cfg))
    assert back == cfg and problems == []


def test_only_changed_fields_are_written_and_read_plainly() -> None:
    assert config_to_query(RunConfig()) == {}
    cfg = RunConfig(train=TrainConfig(epochs=37), optim=OptimConfig(lr=0.03))
    assert config_to_query(cfg) == {"optim.lr": "0.03", "train.epochs": "37"}
    assert encode((16, 32)) == "16,32" and encode(True) == "true" and encode(1e-05) == "1e-05"


def test_bad_values_are_ignored_with_a_reason_never_raised() -> None:
    query = {
        "train.epochs": "0",
        "optim.lr": "fast",
        "model.kind": "perceptron",
        "model.hidden": "3.5",
        "model.activation": "swish",
        "data.name": "../../etc/passwd",
        "data.features": "sinx,cosx",
        "seed": "nan",
        "data.bogus": "1",
        "view": "1",  # not a config key: left for the page
    }
    cfg, problems = config_from_query(query)
    assert cfg == RunConfig()
    text = " | ".join(problems)
    for key in ("train.epochs", "optim.lr", "model.kind", "model.hidden", "model.activation"):
        assert f"ignored {key}=" in text or f"unknown {key}=" in text
    assert "data.name" in text and "data.features" in text and "seed" in text
    assert "data.bogus: no such setting" in text and "view" not in text
    assert "train.epochs=0: expected a whole number in [1, 10000]" in text


def test_a_diff_names_each_changed_setting() -> None:
    old = RunConfig()
    new = RunConfig(optim=OptimConfig(lr=0.01), model=default_config("cnn"))
    lines = config_diff(old, new)
    assert "optim.lr: 0.003 -> 0.01" in lines and "model.kind: mlp -> cnn" in lines
    assert config_diff(old, old) == []
    assert len(lines) == 2
