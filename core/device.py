"""Choose where tensors live: CUDA, then Apple MPS, then CPU."""

from __future__ import annotations

from typing import Literal

import torch

from core.i18n import _

DeviceName = Literal["auto", "cpu", "cuda", "mps"]


def available_devices() -> list[str]:
    """Devices this machine can train on, best first."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return [*found, "cpu"]


def pick_device(requested: str = "auto") -> torch.device:
    """Resolve "auto" to the best device; ValueError if a named device is not available."""
    devices = available_devices()
    if requested == "auto":
        return torch.device(devices[0])
    if requested not in devices:
        raise ValueError(
            _("device {device} is not available here; available: {devices}").format(
                device=requested, devices=", ".join(devices)
            )
        )
    return torch.device(requested)
