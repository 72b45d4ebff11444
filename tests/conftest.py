"""Shared fixtures: tiny editions copied into a temporary folder, a PDF reader, a WeasyPrint warning guard."""
from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

HERE = Path(__file__).resolve().parent
EDITIONS = HERE / "editions"
REPO = HERE.parent


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of the three-card fixture edition, safe to edit."""
    target = tmp_path / "mini"
    shutil.copytree(EDITIONS / "mini", target, ignore=shutil.ignore_patterns("build"))
    return target


@pytest.fixture(autouse=True)
def weasyprint_warnings(request, caplog):
    """Fail any test in which WeasyPrint logs a warning or an error it was not told to expect."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    expected = [m.args[0] for m in request.node.iter_markers("weasyprint_warning")]
    unexpected = [r.getMessage() for r in caplog.records
                  if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING
                  and not any(re.search(pattern, r.getMessage()) for pattern in expected)]
    assert not unexpected, f"unexpected WeasyPrint warnings: {unexpected}"


def squash(text: str) -> str:
    """Runs of ordinary white space -> one space; no-break spaces are kept, they are typography."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


class Pdf:
    """A built PDF as a reader sees it: the text of each page, the bookmarks, the fonts."""

    def __init__(self, path: Path):
        self.path = path
        self.reader = PdfReader(str(path))
        self.pages = [squash(page.extract_text() or "") for page in self.reader.pages]

    def page_of(self, text: str, start: int = 1) -> int:
        """The first page (numbered from 1) whose text holds `text`, from page `start`."""
        needle = squash(text)
        for number, page in enumerate(self.pages[start - 1:], start=start):
            if needle in page:
                return number
        raise AssertionError(f"{text!r} is on no page of {self.path.name}")

    def card_page(self, title: str) -> int:
        """The page a card opens on: its title with the authors block (a divider lists titles too)."""
        for number, page in enumerate(self.pages, start=1):
            if squash(title) in page and "LES AUTEURS" in page.upper():
                return number
        raise AssertionError(f"no card titled {title!r} in {self.path.name}")

    def bookmarks(self, outline=None, depth=0) -> list[tuple[int, str, int]]:
        """(depth, title, page) for every bookmark, in order."""
        out = []
        for item in self.reader.outline if outline is None else outline:
            if isinstance(item, list):
                out += self.bookmarks(item, depth + 1)
            else:
                out.append((depth, item.title, self.reader.get_destination_page_number(item) + 1))
        return out

    def fonts(self) -> dict[str, bool]:
        """Base font name -> whether its program is embedded."""
        fonts = {}
        for page in self.reader.pages:
            for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
                font = font.get_object()
                descendants = font.get("/DescendantFonts")
                described = descendants[0].get_object() if descendants else font
                descriptor = described.get("/FontDescriptor", {})
                descriptor = descriptor.get_object() if descriptor else {}
                fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        return fonts


@pytest.fixture
def read_pdf():
    return Pdf
