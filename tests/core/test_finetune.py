"""Pre-train, then fine-tune: a run starts from another run's weights (some layers frozen, a new
head), and with few examples it beats the same model trained from scratch."""

from __future__ import annotations

import statistics
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from core.config import RunConfig
from core.data.base import DataConfig
from core.data.files import FilePolicy
from core.engine import prepare
from core.finetune import FinetuneConfig
from core.models import CNNConfig
from core.optim import OptimConfig
from core.presets import FINETUNE_EXAMPLE
from core.runs import RunRegistry
from core.trainer import TrainConfig


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory: pytest.TempPathFactory):
    """The worked example's pre-training: a CNN on the digits 0-4."""
    reg = RunRegistry(tmp_path_factory.mktemp("store"), max_concurrent=2)
    run_id = reg.start(FINETUNE_EXAMPLE.pretrain, owner="teacher")
    assert reg.wait(run_id, timeout=300).status == "completed"
    yield reg, run_id
    reg.shutdown()


def test_fine_tuning_beats_training_from_scratch_on_few_examples(pretrained) -> None:
    reg, run_id = pretrained
    scores: dict[str, list[float]] = {"fine-tuned": [], "from scratch": []}
    for seed in range(3):
        finetuned, scratch = FINETUNE_EXAMPLE.pair(run_id, seed)
        for name, cfg in (("fine-tuned", finetuned), ("from scratch", scratch)):
            view = reg.wait(reg.start(cfg, owner="teacher"), timeout=300)
            assert view.status == "completed", view.message
            scores[name].append(view.epochs[-1].val_metric)
    means = {k: statistics.mean(v) for k, v in scores.items()}
    assert means["fine-tuned"] > means["from scratch"] + 0.05, scores


def test_frozen_layers_keep_their_pretrained_weights(pretrained) -> None:
    reg, run_id = pretrained
    finetuned, _ = FINETUNE_EXAMPLE.pair(run_id, 0)
    cfg = replace(finetuned, finetune=replace(finetuned.finetune, freeze=("features",)))
    new_id = reg.start(cfg, owner="teacher")
    assert reg.wait(new_id, timeout=300).status == "completed"
    before = torch.load(reg.store.checkpoint_path(run_id), weights_only=True)
    after = torch.load(reg.store.checkpoint_path(new_id), weights_only=True)
    features = [k for k in before if k.startswith("features.")]
    assert features and all(torch.equal(before[k], after[k]) for k in features)
    assert not torch.equal(before["classifier.1.weight"], after["classifier.1.weight"])


def test_mismatches_are_explained(pretrained) -> None:
    reg, run_id = pretrained
    finetuned, _ = FINETUNE_EXAMPLE.pair(run_id, 0)
    cases = {
        "different architecture": replace(finetuned, model=CNNConfig(channels=(4,))),
        "tick 'new head'": replace(
            finetuned,
            data=replace(finetuned.data, classes=(5, 6, 7)),
            finetune=replace(finetuned.finetune, new_head=False),
        ),
        "no layer 'body'": replace(
            finetuned, finetune=replace(finetuned.finetune, freeze=("body",))
        ),
        "no saved weights": replace(finetuned, finetune=FinetuneConfig(init_from="run:nope")),
    }
    for reason, cfg in cases.items():
        with pytest.raises(ValueError, match=reason):
            reg.start(cfg, owner="teacher")


def test_a_visitor_starts_only_from_runs_they_may_see(tmp_path: Path) -> None:
    files = FilePolicy(tmp_path / "uploads", tmp_path / "datasets")
    reg = RunRegistry(tmp_path / "store", max_concurrent=1, files=files)
    try:
        tiny = RunConfig(
            data=DataConfig(name="digits", n_samples=100),
            model=CNNConfig(channels=(4,)),
            train=TrainConfig(epochs=1),
        )
        private = reg.start(tiny, owner="alice")
        reg.wait(private, timeout=120)
        start_from = replace(tiny, finetune=FinetuneConfig(init_from=f"run:{private}"))
        with pytest.raises(ValueError, match="not yours or shared"):
            reg.start(start_from, owner="mallory")
        path = str(reg.store.checkpoint_path(private))
        with pytest.raises(ValueError, match="not a file"):
            reg.start(replace(tiny, finetune=FinetuneConfig(init_from=path)), owner="mallory")
        mine = reg.start(start_from, owner="alice")
        assert reg.wait(mine, timeout=120).status == "completed"
        assert reg.list("alice")[0].config.finetune.source_run == private  # lineage is stored
    finally:
        reg.shutdown()


def test_the_cli_may_start_from_a_weights_file(tmp_path: Path) -> None:
    cfg = RunConfig(
        data=DataConfig(name="digits", n_samples=100),
        model=CNNConfig(channels=(4,)),
        optim=OptimConfig(lr=1e-3),
    )
    model = prepare(cfg).model
    torch.save(model.state_dict(), tmp_path / "w.pt")
    loaded = prepare(
        replace(cfg, seed=5, finetune=FinetuneConfig(init_from=str(tmp_path / "w.pt")))
    )
    assert all(
        torch.equal(a, b)
        for a, b in zip(model.state_dict().values(), loaded.model.state_dict().values())
    )
