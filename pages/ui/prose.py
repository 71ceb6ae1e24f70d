"""Long texts live in assets/*.md (with a `<name>.zh.md` beside each for Chinese); pages read
them through here, in the visitor's language."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from core.i18n import PSEUDO, join_cjk_lines, language, localized_path

ASSETS = Path(__file__).resolve().parents[2] / "assets"


@cache
def _read(path: Path) -> str:
    return join_cjk_lines(path.read_text(encoding="utf-8"))


def prose(name: str) -> str:
    """The Markdown text of assets/<name>.md in the visitor's language."""
    return pseudo_marked(_read(localized_path(ASSETS / f"{name}.md")))


def pseudo_marked(text: str) -> str:
    """`text`, wrapped in ⟦ ⟧ in the test pseudo-language (it went through translation)."""
    return f"⟦{text}⟧" if language() == PSEUDO else text
