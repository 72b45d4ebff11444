"""The sample edition that ships with brochure: the 2020-2021 brochure, complete and true to print."""
from __future__ import annotations

import re

import pytest

from brochure.build import build
from brochure.edition.content import load_edition
from conftest import REPO, Pdf

SECTIONS = [("travailler-autrement", 9), ("gerer-differemment", 4), ("valoriser-le-territoire", 6)]


@pytest.fixture(scope="module")
def edition():
    edition, problems = load_edition(REPO)
    assert edition is not None, [p.format(REPO) for p in problems if p.severity == "error"]
    return edition


def test_nineteen_cards_in_three_sections_in_order(edition):
    assert [card.number for card in edition.cards] == list(range(1, 20))
    assert [(s.id, len(edition.cards_of(s))) for s in edition.config.sections] == SECTIONS


def test_seventy_six_authors_each_with_a_corps(edition):
    authors = [author for card in edition.cards for author in card.authors]
    assert len(authors) == 76
    assert all(author.corps for author in authors)


def test_promotions_are_complete_and_sorted(edition):
    promotions = {p.name: p.members for p in edition.config.promotions}
    assert {name: len(members) for name, members in promotions.items()} == \
        {"Abbé Pierre": 41, "Toni Morrison": 16, "Rachel Carson": 23}
    from brochure.edition.config import sort_key
    for members in promotions.values():
        assert list(members) == sorted(members, key=sort_key)


def test_every_card_has_the_three_parts(edition):
    for card in edition.cards:
        body = card.body.lower()
        assert "## contexte" in body and "## problématique" in body and "## des clés pour agir" in body, card.id


def test_tutor_headings_agree(edition):
    from brochure.book.units import tutor_heading
    headings = {card.id: tutor_heading(card.tutors) for card in edition.cards}
    assert headings["01"] == "Tuteur au sein de la collectivité"
    assert headings["02"] == "Tutrice au sein de la collectivité"
    assert headings["12"] == "Tuteurs au sein de la collectivité"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    result = build(REPO, output=tmp_path_factory.mktemp("sample") / "sample.pdf")
    return result, Pdf(result.path)


def test_the_sommaire_gives_the_page_of_every_card(edition, book):
    _, pdf = book
    start = pdf.page_of("Sommaire")
    sommaire = " ".join(pdf.pages[start - 1:start + 1])
    announced = [int(n) for n in re.findall(r"P\.\s*(\d+)", sommaire)]
    found = [pdf.card_page(re.split(r"[:?,«]", card.title.replace("'", "\u2019"))[0].strip()[:40])
             for card in edition.cards]
    assert announced == found


def test_the_sample_book_is_whole(book):
    result, pdf = book
    text = " ".join(pdf.pages)
    for needle in ("Franck Périnet".upper(), "Ingrid Vibet", "NGUYEN-COMMO", "ALLER PLUS LOIN"):
        assert needle.upper() in text.upper(), needle
    assert len(pdf.pages) == result.pages


def test_each_card_opening_holds_on_one_page(edition, book):
    result, pdf = book
    for card in edition.cards:
        first = pdf.pages[result.first_pages[f"card-{card.id}"] - 1].replace("\u00a0", " ").replace("\u202f", " ")
        assert "LES AUTEURS" in first.upper() and "AU SEIN DE LA COLLECTIVITÉ" in first.upper(), card.id
        assert all(author.name.split()[-1] in first for author in card.authors), card.id
        roles = [tutor.role.replace("'", "\u2019")[:30] for tutor in card.tutors if tutor.role]
        assert all(role.split(" «")[0] in first for role in roles), card.id
        after = pdf.pages[result.first_pages[f"card-{card.id}"]].replace("\u00a0", " ").replace("\u202f", " ")
        assert not any(role.split(" «")[0] in after for role in roles), card.id


def test_running_text_is_hyphenated_in_french(book):
    _, pdf = book
    text = " ".join(pdf.pages)
    # A word cut at a line end is extracted with the hyphen WeasyPrint drew (U+2010) before the break.
    cut = [word for word in re.findall(r"\w+\u2010 \w+", text)]
    assert len(cut) > 100
    assert "dé\u2010 marche" in text or any(w.startswith("dé\u2010") for w in cut)
