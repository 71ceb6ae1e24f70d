"""Your own CSV file as a dataset: numbers standardized, categories one-hot, one column predicted.

Every problem with the file becomes a ValueError written for the person who chose it; the UI shows
the message as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from core.data.base import DataBundle, DataConfig, DatasetEntry, DataSpec, split
from core.i18n import N_, _

MIN_ROWS = 10
# Larger tables are refused with a message, not parsed for minutes in a shared server.
MAX_ROWS = 200_000
MAX_COLUMNS = 1_000
MAX_HEADER_BYTES = 1_000_000
MAX_LEVELS = 50  # more categories than this in one column is probably an id or free text
MAX_CLASSES = 20  # an integer target with at most this many values is treated as classes


def _check_width(file: Path) -> None:
    """Refuse a very wide table from its first line, before pandas parses all of it."""
    with open(file, "rb") as f:
        header = f.readline(MAX_HEADER_BYTES + 1)
    if len(header) > MAX_HEADER_BYTES or header.count(b",") + 1 > MAX_COLUMNS:
        raise ValueError(
            _("{name} has more than {limit:,} columns; keep the columns that matter").format(
                name=file.name, limit=MAX_COLUMNS
            )
        )


def read_csv(path: str) -> pd.DataFrame:
    """Read the CSV at `path`, turning every pandas/OS failure into a readable ValueError."""
    if not path:
        raise ValueError(_("no CSV file chosen: set 'path' to a .csv file"))
    file = Path(path).expanduser()
    if not file.is_file():
        raise ValueError(_("CSV file not found: {file}").format(file=file))
    _check_width(file)
    try:
        frame = pd.read_csv(file, nrows=MAX_ROWS + 1)  # never parse more than can be used
    except pd.errors.EmptyDataError as err:
        raise ValueError(_("the CSV file {name} is empty").format(name=file.name)) from err
    except pd.errors.ParserError as err:
        raise ValueError(
            _("could not parse {name} as CSV: {error}").format(name=file.name, error=err).strip()
        ) from err
    except UnicodeDecodeError as err:
        raise ValueError(
            _("{name} is not UTF-8 text, so it cannot be read as CSV").format(name=file.name)
        ) from err
    if len(frame) > MAX_ROWS:
        raise ValueError(
            _("{name} has more than {limit:,} rows; use a sample of at most {limit:,}").format(
                name=file.name, limit=MAX_ROWS
            )
        )
    if len(frame) < MIN_ROWS:
        raise ValueError(
            _("{name} has {n} data rows; at least {min} are needed").format(
                name=file.name, n=len(frame), min=MIN_ROWS
            )
        )
    return frame


def _is_number(series: pd.Series) -> bool:
    """Numeric dtype, booleans excluded (they are treated as two categories)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _is_classification(target: pd.Series) -> bool:
    if not _is_number(target):
        return True
    values = target.to_numpy(dtype=float)
    return bool(np.all(values == np.round(values))) and target.nunique() <= MAX_CLASSES


@dataclass(frozen=True)
class ColumnCode:
    """How one feature column becomes numbers: standardized, or one-hot over its levels."""

    name: str
    numeric: bool
    median: float = 0.0
    mean: float = 0.0
    std: float = 1.0
    levels: tuple[str, ...] = ()

    def encode(self, series: pd.Series) -> np.ndarray:
        """(N, width) float block for this column's values (new rows use the training stats)."""
        if self.numeric:
            values = pd.to_numeric(series, errors="coerce").astype(float).fillna(self.median)
            return ((values - self.mean) / self.std).to_numpy()[:, None]
        labels = series.astype(str).where(series.notna(), "missing")
        return (labels.to_numpy()[:, None] == np.array(self.levels)[None, :]).astype(float)

    @property
    def names(self) -> list[str]:
        return [self.name] if self.numeric else [f"{self.name}={lv}" for lv in self.levels]


@dataclass(frozen=True)
class TableEncoder:
    """The feature encoding fitted on the training rows, reusable for rows a visitor types."""

    columns: tuple[ColumnCode, ...]

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        blocks = [c.encode(frame[c.name]) for c in self.columns]
        return np.concatenate(blocks, axis=1).astype(np.float32)

    @property
    def names(self) -> list[str]:
        return [n for c in self.columns for n in c.names]


def fit_encoder(frame: pd.DataFrame, train_rows: np.ndarray) -> TableEncoder:
    """Numeric columns -> standardized with training mean/std (NaN -> training median);
    other columns -> one-hot (NaN -> "missing")."""
    codes = []
    for col in frame.columns:
        series = frame[col]
        if _is_number(series):
            values = series.astype(float)
            train = values.iloc[train_rows]
            median = float(train.median()) if train.notna().any() else 0.0
            filled = values.fillna(median).iloc[train_rows]
            mean, std = float(filled.mean()), float(filled.std())
            std = std if std > 1e-12 and np.isfinite(std) else 1.0
            codes.append(ColumnCode(str(col), True, median, mean, std))
            continue
        labels = series.astype(str).where(series.notna(), "missing")
        levels = sorted(labels.unique())
        if len(levels) > MAX_LEVELS:
            raise ValueError(
                _(
                    "column {column} has {n} different values (more than {limit}); it looks "
                    "like an id or free text, drop it from the CSV"
                ).format(column=repr(col), n=len(levels), limit=MAX_LEVELS)
            )
        codes.append(ColumnCode(str(col), False, levels=tuple(levels)))
    return TableEncoder(tuple(codes))


def split_target(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, pd.Series]:
    """(feature columns, target column) of the rows that have a target; name "" = last column."""
    name = name or str(frame.columns[-1])
    if name not in frame.columns:
        raise ValueError(
            _("target column {column} not found; columns are {columns}").format(
                column=repr(name), columns=list(map(str, frame.columns))
            )
        )
    frame = frame[frame[name].notna()].reset_index(drop=True)
    if len(frame) < MIN_ROWS:
        raise ValueError(
            _("only {n} rows have a value for {column}; need {min}").format(
                n=len(frame), column=repr(name), min=MIN_ROWS
            )
        )
    features = frame.drop(columns=[name])
    if features.shape[1] == 0:
        raise ValueError(
            _("no feature columns left: the CSV only has the target {column}").format(
                column=repr(name)
            )
        )
    if frame[name].nunique() < 2:
        raise ValueError(
            _("target column {column} has a single value; nothing to predict").format(
                column=repr(name)
            )
        )
    return features, frame[name]


def encode_target(target: pd.Series, train_rows: np.ndarray) -> tuple[torch.Tensor, dict, dict]:
    """Class ids (N,) or a standardized value (N, 1); returns (y, DataSpec fields, extras)."""
    if _is_classification(target):
        keys = target.astype(int) if _is_number(target) else target.astype(str)
        classes = sorted(keys.unique())
        ids = keys.map({c: i for i, c in enumerate(classes)}).to_numpy()
        spec = {"task": "classification", "n_outputs": len(classes)}
        return (
            torch.tensor(ids, dtype=torch.int64),
            {**spec, "class_names": tuple(map(str, classes))},
            {},
        )
    values = torch.tensor(target.to_numpy(dtype=np.float64), dtype=torch.float32)[:, None]
    mean, std = values[train_rows].mean(), values[train_rows].std().clamp_min(1e-12)
    y = (values - mean) / std  # (N, 1); predictions * std + mean are in the original units
    extras = {"target_mean": float(mean), "target_std": float(std)}
    return y, {"task": "regression", "n_outputs": 1}, extras


def load_csv(cfg: DataConfig, seed: int) -> DataBundle:
    """Rows of cfg.path; target = cfg.target or the last column; seeded train/validation split."""
    frame = read_csv(cfg.path)
    features, target = split_target(frame, cfg.target)
    g = torch.Generator().manual_seed(seed)
    rows = torch.arange(len(target))
    train_rows, _same, val_rows, _same_val = split(rows, rows, cfg.val_fraction, g)
    encoder = fit_encoder(features, train_rows.numpy())
    columns = encoder.names
    x = torch.from_numpy(encoder.encode(features.rename(columns=str)))  # (N, F)
    y, spec_fields, extras = encode_target(target, train_rows.numpy())
    extras.update(
        encoder=encoder,
        columns=tuple(columns),
        raw_columns=tuple(map(str, features.columns)),
        target=str(target.name),
        raw_val=pd.concat([features, target], axis=1).iloc[val_rows.numpy()].reset_index(drop=True),
    )
    spec = DataSpec(
        name="csv",
        input_kind="vector",
        input_shape=(x.shape[1],),
        sample_kind="table",
        **spec_fields,
    )
    return DataBundle(spec, x[train_rows], y[train_rows], x[val_rows], y[val_rows], extras)


ENTRIES = (
    DatasetEntry(
        "csv",
        N_("Your CSV file"),
        N_(
            "A table of your own: each row is an example, one column is the answer to predict. "
            "Numbers are standardized and text columns become one-hot switches; how hard it is "
            "depends entirely on how much the other columns reveal about the target."
        ),
        load_csv,
        ("path", "target", "val_fraction"),
        "tabular",
    ),
)
