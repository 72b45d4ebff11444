"""The bundled fonts -> a WeasyPrint font configuration that sees only them, and the characters they can print.

WeasyPrint finds fonts through fontconfig; left alone, fontconfig falls back
on the system's fonts for a character the theme's fonts lack, and the book
silently embeds a font we did not choose. `BundledFonts` is WeasyPrint's
FontConfiguration on a fontconfig configuration of our own, made in memory
and holding only the font files of `assets/fonts` (no configuration file, no
cache, no environment variable: nothing outlives the build or leaks into the
next one). Among them, `brochure-symbols/` is the fallback for the symbols
the theme's fonts lack (arrows, mathematical operators, dingbats...).

A character is printable when a font claims it in its cmap with a glyph that
draws something: a font whose glyph for « ⊗ » is empty would print a blank.
"""
from __future__ import annotations

import functools
import io
import logging
import os
import unicodedata
from pathlib import Path

import cffi
from fontTools.pens.boundsPen import ControlBoundsPen
from fontTools.ttLib import TTFont
from weasyprint.text import ffi as weasyprint_ffi
from weasyprint.text.fonts import FontConfiguration

from ..problems import BrochureError
from ..resources import shipped

log = logging.getLogger(__name__)
FONT_SUFFIXES = (".otf", ".ttf", ".woff", ".woff2")
DRAWN_ELSEWHERE = ("CBDT", "sbix", "COLR", "SVG ")   # colour fonts: glyphs without outlines still show


def font_folders(*roots: Path) -> list[Path]:
    return [root / "assets" / "fonts" for root in dict.fromkeys(roots) if (root / "assets" / "fonts").is_dir()]


def bundled_font_folders(edition_root: Path) -> tuple[Path, ...]:
    """The fonts an edition may use: its own assets/fonts (if any), then those shipped with brochure; resolved."""
    folders = [folder.resolve() for folder in font_folders(edition_root)] + [shipped("assets") / "fonts"]
    return tuple(dict.fromkeys(folder for folder in folders if folder.is_dir()))


def font_files(folders) -> list[Path]:
    """The font files of `folders`, sorted; a file whose real path leaves its folder (a symlink) is not one."""
    files = []
    for folder in folders:
        inside = folder.resolve()
        files += [path for path in sorted(folder.rglob("*")) if path.suffix.lower() in FONT_SUFFIXES
                  and path.is_file() and path.resolve().is_relative_to(inside)]
    return files


@functools.cache
def _fontconfig():
    """The two fontconfig calls WeasyPrint does not declare, on WeasyPrint's own library handle and types."""
    ffi = cffi.FFI()
    ffi.include(weasyprint_ffi.ffi)
    ffi.cdef("FcConfig * FcConfigCreate (void);")
    return weasyprint_ffi._dlopen(ffi, "libfontconfig-1", "fontconfig-1", "fontconfig", "libfontconfig.so.1",
                                  "libfontconfig.1.dylib", "libfontconfig-1.dll")


class BundledFonts(FontConfiguration):
    """WeasyPrint's font configuration, on a fontconfig configuration holding the fonts of `folders` alone."""

    def __init__(self, folders: list[Path]):
        super().__init__()
        fontconfig = weasyprint_ffi.fontconfig
        config = _fontconfig().FcConfigCreate()
        printable(tuple(folders))  # every file is a readable font (cached: `check` has read them already)
        for path in font_files(folders):
            if not fontconfig.FcConfigAppFontAddFile(config, os.fsencode(path)):
                log.debug("fontconfig cannot read %s; WeasyPrint loads it itself from @font-face", path)
        font_map = weasyprint_ffi.ffi.cast("PangoFcFontMap *", self.font_map)
        weasyprint_ffi.pangoft2.pango_fc_font_map_set_config(font_map, config)  # drops the system's configuration
        fontconfig.FcConfigDestroy(config)  # the font map keeps its own reference, as in WeasyPrint
        self._config = config


def read_font(path: Path) -> TTFont:
    """A font file -> its tables (read lazily from memory); BrochureError naming the file if it is not a font."""
    try:
        font = TTFont(io.BytesIO(path.read_bytes()), lazy=True)
        font.getBestCmap()
        return font
    except Exception as error:  # fontTools raises anything from struct.error to AssertionError on a broken file
        raise BrochureError(f"{_shown(path)}: not a readable font ({_reason(error)}): replace it with a working "
                            "copy of the font, or remove it") from None


def fingerprint(folders) -> tuple:
    """The font files of `folders` with their size and time: what a long-lived process compares to see a change."""
    return tuple((path, path.stat().st_size, path.stat().st_mtime_ns) for path in font_files(folders))


def printable(folders: tuple[Path, ...]) -> Characters:
    """Every code point some bundled font can draw (see `Characters`); cached while the font files are unchanged."""
    return _characters(fingerprint(folders))


@functools.lru_cache(maxsize=8)
def _characters(fingerprint: tuple) -> Characters:
    ours = shipped("assets") / "fonts"
    return Characters([(read_font(path), not path.resolve().is_relative_to(ours)) for path, _, _ in fingerprint])


class Characters:
    """The code points the fonts draw: claimed in a cmap, by a glyph that is not empty in any font claiming it.

    Glyphs are looked at only in the edition's own fonts (the shipped ones are checked by the tests), and only
    for the characters asked about: looking at every glyph of every font costs seconds.
    """

    def __init__(self, fonts: list[tuple[TTFont, bool]]):
        self._fonts = [(font, font.getBestCmap() or {}, looked_at) for font, looked_at in fonts]
        self._claimed = frozenset(point for _, cmap, _ in self._fonts for point in cmap)
        self._drawn: dict[int, bool] = {}

    def __contains__(self, point: int) -> bool:
        if point not in self._claimed:
            return False
        if point not in self._drawn:
            self._drawn[point] = not any(_empty(font, cmap[point], point) for font, cmap, looked_at in self._fonts
                                         if looked_at and point in cmap)
        return self._drawn[point]

    def __bool__(self) -> bool:
        return bool(self._claimed)


def _empty(font: TTFont, glyph: str, point: int) -> bool:
    """Whether the glyph of a visible character draws nothing (spaces, controls and format characters may)."""
    if unicodedata.category(chr(point))[0] in "ZC" or any(table in font for table in DRAWN_ELSEWHERE):
        return False
    glyphs = font.getGlyphSet()
    pen = ControlBoundsPen(glyphs)
    try:
        glyphs[glyph].draw(pen)
    except Exception:  # a glyph that cannot be drawn is as good as empty
        return True
    return pen.bounds is None


def _shown(path: Path) -> Path:
    """assets/fonts/x.ttf, relative to the edition (or the package) it belongs to."""
    for parent in path.parents:
        if parent.name == "assets" and parent.parent != parent:
            return path.relative_to(parent.parent)
    return path


def _reason(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:100]
