"""Tables the pages show next to the charts: predictions as rows, and a model's layers.

Columns are built under their English names and renamed into the visitor's language on the way
out (`shown`), so the logic here never depends on the language.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.i18n import N_, _
from core.models.summary import ModelSummary
from core.run_state import RunView

SEQUENCE_COLUMNS = [N_("input"), N_("target"), N_("predicted"), N_("correct")]
TABLE_COLUMNS = [N_("true"), N_("predicted"), N_("confidence")]
SUMMARY_COLUMNS = [N_("layer"), N_("type"), N_("output shape"), N_("parameters")]
ABS_ERROR = N_("abs error")


def shown(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with its (English, marked) column names in the visitor's language, for display."""
    return df.rename(columns=_)


def _sequence_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[*SEQUENCE_COLUMNS[:3], "confidence"])
    if df["confidence"].isna().all():
        df = df.drop(columns="confidence")
    df["correct"] = df["target"] == df["predicted"]
    return df


def _rows_table(s: dict[str, Any]) -> pd.DataFrame:
    true, pred = list(s.get("static_true") or []), list(s.get("predicted") or [])
    n = min(len(true), len(pred))
    df = pd.DataFrame({"true": true[:n], "predicted": pred[:n]})
    if s.get("confidence") is not None:
        df["confidence"] = list(s["confidence"])[:n]
        df["correct"] = df["true"] == df["predicted"]
    else:  # regression: show how far off each prediction is
        df[ABS_ERROR] = (df["predicted"].astype(float) - df["true"].astype(float)).abs()
    return df


def prediction_table(view: RunView) -> pd.DataFrame:
    """Sample predictions of a "sequence" or "table" run as rows (empty frame when there are none).

    sequence: input, target, predicted[, confidence], correct; table: true, predicted, then
    confidence and correct (classification) or abs error (regression). Column names are in the
    visitor's language.
    """
    s = view.samples
    if view.samples_kind == "sequence" and s.get("rows"):
        return shown(_sequence_table(s["rows"]))
    if view.samples_kind == "table" and s.get("predicted") is not None:
        return shown(_rows_table(s))
    kind = view.samples_kind or (view.plan.spec.sample_kind if view.plan else "")
    return shown(pd.DataFrame(columns=TABLE_COLUMNS if kind == "table" else SEQUENCE_COLUMNS))


def _shape(shape: Any) -> str:
    dims = list(shape or [])
    return " × ".join(str(d) for d in dims) if dims else "–"


def model_summary_table(summary: ModelSummary | None) -> pd.DataFrame:
    """One row per layer: name, type, output shape per example, and parameter count (column names
    in the visitor's language)."""
    rows = [
        {
            "layer": layer.name,
            "type": layer.type,
            "output shape": _shape(layer.output_shape),
            "parameters": layer.n_params,
        }
        for layer in (summary.layers if summary else ())
    ]
    return shown(pd.DataFrame(rows, columns=SUMMARY_COLUMNS))
