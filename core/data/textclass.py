"""Labelled texts as a dataset: a CSV with a text column and a label column (sentiment, topic...).

Each text becomes `seq_len` character ids: cut to its first `seq_len` characters and padded with
spaces on the left, so a recurrent model reads the text last. Without an upload the shipped
example set is used: short reviews written for this project, labelled positive or negative.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from core.data.base import DataBundle, DataConfig, DatasetEntry, DataSpec, split
from core.data.tabular import MIN_ROWS, read_csv
from core.data.text import UNKNOWN, vocabulary_for
from core.i18n import N_, _

EXAMPLE_PATH = Path(__file__).resolve().parents[2] / "assets" / "sentiment.csv"
MAX_CLASSES = 50
PAD = " "


def _columns(frame: pd.DataFrame, cfg: DataConfig) -> tuple[str, str]:
    """(text column, label column): as named, else the first text column and the last column."""
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    label = cfg.target or columns[-1]
    if label not in columns:
        raise ValueError(
            _("label column {column} not found; columns are {columns}").format(
                column=repr(label), columns=columns
            )
        )
    if cfg.text_column:
        if cfg.text_column not in columns:
            raise ValueError(
                _("text column {column} not found; columns are {columns}").format(
                    column=repr(cfg.text_column), columns=columns
                )
            )
        return cfg.text_column, label
    texts = [c for c in columns if c != label and not pd.api.types.is_numeric_dtype(frame[c])]
    if not texts:
        raise ValueError(
            _("no text column besides the label {column}; columns are {columns}").format(
                column=repr(label), columns=columns
            )
        )
    return texts[0], label


class TextEncoder:
    """Texts -> (N, seq_len) ids in a fixed vocabulary (kept for predicting on new texts)."""

    def __init__(self, vocab: tuple[str, ...], seq_len: int, kind: str) -> None:
        self.vocab, self.seq_len, self.kind = vocab, seq_len, kind
        self.stoi = {ch: i for i, ch in enumerate(vocab)}
        self.unknown = self.stoi.get(UNKNOWN, self.stoi[PAD])

    def encode(self, texts: list[str]) -> torch.Tensor:
        rows = []
        for text in texts:
            _vocab, text = vocabulary_for(text, self.kind) if self.kind == "ascii" else (None, text)
            ids = [self.stoi.get(ch, self.unknown) for ch in text[: self.seq_len]]
            rows.append([self.stoi[PAD]] * (self.seq_len - len(ids)) + ids)
        return torch.tensor(rows, dtype=torch.int64)


def load_text_classes(cfg: DataConfig, seed: int) -> DataBundle:
    frame = read_csv(cfg.path or str(EXAMPLE_PATH))
    text_col, label_col = _columns(frame, cfg)
    frame = frame[frame[text_col].notna() & frame[label_col].notna()].reset_index(drop=True)
    if len(frame) < MIN_ROWS:
        raise ValueError(
            _("only {n} rows have both a text and a label; need {min}").format(
                n=len(frame), min=MIN_ROWS
            )
        )
    texts = [str(t).replace("\r\n", "\n") for t in frame[text_col]]
    labels = frame[label_col].astype(str)
    classes = tuple(sorted(labels.unique()))
    if not 2 <= len(classes) <= MAX_CLASSES:
        raise ValueError(
            _("the label column {column} has {n} different values; need 2 to {limit}").format(
                column=repr(label_col), n=len(classes), limit=MAX_CLASSES
            )
        )
    g = torch.Generator().manual_seed(seed)
    rows = torch.arange(len(texts))
    train_rows, _same, val_rows, _same_val = split(rows, rows, cfg.val_fraction, g)
    if cfg.vocabulary == "ascii":
        vocab, _text = vocabulary_for("", "ascii")
    else:
        seen = "".join(texts[i] for i in train_rows.tolist())
        vocab = tuple(sorted(set(seen) | {PAD, UNKNOWN}))
    encoder = TextEncoder(vocab, cfg.seq_len, cfg.vocabulary)
    x = encoder.encode(texts)
    y = torch.tensor([classes.index(v) for v in labels], dtype=torch.int64)
    spec = DataSpec(
        name="text_classes",
        task="classification",
        input_kind="tokens",
        input_shape=(cfg.seq_len,),
        n_outputs=len(classes),
        sample_kind="sequence",
        vocab_size=len(vocab),
        vocab=vocab,
        class_names=classes,
    )
    extras = {"encoder": encoder, "texts_val": [texts[i] for i in val_rows.tolist()]}
    return DataBundle(spec, x[train_rows], y[train_rows], x[val_rows], y[val_rows], extras)


ENTRIES = (
    DatasetEntry(
        "text_classes",
        N_("Labelled texts (CSV)"),
        N_(
            "Sort short texts into classes, e.g. reviews into positive and negative. Without an "
            "upload it uses 400 short reviews written for this lab; upload a CSV with a text column "
            "and a label column to use your own. A recurrent network reads each text letter by letter."
        ),
        load_text_classes,
        ("path", "text_column", "target", "seq_len", "vocabulary", "val_fraction"),
        "text",
    ),
)
