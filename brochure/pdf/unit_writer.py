"""A unit and its first page -> the unit laid out, moved there and written as PDF with its facts (a worker's side).

Documents cannot cross processes, so each unit is laid out and written to
PDF on its own (its layout released at once), with what the assembler needs:
its page count, its bookmark levels, the files it read. A link to an anchor
of another unit (the sommaire's, a note's) would be dropped by WeasyPrint
writing the unit alone; it is written as a `brochure-anchor:` URI, which the
assembler turns into a jump to the named destination. What WeasyPrint logs
in a worker (its warnings; its progress under `brochure -vv`) is sent back
and logged again in the main process.

The functions at the end are what a worker process runs (workers.py sends
them by name): `start`, its first task, makes its renderer, then `write`, `hold`,
`place`, `drop` and `facts` serve the main process; `cloned` starts a copy of a
worker (which has its renderer already). A build in one process
calls `write_unit` itself.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path

import pikepdf
from weasyprint.pdf.fonts import Font

from ..book.unit import Unit
from ..edition.models import Config
from .findings import Placed, unit_findings
from .relocate import MovableDocument, blocker, relocate
from .render import Renderer, set_metadata
from .spec import RendererSpec, StyleFacts
from .subset import postscript_name
from .variants import cmyk_operators
from .workers import ANCHOR_SCHEME, UnitPdf

log = logging.getLogger(__name__)
_IDS = re.compile(r"""\sid=["']([^"']+)["']""")
_LOCAL_LINKS = re.compile(r"""(\shref=["'])#([^"']+)(["'])""")


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
        bundled = renderer.bundled_programs
        with _not_subset(bundled):
            data = document.write_pdf(**{**renderer.variant.options(), "uncompressed_pdf": True,
                                         "pdf_identifier": pdf_identifier(renderer.config)})
        del document
    renderer.fetcher.raise_refused(unit.name)
    if renderer.cmyk is not None:
        data = cmyk_operators(data, renderer.cmyk)
    data = _compact(data, bundled)
    reads = tuple(dict.fromkeys((*laid.reads, *renderer.fetcher.take_reads())))
    return UnitPdf(data, pages, levels, reads, laid.logged + recorder.logged, laid.problems, findings)


def write_unit(renderer: Renderer, unit: Unit, start: int) -> UnitPdf:
    """Lay out `unit` from page `start`, write it as PDF with the book's metadata, let its layout go."""
    return write_laid(renderer, lay_out_unit(renderer, unit, start), start)


# The programs WeasyPrint need not subset while writing a unit: those _compact drops (the bundled fonts, which
# the assembler subsets once for the book from their files). Each unit subset each face again, through cffi
# parsing a new C type per glyph count: a fifth of a unit's writing. Set only around write_laid's write_pdf.
_NOT_SUBSET: ContextVar[frozenset[str]] = ContextVar("brochure_not_subset", default=frozenset())


def _clean_unless_dropped(clean):
    def wrapper(font: Font, to_unicode, hinting):
        names = _NOT_SUBSET.get()
        if names and postscript_name(font.file_content) in names:
            return None
        return clean(font, to_unicode, hinting)
    wrapper.brochure_unless_dropped = True
    return wrapper


@contextmanager
def _not_subset(bundled: dict[str, Path]):
    """While writing one unit: WeasyPrint leaves the bundled fonts' programs whole (they are dropped after)."""
    if not getattr(Font.clean, "brochure_unless_dropped", False):
        Font.clean = _clean_unless_dropped(Font.clean)      # inert outside this context (the default is empty)
    token = _NOT_SUBSET.set(frozenset(bundled))
    try:
        yield
    finally:
        _NOT_SUBSET.reset(token)


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
    """Keeps what WeasyPrint logs about one unit, to be logged again where the build runs: its warnings, and
    whatever its loggers are set to tell (its progress under `brochure -vv`, set before the worker was forked)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.logged: tuple = ()

    def emit(self, record: logging.LogRecord) -> None:
        self.logged += ((record.name, record.levelno, record.getMessage()),)

    def __enter__(self):
        logging.getLogger("weasyprint").addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger("weasyprint").removeHandler(self)


_renderer: Renderer | None = None            # one per worker process, made by its first task
_failure: BaseException | None = None        # why it could not be made (told with every task)
_held: dict[str, LaidUnit] = {}              # the units this worker laid out and was not yet told where to write


def start(spec: RendererSpec) -> None:
    """A worker's first task: make its renderer. A failure is kept and raised by every later task, so that the
    main process learns why (not only that a process stopped)."""
    global _renderer, _failure
    _held.clear()
    try:
        _renderer, _failure = Renderer(spec.config, spec.theme, spec.variant, spec.layout_seconds), None
    except Exception as error:      # noqa: BLE001 (raised again, whole, by the task that asks for the renderer)
        _renderer, _failure = None, error


def cloned() -> None:
    """In a copy of a worker (processes.py): the units its worker holds are not the copy's to place."""
    _held.clear()


def renderer() -> Renderer:
    if _failure is not None:
        raise _failure
    return _renderer


def facts() -> StyleFacts:
    return renderer().facts()


def write(unit: Unit, start: int) -> UnitPdf:
    return write_unit(renderer(), unit, start)


def hold(key: str, unit: Unit, start: int) -> tuple[int, bool, bool]:
    """Lay out and keep; its length, and whether it may be moved by an even, an odd number of pages."""
    laid = lay_out_unit(renderer(), unit, start)
    _held[key] = laid
    return len(laid.document.pages), blocker(laid.document, 2) is None, blocker(laid.document, 1) is None


def place(key: str, start: int) -> tuple[UnitPdf, bool]:
    """Write a held unit from page `start`; laid out again there if it cannot be moved. (PDF, laid out again)"""
    laid = _held.pop(key)
    why = blocker(laid.document, start - laid.start)
    if why is None:
        return write_laid(renderer(), laid, start), False
    log.info("%s: laid out again at p. %d, not moved from p. %d: %s", laid.unit.name, start, laid.start, why)
    return write_unit(renderer(), laid.unit, start), True


def drop(key: str) -> None:
    _held.pop(key, None)
