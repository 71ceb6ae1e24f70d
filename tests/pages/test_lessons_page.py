"""The Lessons page: a notebook of prose and live cells, its check evaluated on the learner's runs."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.lessons import lesson_slugs, load_lesson
from pages.ui import lessons, state
from tests.pages.conftest import OWNER, open_page, run, run_until

SLUG = "learning-rate"
KEY = f"lessons.{SLUG}.find-it"


def texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.success, *at.info])


def lesson_page(app: AppTest, slug: str = SLUG) -> AppTest:
    app.query_params[lessons.LESSON] = slug
    return open_page(app, "pages/lessons.py")


def test_the_index_lists_every_lesson_and_opens_one(app: AppTest) -> None:
    at = open_page(app, "pages/lessons.py")
    opens = [b for b in at.button if b.key and b.key.startswith("lessons.open.")]
    assert len(opens) == len(lesson_slugs()) >= 1
    at.button(key=f"lessons.open.{SLUG}").click()
    run(at)
    assert at.query_params[lessons.LESSON] in (SLUG, [SLUG])
    assert at.title[0].value.endswith("Gradient descent and the learning rate")


def test_a_cell_trains_inline_and_the_check_passes(app: AppTest) -> None:
    at = lesson_page(app)
    assert "moons · mlp · sgd lr 0.01" in texts(at)  # the cell's setup, restored from the lesson
    assert "Start a cell above" in texts(at)
    at.select_slider(key=f"{KEY}.optim.lr").set_value(1.0)
    run(at)
    assert "sgd lr 1 " in texts(at)  # the control changed this cell's setup, nothing else
    assert "sgd lr 0.001" in texts(at)
    at.button(key=f"{KEY}.start").click()
    run_until(at, lambda a: "Passed" in texts(a))
    assert any(c.key == f"{KEY}.loss" for c in at.get("plotly_chart"))
    book = lessons.progress().read(OWNER)[SLUG]
    assert book.passed and len(book.runs["find-it"]) == 1
    at.button(key="lessons.back").click()
    run(at)
    assert "1 of" in at.get("progress")[0].proto.text


def test_a_run_that_misses_the_check_is_evaluated_not_passed(app: AppTest) -> None:
    at = lesson_page(app)
    at.button(key=f"lessons.{SLUG}.too-low.start").click()
    run_until(at, lambda a: "completed" in texts(a))
    assert "validation accuracy ≥ 0.95 (your best run: 0." in texts(at)
    assert "Not yet" in texts(at)
    assert not lessons.progress().read(OWNER)[SLUG].passed


def test_the_lesson_reads_in_chinese(app: AppTest) -> None:
    app.session_state["i18n.lang"] = "zh"
    at = lesson_page(app)
    assert "梯度下降与学习率" in at.title[0].value
    assert "学习率" in texts(at)


def test_an_unknown_lesson_says_so_and_lists_the_others(app: AppTest) -> None:
    at = lesson_page(app, "no-such-lesson")
    assert "no-such-lesson" in " ".join(w.value for w in at.warning)
    assert len([b for b in at.button if (b.key or "").startswith("lessons.open.")]) >= 1


@pytest.mark.parametrize("slug", lesson_slugs())
def test_every_lesson_renders_its_cells_in_both_languages(app: AppTest, slug: str) -> None:
    at = lesson_page(app, slug)
    starts = [b for b in at.button if (b.key or "").endswith(".start")]
    assert len(starts) == len(load_lesson(slug).runs) >= 1
    assert any("≥" in m.value or "≤" in m.value or "=" in m.value for m in at.markdown)
    at.session_state["i18n.lang"] = "zh"
    run(at)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in at.title[0].value)


TWO_STEP = """---
title: Two steps
summary: S
question: Q
look_at: L
check: finetuned == 1
---
First pre-train.

```run pretrain
data.name=spiral
data.n_samples=200
model.hidden=8
train.epochs=1
```

Then start from it.

```run tune
data.name=spiral
data.n_samples=200
model.hidden=8
train.epochs=1
finetune.init_from=cell:pretrain
```
"""


def test_a_cell_starts_from_the_learners_run_of_an_earlier_cell(
    app: AppTest, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "01-two-step.md").write_text(TWO_STEP, encoding="utf-8")
    monkeypatch.setattr("core.lessons.LESSONS_DIR", tmp_path)
    at = lesson_page(app, "two-step")
    at.button(key="lessons.two-step.tune.start").click()
    run(at)
    assert "“pretrain” above first" in " ".join(e.value for e in at.error)
    at.button(key="lessons.two-step.pretrain.start").click()
    run_until(at, lambda a: "completed" in texts(a))
    pretrained = lessons.progress().read(OWNER)["two-step"].runs["pretrain"][-1]
    assert state.registry().store.checkpoint_path(pretrained).is_file()
    at.button(key="lessons.two-step.tune.start").click()
    run_until(at, lambda a: "Passed" in texts(a))
    tuned = lessons.progress().read(OWNER)["two-step"].runs["tune"][-1]
    view = state.registry().snapshot(tuned)
    assert view.config.finetune.init_from == f"run:{pretrained}"


def test_a_cell_waiting_for_another_offers_no_controls_until_it_can_start(
    app: AppTest, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = TWO_STEP.replace(
        "finetune.init_from=cell:pretrain", "finetune.init_from=cell:pretrain\nvary=optim.lr"
    )
    (tmp_path / "01-two-step.md").write_text(text, encoding="utf-8")
    monkeypatch.setattr("core.lessons.LESSONS_DIR", tmp_path)
    at = lesson_page(app, "two-step")
    assert "“pretrain” above" in texts(at)
    keys = [w.key for w in at.select_slider] + [b.key for b in at.button]
    assert "lessons.two-step.tune.optim.lr" not in keys  # nothing to change before it can start
    assert not any("run:pending" in str(b.proto) for b in at.get("link_button"))


def test_a_link_cannot_switch_the_page_into_the_test_language(app: AppTest) -> None:
    app.query_params["lang"] = "qps"
    at = run(app)
    assert at.session_state["i18n.lang"] == "en"
    assert not any("⟦" in m.value for m in at.markdown)
