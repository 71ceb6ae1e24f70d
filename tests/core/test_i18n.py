"""Translations: every marked string has its Chinese, placeholders agree, prose has its .zh.md,
the shipped font covers the Chinese, and lookups follow the visitor's language."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core import i18n
from core.i18n import ASSETS, _
from core.i18n_catalog import ROOT, missing, placeholder_mismatches, source_files

ZH_TEXTS = sorted(ASSETS.rglob("*.zh.md"))
ENGLISH_PROSE = sorted(
    p for p in ASSETS.rglob("*.md") if len(p.suffixes) == 1 and p.parent.name != "locales"
)
SECTION = re.compile(r"^## +(\S+) *$", re.MULTILINE)
FIELD = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}(?!\})")


@pytest.fixture
def language():
    previous = i18n.set_language_source(None)

    def use(lang: str) -> None:
        i18n.set_language_source(lambda: lang)

    yield use
    i18n.set_language_source(previous)


def test_every_marked_string_has_a_chinese_translation() -> None:
    gaps = missing("zh")
    assert not gaps, (
        f"{len(gaps)} strings without Chinese, e.g. {gaps[:5]} (python -m core i18n missing)"
    )


def test_translations_keep_the_placeholders_of_their_english() -> None:
    assert placeholder_mismatches("zh") == []


def test_no_fstring_is_translated() -> None:
    """_() of an f-string looks up text with the values already in it: never found."""
    bad = []
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_", "gettext", "ngettext")
                and node.args
                and isinstance(node.args[0], (ast.JoinedStr, ast.BinOp))
            ):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bad == []


@pytest.mark.parametrize("path", ENGLISH_PROSE, ids=lambda p: str(p.relative_to(ASSETS)))
def test_every_prose_file_has_its_chinese_twin_with_the_same_sections(path: Path) -> None:
    twin = path.with_name(f"{path.stem}.zh.md")
    assert twin.is_file(), f"{twin.relative_to(ROOT)} is missing"
    en, zh = path.read_text(encoding="utf-8"), twin.read_text(encoding="utf-8")
    assert SECTION.findall(en) == SECTION.findall(zh)
    for en_part, zh_part in zip(SECTION.split(en)[2::2], SECTION.split(zh)[2::2], strict=True):
        assert sorted(set(FIELD.findall(en_part))) == sorted(set(FIELD.findall(zh_part)))
    assert re.search(r"[\u4e00-\u9fff]", zh), "the translation has no Chinese in it"


def test_the_shipped_font_covers_every_chinese_character() -> None:
    from fontTools.ttLib import TTFont

    font = TTFont(ROOT / "static" / "NotoSansSC-subset.woff2")
    covered = set(font.getBestCmap())
    text = i18n.catalog_path("zh").read_text(encoding="utf-8")
    text += "".join(p.read_text(encoding="utf-8") for p in ZH_TEXTS)
    needed = {c for c in text if 0x3000 <= ord(c) <= 0x9FFF or 0xFF00 <= ord(c) <= 0xFFEF}
    lacking = sorted(c for c in needed if ord(c) not in covered)
    assert not lacking, f"rebuild the font (assets/fonts/make_cjk_subset.py): {''.join(lacking)}"


def test_lookups_follow_the_language(language) -> None:
    assert _("Start") == "Start"  # no language source: English
    language("zh")
    assert _("Start") == "开始"
    assert _("a sentence nobody wrote") == "a sentence nobody wrote"  # falls back to English
    language("qps")
    assert _("Start") == "⟦Start⟧"
    language("xx-unknown")
    assert _("Start") == "Start"


def test_chinese_prose_is_picked_for_chinese_readers(language) -> None:
    home = ASSETS / "home.md"
    assert i18n.localized_path(home) == home
    language("zh")
    assert i18n.localized_path(home).name == "home.zh.md"


def _stray_bold(text: str) -> bool:
    """Whether `text` (placeholders filled with a Chinese character) shows a literal `**`: in
    CommonMark, full-width punctuation just inside a bold's edge stops it closing."""
    from markdown_it import MarkdownIt

    filled = re.sub(r"\{[A-Za-z_0-9]*(?:[:!][^{}]*)?\}", "字", text)
    return "**" in MarkdownIt("commonmark").render(filled)


def test_chinese_bold_text_renders_as_bold() -> None:
    from babel.messages.pofile import read_po

    with i18n.catalog_path("zh").open("rb") as handle:
        catalog = read_po(handle)
    texts = [m.string for m in catalog if m.id and isinstance(m.string, str)]
    texts += [p for path in ZH_TEXTS for p in path.read_text(encoding="utf-8").split("\n\n")]
    assert [t[:60] for t in texts if _stray_bold(t)] == []
