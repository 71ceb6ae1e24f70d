"""A run as code: the exported script (and notebook) trains exactly as the engine does."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from core.config import RunConfig
from core.data.base import DataConfig
from core.engine import train_run
from core.events import StepLosses
from core.export_code import export_notebook, export_script
from core.models import CNNConfig, MLPConfig, RNNConfig, TransformerConfig
from core.optim import OptimConfig
from core.trainer import TrainConfig

REPO = Path(__file__).resolve().parents[2]
STEPS = 6
CONFIGS = {
    "mlp": RunConfig(
        data=DataConfig(name="spiral", n_samples=300),
        model=MLPConfig(hidden=(16, 16), dropout=0.2),
        optim=OptimConfig(name="momentum", lr=0.05, schedule="cosine", l1=1e-4, grad_clip=1.0),
    ),
    "cnn": RunConfig(
        data=DataConfig(name="digits", n_samples=300),
        model=CNNConfig(channels=(4, 8)),
        optim=OptimConfig(name="adamw", lr=3e-3, weight_decay=0.01, schedule="step"),
    ),
    "lstm": RunConfig(
        data=DataConfig(name="text", n_samples=200, seq_len=16),
        model=RNNConfig(cell="lstm", hidden_size=16),
        optim=OptimConfig(name="rmsprop", lr=1e-3, schedule="warmup", warmup_steps=3),
    ),
    "transformer": RunConfig(
        data=DataConfig(name="reverse", n_samples=100, seq_len=5),
        model=TransformerConfig(d_model=16, n_heads=2, n_layers=2, d_ff=32, dropout=0.1),
        optim=OptimConfig(name="adam", lr=1e-3),
        seed=7,
    ),
}


def engine_losses(cfg: RunConfig) -> list[float]:
    events: list = []
    train_run(cfg, events.append)
    return [v for e in events if isinstance(e, StepLosses) for v in e.losses]


def script_losses(source: str, tmp_path: Path) -> list[float]:
    script = tmp_path / "train.py"
    script.write_text(source)
    run = f"import json, runpy; g = runpy.run_path({str(script)!r}); print(json.dumps(g['losses']))"
    out = subprocess.run(
        [sys.executable, "-c", run], cwd=REPO, capture_output=True, text=True, timeout=240
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kind", list(CONFIGS))
def test_the_exported_script_trains_like_the_engine(kind: str, tmp_path: Path) -> None:
    cfg = CONFIGS[kind]
    cfg = replace(cfg, train=replace(TrainConfig(), epochs=2, batch_size=16, max_steps=STEPS))
    expected = engine_losses(cfg)
    got = script_losses(export_script(cfg, f"{kind} run"), tmp_path)
    assert len(expected) == len(got) == STEPS
    assert got == pytest.approx(expected, abs=1e-5)


def test_the_notebook_holds_the_script_as_cells() -> None:
    cfg = CONFIGS["cnn"]
    nb = nbformat.reads(export_notebook(cfg, "digits CNN"), as_version=4)
    nbformat.validate(nb)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds[0] == "markdown" and kinds.count("code") >= 4
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "torch.optim.AdamW(" in code and "def lr_factor" in code
    compile(code, "notebook", "exec")  # the cells together are valid Python
