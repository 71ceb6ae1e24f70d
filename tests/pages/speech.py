"""What a page says to a visitor, read off an AppTest run: every label, text, help, option, chart
title and table header. Used to check that all of it went through the message catalog."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from streamlit.testing.v1 import AppTest

TEXT_FIELDS = {"label", "body", "help", "placeholder", "options", "caption"}
SKIP_FIELDS = {"spec", "default", "value", "id", "form_id", "icon", "data", "arrow_data"}
# Not meant to be translated: the language switch reads in both languages on purpose.
BILINGUAL = {"Language · 语言", "English", "简体中文"}
_ICON = re.compile(r":material/[a-z_]+:")
_CODE = re.compile(r"`[^`]*`|\$[^$]+\$|<[^>]+>|https?://\S+")
_WORD = re.compile(r"[A-Za-z]{3,}")


def _repeated(field: Any) -> bool:
    flag = getattr(field, "is_repeated", None)
    return bool(flag) if flag is not None else field.label == field.LABEL_REPEATED


def _proto_texts(msg: Any) -> Iterator[str]:
    for field, value in msg.ListFields():
        if field.name in SKIP_FIELDS:
            continue
        if field.name in TEXT_FIELDS:
            items = value if _repeated(field) else [value]
            for item in items:
                if isinstance(item, str):
                    yield item
                elif hasattr(item, "ListFields"):
                    yield from _proto_texts(item)
        elif field.type == field.TYPE_MESSAGE:
            items = value if _repeated(field) else [value]
            for item in items:
                yield from _proto_texts(item)


def _chart_texts(spec: str) -> Iterator[str]:
    fig = json.loads(spec)
    layout = fig.get("layout", {})
    for key, value in layout.items():
        if key == "title" or key.startswith(("xaxis", "yaxis", "coloraxis")):
            title = value.get("title") if isinstance(value, dict) and key != "title" else value
            if isinstance(title, dict):
                title = title.get("text")
            if isinstance(title, str):
                yield title
    for note in layout.get("annotations", []):
        if isinstance(note.get("text"), str):
            yield note["text"]
    for trace in fig.get("data", []):
        if isinstance(trace.get("name"), str) and trace.get("showlegend", True) is not False:
            yield trace["name"]


def visible_texts(at: AppTest) -> list[str]:
    """Every string the page shows: element texts, widget labels/help/options, chart titles."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            if getattr(node, "type", "") == "plotly_chart":
                texts.extend(_chart_texts(proto.spec))
            elif getattr(node, "type", "") != "html":
                texts.extend(_proto_texts(proto))
        if getattr(node, "type", "") in ("arrow_data_frame", "dataframe"):
            texts.extend(str(c) for c in node.value.columns)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return texts


def untranslated(at: AppTest) -> list[str]:
    """Shown texts with English words outside ⟦ ⟧ (run in the pseudo-language "qps")."""
    bad = []
    for text in visible_texts(at):
        if text in BILINGUAL or "⟦" in text:
            continue
        words = _WORD.findall(_CODE.sub("", _ICON.sub("", text)))
        if words:
            bad.append(text)
    return sorted(set(bad))


def speak(page: str, kind: str | None = None, lang: str = "qps") -> AppTest:
    """Run `page` in `lang` (with a finished run of `kind` selected, if given); return the AppTest.

    `python -m tests.pages.speech pages/playground.py --run point` lists what that page shows
    untranslated (set BPL_DATA_DIR to a scratch folder first).
    """
    from pages.ui import i18n, state
    from tests.pages.conftest import APP
    from tests.pages.test_try_page import RUNS

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state[state.OWNER] = "speech-owner-token"
    at.session_state["i18n.lang"] = lang
    i18n.OUTSIDE_SCRIPT_LANGUAGE = lang  # AppTest reads format_func outside the script run
    at.run()
    if kind:
        reg = state.registry()
        run_id = reg.start(RUNS[kind], owner="speech-owner-token")
        reg.wait(run_id, timeout=120)
        at.query_params[state.RUN] = run_id
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("page")
    parser.add_argument("--run", choices=["point", "image", "prompt", "text", "sequence"])
    args = parser.parse_args()
    for line in untranslated(speak(args.page, args.run)):
        print(repr(line))
