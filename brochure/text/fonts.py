"""The bundled fonts -> a fontconfig that sees only them, and the set of characters they can print.

WeasyPrint finds fonts through fontconfig; left alone, fontconfig falls back
on the system's fonts for a character the theme's fonts lack, and the book
silently embeds a font we did not choose. Pointing FONTCONFIG_FILE at a
configuration listing only `assets/fonts` keeps every glyph in our fonts.
"""
from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from pathlib import Path

FONT_SUFFIXES = (".otf", ".ttf", ".woff", ".woff2")


def font_folders(*roots: Path) -> list[Path]:
    return [root / "assets" / "fonts" for root in dict.fromkeys(roots) if (root / "assets" / "fonts").is_dir()]


def isolate_fontconfig(folders: list[Path]) -> None:
    """Make fontconfig (read when WeasyPrint's FontConfiguration is created) see only `folders`."""
    dirs = "".join(f"<dir>{folder.resolve()}</dir>" for folder in folders)
    cache = Path(tempfile.gettempdir()) / "brochure-fontconfig-cache"
    config = Path(tempfile.gettempdir()) / f"brochure-fonts-{hashlib.md5(dirs.encode()).hexdigest()[:12]}.conf"
    if not config.is_file():
        config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
                          f"<fontconfig>{dirs}<cachedir>{cache}</cachedir></fontconfig>", encoding="utf-8")
    os.environ["FONTCONFIG_FILE"] = str(config)


@functools.lru_cache(maxsize=8)
def printable(folders: tuple[Path, ...]) -> frozenset[int]:
    """Every code point some bundled font can draw."""
    from fontTools.ttLib import TTFont
    points: set[int] = set()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in FONT_SUFFIXES:
                with TTFont(path, lazy=True) as font:
                    points.update(font.getBestCmap() or {})
    return frozenset(points)
