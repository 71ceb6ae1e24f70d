"""Figures that look inside the network, as pure `RunView -> plotly Figure` functions.

Builders live in this package's topic modules; import them from here. Each one with a `step`
argument shows the timeline as it was at that step (see `pages.ui.figures.timeline`), so one
slider scrubs every view; an empty run, or a model without the layers a view needs, gets a figure
that says so.
"""

from __future__ import annotations

from pages.ui.figures.inside.boundary import boundary_animation
from pages.ui.figures.inside.confusion import (
    confusion_figure,
    per_class_accuracy_figure,
    wrong_examples_figure,
    wrong_examples_table,
)
from pages.ui.figures.inside.conv import feature_maps_figure, filters_figure, probe_image
from pages.ui.figures.inside.sequences import attention_figure, recurrent_figure
from pages.ui.figures.inside.weights import (
    activation_distribution,
    activation_over_time,
    histogram_layers,
    weight_histograms,
)

__all__ = [
    "activation_distribution",
    "activation_over_time",
    "attention_figure",
    "boundary_animation",
    "confusion_figure",
    "feature_maps_figure",
    "filters_figure",
    "histogram_layers",
    "per_class_accuracy_figure",
    "probe_image",
    "recurrent_figure",
    "weight_histograms",
    "wrong_examples_figure",
    "wrong_examples_table",
]
