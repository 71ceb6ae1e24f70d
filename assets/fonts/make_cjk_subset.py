"""Build static/NotoSansSC-subset.woff2, the Chinese font the app ships (theme.fontFaces in
.streamlit/config.toml), so Chinese renders on machines without CJK system fonts.

The full Noto Sans CJK is 19 MB; the app only needs the characters of its Chinese texts plus the
3,500 characters of the common-use list (GB2312 level 1), so what a visitor types renders too.
Source: Debian's fonts-noto-cjk package (SIL Open Font License 1.1, see static/OFL.txt):

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb /tmp/noto
    .venv/bin/python assets/fonts/make_cjk_subset.py /tmp/noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

Run it again after adding Chinese text (tests/test_i18n.py says when a character is missing).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "static" / "NotoSansSC-subset.woff2"
SC_INDEX = 2  # "Noto Sans CJK SC" in the collection


def chinese_texts() -> str:
    """Every Chinese text the app ships: the catalog and the translated Markdown."""
    parts = [(ROOT / "assets/locales/zh/LC_MESSAGES/messages.po").read_text(encoding="utf-8")]
    parts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "assets").rglob("*.zh.md"))]
    return "".join(parts)


def common_characters() -> str:
    """GB2312 level 1: the 3,755 most used Chinese characters (rows 16-55 of the code table)."""
    chars = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def needed() -> set[int]:
    """Code points the subset keeps: CJK characters and full-width punctuation."""
    text = chinese_texts() + common_characters() + "，。：；？！、“”‘’（）《》【】…—·～％"
    return {ord(c) for c in text if ord(c) > 0x2E7F}


def main(source: str) -> None:
    font = TTCollection(source).fonts[SC_INDEX]
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=needed())
    subsetter.subset(font)
    OUT.parent.mkdir(exist_ok=True)
    font.flavor = "woff2"
    font.save(OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main(sys.argv[1])
