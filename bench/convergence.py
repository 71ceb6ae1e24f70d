"""Do the starter setups actually learn? Runs the headless CLI on each and checks its target.

    python bench/convergence.py              # all four, ~several minutes on 2 CPU cores
    python bench/convergence.py cnn_digits   # one of them

Targets: CNN on digits >= 97% validation accuracy within 20 epochs; MLP on the spiral >= 95%;
character LSTM on the shipped corpus: validation loss below the corpus's unigram entropy within
3 epochs; Transformer on the reverse task >= 95% token accuracy.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.data import load_dataset  # noqa: E402
from core.data.base import DataConfig  # noqa: E402

TEXT = ["--set", "data.seq_len=64", "--n-samples", "4000"]
CASES: dict[str, list[str]] = {
    "cnn_digits": [
        "--dataset",
        "digits",
        "--model",
        "cnn",
        "--epochs",
        "20",
        "--n-samples",
        "1797",
    ],
    "mlp_spiral": [
        "--dataset",
        "spiral",
        "--model",
        "mlp",
        "--epochs",
        "100",
        "--set",
        "model.hidden=32,32",
        "--lr",
        "0.01",
    ],
    "lstm_text": [
        "--dataset",
        "text",
        "--model",
        "rnn",
        "--epochs",
        "3",
        "--set",
        "model.cell=lstm",
        "--set",
        "model.hidden_size=128",
        *TEXT,
    ],
    "transformer_reverse": [
        "--dataset",
        "reverse",
        "--model",
        "transformer",
        "--epochs",
        "30",
        "--n-samples",
        "4000",
        "--lr",
        "0.001",
    ],
}


def unigram_entropy() -> float:
    bundle = load_dataset(DataConfig(name="text", seq_len=64, n_samples=4000), seed=0)
    return float(bundle.extras["unigram_entropy"])


def check(name: str, out: dict) -> tuple[bool, str]:
    if name == "lstm_text":
        target = unigram_entropy()
        return out["val_loss"] < target, f"val loss {out['val_loss']:.3f} < unigram {target:.3f}"
    best = out["best_val_metric"]
    return best >= 0.95 if name != "cnn_digits" else best >= 0.97, f"best val acc {best:.4f}"


def main() -> int:
    names = sys.argv[1:] or list(CASES)
    failures = 0
    with tempfile.TemporaryDirectory() as root:
        for name in names:
            cmd = [sys.executable, "-m", "core", "--root", root, "train", *CASES[name], "--json"]
            print("$", " ".join(cmd[1:]), flush=True)
            result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
            if result.returncode != 0:
                print(result.stderr[-2000:])
                failures += 1
                continue
            out = json.loads(result.stdout)
            ok, detail = check(name, out)
            failures += not ok
            print(
                f"{name:20s} {'PASS' if ok else 'FAIL'}  {detail}  ({out['epochs']} epochs, "
                f"{out['elapsed_s']:.1f} s, {out['samples_per_s']:,.0f} samples/s)",
                flush=True,
            )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
