"""An edition folder, kept open -> generations of the book as unit PDFs; each refresh lays out only what changed.

The Builder is the long-lived form of the pipeline (`brochure serve` keeps
one; `brochure build` uses one for a single refresh). It keeps the theme,
the renderer (fonts, stylesheets), its worker processes, and in memory every
unit written as PDF under a key made of the renderer, the unit's HTML and
its first page; a unit is reused only while the bytes of every file its
layout read (images, through the fetcher) are unchanged. The renderer (and
its workers) are made again when brochure.yml, the theme or a file its
stylesheets read (imports, fonts, the colour profile) changes, and then
every unit is laid out again. Units not in memory are looked up in the
cache on disk (pdf/cache.py) before they are laid out.

In a draft (`Options.draft`), a card with errors becomes a problem page and
the rest of the book is built; otherwise any error stops the refresh, and
the last generation stays as it was.

`lay_out_whole` is the other path: every unit laid out in this process as a
WeasyPrint document (the tagged, accessible book, whose structure tree is
not merged across unit PDFs).
"""
from __future__ import annotations

import functools
import hashlib
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import weasyprint

from ..resources import shipped
from ..versions import code_digest as _code_digest
from ..edition.content import load_edition
from ..edition.memo import EditionMemo
from ..edition.models import Card, Edition
from ..pdf.assemble import assemble_pdf
from ..pdf.cache import UnitCache
from ..pdf.render import Book, Renderer, assemble, book_plan
from ..pdf.workers import UnitPdf, Writers
from ..pdf.variants import PROFILE, make_variant
from ..problems import ERROR, ContentError, Problem
from ..text.fonts import bundled_font_folders, font_files
from ..themes.theme import Theme, load_theme
from .plan import Plan
from .speculation import Speculation
from .units import Unit, blank_unit, book_units, card_unit, sommaire_unit

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Options:
    """What a build makes: the theme, the variant, draft or not."""

    theme: str | None = None        # None: the edition's
    variant: str | None = None      # None: the edition's
    accessible: bool = False
    archival: bool = False
    draft: bool = False             # broken files become problem pages instead of stopping the build


@dataclass(frozen=True)
class Written:
    """One unit written as PDF at one first page, and the digest of every file its layout read."""

    key: str                                   # the renderer, the unit's HTML and first page, hashed
    unit: UnitPdf
    reads: tuple[tuple[Path, str], ...]

    @property
    def identity(self) -> str:
        """What the pages show: the key and the bytes of everything read."""
        return hashlib.sha256(f"{self.key}{self.reads}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Generation:
    """The book as one refresh left it: a unit PDF for every slot of the plan."""

    number: int
    edition: Edition
    plan: Plan
    written: tuple[Written, ...]               # one per slot of the plan
    problems: tuple[Problem, ...]              # errors (a draft's broken files) and warnings
    changed_pages: tuple[int, ...]             # pages whose content differs from the previous generation
    laid_out: int                              # units laid out in this refresh
    reused: int                                # units kept in memory from an earlier refresh
    from_cache: int                            # units taken from the cache on disk
    seconds: float
    font_folders: tuple[Path, ...] = ()        # where the assembler finds the bundled font programs
    profile: bytes | None = None               # the CMYK output profile of a print book

    @property
    def pages(self) -> int:
        return self.plan.pages

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.severity == ERROR)

    @property
    def findings(self) -> tuple:
        """The layout findings of every unit (pdf/findings.py), in page order."""
        return tuple(sorted(finding for written in self.written for finding in written.unit.findings))

    def page_keys(self) -> tuple[str, ...]:
        """An identity for the content of every page: the same key, the same page image."""
        return tuple(f"{written.identity}:{index}" for written in self.written for index in range(written.unit.pages))

    @functools.cached_property
    def pdf(self) -> bytes:
        """The book as one PDF (assembled once, on first use)."""
        return assemble_pdf([written.unit for written in self.written], list(self.font_folders), self.profile)


@dataclass(frozen=True)
class WholeBook:
    """The book laid out in this process, one WeasyPrint document per slot (`Builder.lay_out_whole`)."""

    edition: Edition
    plan: Plan
    documents: tuple[weasyprint.Document, ...]
    problems: tuple[Problem, ...]
    laid_out: int

    @property
    def pages(self) -> int:
        return self.plan.pages

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.severity == ERROR)

    def book(self) -> Book:
        """The pages as one document, ready to write."""
        return assemble(self.plan, list(self.documents), self.edition.config)


class Digests:
    """Path -> SHA-256 of its bytes, read again only when the file's size, times (modified, changed) or inode changed."""

    def __init__(self):
        self._known: dict[Path, tuple[tuple, str]] = {}

    def of(self, path: Path) -> str:
        try:
            stat = path.stat()
        except OSError:
            return "missing"
        signature = (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino, stat.st_dev)
        known = self._known.get(path)
        if known is None or known[0] != signature:
            known = (signature, hashlib.sha256(path.read_bytes()).hexdigest())
            self._known[path] = known
        return known[1]

    def unchanged(self, reads: tuple[tuple[Path, str], ...]) -> bool:
        return all(self.of(path) == digest for path, digest in reads)


class Builder:
    """Keeps an edition open and lays out only what changed since the last refresh.

    `jobs`: worker processes laying out units (1: in this process, unless `workers` asks for one
    anyway: a server lays out in a worker, where a layout's time limit can stop it). `cache`: the unit
    cache on disk, or None. Close the builder (or use it as a context manager) to stop its workers.
    """

    def __init__(self, root: Path, options: Options = Options(), jobs: int = 1, cache: UnitCache | None = None,
                 workers: bool = False):
        self.root = root.resolve()
        self.options = options
        self.jobs, self.cache, self._always_workers = max(1, jobs), cache, workers
        self.generation: Generation | None = None
        self.renderer: Renderer | None = None
        self._digests = Digests()
        self._renderer_key: tuple | None = None
        self._renderer_reads: tuple = ()
        self._renderer_digest = ""
        self._written: dict[str, Written] = {}     # the units of the last generation, by key
        self._lengths: dict[str, int] = {}         # unit name -> its length in the last generation
        self._writers: Writers | None = None
        self._card_units: dict[tuple, Unit] = {}
        self._templates_key: tuple = ()
        self._edition_memo = EditionMemo()     # a refresh parses and checks again only the files that changed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """Stop the worker processes (a later refresh starts them again)."""
        if self._writers is not None:
            self._writers.close()
            self._writers = None

    def refresh(self, progress: Progress | None = None) -> Generation:
        """Read the edition again, lay out what changed; raise ContentError (keeping the last generation) on errors.

        `progress(done, total)` is told of every unit laid out or found.
        """
        began = time.perf_counter()
        edition, problems, renderer, units = self._prepare()
        kept = {key: written.unit for key, written in self._written.items() if self._digests.unchanged(written.reads)}
        rounds = Speculation(self._key, self._digests.of, renderer, self.cache, known=kept,
                             guesses=self._lengths)
        try:
            plan = rounds.plan(units, lambda pages: sommaire_unit(edition, renderer.theme, pages),
                               blank_unit(edition, renderer.theme), self._writers_for(renderer), progress)
        except BaseException:
            self.close()        # a worker may be busy with a unit no longer wanted, or gone
            raise
        self._written = {key: self._written[key] if key in kept else
                         Written(key, rounds.known[key], tuple((path, self._digests.of(path))
                                                                for path in rounds.known[key].reads))
                         for key in rounds.used}     # units no longer in the book are forgotten: memory stays its size
        keys = [self._key(slot.unit, slot.start) for slot in plan.slots]
        written = tuple(self._written[key] for key in keys)
        self._lengths = {slot.unit.name: slot.pages for slot in plan.slots}
        if self.cache is not None:
            self.cache.remember_lengths(renderer.variant.name, self._lengths)
            self.cache.trim()
        problems += list(dict.fromkeys(problem for item in written for problem in item.unit.problems))
        reused = len(rounds.used & set(kept))
        log.info("refresh: %d unit(s) laid out, %d reused, %d from the cache", rounds.laid_out, reused,
                 rounds.from_cache)
        return self._next(edition, problems, plan, written, (rounds.laid_out, reused, rounds.from_cache),
                          time.perf_counter() - began, renderer)

    def lay_out_whole(self, progress: Progress | None = None) -> WholeBook:
        """Every unit laid out in this process as a WeasyPrint document, each once (nothing kept for later)."""
        edition, problems, renderer, units = self._prepare()
        done = [0]
        total = len(units) + any(unit.kind == "sommaire" for unit in units)   # + the sommaire's second pass

        def layout(unit: Unit, start: int) -> weasyprint.Document:
            document = renderer.render(unit, start)
            log.info("%s at p. %d: laid out, %d page(s)", unit.name, start, len(document.pages))
            if progress is not None and unit.kind != "blank":
                done[0] += 1
                progress(min(done[0], total), total)
            return document

        plan, documents = book_plan(units, renderer.theme, layout,
                                    lambda pages: sommaire_unit(edition, renderer.theme, pages),
                                    blank=blank_unit(edition, renderer.theme))
        problems += list(renderer.layout_problems)
        return WholeBook(edition, plan, tuple(documents), tuple(sorted(problems)), done[0])

    def _prepare(self) -> tuple[Edition, list[Problem], Renderer, list[Unit]]:
        """The edition read again, the renderer for it, the HTML of every unit; ContentError on errors."""
        log.info("checking the edition")
        edition, problems = load_edition(self.root, partial=self.options.draft, memo=self._edition_memo)
        if edition is None or (not self.options.draft and any(p.severity == ERROR for p in problems)):
            raise ContentError([p for p in problems if p.severity == ERROR], self.root)
        renderer = self._renderer_for(edition)
        if any(problem.severity == ERROR for problem in renderer.problems):
            raise ContentError([p for p in renderer.problems if p.severity == ERROR], self.root)
        problems = [*problems, *renderer.theme.warnings, *renderer.problems]
        log.info("making the HTML of every unit")
        units = book_units(edition, renderer.theme,
                           card_unit_of=lambda card: self._card_unit(edition, card, renderer.theme))
        current = set(edition.cards)          # the HTML of cards no longer in the edition is forgotten
        self._card_units = {key: unit for key, unit in self._card_units.items()
                            if key[0] in current and key[1] == edition.config}
        return edition, problems, renderer, units

    def _next(self, edition, problems, plan, written, counts, seconds, renderer) -> Generation:
        previous = self.generation
        generation = Generation((previous.number + 1) if previous else 1, edition, plan, written,
                                tuple(sorted(problems)), (), *counts, seconds,
                                tuple(bundled_font_folders(edition.config.root)), _profile(renderer))
        old = previous.page_keys() if previous else ()
        changed = tuple(number for number, key in enumerate(generation.page_keys(), start=1)
                        if number > len(old) or old[number - 1] != key)
        self.generation = replace(generation, changed_pages=changed)
        return self.generation

    def _writers_for(self, renderer: Renderer) -> Writers:
        """The workers of the current renderer (those of an earlier one are stopped)."""
        if self._writers is None or self._writers.renderer is not renderer:
            self.close()
            self._writers = Writers(renderer, self.jobs, in_workers=self._always_workers)
        return self._writers

    def _renderer_for(self, edition: Edition) -> Renderer:
        """The current renderer, or a new one when the config, the theme or a file its stylesheets read changed."""
        config = edition.config
        theme = load_theme(self.options.theme or config.theme, config.root, edition_theme=config.theme)
        variant = make_variant(self.options.variant or config.variant, self.options.accessible, self.options.archival)
        fonts = tuple(font_files(bundled_font_folders(config.root)))   # a font added or removed: a new renderer
        key = (config, _theme_key(theme), variant, fonts)
        if (self.renderer is None or key != self._renderer_key
                or not self._digests.unchanged(self._renderer_reads)):
            log.info("loading the theme '%s' and its stylesheets", theme.name)
            self.renderer = Renderer(config, theme, variant)
            self._renderer_key = key
            self._renderer_reads = tuple((path, self._digests.of(path))
                                         for path in dict.fromkeys((*self.renderer.style_reads, *fonts)))
            self._renderer_digest = hashlib.sha256(repr((_code_digest(), weasyprint.__version__, key,
                                                         self._renderer_reads)).encode()).hexdigest()[:16]
            self._written, self._card_units = {}, {}
        templates = _templates_key(theme, self._digests.of)
        if templates != self._templates_key:
            self._card_units, self._templates_key = {}, templates
        return self.renderer

    def _card_unit(self, edition: Edition, card: Card, theme: Theme) -> Unit:
        """A card's HTML, made again only when the card, brochure.yml or a template changed."""
        key = (card, edition.config)
        if key not in self._card_units:
            self._card_units[key] = card_unit(edition, card, theme)
        return self._card_units[key]

    def _key(self, unit: Unit, start: int) -> str:
        """What a unit's pages depend on, besides the files it reads: the renderer, its HTML, its first page."""
        return hashlib.sha256(f"{self._renderer_digest}\0{start}\0{unit.html}\0{unit.fallback or ''}".encode()
                              ).hexdigest()[:24]


def _profile(renderer: Renderer) -> bytes | None:
    """The bytes of the CMYK output profile of a print renderer, else None."""
    if renderer.cmyk is None:
        return None
    found = (path for path in (renderer.config.root / PROFILE, shipped("assets") / PROFILE.relative_to("assets"))
             if path.is_file())
    return next(found).read_bytes()


def _theme_key(theme: Theme) -> tuple:
    return (theme.name, theme.chain, theme.template_dirs, theme.style_dirs, theme.stylesheets,
            tuple(sorted(theme.start_on.items())))


def _templates_key(theme: Theme, digest: Callable[[Path], str]) -> tuple:
    """The digest of every template file of the theme: a change makes every card's HTML again."""
    return tuple((str(path), digest(path)) for folder in theme.template_dirs for path in sorted(folder.rglob("*.html")))
