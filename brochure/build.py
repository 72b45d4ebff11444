"""An edition folder -> a checked edition, then a PDF in build/: the pipeline run end to end.

`check`, `build` and `preview` are the same pipeline; a preview is a build
of a selection (one card), not a second code path.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .edition.config import CONFIG_NAME, load_config
from .edition.models import Card, Config, Edition
from .limits import TEMPLATE_SECONDS
from .output import check_pdf_target, write_atomically
from .pdf.record import BookRecord, BuildOptions, Record, written
from .problems import ERROR, WARNING, BrochureError, ContentError, Finding, Problem

if TYPE_CHECKING:   # the pipeline's modules are imported where used: an up-to-date build imports no renderer
    from .pdf.variants import Variant
    from .themes.theme import Theme

log = logging.getLogger(__name__)
BUILD_DIR = "build"
SITE_DIR = "site"           # build/site/: the HTML edition
CACHE_DIR = ".cache"        # build/.cache/: what a build keeps for the next one (subset web fonts)
PAGES_FILE = "pages.json"   # where each unit of the last books built started, for previews and the preflight
PREVIEW_DIR = "preview"     # previews have their own folder: they never replace a book
MAX_BOOKS = 20              # books remembered in pages.json
MAX_PAGES_FILE = 1_000_000  # bytes: a larger pages.json is not ours


@dataclass(frozen=True)
class Result:
    path: Path
    pages: int
    seconds: float
    warnings: tuple[Problem, ...]
    first_pages: dict
    findings: tuple[Finding, ...] | None = None   # the preflight's, for a print build
    errors: tuple[Problem, ...] = ()              # a draft's: the files printed as problem pages
    counted: str = "page(s)"                       # what `pages` counts: "page(s)" of a PDF or a site, "chapter(s)"
    layout: tuple[Finding, ...] = ()               # the layout findings (pdf/findings.py)
    laid_out: int = 0                              # units laid out by this build (not taken from a cache)
    up_to_date: bool = False                       # nothing changed since the last build: nothing was written


def check(root: Path, strict: bool = False, theme: str | None = None,
          template_seconds: float | None = TEMPLATE_SECONDS) -> tuple[Edition, list[Problem]]:
    """Read and check everything, the theme and its templates too; raise ContentError listing every problem.

    Every unit's HTML is made, so that a template failing on this edition's values fails here, not in the build.
    """
    from .book.units import book_units
    from .pdf.render import Renderer
    from .pdf.time_limit import time_limit
    from .pdf.variants import make_variant
    edition, warnings = _content(root)
    chosen = _theme(edition.config, theme)
    with time_limit(template_seconds, "making the HTML of every unit from the templates",
                    "look for loops inside loops in the templates"):
        book_units(edition, chosen)
    renderer = Renderer(edition.config, chosen, make_variant(edition.config.variant))   # parses every stylesheet
    warnings = [*warnings, *chosen.warnings, *renderer.problems]
    errors = [problem for problem in warnings if problem.severity == ERROR]
    if errors or (strict and warnings):
        raise ContentError(warnings if strict else errors, root.resolve())
    return edition, warnings


def check_files(root: Path, files, strict: bool = False) -> tuple[list[Problem], int]:
    """`check FILE...`: the edition checked whole -> the problems of FILE... and the edition-wide ones
    (brochure.yml, the theme, the templates), sorted, and how many errors the other Markdown files have."""
    from .edition.content import load_edition
    root = root.resolve()
    chosen = {Path(file).resolve() for file in files}
    outside = [file for file in files if not Path(file).resolve().is_relative_to(root)]
    if outside:
        raise BrochureError(f"{outside[0]}: not a file of the edition {root}")
    problems = load_edition(root)[1]
    if not any(problem.severity == ERROR for problem in problems):   # then the theme and templates, as check does
        try:
            check(root)
        except ContentError as error:
            problems += [problem for problem in error.problems if problem not in problems]
    shown = lambda problem: problem.path in chosen or problem.path.suffix != ".md"  # noqa: E731
    others = sum(not shown(p) and (p.severity == ERROR or strict) for p in problems)
    return sorted(p for p in problems if shown(p)), others


def build(root: Path, theme: str | None = None, output: Path | None = None, strict: bool = False,
          variant: str | None = None, accessible: bool = False, archival: bool = False,
          draft: bool = False, progress=None, jobs: int | None = None, cache: bool = True) -> Result:
    """Build the whole book into build/<output> (or `output`); the print variant into build/<name>-print.pdf.

    `draft`: a card (or the editorial, the back page) with errors is printed as a page listing its
    problems, and the rest of the book is built; without it, any error stops the build.
    `progress(done, total)` is told of every unit laid out. Units are laid out in `jobs` processes
    (None: one per core) and kept in build/.cache/units/ unless `cache` is False. A tagged (`accessible`)
    book is laid out in this process as one document: its structure tree is not merged across units.
    With `cache`, a build whose options, inputs and outputs are all as a successful build left them writes
    nothing: its Result (`up_to_date`) says again what that build said (pdf/record.py).
    """
    began = time.perf_counter()
    options = BuildOptions(theme, variant, accessible, archival, draft, strict, output)
    from .pdf.workers import fork_workers
    jobs = 1 if accessible else jobs or os.cpu_count() or 1
    forked = fork_workers(1) if jobs > 1 else []   # imports WeasyPrint meanwhile, in its own process
    try:
        record = BookRecord.of(root.resolve() / BUILD_DIR / CACHE_DIR, root, options) if cache else None
        found = record.found() if record is not None else None
        if found is not None:         # nothing to lay out: the worker is stopped, whatever it was importing
            for pool in forked:
                pool.kill()
            return _up_to_date(root, found, began)
        from .pdf.variants import make_variant
        config, _ = load_config(root)
        if config is not None:   # else the builder reports every problem of the edition
            chosen = make_variant(variant or config.variant, accessible, archival)
            target = output or book_target(config, chosen)
            _theme(config, theme)
            check_pdf_target(target, sources(config))
        if strict:
            check(root, strict=True, theme=theme)
        from .book.builder import Builder, Options
        from .pdf.cache import UnitCache
    except BaseException:
        for pool in forked:
            pool.kill()
        raise
    folder = root.resolve() / BUILD_DIR / CACHE_DIR
    with Builder(root, Options(theme, variant, accessible, archival, draft), jobs,
                 UnitCache(folder) if cache and not accessible else None, forked=forked,
                 edited=record.edited if record is not None else None) as builder:
        if accessible:
            from .pdf.render import pdf_bytes
            made = builder.lay_out_whole(progress)
            book = made.book()
            layout = _layout_findings(book.findings(), strict)
            data, first_pages, laid_out = pdf_bytes(book, builder.renderer), book.first_pages, made.laid_out
        else:
            made = builder.refresh(progress)
            layout = _layout_findings(made.findings, strict)
            data, first_pages, laid_out = made.pdf, made.plan.first_pages(), made.laid_out
    edition, spec = made.edition, builder.spec
    target = output or book_target(edition.config, spec.variant)
    log.info("writing %s", target)
    write_atomically(target, data)
    remember_pages(edition, BookKey(spec.theme.name, spec.variant.name, target), first_pages)
    warnings = [p for p in made.problems if p.severity == WARNING]
    findings = None
    if spec.variant.name == "print":
        from .pdf.preflight import preflight      # pikepdf: imported while the workers lay out, by the assembler
        findings = tuple(preflight(target, True, first_pages, missing_by_unit(edition, warnings)))
    result = Result(target, made.pages, time.perf_counter() - began, tuple(warnings), first_pages,
                    findings, made.errors, layout=layout, laid_out=laid_out)
    if record is not None:
        record.keep(Record((written(target, data),), result.pages, spec.theme.name, spec.variant.name,
                           first_pages, (*result.warnings, *result.errors), layout, findings))
    return result


def _up_to_date(root: Path, record: Record, began: float) -> Result:
    """What the last build with these options said, said again; pages.json put back if another build pushed it out."""
    target = record.outputs[0].path
    _remember(root.resolve(), BookKey(record.theme, record.variant, target), record.first_pages, only_if_changed=True)
    return Result(target, record.pages, time.perf_counter() - began,
                  tuple(p for p in record.problems if p.severity == WARNING), record.first_pages, record.findings,
                  tuple(p for p in record.problems if p.severity == ERROR), layout=record.layout, up_to_date=True)


def clean(root: Path) -> tuple[Path, bool]:
    """Remove what builds keep for the next one (build/.cache/); the built files stay. The folder, and if it was there."""
    folder = root.resolve() / BUILD_DIR / CACHE_DIR
    if not folder.is_dir():
        return folder, False
    shutil.rmtree(folder)
    return folder, True


def build_formats(root: Path, formats: tuple[str, ...] | None = None, theme: str | None = None,
                  strict: bool = False, output: Path | None = None, **pdf_options) -> list[Result]:
    """Each format asked (default: `formats` in brochure.yml): the PDF, then the EPUB, then the site, which offers both."""
    if not formats:
        config, problems = load_config(root)
        if config is None:
            raise ContentError(problems, root.resolve())
        formats = config.formats
    if output is not None and "pdf" not in formats:
        raise BrochureError("--output names the PDF: add --format pdf, or leave --output out")
    results = []
    if "pdf" in formats:
        results.append(build(root, theme, output, strict, **pdf_options))
    for kind in ("epub", "html"):
        if kind in formats:
            results.append(build_screen(root, kind, theme, strict))
    return results


def build_screen(root: Path, kind: str, theme: str | None = None, strict: bool = False) -> Result:
    """The EPUB (build/<name>.epub) or the static site (build/site/) of the checked edition."""
    from .web.cover import cover_image
    from .web.epub import make_epub
    from .web.site import make_site, write_site
    began = time.perf_counter()
    edition, warnings = check(root, strict, theme)
    config = edition.config
    chosen = _theme(config, theme)
    build_dir = config.root / BUILD_DIR
    epub = build_dir / (config.output.removesuffix(".pdf") + ".epub")
    if kind == "epub":
        target = write_atomically(epub, make_epub(edition, chosen, cover_image(edition, chosen), build_dir / CACHE_DIR))
        count, counted = len(edition.cards), "card(s)"
    else:
        site = make_site(edition, chosen, {"pdf": build_dir / config.output, "epub": epub}, build_dir / CACHE_DIR)
        target, count, counted = write_site(site, build_dir / SITE_DIR), site.pages, "page(s)"
    return Result(target, count, time.perf_counter() - began, tuple(warnings), {}, counted=counted)


def check_pdf(root: Path, pdf: Path | None = None) -> tuple[Path, list[Finding]]:
    """The preflight of a built PDF (by default the print build if there is one, else the screen one)."""
    from .pdf.preflight import is_print_file, preflight
    from .pdf.variants import make_variant
    edition, warnings = _content(root)
    build_dir = edition.config.root / BUILD_DIR
    if pdf is None:
        candidates = [build_dir / output_name(edition.config.output, make_variant(name)) for name in ("print", "screen")]
        pdf = next((path for path in candidates if path.is_file()), None)
        if pdf is None:
            raise BrochureError(f"no PDF in {build_dir}: run `brochure build` first, or name the PDF to check")
    return pdf, preflight(pdf, is_print_file(pdf), remembered_pages(edition, pdf), missing_by_unit(edition, warnings))


def missing_by_unit(edition: Edition, warnings: list[Problem]) -> dict[str, int]:
    """How many declared-missing items (content warnings) each card has."""
    units = {card.path: f"card-{card.id}" for card in edition.cards}
    counts: dict[str, int] = {}
    for warning in warnings:
        if warning.path in units:
            counts[units[warning.path]] = counts.get(units[warning.path], 0) + 1
    return counts


def preview(root: Path, reference: str, theme: str | None = None, strict: bool = False,
            variant: str | None = None, output: Path | None = None) -> Result:
    """Build one card alone, as it looks in the book, into build/preview/preview-<card>.pdf (-print for print),
    or `output`.

    Errors in other files do not stop it: they come back as warnings, so one broken card blocks no one.
    Previews have a folder of their own: whatever `output:` says, a preview never replaces a book.
    """
    from .book.units import card_unit
    from .edition.content import load_edition
    from .pdf.render import Renderer, pdf_bytes, render_book
    from .pdf.variants import make_variant
    began = time.perf_counter()
    edition, problems = load_edition(root, partial=True)
    if edition is None:
        raise ContentError([p for p in problems if p.severity == ERROR], root.resolve())
    card = _previewed_card(edition, reference, strict)
    chosen_theme = _theme(edition.config, theme)
    chosen = make_variant(variant or edition.config.variant)
    target = output or edition.config.root / BUILD_DIR / PREVIEW_DIR / output_name(f"preview-{card.id}.pdf", chosen)
    check_pdf_target(target, sources(edition.config))
    renderer = Renderer(edition.config, chosen_theme, chosen)
    if any(problem.severity == ERROR for problem in renderer.problems):
        raise ContentError([p for p in renderer.problems if p.severity == ERROR], edition.config.root)
    unit = card_unit(edition, card, renderer.theme)
    pages = remembered_pages(edition, book_target(edition.config, chosen), chosen_theme.name, chosen.name)
    book = render_book([unit], renderer, start_page=pages.get(unit.name, 1))
    layout = _layout_findings(book.findings(), strict)
    write_atomically(target, pdf_bytes(book, renderer))
    shown = tuple(p if p.path == card.path else replace(p, severity=WARNING)
                  for p in problems if p.path == card.path or p.severity == ERROR)
    shown += (*chosen_theme.warnings, *renderer.problems)
    return Result(target, len(book.document.pages), time.perf_counter() - began, shown, book.first_pages,
                  layout=layout)


def _layout_findings(findings: tuple[Finding, ...], strict: bool) -> tuple[Finding, ...]:
    """The book's layout findings; with `strict` they stop the build before anything is written."""
    if findings and strict:
        lines = [finding.format() for finding in findings]
        raise BrochureError("\n".join(lines + [f"{len(findings)} layout finding(s): nothing was written (--strict)."]))
    return findings


def _previewed_card(edition: Edition, reference: str, strict: bool) -> Card:
    """The card to preview; its own errors (and warnings, when strict) stop the preview."""
    from .edition.content import load_card
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


def book_target(config: Config, variant: Variant) -> Path:
    """Where the book goes unless `-o` says otherwise: build/<output from brochure.yml>."""
    return config.root / BUILD_DIR / output_name(config.output, variant)


def sources(config: Config) -> list[Path]:
    """The edition's own files (brochure.yml, every file in the cards folder, the free pages): no output replaces them."""
    cards = [path for path in config.cards_dir.iterdir() if path.is_file()] if config.cards_dir.is_dir() else []
    return [config.root / CONFIG_NAME, *cards, *(page for page in (config.editorial, config.back_page) if page)]


def _content(root: Path, strict: bool = False) -> tuple[Edition, list[Problem]]:
    """The edition's files read and checked; ContentError listing every problem if there is an error."""
    from .edition.content import load_edition
    edition, problems = load_edition(root)
    errors = [p for p in problems if p.severity == ERROR or strict]
    if edition is None or errors:
        raise ContentError(problems if strict else errors, root.resolve())
    return edition, [p for p in problems if p.severity == WARNING]


def _theme(config: Config, option: str | None) -> Theme:
    """The theme named by --theme, else by brochure.yml (a bad name there is reported at its line),
    with every template of the edition compiled."""
    from .book.sandbox import compile_problems
    from .book.units import environment
    from .edition.sources import read_yaml
    from .themes.theme import load_theme
    root = config.root
    if option is not None:
        theme = load_theme(option, root, origin="--theme", edition_theme=config.theme)
    else:
        source, _ = read_yaml(root / CONFIG_NAME)
        line = source.line("theme") if source is not None else 1
        theme = load_theme(config.theme, root, origin=f"{CONFIG_NAME}:{line}: theme", edition_theme=config.theme)
    problems = compile_problems(root, environment(theme))
    if problems:
        raise ContentError(problems, root)
    return theme


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


@dataclass(frozen=True)
class BookKey:
    """Which book a list of first pages belongs to: no preview or preflight reads another book's pages."""

    theme: str
    variant: str
    output: Path


def remember_pages(edition: Edition, book: BookKey, first_pages: dict) -> None:
    """Keep where each unit of this book starts, beside the other books' (a failure only costs previews)."""
    _remember(edition.config.root, book, first_pages)


def _remember(root: Path, book: BookKey, first_pages: dict, only_if_changed: bool = False) -> None:
    path = root / BUILD_DIR / PAGES_FILE
    books = _pages_file(path)
    key = _key(root, book.output)
    entry = {"theme": book.theme, "variant": book.variant, "pages": first_pages}
    if only_if_changed and books.get(key) == entry:
        return
    books.pop(key, None)
    books[key] = entry
    kept = dict(list(books.items())[-MAX_BOOKS:])
    try:
        write_atomically(path, json.dumps({"books": kept}, indent=1).encode())
    except BrochureError as error:
        log.warning("%s (previews will start on page 1)", error)


def remembered_pages(edition: Edition, output: Path, theme: str | None = None, variant: str | None = None) -> dict:
    """The first pages of the book last written to `output` (with this theme and variant, if given), else {}."""
    entry = _pages_file(edition.config.root / BUILD_DIR / PAGES_FILE).get(_key(edition.config.root, output))
    if entry is None or theme not in (None, entry["theme"]) or variant not in (None, entry["variant"]):
        return {}
    return entry["pages"]


def _key(root: Path, output: Path) -> str:
    resolved, root = output.resolve(), root.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)


def _pages_file(path: Path) -> dict:
    """build/pages.json -> {output: {theme, variant, pages}}; a file that is not ours (or is broken) counts as none."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_PAGES_FILE:
            return {}
        books = json.loads(path.read_bytes()).get("books")
    except (OSError, ValueError, AttributeError, RecursionError):
        return {}
    if not isinstance(books, dict):
        return {}
    return {key: entry for key, entry in books.items() if _is_entry(entry)}


def _is_entry(entry) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("theme"), str) and isinstance(entry.get("variant"), str)
            and isinstance(entry.get("pages"), dict)
            and all(isinstance(page, int) and not isinstance(page, bool) and 0 < page < 100_000
                    for page in entry["pages"].values()))
