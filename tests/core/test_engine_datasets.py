"""Every dataset trains end to end with every model that accepts it, and streams its sample view."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import RunConfig
from core.data import DATASETS, load_dataset
from core.data.base import DataConfig
from core.engine import train_run
from core.events import ActivationStats, EpochEnd, LayerStats, Samples
from core.models import compatible_models, default_config
from core.trainer import TrainConfig

NEEDS_FILES = {"mnist", "fashion_mnist", "cifar10", "csv", "image_zip"}
EXPECTED_KEY = {
    "boundary": "z",
    "curve": "y",
    "images": "pred",
    "sequence": "rows",
    "forecast": "predicted",
    "text": "generated",
    "table": "predicted",
}


def small(name: str, **extra: object) -> DataConfig:
    return DataConfig(name=name, n_samples=64, seq_len=6, **extra)


def cases() -> list[tuple[str, str]]:
    out = []
    for name in DATASETS:
        if name in NEEDS_FILES:
            continue
        spec = load_dataset(small(name), seed=0).spec
        out.extend((name, kind) for kind in compatible_models(spec) if kind != "resnet18")
    return out


@pytest.mark.parametrize("dataset, kind", cases())
def test_trains_and_streams_samples(dataset: str, kind: str):
    cfg = RunConfig(
        data=small(dataset), model=default_config(kind), train=TrainConfig(epochs=1, batch_size=16)
    )
    events: list = []
    train_run(cfg, events.append)
    samples = [e for e in events if isinstance(e, Samples)]
    assert samples, "no sample predictions streamed"
    assert EXPECTED_KEY[samples[-1].kind] in samples[-1].payload
    assert any(isinstance(e, EpochEnd) for e in events)
    assert any(isinstance(e, LayerStats) for e in events)
    stats = [e for e in events if isinstance(e, ActivationStats)]
    assert all(0.0 <= d <= 1.0 for e in stats for d in e.dead_frac)
    if kind in ("mlp", "cnn"):
        assert stats, "models built from activation modules report activation statistics"


def test_csv_table_samples(tmp_path: Path):
    path = tmp_path / "t.csv"
    rows = ["size,colour,price"] + [
        f"{i % 7},{'red' if i % 2 else 'blue'},{i * 1.5}" for i in range(60)
    ]
    path.write_text("\n".join(rows))
    cfg = RunConfig(
        data=DataConfig(name="csv", path=str(path), target="price"), train=TrainConfig(epochs=1)
    )
    events: list = []
    train_run(cfg, events.append)
    payload = [e for e in events if isinstance(e, Samples)][0].payload  # the one with static keys
    assert len(payload["predicted"]) == len(payload["static_true"]) > 0
