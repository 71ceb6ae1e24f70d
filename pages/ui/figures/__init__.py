"""Every chart the pages draw, as pure `data -> plotly Figure` functions (no Streamlit here).

The builders live in topic modules; import them from here. Empty or early runs get a figure that
says "waiting for the first steps…" instead of raising.
"""

from __future__ import annotations

from pages.ui.figures.base import MAX_TRACE_POINTS, ema
from pages.ui.figures.curves import compare_runs, epoch_curves, loss_curve
from pages.ui.figures.gradients import grad_heatmap, grad_norm_lines, update_ratio
from pages.ui.figures.predictions import (
    PREDICTION_FIGURES,
    curve_fit,
    decision_boundary,
    forecast_plot,
    image_grid,
    predictions_figure,
)
from pages.ui.figures.tables import model_summary_table, prediction_table

__all__ = [
    "MAX_TRACE_POINTS",
    "PREDICTION_FIGURES",
    "compare_runs",
    "curve_fit",
    "decision_boundary",
    "ema",
    "epoch_curves",
    "forecast_plot",
    "grad_heatmap",
    "grad_norm_lines",
    "image_grid",
    "loss_curve",
    "model_summary_table",
    "prediction_table",
    "predictions_figure",
    "update_ratio",
]
