"""How many torch threads a training process gets: one policy for the app, the CLI and benches.

Measured on this project's 2-core machines: with anything else running, two OpenMP threads on a
tiny model were 13-23x slower than one (the threads wait for each other while the other work holds
a core), and the shipped LSTM starter ran at 29 steps/s on one thread vs 9 on two. So a run gets
one thread unless one of its steps is big enough to split, and never more than its share of cores.
OpenMP is also told to sleep, not spin, while it waits (`OMP_WAIT_POLICY`, set in `core/__init__`).
"""

from __future__ import annotations

import os

# Multiply-adds per training step from which a second thread pays for its synchronisation
# (the text starter's LSTM, ~2e9 per step, still ran faster on one thread on a busy machine).
PARALLEL_WORK = 1e10
ENV = "BPL_WORKER_THREADS"


def threads_for(work_per_step: float, concurrent: int = 1, cores: int | None = None) -> int:
    """Torch threads for a run doing `work_per_step` multiply-adds per step, beside
    `concurrent - 1` others on `cores` cores. `$BPL_WORKER_THREADS` overrides the choice."""
    forced = os.environ.get(ENV, "").strip()
    if forced:
        if not forced.isdigit() or int(forced) < 1:
            raise ValueError(f"{ENV} must be a whole number >= 1, got {forced!r}")
        return int(forced)
    if work_per_step < PARALLEL_WORK:
        return 1
    share = max(1, (cores or os.cpu_count() or 1) // max(1, concurrent))
    return max(1, min(share, int(work_per_step // PARALLEL_WORK) + 1))
