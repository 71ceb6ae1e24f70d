"""Tiny, fast configs and a polling wait shared by the engine tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from core.config import RunConfig
from core.data.base import DataConfig
from core.models import MLPConfig
from core.optim import OptimConfig
from core.trainer import TrainConfig


def tiny_config(**train: int) -> RunConfig:
    """An MLP on 200 spiral points: a few milliseconds per epoch."""
    return RunConfig(
        data=DataConfig(name="spiral", n_samples=200),
        model=MLPConfig(hidden=(8,)),
        optim=OptimConfig(lr=1e-2),
        train=TrainConfig(**{"epochs": 2, "batch_size": 16, **train}),
    )


def diverging_config() -> RunConfig:
    """Plain SGD with lr=5 on a sine regression: the loss overflows within a few steps."""
    return RunConfig(
        data=DataConfig(name="sine", n_samples=200),
        model=MLPConfig(hidden=(16, 16)),
        optim=OptimConfig(name="sgd", lr=5.0),
        train=TrainConfig(epochs=5, batch_size=16),
    )


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll `predicate` until it returns something truthy (returned) or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
