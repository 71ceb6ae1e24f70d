"""The Sweeps page: vary the Playground's setup, follow the runs in a table, heatmap and parallel
coordinates, the best run marked."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.config import RunConfig
from core.data.base import DataConfig
from core.trainer import TrainConfig
from tests.pages.conftest import open_page, run, run_until, with_draft

TINY = RunConfig(data=DataConfig(name="spiral", n_samples=200), train=TrainConfig(epochs=2))


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def test_a_two_parameter_sweep_shows_table_heatmap_and_parallel_coordinates(app: AppTest) -> None:
    at = open_page(with_draft(app, TINY), "pages/sweeps.py")
    at.text_input(key=at.text_input[0].key).set_value("0.003, 0.03")
    at.checkbox(key="sweeps.two").check()
    run(at)
    at.selectbox(key="sweeps.path2").set_value("seed")
    run(at)
    at.text_input(key=at.text_input[1].key).set_value("0, 1")
    at.button(key="sweeps.start").click()
    run_until(at, lambda a: "The sweep is complete" in texts(a.caption), timeout=180)
    table = at.dataframe[0].value
    assert len(table) == 4 and set(table["status"]) == {"completed"}
    assert list(table["best"]).count("★") == 1
    keys = [c.key for c in at.get("plotly_chart")]
    assert "sweeps.heatmap" in keys and "sweeps.parcoords" in keys
    assert "Best so far" in texts(at.success)


def test_a_bad_value_is_explained(app: AppTest) -> None:
    at = open_page(with_draft(app, TINY), "pages/sweeps.py")
    at.text_input(key=at.text_input[0].key).set_value("0.01, fast")
    at.button(key="sweeps.start").click()
    run(at)
    assert "Can't run this sweep" in texts(at.error) and "fast" in texts(at.error)
