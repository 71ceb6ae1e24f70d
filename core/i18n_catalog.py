"""The message catalog's upkeep: find every translatable string in the code, keep the catalogs in
step, and list what is missing (`python -m core i18n update|missing`).

A string is translatable when the code wraps it in `_()`, `N_()` or `ngettext()` (core.i18n).
Babel's Python extractor reads them, as `pybabel extract` would.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from core.i18n import LANGUAGES, SOURCE_LANGUAGE, catalog_path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("app.py", "pages", "core")
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)?(?:[:!][^{}]*)?\}")


def source_files(root: Path = ROOT) -> Iterator[Path]:
    """The Python files whose strings a visitor can see."""
    for name in SOURCES:
        path = root / name
        if path.is_file():
            yield path
        else:
            yield from sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)


def extract(files: Iterable[Path] | None = None) -> dict[str, tuple[str | None, list[str]]]:
    """msgid -> (plural id or None, where it is used) for every marked string in `files`."""
    found: dict[str, tuple[str | None, list[str]]] = {}
    for path in files or source_files():
        for lineno, message, _comments, _context in extract_from_file(
            "python", str(path), keywords=KEYWORDS
        ):
            singular, plural = (
                (message[0], message[1])
                if isinstance(message, tuple)
                else (
                    message,
                    None,
                )
            )
            if not singular:
                continue
            where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{lineno}"
            entry = found.setdefault(singular, (plural, []))
            entry[1].append(where)
    return found


def read_catalog(lang: str) -> Catalog:
    """`lang`'s catalog as Babel reads it (empty when it does not exist yet)."""
    path = catalog_path(lang)
    if not path.is_file():
        return Catalog(locale=lang, domain="messages")
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def write_catalog(catalog: Catalog, lang: str) -> Path:
    """Save `catalog` as `lang`'s .po file (sorted, so diffs stay readable)."""
    path = catalog_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, width=100, omit_header=False)
    return path


def update(lang: str, extra: dict[str, str] | None = None) -> tuple[int, int]:
    """Bring `lang`'s catalog in step with the code: add new ids, drop unused ones, keep every
    translation, and take translations from `extra` (msgid -> text). Returns (ids, untranslated)."""
    messages = extract()
    old = read_catalog(lang)
    known = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in old if m.id}
    catalog = Catalog(locale=lang, domain="messages", project="Backprop Lab")
    missing = 0
    for msgid, (plural, where) in sorted(messages.items()):
        text = (extra or {}).get(msgid) or known.get(msgid) or ""
        if isinstance(text, (tuple, list)):
            text = text[0]
        if plural is not None:
            catalog.add((msgid, plural), string=(text,), locations=_locations(where))
        else:
            catalog.add(msgid, string=text, locations=_locations(where))
        missing += not text
    write_catalog(catalog, lang)
    from core.i18n import translations

    translations.cache_clear()
    return len(messages), missing


def _locations(where: list[str]) -> list[tuple[str, int]]:
    return [(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where[:3]]


def missing(lang: str, files: Iterable[Path] | None = None) -> list[str]:
    """The marked strings of `files` (default: all) with no translation in `lang`."""
    from core.i18n import translations

    table = translations(lang)
    return [msgid for msgid in extract(files) if msgid not in table]


def placeholder_mismatches(lang: str) -> list[str]:
    """Translations whose {placeholders} differ from their English id's (they would raise)."""
    from core.i18n import translations

    bad = []
    for msgid, text in translations(lang).items():
        texts = text if isinstance(text, tuple) else (text,)
        want = set(FIELD.findall(msgid))
        if any(set(FIELD.findall(t)) != want for t in texts):
            bad.append(msgid)
    return bad


def languages() -> list[str]:
    """The languages that have a catalog (all but the source language)."""
    return [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE]
