"""Sectioned prose for the labs: one Markdown file, `## name` headings, one template per section.

Templates use Python's format syntax (`{lr:.3g}`), filled with numbers from the current run, so
explanations quote the very numbers on screen while their wording stays in assets/labs/*.md.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from functools import cache

from core.i18n import join_cjk_lines, language, localized_path
from pages.ui.prose import ASSETS, pseudo_marked

_HEADING = re.compile(r"^## +(\S+) *$", re.MULTILINE)


def sections(name: str) -> dict[str, str]:
    """The `## key` sections of assets/<name>.md in the visitor's language, keyed by heading."""
    return {key: pseudo_marked(text) for key, text in _sections(name, language()).items()}


@cache
def _sections(name: str, lang: str) -> dict[str, str]:
    text = join_cjk_lines(localized_path(ASSETS / f"{name}.md").read_text(encoding="utf-8"))
    parts = _HEADING.split(text)
    return {key: text.strip() for key, text in zip(parts[1::2], parts[2::2], strict=True)}


def fields(template: str) -> set[str]:
    """The placeholder names a template uses."""
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def fill(name: str, section: str, numbers: Mapping[str, object]) -> str:
    """Section `section` of assets/<name>.md with `numbers` filled in."""
    return sections(name)[section].format_map(numbers)
