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

import pikepdf

from ..book.units import Unit
from ..edition.models import Config
from ..problems import BrochureError, Problem
from ..themes.theme import Theme
from ..text.fonts import bundled_font_folders
from .findings import Placed, unit_findings
from .preflight import Finding
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


def write_unit(renderer: Renderer, unit: Unit, start: int) -> UnitPdf:
    """Lay out `unit` from page `start`, write it as PDF with the book's metadata, let its layout go."""
    renderer.fetcher.take_reads()
    renderer.layout_problems.clear()
    unit = replace(unit, html=outside_links(unit.html),
                   fallback=outside_links(unit.fallback) if unit.fallback else None)
    with _Recorder() as recorder:
        document = renderer.render(unit, start)
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
    return UnitPdf(data, pages, levels, renderer.fetcher.take_reads(), recorder.logged,
                   tuple(renderer.layout_problems), findings)


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


def _start_worker(config: Config, theme: Theme, variant: Variant, layout_seconds: float | None) -> None:
    global _renderer
    logging.getLogger("weasyprint").propagate = False   # its warnings go back with the result
    _renderer = Renderer(config, theme, variant, layout_seconds)


def _write_in_worker(unit: Unit, start: int) -> UnitPdf:
    return write_unit(_renderer, unit, start)


class Writers:
    """Writes units in `jobs` worker processes (or here, one at a time, when `jobs` is 1 and not
    `in_workers`), in the order asked.

    `ask` queues a unit at a first page; `withdraw` takes back one not yet started; `done` waits for at
    least one and gives every one finished.
    """

    def __init__(self, renderer: Renderer, jobs: int, in_workers: bool = False):
        self.renderer = renderer
        self.jobs = jobs
        self._in_workers = jobs > 1 or in_workers
        self._pool: ProcessPoolExecutor | None = None
        self._asked: dict[str, tuple[Unit, int, Future | None]] = {}

    def ask(self, key: str, unit: Unit, start: int) -> None:
        if key not in self._asked:
            future = self._started().submit(_write_in_worker, unit, start) if self._in_workers else None
            self._asked[key] = (unit, start, future)

    def withdraw(self, key: str) -> None:
        unit, start, future = self._asked[key]
        if future is None or future.cancel():
            del self._asked[key]

    @property
    def asked(self) -> set[str]:
        return set(self._asked)

    def done(self) -> list[tuple[str, Unit, int, UnitPdf]]:
        if not self._in_workers:
            key, (unit, start, _) = next(iter(self._asked.items()))
            del self._asked[key]
            return [(key, unit, start, write_unit(self.renderer, unit, start))]   # its warnings were logged here
        wait([future for _, _, future in self._asked.values()], return_when=FIRST_COMPLETED)
        finished = [(key, unit, start, future) for key, (unit, start, future) in self._asked.items() if future.done()]
        for key, *_ in finished:
            del self._asked[key]
        try:
            return [(key, unit, start, _relogged(future.result())) for key, unit, start, future in finished]
        except BrokenProcessPool:
            self.close()
            names = ", ".join(sorted(unit.name for _, unit, _, _ in finished))
            raise BrochureError(f"a layout process stopped while laying out {names} (out of memory, or killed): "
                                "run the command again, with --jobs 1 to lay out in one process") from None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            renderer = self.renderer
            self._pool = ProcessPoolExecutor(self.jobs, get_context("fork"), _start_worker,
                                             (renderer.config, renderer.theme, renderer.variant,
                                              renderer.layout_seconds))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        self._asked.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _relogged(written: UnitPdf) -> UnitPdf:
    for name, level, message in written.logged:
        logging.getLogger(name).log(level, "%s", message)
    return written
