"""The built PDF, read as a reader reads it: pages, sommaire, folios, bookmarks, fonts, metadata."""
from __future__ import annotations

import re
import shutil

import pytest

from brochure.pdf import assemble as assemble_module
from brochure.build import build, preview
from brochure.problems import BrochureError, ContentError
from conftest import EDITIONS, Pdf

TITLES = {"01": "Premier titre de carte", "02": "Deuxième titre de carte", "03": "Troisième titre de carte"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    edition = tmp_path_factory.mktemp("built") / "mini"
    shutil.copytree(EDITIONS / "mini", edition, ignore=shutil.ignore_patterns("build"))
    result = build(edition)
    return edition, result, Pdf(result.path)


def sommaire_pages(pdf: Pdf) -> dict[str, int]:
    """The page the sommaire announces for each card, read from the sommaire's own text."""
    start = pdf.page_of("Sommaire")
    text = " ".join(pdf.pages[start - 1:start + 1])
    return {number: int(re.search(re.escape(title) + r".*?P\.\s*(\d+)", text).group(1))
            for number, title in TITLES.items()}


def test_every_card_is_on_the_page_the_sommaire_gives(built):
    _, result, pdf = built
    announced = sommaire_pages(pdf)
    for number, title in TITLES.items():
        assert pdf.card_page(title) == announced[number], title
    assert result.pages == len(pdf.pages)


def test_sections_come_in_order_each_before_its_card(built):
    _, _, pdf = built
    after_sommaire = pdf.page_of("Sommaire") + 1
    dividers = [pdf.page_of(name, start=after_sommaire) for name in ("SECTION ALPHA", "SECTION BÊTA", "SECTION GAMMA")]
    cards = [pdf.card_page(title) for title in TITLES.values()]
    assert dividers == sorted(dividers)
    assert all(divider < card for divider, card in zip(dividers, cards, strict=True))


def test_page_numbers_are_printed_except_on_cover_blanks_and_dividers(built):
    _, result, pdf = built
    dividers = {result.first_pages[f"divider-{s}"] + i for s in ("alpha", "beta", "gamma") for i in (0, 1)}
    blanks = {number for number, text in enumerate(pdf.pages, start=1) if not text}
    starts = {result.first_pages[name] for name in ("sommaire", "editorial", "back-page")} | {result.first_pages[f"divider-{s}"] for s in ("alpha", "beta", "gamma")}
    assert blanks and all(blank + 1 in starts for blank in blanks)  # only to put a unit on its side
    unnumbered = {1} | dividers | blanks
    for number, text in enumerate(pdf.pages, start=1):
        printed = re.search(rf"(^|\s){number}(\s|$)", text) is not None
        assert printed != (number in unnumbered), f"page {number}: {text[-80:]!r}"


def test_sommaire_on_facing_pages_and_dividers_as_spreads(built):
    _, result, pdf = built
    assert result.first_pages["sommaire"] % 2 == 0
    for section in ("alpha", "beta", "gamma"):
        first = result.first_pages[f"divider-{section}"]
        assert first % 2 == 0
        assert pdf.pages[first - 1].startswith("SECTION") and "titre de carte" in pdf.pages[first]


def test_running_head_names_the_section_after_a_cards_first_page(built):
    _, _, pdf = built
    first = pdf.card_page(TITLES["02"])
    assert "SECTION BÊTA" in pdf.pages[first].upper()     # the next page
    assert pdf.pages[first].upper().count("SECTION BÊTA") >= 1


def test_bookmarks_are_sections_then_cards(built):
    _, _, pdf = built
    marks = pdf.bookmarks()
    sections = [(title, page) for depth, title, page in marks if title.startswith("Section")]
    assert [title for title, _ in sections] == ["Section Alpha", "Section Bêta", "Section Gamma"]
    cards = [(depth, title, page) for depth, title, page in marks if title in TITLES.values()]
    assert [depth for depth, _, _ in cards] == [1, 1, 1]
    for _, title, page in cards:
        assert pdf.card_page(title) == page


def test_fonts_are_embedded_and_bundled(built):
    _, _, pdf = built
    fonts = pdf.fonts()
    assert fonts and all(fonts.values()), fonts
    assert all("Inter" in name for name in fonts), fonts


def test_metadata_comes_from_the_edition_and_builds_are_reproducible(built, tmp_path):
    edition, result, pdf = built
    info = pdf.reader.metadata
    assert info.title == "Mini brochure 2030 – 2031"
    assert info.author == "École de test"
    assert info["/CreationDate"].startswith("D:20310201")
    assert pdf.reader.trailer["/Root"]["/Lang"] == "fr"
    again = build(edition, output=tmp_path / "again.pdf")
    assert again.path.read_bytes() == result.path.read_bytes()


def test_french_typography_reaches_the_pdf(built):
    _, _, pdf = built
    text = " ".join(pdf.pages)
    assert "1\u202f039" in text
    assert "Comment faire mieux\u202f?" in text
    assert "«\u00a0Un travail remarquable.\u00a0»" in text


def test_footnote_is_printed_on_the_page_that_calls_it(built):
    _, _, pdf = built
    page = pdf.page_of("Une note de bas de page.")
    assert "collectivité1 porte un projet" in pdf.pages[page - 1]


def test_a_preview_holds_its_card_and_nothing_else(built):
    edition, _, book = built
    result = preview(edition, "02")
    assert result.path.name == "preview-02.pdf"
    pdf = Pdf(result.path)
    text = " ".join(pdf.pages)
    assert TITLES["02"] in text
    assert TITLES["01"] not in text and TITLES["03"] not in text and "Sommaire" not in text
    first = book.card_page(TITLES["02"])
    assert pdf.pages[0] == book.pages[first - 1]   # same page, same folio, same look
    assert pdf.reader.pages[0].mediabox == book.reader.pages[0].mediabox


def test_a_failed_build_leaves_the_previous_pdf_untouched(mini, monkeypatch):
    result = build(mini)
    before = result.path.read_bytes()
    card = mini / "data" / "cards" / "01-alpha.md"
    card.write_text(card.read_text().replace("number: 1", "number: un"))
    with pytest.raises(ContentError):
        build(mini)
    assert result.path.read_bytes() == before
    card.write_text(card.read_text().replace("number: un", "number: 1"))

    def broken(*args):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(assemble_module, "assemble_pdf", broken)   # the last step before the file is written
    with pytest.raises(RuntimeError):
        build(mini, cache=False)   # the sources are back as built: with its record, the build would be up to date
    assert result.path.read_bytes() == before
    assert sorted(p.name for p in result.path.parent.iterdir()) == [".cache", "mini.pdf", "pages.json"]


def test_files_outside_the_edition_are_never_read(mini, tmp_path):
    from brochure.edition.config import load_config
    from brochure.pdf.render import SandboxFetcher
    from brochure.themes.theme import load_theme
    config, _ = load_config(mini)
    fetcher = SandboxFetcher((config.root,), load_theme("default", config.root))
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    for url in (secret.as_uri(), "http://example.com/x.png", "file:///etc/passwd", (mini / "../secret.txt").as_uri()):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch((mini / "brochure.yml").as_uri()).read().startswith(b"title")


def test_a_template_cannot_embed_or_read_files_outside_the_edition(mini):
    (mini / "templates").mkdir()
    (mini / "templates" / "back-page.html").write_text(
        '{% extends "theme:default/back-page.html" %}{% block content %}'
        '<a rel="attachment" href="file:///etc/passwd">x</a><img src="file:///etc/hosts">'
        '<link rel="attachment" href="file:///etc/passwd">{{ super() }}{% endblock %}')
    with pytest.raises(BrochureError, match="refused to read file:///etc/"):
        build(mini)
    (mini / "templates" / "back-page.html").write_text(
        '{% extends "theme:default/back-page.html" %}{% block content %}'
        '<a rel="attachment" href="file:///etc/passwd">x</a>{{ super() }}{% endblock %}')
    with pytest.raises(BrochureError, match="refused to read file:///etc/passwd"):
        build(mini)               # an attachment is fetched while writing: refused all the same
    assert not (mini / "build" / "mini.pdf").exists()


def test_theme_urls_stay_inside_theme_folders(mini):
    from brochure.themes.theme import load_theme
    theme = load_theme("default", mini)
    assert theme.theme_file("default/card.css", "styles").name == "card.css"
    assert theme.theme_file("../../etc/passwd", "styles") is None
    assert theme.theme_file("default/../../../etc/passwd", "styles") is None
