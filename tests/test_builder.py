"""The long-lived Builder: only what changed is laid out again, and a broken card blocks no one."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from brochure.book.builder import Builder, Options
from brochure.build import build, preview
from brochure.cli import main
from brochure.problems import BrochureError, ContentError
from conftest import EDITIONS, Pdf

BROKEN_FRONT_MATTER = "---\nnumber: 2\nsection: beta\ntitle: [unclosed\n---\nTexte.\n"


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A builder that has built the mini edition once, and the edition's folder."""
    edition = tmp_path_factory.mktemp("builder") / "mini"
    shutil.copytree(EDITIONS / "mini", edition, ignore=shutil.ignore_patterns("build"))
    builder = Builder(edition, Options(draft=True))
    first = builder.refresh()
    return builder, edition, first


def pages_of(generation, kind: str, card: str | None = None) -> set[int]:
    return {page for slot in generation.plan.slots if slot.unit.kind == kind
            and (card is None or slot.unit.card and slot.unit.card.id == card)
            for page in range(slot.start, slot.end + 1)}


def test_a_refresh_with_nothing_changed_lays_out_nothing(warm):
    builder, _, first = warm
    again = builder.refresh()
    assert again.laid_out == 0
    assert again.changed_pages == ()
    assert again.page_keys() == first.page_keys()


def test_a_sentence_edited_in_one_card_lays_out_that_card_alone(warm):
    builder, edition, _ = warm
    card = edition / "data/cards/01-alpha.md"   # its last page has room: its length stays
    text = card.read_text(encoding="utf-8")
    before = builder.refresh()
    card.write_text(text.replace("## Contexte\n", "## Contexte\n\nUne phrase ajoutée pour le test.\n", 1), encoding="utf-8")
    try:
        after = builder.refresh()
    finally:
        card.write_text(text, encoding="utf-8")
    assert after.laid_out == 1
    assert set(after.changed_pages) <= pages_of(after, "card", "01")
    assert after.changed_pages, "the edited card's pages must change"
    assert after.number == before.number + 1


def test_an_image_replaced_under_the_same_name_lays_out_its_card_again(warm):
    """The HTML does not change, but the layout read the image: its bytes are part of the key."""
    from PIL import Image
    builder, edition, _ = warm
    card = edition / "data/cards/01-alpha.md"
    text = card.read_text(encoding="utf-8")
    Image.new("RGB", (60, 40), "red").save(edition / "data/cards/picture.png")
    card.write_text(text.replace("## Contexte\n", "## Contexte\n\n![Une image](picture.png)\n", 1), encoding="utf-8")
    try:
        builder.refresh()
        Image.new("RGB", (60, 40), "blue").save(edition / "data/cards/picture.png")
        after = builder.refresh()
    finally:
        card.write_text(text, encoding="utf-8")
        (edition / "data/cards/picture.png").unlink()
        builder.refresh()
    assert after.laid_out == 1
    assert set(after.changed_pages) <= pages_of(after, "card", "01") and after.changed_pages


def test_a_stylesheet_change_lays_out_every_unit_again(warm):
    builder, edition, _ = warm
    styles = edition / "styles"
    styles.mkdir()
    shutil.copy(EDITIONS.parent.parent / "styles/default/variables.css", styles / "variables.css")
    try:
        builder.refresh()
        sheet = styles / "variables.css"
        sheet.write_text(sheet.read_text().replace("--ink: #1d1d1b;", "--ink: #203040;"), encoding="utf-8")
        after = builder.refresh()
    finally:
        shutil.rmtree(styles)
        builder.refresh()
    assert after.reused == 0 and after.laid_out >= len(after.plan.slots)
    assert len(after.changed_pages) == after.pages


def test_a_broken_card_becomes_a_problem_page_in_a_draft(warm):
    builder, edition, _ = warm
    card = edition / "data/cards/02-beta.md"
    text = card.read_text(encoding="utf-8")
    card.write_text(BROKEN_FRONT_MATTER, encoding="utf-8")
    try:
        generation = builder.refresh()
        pdf_text = " ".join(page.get_textpage().get_text_range() for page in _pdfium(generation.pdf))
    finally:
        card.write_text(text, encoding="utf-8")
    assert [slot.unit.kind for slot in generation.plan.slots].count("problem") == 1
    assert [slot.unit.card.id for slot in generation.plan.slots if slot.unit.kind == "card"] == ["01", "03"]
    assert generation.errors and all(p.path == card for p in generation.errors)
    assert "data/cards/02-beta.md:4:" in pdf_text
    assert "Premier titre de carte" in pdf_text and "Troisième titre de carte" in pdf_text


def _pdfium(data: bytes):
    import pypdfium2 as pdfium
    return list(pdfium.PdfDocument(data))


@pytest.fixture
def broken(mini):
    (mini / "data/cards/02-beta.md").write_text(BROKEN_FRONT_MATTER, encoding="utf-8")
    return mini


def test_build_refuses_a_broken_card_and_build_draft_prints_its_problems(broken, read_pdf):
    with pytest.raises(ContentError):
        build(broken)
    runner = CliRunner()
    refused = runner.invoke(main, ["-C", str(broken), "build"])
    assert refused.exit_code == 1 and not (broken / "build/mini.pdf").exists()
    drafted = runner.invoke(main, ["-C", str(broken), "build", "--draft"])
    assert drafted.exit_code == 0, drafted.output
    assert "data/cards/02-beta.md:4: yaml:" in drafted.output
    assert "draft: 1 error(s) in 1 file(s), each printed as a problem page." in drafted.output
    pdf = read_pdf(broken / "build/mini.pdf")
    assert pdf.page_of("data/cards/02-beta.md:4:") > pdf.card_page("Premier titre de carte")


def test_a_card_previews_while_another_card_is_broken(broken, read_pdf):
    result = preview(broken, "03")
    pdf = read_pdf(result.path)
    assert "Troisième titre de carte" in " ".join(pdf.pages)
    assert any(warning.path.name == "02-beta.md" for warning in result.warnings)
    with pytest.raises(ContentError):
        preview(broken, "02")


def test_a_builder_with_the_cache_starts_from_what_a_build_left(mini):
    from brochure.pdf.cache import UnitCache
    built = build(mini, jobs=1)
    with Builder(mini, Options(), jobs=1, cache=UnitCache(mini / "build/.cache")) as builder:
        generation = builder.refresh()
    assert generation.laid_out == 0 and generation.from_cache >= len(generation.plan.slots)
    assert generation.pages == built.pages


def _die(unit, start):
    """A worker killed while laying out (as by the kernel's out-of-memory killer)."""
    import os
    os._exit(3)


def test_a_layout_process_that_dies_is_one_line_and_the_next_refresh_starts_new_ones(mini, monkeypatch):
    from brochure.pdf import unit_writer
    from brochure.problems import BrochureError
    real = unit_writer.write
    monkeypatch.setattr(unit_writer, "write", _die)
    with Builder(mini, Options(), jobs=2) as builder:
        with pytest.raises(BrochureError) as error:
            builder.refresh()
        assert error.value.message.startswith("a layout process stopped while laying out ")
        assert "run the command again, with --jobs 1" in error.value.message
        monkeypatch.setattr(unit_writer, "write", real)
        assert builder.refresh().pages


def test_a_font_added_to_the_edition_lays_out_every_unit_again(warm):
    """Fonts are found by folder, not only through the stylesheets: a new one may draw any text."""
    builder, edition, _ = warm
    fonts = edition / "assets/fonts"
    fonts.mkdir(parents=True)
    source = next((EDITIONS.parent.parent / "assets/fonts/noto-serif").glob("*.ttf"))
    try:
        builder.refresh()
        shutil.copy(source, fonts / "extra.ttf")
        after = builder.refresh()
    finally:
        shutil.rmtree(edition / "assets")
        builder.refresh()
    assert after.reused == 0 and after.laid_out >= len(after.plan.slots)


def test_a_build_on_several_cores_imports_weasyprint_in_its_workers_only(mini):
    """The main process reads, plans and assembles; the workers lay out, and import WeasyPrint meanwhile."""
    code = ("import sys; from pathlib import Path; from brochure.build import build; "
            f"result = build(Path({str(mini)!r}), jobs=2); "
            "print(result.pages, result.laid_out, 'weasyprint' in sys.modules)")
    pages, laid_out, imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                               check=True).stdout.split()
    assert int(pages) > 0 and int(laid_out) > 0
    assert imported == "False"


def test_a_card_edited_since_the_last_build_is_laid_out_first_and_once(mini, caplog):
    """The record names the edited card and its first page: a worker lays it out while the edition is read,
    and the book is the one a build from nothing makes."""
    build(mini, jobs=2)
    card = mini / "data/cards/01-alpha.md"
    card.write_text(card.read_text(encoding="utf-8").replace("## Contexte\n", "## Contexte\n\nUne phrase de plus.\n", 1),
                    encoding="utf-8")
    with caplog.at_level("INFO", logger="brochure"):
        edited = build(mini, jobs=2)
    early = [record.getMessage() for record in caplog.records if "laid out first" in record.getMessage()]
    assert len(early) == 1 and early[0].startswith("card-01: edited")
    assert edited.laid_out == 1                       # that card, laid out once
    fresh = build(mini, jobs=2, cache=False, output=mini / "build" / "fresh.pdf")
    assert Pdf(edited.path).pages == Pdf(fresh.path).pages and "phrase de plus." in " ".join(Pdf(edited.path).pages)
    assert edited.path.read_bytes() == fresh.path.read_bytes()        # and the same file, to the byte


def test_an_edit_undone_lays_out_nothing_and_waits_for_no_worker(mini, caplog):
    """Back to a version of the card the unit cache holds: no layout first (the plan finds it in the cache)."""
    build(mini, jobs=2)
    card = mini / "data/cards/01-alpha.md"
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("## Contexte\n", "## Contexte\n\nUne phrase de plus.\n", 1), encoding="utf-8")
    build(mini, jobs=2)
    card.write_text(text, encoding="utf-8")                          # undone: the first version, cached
    with caplog.at_level("INFO", logger="brochure"):
        undone = build(mini, jobs=2)
    assert not [record for record in caplog.records if "laid out first" in record.getMessage()]
    assert undone.laid_out == 0 and "phrase de plus" not in " ".join(Pdf(undone.path).pages)


def test_with_a_new_look_a_card_is_laid_out_while_the_html_is_made_and_placed_by_the_plan(mini, caplog, monkeypatch):
    from brochure.pdf.workers import Writers
    # The stylesheets' facts as soon as asked (the worker may not have answered yet on a fast machine).
    monkeypatch.setattr(Writers, "facts_known", property(lambda self: self._facts is not None
                                                          and self._facts.result() is not None))
    monkeypatch.setattr(Builder, "_read_ahead", lambda self, *args, **kwargs: None)   # none laid out while the edition is read
    with caplog.at_level("INFO", logger="brochure"):
        ahead = build(mini, jobs=2, cache=False)
    early = [record.getMessage() for record in caplog.records if "while the HTML of the others" in record.getMessage()]
    assert len(early) == 1 and early[0].startswith("card-")
    one = build(mini, jobs=1, cache=False, output=mini / "build" / "one.pdf")
    assert ahead.first_pages == one.first_pages and Pdf(ahead.path).pages == Pdf(one.path).pages
    assert ahead.path.read_bytes() == one.path.read_bytes()          # and the same file, to the byte


def test_with_a_new_look_a_card_is_laid_out_while_the_edition_is_read_and_taken_by_the_plan(mini, caplog, monkeypatch):
    from brochure.pdf.workers import Writers
    # The stylesheets' facts as soon as asked (the worker may not have answered yet on a fast machine).
    monkeypatch.setattr(Writers, "facts_known", property(lambda self: self._facts is not None
                                                          and self._facts.result() is not None))
    with caplog.at_level("INFO", logger="brochure"):
        ahead = build(mini, jobs=2, cache=False)
    messages = [record.getMessage() for record in caplog.records]
    early = [message for message in messages if message.endswith("laid out ahead, while the edition is read")]
    assert len(early) == 1                                           # the worker had one layout to do at a time
    card = early[0].split(":")[0]
    assert any(message.startswith(f"{card} at p. ") and ": moved there, " in message
               for message in messages)                          # placed by the plan, not laid out again
    one = build(mini, jobs=1, cache=False, output=mini / "build" / "one.pdf")
    assert ahead.first_pages == one.first_pages and Pdf(ahead.path).pages == Pdf(one.path).pages
    assert ahead.path.read_bytes() == one.path.read_bytes()          # and the same file, to the byte


def test_a_card_laid_out_first_at_a_page_it_no_longer_starts_on_is_laid_out_again_there(mini, caplog):
    build(mini, jobs=2)
    first, second = mini / "data/cards/01-alpha.md", mini / "data/cards/02-beta.md"
    longer = first.read_text(encoding="utf-8").replace("## Contexte\n", "## Contexte\n\n" + "Un long ajout. " * 400 + "\n", 1)
    first.write_text(longer, encoding="utf-8")
    second.write_text(second.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", encoding="utf-8")
    with caplog.at_level("INFO", logger="brochure"):
        edited = build(mini, jobs=2)
    early = [record.getMessage() for record in caplog.records if record.getMessage().startswith("card-02: edited")]
    fresh = build(mini, jobs=2, cache=False, output=mini / "build" / "fresh.pdf")
    assert early and f"at p. {fresh.first_pages['card-02']} " not in early[0]     # laid out first at its old page
    assert edited.first_pages == fresh.first_pages and Pdf(edited.path).pages == Pdf(fresh.path).pages
    assert edited.path.read_bytes() == fresh.path.read_bytes()        # and the same file, to the byte


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldconfig is Linux's")
def test_a_worker_finds_weasyprints_libraries_in_ldconfigs_cache_without_running_gcc(monkeypatch):
    import ctypes.util

    from brochure.pdf.workers import _libraries_from_ldconfig
    compiled = []
    monkeypatch.setattr(ctypes.util, "_findLib_gcc", lambda name: compiled.append(name))
    find_library = ctypes.util.find_library
    with _libraries_from_ldconfig():
        assert ctypes.util.find_library("harfbuzz").startswith("libharfbuzz.so")   # a name ldconfig lists
        assert ctypes.util.find_library("libharfbuzz-0") is None                   # WeasyPrint's Windows name
    assert compiled == [] and ctypes.util.find_library is find_library            # put back afterwards


def test_a_worker_imports_weasyprint_but_neither_jinja2_nor_markdown():
    """What a worker imports is on the path of every edit: it takes units, it renders no template."""
    probe = ("import sys; import brochure.cli, brochure.build; from brochure.pdf.workers import _import_worker; "
             "_import_worker(); print(sorted(name for name in ('weasyprint', 'jinja2', 'markdown') if name in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert shown == "['weasyprint']"


def test_the_look_kept_in_the_cache_is_trusted_only_while_its_stylesheets_are_unchanged(mini):
    from brochure.pdf.cache import UnitCache
    styles = mini / "styles"
    styles.mkdir()
    sheet = styles / "variables.css"
    shutil.copy(EDITIONS.parent.parent / "styles/default/variables.css", sheet)
    build(mini, jobs=2)
    cache = UnitCache(mini / "build/.cache")
    with Builder(mini, Options(), jobs=2, cache=cache) as builder:
        again = builder.refresh()
        assert again.laid_out == 0 and again.from_cache >= len(again.plan.slots)
        assert builder._look is not None and builder._writers._pools.count(None) == 1   # one worker started
    sheet.write_text(sheet.read_text().replace("--ink: #1d1d1b;", "--ink: #203040;"), encoding="utf-8")
    with Builder(mini, Options(), jobs=2, cache=cache) as builder:
        edited = builder.refresh()
    assert edited.from_cache == 0 and edited.laid_out >= len(edited.plan.slots)
    sheet.write_text('@import "nowhere.css";\n' + sheet.read_text(), encoding="utf-8")
    with Builder(mini, Options(), jobs=2, cache=cache) as builder, pytest.raises(ContentError) as error:
        builder.refresh()
    assert [(problem.path, problem.line) for problem in error.value.problems] == [(sheet, 1)]


def test_a_renderer_that_cannot_be_made_in_a_worker_is_one_line(mini):
    """A worker that cannot make its renderer says why with its first task; the pool is not broken."""
    (mini / "assets" / "icc").mkdir(parents=True)
    (mini / "assets" / "icc" / "brochure-cmyk-fogra39.icc").write_bytes(b"not a profile at all")
    with Builder(mini, Options(variant="print"), jobs=2) as builder, pytest.raises(BrochureError) as error:
        builder.refresh()
    assert str(error.value).startswith("assets/icc/brochure-cmyk-fogra39.icc: not a usable CMYK ICC profile (")
