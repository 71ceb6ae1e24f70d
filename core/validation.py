"""Range checks driven by dataclass field metadata, so every config validates the same way."""

from __future__ import annotations

import dataclasses
import math
from typing import Any


def check_ranges(cfg: Any) -> None:
    """Raise ValueError when a numeric field is NaN or outside its metadata `min`/`max`."""
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        lo, hi = f.metadata.get("min"), f.metadata.get("max")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{f.name} must be a finite number, got {value}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ValueError(f"{f.name}={value} is outside the allowed range [{lo}, {hi}]")
