"""Engine overhead: a bare hand-written PyTorch loop vs the instrumented engine, same work.

For each case both sides train the same model (same seed, data, batch size and number of steps).
The engine runs exactly as the app runs it: in a worker process started by the RunRegistry, with
every callback on (loss stream, epoch evaluation, gradient stats, histograms, activation probes,
sample predictions, control polling). Throughput = training samples / training wall time.

    python bench/overhead.py            # 3 repeats, median ratio per model (target >= 0.90)
    python bench/overhead.py --repeats 1 --cases mlp_spiral
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from core.config import RunConfig  # noqa: E402
from core.data.base import DataConfig  # noqa: E402
from core.engine import prepare  # noqa: E402
from core.models import CNNConfig, MLPConfig, RNNConfig  # noqa: E402
from core.optim import OptimConfig, build_optimizer  # noqa: E402
from core.runs import RunRegistry  # noqa: E402
from core.trainer import TrainConfig  # noqa: E402

CASES: dict[str, RunConfig] = {
    "mlp_spiral": RunConfig(
        data=DataConfig(name="spiral", n_samples=2000),
        model=MLPConfig(hidden=(16, 16)),
        optim=OptimConfig(name="adam", lr=3e-3),
        train=TrainConfig(epochs=200, batch_size=32),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        registry = RunRegistry(root)
        threads = registry.worker_threads  # the bare loop gets the same cores as a worker
        engine_run(registry, CASES["mlp_spiral"].with_changes(train=TrainConfig(epochs=1)))  # warm
        print(f"torch {torch.__version__}, {threads} threads, {args.repeats} repeats (median)")
        print(f"{'case':14s} {'bare samples/s':>15s} {'engine samples/s':>17s} {'ratio':>7s}")
        for name in args.cases:
            cfg = CASES[name]
            bare, engine = [], []
            for _ in range(args.repeats):  # interleaved so drifts in machine load hit both
                bare.append(bare_loop(cfg, threads))
                engine.append(engine_run(registry, cfg))
            b, e = statistics.median(bare), statistics.median(engine)
            print(f"{name:14s} {b:15,.0f} {e:17,.0f} {e / b:7.3f}", flush=True)
        registry.shutdown()


if __name__ == "__main__":
    main()
