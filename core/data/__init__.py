"""Datasets from config: the `DATASETS` registry and `load_dataset`, the engine's one way to data.

Adding a dataset = a loader `(DataConfig, seed) -> DataBundle` plus a `DatasetEntry` in its module's
`ENTRIES`; every module's entries are collected here, in the order the UI lists them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

from core.data import digits, sequences, tabular, text, toys, vision
from core.data.base import (
    DataBundle,
    DataConfig,
    DatasetEntry,
    DatasetMissingError,
    DataSpec,
    split,
)
from core.validation import check_ranges

DATASETS: Mapping[str, DatasetEntry] = MappingProxyType(
    {
        entry.name: entry
        for module in (toys, digits, vision, sequences, text, tabular)
        for entry in module.ENTRIES
    }
)


def load_dataset(cfg: DataConfig, seed: int) -> DataBundle:
    """Validate `cfg`, load its dataset with `seed` and fill in the spec's learner description."""
    if cfg.name not in DATASETS:
        raise ValueError(f"unknown dataset {cfg.name!r}; choose one of {sorted(DATASETS)}")
    check_ranges(cfg)
    entry = DATASETS[cfg.name]
    bundle = entry.load(cfg, seed)
    bundle.spec = dataclasses.replace(bundle.spec, description=entry.description)
    return bundle


__all__ = [
    "DATASETS",
    "DataBundle",
    "DataConfig",
    "DataSpec",
    "DatasetEntry",
    "DatasetMissingError",
    "load_dataset",
    "split",
]
