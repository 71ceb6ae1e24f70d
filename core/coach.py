"""The training coach: small rules over a run's metric streams that write specific advice.

Each rule reads a `RunView` and returns a `Flag` (see core.diagnostics) quoting the numbers that
triggered it, or None. `coach(view)` runs them all, plus the gradient-flow flags; warnings first.
Flags are built when they are shown, so their words are in the reader's language (core.i18n).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable

from core.diagnostics import Flag, gradient_flags
from core.events import localize_status_text
from core.i18n import _
from core.run_state import RunView

SPIKE_FACTOR = 3.0  # a step loss this many times the recent median is a spike
DEAD_RELU_FRACTION = 0.4
SATURATED_FRACTION = 0.5
OVERFIT_RISE = 1.10  # validation loss 10% above its best...
OVERFIT_GAP = 0.25  # ...and 25% above the training loss
PLATEAU_IMPROVEMENT = 0.01  # under 1% better over the last third of the run
MIN_EPOCHS = 5


def divergence(view: RunView) -> Flag | None:
    """The run blew up, or its loss spikes far above its recent level."""
    if view.status == "diverged":
        return Flag(
            "warning",
            _("Training diverged"),
            _(
                "{message} Lower the learning rate (try 10x lower) and turn on gradient "
                "clipping (e.g. at 1.0)."
            ).format(message=localize_status_text(view.message)),
            numbers={"step": float(view.failed_step)},
        )
    losses = [v for v in view.loss_values if math.isfinite(v)]
    if len(losses) < 40:
        return None
    recent = losses[-len(losses) // 4 :]
    median = statistics.median(losses[-len(losses) // 2 :])
    peak = max(recent)
    if median > 0 and peak > SPIKE_FACTOR * median and peak > losses[0]:
        return Flag(
            "warning",
            _("Loss spikes"),
            _(
                "The loss jumped to {peak:.3g}, {factor:.1f}x its recent median of {median:.3g} "
                "(and above where it started, {start:.3g}). Steps overshoot: lower the learning "
                "rate or add gradient clipping."
            ).format(peak=peak, factor=peak / median, median=median, start=losses[0]),
            numbers={"peak_loss": peak, "median_loss": median},
        )
    return None


def _worst_activation(view: RunView, field: str, relu: bool) -> tuple[str, float, int] | None:
    """(layer, value, step) of the highest `field` among ReLU (or tanh/sigmoid) layers, latest probe."""
    if not view.activations:
        return None
    last = view.activations[-1]
    values = [
        (name, value)
        for name, kind, value in zip(last.layers, last.kinds, getattr(last, field))
        if (kind == "relu") == relu
    ]
    worst = max(values, key=lambda item: item[1], default=None)
    return (*worst, last.step) if worst else None


def dead_relus(view: RunView) -> Flag | None:
    """Many ReLU units output zero for every probe input."""
    worst = _worst_activation(view, "dead_frac", relu=True)
    if worst is None or worst[1] < DEAD_RELU_FRACTION:
        return None
    layer, fraction, step = worst
    return Flag(
        "warning",
        _("Many dead ReLUs"),
        _(
            "{fraction:.0%} of the units after {layer} output zero for every probe input at "
            "step {step}, so they pass no gradient and stop learning. Lower the learning rate, "
            "use LeakyReLU, or He initialization."
        ).format(fraction=fraction, layer=layer, step=step),
        (layer,),
        {"dead_fraction": fraction},
    )


def saturation(view: RunView) -> Flag | None:
    """tanh/sigmoid units sit at their flat ends, where the gradient is nearly zero."""
    worst = _worst_activation(view, "saturated_frac", relu=False)
    if worst is None or worst[1] < SATURATED_FRACTION:
        return None
    layer, fraction, step = worst
    return Flag(
        "warning",
        _("Saturated activations"),
        _(
            "{fraction:.0%} of the outputs of {layer} are pinned near their limits at step "
            "{step}, where {function}'s slope is almost zero. Scale the inputs, use Xavier "
            "initialization, a lower learning rate, or ReLU."
        ).format(fraction=fraction, layer=layer, step=step, function=layer.split(".")[-1]),
        (layer,),
        {"saturated_fraction": fraction},
    )


def _validated(view: RunView) -> list:
    return [e for e in view.epochs if math.isfinite(e.val_loss)]


def overfitting(view: RunView) -> Flag | None:
    """Validation loss climbs away from its best while training loss keeps falling."""
    epochs = _validated(view)
    if len(epochs) < MIN_EPOCHS:
        return None
    best = min(epochs, key=lambda e: e.val_loss)
    last = epochs[-1]
    rising = last.val_loss > OVERFIT_RISE * best.val_loss
    gap = (last.val_loss - last.train_loss) / max(abs(last.train_loss), 1e-8)
    if not (rising and gap > OVERFIT_GAP and last.train_loss <= best.train_loss):
        return None
    return Flag(
        "warning",
        _("Overfitting"),
        _(
            "Validation loss was best at epoch {best_epoch} ({best_loss:.3g}) and is now "
            "{val_loss:.3g}, while training loss fell to {train_loss:.3g}: the model is "
            "memorising the training set. Add weight decay or dropout, use more data, a smaller "
            "model, or stop early (around epoch {best_epoch})."
        ).format(
            best_epoch=best.epoch,
            best_loss=best.val_loss,
            val_loss=last.val_loss,
            train_loss=last.train_loss,
        ),
        numbers={
            "best_epoch": float(best.epoch),
            "best_val_loss": best.val_loss,
            "val_loss": last.val_loss,
            "train_loss": last.train_loss,
        },
    )


def plateau(view: RunView) -> Flag | None:
    """The training loss has stopped improving while it is still far from zero."""
    losses = [v for v in view.loss_values if math.isfinite(v)]
    if len(losses) < 60 or not view.epochs or view.epochs[-1].train_metric >= 0.99:
        return None
    third = len(losses) // 3
    before = statistics.mean(losses[third : 2 * third])
    now = statistics.mean(losses[2 * third :])
    if before <= 0 or (before - now) / before >= PLATEAU_IMPROVEMENT or now < 0.05 * losses[0]:
        return None
    return Flag(
        "info",
        _("Plateau"),
        _(
            "The training loss averaged {before:.3g} in the middle third of the run and {now:.3g} "
            "in the last third ({gain:.1%} better). Try a higher learning rate, a schedule "
            "(cosine, warm-up), or Adam."
        ).format(before=before, now=now, gain=(before - now) / before),
        numbers={"loss_before": before, "loss_now": now},
    )


def underfitting(view: RunView) -> Flag | None:
    """Training and validation agree, but both are poor: the model is too weak for the task."""
    epochs = _validated(view)
    if len(epochs) < MIN_EPOCHS or epochs[-1].metric_name != "accuracy":
        return None
    last = epochs[-1]
    if last.train_metric >= 0.8 or abs(last.train_metric - last.val_metric) > 0.1:
        return None
    return Flag(
        "info",
        _("Under-fitting"),
        _(
            "After {epochs} epochs the model gets only {train:.0%} of the training set right "
            "(validation {val:.0%}). It is too simple or trains too briefly: add layers or units, "
            "extra input features, or train longer."
        ).format(epochs=last.epoch, train=last.train_metric, val=last.val_metric),
        numbers={"train_accuracy": last.train_metric, "val_accuracy": last.val_metric},
    )


RULES: tuple[Callable[[RunView], Flag | None], ...] = (
    divergence,
    dead_relus,
    saturation,
    overfitting,
    plateau,
    underfitting,
)


def coach(view: RunView) -> list[Flag]:
    """All advice for a run right now, warnings first."""
    found = [flag for rule in RULES if (flag := rule(view)) is not None]
    found += gradient_flags(view)
    return sorted(found, key=lambda f: f.level != "warning")
