"""An edition folder, kept open -> generations of laid-out pages; each refresh redoes only what changed.

The Builder is the long-lived form of the pipeline (`brochure serve` keeps
one; a one-shot command uses one for a single refresh). It keeps the theme,
the renderer (fonts, stylesheets) and, in memory, every unit's layout under
a key made of the unit's HTML and its first page; a layout is reused only
while the bytes of every file it read (images, through the fetcher) are
unchanged. The renderer is made again when brochure.yml, the theme or a
file its stylesheets read (imports, fonts, the colour profile) changes, and
then every unit is laid out again.

In a draft (`Options.draft`), a card with errors becomes a problem page and
the rest of the book is built; otherwise any error stops the refresh, and
the last generation stays as it was.
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

from .. import __version__
from ..resources import shipped
from ..edition.content import load_edition
from ..edition.models import Card, Edition
from ..pdf.assemble import assemble_pdf
from ..pdf.cache import UnitCache
from ..pdf.render import Book, Renderer, assemble, book_plan
from ..pdf.workers import Writers
from ..pdf.variants import PROFILE, make_variant
from ..problems import ERROR, ContentError, Problem
from ..text.fonts import bundled_font_folders
from ..themes.theme import Theme, load_theme
from .plan import Plan
from .speculation import Speculation
from .units import Unit, blank_unit, book_units, card_unit, sommaire_unit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    """What a build makes: the theme, the variant, draft or not."""

    theme: str | None = None        # None: the edition's
    variant: str | None = None      # None: the edition's
    accessible: bool = False
    archival: bool = False
    draft: bool = False             # broken files become problem pages instead of stopping the build


@dataclass(frozen=True)
class Layout:
    """One unit laid out at one first page, and what it read."""

    key: str                                   # the unit's HTML and first page, hashed
    document: weasyprint.Document
    reads: tuple[tuple[Path, str], ...]        # every file the layout fetched, with the digest of its bytes

    @property
    def identity(self) -> str:
        """What the pages show: the HTML, the first page and the bytes of everything read."""
        return hashlib.sha256(f"{self.key}{self.reads}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Generation:
    """The book as one refresh left it."""

    number: int
    edition: Edition
    plan: Plan
    layouts: tuple[Layout, ...]                # one per slot of the plan
    problems: tuple[Problem, ...]              # errors (a draft's broken files) and warnings
    changed_pages: tuple[int, ...]             # pages whose content differs from the previous generation
    laid_out: int                              # layouts made in this refresh
    reused: int                                # layouts kept from an earlier refresh
    seconds: float

    @property
    def pages(self) -> int:
        return self.plan.pages

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.severity == ERROR)

    def page_keys(self) -> tuple[str, ...]:
        """An identity for the content of every page: the same key, the same page image."""
        return tuple(f"{layout.identity}:{index}" for layout in self.layouts
                     for index in range(len(layout.document.pages)))

    def book(self) -> Book:
        """The pages as one document, ready to write."""
        return assemble(self.plan, [layout.document for layout in self.layouts], self.edition.config)


@dataclass(frozen=True)
class WrittenBook:
    """The book as one PDF, as `Builder.write_book` made it."""

    edition: Edition
    plan: Plan
    pdf: bytes
    problems: tuple[Problem, ...]
    laid_out: int                              # units laid out in this build
    from_cache: int                            # units taken from the cache on disk
    seconds: float
    findings: tuple = ()                       # the layout findings of every unit (pdf/findings.py)

    @property
    def pages(self) -> int:
        return self.plan.pages

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.severity == ERROR)


class Digests:
    """Path -> SHA-256 of its bytes, read again only when the file's size, time or inode changed."""

    def __init__(self):
        self._known: dict[Path, tuple[tuple, str]] = {}

    def of(self, path: Path) -> str:
        try:
            stat = path.stat()
        except OSError:
            return "missing"
        signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        known = self._known.get(path)
        if known is None or known[0] != signature:
            known = (signature, hashlib.sha256(path.read_bytes()).hexdigest())
            self._known[path] = known
        return known[1]

    def unchanged(self, reads: tuple[tuple[Path, str], ...]) -> bool:
        return all(self.of(path) == digest for path, digest in reads)


class Builder:
    """Keeps an edition open and lays out only what changed since the last refresh."""

    def __init__(self, root: Path, options: Options = Options()):
        self.root = root.resolve()
        self.options = options
        self.generation: Generation | None = None
        self.renderer: Renderer | None = None
        self._digests = Digests()
        self._renderer_key: tuple | None = None
        self._renderer_reads: tuple = ()
        self._renderer_digest = ""
        self._layouts: dict[str, Layout] = {}
        self._card_units: dict[tuple, Unit] = {}
        self._templates_key: tuple = ()

    def refresh(self, progress: Callable[[int, int], None] | None = None) -> Generation:
        """Read the edition again, lay out what changed; raise ContentError (keeping the last generation) on errors.

        `progress(done, total)` is called after each unit's layout (made or reused).
        """
        began = time.perf_counter()
        edition, problems, renderer, units = self._prepare()
        used: dict[str, Layout] = {}
        made_before = len(self._layouts)
        reused = [0]

        done = [0]

        def layout(unit: Unit, start: int) -> weasyprint.Document:
            found = self._layout(renderer, unit, start, reused)
            used[found.key] = found
            if progress is not None and unit.kind != "blank":
                done[0] += 1
                progress(done[0], len(units) + any(u.kind == "sommaire" for u in units))  # + its second pass
            return found.document

        plan, documents = book_plan(units, renderer.theme, layout,
                                    lambda pages: sommaire_unit(edition, renderer.theme, pages),
                                    blank=blank_unit(edition, renderer.theme))
        by_document = {id(item.document): item for item in used.values()}
        layouts = tuple(by_document[id(document)] for document in documents)
        self._layouts = used          # forget layouts no longer in the book: memory stays the book's size
        problems += list(renderer.layout_problems)
        laid_out = len(used) - reused[0]
        log.info("refresh: %d unit(s) laid out, %d reused (%d cached before)", laid_out, reused[0], made_before)
        return self._next(edition, problems, plan, layouts, (laid_out, reused[0]), time.perf_counter() - began)

    def write_book(self, jobs: int = 1, cache: UnitCache | None = None,
                   progress: Callable[[int, int], None] | None = None) -> WrittenBook:
        """Read the edition, lay out every unit as PDF in `jobs` processes (or take it from `cache`), assemble.

        Each unit's layout is let go as soon as it is written: memory does not grow with the book.
        """
        began = time.perf_counter()
        edition, problems, renderer, units = self._prepare()
        rounds = Speculation(self._key, self._digests.of, renderer, cache)
        with Writers(renderer, jobs) as writers:
            plan = rounds.plan(units, lambda pages: sommaire_unit(edition, renderer.theme, pages),
                               blank_unit(edition, renderer.theme), writers, progress)
        if cache is not None:
            cache.remember_lengths(renderer.variant.name, {s.unit.name: s.pages for s in plan.slots})
            cache.trim()
        pieces = [rounds.known[self._key(slot.unit, slot.start)] for slot in plan.slots]
        problems += list(dict.fromkeys(problem for piece in pieces for problem in piece.problems))
        log.info("assembling %d page(s) from %d unit(s)", plan.pages, len(pieces))
        pdf = assemble_pdf(pieces, bundled_font_folders(edition.config.root), _profile(renderer))
        log.info("write: %d unit(s) laid out, %d from the cache", rounds.laid_out, rounds.from_cache)
        findings = tuple(sorted(finding for piece in pieces for finding in piece.findings))
        return WrittenBook(edition, plan, pdf, tuple(sorted(problems)), rounds.laid_out, rounds.from_cache,
                           time.perf_counter() - began, findings)

    def _prepare(self) -> tuple[Edition, list[Problem], Renderer, list[Unit]]:
        """The edition read again, the renderer for it, the HTML of every unit; ContentError on errors."""
        log.info("checking the edition")
        edition, problems = load_edition(self.root, partial=self.options.draft)
        if edition is None or (not self.options.draft and any(p.severity == ERROR for p in problems)):
            raise ContentError([p for p in problems if p.severity == ERROR], self.root)
        renderer = self._renderer_for(edition)
        if any(problem.severity == ERROR for problem in renderer.problems):
            raise ContentError([p for p in renderer.problems if p.severity == ERROR], self.root)
        problems = [*problems, *renderer.theme.warnings, *renderer.problems]
        log.info("making the HTML of every unit")
        units = book_units(edition, renderer.theme,
                           card_unit_of=lambda card: self._card_unit(edition, card, renderer.theme))
        return edition, problems, renderer, units

    def _next(self, edition, problems, plan, layouts, counts, seconds) -> Generation:
        previous = self.generation
        generation = Generation((previous.number + 1) if previous else 1, edition, plan, layouts,
                                tuple(sorted(problems)), (), *counts, seconds)
        old = previous.page_keys() if previous else ()
        changed = tuple(number for number, key in enumerate(generation.page_keys(), start=1)
                        if number > len(old) or old[number - 1] != key)
        self.generation = replace(generation, changed_pages=changed)
        return self.generation

    def _renderer_for(self, edition: Edition) -> Renderer:
        """The current renderer, or a new one when the config, the theme or a file its stylesheets read changed."""
        config = edition.config
        theme = load_theme(self.options.theme or config.theme, config.root, edition_theme=config.theme)
        variant = make_variant(self.options.variant or config.variant, self.options.accessible, self.options.archival)
        key = (config, _theme_key(theme), variant)
        if (self.renderer is None or key != self._renderer_key
                or not self._digests.unchanged(self._renderer_reads)):
            log.info("loading the theme '%s' and its stylesheets", theme.name)
            self.renderer = Renderer(config, theme, variant)
            self._renderer_key = key
            self._renderer_reads = tuple((path, self._digests.of(path)) for path in self.renderer.style_reads)
            self._renderer_digest = hashlib.sha256(repr((_code_digest(), weasyprint.__version__, key,
                                                         self._renderer_reads)).encode()).hexdigest()[:16]
            self._layouts, self._card_units = {}, {}
        templates = _templates_key(theme)
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

    def _layout(self, renderer: Renderer, unit: Unit, start: int, reused: list) -> Layout:
        key = self._key(unit, start)
        found = self._layouts.get(key)
        if found is not None and self._digests.unchanged(found.reads):
            reused[0] += 1
            log.info("%s at p. %d: reused", unit.name, start)
            return found
        renderer.fetcher.take_reads()
        began = time.perf_counter()
        document = renderer.render(unit, start)
        log.info("%s at p. %d: laid out, %d page(s) in %.2f s", unit.name, start, len(document.pages),
                 time.perf_counter() - began)
        reads = tuple((path, self._digests.of(path)) for path in renderer.fetcher.take_reads())
        made = Layout(key, document, reads)
        self._layouts[key] = made
        return made


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """brochure's own code: a layout cached by another version of it is not reused."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


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


def _templates_key(theme: Theme) -> tuple:
    """The size and time of every template file of the theme: a change makes every card's HTML again."""
    files = []
    for folder in theme.template_dirs:
        for path in sorted(folder.rglob("*.html")):
            try:
                stat = path.stat()
            except OSError:
                continue
            files.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(files)
