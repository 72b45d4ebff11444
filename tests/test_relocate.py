"""A unit laid out from one first page and moved to another is the unit laid out there; when it cannot be moved, it is not."""
from __future__ import annotations

import shutil
from dataclasses import replace

import pypdfium2 as pdfium
import pytest

from brochure.book.builder import Builder, Options
from brochure.build import build
from brochure.pdf.relocate import blocker, relocate
from conftest import EDITIONS, Pdf


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """The mini edition's renderer and units."""
    edition = tmp_path_factory.mktemp("relocate") / "mini"
    shutil.copytree(EDITIONS / "mini", edition, ignore=shutil.ignore_patterns("build"))
    return prepare(Builder(edition, Options()))


def prepare(builder: Builder):
    """The renderer of a builder laying out in this process, and the units of its edition."""
    units = builder._prepare()[3]
    return builder.renderer, units


def in_place(renderer, unit, start: int):
    """The unit laid out from `start` itself, as WeasyPrint does with no move (the reference)."""
    return renderer.render_counted(unit, start)[0]


def pages_of(document) -> list[tuple[str, list]]:
    """Each page's text and the box of every character, as a reader's PDF tool sees them."""
    found = []
    for page in pdfium.PdfDocument(document.write_pdf()):
        text = page.get_textpage()
        found.append((text.get_text_range(), [tuple(round(v, 2) for v in text.get_charbox(i))
                                              for i in range(text.count_chars())]))
    return found


@pytest.mark.parametrize("shift", [2, 38])
def test_a_unit_moved_to_a_page_of_the_same_side_is_the_unit_laid_out_there(prepared, shift):
    renderer, units = prepared
    for unit in (u for u in units if u.kind in ("card", "sommaire", "divider")):
        laid = in_place(renderer, unit, 3)
        assert blocker(laid, shift) is None
        assert pages_of(relocate(laid, shift)) == pages_of(in_place(renderer, unit, 3 + shift)), unit.name


def test_a_unit_moved_to_the_other_side_shows_the_text_and_folios_of_that_side(prepared):
    renderer, units = prepared
    card = next(u for u in units if u.name == "card-02")        # three pages: folios on the second and third
    moved = pages_of(relocate(in_place(renderer, card, 7), 1))
    fresh = pages_of(in_place(renderer, card, 8))
    assert [text for text, _ in moved] == [text for text, _ in fresh]     # the folios too: 8, 9...
    assert [text.split()[-1] for text, _ in moved[1:]] == ["9", "10"]
    for (_, moved_boxes), (_, fresh_boxes) in zip(moved, fresh):      # the folio is on the outer edge of each side
        assert moved_boxes[-1] == fresh_boxes[-1]


def test_what_cannot_be_moved_is_named(prepared, tmp_path):
    renderer, units = prepared
    card = next(u for u in units if u.kind == "card")
    laid = in_place(renderer, card, 3)
    assert blocker(laid, 0) is None and blocker(laid, 1) is None
    counted = replace(card, html=card.html.replace(
        "</body>", '<style>a.see::after { content: target-counter(attr(href), page) }</style>'
        '<p id="top"><a class="see" href="#top">voir p. </a></p></body>'))
    assert blocker(in_place(renderer, counted, 3), 2) == "its text shows page numbers (target-counter)"
    sided = replace(card, fallback=None, html='<html lang="fr"><body><p>Un.</p><p style="break-before: right">Deux.'
                                               '</p></body></html>')      # a blank left page before « Deux. »
    document = in_place(renderer, sided, 3)
    assert any(page._page_box.page_type.blank for page in document.pages)
    assert blocker(document, 1) == "it has a blank page for a forced side break"
    assert blocker(document, 2) is None


def test_a_theme_whose_sides_differ_in_width_lays_out_a_left_start_in_place(mini):
    (mini / "styles/wide").mkdir(parents=True)
    (mini / "styles/wide/theme.yml").write_text("extends: default\nadd_stylesheets: [wide.css]\n")
    (mini / "styles/wide/wide.css").write_text("@page :left { margin-left: 10mm; }\n")
    renderer, units = prepare(Builder(mini, Options(theme="wide")))
    card = next(u for u in units if u.kind == "card")
    assert blocker(in_place(renderer, card, 3), 1) == "its pages are not as wide on the other side"
    assert pages_of(renderer.render(card, 4)) == pages_of(in_place(renderer, card, 4))


def test_a_book_built_on_two_cores_is_byte_for_byte_the_book_of_one(mini, tmp_path):
    one = build(mini, jobs=1, cache=False, output=tmp_path / "one.pdf")
    two = build(mini, jobs=2, cache=False, output=tmp_path / "two.pdf")
    assert one.path.read_bytes() == two.path.read_bytes()
    assert Pdf(two.path).card_page("Premier titre de carte")


def test_a_print_unit_moved_keeps_its_bleed_marks_and_text(tmp_path):
    edition = tmp_path / "mini"
    shutil.copytree(EDITIONS / "mini", edition, ignore=shutil.ignore_patterns("build"))
    renderer, units = prepare(Builder(edition, Options(variant="print")))
    card = next(u for u in units if u.name == "card-02")
    for shift in (1, 2):
        moved, fresh = relocate(in_place(renderer, card, 7), shift), in_place(renderer, card, 7 + shift)
        assert [page.bleed for page in moved.pages] == [page.bleed for page in fresh.pages]
        assert [(page.width, page.height) for page in moved.pages] == [(page.width, page.height) for page in fresh.pages]
        assert [text for text, _ in pages_of(moved)] == [text for text, _ in pages_of(fresh)]
