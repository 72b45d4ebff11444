"""Units laid out in worker processes and assembled: the same book as one WeasyPrint write; the cache on disk."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from brochure.book.builder import Builder, Options
from brochure.build import build
from brochure.cli import main
from brochure.pdf.render import pdf_bytes
from conftest import EDITIONS, REPO, Pdf


def copy_of(folder: Path, target: Path) -> Path:
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns("build"))
    return target


def one_write(edition: Path, target: Path, variant: str | None = None) -> Pdf:
    """The book as today's in-process path writes it: one WeasyPrint document, one write."""
    builder = Builder(edition, Options(variant=variant))
    whole = builder.lay_out_whole()
    target.write_bytes(pdf_bytes(whole.book(), builder.renderer))
    return Pdf(target)


def link_targets(pdf: Pdf) -> list[tuple[int, str, int]]:
    """(page, anchor, page it lands on) for every internal link, pages numbered from 1."""
    reader, found = pdf.reader, []
    for number, page in enumerate(reader.pages, start=1):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if "/Dest" in annot:
                name = str(annot["/Dest"])
                found.append((number, name, reader.get_destination_page_number(reader.named_destinations[name]) + 1))
    return found


def boxes(pdf: Pdf) -> list[tuple]:
    return [tuple(tuple(round(float(v), 2) for v in box) for box in (page.mediabox, page.trimbox, page.bleedbox))
            for page in pdf.reader.pages]


@pytest.fixture(scope="module")
def mini_books(tmp_path_factory):
    """The mini edition built with two processes, with one, and written whole by WeasyPrint."""
    folder = tmp_path_factory.mktemp("parallel")
    edition = copy_of(EDITIONS / "mini", folder / "mini")
    parallel = build(edition, jobs=2, output=folder / "parallel.pdf")
    single = build(edition, jobs=1, cache=False, output=folder / "single.pdf")
    whole = one_write(edition, folder / "whole.pdf")
    return edition, parallel, single, Pdf(parallel.path), Pdf(single.path), whole


def test_a_parallel_build_shows_the_same_pages_as_one_weasyprint_write(mini_books):
    _, _, _, parallel, single, whole = mini_books
    assert parallel.pages == whole.pages
    assert single.pages == whole.pages
    assert boxes(parallel) == boxes(whole)


def test_a_parallel_build_keeps_bookmarks_sections_over_cards(mini_books):
    _, _, _, parallel, single, whole = mini_books
    marks = parallel.bookmarks()
    assert marks == whole.bookmarks() == single.bookmarks()
    title = "Premier titre de carte"
    at = marks.index((1, title, parallel.card_page(title)))      # a card, one level down ...
    assert marks[at - 1][:2] == (0, "Section Alpha")                 # ... under its section


def test_sommaire_links_land_on_the_page_of_their_card(mini_books):
    _, result, _, parallel, _, whole = mini_books
    links = link_targets(parallel)
    assert links == link_targets(whole)
    sommaire = result.first_pages["sommaire"]
    landed = {target for page, _, target in links if page == sommaire}
    cards = {page for name, page in result.first_pages.items() if name.startswith("card-")}
    assert cards and cards <= landed


def test_a_parallel_build_has_the_metadata_and_one_font_per_face(mini_books):
    _, _, _, parallel, _, whole = mini_books
    assert parallel.reader.metadata == whole.reader.metadata
    with pikepdf.open(parallel.path) as pdf:
        programs = {font.DescendantFonts[0].FontDescriptor.get("/FontFile3", font.DescendantFonts[0]
                                                                .FontDescriptor.get("/FontFile2")).objgen
                    for page in pdf.pages for _, font in page.Resources.Font.items()}
        faces = {str(font.BaseFont) for page in pdf.pages for _, font in page.Resources.Font.items()}
    assert len(programs) == len(faces)
    assert parallel.path.stat().st_size <= 1.2 * whole.path.stat().st_size


def test_a_second_build_lays_out_nothing_and_an_edit_lays_out_that_card(mini_books):
    edition, first, _, _, _, _ = mini_books
    assert first.laid_out > 0
    again = build(edition, jobs=2, output=first.path)
    assert again.laid_out == 0
    card = edition / "data/cards/03-gamma.md"
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("## Contexte\n", "## Contexte\n\nUne phrase ajoutée.\n", 1), encoding="utf-8")
    try:
        edited = build(edition, jobs=2, output=first.path)
    finally:
        card.write_text(text, encoding="utf-8")
    moved = {name for name, page in edited.first_pages.items() if again.first_pages.get(name) != page}
    assert edited.laid_out == 1 + len(moved - {"card-03"}) + ("sommaire" in moved)   # the card, and units it pushed
    pages = Pdf(edited.path).pages
    assert any("phrase ajoutée" in page for page in pages[edited.first_pages["card-03"] - 1:])  # "U": a drop cap


def test_a_corrupt_or_foreign_cache_entry_is_ignored_and_replaced(mini, tmp_path):
    first = build(mini, jobs=1)
    entries = sorted((mini / "build/.cache/units").glob("*/*.unit"))
    damaged, foreign = entries[0], entries[1]
    damaged.write_bytes(damaged.read_bytes()[:-200] + b"x" * 200)       # same size, other bytes
    foreign.write_bytes(entries[2].read_bytes())                        # another unit's entry under this key
    pages = Pdf(first.path).pages
    first.path.unlink()                                                 # else the book is up to date
    again = build(mini, jobs=1)
    assert again.laid_out == 2
    assert Pdf(again.path).pages == pages
    again.path.unlink()
    assert build(mini, jobs=1).laid_out == 0     # both entries were written again, whole


def test_no_cache_and_clean(mini):
    runner = CliRunner()
    built = runner.invoke(main, ["-C", str(mini), "-q", "build", "--no-cache", "-j", "1"])
    assert built.exit_code == 0, built.output
    assert not (mini / "build/.cache").exists()
    assert build(mini, jobs=1).laid_out > 0
    assert (mini / "build/.cache/units").is_dir()
    cleaned = runner.invoke(main, ["-C", str(mini), "clean"])
    assert cleaned.exit_code == 0, cleaned.output
    assert "build/.cache" in cleaned.output
    assert not (mini / "build/.cache").exists()
    assert (mini / "build/mini.pdf").is_file()
    again = runner.invoke(main, ["-C", str(mini), "clean"])
    assert again.exit_code == 0 and "nothing to remove" in again.output


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_the_print_variant_keeps_its_output_intent_and_boxes(mini, tmp_path):
    result = build(mini, variant="print", jobs=2)
    whole = one_write(mini, tmp_path / "whole.pdf", "print")
    assert subprocess.run(["qpdf", "--check", str(result.path)], capture_output=True).returncode == 0
    parallel = Pdf(result.path)
    assert boxes(parallel) == boxes(whole)
    assert parallel.pages == whole.pages
    with pikepdf.open(result.path) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFX"
        assert b"GTS_PDFXVersion>PDF/X-4<" in pdf.Root.Metadata.read_bytes()
        assert len(intent.DestOutputProfile.read_bytes()) > 100_000
    assert result.path.stat().st_size <= 1.2 * whole.path.stat().st_size


@pytest.fixture(scope="module")
def sample_books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    parallel = build(REPO, jobs=2, cache=False, output=folder / "parallel.pdf")
    return parallel, Pdf(parallel.path), one_write(REPO, folder / "whole.pdf")


def test_the_sample_built_in_parallel_is_the_book_of_one_write(sample_books):
    result, parallel, whole = sample_books
    assert parallel.pages == whole.pages
    assert parallel.bookmarks() == whole.bookmarks()
    assert link_targets(parallel) == link_targets(whole)
    assert boxes(parallel) == boxes(whole)
    assert parallel.path.stat().st_size <= 1.2 * whole.path.stat().st_size
