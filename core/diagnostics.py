"""Plain-language flags about gradient flow, read from a run's sampled `LayerStats`.

Each rule looks only at the last few measurements, so a flag describes the run as it is now, and
its message quotes the numbers that triggered it. No UI here: pages decide how to show a `Flag`.
Flags are built when they are shown, so their words are in the reader's language (core.i18n).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from core.events import LayerStats
from core.i18n import N_, _, ngettext
from core.run_state import RunView

WINDOW = 5  # measurements a rule looks back over
VANISHING_RATIO = 0.01  # a layer's gradient below 1% of the strongest layer's
EXPLODING_NORM = 1e3  # a gradient norm above this is out of control
EXPLODING_GROWTH = 10.0  # the total gradient norm grew this much within the window...
EXPLODING_FLOOR = 1.0  # ...to above this (0.05 -> 0.5 is a healthy start, not an explosion)
HEALTHY_UPDATE_RATIO = 1e-3  # each step changes a layer's weights by about 0.1%
HIGH_UPDATE_RATIO = 1e-1
LOW_UPDATE_RATIO = 1e-5
MAX_NAMED = 4  # layers named in a message before "and N more"

Level = Literal["info", "warning"]

VANISHING_ADVICE = N_(
    "These layers barely learn. Try ReLU instead of sigmoid/tanh, He initialization, batch "
    "normalization, or residual connections."
)
DEAD_ADVICE = N_(
    "No gradient at all gets through: usually dead ReLUs (units that output 0 for every input), "
    "often after a too-large learning rate. Try a lower learning rate, leaky ReLU or He "
    "initialization."
)


@dataclass(frozen=True)
class Flag:
    """One finding: how serious, a short title, the explanation, which layers, which numbers."""

    level: Level
    title: str
    message: str
    layers: tuple[str, ...] = ()
    numbers: dict[str, float] = field(default_factory=dict, hash=False)


def _recent(stats: Sequence[LayerStats], window: int) -> list[LayerStats]:
    """The last `window` records that share the newest record's layer names."""
    if not stats:
        return []
    layers = stats[-1].layers
    same = [s for s in stats if s.layers == layers]
    return same[-window:]


def _median(values: Sequence[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return statistics.median(finite) if finite else math.nan


def _medians(recent: list[LayerStats], attr: str) -> list[float]:
    """Per layer, the median of `attr` over the recent records."""
    columns = zip(*(getattr(s, attr) for s in recent), strict=True)
    return [_median(column) for column in columns]


def _names(layers: Sequence[str]) -> str:
    shown = ", ".join(layers[:MAX_NAMED])
    more = len(layers) - MAX_NAMED
    return _("{layers} and {more} more").format(layers=shown, more=more) if more > 0 else shown


def _vanishing(recent: list[LayerStats]) -> Flag | None:
    layers, med = recent[-1].layers, _medians(recent, "grad_norm")
    finite = [i for i, m in enumerate(med) if math.isfinite(m)]
    if len(finite) < 2:
        return None
    top = max(finite, key=lambda i: med[i])
    if med[top] <= 0:
        return None
    low = [i for i in finite if med[i] < VANISHING_RATIO * med[top]]
    if not low:
        return None
    worst = min(low, key=lambda i: med[i])
    ratio = med[worst] / med[top]
    advice = DEAD_ADVICE if med[worst] == 0 else VANISHING_ADVICE
    return Flag(
        "warning",
        _("Vanishing gradients"),
        _(
            "Gradients reaching {layers} are under 1% of those at {top}: {worst} gets "
            "{worst_norm:.3g} against {top_norm:.3g} (a ratio of {ratio:.2g}; medians of the last "
            "{n} measurements). {advice}"
        ).format(
            layers=_names([layers[i] for i in low]),
            top=layers[top],
            worst=layers[worst],
            worst_norm=med[worst],
            top_norm=med[top],
            ratio=ratio,
            n=len(recent),
            advice=_(advice),
        ),
        tuple(layers[i] for i in low),
        {"smallest_grad_norm": med[worst], "largest_grad_norm": med[top], "ratio": ratio},
    )


def _total(norms: Sequence[float]) -> float:
    return math.sqrt(sum(g * g for g in norms))


def _inf_if_nan(value: float) -> float:
    return math.inf if math.isnan(value) else value


def _exploding(recent: list[LayerStats]) -> Flag | None:
    last, first = recent[-1], recent[0]
    big = [i for i, g in enumerate(last.grad_norm) if not math.isfinite(g) or g > EXPLODING_NORM]
    start, end = _total(first.grad_norm), _total(last.grad_norm)
    growth = end / start if len(recent) > 1 and start > 0 else 1.0
    grows = math.isfinite(growth) and growth > EXPLODING_GROWTH and end > EXPLODING_FLOOR
    if not big and not grows:
        return None
    parts = []
    if big:
        peak = max(_inf_if_nan(last.grad_norm[i]) for i in big)
        parts.append(
            _(
                "the gradient norm of {layers} reached {peak:.3g} at step {step} (above {limit:g})"
            ).format(
                layers=_names([last.layers[i] for i in big]),
                peak=peak,
                step=last.step,
                limit=EXPLODING_NORM,
            )
        )
    if grows:
        parts.append(
            _(
                "the total gradient norm grew {growth:.0f}x over the last {n} measurements (from "
                "{start:.3g} at step {step} to {end:.3g})"
            ).format(growth=growth, n=len(recent), start=start, step=first.step, end=end)
        )
    findings = (
        _("{first}; {second}").format(first=parts[0], second=parts[1])
        if len(parts) == 2
        else parts[0]
    )
    named = big or [
        i
        for i, (g0, g1) in enumerate(zip(first.grad_norm, last.grad_norm, strict=True))
        if g0 > 0 and g1 / g0 > EXPLODING_GROWTH
    ]
    return Flag(
        "warning",
        _("Exploding gradients"),
        _(
            "Gradients are blowing up: {findings}. Lower the learning rate (try 10x lower) or "
            "turn on gradient clipping (e.g. at 1.0); recurrent networks especially need clipping."
        ).format(findings=findings),
        tuple(last.layers[i] for i in named),
        {"max_grad_norm": max(map(_inf_if_nan, last.grad_norm)), "growth": growth},
    )


def _update_ratio(recent: list[LayerStats]) -> list[Flag]:
    layers, med = recent[-1].layers, _medians(recent, "update_ratio")
    flags = []
    high = [i for i, r in enumerate(med) if r > HIGH_UPDATE_RATIO]
    if high:
        peak = max(med[i] for i in high)
        message = ngettext(
            "Each step changes {layers} by up to {peak:.1%} of its size (update/weight ratio "
            "{peak:.3g}, median of the last {n} measurements), where about {healthy:g} is "
            "typical. Steps this big make training jumpy or unstable: lower the learning rate.",
            "Each step changes {layers} by up to {peak:.1%} of their size (update/weight ratio "
            "{peak:.3g}, median of the last {n} measurements), where about {healthy:g} is "
            "typical. Steps this big make training jumpy or unstable: lower the learning rate.",
            len(high),
        )
        flags.append(
            Flag(
                "warning",
                _("Learning rate too high"),
                message.format(
                    layers=_names([layers[i] for i in high]),
                    peak=peak,
                    n=len(recent),
                    healthy=HEALTHY_UPDATE_RATIO,
                ),
                tuple(layers[i] for i in high),
                {"max_update_ratio": peak, "healthy_update_ratio": HEALTHY_UPDATE_RATIO},
            )
        )
    low = [i for i, r in enumerate(med) if r < LOW_UPDATE_RATIO]
    if low:
        least = min(med[i] for i in low)
        advice = (
            _("The learning rate looks too low: if the loss is flat too, try it 10x higher.")
            if len(low) == len(layers)
            else _("These layers have nearly stopped learning while others still move.")
        )
        if least == 0:
            message = ngettext(
                "Each step changes {layers} not at all (median of the last {n} measurements), "
                "where about {healthy:g} of its size is typical. {advice}",
                "Each step changes {layers} not at all (median of the last {n} measurements), "
                "where about {healthy:g} of their size is typical. {advice}",
                len(low),
            )
        else:
            message = ngettext(
                "Each step changes {layers} by only {least:.3g} of its size (median of the last "
                "{n} measurements), where about {healthy:g} of its size is typical. {advice}",
                "Each step changes {layers} by only {least:.3g} of their size (median of the last "
                "{n} measurements), where about {healthy:g} of their size is typical. {advice}",
                len(low),
            )
        flags.append(
            Flag(
                "info",
                _("Learning has stalled"),
                message.format(
                    layers=_names([layers[i] for i in low]),
                    least=least,
                    n=len(recent),
                    healthy=HEALTHY_UPDATE_RATIO,
                    advice=advice,
                ),
                tuple(layers[i] for i in low),
                {"min_update_ratio": least, "healthy_update_ratio": HEALTHY_UPDATE_RATIO},
            )
        )
    return flags


def gradient_flags(source: RunView | Sequence[LayerStats], window: int = WINDOW) -> list[Flag]:
    """Findings about a run's recent gradient flow (or a `layer_stats` tuple), warnings first."""
    if window < 1:
        raise ValueError(f"window must be at least 1 measurement, got {window}")
    stats = source.layer_stats if isinstance(source, RunView) else source
    recent = _recent(stats, window)
    if not recent or not recent[-1].layers:
        return []
    found = [_exploding(recent), _vanishing(recent), *_update_ratio(recent)]
    flags = [f for f in found if f is not None]
    return sorted(flags, key=lambda f: f.level != "warning")
