"""One look for every chart: colours with fixed meanings and a large-font plotly template.

Colours come from the Okabe-Ito palette (safe for colour-blind viewers); train is always blue and
validation always vermillion, on every page. Fonts are sized for a classroom projector.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sample_colorscale

TRAIN = "#0072B2"  # blue: anything measured on training data
VAL = "#D55E00"  # vermillion: anything measured on validation data
PRED = "#009E73"  # bluish green: the model's predictions
TRUTH = "#222222"  # near black: the true answer
HISTORY = "#9A9A9A"  # grey: context the model was given
WRONG = "#C00000"  # red: a wrong prediction
REFERENCE = "#555555"  # grey: reference lines such as "healthy value"
GRID = "#E4E4E4"

# Okabe-Ito order; runs on the Runs page cycle through it, classes use it from the start.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
CLASS_COLORS = PALETTE
RUN_COLORS = PALETTE

# A two-class probability runs from class 0's colour through white (unsure) to class 1's.
PROBABILITY_SCALE = ((0.0, CLASS_COLORS[0]), (0.5, "#FFFFFF"), (1.0, CLASS_COLORS[1]))
VALUE_SCALE = "Viridis"  # sequential, for regression outputs
HEAT_SCALE = "Viridis"  # sequential, for layer x step heatmaps
LAYER_SCALE = "Plasma"  # first layer dark blue ... last layer orange (yellow end cut off)

# "Source Sans" and "noto-sans-sc" are the page's own fonts (the second ships with the app for
# Chinese, see .streamlit/config.toml), so charts read like the text around them in both languages.
FONT_FAMILY = "Source Sans, Source Sans Pro, noto-sans-sc, Helvetica, Arial, sans-serif"
FONT_SIZE = 18
TITLE_SIZE = 22
SMALL_SIZE = 14


def _template() -> go.layout.Template:
    template = go.layout.Template(pio.templates["plotly_white"])
    axis = dict(
        gridcolor=GRID,
        zerolinecolor=GRID,
        title=dict(font=dict(size=FONT_SIZE), standoff=8),
        tickfont=dict(size=SMALL_SIZE + 2),
        automargin=True,
    )
    template.layout.update(
        font=dict(family=FONT_FAMILY, size=FONT_SIZE, color="#1A1A1A"),
        title=dict(font=dict(size=TITLE_SIZE), x=0.0, xanchor="left"),
        colorway=PALETTE,
        xaxis=axis,
        yaxis=axis,
        legend=dict(
            font=dict(size=SMALL_SIZE + 2),
            orientation="h",
            yanchor="bottom",
            y=1.02,
            xanchor="right",
            x=1.0,
        ),
        hoverlabel=dict(font=dict(size=SMALL_SIZE + 2)),
        margin=dict(l=70, r=30, t=90, b=60),
        annotationdefaults=dict(font=dict(size=FONT_SIZE)),
    )
    return template


TEMPLATE = _template()


def layer_colors(n: int) -> list[str]:
    """`n` colours from the first layer (dark) to the last (light), as 'rgb(...)' strings."""
    if n <= 0:
        return []
    if n == 1:
        return sample_colorscale(LAYER_SCALE, [0.0])
    return sample_colorscale(LAYER_SCALE, [0.85 * i / (n - 1) for i in range(n)])


def cycle(colors: tuple[str, ...], i: int) -> str:
    """The i-th colour of a palette, wrapping around."""
    return colors[i % len(colors)]
