"""Engine overhead: a bare hand-written PyTorch loop vs the instrumented engine, same work.

For each case both sides train the same model (same seed, data, batch size and steps per epoch).
The engine runs exactly as the app runs it: in a worker process started by the RunRegistry, with
every callback on (loss stream, epoch evaluation, gradient stats, histograms, activation probes,
sample predictions, timeline frames with weight snapshots, confusion matrix, control polling), and
this process relaying its events into a RunState and the run store. Throughput = training samples
per second of training wall time.

    python bench/overhead.py            # 5 rounds per model (target: ratio >= 0.90)
    python bench/overhead.py --rounds 1 --cases mlp_spiral

How it is measured, and why. On a shared cloud VM the same bare loop swings by +-20% from one
few-second run to the next (the host's doing: CPU time equals wall time, and two copies on the
two cores do not swing together), so timing the two loops one after the other measures the host
as much as the engine. Here a round runs them *at the same time on the same core* (Linux CPU
affinity): the engine's worker and a bare loop that repeats until told to stop are both pinned to
core 0, where the scheduler gives each half of the core in slices of a few milliseconds, so any
change in the host's speed hits both alike. This process, which relays the engine's events, stays
on core 1. The ratio is the engine's throughput over the bare loop's throughput during the middle
of the engine's run; both are about half their speed alone, and that cancels. (Elsewhere than
Linux there is no pinning and the figure is as noisy as the host.)

The last column hardly depends on the host either: three more engine runs, in this process, time
every callback hook and validation pass; it is the median share of training time they took. One
minus it is what the instrumentation leaves of the throughput (the loop's own extras, one
`loss.item()` per step and a running metric every few steps, are not in it).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from core.callbacks import standard_callbacks  # noqa: E402
from core.config import RunConfig  # noqa: E402
from core.data.base import DataConfig  # noqa: E402
from core.engine import build_trainer, prepare  # noqa: E402
from core.models import CNNConfig, MLPConfig, RNNConfig  # noqa: E402
from core.optim import OptimConfig, build_optimizer  # noqa: E402
from core.runs import RunRegistry  # noqa: E402
from core.trainer import HOOKS, Callback, TrainConfig  # noqa: E402
from core.worker import WORKER_NICENESS  # noqa: E402

CASES: dict[str, RunConfig] = {
    "mlp_spiral": RunConfig(
        data=DataConfig(name="spiral", n_samples=2000),
        model=MLPConfig(hidden=(16, 16)),
        optim=OptimConfig(name="adam", lr=3e-3),
        train=TrainConfig(epochs=100, batch_size=32),
    ),
    "cnn_digits": RunConfig(
        data=DataConfig(name="digits", n_samples=1797),
        model=CNNConfig(),
        optim=OptimConfig(name="adam", lr=1e-3),
        train=TrainConfig(epochs=40, batch_size=64),
    ),
    "lstm_reverse": RunConfig(
        data=DataConfig(name="reverse", n_samples=2000, seq_len=8),
        model=RNNConfig(cell="lstm", hidden_size=64),
        optim=OptimConfig(name="adam", lr=3e-3),
        train=TrainConfig(epochs=20, batch_size=64),
    ),
}


PAIR_CORE, RELAY_CORE = 0, 1


def pin(pid: int, core: int) -> None:
    """Run process `pid` on `core` only (Linux); elsewhere leave it to the scheduler."""
    if hasattr(os, "sched_setaffinity") and core < (os.cpu_count() or 1):
        os.sched_setaffinity(pid, {core})


def bare_until_stopped(case: str, conn: Connection, stop: Any) -> None:
    """Child process: the plainest correct loop (shuffle, slice, forward, loss, backward, step),
    on the pair core, repeating epochs until `stop` is set; sends (time, samples) marks back."""
    pin(0, PAIR_CORE)
    os.nice(WORKER_NICENESS)  # the same priority as the engine's worker, so they share the core
    torch.set_num_threads(1)
    cfg = CASES[case]
    run = prepare(cfg)
    model, task = run.model, run.task
    opt = build_optimizer(model.parameters(), cfg.optim)
    x, y = run.data.x_train, run.data.y_train
    bs = min(cfg.train.batch_size, len(x))
    steps_per_epoch = len(x) // bs
    gen = torch.Generator().manual_seed(cfg.seed)
    model.train()
    marks, samples = [(time.perf_counter(), 0)], 0
    conn.send("ready")
    while not stop.is_set():
        perm = torch.randperm(len(x), generator=gen)
        for i in range(steps_per_epoch):
            idx = perm[i * bs : (i + 1) * bs]
            loss = task.loss(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            samples += bs
            if i % 8 == 7:
                marks.append((time.perf_counter(), samples))
    conn.send(marks)


def rate_between(marks: list[tuple[float, int]], start: float, end: float) -> float:
    """Samples/s over the marks that fall inside [start, end]."""
    inside = [m for m in marks if start <= m[0] <= end]
    if len(inside) < 2:
        raise RuntimeError("the bare loop left too few marks inside the engine's run")
    (t0, s0), (t1, s1) = inside[0], inside[-1]
    return (s1 - s0) / (t1 - t0)


def paired_round(registry: RunRegistry, case: str) -> tuple[float, float]:
    """(engine, bare) samples/s with both sharing the pair core for the engine's whole run."""
    ctx = mp.get_context("forkserver")
    here, there = ctx.Pipe()
    stop = ctx.Event()
    bare = ctx.Process(target=bare_until_stopped, args=(case, there, stop), daemon=True)
    bare.start()
    here.recv()  # the bare loop is set up and about to train
    run_id = registry.start(CASES[case], owner="bench")
    pid = registry.worker_pid(run_id)
    if pid is not None:
        pin(pid, PAIR_CORE)
    view = registry.wait(run_id, timeout=1800)
    finished = time.perf_counter()
    stop.set()
    marks = here.recv()
    bare.join()
    if view.status != "completed" or view.progress is None:
        raise RuntimeError(f"engine run ended {view.status}: {view.message}")
    # The middle of the engine's training: its last moments (checkpoint, exit, our polling) and
    # its start-up are left out of the bare loop's window.
    elapsed = view.progress.elapsed_s
    bare_rate = rate_between(marks, finished - 0.9 * elapsed, finished - 0.15 * elapsed)
    return view.progress.samples_per_s, bare_rate


class HookClock:
    """Adds up the wall time spent inside wrapped functions, counting nested calls once."""

    def __init__(self) -> None:
        self.spent = 0.0
        self._depth = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.spent += time.perf_counter() - start

        return timed


def instrumentation_share(cfg: RunConfig, snapshot_dir: str) -> float:
    """Share of an in-process engine run's training time spent in callbacks and validation.

    Built by `core.engine.build_trainer`, as `train_run` builds it; events are pickled as the
    worker's pipe would pickle them.
    """
    torch.set_num_threads(1)
    clock = HookClock()
    callbacks = standard_callbacks(pickle.dumps, None, snapshot_dir)
    for callback in callbacks:
        for hook in HOOKS:
            if getattr(type(callback), hook) is not getattr(Callback, hook):
                setattr(callback, hook, clock.wrap(getattr(callback, hook)))
    trainer = build_trainer(cfg, callbacks)
    trainer.measure = clock.wrap(trainer.measure)  # type: ignore[method-assign]
    trainer.fit()
    return clock.spent / trainer.elapsed_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="paired runs per model")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        # One thread, like the bare loop: more OpenMP threads pinned to one core would spin-wait
        # for each other there.
        registry = RunRegistry(root, max_concurrent=1, worker_threads=1)
        pin(0, RELAY_CORE)
        warm = CASES["mlp_spiral"].with_changes(train=TrainConfig(epochs=1))
        registry.wait(registry.start(warm, owner="bench"), timeout=600)
        print(f"torch {torch.__version__}, 1 thread each, {args.rounds} rounds per model")
        print(
            f"{'case':14s} {'engine/s':>9s} {'bare/s':>9s} {'ratio (min-max) of rounds':>26s} "
            f"{'share':>6s}"
        )
        for name in args.cases:
            pairs = [paired_round(registry, name) for _ in range(args.rounds)]
            ratios = [engine / bare for engine, bare in pairs]
            share = statistics.median(
                instrumentation_share(CASES[name], os.path.join(root, "share", name, str(i)))
                for i in range(3)
            )
            spread = f"{statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f})"
            engine_rate = statistics.median(e for e, _ in pairs)
            bare_rate = statistics.median(b for _, b in pairs)
            print(
                f"{name:14s} {engine_rate:9,.0f} {bare_rate:9,.0f} {spread:>26s} {share:6.1%}",
                flush=True,
            )
        print("(engine/s and bare/s are medians while sharing one core: about half of alone)")
        registry.shutdown()


if __name__ == "__main__":
    main()
