"""RunConfig round-trips through JSON for every model, and rejects unknown or bad fields."""

from __future__ import annotations

import pytest

from core.config import RunConfig
from core.data.base import DataConfig
from core.models import MODELS, default_config
from core.optim import OptimConfig
from core.plan import plan_run, validate_config


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_round_trip_every_model(kind: str):
    cfg = RunConfig(model=default_config(kind), data=DataConfig(name="xor", features=("x2", "xy")))
    again = RunConfig.from_json(cfg.to_json())
    assert again == cfg
    assert type(again.model) is type(cfg.model)


def test_unknown_field_is_named():
    data = RunConfig().to_dict()
    data["optim"]["learning_rate"] = 1.0
    with pytest.raises(ValueError, match="learning_rate"):
        RunConfig.from_dict(data)


@pytest.mark.parametrize(
    "cfg, needle",
    [
        (RunConfig(optim=OptimConfig(lr=-1.0)), "lr"),
        (RunConfig(data=DataConfig(name="nope")), "unknown dataset"),
        (RunConfig(data=DataConfig(val_fraction=0.9)), "val_fraction"),
    ],
)
def test_bad_values_give_clear_errors(cfg: RunConfig, needle: str):
    with pytest.raises(ValueError, match=needle):
        validate_config(cfg)
        plan_run(cfg)


def test_zero_batch_size_and_huge_model_are_refused():
    from core.models import MLPConfig
    from core.trainer import TrainConfig

    with pytest.raises(ValueError, match="batch_size"):
        plan_run(RunConfig(train=TrainConfig(batch_size=0)))
    huge = RunConfig(model=MLPConfig(hidden=(1024,) * 8), data=DataConfig(name="spiral"))
    with pytest.raises(ValueError, match="GiB"):
        plan_run(huge, memory_budget=2**26)


def test_incompatible_model_is_explained():
    from core.models import CNNConfig

    with pytest.raises(ValueError):
        plan_run(RunConfig(model=CNNConfig(), data=DataConfig(name="spiral")))


def test_a_single_number_for_a_tuple_field_means_one_item():
    data = RunConfig().to_dict()
    data["model"]["hidden"] = 8  # what `--set model.hidden=8` produces
    assert RunConfig.from_dict(data).model.hidden == (8,)
