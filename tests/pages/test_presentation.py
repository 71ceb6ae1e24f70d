"""Presentation mode: larger charts and text, the Playground's setup hidden; `present=1` links."""

from __future__ import annotations

import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from pages.ui import presentation
from tests.pages.conftest import open_page


def test_presenting_hides_the_setup_and_keeps_start(app: AppTest) -> None:
    app.query_params[presentation.QUERY] = "1"
    at = open_page(app, "pages/playground.py")
    keys = {w.key for w in at.selectbox} | {w.key for w in at.number_input}
    assert not any(k and k.startswith("playground.data") for k in keys)
    assert "Presentation mode" in " ".join(c.value for c in at.sidebar.caption)
    assert not at.button(key="playground.start").disabled


def test_without_it_the_setup_is_there(app: AppTest) -> None:
    at = open_page(app, "pages/playground.py")
    assert "Presentation mode" not in " ".join(c.value for c in at.sidebar.caption)
    assert any((w.key or "").startswith("playground.data") for w in at.selectbox)


def test_charts_grow_when_presenting(monkeypatch) -> None:
    fig = go.Figure().update_layout(height=300, font_size=16)
    monkeypatch.setattr(presentation, "enabled", lambda: False)
    assert presentation.scale(fig).layout.height == 300
    monkeypatch.setattr(presentation, "enabled", lambda: True)
    scaled = presentation.scale(go.Figure().update_layout(height=300, font_size=16))
    assert scaled.layout.height == 390 and scaled.layout.font.size == 22
