"""A unit and its first page -> the unit written as PDF bytes with its facts, in this process or in workers.

Documents cannot cross processes, so each unit is laid out and written to
PDF on its own (its layout released at once), with what the assembler needs:
its page count, its bookmark levels, the files it read. A link to an anchor
of another unit (the sommaire's, a note's) would be dropped by WeasyPrint
writing the unit alone; it is written as a `brochure-anchor:` URI, which the
assembler turns into a jump to the named destination. WeasyPrint's warnings
in a worker are sent back and logged again in the main process.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from typing import NamedTuple

import pikepdf

from ..book.units import Unit
from ..edition.models import Config
from ..problems import BrochureError, Problem
from ..themes.theme import Theme
from ..text.fonts import bundled_font_folders
from .findings import Placed, unit_findings
from .preflight import Finding
from .relocate import MovableDocument, blocker, relocate
from .render import Renderer, set_metadata
from .subset import font_files, postscript_name
from .variants import Variant, cmyk_operators

log = logging.getLogger(__name__)
ANCHOR_SCHEME = "brochure-anchor:"
_IDS = re.compile(r"""\sid=["']([^"']+)["']""")
_LOCAL_LINKS = re.compile(r"""(\shref=["'])#([^"']+)(["'])""")


@dataclass(frozen=True)
class UnitPdf:
    """One unit written alone, as the assembler takes it."""

    pdf: bytes
    pages: int
    bookmark_levels: tuple[int, ...]      # the level of each bookmark, in the order of the unit's outline
    reads: tuple[Path, ...]               # every file the layout (and the writing) fetched
    logged: tuple[tuple[str, int, str], ...] = ()   # (logger, level, message) of WeasyPrint's warnings
    problems: tuple[Problem, ...] = ()    # CSS found wrong while laying it out (var()), at their file and line
    findings: tuple[Finding, ...] = ()    # what a careful reader of its proofs would circle (findings.py)


def pdf_identifier(config: Config) -> bytes:
    return hashlib.md5(f"{config.title}|{config.years}|{config.date}".encode()).hexdigest().encode()


def outside_links(html: str) -> str:
    """The unit's HTML with every link to an anchor it does not hold made a `brochure-anchor:` URI."""
    ids = set(_IDS.findall(html))
    return _LOCAL_LINKS.sub(lambda m: m.group(0) if m.group(2) in ids
                            else f"{m.group(1)}{ANCHOR_SCHEME}{m.group(2)}{m.group(3)}", html)


@dataclass
class LaidUnit:
    """A unit laid out from a first page and not yet written (held in the process that laid it out)."""

    unit: Unit                            # links to other units already made `brochure-anchor:` URIs
    start: int
    document: MovableDocument
    reads: tuple[Path, ...]
    logged: tuple[tuple[str, int, str], ...]
    problems: tuple[Problem, ...]


def lay_out_unit(renderer: Renderer, unit: Unit, start: int) -> LaidUnit:
    """Lay out `unit` from page `start`, with what its layout read and what WeasyPrint said."""
    renderer.fetcher.take_reads()
    renderer.layout_problems.clear()
    unit = replace(unit, html=outside_links(unit.html),
                   fallback=outside_links(unit.fallback) if unit.fallback else None)
    with _Recorder() as recorder:
        document = renderer.render(unit, start)
    renderer.fetcher.raise_refused(unit.name)
    return LaidUnit(unit, start, document, renderer.fetcher.take_reads(), recorder.logged,
                    tuple(renderer.layout_problems))


def write_laid(renderer: Renderer, laid: LaidUnit, start: int) -> UnitPdf:
    """A laid-out unit written as PDF from page `start` (moved there if laid out elsewhere), its layout let go."""
    document = laid.document if start == laid.start else relocate(laid.document, start - laid.start)
    laid.document = None
    unit = laid.unit
    with _Recorder() as recorder:
        set_metadata(document, renderer.config)
        levels = tuple(level for page in document.pages for level, *_ in page.bookmarks)
        pages = len(document.pages)
        findings = tuple(unit_findings(document.pages, Placed(unit.name, unit.kind, start, pages, unit.kept)))
        data = document.write_pdf(**{**renderer.variant.options(), "uncompressed_pdf": True,
                                     "pdf_identifier": pdf_identifier(renderer.config)})
        del document
    renderer.fetcher.raise_refused(unit.name)
    if renderer.cmyk is not None:
        data = cmyk_operators(data, renderer.cmyk)
    data = _compact(data, font_files(bundled_font_folders(renderer.config.root)))
    reads = tuple(dict.fromkeys((*laid.reads, *renderer.fetcher.take_reads())))
    return UnitPdf(data, pages, levels, reads, laid.logged + recorder.logged, laid.problems, findings)


def write_unit(renderer: Renderer, unit: Unit, start: int) -> UnitPdf:
    """Lay out `unit` from page `start`, write it as PDF with the book's metadata, let its layout go."""
    return write_laid(renderer, lay_out_unit(renderer, unit, start), start)


def _compact(data: bytes, bundled: dict[str, Path]) -> bytes:
    """The unit's PDF compressed, without the programs of the bundled fonts (the assembler embeds each once).

    A program left out is named in its descriptor (`/BrochureFont`), for the assembler to find its file.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for font in pdf.objects:
            if (isinstance(font, pikepdf.Dictionary) and font.get("/Subtype") == "/Type0"
                    and font.get("/Encoding") == "/Identity-H"):
                descriptor = font.DescendantFonts[0].FontDescriptor
                key = "/FontFile3" if "/FontFile3" in descriptor else "/FontFile2"
                name = postscript_name(descriptor[key].read_bytes()) if key in descriptor else None
                if name in bundled:
                    descriptor[key].write(b"")
                    descriptor.BrochureFont = pikepdf.String(name)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)   # pikepdf's zlib: WeasyPrint's took seconds on a big CMYK profile
    return out.getvalue()


class _Recorder(logging.Handler):
    """Keeps WeasyPrint's warnings of one unit, to be logged again where the build runs."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.logged: tuple = ()

    def emit(self, record: logging.LogRecord) -> None:
        self.logged += ((record.name, record.levelno, record.getMessage()),)

    def __enter__(self):
        logging.getLogger("weasyprint").addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger("weasyprint").removeHandler(self)


_renderer: Renderer | None = None   # one per worker process, made by its initializer
_held: dict[str, LaidUnit] = {}     # the units this worker laid out and was not yet told where to write


def _start_worker(config: Config, theme: Theme, variant: Variant, layout_seconds: float | None) -> None:
    global _renderer
    logging.getLogger("weasyprint").propagate = False   # its warnings go back with the result
    _renderer = Renderer(config, theme, variant, layout_seconds)
    _held.clear()


def _write_in_worker(unit: Unit, start: int) -> UnitPdf:
    return write_unit(_renderer, unit, start)


def _hold_in_worker(key: str, unit: Unit, start: int) -> tuple[int, bool, bool]:
    """Lay out and keep; its length, and whether it may be moved by an even, an odd number of pages."""
    laid = lay_out_unit(_renderer, unit, start)
    _held[key] = laid
    return len(laid.document.pages), blocker(laid.document, 2) is None, blocker(laid.document, 1) is None


def _place_in_worker(key: str, start: int) -> tuple[UnitPdf, bool]:
    """Write a held unit from page `start`; laid out again there if it cannot be moved. (PDF, laid out again)"""
    laid = _held.pop(key)
    why = blocker(laid.document, start - laid.start)
    if why is None:
        return write_laid(_renderer, laid, start), False
    log.info("%s: laid out again at p. %d, not moved from p. %d: %s", laid.unit.name, start, laid.start, why)
    return write_unit(_renderer, laid.unit, start), True


def _drop_in_worker(key: str) -> None:
    _held.pop(key, None)


@dataclass(frozen=True)
class Done:
    """What a worker finished: a unit laid out and held (`pdf` None), or written (`pdf`)."""

    key: str                      # the key it was asked under (its first page when laid out)
    unit: Unit
    start: int                    # the first page it was laid out from, or written from
    pages: int
    pdf: UnitPdf | None = None
    moves: tuple[bool, bool] = (True, True)   # held: may it be moved by an even, an odd number of pages
    laid_out: bool = True         # False: written from a held layout without laying it out again


class _Task(NamedTuple):
    """What a worker was asked: write, hold, place or drop a unit."""

    kind: str
    key: str
    unit: Unit | None
    start: int
    worker: int

    @property
    def lays_out(self) -> bool:
        return self.kind in ("write", "hold")


class Writers:
    """Lays out and writes units in `jobs` worker processes (or here, one at a time, when `jobs` is 1 and not
    `in_workers`).

    `write` lays a unit out from a first page and writes it; `hold` lays it out and keeps it in its
    worker, for `place` to write it later from its true first page (moved there, not laid out again,
    when relocate.py allows) or `drop` to forget it; `withdraw` takes back a `write` not yet started;
    `done` waits for at least one task and gives every one finished. Each worker is a pool of its own,
    so a held unit is placed by the worker that holds it.
    """

    def __init__(self, renderer: Renderer, jobs: int, in_workers: bool = False):
        self.renderer = renderer
        self.jobs = jobs
        self._in_workers = jobs > 1 or in_workers
        self._pools: list[ProcessPoolExecutor] = []
        self._tasks: dict[Future, _Task] = {}
        self._waiting: dict[str, tuple[Unit, int]] = {}             # in this process: asked, not yet written
        self._holder: dict[str, int] = {}                             # held key -> the worker holding it

    def write(self, key: str, unit: Unit, start: int) -> None:
        if not self._in_workers:
            self._waiting.setdefault(key, (unit, start))
        elif key not in self.asked:
            self._submit(_Task("write", key, unit, start, self._idlest()), _write_in_worker, unit, start)

    def hold(self, key: str, unit: Unit, start: int) -> None:
        if key not in self.asked:
            task = _Task("hold", key, unit, start, self._idlest())
            self._holder[key] = task.worker
            self._submit(task, _hold_in_worker, key, unit, start)

    def place(self, key: str, unit: Unit, start: int) -> None:
        self._submit(_Task("place", key, unit, start, self._holder.pop(key)), _place_in_worker, key, start)

    def drop(self, key: str) -> None:
        self._submit(_Task("drop", key, None, 0, self._holder.pop(key)), _drop_in_worker, key)

    def withdraw(self, key: str) -> None:
        if self._waiting.pop(key, None) is not None:
            return
        for future, task in list(self._tasks.items()):
            if task.key == key and task.kind == "write" and future.cancel():   # a unit laid out ahead is kept
                del self._tasks[future]

    @property
    def holds(self) -> bool:
        """Whether units may be laid out ahead and held (in worker processes only)."""
        return self._in_workers

    @property
    def asked(self) -> set[str]:
        """The keys of the units being laid out (written or held), not those being placed."""
        return set(self._waiting) | {task.key for task in self._tasks.values() if task.lays_out}

    @property
    def laying(self) -> int:
        """How many units are being laid out (written or held) now or soon."""
        return len(self._waiting) + sum(task.lays_out for task in self._tasks.values())

    def done(self) -> list[Done]:
        if not self._in_workers:
            key, (unit, start) = next(iter(self._waiting.items()))
            del self._waiting[key]
            written = write_unit(self.renderer, unit, start)         # its warnings were logged here
            return [Done(key, unit, start, written.pages, written)]
        wait(list(self._tasks), return_when=FIRST_COMPLETED)
        finished = [(future, self._tasks.pop(future)) for future in list(self._tasks) if future.done()]
        try:
            return [made for future, task in finished if (made := _done(task, future.result())) is not None]
        except BrokenProcessPool:
            self.close()
            names = ", ".join(sorted({task.unit.name for _, task in finished if task.unit is not None}))
            raise BrochureError(f"a layout process stopped while laying out {names or 'a unit'} (out of memory, "
                                "or killed): run the command again, with --jobs 1 to lay out in one process") from None

    def _idlest(self) -> int:
        """The worker with the fewest tasks waiting (started on first use)."""
        if not self._pools:
            renderer = self.renderer
            self._pools = [ProcessPoolExecutor(1, get_context("fork"), _start_worker,
                                               (renderer.config, renderer.theme, renderer.variant,
                                                renderer.layout_seconds)) for _ in range(self.jobs)]
        load = [0] * len(self._pools)
        for task in self._tasks.values():
            load[task.worker] += 1
        return min(range(len(load)), key=load.__getitem__)

    def _submit(self, task: _Task, function, *args) -> None:
        self._tasks[self._pools[task.worker].submit(function, *args)] = task

    def close(self) -> None:
        for pool in self._pools:
            pool.shutdown(cancel_futures=True)
        self._pools = []
        self._tasks.clear()
        self._waiting.clear()
        self._holder.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _done(task: _Task, result) -> Done | None:
    kind, key, unit, start, _ = task
    if kind == "drop":
        return None
    if kind == "hold":
        pages, even, odd = result
        return Done(key, unit, start, pages, None, (even, odd))
    written, laid_out = (result, True) if kind == "write" else result
    return Done(key, unit, start, written.pages, _relogged(written), laid_out=laid_out)


def _relogged(written: UnitPdf) -> UnitPdf:
    for name, level, message in written.logged:
        logging.getLogger(name).log(level, "%s", message)
    return written
