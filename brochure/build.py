"""An edition folder -> a checked edition, then a PDF in build/: the pipeline run end to end.

`check`, `build` and `preview` are the same pipeline; a preview is a build
of a selection (one card), not a second code path.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

from .edition.content import load_card, load_edition
from .book.builder import Builder, Options
from .book.units import card_unit
from .edition.models import Card, Edition
from .output import write_atomically
from .pdf.render import Renderer, pdf_bytes, render_book
from .pdf.preflight import Finding, is_print_file, preflight
from .problems import ERROR, WARNING, BrochureError, ContentError, Problem
from .themes.theme import load_theme
from .pdf.variants import Variant, make_variant

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
    findings: tuple[Finding, ...] | None = None   # the preflight's, for a print build
    errors: tuple[Problem, ...] = ()              # a draft's: the files printed as problem pages


def check(root: Path, strict: bool = False) -> tuple[Edition, list[Problem]]:
    """Read and check everything; raise ContentError listing every problem if there is an error."""
    edition, problems = load_edition(root)
    errors = [p for p in problems if p.severity == ERROR or strict]
    if edition is None or errors:
        raise ContentError(problems if strict else errors, root.resolve())
    return edition, [p for p in problems if p.severity == WARNING]


def build(root: Path, theme: str | None = None, output: Path | None = None, strict: bool = False,
          variant: str | None = None, accessible: bool = False, archival: bool = False,
          draft: bool = False, progress=None) -> Result:
    """Build the whole book into build/<output> (or `output`); the print variant into build/<name>-print.pdf.

    `draft`: a card (or the editorial, the back page) with errors is printed as a page listing its
    problems, and the rest of the book is built; without it, any error stops the build.
    `progress(done, total)` is told of every unit laid out.
    """
    began = time.perf_counter()
    if strict:
        check(root, strict=True)
    builder = Builder(root, Options(theme, variant, accessible, archival, draft))
    generation = builder.refresh(progress)
    edition, renderer = generation.edition, builder.renderer
    log.info("writing %s", output or edition.config.output)
    book = generation.book()
    target = output or edition.config.root / BUILD_DIR / output_name(edition.config.output, renderer.variant)
    write_atomically(target, pdf_bytes(book, renderer))
    _remember_pages(edition, book.first_pages)
    warnings = [p for p in generation.problems if p.severity == WARNING]
    findings = None
    if renderer.variant.name == "print":
        findings = tuple(preflight(target, True, book.first_pages, missing_by_unit(edition, warnings)))
    return Result(target, generation.pages, time.perf_counter() - began, tuple(warnings), book.first_pages,
                  findings, generation.errors)


def check_pdf(root: Path, pdf: Path | None = None) -> tuple[Path, list[Finding]]:
    """The preflight of a built PDF (by default the print build if there is one, else the screen one)."""
    edition, warnings = check(root)
    build_dir = edition.config.root / BUILD_DIR
    if pdf is None:
        candidates = [build_dir / output_name(edition.config.output, make_variant(name)) for name in ("print", "screen")]
        pdf = next((path for path in candidates if path.is_file()), None)
        if pdf is None:
            raise BrochureError(f"no PDF in {build_dir}: run `brochure build` first, or name the PDF to check")
    return pdf, preflight(pdf, is_print_file(pdf), _remembered_pages(edition), missing_by_unit(edition, warnings))


def missing_by_unit(edition: Edition, warnings: list[Problem]) -> dict[str, int]:
    """How many declared-missing items (content warnings) each card has."""
    units = {card.path: f"card-{card.id}" for card in edition.cards}
    counts: dict[str, int] = {}
    for warning in warnings:
        if warning.path in units:
            counts[units[warning.path]] = counts.get(units[warning.path], 0) + 1
    return counts


def preview(root: Path, reference: str, theme: str | None = None, strict: bool = False,
            variant: str | None = None) -> Result:
    """Build one card alone, as it looks in the book, into build/preview-<card>.pdf.

    Errors in other files do not stop it: they come back as warnings, so one broken card blocks no one.
    """
    began = time.perf_counter()
    edition, problems = load_edition(root, partial=True)
    if edition is None:
        raise ContentError([p for p in problems if p.severity == ERROR], root.resolve())
    card = _previewed_card(edition, reference, strict)
    renderer = Renderer(edition.config, load_theme(theme or edition.config.theme, edition.config.root),
                        make_variant(variant or edition.config.variant))
    unit = card_unit(edition, card, renderer.theme)
    start = _remembered_pages(edition).get(unit.name, 1)
    book = render_book([unit], renderer, start_page=start)
    target = edition.config.root / BUILD_DIR / f"preview-{card.id}.pdf"
    write_atomically(target, pdf_bytes(book, renderer))
    shown = tuple(p if p.path == card.path else replace(p, severity=WARNING)
                  for p in problems if p.path == card.path or p.severity == ERROR)
    return Result(target, len(book.document.pages), time.perf_counter() - began, shown, book.first_pages)


def _previewed_card(edition: Edition, reference: str, strict: bool) -> Card:
    """The card to preview; its own errors (and warnings, when strict) stop the preview."""
    for broken in edition.broken:
        if (reference.isdigit() and broken.number == int(reference)) or Path(reference).name == broken.path.name:
            raise ContentError(list(broken.problems), edition.config.root)
    try:
        card = find_card(edition, reference)
    except BrochureError:
        unknown = [problem for broken in edition.broken if not broken.number for problem in broken.problems]
        if unknown:   # a card whose front-matter cannot be read may be the one asked for
            raise ContentError(unknown, edition.config.root) from None
        raise
    if strict:
        _, warnings = load_card(card.path, edition.config)
        if warnings:
            raise ContentError(warnings, edition.config.root)
    return card


def output_name(name: str, variant: Variant) -> str:
    """The file a variant is written to: the print variant beside the screen one, not over it."""
    return name if variant.name == "screen" else name.removesuffix(".pdf") + f"-{variant.name}.pdf"


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


def _remember_pages(edition: Edition, first_pages: dict) -> None:
    path = edition.config.root / BUILD_DIR / PAGES_FILE
    write_atomically(path, json.dumps(first_pages, indent=1, sort_keys=True).encode())


def _remembered_pages(edition: Edition) -> dict:
    try:
        return json.loads((edition.config.root / BUILD_DIR / PAGES_FILE).read_text())
    except (OSError, ValueError):
        return {}
