"""The bundled fonts -> a WeasyPrint font configuration that sees only them.

WeasyPrint finds fonts through fontconfig; left alone, fontconfig falls back
on the system's fonts for a character the theme's fonts lack, and the book
silently embeds a font we did not choose. `BundledFonts` is WeasyPrint's
FontConfiguration on a fontconfig configuration of our own, made in memory
and holding only the font files of `assets/fonts` (no configuration file, no
cache, no environment variable: nothing outlives the build or leaks into the
next one). Which characters they can print is text/fonts.py's business.
"""
from __future__ import annotations

import functools
import logging
import os
from pathlib import Path

import cffi
from weasyprint.text import ffi as weasyprint_ffi
from weasyprint.text.fonts import FontConfiguration

from ..text.fonts import font_files

log = logging.getLogger(__name__)


@functools.cache
def _fontconfig():
    """The two fontconfig calls WeasyPrint does not declare, on WeasyPrint's own library handle and types."""
    ffi = cffi.FFI()
    ffi.include(weasyprint_ffi.ffi)
    ffi.cdef("FcConfig * FcConfigCreate (void);")
    # Linux's file name first: the dynamic loader opens it at once, where a name without a dot has ctypes run
    # ldconfig, gcc and ld to look for it (30 ms of every worker's start).
    return weasyprint_ffi._dlopen(ffi, "libfontconfig.so.1", "libfontconfig-1", "fontconfig-1", "fontconfig",
                                  "libfontconfig.1.dylib", "libfontconfig-1.dll")


class BundledFonts(FontConfiguration):
    """WeasyPrint's font configuration, on a fontconfig configuration holding the fonts of `folders` alone."""

    def __init__(self, folders: list[Path]):
        super().__init__()
        fontconfig = weasyprint_ffi.fontconfig
        config = _fontconfig().FcConfigCreate()
        for path in font_files(folders):   # each read when the edition was (text/fonts.printable names a bad one)
            if not fontconfig.FcConfigAppFontAddFile(config, os.fsencode(path)):
                log.debug("fontconfig cannot read %s; WeasyPrint loads it itself from @font-face", path)
        font_map = weasyprint_ffi.ffi.cast("PangoFcFontMap *", self.font_map)
        weasyprint_ffi.pangoft2.pango_fc_font_map_set_config(font_map, config)  # drops the system's configuration
        fontconfig.FcConfigDestroy(config)  # the font map keeps its own reference, as in WeasyPrint
        self._config = config
