"""Timeline frames (feature maps, attention, hidden states, weight snapshots) and confusion matrices."""

from __future__ import annotations

from pathlib import Path

import torch

from core.config import RunConfig
from core.data.base import DataConfig
from core.engine import prepare, train_run
from core.events import Confusion, Insight
from core.models import CNNConfig, RNNConfig, TransformerConfig
from core.probes import probe_all
from core.trainer import TrainConfig


def events_of(cfg: RunConfig, tmp_path: Path | None = None) -> list:
    events: list = []
    ckpt = str(tmp_path / "final.pt") if tmp_path else None
    train_run(cfg, events.append, checkpoint_path=ckpt)
    return events


def test_cnn_frames_have_feature_maps_filters_and_saved_weights(tmp_path: Path):
    cfg = RunConfig(
        data=DataConfig(name="digits", n_samples=200),
        model=CNNConfig(channels=(4, 8)),
        train=TrainConfig(epochs=2),
    )
    frames = [e for e in events_of(cfg, tmp_path) if isinstance(e, Insight)]
    assert len(frames) >= 2 and frames[0].step == 0
    fm = frames[-1].feature_maps
    assert len(fm["layers"]) == 2 and fm["channels"] == [4, 8]
    maps = torch.tensor(fm["maps"][0])  # (inputs, channels, H, W)
    assert maps.shape[:2] == (4, 4) and 0 <= maps.min() and maps.max() <= 255
    assert torch.tensor(fm["filters"]).shape == (4, 1, 3, 3)
    assert frames[-1].samples["pred"]  # the sample predictions at that moment
    saved = torch.load(frames[-1].snapshot, weights_only=True)
    model = prepare(cfg).model
    model.load_state_dict(saved)
    assert not frames[-1].attention and not frames[-1].recurrent


def test_transformer_attention_rows_sum_to_one():
    cfg = RunConfig(
        data=DataConfig(name="reverse", n_samples=64, seq_len=4),
        model=TransformerConfig(d_model=16, n_heads=2, n_layers=2, d_ff=32),
        train=TrainConfig(epochs=1),
    )
    run = prepare(cfg)
    out = probe_all(run.model, run.data.x_val[:3])["attention"]
    maps = torch.tensor(out["maps"])  # (layers, B, heads, T, T)
    assert maps.shape == (2, 3, 2, 9, 9)
    assert torch.allclose(maps.sum(-1), torch.ones(2, 3, 2, 9), atol=1e-2)


def test_lstm_gates_reproduce_the_hidden_state():
    cfg = RunConfig(
        data=DataConfig(name="parity", n_samples=64, seq_len=5),
        model=RNNConfig(cell="lstm", hidden_size=6),
        train=TrainConfig(epochs=1),
    )
    run = prepare(cfg)
    rec = probe_all(run.model, run.data.x_val[:2])["recurrent"]
    hidden = torch.tensor(rec["hidden"])  # (B, T, units)
    gates = torch.tensor(rec["gates"])  # (B, T, 4, units)
    assert hidden.shape == (2, 5, 6) and gates.shape == (2, 5, 4, 6)
    c = torch.zeros(2, 6)
    for t in range(5):  # rebuild h_t from the recorded gates: h = o * tanh(f*c + i*g)
        i, f, g, o = gates[:, t].unbind(1)
        c = f * c + i * g
        assert torch.allclose(o * c.tanh(), hidden[:, t], atol=2e-3)
    assert 0 <= gates[:, :, [0, 1, 3]].min() and gates[:, :, [0, 1, 3]].max() <= 1


def test_confusion_matrix_counts_every_validation_example():
    cfg = RunConfig(
        data=DataConfig(name="digits", n_samples=300),
        model=CNNConfig(channels=(4,)),
        train=TrainConfig(epochs=1),
    )
    events = events_of(cfg)
    conf = [e for e in events if isinstance(e, Confusion)][-1]
    matrix = torch.tensor(conf.matrix)
    assert matrix.shape == (10, 10) and int(matrix.sum()) == 60
    assert conf.class_names[:3] == ("0", "1", "2")
    wrong = int(matrix.sum() - matrix.trace())
    assert len(conf.wrong_index) == min(8, wrong)
    assert all(t != p for t, p in zip(conf.wrong_true, conf.wrong_pred))
    assert list(conf.wrong_confidence) == sorted(conf.wrong_confidence, reverse=True)
    if conf.wrong_index:
        assert torch.tensor(conf.wrong_pixels).shape[1:] == (8, 8, 1)


def test_a_big_transformer_records_a_bounded_attention_frame():
    """16 heads x 256 tokens would be 4 x 16 x 256 x 256 weights per layer; a frame stays within
    the cell budget (it travels to the server, and up to 64 frames stay in memory)."""
    from core import probes

    cfg = RunConfig(
        data=DataConfig(name="reverse", n_samples=40, seq_len=127),
        model=TransformerConfig(d_model=32, n_heads=16, n_layers=3, d_ff=32),
        train=TrainConfig(epochs=1),
    )
    run = prepare(cfg)
    x = run.data.x_val[:4]
    assert x.shape[1] > probes.MAX_TOKENS
    maps = torch.tensor(probe_all(run.model, x)["attention"]["maps"])  # (layers, B, heads, T, T)
    assert maps.shape[:3] == (3, 4, probes.MAX_ATTENTION_HEADS)
    assert maps.numel() <= probes.MAX_ATTENTION_CELLS
    assert maps.shape[-1] >= 16  # still a readable map


def test_recurrent_state_is_recorded_for_the_first_positions_only():
    from core import probes

    cfg = RunConfig(
        data=DataConfig(name="parity", n_samples=40, seq_len=200),
        model=RNNConfig(cell="lstm", hidden_size=40),
        train=TrainConfig(epochs=1),
    )
    run = prepare(cfg)
    rec = probe_all(run.model, run.data.x_val[:2])["recurrent"]
    assert torch.tensor(rec["hidden"]).shape == (2, probes.MAX_TOKENS, probes.MAX_UNITS)
    assert torch.tensor(rec["gates"]).shape == (2, probes.MAX_TOKENS, 4, probes.MAX_UNITS)
