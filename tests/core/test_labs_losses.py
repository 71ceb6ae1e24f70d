"""Loss-explorer numbers: autograd gradients against the textbook formulas, robust line fits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.labs.losses import (
    LOSSES,
    OUTLIER_INDEX,
    fit_line,
    loss_curve,
    names,
    outlier_data,
    softmax_xent,
)


def sigmoid(s: float) -> float:
    return 1 / (1 + math.exp(-s))


ANALYTIC = {  # (loss, dloss/dprediction) as textbook formulas of prediction p, target t, delta d
    "mse": (lambda p, t, d: (p - t) ** 2, lambda p, t, d: 2 * (p - t)),
    "mae": (lambda p, t, d: abs(p - t), lambda p, t, d: math.copysign(1, p - t) if p != t else 0),
    "huber": (
        lambda p, t, d: 0.5 * (p - t) ** 2 if abs(p - t) < d else d * (abs(p - t) - 0.5 * d),
        lambda p, t, d: (p - t) if abs(p - t) < d else d * math.copysign(1, p - t),
    ),
    "cross_entropy": (
        lambda s, y, d: -math.log(sigmoid(s) if y else 1 - sigmoid(s)),
        lambda s, y, d: sigmoid(s) - y,
    ),
    "bce": (
        lambda s, y, d: -math.log(sigmoid(s) if y else 1 - sigmoid(s)),
        lambda s, y, d: sigmoid(s) - y,
    ),
    "hinge": (
        lambda s, y, d: max(0.0, 1 - (2 * y - 1) * s),
        lambda s, y, d: -(2 * y - 1) if 1 - (2 * y - 1) * s > 0 else 0.0,
    ),
}


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("target", [0.0, 1.0])
def test_curve_and_autograd_gradient_match_the_formulas(name: str, target: float) -> None:
    delta = 0.7
    curve = loss_curve(name, target, -3.1, 2.9, delta=delta, n=25)
    loss_f, grad_f = ANALYTIC[name]
    assert len(curve.preds) == len(curve.losses) == len(curve.grads) == 25
    for p, loss, grad in zip(curve.preds, curve.losses, curve.grads, strict=True):
        assert loss == pytest.approx(loss_f(p, target, delta), rel=1e-9, abs=1e-12)
        assert grad == pytest.approx(grad_f(p, target, delta), rel=1e-9, abs=1e-12)


def test_registry_kinds_and_bad_inputs() -> None:
    assert names("regression") == ["mse", "mae", "huber"]
    assert names("classification") == ["cross_entropy", "bce", "hinge"]
    with pytest.raises(ValueError, match="unknown loss"):
        loss_curve("l7", 0.0, -1, 1)
    with pytest.raises(ValueError, match="0 or 1"):
        loss_curve("hinge", 0.5, -1, 1)
    with pytest.raises(ValueError, match="delta"):
        loss_curve("huber", 0.0, -1, 1, delta=0.0)


def test_mse_line_fit_is_least_squares_and_mae_shrugs_off_the_outlier() -> None:
    fits = {}
    for outlier in (1.8, 9.0):
        xs, ys = outlier_data(outlier)
        assert ys[OUTLIER_INDEX] == outlier
        fits[outlier] = {name: fit_line(xs, ys, name) for name in names("regression")}
        a = np.c_[xs, np.ones(len(xs))]
        slope, intercept = np.linalg.lstsq(a, np.array(ys), rcond=None)[0]
        mse = fits[outlier]["mse"]
        assert (mse.slope, mse.intercept) == pytest.approx((slope, intercept), abs=1e-4)
        assert mse.history[-1] < mse.history[0]
    moved = {name: abs(fits[9.0][name].slope - fits[1.8][name].slope) for name in fits[9.0]}
    assert moved["mae"] < moved["huber"] < moved["mse"]
    assert moved["mae"] < 0.1 < moved["mse"]


def test_softmax_gradient_is_p_minus_onehot() -> None:
    logits = [2.0, -1.0, 0.5, 0.0]
    out = softmax_xent(logits, target=2)
    e = [math.exp(v) for v in logits]
    probs = [v / sum(e) for v in e]
    assert out.probs == pytest.approx(probs, rel=1e-12)
    assert out.loss == pytest.approx(-math.log(probs[2]), rel=1e-12)
    onehot = [0, 0, 1, 0]
    assert out.grads == pytest.approx([p - o for p, o in zip(probs, onehot)], rel=1e-9, abs=1e-15)
    assert sum(out.grads) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="target class"):
        softmax_xent(logits, target=4)
