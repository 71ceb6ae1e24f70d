"""Race TensorFlow Playground's spiral: time from Start to 95% validation accuracy.

TFP's setup: inputs x, y, sin x, sin y; three hidden layers of 8 tanh units; SGD, learning rate
0.03, batch 10; 500 points without noise, half held out. TFP's page reaches 95% test accuracy in
about 2.6 s. This runs, side by side on one core, the same config
- through a `RunRegistry` (a worker process with full instrumentation, as the app starts it): wall
  time from `start()` to the run's view showing validation accuracy >= 95%, and its epochs/s;
- as a bare single-threaded PyTorch loop (same data, model and seed, validation every epoch).
Targets: registry <= 1.5 s to 95%, and its epochs/s >= 0.7x the bare loop's.

    python bench/race_tfp.py
    python bench/race_tfp.py --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import RunConfig  # noqa: E402
from core.data import load_dataset  # noqa: E402
from core.data.base import DataConfig  # noqa: E402
from core.models import MLPConfig, build_model  # noqa: E402
from core.optim import OptimConfig  # noqa: E402
from core.runs import RunRegistry  # noqa: E402
from core.trainer import TrainConfig  # noqa: E402

TARGET_ACCURACY = 0.95
TARGET_S = 1.5
TARGET_RATIO = 0.7
EPOCHS = 400

TFP_SPIRAL = RunConfig(
    data=DataConfig(
        name="spiral", n_samples=500, noise=0.0, val_fraction=0.5, features=("sinx", "siny")
    ),
    model=MLPConfig(hidden=(8, 8, 8), activation="tanh"),
    optim=OptimConfig(name="sgd", lr=0.03),
    train=TrainConfig(epochs=EPOCHS, batch_size=10),
)


def through_registry(registry: RunRegistry) -> tuple[float | None, float]:
    """(seconds from start() until the view shows >= 95% validation accuracy, epochs/s)."""
    t0 = time.perf_counter()
    run_id = registry.start(TFP_SPIRAL, owner="bench")
    reached = None
    while True:
        view = registry.snapshot(run_id)
        assert view is not None
        if reached is None and any(e.val_metric >= TARGET_ACCURACY for e in view.epochs):
            reached = time.perf_counter() - t0
        if not view.active:
            break
        time.sleep(0.005)
    assert view.status == "completed", (view.status, view.message)
    last = view.epochs[-1]
    return reached, last.epoch / last.elapsed_s


def bare_loop() -> tuple[float | None, float]:
    """(seconds from the start until validation accuracy >= 95%, epochs/s) of a plain loop."""
    t0 = time.perf_counter()
    cfg = TFP_SPIRAL
    data = load_dataset(cfg.data, cfg.seed)
    model = build_model(cfg.model, data.spec, seed=cfg.seed)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.optim.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(cfg.seed)
    bs, n = cfg.train.batch_size, data.n_train
    reached, train_s = None, 0.0
    for _ in range(EPOCHS):
        e0 = time.perf_counter()
        perm = torch.randperm(n, generator=g)
        for i in range(0, n, bs):
            idx = perm[i : i + bs]
            loss = loss_fn(model(data.x_train[idx]), data.y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        train_s += time.perf_counter() - e0
        if reached is None:
            with torch.no_grad():
                acc = (model(data.x_val).argmax(1) == data.y_val).float().mean().item()
            if acc >= TARGET_ACCURACY:
                reached = time.perf_counter() - t0
    return reached, EPOCHS / train_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating registry/bare pairs")
    args = parser.parse_args()
    torch.set_num_threads(1)
    reg_times, reg_speeds, bare_times, bare_speeds = [], [], [], []
    with tempfile.TemporaryDirectory() as root:
        registry = RunRegistry(root, max_concurrent=1)
        registry.wait_ready(timeout=60)
        try:
            for r in range(args.rounds):
                t, s = through_registry(registry)
                bt, bs = bare_loop()
                print(
                    f"round {r + 1}: registry {t if t is None else round(t, 3)} s to 95%, "
                    f"{s:.0f} epochs/s | bare loop {bt if bt is None else round(bt, 3)} s, "
                    f"{bs:.0f} epochs/s"
                )
                reg_speeds.append(s)
                bare_speeds.append(bs)
                reg_times.append(t if t is not None else float("inf"))
                bare_times.append(bt if bt is not None else float("inf"))
        finally:
            registry.shutdown()
    t, s = statistics.median(reg_times), statistics.median(reg_speeds)
    bt, bs = statistics.median(bare_times), statistics.median(bare_speeds)
    ratio = s / bs
    print(f"median: registry {t:.3f} s to 95% (target <= {TARGET_S} s), bare loop {bt:.3f} s")
    print(
        f"median: {s:.0f} vs {bs:.0f} epochs/s: {ratio:.2f}x of the bare loop (>= {TARGET_RATIO})"
    )
    ok = t <= TARGET_S and ratio >= TARGET_RATIO
    print("targets met" if ok else "targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
