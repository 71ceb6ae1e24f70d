"""Character-level next-token modelling on the shipped corpus, a pasted text, or a .txt file.

Training windows are random (seeded) slices of the first part of the text; validation windows tile
the last `val_fraction` without overlap, so validation never sees training characters.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import torch

from core.data.base import DataBundle, DataConfig, DatasetEntry, DataSpec
from core.i18n import N_, _

CORPUS_PATH = Path(__file__).resolve().parents[2] / "assets" / "corpus.txt"
# A fixed alphabet shared by every text model that asks for it: newline and printable ASCII.
ASCII_VOCAB = ("\n", *(chr(i) for i in range(32, 127)))
UNKNOWN = "?"  # what a character outside ASCII_VOCAB becomes


def vocabulary_for(text: str, kind: str) -> tuple[tuple[str, ...], str]:
    """(vocabulary, the text in it): the text's own characters, or ASCII_VOCAB with every other
    character replaced by UNKNOWN."""
    if kind == "ascii":
        known = set(ASCII_VOCAB)
        return ASCII_VOCAB, "".join(ch if ch in known else UNKNOWN for ch in text)
    return tuple(sorted(set(text))), text


MAX_VAL_WINDOWS = 4096


def read_text(cfg: DataConfig) -> str:
    """cfg.text if given, else the file at cfg.path, else the shipped corpus (newlines as \\n)."""
    if cfg.text:
        text = cfg.text
    else:
        path = Path(cfg.path).expanduser() if cfg.path else CORPUS_PATH
        if not path.is_file():
            raise ValueError(_("text file not found: {path}").format(path=path))
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise ValueError(
                _("{path} is not UTF-8 text ({error})").format(path=path, error=err)
            ) from err
    return text.replace("\r\n", "\n").replace("\r", "\n")


def unigram_entropy(text: str) -> float:
    """Entropy in nats of the character frequencies: the loss of a model that ignores context."""
    counts = Counter(text)
    total = len(text)
    return -sum(c / total * math.log(c / total) for c in counts.values())


def split_point(n_chars: int, seq_len: int, val_fraction: float) -> int:
    """Index where validation text starts, leaving at least one window (T+1 chars) on each side."""
    need = seq_len + 1
    if n_chars < 2 * need:
        raise ValueError(
            _(
                "the text has {n} characters; seq_len={seq_len} needs at least {least} (one "
                "training and one validation window of {need}). Use a longer text or a smaller "
                "seq_len."
            ).format(n=n_chars, seq_len=seq_len, least=2 * need, need=need)
        )
    return min(max(need, round(n_chars * (1 - val_fraction))), n_chars - need)


def _prompt(text: str, length: int = 24) -> str:
    """The opening words of the text, cut at a word boundary, to seed generation."""
    head = text[:length]
    cut = head.rfind(" ")
    return head[: cut + 1] if cut > 0 and len(text) > length else head


def load_text(cfg: DataConfig, seed: int) -> DataBundle:
    """x (B, T) character ids and y (B, T) = the next character at every position."""
    text = read_text(cfg)
    if not text.strip():
        raise ValueError(_("the text is empty; paste some text, pick a .txt file, or clear both"))
    t = cfg.seq_len
    cut = split_point(len(text), t, cfg.val_fraction)
    vocab, text = vocabulary_for(text, cfg.vocabulary)
    stoi = {ch: i for i, ch in enumerate(vocab)}
    ids = torch.tensor([stoi[ch] for ch in text], dtype=torch.int64)  # (N_chars,)

    g = torch.Generator().manual_seed(seed)
    starts_train = torch.randint(0, cut - t, (cfg.n_samples,), generator=g)
    starts_val = torch.arange(cut, len(text) - t, t)[:MAX_VAL_WINDOWS]
    offsets = torch.arange(t + 1)

    def windows(starts: torch.Tensor) -> torch.Tensor:
        return ids[starts[:, None] + offsets]  # (B, T+1)

    train, val = windows(starts_train), windows(starts_val)
    spec = DataSpec(
        name="text",
        task="tokens",
        input_kind="tokens",
        input_shape=(t,),
        n_outputs=len(vocab),
        sample_kind="text",
        vocab_size=len(vocab),
        vocab=vocab,
        causal=True,
    )
    extras = {
        "prompt": _prompt(text[:cut]),
        "unigram_entropy": unigram_entropy(text[:cut]),
        "stoi": stoi,
        "val_start": cut,
        "starts_train": starts_train,
        "starts_val": starts_val,
        "n_chars": len(text),
    }
    return DataBundle(spec, train[:, :-1], train[:, 1:], val[:, :-1], val[:, 1:], extras)


ENTRIES = (
    DatasetEntry(
        "text",
        N_("Character-level text"),
        N_(
            "Predict the next character of English prose, one letter at a time (or of your own text). "
            "Guessing from letter frequencies alone gives the unigram entropy; beating it means the "
            "model has learned spelling and words from context."
        ),
        load_text,
        ("n_samples", "seq_len", "val_fraction", "text", "path", "vocabulary"),
        "text",
    ),
)
