"""An edition folder -> a checked edition, then a PDF in build/: the pipeline run end to end.

`check`, `build` and `preview` are the same pipeline; a preview is a build
of a selection (one card), not a second code path.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from .content import load_edition
from .document import Unit, blank_unit, book_units, card_unit, sommaire_unit
from .models import Card, Edition
from .output import write_atomically
from .pdf import Renderer, pdf_bytes, render_book
from .problems import ERROR, WARNING, BrochureError, ContentError, Problem
from .themes import load_theme

log = logging.getLogger(__name__)
BUILD_DIR = "build"
PAGES_FILE = "pages.json"   # where the last build put each unit, for previews


@dataclass(frozen=True)
class Result:
    path: Path
    pages: int
    seconds: float
    warnings: tuple[Problem, ...]
    first_pages: dict


def check(root: Path, strict: bool = False) -> tuple[Edition, list[Problem]]:
    """Read and check everything; raise ContentError listing every problem if there is an error."""
    edition, problems = load_edition(root)
    errors = [p for p in problems if p.severity == ERROR or strict]
    if edition is None or errors:
        raise ContentError(problems if strict else errors, root.resolve())
    return edition, [p for p in problems if p.severity == WARNING]


def build(root: Path, theme: str | None = None, output: Path | None = None, strict: bool = False) -> Result:
    """Build the whole book into build/<output> (or `output`)."""
    began = time.perf_counter()
    edition, warnings = check(root, strict)
    renderer = Renderer(edition.config, load_theme(theme or edition.config.theme, edition.config.root))
    units = book_units(edition, renderer.theme)
    book = render_book(units, renderer, lambda pages: sommaire_unit(edition, renderer.theme, pages),
                       blank=blank_unit(edition, renderer.theme))
    target = output or edition.config.root / BUILD_DIR / edition.config.output
    write_atomically(target, pdf_bytes(book, edition.config))
    _remember_pages(edition, book.first_pages)
    return Result(target, len(book.document.pages), time.perf_counter() - began, tuple(warnings), book.first_pages)


def preview(root: Path, reference: str, theme: str | None = None, strict: bool = False) -> Result:
    """Build one card alone, as it looks in the book, into build/preview-<card>.pdf."""
    began = time.perf_counter()
    edition, warnings = check(root, strict)
    card = find_card(edition, reference)
    renderer = Renderer(edition.config, load_theme(theme or edition.config.theme, edition.config.root))
    unit = card_unit(edition, card, renderer.theme)
    start = _remembered_pages(edition).get(unit.name, 1)
    book = render_book([unit], renderer, lambda pages: _never(pages), start_page=start)
    target = edition.config.root / BUILD_DIR / f"preview-{card.id}.pdf"
    write_atomically(target, pdf_bytes(book, edition.config))
    card_warnings = tuple(w for w in warnings if w.path == card.path)
    return Result(target, len(book.document.pages), time.perf_counter() - began, card_warnings, book.first_pages)


def find_card(edition: Edition, reference: str) -> Card:
    """A card by number ("01", "1") or by file name or path."""
    for card in edition.cards:
        if reference.isdigit() and int(reference) == card.number:
            return card
        candidate = Path(reference)
        if card.path.name == candidate.name or (candidate.exists() and candidate.resolve() == card.path.resolve()):
            return card
    numbers = ", ".join(card.id for card in edition.cards)
    raise BrochureError(f"no card '{reference}' in this edition (cards: {numbers})")


def _never(pages) -> Unit:
    raise AssertionError("a preview has no sommaire")


def _remember_pages(edition: Edition, first_pages: dict) -> None:
    path = edition.config.root / BUILD_DIR / PAGES_FILE
    write_atomically(path, json.dumps(first_pages, indent=1, sort_keys=True).encode())


def _remembered_pages(edition: Edition) -> dict:
    try:
        return json.loads((edition.config.root / BUILD_DIR / PAGES_FILE).read_text())
    except (OSError, ValueError):
        return {}
