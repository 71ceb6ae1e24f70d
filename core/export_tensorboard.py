"""A run's recorded metrics as TensorBoard event files (open them with `tensorboard --logdir DIR`).

Scalars: the training loss per step, and per epoch the train/validation loss and metric and the
learning rate. Histograms: the weight and gradient histograms the run sampled, per layer. The
run recorded histograms already binned (lo, hi, counts), so they are written as TensorBoard's raw
histograms with the same bins.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

from core.events import Histogram
from core.run_state import RunView


def _raw(h: Histogram) -> dict:
    """TensorBoard's raw histogram fields from equal-width bins (sums from the bin centres)."""
    n = len(h.counts)
    width = (h.hi - h.lo) / n if n else 0.0
    centres = [h.lo + (i + 0.5) * width for i in range(n)]
    return {
        "min": h.lo,
        "max": h.hi,
        "num": sum(h.counts),
        "sum": sum(c * x for c, x in zip(h.counts, centres, strict=True)),
        "sum_squares": sum(c * x * x for c, x in zip(h.counts, centres, strict=True)),
        "bucket_limits": [h.lo + (i + 1) * width for i in range(n)],
        "bucket_counts": list(h.counts),
    }


def export_tensorboard(view: RunView, out_dir: Path) -> list[Path]:
    """Write the run's event file(s) into `out_dir`; return their paths."""
    from torch.utils.tensorboard import SummaryWriter

    out_dir.mkdir(parents=True, exist_ok=True)
    with SummaryWriter(log_dir=str(out_dir)) as w:
        for step, loss in zip(view.loss_steps, view.loss_values, strict=True):
            w.add_scalar("train/loss_per_step", loss, int(step))
        for e in view.epochs:
            values = {
                "epoch/train_loss": e.train_loss,
                "epoch/val_loss": e.val_loss,
                f"epoch/train_{e.metric_name}": e.train_metric,
                f"epoch/val_{e.metric_name}": e.val_metric,
                "epoch/learning_rate": e.lr,
            }
            for tag, value in values.items():
                if math.isfinite(value):  # validation skipped on tiny epochs is NaN: left out
                    w.add_scalar(tag, value, e.step)
        for hs in view.histograms:
            for layer, weights, grads in zip(hs.layers, hs.weights, hs.grads, strict=True):
                if weights.counts and sum(weights.counts):
                    w.add_histogram_raw(f"weights/{layer}", global_step=hs.step, **_raw(weights))
                if grads.counts and sum(grads.counts):
                    w.add_histogram_raw(f"gradients/{layer}", global_step=hs.step, **_raw(grads))
        w.add_text("run", f"Backprop Lab run `{view.run_id}` ({view.status})")
    return sorted(out_dir.glob("events.out.tfevents.*"))


def tensorboard_zip(view: RunView, workdir: Path) -> bytes:
    """The event files as one ZIP (a download from the app)."""
    files = export_tensorboard(view, workdir / view.run_id)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(f, f"{view.run_id}/{f.name}")
    return out.getvalue()
