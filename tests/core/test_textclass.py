"""Text classification (the seeds' LSTM sentiment example) and fine-tuning character models."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import RunConfig
from core.data import load_dataset
from core.data.base import DataConfig
from core.finetune import FinetuneConfig
from core.models import RNNConfig
from core.optim import OptimConfig
from core.predict import load_trained, predict
from core.presets import TEXT_FINETUNE_EXAMPLE
from core.runs import RunRegistry
from core.serve import example_input
from core.trainer import TrainConfig

LSTM = RNNConfig(cell="lstm", hidden_size=48)
ADAM = OptimConfig(name="adam", lr=3e-3, grad_clip=1.0)


def test_the_shipped_reviews_and_an_uploaded_csv_load(tmp_path: Path) -> None:
    shipped = load_dataset(DataConfig(name="text_classes", seq_len=32), 0)
    assert shipped.spec.class_names == ("negative", "positive")
    assert shipped.n_train + shipped.n_val == 400
    assert shipped.x_train.shape[1] == 32 and shipped.spec.task == "classification"
    rows = ["id,topic,sentence"] + [
        f"{i},{'sport' if i % 2 else 'food'},{'the match was won' if i % 2 else 'soup is hot'}"
        for i in range(30)
    ]
    (tmp_path / "mine.csv").write_text("\n".join(rows) + "\n")
    data = DataConfig(name="text_classes", path=str(tmp_path / "mine.csv"), target="topic")
    mine = load_dataset(data, 0)
    assert mine.spec.class_names == ("food", "sport")
    assert set(mine.spec.vocab) >= set("the match")


@pytest.mark.parametrize(
    ("rows", "fields", "reason"),
    [
        (["a,b"] + [f"{i},{i % 2}" for i in range(20)], {}, "no text column"),
        (["text,label"] + ["hello,x"] * 20, {}, "has 1 different values"),
        (["text,label"] + ["hello,x", "bye,y"] * 10, {"target": "kind"}, "not found"),
    ],
)
def test_a_bad_csv_gets_a_message(tmp_path: Path, rows, fields, reason: str) -> None:
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=reason):
        load_dataset(DataConfig(name="text_classes", path=str(tmp_path / "t.csv"), **fields), 0)


@pytest.fixture(scope="module")
def language_model(tmp_path_factory: pytest.TempPathFactory):
    """A character LSTM pre-trained on the shipped corpus, in the shared ASCII alphabet."""
    reg = RunRegistry(tmp_path_factory.mktemp("store"), max_concurrent=2)
    cfg = RunConfig(
        data=DataConfig(name="text", n_samples=1500, seq_len=48, vocabulary="ascii"),
        model=LSTM,
        optim=ADAM,
        train=TrainConfig(epochs=3, batch_size=64),
    )
    run_id = reg.start(cfg, owner="t")
    assert reg.wait(run_id, timeout=300).status == "completed"
    yield reg, run_id
    reg.shutdown()


def test_a_character_model_is_fine_tuned_into_a_sentiment_classifier(language_model) -> None:
    reg, lm = language_model
    cfg = RunConfig(
        data=DataConfig(name="text_classes", seq_len=48, vocabulary="ascii"),
        model=LSTM,
        optim=ADAM,
        train=TrainConfig(epochs=10, batch_size=16),
        finetune=FinetuneConfig(init_from=f"run:{lm}", new_head=True),
    )
    view = reg.wait(reg.start(cfg, owner="t"), timeout=300)
    assert view.status == "completed", view.message
    assert max(e.val_metric for e in view.epochs if e.val_metric == e.val_metric) > 0.8
    trained = load_trained(reg.store, view.run_id)
    assert trained.input_kind == "text"
    out = predict(trained, {"text": "What a wonderful and charming film."})
    assert set(out["probabilities"]) == {"negative", "positive"}
    assert predict(trained, example_input(trained))["prediction"] in ("negative", "positive")
    with pytest.raises(ValueError, match="non-empty"):
        predict(trained, {"text": "   "})


def test_the_text_worked_example_shows_pre_training_helping(tmp_path: Path) -> None:
    """Home's text example: fine-tuned on a short text, the corpus-trained model predicts that
    text's held-out part better than the same model trained on the short text from scratch."""
    example = TEXT_FINETUNE_EXAMPLE
    reg = RunRegistry(tmp_path / "store", max_concurrent=2)
    try:
        pre = reg.start(example.pretrain, owner="t")
        assert reg.wait(pre, timeout=300).status == "completed"
        losses = {}
        for name, cfg in zip(("fine-tuned", "scratch"), example.pair(pre), strict=True):
            view = reg.wait(reg.start(cfg, owner="t"), timeout=300)
            assert view.status == "completed", view.message
            losses[name] = view.epochs[-1].val_loss
        assert losses["fine-tuned"] < losses["scratch"] - 0.2, losses
    finally:
        reg.shutdown()
