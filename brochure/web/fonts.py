"""The fonts a web stylesheet names -> WOFF2 files subset to the edition's characters, from the bundled fonts.

A stylesheet asks for `url("fonts/Inter-Regular.woff2")`; the file is made
from `Inter-Regular.otf` (or `.ttf`) found in `assets/fonts/` of the edition
or of brochure, cut down (fontTools) to the characters the pages hold plus
Latin-1: a few tens of kilobytes instead of a few hundred. The bundled fonts
are under the SIL Open Font License, which allows subsetting and embedding;
the licence travels beside them (`fonts/LICENSE-*.txt`). Subsetting takes a
second or two a font, so a subset is kept in a cache folder (build/.cache/)
under a digest of the font and the characters: the same inputs, the same bytes.
"""
from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

from ..problems import BrochureError

FONT_URL = re.compile(r"""url\(\s*["']?fonts/([A-Za-z0-9_.-]+)\.woff2["']?\s*\)""")
ALWAYS = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | {0x2019, 0x202F, 0x2026, 0x2013, 0x2014, 0x2191}


def named_fonts(css: str) -> list[str]:
    """The font files (without suffix) a stylesheet loads from fonts/, in order."""
    return list(dict.fromkeys(FONT_URL.findall(css)))


def web_fonts(css: str, folders: list[Path], text: str, cache: Path | None = None) -> dict[str, bytes]:
    """fonts/NAME.woff2 -> its bytes, for every font the stylesheet names; also each font's licence."""
    files: dict[str, bytes] = {}
    characters = ALWAYS | {ord(char) for char in text}
    for name in named_fonts(css):
        source = _source(name, folders)
        files[f"fonts/{name}.woff2"] = _cached(source, characters, cache)
        licence = next(iter(sorted(source.parent.glob("LICENSE*"))), None)
        if licence is not None:
            files[f"fonts/LICENSE-{source.parent.name}.txt"] = licence.read_bytes()
    return files


def _cached(source: Path, characters: set[int], cache: Path | None) -> bytes:
    """The subset of `source`, from the cache when it was made before."""
    if cache is None:
        return subset(source, characters)
    digest = hashlib.sha256(source.read_bytes() + ",".join(map(str, sorted(characters))).encode()).hexdigest()
    kept = cache / f"{source.stem}-{digest[:20]}.woff2"
    if kept.is_file():
        return kept.read_bytes()
    data = subset(source, characters)
    cache.mkdir(parents=True, exist_ok=True)
    temporary = kept.with_suffix(".part")
    temporary.write_bytes(data)
    temporary.replace(kept)
    return data


def subset(path: Path, characters: set[int]) -> bytes:
    from fontTools import subset as fonttools_subset
    from fontTools.ttLib import TTFont
    options = fonttools_subset.Options()
    options.flavor = "woff2"
    options.name_IDs = ["*"]            # keep the copyright and licence names
    with TTFont(path, recalcTimestamp=False) as font:
        subsetter = fonttools_subset.Subsetter(options)
        subsetter.populate(unicodes=characters)
        subsetter.subset(font)
        font.flavor = "woff2"
        out = io.BytesIO()
        font.save(out)
    return out.getvalue()


def _source(name: str, folders: list[Path]) -> Path:
    for folder in folders:
        for suffix in (".otf", ".ttf"):
            found = sorted(folder.rglob(name + suffix))
            if found:
                return found[0].resolve()
    raise BrochureError(f"web stylesheet: font 'fonts/{name}.woff2' has no {name}.otf or {name}.ttf in "
                        + ", ".join(str(folder) for folder in folders))
