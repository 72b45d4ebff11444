"""Gaps in the content model: an author without an e-mail, a photo left out on purpose, a figure's width and alt text."""
from __future__ import annotations

import shutil

import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader
from weasyprint.formatting_structure.boxes import ReplacedBox

from brochure.book.units import card_unit
from brochure.build import check, find_card
from brochure.edition.content import load_edition
from brochure.pdf.render import Renderer, pdf_bytes, render_book
from brochure.pdf.variants import make_variant
from brochure.problems import ERROR, WARNING
from brochure.themes.theme import load_theme
from conftest import EDITIONS

AUTHORS = """authors:
  - name: Anne Alpha
    email: missing
    photo: none
  - name: Bruno Beta
    email: bruno.beta@ingenieurchef-inet.org
"""
FIGURES = """## Contexte

La collectivité porte un projet, décrit ici en quelques lignes pour remplir la première colonne du texte.

![Vue de la place](../images/place.png){width=column alt="Une place pavée bordée de platanes"}

Le projet continue dans la seconde colonne, avec une autre phrase pour qu'elle ne soit pas vide.

![Plan du quartier](../images/plan.png){width=full}
"""


def card_text(authors: str = AUTHORS, body: str = "## Contexte\n\nUn projet.\n") -> str:
    """Card 01 of the mini edition with these authors and this body, and no side column."""
    return ("---\nnumber: 1\nsection: alpha\ncollectivity: Ville d'Alphaville\ntitle: Premier titre de carte\n"
            + authors + "---\n" + body)


def set_card(edition, text: str) -> None:
    (edition / "data" / "cards" / "01-alpha.md").write_text(text, encoding="utf-8")


def card_problems(edition, field: str = ""):
    """(line, field, message, severity) of card 01's problems, those of fields starting with `field`."""
    _, problems = load_edition(edition)
    return [(p.line, p.field, p.message, p.severity) for p in problems
            if p.path.name == "01-alpha.md" and p.field.startswith(field)]


# An author without an e-mail.

def test_an_email_declared_missing_is_content_to_complete(mini):
    set_card(mini, card_text())
    assert card_problems(mini, "authors[1]") == [(8, "authors[1].email", "e-mail declared missing: content to complete", WARNING)]
    edition, _ = load_edition(mini)
    anne = edition.cards[0].authors[0]
    assert (anne.email, anne.corps, anne.photo) == (None, None, None)


def test_an_author_without_any_email_line_is_told_how_to_declare_it_missing(mini):
    set_card(mini, card_text(AUTHORS.replace("    email: missing\n", "")))
    assert card_problems(mini, "authors[1]") == [
        (7, "authors[1].email", "is required (write 'email: missing' when the address is not known yet)", ERROR)]
    set_card(mini, card_text(AUTHORS.replace("email: missing", "email: anne.alpha")))
    assert card_problems(mini, "authors[1]") == [
        (8, "authors[1].email", "'anne.alpha' is not an e-mail address (or write 'email: missing')", ERROR)]


# A photo left out on purpose.

def test_a_photo_left_out_on_purpose_is_no_warning_but_an_unsaid_one_still_is(mini):
    set_card(mini, card_text(AUTHORS.replace("email: missing", "email: anne.alpha@administrateur-inet.org")))
    assert card_problems(mini) == [
        (10, "authors[2].name", "no photo for Bruno Beta: a portrait with initials is drawn instead "
         "(write 'photo: none' if there will be none)", WARNING)]


# A figure's width and its alternative text.

def test_figure_options_that_are_not_understood_are_errors_on_their_line(mini):
    body = ("## Contexte\n\n![A](missing){width=half}\n\n![B](missing){alt=\"\" taille=3}\n\n"
            "![C](missing){width=full\n\n![D](missing){alt=\"Une *belle* place\"}\n")
    set_card(mini, card_text(AUTHORS.replace("email: missing", "email: anne.alpha@administrateur-inet.org"), body))
    errors = [(line, message) for line, _, message, severity in card_problems(mini) if severity == ERROR]
    assert errors == [
        (15, "figure width 'half' is not one of: full, column"),
        (17, 'figure alt="" is empty: describe the image for readers who cannot see it'),
        (17, "unknown figure option 'taille' (known: width, alt)"),
        (19, 'figure options are written {width=column alt="A description"}, on the image\'s line, '
             'with nothing after them'),
        (21, "figure alt text is plain text: remove the Markdown (* or `) from it"),
    ]


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory):
    """Card 01 with Anne's e-mail missing and no photo on purpose, and two figures; laid out, accessible PDF."""
    edition = tmp_path_factory.mktemp("model") / "mini"
    shutil.copytree(EDITIONS / "mini", edition, ignore=shutil.ignore_patterns("build"))
    (edition / "data" / "images").mkdir()
    Image.new("RGB", (1200, 600), "#3a6").save(edition / "data" / "images" / "place.png")
    Image.new("RGB", (1200, 600), "#a63").save(edition / "data" / "images" / "plan.png")
    set_card(edition, card_text(body=FIGURES))
    checked, _ = check(edition)
    renderer = Renderer(checked.config, load_theme(checked.config.theme, edition), make_variant("screen", True))
    book = render_book([card_unit(checked, find_card(checked, "01"), renderer.theme)], renderer)
    path = edition / "card.pdf"
    path.write_bytes(pdf_bytes(book, renderer))
    return book.document, path


def test_an_author_without_an_email_prints_nothing_dangling(laid_out):
    _, path = laid_out
    reader = PdfReader(str(path))
    text = reader.pages[0].extract_text()
    assert "AA" in text and "Anne Alpha" in text             # initials drawn for the photo left out
    assert text.count("@") == 1 and "bruno.beta@ingenieurchef-inet.org" in text
    links = {annotation.get_object()["/A"].get("/URI") for page in reader.pages
             for annotation in page.get("/Annots", []) if "/A" in annotation.get_object()}
    assert links == {"mailto:bruno.beta@ingenieurchef-inet.org"}


def test_a_column_figure_is_one_column_wide_and_a_full_one_spans_the_text(laid_out):
    document, _ = laid_out
    widths = {box.element.get("alt"): box.width for page in document.pages
              for box in page._page_box.descendants() if isinstance(box, ReplacedBox)}
    column, full = widths["Une place pavée bordée de platanes"], widths["Plan du quartier"]
    assert column < 0.55 * full


def alt_texts(path) -> list[str]:
    """The /Alt of every element of the PDF's structure tree (what a screen reader reads for a figure)."""
    found = []

    def walk(node):
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid)
        elif isinstance(node, pikepdf.Dictionary):
            if "/Alt" in node:
                found.append(str(node.Alt))
            if "/K" in node:
                walk(node.K)

    with pikepdf.open(path) as pdf:
        walk(pdf.Root.StructTreeRoot)
    return found


def test_the_accessible_pdf_reads_the_alt_text_not_the_caption(laid_out):
    _, path = laid_out
    alts = alt_texts(path)
    assert "Une place pavée bordée de platanes" in alts      # given: distinct from the caption
    assert "Plan du quartier" in alts                        # not given: the caption
    assert "Vue de la place" not in alts
