"""Algorithmic sequence tasks (copy, reverse, sort, parity) and a sine-wave forecasting task.

Copy/reverse/sort use a delimiter format that both left-to-right RNNs and Transformers can solve:
    x = [s_1 .. s_T, SEP, BLANK * T]        (B, 2T+1) token ids
    y = [-100 * (T+1), answer_1 .. answer_T] (B, 2T+1), -100 = position not scored
Symbols have ids 0..n_symbols-1, SEP = n_symbols, BLANK = n_symbols + 1; n_outputs = vocab_size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import torch

from core.data.base import DataBundle, DataConfig, DatasetEntry, DataSpec, split
from core.i18n import N_

SYMBOLS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ#@"  # 64 printable ids
SEP, BLANK = "|", "_"
IGNORE = -100  # targets at this value are not scored (torch's cross_entropy default)

ANSWERS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "copy": lambda s: s,
    "reverse": lambda s: s.flip(dims=[1]),
    "sort": lambda s: s.sort(dim=1).values,
}


def load_seq2seq(name: str, cfg: DataConfig, seed: int) -> DataBundle:
    """Random symbol strings and their copy / reversal / sorted order in delimiter format."""
    g = torch.Generator().manual_seed(seed)
    n, t, k = cfg.n_samples, cfg.seq_len, cfg.n_symbols
    source = torch.randint(0, k, (n, t), generator=g)  # (B, T)
    x = torch.cat([source, torch.full((n, 1), k), torch.full((n, t), k + 1)], dim=1)  # (B, 2T+1)
    y = torch.cat([torch.full((n, t + 1), IGNORE), ANSWERS[name](source)], dim=1)  # (B, 2T+1)
    spec = DataSpec(
        name=name,
        task="tokens",
        input_kind="tokens",
        input_shape=(2 * t + 1,),
        n_outputs=k + 2,
        sample_kind="sequence",
        vocab_size=k + 2,
        vocab=tuple(SYMBOLS[:k]) + (SEP, BLANK),
        causal=False,
    )
    extras = {"sep_id": k, "blank_id": k + 1, "answer_start": t + 1}
    return DataBundle(spec, *split(x, y, cfg.val_fraction, g), extras)


def load_parity(cfg: DataConfig, seed: int) -> DataBundle:
    """Random bit strings (B, T); the class is 1 when the number of ones is odd."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 2, (cfg.n_samples, cfg.seq_len), generator=g)  # (B, T)
    y = x.sum(dim=1) % 2  # (B,)
    spec = DataSpec(
        name="parity",
        task="classification",
        input_kind="tokens",
        input_shape=(cfg.seq_len,),
        n_outputs=2,
        sample_kind="sequence",
        vocab_size=2,
        vocab=("0", "1"),
        class_names=("even", "odd"),
    )
    return DataBundle(spec, *split(x, y, cfg.val_fraction, g))


def load_sine_forecast(cfg: DataConfig, seed: int) -> DataBundle:
    """Noisy sine waves (B, T, 1) of random speed and phase; y: the next `horizon` clean values."""
    g = torch.Generator().manual_seed(seed)
    n, t, h = cfg.n_samples, cfg.seq_len, cfg.horizon
    omega = 0.15 + 0.45 * torch.rand(n, 1, generator=g)  # radians per step: periods of 10-40 steps
    phase = 2 * math.pi * torch.rand(n, 1, generator=g)
    amplitude = 0.5 + torch.rand(n, 1, generator=g)
    steps = torch.arange(t + h, dtype=torch.float32)
    wave = amplitude * torch.sin(omega * steps + phase)  # (B, T+H)
    x = (wave[:, :t] + cfg.noise * torch.randn(n, t, generator=g))[:, :, None]  # (B, T, 1)
    y = wave[:, t:]  # (B, H)
    spec = DataSpec(
        name="sine_forecast",
        task="regression",
        input_kind="series",
        input_shape=(t, 1),
        n_outputs=h,
        sample_kind="forecast",
    )
    return DataBundle(spec, *split(x, y, cfg.val_fraction, g))


SEQ_PARAMS = ("n_samples", "seq_len", "n_symbols", "val_fraction")

ENTRIES = (
    DatasetEntry(
        "copy",
        N_("Copy"),
        N_(
            "Read a string of symbols, then write it out again after the | marker. "
            "Easy for attention; a recurrent network must squeeze the whole string into its memory, "
            "which gets hard as sequences grow."
        ),
        partial(load_seq2seq, "copy"),
        SEQ_PARAMS,
        "sequence",
    ),
    DatasetEntry(
        "reverse",
        N_("Reverse"),
        N_(
            "Read a string of symbols, then write it backwards after the | marker. "
            "The first symbol to write is the last one read, so a recurrent network's memory helps, "
            "while the first ones read are the hardest to recall."
        ),
        partial(load_seq2seq, "reverse"),
        SEQ_PARAMS,
        "sequence",
    ),
    DatasetEntry(
        "sort",
        N_("Sort"),
        N_(
            "Read a string of symbols, then write them in sorted order after the | marker. "
            "The model has to count how often each symbol appeared, which needs more than memorizing."
        ),
        partial(load_seq2seq, "sort"),
        SEQ_PARAMS,
        "sequence",
    ),
    DatasetEntry(
        "parity",
        N_("Parity"),
        N_(
            "Given a string of bits, say whether the number of ones is odd. "
            "Every bit matters and flipping any one flips the answer, so there are no partial clues: "
            "famously hard for gradient descent on long strings."
        ),
        load_parity,
        ("n_samples", "seq_len", "val_fraction"),
        "sequence",
    ),
    DatasetEntry(
        "sine_forecast",
        N_("Sine forecasting"),
        N_(
            "See a noisy stretch of a sine wave and predict the next few values. "
            "Each wave has its own speed and phase, so the model must read them from the input; "
            "a longer horizon is harder."
        ),
        load_sine_forecast,
        ("n_samples", "seq_len", "horizon", "noise", "val_fraction"),
        "sequence",
    ),
)
