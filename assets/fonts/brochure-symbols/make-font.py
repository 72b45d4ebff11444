"""Noto Sans Math + Noto Sans Symbols2 + Noto Sans Symbols -> BrochureSymbols-Regular.ttf, brochure's fallback font.

Run with the Noto fonts of Debian's `fonts-noto-core` (20201225-1):

    apt-get install fonts-noto-core      # or: apt-get download fonts-noto-core && dpkg -x fonts-noto-core_*.deb x
    python assets/fonts/brochure-symbols/make-font.py /usr/share/fonts/truetype/noto

Each font is cut down to U+2000-2BFF (punctuation, super- and subscripts,
currency, letterlike symbols, number forms, arrows, mathematical operators,
technical symbols, control pictures, enclosed alphanumerics, box drawing,
geometric shapes, miscellaneous symbols, dingbats, braille, supplemental
arrows and mathematical operators) and U+1F780-1F8FF (geometric shapes
extended, arrows C); the three are merged (for a character in several, Math
first, then Symbols2, then Symbols), renamed, and given the vertical
proportions of Inter so that a line holding a symbol is not taller.
Licence: SIL Open Font License 1.1, as the originals (no Reserved Font Name).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.merge import Merger
from fontTools.ttLib import TTFont

SOURCES = ("NotoSansMath-Regular.ttf", "NotoSansSymbols2-Regular.ttf", "NotoSansSymbols-Regular.ttf")
UNICODES = [*range(0x2000, 0x2C00), *range(0x1F780, 0x1F900)]
FAMILY = "Brochure Symbols"
TARGET = Path(__file__).resolve().parent / "BrochureSymbols-Regular.ttf"


def cut(source: Path, folder: Path) -> Path:
    options = subset.Options(layout_features=["*"], hinting=False, name_IDs=["*"], notdef_outline=True)
    font = TTFont(source, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    target = folder / source.name
    font.save(target)
    return target


def rename(font: TTFont, sources: list[TTFont]) -> None:
    name = font["name"]
    versions = ", ".join(f"{s['name'].getDebugName(1)} {s['name'].getDebugName(5).split(';')[0]}" for s in sources)
    copyrights = " ".join(dict.fromkeys(s["name"].getDebugName(0) for s in sources))
    for record_id in (16, 17, 21, 22):
        name.removeNames(nameID=record_id)
    for record_id, text in {0: copyrights, 1: FAMILY, 2: "Regular", 3: "brochure;BrochureSymbols-Regular",
                            4: f"{FAMILY} Regular", 5: "Version 1.000", 6: "BrochureSymbols-Regular",
                            10: f"Subset and merge of {versions} (Debian fonts-noto-core 20201225-1), "
                                "made for brochure's fallback symbols"}.items():
        name.setName(text, record_id, 3, 1, 0x409)
        name.setName(text, record_id, 1, 0, 0)


def proportions(font: TTFont) -> None:
    """Inter's ascent and descent (0.969 and 0.241 em), as typographic metrics used by every engine."""
    ascent, descent = 969, -241
    font["hhea"].ascent, font["hhea"].descent, font["hhea"].lineGap = ascent, descent, 0
    os2 = font["OS/2"]
    os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap = ascent, descent, 0
    os2.usWinAscent, os2.usWinDescent = ascent, -descent
    os2.fsSelection |= 1 << 7   # USE_TYPO_METRICS


def main(noto: Path) -> None:
    sources = [TTFont(noto / name) for name in SOURCES]
    with tempfile.TemporaryDirectory() as folder:
        merged = Merger().merge([str(cut(noto / name, Path(folder))) for name in SOURCES])
    rename(merged, sources)
    proportions(merged)
    merged["head"].created = merged["head"].modified = sources[0]["head"].modified
    merged.recalcTimestamp = False
    merged.save(TARGET)
    print(f"{TARGET.name}: {len(merged.getBestCmap())} characters, {TARGET.stat().st_size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/noto"))
