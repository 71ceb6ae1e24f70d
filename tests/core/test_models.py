"""Models from config: every registered architecture on every representative dataset shape."""

from __future__ import annotations

import dataclasses
import typing

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.data import DataConfig, load_dataset
from core.data.base import DataSpec
from core.models import (
    MODELS,
    CNNConfig,
    MLPConfig,
    ModelConfig,
    RNNConfig,
    TransformerConfig,
    build_model,
    compatible_models,
    default_config,
)
from core.models.summary import estimate_memory_bytes, parameter_layers, summarize
from core.models.transformer import Block
from core.serialize import from_json, to_json

SPECS = {
    "spiral": DataSpec("spiral", "classification", "vector", (2,), 3, "boundary"),
    "curve": DataSpec("curve", "regression", "vector", (2,), 1, "curve"),
    "digits": DataSpec("digits", "classification", "image", (1, 8, 8), 10, "images"),
    "cifar": DataSpec("cifar", "classification", "image", (3, 32, 32), 10, "images"),
    "reverse": DataSpec("reverse", "tokens", "tokens", (6,), 10, "sequence", vocab_size=10),
    "text": DataSpec("text", "tokens", "tokens", (8,), 12, "text", vocab_size=12, causal=True),
    "parity": DataSpec("parity", "classification", "tokens", (6,), 2, "table", vocab_size=2),
    "sine": DataSpec("sine", "regression", "series", (12, 1), 4, "forecast"),
}

# Tiny versions of the known architectures keep the file fast; a new kind runs with its defaults.
TINY: dict[str, ModelConfig] = {
    "mlp": MLPConfig(hidden=(8, 8)),
    "cnn": CNNConfig(channels=(4, 8), head_hidden=8),
    "rnn": RNNConfig(hidden_size=8, embed_dim=4, num_layers=2),
    "transformer": TransformerConfig(d_model=8, n_heads=2, n_layers=1, d_ff=16),
}
VARIANTS: list[ModelConfig] = [
    MLPConfig(hidden=(), init="xavier"),
    MLPConfig(hidden=(8, 4, 4), activation="gelu", dropout=0.2, batch_norm=True, init="he"),
    CNNConfig(
        channels=(4, 4, 4), stride=2, pool="avg", batch_norm=True, dropout=0.1, head_hidden=0
    ),
    RNNConfig(cell="gru", hidden_size=6, embed_dim=3, bidirectional=True, init="xavier"),
    RNNConfig(cell="rnn", hidden_size=6, embed_dim=3, dropout=0.1, num_layers=2),
    TransformerConfig(d_model=8, n_heads=4, n_layers=2, d_ff=8, positional="sinusoidal"),
    TransformerConfig(d_model=6, n_heads=1, d_ff=8, positional="none", mode="decoder", dropout=0.1),
]
CONFIGS = [TINY.get(kind) or default_config(kind) for kind in MODELS] + VARIANTS
PAIRS = [(cfg, spec) for cfg in CONFIGS for spec in SPECS.values()]


def pair_id(pair: object) -> str:
    if isinstance(pair, DataSpec):
        return pair.name
    return f"{pair.kind}{CONFIGS.index(pair)}"


def fits(cfg: ModelConfig, spec: DataSpec) -> bool:
    try:
        cfg.check(spec)
    except ValueError:
        return False
    return True


def batch_for(spec: DataSpec, n: int = 4) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    if spec.input_kind == "tokens":
        return torch.randint(0, spec.vocab_size, (n, *spec.input_shape), generator=g)
    return torch.randn((n, *spec.input_shape), generator=g)


def output_shape(spec: DataSpec, n: int = 4) -> tuple[int, ...]:
    if spec.task == "tokens":
        return (n, spec.input_shape[0], spec.n_outputs)
    return (n, spec.n_outputs)


@pytest.mark.parametrize("cfg,spec", PAIRS, ids=pair_id)
def test_shape_and_gradients(cfg: ModelConfig, spec: DataSpec) -> None:
    if not fits(cfg, spec):
        with pytest.raises(ValueError, match=r"\w"):
            build_model(cfg, spec)
        return
    model = build_model(cfg, spec, seed=0)
    out = model(batch_for(spec))
    assert out.shape == output_shape(spec)
    (out - torch.randn_like(out)).square().mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, f"{name} gets no gradient"
        assert torch.isfinite(p.grad).all(), name


@pytest.mark.parametrize("cfg,spec", [p for p in PAIRS if fits(*p)], ids=pair_id)
def test_summary_and_seed(cfg: ModelConfig, spec: DataSpec) -> None:
    model = build_model(cfg, spec, seed=3)
    total = sum(p.numel() for p in model.parameters())
    summary = summarize(model, spec)
    assert model.training  # summarize restores the mode it found
    assert summary.total_params == summary.trainable_params == total
    assert sum(layer.n_params for layer in summary.layers) == total
    assert summary.layers[-1].output_shape == output_shape(spec)[1:]
    assert summary.activation_elements > 0
    small, big = estimate_memory_bytes(summary, 1), estimate_memory_bytes(summary, 64)
    assert 16 * total <= small < big
    owned = [p for _, m in parameter_layers(model) for p in m.parameters(recurse=False)]
    assert sum(p.numel() for p in owned) == total

    again = build_model(cfg, spec, seed=3).state_dict()
    for key, value in model.state_dict().items():
        assert torch.equal(value, again[key]), key
    other = build_model(cfg, spec, seed=4).state_dict()
    assert any(not torch.equal(v, other[k]) for k, v in model.state_dict().items())


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c.kind}{CONFIGS.index(c)}")
def test_config_round_trip(cfg: ModelConfig) -> None:
    back = from_json(ModelConfig, to_json(cfg))
    assert type(back) is type(cfg) and back == cfg
    assert from_json(type(cfg), to_json(cfg)) == cfg


@pytest.mark.parametrize("kind", list(MODELS))
def test_registry_fields_drive_widgets(kind: str) -> None:
    cls = MODELS[kind]
    assert cls.kind == kind and cls.title and default_config(kind) == cls()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        assert f.metadata.get("help"), f"{kind}.{f.name} needs a help line"
        if hints[f.name] in (int, float):
            assert {"min", "max"} <= set(f.metadata), f"{kind}.{f.name} needs min and max"


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        MODELS["mine"] = MLPConfig  # type: ignore[index]
    with pytest.raises(ValueError, match="unknown model kind"):
        default_config("nope")


def test_compatibility_table() -> None:
    table = {name: compatible_models(spec) for name, spec in SPECS.items()}
    assert table["spiral"] == table["curve"] == ["mlp"]
    assert table["digits"] == table["cifar"] == ["mlp", "cnn", "resnet18", "rnn", "transformer"]
    assert table["reverse"] == table["parity"] == table["sine"] == ["mlp", "rnn", "transformer"]
    assert table["text"] == ["rnn", "transformer"]


@pytest.mark.parametrize(
    "cfg,spec,words",
    [
        (MLPConfig(), SPECS["text"], "whole window"),
        (RNNConfig(bidirectional=True), SPECS["text"], "bidirectional"),
        (TransformerConfig(mode="encoder"), SPECS["text"], "encoder"),
        (CNNConfig(), SPECS["sine"], "series"),
        (TransformerConfig(), SPECS["spiral"], "vector"),
        (CNNConfig(channels=(4, 4, 4), kernel_size=7, padding=0), SPECS["digits"], "kernel_size=7"),
        (TransformerConfig(d_model=30, n_heads=4), SPECS["reverse"], "d_model=30.*n_heads=4"),
    ],
)
def test_refusals_explain(cfg: ModelConfig, spec: DataSpec, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        build_model(cfg, spec)


@pytest.mark.parametrize(
    "make,words",
    [
        (lambda: MLPConfig(hidden=(8, 0)), r"hidden.*0.*\[1, 1024\]"),
        (lambda: MLPConfig(dropout=-0.1), r"dropout.*-0.1"),
        (lambda: MLPConfig(activation="swish"), "swish"),
        (lambda: MLPConfig(hidden=[8]), "tuple"),
        (lambda: RNNConfig(hidden_size=0), "hidden_size"),
        (lambda: TransformerConfig(n_heads=2.5), "n_heads"),
        (lambda: CNNConfig(channels=()), "channels"),
    ],
)
def test_invalid_numbers(make: typing.Callable[[], ModelConfig], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        make()


@pytest.mark.parametrize("init", ["zeros", "constant"])
def test_symmetric_init_keeps_units_identical(init: str) -> None:
    spec = SPECS["spiral"]
    x, y = batch_for(spec, 32), torch.randint(0, 3, (32,))

    def first_layer_after_training(scheme: str) -> torch.Tensor:
        model = build_model(MLPConfig(hidden=(6, 6), init=scheme), spec, seed=0)
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        for _ in range(5):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        return next(m for m in model.modules() if isinstance(m, nn.Linear)).weight

    w = first_layer_after_training(init)
    assert torch.allclose(w, w[:1].expand_as(w))
    w = first_layer_after_training("default")
    assert not torch.allclose(w, w[:1].expand_as(w))


def _changed_at(model: nn.Module, spec: DataSpec, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = batch_for(spec)
    x2 = x.clone()
    x2[:, k] = (x2[:, k] + 1) % spec.vocab_size
    model.eval()
    with torch.no_grad():
        return model(x), model(x2)


@pytest.mark.parametrize("cfg", [TINY["transformer"], TINY["rnn"], VARIANTS[-1]], ids=str)
def test_next_token_models_do_not_look_ahead(cfg: ModelConfig) -> None:
    spec = SPECS["text"]
    model = build_model(cfg, spec, seed=0)
    for k in (3, spec.input_shape[0] - 1):
        before, after = _changed_at(model, spec, k)
        assert torch.allclose(before[:, :k], after[:, :k], atol=1e-6)
        assert not torch.allclose(before[:, k], after[:, k])


def test_encoder_does_look_ahead() -> None:
    spec = SPECS["reverse"]
    before, after = _changed_at(build_model(TINY["transformer"], spec, seed=0), spec, 5)
    assert not torch.allclose(before[:, 0], after[:, 0])


@pytest.mark.parametrize("positional", ["learned", "sinusoidal", "none"])
def test_transformer_summary_keeps_positions(positional: str) -> None:
    spec = SPECS["text"]
    cfg = dataclasses.replace(TINY["transformer"], positional=positional)
    summary = summarize(build_model(cfg, spec), spec)
    t, names = spec.input_shape[0], [layer.name for layer in summary.layers]
    assert "blocks.0.attn" in names and not any(n.endswith("out_proj") for n in names)
    assert all(layer.output_shape[0] == t for layer in summary.layers)  # (T, ...) everywhere


@pytest.mark.parametrize("spec", [SPECS["text"], SPECS["parity"]], ids=lambda s: s.name)
def test_blocks_record_attention_on_request(spec: DataSpec) -> None:
    cfg = TransformerConfig(d_model=8, n_heads=2, n_layers=2, d_ff=8)
    model = build_model(cfg, spec, seed=0)
    blocks = [m for m in model.modules() if isinstance(m, Block)]
    model(batch_for(spec))
    assert all(b.last_attention is None for b in blocks)
    for b in blocks:
        b.record_attention = True
    model(batch_for(spec))
    t = spec.input_shape[0]
    for b in blocks:
        weights = b.last_attention
        assert weights.shape == (4, 2, t, t)
        assert torch.allclose(weights.sum(-1), torch.ones(4, 2, t))
        future = weights.triu(1)
        assert (future == 0).all() if spec.causal else (future > 0).any()


def test_the_memory_estimate_counts_the_evaluation_batch() -> None:
    spec = load_dataset(DataConfig(name="digits", n_samples=200), 0).spec
    summary = summarize(build_model(CNNConfig(), spec), spec)
    train_only = estimate_memory_bytes(summary, 32)
    with_eval = estimate_memory_bytes(summary, 32, eval_batch=1024)
    assert with_eval - train_only == summary.activation_elements * 1024 * 4
