"""Local worker processes vs Ray tasks on this machine: a sweep's wall time and throughput, and how
long one run takes to start on each.

Both backends, each through a long-lived `RunRegistry` (as the app has one), warmed up first,
measured in alternating rounds:
- start latency: `registry.start(cfg)` -> the run reports `running`, and -> its first loss point,
  for `--repeats` runs per round, one after the other on an idle registry (median, and max);
- sweep: an 8-run sweep (`SweepRunner`, seeds 0-7 of one config) with `--slots` runs training at
  once: wall time from the first start to the last run's end, runs per minute, and training
  samples per second summed over the runs (median over the rounds).
Ray runs on a local instance started here (`ray.init(num_cpus=slots)`), or on `$RAY_ADDRESS`.

    python bench/backends.py
    python bench/backends.py --epochs 40 --repeats 10 --json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import RunConfig  # noqa: E402
from core.data.base import DataConfig  # noqa: E402
from core.models import MLPConfig  # noqa: E402
from core.optim import OptimConfig  # noqa: E402
from core.runs import RunRegistry  # noqa: E402
from core.scheduler import FairLimits  # noqa: E402
from core.sweeps import SweepAxis, SweepRunner, sweep_points  # noqa: E402
from core.trainer import TrainConfig  # noqa: E402

SWEEP_RUNS = 8


def bench_config(epochs: int) -> RunConfig:
    """A spiral MLP: about a second of training per run on one core."""
    return RunConfig(
        data=DataConfig(name="spiral", n_samples=2000),
        model=MLPConfig(hidden=(32, 32)),
        optim=OptimConfig(lr=3e-3),
        train=TrainConfig(epochs=epochs, batch_size=32),
    )


def start_latency(registry: RunRegistry, cfg: RunConfig) -> tuple[float, float]:
    """(seconds until the run reports running, seconds until its first loss point)."""
    t0 = time.perf_counter()
    run_id = registry.start(cfg, owner="bench")
    running = None
    while True:
        view = registry.snapshot(run_id)
        assert view is not None
        if running is None and view.status not in ("queued", "starting"):
            running = time.perf_counter() - t0
        if view.loss_steps:
            first = time.perf_counter() - t0
            break
        if not view.active:
            raise RuntimeError(f"run ended {view.status} before a loss point: {view.message}")
        time.sleep(0.001)
    registry.control(run_id, "stop")
    registry.wait(run_id, timeout=60)
    return running or first, first


def sweep(registry: RunRegistry, cfg: RunConfig) -> dict[str, float]:
    """Wall time, runs/min and summed samples/s of an 8-run sweep."""
    points = sweep_points(cfg, [SweepAxis("seed", tuple(str(i) for i in range(SWEEP_RUNS)))])
    t0 = time.perf_counter()
    runner = SweepRunner(registry, "bench", points, poll_s=0.01).start()
    runner.wait_submitted(timeout=600)
    views = [registry.wait(r, timeout=600) for r in runner.run_ids if r]
    wall = time.perf_counter() - t0
    bad = [v.status for v in views if v.status != "completed"]
    if bad or len(views) != SWEEP_RUNS:
        raise RuntimeError(f"sweep runs did not all complete: {bad}")
    samples = sum(v.progress.step * cfg.train.batch_size for v in views if v.progress)
    return {
        "wall_s": wall,
        "runs_per_min": SWEEP_RUNS / wall * 60,
        "samples_per_s": samples / wall,
        "run_train_s_median": statistics.median(v.progress.elapsed_s for v in views),
    }


def bench(args: argparse.Namespace, root: Path) -> dict[str, dict[str, float]]:
    """Both backends side by side, warmed up, measured in alternating rounds (so that whatever
    else this machine is doing weighs on both alike); medians over the rounds."""
    cfg = bench_config(args.epochs)
    limits = FairLimits(per_visitor_running=args.slots, per_visitor_queued=SWEEP_RUNS)
    registries, ready = {}, {}
    for name in ("local", "ray"):
        t0 = time.perf_counter()
        registries[name] = RunRegistry(
            root / name, max_concurrent=args.slots, limits=limits, backend=name
        )
        registries[name].wait_ready(timeout=300)
        start_latency(registries[name], cfg)  # one unmeasured run: first use is not latency
        ready[name] = time.perf_counter() - t0
    latencies: dict[str, list[tuple[float, float]]] = {name: [] for name in registries}
    sweeps: dict[str, list[dict[str, float]]] = {name: [] for name in registries}
    try:
        for _round in range(args.rounds):
            for name, registry in registries.items():
                latencies[name] += [start_latency(registry, cfg) for _ in range(args.repeats)]
                sweeps[name].append(sweep(registry, cfg))
    finally:
        for registry in registries.values():
            registry.shutdown()
    results = {}
    for name in registries:
        running = [t[0] for t in latencies[name]]
        first = [t[1] for t in latencies[name]]
        results[name] = {
            "ready_s": ready[name],
            "start_to_running_s_median": statistics.median(running),
            "start_to_running_s_max": max(running),
            "start_to_first_loss_s_median": statistics.median(first),
            "start_to_first_loss_s_max": max(first),
            **{k: statistics.median(s[k] for s in sweeps[name]) for k in sweeps[name][0]},
        }
    return results


def start_ray(slots: int) -> float:
    """Join $RAY_ADDRESS, else start a local Ray with `slots` CPUs; return the seconds it took."""
    import ray

    from core.backends.ray_backend import runtime_env

    t0 = time.perf_counter()
    if not ray.is_initialized():
        cluster = os.environ.get("RAY_ADDRESS", "").strip()  # ray.init reads it itself
        ray.init(
            num_cpus=None if cluster else slots,
            runtime_env=runtime_env(),
            log_to_driver=False,
            logging_level=logging.ERROR,
        )
    return time.perf_counter() - t0


ROWS = [
    ("ready s (warm + 1 run)", "ready_s", "{:.2f}"),
    ("start -> running s", "start_to_running_s", "{:.3f} ({:.3f})"),
    ("start -> 1st loss s", "start_to_first_loss_s", "{:.3f} ({:.3f})"),
    ("sweep wall s", "wall_s", "{:.2f}"),
    ("sweep runs/min", "runs_per_min", "{:.1f}"),
    ("sweep samples/s", "samples_per_s", "{:,.0f}"),
    ("run's training s", "run_train_s_median", "{:.2f}"),
]


def print_table(results: dict[str, dict[str, float]]) -> None:
    print(f"{'':22s} {'local':>16s} {'ray':>16s}")
    for label, key, fmt in ROWS:
        cells = []
        for r in results.values():
            if key + "_median" in r:
                cells.append(fmt.format(r[key + "_median"], r[key + "_max"]))
            else:
                cells.append(fmt.format(r[key]))
        print(f"{label:22s} {cells[0]:>16s} {cells[1]:>16s}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20, help="epochs of each run")
    parser.add_argument("--slots", type=int, default=2, help="runs training at once")
    parser.add_argument("--repeats", type=int, default=5, help="start latencies per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of both")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    ray_init = start_ray(args.slots)
    with tempfile.TemporaryDirectory() as root:
        results = bench(args, Path(root))
    if args.json:
        print(json.dumps({**results, "ray_init_s": ray_init}, indent=2))
        return
    print(f"{SWEEP_RUNS}-run sweep, {args.epochs} epochs of a spiral MLP per run, {args.slots} "
          f"slots, median of {args.rounds} rounds; start latency: median (max) of "
          f"{args.rounds * args.repeats} runs")  # fmt: skip
    print_table(results)
    print(f"ray.init here: {ray_init:.2f} s")


if __name__ == "__main__":
    main()
