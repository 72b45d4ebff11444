"""brochure/web/epub -> an EPUB 3 that epubcheck accepts, with the sommaire as navigation, metadata, cover, fonts, notes."""
from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from brochure.build import check
from brochure.themes.theme import load_theme
from brochure.web.cover import cover_image
from brochure.web.epub import make_epub
from conftest import EDITIONS, REPO
from test_web import enrich

EPUBCHECK = next((path for path in (Path("/usr/share/java/epubcheck.jar"), Path("/usr/bin/epubcheck")) if path.exists()),
                 None)


def built(root: Path, folder: Path) -> tuple[Path, bytes]:
    """The EPUB of the edition at `root`, written in `folder`; and its cover image."""
    edition, _ = check(root)
    theme = load_theme(edition.config.theme, root)
    cover = cover_image(edition, theme)
    path = folder / "book.epub"
    path.write_bytes(make_epub(edition, theme, cover, font_cache=folder / "fonts"))
    return path, cover


@pytest.fixture(scope="module")
def mini_edition(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("epub") / "mini"
    shutil.copytree(EDITIONS / "mini", root, ignore=shutil.ignore_patterns("build"))
    enrich(root)
    return root


@pytest.fixture(scope="module")
def mini_epub(mini_edition, tmp_path_factory):
    return built(mini_edition, tmp_path_factory.mktemp("mini-epub"))


@pytest.fixture(scope="module")
def sample_epub(tmp_path_factory):
    return built(REPO, tmp_path_factory.mktemp("sample-epub"))


class Epub:
    """An EPUB as a reader opens it: its files, its package document, its navigation."""

    def __init__(self, path: Path):
        self.zip = zipfile.ZipFile(path)
        self.names = self.zip.namelist()
        self.opf = self.text("EPUB/content.opf")
        self.nav = self.text("EPUB/nav.xhtml")

    def text(self, name: str) -> str:
        return self.zip.read(name).decode("utf-8")


@pytest.fixture(scope="module")
def epubcheck(mini_epub, sample_epub) -> dict[str, tuple[int, str]]:
    """epubcheck's exit status and output for both EPUBs, checked side by side (each takes a Java start-up)."""
    assert EPUBCHECK is not None, "Debian's epubcheck is needed: run ./scripts/setup.sh (it installs it)"
    running = {name: subprocess.Popen(["java", "-jar", str(EPUBCHECK), str(path)], stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True)
               for name, (path, _) in (("mini", mini_epub), ("sample", sample_epub))}
    outputs = {name: process.communicate(timeout=600)[0] for name, process in running.items()}
    return {name: (running[name].returncode, output) for name, output in outputs.items()}


@pytest.mark.parametrize("which", ["mini", "sample"])
def test_epubcheck_finds_no_error(which, epubcheck):
    status, output = epubcheck[which]
    assert status == 0, output
    assert [line for line in output.splitlines() if line.startswith(("ERROR", "FATAL"))] == []
    assert "No errors or warnings detected." in output


def test_metadata_comes_from_brochure_yml(mini_epub):
    book = Epub(mini_epub[0])
    assert "<dc:title>Mini brochure</dc:title>" in book.opf
    assert "<dc:language>fr</dc:language>" in book.opf
    assert "<dc:creator" in book.opf and "École de test</dc:creator>" in book.opf
    assert "<dc:publisher>École</dc:publisher>" in book.opf
    assert "<dc:date>2031-02-01</dc:date>" in book.opf
    assert '<meta property="dcterms:modified">2031-02-01T00:00:00Z</meta>' in book.opf
    assert re.search(r'<dc:identifier id="id">urn:uuid:[0-9a-f-]{36}</dc:identifier>', book.opf)


def test_the_navigation_follows_the_sommaire(sample_epub):
    book = Epub(sample_epub[0])
    edition, _ = check(REPO)
    titles = [(href, html.unescape(title)) for href, title in re.findall(r'<a href="([^"]+)">([^<]+)</a>', book.nav)]
    sections = [title for href, title in titles if href.startswith("section-")]
    cards = [(href, title) for href, title in titles if href.startswith("carte-")]
    assert sections == [section.title for section in edition.config.sections]
    assert cards == [(f"carte-{card.id}.xhtml", f"{card.id}. {card.title}") for card in edition.cards]
    assert all(f"EPUB/carte-{card.id}.xhtml" in book.names for card in edition.cards)


def test_the_cover_is_the_books_cover_page(mini_epub):
    book = Epub(mini_epub[0])
    image = Image.open(io.BytesIO(book.zip.read("EPUB/images/cover.jpg")))
    assert image.format == "JPEG" and image.width == 1200 and image.height > image.width
    assert image.getpixel((20, 20)) < (60, 60, 60)          # the default theme's dark cover
    assert '<item href="images/cover.jpg" id="cover-img" media-type="image/jpeg" properties="cover-image"/>' in book.opf
    assert "EPUB/cover.xhtml" in book.names


def test_fonts_pictures_and_notes_are_inside(mini_epub):
    book = Epub(mini_epub[0])
    fonts = [name for name in book.names if name.startswith("EPUB/fonts/")]
    assert fonts and all(name.endswith(".woff2") and f'href="{name[5:]}"' in book.opf for name in fonts)
    photos = [name for name in book.names if name.startswith("EPUB/images/anne-")]
    assert len(photos) == 1 and Image.open(io.BytesIO(book.zip.read(photos[0]))).width == 1200
    card = book.text("EPUB/carte-01.xhtml")
    assert f'src="{photos[0][5:]}"' in card and "Portrait de Anne Alpha" in card
    notes = book.text("EPUB/carte-02.xhtml")
    assert 'href="#note-1"' in notes and 'id="note-1"' in notes and 'href="#appel-1"' in notes
    assert "/etc/hostname" not in book.text("EPUB/carte-01.xhtml")


def test_the_same_sources_give_the_same_bytes(mini_edition, mini_epub, tmp_path):
    path, cover = mini_epub
    edition, _ = check(mini_edition)
    again = make_epub(edition, load_theme("default", mini_edition), cover, font_cache=path.parent / "fonts")
    assert again == path.read_bytes()
    assert {entry.date_time for entry in zipfile.ZipFile(path).infolist()} == {(2031, 2, 1, 0, 0, 0)}
    assert zipfile.ZipFile(path).infolist()[0].filename == "mimetype"
