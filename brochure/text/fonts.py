"""The bundled fonts (`assets/fonts` of the edition, then brochure's) -> their files and the characters they can print.

Only these fonts are used: pdf/fontconfig.py gives WeasyPrint a font
configuration that sees them alone. Among them, `brochure-symbols/` is the
fallback for the symbols the theme's fonts lack (arrows, mathematical
operators, dingbats...). This module does not import WeasyPrint: the
edition is read and checked in a process that lays nothing out.

A character is printable when a font claims it in its cmap with a glyph that
draws something: a font whose glyph for « ⊗ » is empty would print a blank.
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import threading
import unicodedata
from pathlib import Path
from typing import Callable

from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from ..problems import BrochureError
from ..resources import shipped

FONT_SUFFIXES = (".otf", ".ttf", ".woff", ".woff2")
DRAWN_ELSEWHERE = ("CBDT", "sbix", "COLR", "SVG ")   # colour fonts: glyphs without outlines still show
SHIPPED_CLAIMS = "characters.json"      # in brochure's assets/fonts: the code points of each of its fonts


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


def read_font(path: Path, data: bytes | None = None) -> TTFont:
    """A font file (or its bytes, already read) -> its tables (read lazily from memory); BrochureError naming the
    file if it is not a font."""
    try:
        font = TTFont(io.BytesIO(path.read_bytes() if data is None else data), lazy=True)
        font.getBestCmap()
        return font
    except Exception as error:  # fontTools raises anything from struct.error to AssertionError on a broken file
        raise BrochureError(f"{_shown(path)}: not a readable font ({_reason(error)}): replace it with a working "
                            "copy of the font, or remove it") from None


def printable(folders: tuple[Path, ...], digest_of: Callable[[Path], str] | None = None) -> Characters:
    """Every code point some bundled font can draw (see `Characters`), worked out once per process for the same
    font files: kept under the SHA-256 of their bytes (and their path), so a changed font is read again.

    `digest_of(path)` gives a file's digest from a caller that keeps them (`EditionMemo`); by default it is read here.
    The code points brochure's own fonts claim are listed beside them (`shipped_claims`): only the fonts whose
    glyphs are looked at (the edition's own) and any font not listed are read.
    """
    ours = shipped("assets") / "fonts"
    files = [(path, not path.resolve().is_relative_to(ours)) for path in font_files(folders)]
    key = tuple((path, looked_at, (digest_of or _digest)(path)) for path, looked_at in files)
    with _FONT_SETS_LOCK:
        known = _FONT_SETS.get(key)
    if known is not None:
        return known
    read = [(path, looked_at, path.read_bytes()) for path, looked_at in files]
    digests = [hashlib.sha256(data).hexdigest() for _, _, data in read]
    distinct = _distinct(read, digests)
    listed = shipped_claims()
    fonts = [(read_font(path, data), looked_at) for path, looked_at, data, digest in distinct
             if looked_at or digest not in listed]
    claimed = frozenset().union(*(listed[digest] for _, looked_at, _, digest in distinct
                                  if not looked_at and digest in listed),
                                *(claimed_by(font) for font, _ in fonts))
    made = Characters([font for font, looked_at in fonts if looked_at], claimed)
    with _FONT_SETS_LOCK:   # under the digests of the bytes read: those of `key` may be older
        _FONT_SETS[tuple((path, looked_at, digest) for (path, looked_at, _), digest in zip(read, digests))] = made
        while len(_FONT_SETS) > MAX_FONT_SETS:
            del _FONT_SETS[next(iter(_FONT_SETS))]
    return made


def _distinct(read: list[tuple[Path, bool, bytes]], digests: list[str]) -> list[tuple[Path, bool, bytes, str]]:
    """Each font once, with its digest (an edition's copy of a shipped font is the same font): its glyphs are
    looked at only if no copy is brochure's own, whose glyphs the tests check."""
    distinct: dict[str, tuple[Path, bool, bytes, str]] = {}
    for (path, looked_at, data), digest in zip(read, digests):
        first = distinct.get(digest)
        distinct[digest] = (path, looked_at, data, digest) if first is None else (
            first[0], first[1] and looked_at, data, digest)
    return list(distinct.values())


def claimed_by(font: TTFont) -> frozenset[int]:
    """The code points a font claims in its cmap."""
    return frozenset((font.getBestCmap() or {}).keys())


@functools.lru_cache(maxsize=1)
def shipped_claims() -> dict[str, frozenset[int]]:
    """SHA-256 of each font file brochure ships -> the code points it claims, as listed beside them (made by
    `python -m brochure.text.fonts`; a test checks the list against the fonts). Package data, read once: a font
    not listed (an edition's own, a shipped one changed) is read instead. An unreadable list lists nothing."""
    try:
        data = json.loads((shipped("assets") / "fonts" / SHIPPED_CLAIMS).read_bytes())
        return {digest: frozenset(point for start, end in ranges for point in range(start, end + 1))
                for digest, ranges in data["fonts"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def claims_listing(folder: Path) -> bytes:
    """The list `shipped_claims` reads, for the fonts of `folder` (brochure's assets/fonts)."""
    fonts = {}
    for path in font_files([folder]):
        data = path.read_bytes()
        points = sorted(claimed_by(read_font(path, data)))
        ranges = []
        for point in points:
            if ranges and ranges[-1][1] == point - 1:
                ranges[-1][1] = point
            else:
                ranges.append([point, point])
        fonts[hashlib.sha256(data).hexdigest()] = {"file": path.relative_to(folder).as_posix(), "ranges": ranges}
    about = ("The code points each font of this folder claims (its cmap), as ranges, under the SHA-256 of its "
             "file. Made by `python -m brochure.text.fonts`; checked by tests/test_fonts.py.")
    lines = [f'{{"about": {json.dumps(about)},', ' "files": {']
    lines += [f'  {json.dumps(digest)}: {json.dumps(entry["file"])},' for digest, entry in sorted(fonts.items())]
    lines[-1] = lines[-1].rstrip(",")
    lines += [' },', ' "fonts": {']
    lines += [f'  {json.dumps(digest)}: {json.dumps(entry["ranges"], separators=(",", ":"))},'
              for digest, entry in sorted(fonts.items())]
    lines[-1] = lines[-1].rstrip(",")
    lines += [" }", "}", ""]
    return "\n".join(lines).encode()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Font sets already read: (path, looked at, SHA-256 of its bytes) of every file -> what they draw. Keyed by
# content, so never stale; a handful at most (an edition's fonts and brochure's, a font being replaced).
MAX_FONT_SETS = 4
_FONT_SETS: dict[tuple, "Characters"] = {}
_FONT_SETS_LOCK = threading.Lock()


class Characters:
    """The code points the fonts draw: claimed in a cmap, by a glyph that is not empty in any font claiming it.

    Glyphs are looked at only in the edition's own fonts (the shipped ones are checked by the tests), and only
    for the characters asked about: looking at every glyph of every font costs seconds.
    """

    def __init__(self, looked_at: list[TTFont], claimed: frozenset[int]):
        """`looked_at`: the fonts whose glyphs are looked at; `claimed`: the code points every font claims."""
        self._fonts = [(font, font.getBestCmap() or {}) for font in looked_at]
        self.claimed = claimed
        self._drawn: dict[int, bool] = {}
        self._lock = threading.Lock()   # one set serves every caller in the process; fontTools reads lazily

    def __contains__(self, point: int) -> bool:
        if point not in self.claimed:
            return False
        drawn = self._drawn.get(point)
        if drawn is None:
            with self._lock:
                drawn = not any(_empty(font, cmap[point], point) for font, cmap in self._fonts if point in cmap)
            self._drawn[point] = drawn
        return drawn

    def __bool__(self) -> bool:
        return bool(self.claimed)


def _empty(font: TTFont, glyph: str, point: int) -> bool:
    """Whether the glyph of a visible character draws nothing (spaces, controls and format characters may)."""
    if unicodedata.category(chr(point))[0] in "ZC" or any(table in font for table in DRAWN_ELSEWHERE):
        return False
    glyphs = font.getGlyphSet()
    try:
        glyphs[glyph].draw(_FirstPoint(glyphs))
    except _Drawn:
        return False
    except Exception:  # a glyph that cannot be drawn is as good as empty
        return True
    return True


class _Drawn(Exception):
    """The glyph has a point: it draws something (no need to run the rest of its outline)."""


class _FirstPoint(BasePen):
    """A pen that stops the drawing at the first point, its own or a component's."""

    def _moveTo(self, point):
        raise _Drawn

    _lineTo = _curveToOne = _qCurveToOne = _moveTo


def _shown(path: Path) -> Path:
    """assets/fonts/x.ttf, relative to the edition (or the package) it belongs to."""
    for parent in path.parents:
        if parent.name == "assets" and parent.parent != parent:
            return path.relative_to(parent.parent)
    return path


def _reason(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:100]


if __name__ == "__main__":     # python -m brochure.text.fonts: write the list of the shipped fonts' code points
    _folder = shipped("assets") / "fonts"
    (_folder / SHIPPED_CLAIMS).write_bytes(claims_listing(_folder))
    print(f"wrote {_folder / SHIPPED_CLAIMS}")
