"""Engine overhead: a bare hand-written PyTorch loop vs the instrumented engine, same work.

For each case both sides train the same model (same seed, data, batch size and number of steps).
The engine runs exactly as the app runs it: in a worker process started by the RunRegistry, with
every callback on (loss stream, epoch evaluation, gradient stats, histograms, activation probes,
sample predictions, control polling). Throughput = training samples / training wall time.

    python bench/overhead.py            # 9 rounds per model (target: ratio >= 0.90)
    python bench/overhead.py --rounds 1 --cases mlp_spiral

Measuring on a shared cloud VM: the same bare loop, in the same process, swings by +-20% from one
few-second run to the next (the host's load, not ours: CPU time equals wall time, and two copies
run side by side on the two cores do not swing together). So each model gets several rounds; a
round times one bare run and one engine run back to back, in alternating order so a trend in host
speed favours neither. The figures printed:

- ratio: the median of the rounds' engine/bare throughput ratios (the target), with their min-max
  to show the noise;
- best: the fastest engine run against the fastest bare run. Interference only ever slows code
  down, so the fastest of several runs is the least disturbed one (the `timeit` rule);
- share: three more engine runs, in this process, time every callback hook and validation pass;
  the median share of training time they took. A share hardly depends on the host's speed; one
  minus it is what the instrumentation leaves of the throughput (the loop's own extras, one
  `loss.item()` per step and a running metric every few steps, are not in it).
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from core.callbacks import standard_callbacks  # noqa: E402
from core.config import RunConfig  # noqa: E402
from core.data.base import DataConfig  # noqa: E402
from core.engine import prepare  # noqa: E402
from core.models import CNNConfig, MLPConfig, RNNConfig  # noqa: E402
from core.optim import OptimConfig, build_optimizer  # noqa: E402
from core.runs import RunRegistry  # noqa: E402
from core.trainer import HOOKS, Callback, TrainConfig, Trainer  # noqa: E402

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


def bare_loop(cfg: RunConfig, threads: int) -> float:
    """Samples/s of the plainest correct loop: shuffle, slice, forward, loss, backward, step."""
    torch.set_num_threads(threads)
    run = prepare(cfg)
    model, task = run.model, run.task
    opt = build_optimizer(model.parameters(), cfg.optim)
    x, y = run.data.x_train, run.data.y_train
    bs = min(cfg.train.batch_size, len(x))
    steps_per_epoch = len(x) // bs
    gen = torch.Generator().manual_seed(cfg.seed)
    model.train()
    start = time.perf_counter()
    for _ in range(cfg.train.epochs):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(steps_per_epoch):
            idx = perm[i * bs : (i + 1) * bs]
            loss = task.loss(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    elapsed = time.perf_counter() - start
    return steps_per_epoch * cfg.train.epochs * bs / elapsed


def engine_run(registry: RunRegistry, cfg: RunConfig) -> float:
    """Samples/s the engine itself reports for a full instrumented run in a worker process."""
    run_id = registry.start(cfg, owner="bench")
    view = registry.wait(run_id, timeout=1800)
    if view.status != "completed" or view.progress is None:
        raise RuntimeError(f"engine run ended {view.status}: {view.message}")
    return view.progress.samples_per_s


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


def instrumentation_share(cfg: RunConfig, threads: int, snapshot_dir: str) -> float:
    """Share of an in-process engine run's training time spent in callbacks and validation.

    Built like `core.engine.train_run`; events are pickled as the worker's pipe would pickle them.
    """
    torch.set_num_threads(threads)
    clock = HookClock()
    callbacks = standard_callbacks(pickle.dumps, None, snapshot_dir)
    for callback in callbacks:
        for hook in HOOKS:
            if getattr(type(callback), hook) is not getattr(Callback, hook):
                setattr(callback, hook, clock.wrap(getattr(callback, hook)))
    run = prepare(cfg)
    optimizer = build_optimizer(run.model.parameters(), cfg.optim)
    trainer = Trainer(
        run.model,
        run.task,
        run.data,
        optimizer,
        cfg.optim,
        cfg.train,
        run.device,
        callbacks,
        cfg.seed,
    )
    trainer.measure = clock.wrap(trainer.measure)  # type: ignore[method-assign]
    trainer.fit()
    return clock.spent / trainer.elapsed_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="bare/engine pairs per model")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        registry = RunRegistry(root)
        threads = registry.worker_threads  # the bare loop gets the same cores as a worker
        engine_run(registry, CASES["mlp_spiral"].with_changes(train=TrainConfig(epochs=1)))  # warm
        print(f"torch {torch.__version__}, {threads} threads, {args.rounds} rounds per model")
        print(
            f"{'case':14s} {'bare best/s':>12s} {'engine best/s':>14s} "
            f"{'ratio (min-max) of rounds':>26s} {'best':>6s} {'share':>6s}"
        )
        for name in args.cases:
            cfg = CASES[name]
            bare, engine = [], []
            for round_index in range(args.rounds):
                if round_index % 2 == 0:
                    bare.append(bare_loop(cfg, threads))
                    engine.append(engine_run(registry, cfg))
                else:
                    engine.append(engine_run(registry, cfg))
                    bare.append(bare_loop(cfg, threads))
            ratios = [e / b for e, b in zip(engine, bare)]
            share = statistics.median(
                instrumentation_share(cfg, threads, os.path.join(root, "share", name, str(i)))
                for i in range(3)
            )
            spread = f"{statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f})"
            print(
                f"{name:14s} {max(bare):12,.0f} {max(engine):14,.0f} {spread:>26s} "
                f"{max(engine) / max(bare):6.3f} {share:6.1%}",
                flush=True,
            )
        registry.shutdown()


if __name__ == "__main__":
    main()
