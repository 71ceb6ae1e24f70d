"""Fair A/B: a variant of a run shares its seed; with nothing changed its losses are bit-identical,
and the dashboard overlays both runs with the changed settings listed."""

from __future__ import annotations

from dataclasses import replace

from streamlit.testing.v1 import AppTest

from core.config import RunConfig
from core.data.base import DataConfig
from core.models import MLPConfig
from core.optim import OptimConfig
from core.runs import RunRegistry
from core.trainer import TrainConfig
from pages.ui import state
from tests.pages.conftest import open_page, run, run_until, with_draft

TOY = RunConfig(
    data=DataConfig(name="spiral", n_samples=300),
    model=MLPConfig(hidden=(16,), dropout=0.1),
    optim=OptimConfig(name="adam", lr=3e-3),
    train=TrainConfig(epochs=3, batch_size=32),
    seed=11,
)


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def test_a_variant_with_nothing_changed_has_bit_identical_losses(tmp_path) -> None:
    reg = RunRegistry(tmp_path / "store", max_concurrent=2)
    try:
        a, b = reg.start(TOY, owner="x"), reg.start(TOY, owner="x")
        va, vb = reg.wait(a, timeout=120), reg.wait(b, timeout=120)
        assert va.loss_values and va.loss_values == vb.loss_values  # exactly, not approximately
        # Which epochs are validated follows wall-clock time (core.trainer); those both measured agree.
        both = [
            (x.val_loss, y.val_loss)
            for x, y in zip(va.epochs, vb.epochs, strict=True)
            if x.val_loss == x.val_loss and y.val_loss == y.val_loss
        ]
        assert both and all(x == y for x, y in both)
        changed = reg.wait(
            reg.start(replace(TOY, optim=replace(TOY.optim, lr=1e-2)), owner="x"), 120
        )
        assert changed.loss_values[0] == va.loss_values[0]  # same weights, same first batch
        assert changed.loss_values[1:] != va.loss_values[1:]
    finally:
        reg.shutdown()


def test_run_a_variant_overlays_both_runs_and_lists_the_change(app: AppTest) -> None:
    at = open_page(with_draft(app, TOY), "pages/playground.py")
    at.button(key="playground.start").click()
    run_until(at, lambda a: "— completed" in texts(a.markdown))
    original = at.session_state[state.RUN_ID]
    at.button(key="dashboard.variant").click()
    run(at)
    assert "variant" in texts(at.caption) and original in texts(at.caption)
    assert at.session_state[state.CONFIG] == TOY
    at.session_state[state.CONFIG] = replace(TOY, optim=replace(TOY.optim, lr=1e-2))
    at.button(key="playground.start").click()
    run_until(at, lambda a: "— completed" in texts(a.markdown))
    variant = at.session_state[state.RUN_ID]
    assert variant != original
    assert f"A variant of run `{original}`" in texts(at.markdown)
    assert "optim.lr" in texts(at.caption)
    assert "identical" in texts(at.caption)  # the same weights see the same first batch
    keys = [c.key for c in at.get("plotly_chart")]
    assert "dashboard.variant_curves" in keys and "dashboard.variant_boundary_b" in keys
