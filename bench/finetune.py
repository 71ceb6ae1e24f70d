"""The worked fine-tuning example, measured: fine-tuned vs from scratch on the same few examples.

Pre-trains `core.presets.FINETUNE_EXAMPLE` once (a CNN on the digits 0-4), then for each seed
trains the pair (a new head on the pre-trained layers / the same CNN from random weights) on 20
examples of the digits 5-9, and prints each run's final validation accuracy and the means.

    python bench/finetune.py --seeds 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.presets import FINETUNE_EXAMPLE  # noqa: E402
from core.runs import RunRegistry  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        reg = RunRegistry(root, max_concurrent=2)
        try:
            pre = reg.wait(reg.start(FINETUNE_EXAMPLE.pretrain, owner="bench"), timeout=600)
            print(f"pre-trained on 0-4: validation accuracy {pre.epochs[-1].val_metric:.3f}")
            scores: dict[str, list[float]] = {"fine-tuned": [], "from scratch": []}
            for seed in range(args.seeds):
                for name, cfg in zip(scores, FINETUNE_EXAMPLE.pair(pre.run_id, seed), strict=True):
                    view = reg.wait(reg.start(cfg, owner="bench"), timeout=600)
                    scores[name].append(view.epochs[-1].val_metric)
                    print(f"seed {seed} {name:12s} {scores[name][-1]:.3f}")
            for name, values in scores.items():
                print(f"{name:12s} mean {statistics.mean(values):.3f} over {len(values)} seeds")
        finally:
            reg.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
