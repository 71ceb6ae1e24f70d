"""Where runs train: worker processes on this machine (the default) or tasks on a Ray cluster.

    backend = make_backend()          # $BPL_BACKEND, else "ray" when $RAY_ADDRESS is set, else local
    backend = make_backend("ray")     # joins $RAY_ADDRESS (or a local Ray) on first use

Ray is imported only when the Ray backend is chosen: the default path needs nothing beyond core.
"""

from __future__ import annotations

import os
from typing import Literal, get_args

from core.backends.base import Backend, Job, Worker
from core.backends.local import LocalBackend

BackendName = Literal["local", "ray"]
BACKENDS: tuple[str, ...] = get_args(BackendName)
ENV = "BPL_BACKEND"


def backend_name(requested: str | None = None) -> BackendName:
    """The backend to use: `requested`, else $BPL_BACKEND, else "ray" when $RAY_ADDRESS names a
    cluster, else "local". ValueError names an unknown choice."""
    name = (requested or os.environ.get(ENV, "")).strip().lower()
    if not name:
        name = "ray" if os.environ.get("RAY_ADDRESS", "").strip() else "local"
    if name not in BACKENDS:
        source = "backend" if requested else ENV
        raise ValueError(f"{source} must be one of {', '.join(BACKENDS)}, got {name!r}")
    return name  # type: ignore[return-value]


def make_backend(requested: str | None = None) -> Backend:
    """A backend by name (see `backend_name`)."""
    if backend_name(requested) == "ray":
        from core.backends.ray_backend import RayBackend

        return RayBackend()
    return LocalBackend()


__all__ = ["BACKENDS", "Backend", "BackendName", "Job", "Worker", "backend_name", "make_backend"]
