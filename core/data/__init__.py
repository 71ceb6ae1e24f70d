"""Datasets from config: the `DATASETS` registry and `load_dataset`, the engine's one way to data.

Adding a dataset = a loader `(DataConfig, seed) -> DataBundle` plus a `DatasetEntry` in its module's
`ENTRIES`; every module's entries are collected here, in the order the UI lists them.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType

from core.data import digits, imagezip, sequences, tabular, text, textclass, toys, vision
from core.data.base import (
    DataBundle,
    DataConfig,
    DatasetEntry,
    DatasetMissingError,
    DataSpec,
    split,
)
from core.i18n import _
from core.serialize import to_json
from core.validation import check_ranges

DATASETS: Mapping[str, DatasetEntry] = MappingProxyType(
    {
        entry.name: entry
        for module in (toys, digits, vision, imagezip, sequences, text, textclass, tabular)
        for entry in module.ENTRIES
    }
)


def load_dataset(cfg: DataConfig, seed: int) -> DataBundle:
    """Validate `cfg`, load its dataset with `seed` and fill in the spec's learner description."""
    if cfg.name not in DATASETS:
        raise ValueError(
            _("unknown dataset {name}; choose one of {choices}").format(
                name=repr(cfg.name), choices=sorted(DATASETS)
            )
        )
    check_ranges(cfg)
    entry = DATASETS[cfg.name]
    bundle = entry.load(cfg, seed)
    bundle.spec = dataclasses.replace(bundle.spec, description=entry.description)
    return bundle


# The server asks about one setup several times (the form's shapes, the plan, each re-plan after a
# small change); a tiny cache of recent datasets means a big upload is parsed once, not each time.
# Only small bundles are kept, so the server does not hold large datasets between requests.
SHARED_ENTRIES = 3
SHARED_MAX_BYTES = 64 * 2**20
_shared: OrderedDict[tuple[str, int], DataBundle] = OrderedDict()
_shared_lock = threading.Lock()


def _nbytes(bundle: DataBundle) -> int:
    tensors = (bundle.x_train, bundle.y_train, bundle.x_val, bundle.y_val)
    return sum(t.numel() * t.element_size() for t in tensors)


def load_dataset_shared(cfg: DataConfig, seed: int) -> DataBundle:
    """`load_dataset`, remembered for the last few small datasets. Read-only: callers must not
    change the bundle (the planner and the form only read shapes and sizes)."""
    key = (to_json(cfg), seed)
    with _shared_lock:
        if key in _shared:
            _shared.move_to_end(key)
            return _shared[key]
    bundle = load_dataset(cfg, seed)
    if _nbytes(bundle) <= SHARED_MAX_BYTES:
        with _shared_lock:
            _shared[key] = bundle
            while len(_shared) > SHARED_ENTRIES:
                _shared.popitem(last=False)
    return bundle


__all__ = [
    "DATASETS",
    "DataBundle",
    "DataConfig",
    "DataSpec",
    "DatasetEntry",
    "DatasetMissingError",
    "load_dataset",
    "load_dataset_shared",
    "split",
]
