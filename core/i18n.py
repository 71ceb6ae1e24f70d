"""Translations: one gettext catalog per language, looked up with `_()` everywhere.

English source strings are the message ids (gettext's convention), so code reads naturally and an
untranslated message falls back to English. The catalog is `assets/locales/<lang>/LC_MESSAGES/
messages.po`, read with Babel; `python -m core i18n` extracts the ids and lists what is missing.

    from core.i18n import _, N_
    st.button(_("Start"))
    st.caption(_("{n} runs finished").format(n=3))    # placeholders are named, never f-strings
    HELP = N_("Steps per epoch")                      # marked here, translated where shown: _(HELP)

Which language a call gets is asked of a *language source*: the app registers one that reads the
visitor's session (`pages/ui/i18n.py`); the CLI and workers have none, so they speak English.
The hidden pseudo-language "qps" wraps every translated string in ⟦ ⟧, so a test can see text that
never went through `_()`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "assets"
LOCALES = ASSETS / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
LANGUAGES: dict[str, str] = {"en": "English", "zh": "简体中文"}
PSEUDO = "qps"  # for tests only: every translated string wrapped in ⟦ ⟧

_source: Callable[[], str] | None = None


def set_language_source(source: Callable[[], str] | None) -> Callable[[], str] | None:
    """Register the function that names the current language (the app: the visitor's choice);
    returns the one it replaces, so a test can put it back."""
    global _source
    previous, _source = _source, source
    return previous


def language() -> str:
    """The language the current caller reads: the source's answer, else English."""
    lang = _source() if _source is not None else SOURCE_LANGUAGE
    return lang if lang in LANGUAGES or lang == PSEUDO else SOURCE_LANGUAGE


def catalog_path(lang: str) -> Path:
    """Where `lang`'s catalog lives."""
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> dict[str, str | tuple[str, ...]]:
    """msgid -> msgstr of `lang`'s catalog (translated entries only; fuzzy ones are skipped)."""
    path = catalog_path(lang)
    if lang == SOURCE_LANGUAGE or not path.is_file():
        return {}
    from babel.messages.pofile import read_po  # imported here: the CLI's training path skips it

    with path.open("rb") as handle:
        catalog = read_po(handle)
    table: dict[str, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
        text = message.string
        if isinstance(text, (tuple, list)):
            if all(text):
                table[key] = tuple(text)
        elif text:
            table[key] = text
    return table


def gettext(message: str) -> str:
    """`message` in the current language (English when it has no translation)."""
    lang = language()
    if lang == PSEUDO:
        return f"⟦{message}⟧"
    found = translations(lang).get(message)
    if isinstance(found, tuple):
        return found[0]
    return found or message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n` (Chinese has one form for both)."""
    lang = language()
    english = singular if n == 1 else plural
    if lang == PSEUDO:
        return f"⟦{english}⟧"
    found = translations(lang).get(singular)
    if isinstance(found, tuple):
        return found[0] if len(found) == 1 or n == 1 else found[1]
    return found or english


def N_(message: str) -> str:
    """Mark `message` for the catalog without translating it now (it is translated where shown)."""
    return message


_ = gettext


_CJK_BREAK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\n(?=[\u3000-\u9fff\uff00-\uffef])")


def join_cjk_lines(text: str) -> str:
    """Join lines wrapped between two Chinese characters: Markdown turns a line break inside a
    paragraph into a space, which Chinese text does not have."""
    return _CJK_BREAK.sub("", text)


def localized_path(path: Path) -> Path:
    """The current language's version of an asset: `home.md` -> `home.zh.md` when it exists."""
    lang = language()
    if lang in (SOURCE_LANGUAGE, PSEUDO):
        return path
    candidate = path.with_name(f"{path.stem}.{lang}{path.suffix}")
    return candidate if candidate.is_file() else path
