"""An edition folder, kept open -> generations of the book as unit PDFs; each refresh lays out only what changed.

The Builder is the long-lived form of the pipeline (`brochure serve` keeps
one; `brochure build` uses one for a single refresh). It keeps the look of
the book (the renderer's spec and what its stylesheets gave: pdf/spec.py),
its worker processes, and in memory every unit written as PDF under a key
made of the look, the unit's HTML and its first page; a unit is reused only
while the bytes of every file its layout read (images, through the fetcher)
are unchanged. The look (and the workers) are made again when brochure.yml,
the theme, the bundled fonts or a file the stylesheets read (imports, fonts,
the colour profile) changes, and then every unit is laid out again. Units
not in memory are looked up in the cache on disk (pdf/cache.py) before they
are laid out.

A refresh forks the workers first, from brochure.yml and the theme alone,
then reads the edition and makes the HTML while they import WeasyPrint and
parse the stylesheets: the main process lays nothing out and never imports
WeasyPrint, unless it lays out itself (`jobs` 1, or the tagged book).

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
from typing import TYPE_CHECKING, Callable

from ..edition.config import load_config
from ..edition.content import load_edition, remembered_card
from ..edition.listing import card_files
from ..edition.memo import EditionMemo
from ..edition.models import Card, Config, Edition
from ..pdf.cache import UnitCache
from ..pdf.record import Edited
from ..pdf.spec import RendererSpec
from ..pdf.workers import UnitPdf, Writers
from ..pdf.variants import make_variant
from ..problems import ERROR, BrochureError, ContentError, Problem
from ..text.fonts import bundled_font_folders, font_files
from ..themes.theme import Theme, load_theme
from .plan import Plan
from .speculation import Speculation
from .units import Templates, Unit, blank_unit, book_units, card_unit, sommaire_unit

if TYPE_CHECKING:
    import weasyprint

    from ..pdf.render import Book, Renderer

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
        from ..pdf.assemble import assemble_pdf     # pikepdf and HarfBuzz: not before a worker is started
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
        from ..pdf.render import assemble
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


@dataclass(frozen=True)
class _Look:
    """The renderer's spec, the problems its stylesheets gave, and every file they read with its digest."""

    spec: RendererSpec
    problems: tuple[Problem, ...]
    reads: tuple[tuple[Path, str], ...]

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == ERROR]

    @functools.cached_property
    def digest(self) -> str:
        return hashlib.sha256(repr((self.spec.key(), self.reads)).encode()).hexdigest()[:16]


class Builder:
    """Keeps an edition open and lays out only what changed since the last refresh.

    `jobs`: worker processes laying out units (1: in this process, unless `workers` asks for one
    anyway: a server lays out in a worker, where a layout's time limit can stop it). A tagged book
    (`Options.accessible`) is laid out in this process. `cache`: the unit cache on disk, or None.
    `forked`: workers its caller started already (`fork_workers`), taken as the first ones. `edited`: what
    changed since the last build (its record's word), for the first refresh to lay out the edited cards
    first. Close the builder (or use it as a context manager) to stop its workers.
    """

    def __init__(self, root: Path, options: Options = Options(), jobs: int = 1, cache: UnitCache | None = None,
                 workers: bool = False, forked: list | None = None, edited: Edited | None = None):
        self.root = root.resolve()
        self.options = options
        self.jobs, self.cache, self._always_workers = max(1, jobs), cache, workers and not options.accessible
        if options.accessible:
            self.jobs = 1
        self.generation: Generation | None = None
        self.spec: RendererSpec | None = None      # the look of the last refresh
        self._look: _Look | None = None
        self._digests = Digests()
        self._written: dict[str, Written] = {}     # the units of the last generation, by key
        self._lengths: dict[str, int] = {}         # unit name -> its length in the last generation
        self._writers: Writers | None = None
        self._card_units: dict[tuple, Unit] = {}
        self._templates_key: tuple = ()
        self._edition_memo = EditionMemo()     # a refresh parses and checks again only the files that changed
        self._forked = list(forked or [])       # taken by the first workers made
        self._edited = edited                   # used by the first refresh only
        self._holding: set[str] = set()         # units laid out ahead while the edition is read, the HTML made

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """Stop the worker processes (a later refresh starts them again)."""
        if self._writers is not None:
            self._writers.close()
            self._writers = None
        for pool in self._forked:
            pool.shutdown(cancel_futures=True)
        self._forked = []

    @property
    def renderer(self) -> Renderer | None:
        """The renderer of this process (made for the tagged book, or a build in one process), else None."""
        return self._writers.renderer() if self._writers is not None and not self._writers.holds else None

    def refresh(self, progress: Progress | None = None) -> Generation:
        """Read the edition again, lay out what changed; raise ContentError (keeping the last generation) on errors.

        `progress(done, total)` is told of every unit laid out or found.
        """
        began = time.perf_counter()
        edition, problems, look, units = self._prepare()
        spec = look.spec
        kept = {key: written.unit for key, written in self._written.items() if self._digests.unchanged(written.reads)}
        rounds = Speculation(self._key, self._digests.of, spec, self.cache, known=kept, guesses=self._lengths,
                             holding=self._holding)
        self._holding = set()
        writers = self._writers                       # those of this look, started by _prepare
        writers.while_waiting = functools.partial(_ready_assembler, tuple(bundled_font_folders(edition.config.root)))
        try:
            plan = rounds.plan(units, lambda pages: sommaire_unit(edition, spec.theme, pages),
                               blank_unit(edition, spec.theme), writers, progress)
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
            self.cache.remember_lengths(spec.variant.name, self._lengths)
            self.cache.trim()
        problems += list(dict.fromkeys(problem for item in written for problem in item.unit.problems))
        reused = len(rounds.used & set(kept))
        log.info("refresh: %d unit(s) laid out, %d reused, %d from the cache", rounds.laid_out, reused,
                 rounds.from_cache)
        return self._next(edition, problems, plan, written, (rounds.laid_out, reused, rounds.from_cache),
                          time.perf_counter() - began, spec)

    def lay_out_whole(self, progress: Progress | None = None) -> WholeBook:
        """Every unit laid out in this process as a WeasyPrint document, each once (nothing kept for later)."""
        from ..pdf.render import book_plan
        edition, problems, look, units = self._prepare()
        renderer = self._writers.renderer()          # this process's: a tagged book is laid out here
        done = [0]
        total = len(units) + any(unit.kind == "sommaire" for unit in units)   # + the sommaire's second pass

        def layout(unit: Unit, start: int) -> weasyprint.Document:
            document = renderer.render(unit, start)
            log.info("%s at p. %d: laid out, %d page(s)", unit.name, start, len(document.pages))
            if progress is not None and unit.kind != "blank":
                done[0] += 1
                progress(min(done[0], total), total)
            return document

        plan, documents = book_plan(units, look.spec.theme, layout,
                                    lambda pages: sommaire_unit(edition, look.spec.theme, pages),
                                    blank=blank_unit(edition, look.spec.theme))
        problems += list(renderer.layout_problems)
        return WholeBook(edition, plan, tuple(documents), tuple(sorted(problems)), done[0])

    def _prepare(self) -> tuple[Edition, list[Problem], _Look, list[Unit]]:
        """The edition read again, the look of the book, the HTML of every unit; ContentError on errors.

        The workers are started first, from brochure.yml and the theme: they make their renderer while
        the edition is read and the HTML made here.
        """
        self._holding = set()      # a unit held by a refresh that failed here is the plan's to find or drop
        loaded = load_config(self.root)
        early = self._spec_of(loaded[0], quiet=True) if loaded[0] is not None else None
        if early is not None:
            self._lay_out_edited_first(loaded[0], early, self._writers_for(early))
            if self._look is None:
                self._writers.ask_facts()   # answered while the edition is read: see _lay_out_ahead
        log.info("checking the edition")
        read_ahead = None
        if early is not None and self._look is None and self._writers is not None and self._writers.holds:
            read_ahead = functools.partial(self._read_ahead, loaded[0], spec=early, writers=self._writers)
        edition, problems = load_edition(self.root, partial=self.options.draft, memo=self._edition_memo,
                                         loaded=loaded, on_card=read_ahead)
        if edition is None or (not self.options.draft and any(p.severity == ERROR for p in problems)):
            raise ContentError([p for p in problems if p.severity == ERROR], self.root)
        spec = early if early is not None and early.config == edition.config else self._spec_of(edition.config)
        writers = self._writers_for(spec)
        templates_key = _templates_key(spec.theme, self._digests.of)
        if templates_key != self._templates_key:
            self._card_units, self._templates_key = {}, templates_key
        log.info("making the HTML of every unit")
        new_look = self._look is None

        def card_unit_of(card: Card, templates: Templates) -> Unit:
            unit = self._card_unit(edition, card, spec.theme, templates)
            if new_look:
                self._lay_out_ahead(unit, spec, writers)
            return unit

        units = book_units(edition, spec.theme, card_unit_of=card_unit_of)
        current = set(edition.cards)          # the HTML of cards no longer in the edition is forgotten
        self._card_units = {key: unit for key, unit in self._card_units.items()
                            if key[0] in current and key[1] == edition.config}
        look = self._look_for(spec, writers)
        if look.errors:
            raise ContentError(look.errors, self.root)
        self.spec = spec
        return edition, [*problems, *spec.theme.warnings, *look.problems], look, units

    def _lay_out_edited_first(self, config: Config, spec: RendererSpec, writers: Writers) -> None:
        """The cards edited since the last build (at most one per worker) sent to the workers before the edition
        is read, each at the first page it had: after an edit that leaves the units before it as they were,
        the card is written by the time the plan asks for it.

        A hint only, on a look known from the cache: a card is read (through the memo, so the edition's
        reading that follows gives the same record) and made alone; the plan takes what is written here only
        under the key it asks for (the look, the unit's HTML, its first page), and a unit elsewhere in the
        book is laid out again there. A card with errors is left to the reading of the edition.
        """
        edited, self._edited = self._edited, None
        if edited is None or self._look is None or self._look.spec != spec or not writers.holds:
            return
        changed = {path.resolve() for path in edited.files}
        cards = [path for path in card_files(config.cards_dir, config.root)[0] if path.resolve() in changed]
        if not cards or len(cards) > writers.jobs:      # many cards changed: the plan orders them
            return
        for path in cards:
            card, problems = remembered_card(path, config, self._edition_memo)
            unit = _card_alone(config, card, problems, spec.theme) if card is not None else None
            start = edited.first_pages.get(unit.name) if unit is not None else None
            if not start:
                continue
            key = self._key(unit, start)
            if self.cache is not None and self.cache.get(key, self._digests.of) is not None:
                continue        # this version was laid out before (an edit undone): the plan finds it there
            log.info("%s: edited, laid out first at p. %d (its first page in the last build)", unit.name, start)
            writers.write(key, unit, start)

    def _lay_out_ahead(self, unit: Unit, spec: RendererSpec, writers: Writers,
                       when: str = "while the HTML of the others is made") -> None:
        """With a new look, once the first worker has made its renderer and said what its stylesheets gave: the
        card whose HTML was just made is laid out ahead and held there (from page 1, moved to its page when the
        plan knows it) if no layout is running, while this process makes the others' HTML. So the worker is
        kept busy, one card at a time (on two cores, this process and one worker are all that can run), and
        the plan (told through `Speculation(holding=...)`) takes the cards it holds as laid out ahead."""
        if not _free_to_lay_out_ahead(writers) or self._look_for(spec, writers).errors:
            return
        log.info("%s: laid out ahead, %s", unit.name, when)
        writers.hold(self._key(unit, 1), unit, 1)
        self._holding.add(self._key(unit, 0))

    def _read_ahead(self, config: Config, card: Card, card_problems: list[Problem], spec: RendererSpec,
                    writers: Writers) -> None:
        """With a new look, while the edition is read (a long while for a long edition, the worker idle): a card
        just read is laid out ahead, from its HTML made alone (as `_lay_out_edited_first` makes an edited
        card's), if the worker has no layout to do. Its HTML is the book's when its templates look at no other
        card: then the plan takes it, as a card laid out while the HTML is made; else it is dropped."""
        if not _free_to_lay_out_ahead(writers):      # the card's HTML is not made for nothing
            return
        unit = _card_alone(config, card, card_problems, spec.theme)
        if unit is not None:
            self._lay_out_ahead(unit, spec, writers, "while the edition is read")

    def _spec_of(self, config: Config, quiet: bool = False) -> RendererSpec | None:
        """The look these options ask of the edition; with `quiet`, None when the theme cannot be loaded
        (the reading of the edition that follows says why)."""
        try:
            theme = load_theme(self.options.theme or config.theme, config.root, edition_theme=config.theme)
            variant = make_variant(self.options.variant or config.variant, self.options.accessible,
                                   self.options.archival)
        except BrochureError:
            if quiet:
                return None
            raise
        return RendererSpec(config, theme, variant, tuple(font_files(bundled_font_folders(config.root))))

    def _writers_for(self, spec: RendererSpec) -> Writers:
        """The workers of this look, started now if it is new (those of an earlier one are stopped).

        One worker starts at once. With a look whose facts are known (in memory, or in the cache), the others
        start when there is more than one unit to lay out; with a new look, when the edition is read and
        its HTML made (`_look_for`): forked sooner, their imports slowed that reading, which every layout
        waits for, on two cores.
        """
        if self._look is not None and (self._look.spec != spec or not self._digests.unchanged(self._look.reads)):
            log.info("the look changed (brochure.yml, the theme, a font or a file the stylesheets read)")
            self._look, self._written = None, {}
            self.close()            # their renderers read the stylesheets as they were
        if self._look is None:
            self._look = self._recorded_look(spec)
        if self._writers is None or self._writers.spec != spec:
            forked, self._forked = self._forked, []
            self.close()
            self._writers = Writers(spec, self.jobs, in_workers=self._always_workers, forked=forked)
            self._writers.start(1)
        return self._writers

    def _recorded_look(self, spec: RendererSpec) -> _Look | None:
        """The look of `spec` as an earlier build left it in the cache, if every file its stylesheets read is
        unchanged."""
        if self.cache is None:
            return None
        found = self.cache.get(spec.key(), self._digests.of)
        if found is None:
            return None
        log.info("the look of the last build: its stylesheets are not read again here")
        return _Look(spec, found.problems, tuple((path, self._digests.of(path)) for path in found.reads))

    def _look_for(self, spec: RendererSpec, writers: Writers) -> _Look:
        """The look of `spec`: known, or asked of the renderer (a worker's, or this process's) and kept."""
        if self._look is not None and self._look.spec == spec:
            return self._look
        log.info("loading the theme '%s' and its stylesheets", spec.theme.name)
        writers.start(self.jobs)     # every unit is to lay out: the other workers too, now that this process waits
        facts = writers.facts()
        reads = tuple(dict.fromkeys((*facts.reads, *spec.fonts)))
        self._look = _Look(spec, facts.problems, tuple((path, self._digests.of(path)) for path in reads))
        if self.cache is not None:
            self.cache.put(spec.key(), UnitPdf(b"", 0, (), reads, problems=facts.problems), self._digests.of)
        return self._look

    def _next(self, edition, problems, plan, written, counts, seconds, spec: RendererSpec) -> Generation:
        previous = self.generation
        generation = Generation((previous.number + 1) if previous else 1, edition, plan, written,
                                tuple(sorted(problems)), (), *counts, seconds,
                                tuple(bundled_font_folders(edition.config.root)), spec.profile())
        old = previous.page_keys() if previous else ()
        changed = tuple(number for number, key in enumerate(generation.page_keys(), start=1)
                        if number > len(old) or old[number - 1] != key)
        self.generation = replace(generation, changed_pages=changed)
        return self.generation

    def _card_unit(self, edition: Edition, card: Card, theme: Theme, templates: Templates) -> Unit:
        """A card's HTML, made again only when the card, brochure.yml or a template changed."""
        key = (card, edition.config)
        if key not in self._card_units:
            self._card_units[key] = card_unit(edition, card, theme, templates)
        return self._card_units[key]

    def _key(self, unit: Unit, start: int) -> str:
        """What a unit's pages depend on, besides the files it reads: the look, its HTML, its first page."""
        return hashlib.sha256(f"{self._look.digest}\0{start}\0{unit.html}\0{unit.fallback or ''}".encode()
                              ).hexdigest()[:24]


def _card_alone(config: Config, card: Card, problems: list[Problem], theme: Theme) -> Unit | None:
    """A card's unit made from an edition of that card alone (its HTML is the book's unless its templates look
    at the other cards); None for a card with errors, or one its templates cannot make."""
    if any(problem.severity == ERROR for problem in problems):
        return None
    try:
        return card_unit(Edition(config, (card,), None, None), card, theme)
    except BrochureError:
        return None


def _free_to_lay_out_ahead(writers: Writers) -> bool:
    """Whether a card may be sent ahead now: workers that hold layouts, the stylesheets' facts known (the
    look is needed for its key), and no layout running (one at a time: this process uses the other core)."""
    return writers.holds and writers.facts_known and not writers.running_layouts


def _ready_assembler(font_folders: tuple[Path, ...]) -> None:
    """While the workers lay out (this process waits): the assembler imported (pikepdf, HarfBuzz) and the names
    of the bundled fonts read, which it would do once the last unit is written."""
    from ..pdf.assemble import font_files
    font_files(font_folders)


def _templates_key(theme: Theme, digest: Callable[[Path], str]) -> tuple:
    """The digest of every template file of the theme: a change makes every card's HTML again."""
    return tuple((str(path), digest(path)) for folder in theme.template_dirs for path in sorted(folder.rglob("*.html")))
