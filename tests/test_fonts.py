"""Fonts: only the bundled ones reach the PDF, symbols fall back on Brochure Symbols, broken fonts are named."""
from __future__ import annotations

import ctypes
import hashlib
import os
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

from brochure.resources import shipped
from brochure.build import build, check, preview
from brochure.problems import BrochureError, ContentError
from brochure.text.fonts import _empty, font_files, font_folders, printable, read_font

SYMBOLS = "⊗ ✔ ∉ ➜"          # in none of the theme's fonts: printed with Brochure Symbols
IN_INTER = "✓ ≥ → €"         # Inter has these


def fonts_of_characters(path: Path, characters: str) -> dict[str, set[str]]:
    """Character -> the names of the fonts it is drawn with, as pdfium extracts the text."""
    found: dict[str, set[str]] = {}
    document = pdfium.PdfDocument(str(path))
    for page in document:
        text = page.get_textpage()
        for index in range(text.count_chars()):
            character = chr(pdfium_raw.FPDFText_GetUnicode(text, index))
            if character in characters:
                name = ctypes.create_string_buffer(256)
                pdfium_raw.FPDFText_GetFontInfo(text, index, name, 256, ctypes.byref(ctypes.c_int()))
                found.setdefault(character, set()).add(name.value.decode().split("+", 1)[-1])
    document.close()
    return found


def with_text(mini: Path, text: str) -> Path:
    card = mini / "data" / "cards" / "01-alpha.md"
    card.write_text(card.read_text().replace("La collectivité porte un projet.", text))
    return card


@pytest.mark.parametrize("theme", ["default", "sober"])
def test_symbols_the_theme_lacks_print_in_brochure_symbols_and_are_extracted(mini, theme):
    with_text(mini, f"Les signes {SYMBOLS} et {IN_INTER} sont imprimés.")
    fonts = fonts_of_characters(preview(mini, "1", theme=theme).path, SYMBOLS + IN_INTER)
    for symbol in SYMBOLS.split():
        assert fonts.get(symbol) == {"Brochure-Symbols"}, symbol
    for symbol in IN_INTER.split():
        assert fonts.get(symbol), f"{symbol} is not in the PDF's text"
        assert all(name.startswith(("Inter", "Noto-Serif")) for name in fonts[symbol]), (symbol, fonts[symbol])


def test_a_character_no_bundled_font_has_is_a_check_error(mini):
    with_text(mini, "Le signe 中 n'est dans aucune police.")
    with pytest.raises(ContentError) as error:
        check(mini)
    assert [p.format(mini) for p in error.value.problems] == [
        "data/cards/01-alpha.md:30: text: character « 中 » (U+4E2D) is in none of the bundled fonts: "
        "it would print as an empty box; use another character"]


def tiny_font(path: Path, glyphs: dict[str, bool], cff: bool = False) -> Path:
    """A font claiming each character of `glyphs`, with a triangle for it if True, an empty glyph if False."""
    names = {character: f"uni{ord(character):04X}" for character in glyphs}
    order = [".notdef", *names.values()]
    drawn = dict(zip(order, [True, *glyphs.values()]))
    builder = FontBuilder(1000, isTTF=not cff)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap({ord(character): name for character, name in names.items()})
    outlines = {}
    for name in order:
        pen = T2CharStringPen(600, None) if cff else TTGlyphPen(None)
        if drawn[name]:
            pen.moveTo((100, 0))
            pen.lineTo((500, 0))
            pen.lineTo((300, 600))
            pen.closePath()
        outlines[name] = pen.getCharString() if cff else pen.glyph()
    if cff:
        builder.setupCFF("TestFont-Regular", {"FullName": "Test Font"}, outlines, {})
    else:
        builder.setupGlyf(outlines)
    builder.setupHorizontalMetrics({name: (600, 0) for name in order})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Test Font", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    path.parent.mkdir(parents=True, exist_ok=True)
    builder.save(str(path))
    return path


@pytest.mark.parametrize("suffix", ["ttf", "otf"])
def test_an_edition_font_whose_glyph_is_empty_does_not_pass_check(mini, suffix):
    tiny_font(mini / "assets" / "fonts" / "test" / f"Test.{suffix}", {"⊗": False, "Q": True}, cff=suffix == "otf")
    with_text(mini, "Le signe ⊗ serait blanc.")
    with pytest.raises(ContentError) as error:
        check(mini)
    assert [p.format(mini) for p in error.value.problems] == [
        "data/cards/01-alpha.md:30: text: character « ⊗ » (U+2297) is in none of the bundled fonts: "
        "it would print as an empty box; use another character"]


def test_characters_are_read_again_when_a_font_file_changes(mini):
    font = tiny_font(mini / "assets" / "fonts" / "test" / "Test.ttf", {"⊗": False})
    folders = tuple(font_folders(mini))
    assert ord("⊗") not in printable(folders)
    tiny_font(font, {"⊗": True})
    os.utime(font, ns=(font.stat().st_atime_ns, font.stat().st_mtime_ns + 1_000_000_000))
    assert ord("⊗") in printable(folders)


def test_a_corrupt_font_is_named_with_what_to_do(mini):
    broken = mini / "assets" / "fonts" / "Broken.ttf"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"\x00\x01\x00\x00" + b"not really a font" * 10)
    for command in (check, build):
        with pytest.raises(BrochureError) as error:
            command(mini)
        message = str(error.value)
        assert message.startswith("assets/fonts/Broken.ttf: not a readable font (")
        assert message.endswith("): replace it with a working copy of the font, or remove it")
        assert "\n" not in message


def test_no_system_font_and_no_environment_variable(mini, monkeypatch, read_pdf, caplog):
    monkeypatch.delenv("FONTCONFIG_FILE", raising=False)
    (mini / "styles").mkdir()
    # Armenian: DejaVu, a system font here, has it; no bundled font does. The check does not read CSS.
    (mini / "styles" / "card.css").write_text('@import url("theme:default/card.css");\n'
                                              '.card-title::after { content: " \\531"; }\n')
    path = preview(mini, "1").path
    assert "FONTCONFIG_FILE" not in os.environ
    # WeasyPrint found the letter in no font it was given: the system's DejaVu was not among them.
    notdef = [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]
    assert notdef == ['.notdef glyph rendered for Unicode string unsupported by fonts: "Ա" (U+0531)']
    caplog.clear()
    fonts = {name.split("+", 1)[-1] for name in read_pdf(path).fonts()}
    assert fonts and all(name.startswith(("Inter", "Noto-Serif", "Brochure-Symbols")) for name in fonts), fonts


def test_the_shipped_fonts_draw_every_character_of_french_text_and_the_symbols():
    """The check trusts the shipped fonts (looking at all their glyphs takes seconds): here they are looked at."""
    text = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789àâäæçéèêëîïôœùûüÿÀÂÄÆÇÉÈÊËÎÏÔŒÙÛÜŸ"
            "«»’‘“”…–—•·°%‰€$£×÷±≤≥≠≈→←↑↓⊗⊕✓✔✗✘★☐☑∞∑∏√∫∂∆∇∈∉∩∪➜♠♣♥♦")
    for path in font_files([shipped("assets") / "fonts"]):
        font = read_font(path)
        cmap = font.getBestCmap()
        assert not [c for c in text if ord(c) in cmap and _empty(font, cmap[ord(c)], ord(c))], path.name


def test_a_unit_is_written_without_subsetting_only_the_fonts_the_assembler_embeds_itself():
    # Each unit's programs of the bundled fonts are dropped (the assembler subsets each file once for the
    # book), so WeasyPrint does not subset them per unit; any other font it subsets as always.
    from weasyprint.pdf.fonts import Font

    from brochure.pdf.subset import postscript_name
    from brochure.pdf.unit_writer import _not_subset

    files = [path for path in sorted((shipped("assets") / "fonts").rglob("*")) if path.suffix in (".ttf", ".otf")][:2]
    (bundled, name), (other, _) = [(path, postscript_name(path.read_bytes())) for path in files]

    class Face:       # what Font.clean reads first; WeasyPrint's own clean then needs more and fails
        def __init__(self, path):
            self.file_content = path.read_bytes()

    with _not_subset({name: bundled}):
        assert Font.clean(Face(bundled), {1: "a"}, False) is None
        with pytest.raises(AttributeError):
            Font.clean(Face(other), {1: "a"}, False)
    with pytest.raises(AttributeError):
        Font.clean(Face(bundled), {1: "a"}, False)


def test_the_list_of_the_shipped_fonts_code_points_is_that_of_their_cmaps():
    from brochure.text.fonts import SHIPPED_CLAIMS, claimed_by, claims_listing, shipped_claims

    folder = shipped("assets") / "fonts"
    assert (folder / SHIPPED_CLAIMS).read_bytes() == claims_listing(folder), \
        "run `python -m brochure.text.fonts` after changing a shipped font"
    listed = shipped_claims()
    for path in font_files([folder]):
        assert listed[hashlib.sha256(path.read_bytes()).hexdigest()] == claimed_by(read_font(path))


def test_the_shipped_fonts_are_not_read_for_their_code_points_and_a_font_not_listed_is(tmp_path, monkeypatch):
    import brochure.text.fonts as fonts
    from brochure.text.fonts import bundled_font_folders, claimed_by, shipped_claims

    folders = bundled_font_folders(tmp_path)            # the shipped fonts alone
    every = frozenset().union(*(claimed_by(read_font(path)) for path in font_files(folders)))
    reads = []
    real_read = fonts.read_font
    monkeypatch.setattr(fonts, "read_font", lambda path, data=None: reads.append(path) or real_read(path, data))
    monkeypatch.setattr(fonts, "_FONT_SETS", {})        # as in a new process, with no store
    assert printable(folders).claimed == every and reads == []

    symbols = next(path for path in font_files(folders) if path.name == "BrochureSymbols-Regular.ttf")
    unlisted = {digest: points for digest, points in shipped_claims().items()
                if digest != hashlib.sha256(symbols.read_bytes()).hexdigest()}
    monkeypatch.setattr(fonts, "shipped_claims", lambda: unlisted)   # as if that font had been changed
    monkeypatch.setattr(fonts, "_FONT_SETS", {})
    made = printable(folders)
    assert reads == [symbols] and made.claimed == every and ord("⊗") in made
