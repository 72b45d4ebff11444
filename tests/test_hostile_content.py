"""Broken or hostile card content: `check` says exactly what the build would do, at the file and line to fix.

Each case changes one thing in a copy of the mini edition and asserts the
exact message; the cases accepted are built and read back from the PDF.
"""
from __future__ import annotations

import re
import shutil
import signal
import struct
import zlib
from contextlib import contextmanager
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image

from brochure.book.units import card_unit
from brochure.build import preview
from brochure.edition.content import load_edition
from brochure.problems import ERROR
from brochure.text.markup import plain
from brochure.themes.theme import load_theme
from conftest import EDITIONS, Pdf

CARD = Path("data/cards/01-alpha.md")
SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">{}</svg>'


@contextmanager
def hang_guard(seconds: int = 60):
    """Fail instead of hanging CI when a regression brings back a blow-up (not a timing assertion)."""
    def stop(*_):
        raise TimeoutError(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def insert_body(edition: Path, text: str) -> int:
    """Put `text` before the card's second part; the line its first line lands on."""
    card = edition / CARD
    lines = card.read_text(encoding="utf-8").split("\n")
    at = lines.index("## Problématique")
    card.write_text("\n".join(lines[:at] + text.split("\n") + [""] + lines[at:]), encoding="utf-8")
    return at + 1


def set_value(edition: Path, key: str, raw: str) -> int:
    """Replace the line `key: ...` of the card's front-matter by `key: raw`; its line."""
    card = edition / CARD
    lines = card.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    lines[at] = f"{key}: {raw}"
    card.write_text("\n".join(lines), encoding="utf-8")
    return at + 1


def errors(edition: Path) -> list[str]:
    with hang_guard():
        _, problems = load_edition(edition)
    return [p.format(edition.resolve()) for p in problems if p.severity == ERROR]


def images(edition: Path) -> Path:
    folder = edition / "data" / "images"
    folder.mkdir(exist_ok=True)
    return folder


def png16(path: Path, rgb: tuple[int, int, int] | None = None, grey: int | None = None, size: int = 20) -> None:
    """A 16-bit PNG, RGB or grey (Pillow writes only the grey kind)."""
    if grey is not None:
        Image.new("I;16", (size, size), grey).save(path)
        return
    raw = b"".join(b"\0" + struct.pack(">HHH", *rgb) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 16, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# -- one parse: the images the build shows are the ones checked, from the same folder --------------------------

def test_an_image_path_with_spaces_is_checked(mini):
    line = insert_body(mini, "![Plan du site](<../images/plan du site.png>)")
    assert errors(mini) == [f"{CARD}:{line}: body: '../images/plan du site.png' does not exist "
                            "(paths are relative to the card file)"]


def test_a_reference_style_image_is_checked_at_its_definition(mini):
    line = insert_body(mini, "Voir le plan.\n\n![Plan][plan]\n\n[plan]: ../images/absent.png")
    assert errors(mini) == [f"{CARD}:{line + 4}: body: '../images/absent.png' does not exist "
                            "(paths are relative to the card file)"]


def test_a_reference_style_image_outside_the_edition_is_refused(mini, tmp_path):
    Image.new("RGB", (4, 4)).save(tmp_path / "secret.png")
    line = insert_body(mini, "![Plan][p]\n\n[p]: ../../../secret.png")
    assert errors(mini) == [f"{CARD}:{line + 2}: body: '../../../secret.png' is outside the edition folder; "
                            "only files inside it are read"]


def test_an_image_in_a_sentence_is_resolved_from_the_cards_folder_as_the_build_does(mini):
    Image.new("RGB", (4, 4), (10, 20, 30)).save(images(mini) / "plan.png")
    insert_body(mini, "La carte ![plan](../images/plan.png) montre le site.")
    edition, problems = load_edition(mini)
    assert [p for p in problems if p.severity == ERROR] == []
    card = edition.cards[0]
    wanted = (mini / "data" / "images" / "plan.png").resolve()
    assert [(image.path, image.inline) for image in card.parsed_body.images] == [(str(wanted), True)]
    assert f'src="{wanted.as_uri()}"' in card_unit(edition, card, load_theme("default", edition.config.root)).html


def test_an_image_in_a_sentence_that_leaves_the_cards_folder_wrongly_is_an_error(mini):
    Image.new("RGB", (4, 4)).save(images(mini) / "plan.png")
    line = insert_body(mini, "La carte ![plan](images/plan.png) montre le site.")  # from the card: data/cards/images
    assert errors(mini) == [f"{CARD}:{line}: body: 'images/plan.png' does not exist "
                            "(paths are relative to the card file)"]


def test_a_figure_declared_missing_inside_a_sentence_is_an_error(mini):
    line = insert_body(mini, "Le plan ![Plan du site](missing) viendra.")
    assert errors(mini) == [f"{CARD}:{line}: body: figure « Plan du site » is declared missing inside a sentence: "
                            "put it alone in its paragraph (a framed placeholder is printed there)"]


def test_an_image_in_a_testimonial_is_refused_where_it_is_written(mini):
    Image.new("RGB", (4, 4)).save(images(mini) / "plan.png")   # it exists: the build still refused to read it
    line = set_value(mini, "    text", '"Voyez ![plan](../images/plan.png)"')
    assert errors(mini) == [f"{CARD}:{line}: testimonials[1].text: images are shown only from the card's body: "
                            "move this one there (as a paragraph of its own)"]


def test_an_image_in_a_further_reading_prints_its_caption_and_says_so_where_it_is_written(mini):
    card = mini / CARD
    card.write_text(card.read_text().replace('  - "*Un rapport*, 2020.', '  - "Voir ![le plan](/etc/hostname) du *rapport*, 2020.'))
    line = card.read_text().split("\n").index(next(l for l in card.read_text().split("\n") if "le plan" in l)) + 1
    edition, problems = load_edition(mini)
    assert [p.format(mini.resolve()) for p in problems if p.path.name == CARD.name and p.line == line] == [
        f"{CARD}:{line}: further_reading[1]: warning: images are shown only from the card's body: here only its "
        "caption is printed (move the image to the body)"]
    unit = card_unit(edition, edition.cards[0], load_theme("default", edition.config.root))
    assert "Voir le plan du <em>rapport</em>" in unit.html and "hostname" not in unit.html


def test_body_text_that_spells_data_keep_is_not_counted_as_content_to_keep(mini):
    insert_body(mini, 'Un attribut data-keep et <li data-keep> écrits dans le texte.')
    edition, _ = load_edition(mini)
    card = edition.cards[0]
    unit = card_unit(edition, card, load_theme("default", edition.config.root))
    assert unit.kept == len(card.key_figures) + len(card.further_reading) == 3


# -- images decoded whole at check time --------------------------------------------------------------------------

def test_a_truncated_jpeg_is_refused(mini):
    Image.new("RGB", (64, 64), (200, 30, 30)).save(images(mini) / "photo.jpg", quality=90)
    data = (images(mini) / "photo.jpg").read_bytes()
    (images(mini) / "photo.jpg").write_bytes(data[:len(data) // 2])
    line = insert_body(mini, "![Photo](../images/photo.jpg)")
    assert errors(mini) == [f"{CARD}:{line}: body: '../images/photo.jpg' is damaged (it is cut short) and would "
                            "print wrong or not at all: export it again"]


def test_a_png_with_corrupt_data_is_refused(mini):
    Image.new("RGB", (20, 20), (30, 200, 30)).save(images(mini) / "plan.png")
    data = bytearray((images(mini) / "plan.png").read_bytes())
    data[60:70] = bytes(10)      # inside IDAT: WeasyPrint prints a black box
    (images(mini) / "plan.png").write_bytes(bytes(data))
    line = insert_body(mini, "![Plan](../images/plan.png)")
    assert errors(mini) == [f"{CARD}:{line}: body: '../images/plan.png' is damaged (its data is corrupt) and would "
                            "print wrong or not at all: export it again"]


def test_a_16_bit_grey_png_is_refused(mini):
    png16(images(mini) / "gris.png", grey=0x8000)
    line = insert_body(mini, "![Gris](../images/gris.png)")
    assert errors(mini) == [f"{CARD}:{line}: body: '../images/gris.png' is a 16-bit grey PNG, which prints black: "
                            "save it as 8-bit"]


def test_a_truncated_author_photo_is_refused_at_its_line(mini):
    Image.new("RGB", (64, 64), (200, 30, 30)).save(images(mini) / "anne.jpg", quality=90)
    data = (images(mini) / "anne.jpg").read_bytes()
    (images(mini) / "anne.jpg").write_bytes(data[:len(data) // 2])
    card = mini / CARD
    card.write_text(card.read_text().replace("    email: anne.alpha@administrateur-inet.org\n",
                                             "    email: anne.alpha@administrateur-inet.org\n"
                                             "    photo: ../images/anne.jpg\n"))
    assert errors(mini) == [f"{CARD}:9: authors[1].photo: '../images/anne.jpg' is damaged (it is cut short) and "
                            "would print wrong or not at all: export it again"]


@pytest.mark.parametrize("content, message", [
    (SVG.format("<g>"), "is not a well-formed SVG (line 1: mismatched tag): export it again"),
    ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaa">]>' + SVG.format("<text>&a;</text>"),
     "has a DOCTYPE (which can declare entities): export it again without one"),
    (SVG.format('<g id="a"><circle r="1"/><use href="#a"/></g>'),
     "has <use> elements in a loop (through #a): remove the loop"),
    (SVG.format('<g id="l0"><circle r="1"/><circle r="1"/></g>'
                + "".join(f'<g id="l{i}"><use href="#l{i - 1}"/><use xlink:href="#l{i - 1}"/></g>' for i in range(1, 30))),
     "expands to more than 20,000 elements through nested <use>: simplify it (flatten the copies)"),
    (SVG.format('<image href="file:///etc/passwd" width="5" height="5"/>'),
     "refers to another file or a URL (file:///etc/passwd): embed everything in the SVG"),
    (SVG.format('<style>rect { fill: url(https://example.org/x.svg#p) }</style>'),
     "refers to another file or a URL in its <style>: embed everything in the SVG"),
    (SVG.format("<text>Créteil</text>").encode("latin-1"),     # Latin-1 declared is read: see test_print_colours
     "is not UTF-8 text and declares no other encoding: save it as UTF-8 (an SVG export option)"),
    (SVG.format("<g>" * 150 + "</g>" * 150), "has elements nested more than 100 deep: simplify it"),
], ids=["malformed", "doctype", "self-use", "use-bomb", "external-file", "external-css", "latin-1", "deep"])
def test_an_svg_that_could_read_outside_blow_up_or_print_nothing_is_refused(mini, content, message):
    (images(mini) / "schema.svg").write_bytes(content if isinstance(content, bytes) else content.encode())
    line = insert_body(mini, "![Schéma](../images/schema.svg)")
    assert errors(mini) == [f"{CARD}:{line}: body: '../images/schema.svg' {message}"]


# -- characters that would print as empty boxes, caught from the parsed values -----------------------------------

def test_a_character_in_a_yaml_escape_is_caught_at_its_keys_line(mini):
    line = set_value(mini, "title", '"Projet \\u4E2D"')
    assert errors(mini) == [f"{CARD}:{line}: title: character « \u4e2d » (U+4E2D) is in none of the bundled fonts: "
                            "it would print as an empty box; use another character"]


def test_a_control_character_in_a_yaml_escape_is_caught(mini):
    line = set_value(mini, "collectivity", '"Ville d\'Alphaville\\a"')
    assert errors(mini) == [f"{CARD}:{line}: collectivity: contains an invisible control character (U+0007), written "
                            "as an escape in quotes: remove it"]   # said once, by the reading of the YAML


def test_a_nul_in_a_further_reading_escape_is_caught_at_the_items_line(mini):
    card = mini / CARD
    card.write_text(card.read_text().replace('  - "*Un rapport*, 2020.', '  - "*Un\\0 rapport*, 2020.'))
    line = card.read_text().split("\n").index(next(l for l in card.read_text().split("\n") if "*Un\\0" in l)) + 1
    assert errors(mini) == [f"{CARD}:{line}: further_reading[1]: contains a NUL character (U+0000), written as an "
                            "escape in quotes: remove it"]


def test_a_character_in_a_folded_value_is_caught_on_its_own_line(mini):
    key_line = set_value(mini, "title", ">\n  Premier titre\n  de carte \u4e2d")
    assert errors(mini) == [f"{CARD}:{key_line + 2}: title: character « \u4e2d » (U+4E2D) is in none of the bundled "
                            "fonts: it would print as an empty box; use another character"]


def test_line_separators_in_front_matter_are_read_as_spaces(mini):
    set_value(mini, "title", "Premier\u2028titre de carte")          # pasted from a word processor
    set_value(mini, "collectivity", '"Ville\\Pd\'Alphaville"')       # the YAML escape of U+2029
    edition, problems = load_edition(mini)
    assert [p.format(mini.resolve()) for p in problems if p.severity == ERROR] == []
    card = edition.cards[0]
    assert plain(card.title) == "Premier titre de carte"
    assert plain(card.collectivity) == "Ville d\u2019Alphaville"


@pytest.mark.parametrize("char", ["\x0b", "\x1b", "\x85", "\x7f"], ids=["vertical-tab", "escape", "C1-NEL", "DEL"])
def test_a_control_character_in_the_body_is_caught_on_its_line(mini, char):
    line = insert_body(mini, f"Une ligne{char}coupée.")
    assert errors(mini) == [f"{CARD}:{line}: text: character U+{ord(char):04X} is a control character, which cannot "
                            "be printed: delete it (it often comes from a line break pasted from a word processor)"]


def test_an_html_entity_for_a_missing_character_is_caught(mini):
    line = insert_body(mini, "Le signe &#x4E2D; est chinois.")
    assert errors(mini) == [f"{CARD}:{line}: text: character « \u4e2d » (U+4E2D) is in none of the bundled fonts: "
                            "it would print as an empty box; use another character"]


# -- limits: nothing in a text can make the check or the layout blow up ----------------------------------------

@pytest.mark.parametrize("unit", ["![", "[^", "*", "_", "`", "[", "![a]("], ids=repr)
def test_a_300_kb_line_of_markup_is_refused_at_once(mini, unit):
    line = insert_body(mini, unit * (300_000 // len(unit)))
    size = len(unit) * (300_000 // len(unit)) + 1
    assert errors(mini) == [f"{CARD}:{line}: body: this paragraph is {size:,} characters long, more than brochure "
                            "accepts (10,000): split it with empty lines"]


@pytest.mark.parametrize("unit", ["![", "[", "[a](", "**a", "\\"], ids=repr)
def test_many_long_paragraphs_of_markup_are_parsed_in_linear_time(mini, unit):
    paragraph = unit * (9_000 // len(unit))
    insert_body(mini, "\n\n".join([paragraph] * 20))
    assert errors(mini) == []


def test_a_table_of_too_many_columns_is_refused(mini):
    header = "| " + " | ".join(f"c{n}" for n in range(13)) + " |"
    line = insert_body(mini, "Avant.\n\n" + header + "\n|" + "---|" * 13 + "\n|" + " 1 |" * 13)
    assert errors(mini) == [f"{CARD}:{line + 2}: body: this table has 13 columns, more than brochure accepts (12): "
                            "split it or turn it into a list"]


def test_lists_nested_too_deep_are_refused(mini):
    line = insert_body(mini, "\n".join("    " * depth + "- niveau" for depth in range(10)))
    assert errors(mini) == [f"{CARD}:{line + 8}: body: lists or quotes nested 9 deep, more than brochure accepts (8): "
                            "indent this line less",
                            f"{CARD}:{line + 9}: body: lists or quotes nested 10 deep, more than brochure accepts "
                            "(8): indent this line less"]


def test_hundreds_of_nested_lists_are_refused_not_a_crash(mini):
    line = insert_body(mini, "- " * 400 + "fin")
    assert errors(mini) == [f"{CARD}:{line}: body: lists or quotes nested 400 deep, more than brochure accepts (8): "
                            "indent this line less"]


def test_quotes_nested_hundreds_deep_are_refused(mini):
    line = insert_body(mini, ">" * 500 + " citation")
    assert errors(mini) == [f"{CARD}:{line}: body: lists or quotes nested 500 deep, more than brochure accepts (8): "
                            "indent this line less"]


# -- what is accepted prints right: one card built and read back ------------------------------------------------

LONG_WORD = "anticonstitutionnellement" * 200          # 5,000 letters


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Card 01 with images of every accepted kind, separators and a 5,000-letter word, previewed alone.

    Its side column is taken out, so that the text reads in one run.
    """
    edition = tmp_path_factory.mktemp("accepted") / "mini"
    shutil.copytree(EDITIONS / "mini", edition, ignore=shutil.ignore_patterns("build"))
    card = edition / CARD
    card.write_text(re.sub(r"key_figures:.*?(?=testimonials:)|further_reading:.*?(?=---)", "", card.read_text(),
                           flags=re.DOTALL))
    folder = images(edition)
    Image.new("RGB", (24, 24), (30, 30, 200)).convert("P", palette=Image.Palette.ADAPTIVE).save(folder / "palette.png")
    Image.new("CMYK", (24, 24), (0, 255, 255, 0)).save(folder / "cmyk.jpg", quality=95)
    png16(folder / "rgb16.png", rgb=(0x3000, 0x9000, 0x3000), size=24)
    Image.new("RGB", (24, 24), (200, 30, 200)).save(folder / "inline.png")
    insert_body(edition, "![Palette](../images/palette.png)\n\n![Quadri](../images/cmyk.jpg)\n\n"
                         "![Seize bits](../images/rgb16.png)\n\n"
                         "Une icône ![pastille](../images/inline.png) dans la phrase.\n\n"
                         "Avant\u2028après la ligne, avant\u2029après le paragraphe.\n\n" + LONG_WORD)
    with hang_guard(300):
        result = preview(edition, "01")
    return result.path


def image_colours(pdf_path: Path) -> list[tuple[int, int, int]]:
    """The colour at the centre of every image placed in the PDF, as a reader's screen shows it."""
    colours, scale = [], 2
    for page in pypdfium2.PdfDocument(str(pdf_path)):
        bitmap, height = page.render(scale=scale).to_pil().convert("RGB"), page.get_height()
        for obj in page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]):
            left, bottom, right, top = obj.get_bounds()
            colours.append(bitmap.getpixel((int((left + right) / 2 * scale),
                                            int((height - (bottom + top) / 2) * scale))))
    return colours


def close(colour, wanted, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, wanted))


def test_palette_cmyk_and_16_bit_rgb_images_print_in_their_colours(printed):
    colours = image_colours(printed)
    for wanted in [(30, 30, 200), (237, 28, 36), (48, 144, 48), (200, 30, 200)]:   # cmyk 0/100/100/0 is red
        assert any(close(colour, wanted) for colour in colours), (wanted, colours)


def test_separators_print_as_spaces_and_a_5000_letter_word_prints_whole(printed):
    text = " ".join(Pdf(printed).pages).replace("\u2010 ", "")   # words hyphenated at line ends, made whole
    assert "Avant après la ligne, avant après le paragraphe." in text
    assert LONG_WORD in "".join(re.findall("[a-z]", text))   # without line-end hyphens, running heads, folios
