"""Every page in Chinese and in the pseudo-language: nothing a visitor sees skips the catalog."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from pages.ui import i18n, lessons, state
from tests.pages.conftest import open_page, run
from tests.pages.speech import untranslated
from tests.pages.test_try_page import RUNS

PAGES = {
    "home": ("pages/home.py", None, {}),
    "lessons": ("pages/lessons.py", None, {}),
    "lesson": ("pages/lessons.py", None, {lessons.LESSON: "learning-rate"}),
    "playground": ("pages/playground.py", None, {}),
    "playground-run": ("pages/playground.py", "point", {}),
    "playground-images": ("pages/playground.py", "image", {}),
    "playground-text": ("pages/playground.py", "prompt", {}),
    "runs": ("pages/runs.py", "point", {}),
    "try": ("pages/try_model.py", "point", {}),
    "try-images": ("pages/try_model.py", "image", {}),
    "sweeps": ("pages/sweeps.py", None, {}),
    "teacher": ("pages/teacher.py", None, {}),
    "backprop": ("pages/backprop_lab.py", None, {}),
    "optimizer": ("pages/optimizer_lab.py", None, {}),
    "losses": ("pages/loss_lab.py", None, {}),
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def page(app: AppTest, name: str, lang: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    path, kind, query = PAGES[name]
    monkeypatch.setattr(i18n, "OUTSIDE_SCRIPT_LANGUAGE", lang)
    app.session_state[i18n.LANG] = lang
    run(app)
    if kind:
        reg = state.registry()
        run_id = reg.start(RUNS[kind], owner=app.session_state[state.OWNER])
        assert reg.wait(run_id, timeout=120).status == "completed"
        app.query_params[state.RUN] = run_id
    for key, value in query.items():
        app.query_params[key] = value
    return open_page(app, path)


@pytest.mark.parametrize("name", PAGES)
def test_every_text_on_the_page_goes_through_the_catalog(
    app: AppTest, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = page(app, name, "qps", monkeypatch)
    assert untranslated(at) == []


@pytest.mark.parametrize("name", ["home", "lesson", "playground-run", "optimizer"])
def test_the_page_reads_in_chinese(
    app: AppTest, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = page(app, name, "zh", monkeypatch)
    assert CJK.search(" ".join(m.value for m in [*at.title, *at.markdown]))


def test_a_link_with_lang_zh_switches_and_the_sidebar_switches_back(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(i18n, "OUTSIDE_SCRIPT_LANGUAGE", "zh")
    app.query_params[i18n.QUERY] = "zh"
    at = run(app)
    assert at.session_state[i18n.LANG] == "zh"
    assert CJK.search(" ".join(m.value for m in at.markdown))
    at.radio(key=i18n.PICKER).set_value("en")
    monkeypatch.setattr(i18n, "OUTSIDE_SCRIPT_LANGUAGE", "en")
    run(at)
    assert at.session_state[i18n.LANG] == "en"
    assert not CJK.search(" ".join(m.value for m in at.markdown))
    assert i18n.QUERY not in at.query_params
