"""The command line: headless training with JSON output, listing runs, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str, root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", "--root", str(root), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_train_prints_final_metrics_as_json_and_runs_lists_it(tmp_path: Path):
    result = cli(
        "train",
        "--dataset",
        "xor",
        "--model",
        "mlp",
        "--epochs",
        "3",
        "--n-samples",
        "200",
        "--set",
        "model.hidden=8,8",
        "--set",
        "data.features=x2,xy",
        "--json",
        root=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["status"] == "completed" and out["epochs"] == 3
    assert out["metric"] == "accuracy" and 0.0 <= out["val_metric"] <= 1.0
    assert out["samples_per_s"] > 0
    assert "epoch   3" in result.stderr  # per-epoch progress goes to stderr
    listed = cli("runs", "--json", root=tmp_path)
    runs = json.loads(listed.stdout)
    assert [r["run_id"] for r in runs] == [out["run_id"]]
    assert runs[0]["config"]["model"]["hidden"] == [8, 8]


def test_bad_input_exits_2_with_a_message(tmp_path: Path):
    result = cli("train", "--dataset", "spiral", "--lr", "-1", root=tmp_path)
    assert result.returncode == 2
    assert "lr" in result.stderr
    result = cli("train", "--dataset", "spiral", "--set", "model.nope=1", root=tmp_path)
    assert result.returncode == 2 and "model.nope" in result.stderr
