"""Long texts live in assets/*.md; pages read them through here."""

from __future__ import annotations

from functools import cache
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[2] / "assets"


@cache
def prose(name: str) -> str:
    """The Markdown text of assets/<name>.md."""
    return (ASSETS / f"{name}.md").read_text(encoding="utf-8")
