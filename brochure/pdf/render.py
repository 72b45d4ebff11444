"""The book's units + the theme -> one paginated WeasyPrint Document, fetching only edition files.

Each unit is laid out as its own document, knowing the page it starts on
(for its folio and for mirrored margins); the pages are then put together
into one document, which keeps bookmarks and links between units. The
sommaire is laid out twice: once with stand-in numbers to learn its length,
once with the real first page of every card.
"""
from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlparse

import PIL.Image
import weasyprint
from PIL import ImageOps
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .. import __version__
from ..edition.config import page_mm
from ..book.plan import Plan, fill_sommaire, paginate
from ..book.unit import Unit
from ..resources import shipped
from ..text.fonts import bundled_font_folders
from .fontconfig import BundledFonts
from .relocate import blocker, relocate, render as movable
from ..edition.models import Config
from ..limits import LAYOUT_SECONDS, MAX_PIXELS
from ..problems import BrochureError, ContentError, Problem
from ..themes.theme import Theme, allowed_roots, inside, is_theme_name, theme_folders
from . import colours
from .css_messages import captured, layout_problems, line_naming, nearest, url_name
from .css_messages import problems as css_problems
from .findings import Finding, Placed, layout_findings, unit_findings, unit_label
from .spec import StyleFacts
from .subset import font_files
from .time_limit import time_limit
from .variants import PROFILE, Cmyk, Variant, cmyk_operators, make_variant, profile_path

log = logging.getLogger(__name__)
LAYOUT_ADVICE = ("it is far too costly to lay out (a very long word or table, hundreds of items?): "
                 "simplify it, or preview it alone to find what")
# What a theme may relax when a unit's first layout has faults (a page holding a few lines: a short
# card, an opening that runs over): the page break after a card's opening (docs/themes.md).
RELAXED = " :root { --opening-break: auto; }"
PIL.Image.MAX_IMAGE_PIXELS = MAX_PIXELS   # WeasyPrint decodes images with Pillow: no 1 GB bombs


class SandboxFetcher(URLFetcher):
    """Serves `file:` URLs inside the allowed folders, `data:` URLs and `theme:` stylesheets; refuses the rest."""

    def __init__(self, roots: tuple[Path, ...], theme: Theme, cmyk: Cmyk | None = None):
        super().__init__(timeout=1, allowed_protocols={"file", "data"}, allow_redirects=False)
        self.roots = tuple(root.resolve() for root in roots)
        self.theme = theme
        self.cmyk = cmyk
        self.refused: list[str] = []
        self.missing: list[tuple[str, str]] = []   # (URL, " (nearest: ...)") of files asked for that do not exist
        self.reads: dict[Path, None] = {}   # every file served since the last take_reads(), in order

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path, outside = self._path(url)
        if path is None or not path.is_file():
            if outside:
                self.refused.append(url)
                raise ValueError(f"brochure reads only files inside the edition and its theme, refused: {url}")
            hint = nearest(url, self._theme_folder(url))
            self.missing.append((url, hint))
            raise ValueError(f"not found{hint}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.reads[path] = None
        data = None
        if content_type == "image/tiff":   # as photographers deliver them: served as PNG, the file left alone
            data, content_type = tiff_as_png(path.read_bytes()), "image/png"
        data = self._convert(path, content_type, data)
        response = URLFetcherResponse if data is None else _ConvertedResponse
        return response(path.as_uri(), data if data is not None else path.read_bytes(), {"Content-Type": content_type})

    def _path(self, url: str) -> tuple[Path | None, bool]:
        """The file a URL names (None if none), and whether it is refused as outside rather than missing."""
        if url.startswith("theme:"):
            try:
                return self.theme.theme_file(url[len("theme:"):], "styles", inherited=True), False
            except BrochureError:      # a theme folder leading outside: refused like any file outside
                return None, True
        if url.startswith("file:"):
            path = self.allowed(Path(unquote(urlparse(url).path)))
            return path, path is None
        return None, True

    def _theme_folder(self, url: str) -> Path | None:
        """For `theme:NAME/...`, the theme's own styles folder, where the nearest names are looked for."""
        if not url.startswith("theme:"):
            return None
        name = url[len("theme:"):].partition("/")[0]
        try:
            folders = theme_folders(self.theme.roots[0], name, "styles", overrides=False) if is_theme_name(name) else []
        except BrochureError:
            return None
        return folders[0] if folders else None

    def _convert(self, path: Path, content_type: str, data: bytes | None = None) -> bytes | None:
        """For a CMYK variant, the file (or `data`, already converted) with its colours (CSS, SVG) or pixels
        (images) in CMYK; else `data` (None: the file as it is)."""
        if self.cmyk is None:
            return data
        if content_type in ("text/css", "image/svg+xml"):
            return self.cmyk.file(path, content_type)
        if content_type.startswith("image/"):
            return self.cmyk.image(data if data is not None else path.read_bytes()) or data
        return data

    def take_reads(self) -> tuple[Path, ...]:
        """The files served since the last call: what a layout (or a stylesheet) depends on."""
        reads, self.reads = tuple(self.reads), {}
        return reads

    def raise_refused(self, where: str, stylesheets: tuple[Path, ...] = ()) -> None:
        """Stop the build if anything was refused or not found while making `where` (WeasyPrint only logs it).

        A file not found is named at the line of the stylesheet that asks for it, when one does."""
        if self.cmyk is not None:
            self.cmyk.raise_problems()   # a colour that cannot be printed in CMYK, with its file and line
        if self.refused:
            refused, self.refused = self.refused, []
            raise BrochureError(f"{where}: refused to read {', '.join(refused)}: "
                                "only files inside the edition folder and the theme are read")
        if self.missing:
            missing, self.missing = list(dict.fromkeys(self.missing)), []
            problems = [_missing_problem(url, hint, stylesheets) for url, hint in missing]
            if all(problems):
                raise ContentError(problems, self.theme.roots[0])
            raise BrochureError(f"{where}: not found: " + ", ".join(url_name(url) + hint for url, hint in missing))

    def allowed(self, path: Path) -> Path | None:
        """`path` with its links resolved, if it is inside one of the roots; else None."""
        try:
            path = path.resolve()
        except (OSError, RuntimeError, ValueError):   # a NUL in the path, a loop of links
            return None
        return path if any(path.is_relative_to(root) for root in self.roots) else None


def _missing_problem(url: str, hint: str, stylesheets: tuple[Path, ...]) -> Problem | None:
    """A file not found, at the first line of a stylesheet naming it; None if no stylesheet does."""
    name = url_name(url)
    for sheet in (sheet for sheet in stylesheets if sheet.suffix == ".css"):
        line = line_naming(sheet, name)
        if line is not None:
            return Problem(sheet, line, "css", f"'{name}' not found{hint}")
    return None


def tiff_as_png(data: bytes) -> bytes | None:
    """A TIFF file's bytes -> the same picture as PNG, turned as its EXIF orientation says; None if unreadable."""
    try:
        with PIL.Image.open(io.BytesIO(data)) as image:
            image.load()
            picture = ImageOps.exif_transpose(image)
            if picture.mode not in ("RGB", "RGBA", "L", "LA", "P"):   # CMYK, 16-bit...: as a screen shows it
                picture = picture.convert("RGB")
            out = io.BytesIO()
            picture.save(out, "PNG")
            return out.getvalue()
    except (OSError, ValueError, PIL.Image.DecompressionBombError):
        return None


class _ConvertedResponse(URLFetcherResponse):
    """A response whose bytes differ from the file's: WeasyPrint must not reread the file by its path."""

    @property
    def path(self):
        return None


@dataclass
class Renderer:
    """Lays out units with one font configuration, one set of stylesheets, one sandbox."""

    config: Config
    theme: Theme
    variant: Variant = make_variant("screen")
    layout_seconds: float | None = LAYOUT_SECONDS   # per unit; None: no limit

    def __post_init__(self):
        self.fonts = BundledFonts(list(bundled_font_folders(self.config.root)))
        self.color_profiles: dict = {}
        profile = profile_path(self.config.root)
        if self.variant.cmyk and profile is None:
            raise BrochureError(f"the {self.variant.name} variant needs a CMYK profile in {PROFILE}")
        self.cmyk = Cmyk(profile, self.config) if self.variant.cmyk else None
        self.fetcher = SandboxFetcher(self._roots(), self.theme, self.cmyk)
        sheets = (*self.theme.stylesheets, *self.config.extra_css)
        for sheet in sheets:
            if self.fetcher.allowed(sheet) is None:
                raise BrochureError(f"stylesheet {sheet} is outside the edition and the theme folders")
        width, height = page_mm(self.config.page_size)
        page = f"@page {{ size: {width}mm {height}mm; }} :root {{ --page-width: {width}mm; --page-height: {height}mm; }}"
        page += self.variant.page_css(profile.as_uri() if profile else None)
        # First, so that a theme restyles a section's colour without !important; last, the page size and bleed.
        self.stylesheets = [self._css(string=self._section_css())]
        problems = []
        for sheet in sheets:
            with captured() as logged:
                self.stylesheets.append(self._css(url=sheet.as_uri()))
            problems += css_problems(logged, sheet)
        self.stylesheets.append(self._css(string=page))
        self.fetcher.missing.clear()    # an @import not found is among the problems, at its line
        self.problems: tuple[Problem, ...] = tuple(problems)   # errors stop a build, warnings are shown
        self.layout_problems: dict[Problem, None] = {}         # CSS found wrong only while laying out (var())
        # What the stylesheets read (their imports, fonts, the profile): a change there needs a new Renderer.
        self.style_reads = tuple(dict.fromkeys((*sheets, *self.fetcher.take_reads())))

    @cached_property
    def bundled_programs(self) -> dict[str, Path]:
        """PostScript name -> bundled font file: the programs a unit's PDF leaves out for the assembler."""
        return font_files(bundled_font_folders(self.config.root))

    def facts(self) -> StyleFacts:
        """What its stylesheets gave: their problems, and every file they read (spec.py)."""
        return StyleFacts(self.problems, self.style_reads)

    def _css(self, **source) -> weasyprint.CSS:
        return weasyprint.CSS(**source, url_fetcher=self.fetcher, font_config=self.fonts,
                              color_profiles=self.color_profiles)

    def _section_css(self) -> str:
        """Each section's colour as `--section-ID` on :root, and as `--section` on the units of the section."""
        sections = self.config.sections
        css = ":root { " + " ".join(f"--section-{s.id}: {s.colour.rgb};" for s in sections) + " }\n"
        css += "".join(f".section-{s.id} {{ --section: var(--section-{s.id}); }}\n" for s in sections)
        return colours.stylesheet(css, self.cmyk.ink) if self.cmyk is not None else css

    def _roots(self) -> tuple[Path, ...]:
        """The folders WeasyPrint may read: the edition, brochure's assets, the theme's style folders; all inside."""
        roots = (self.config.root, shipped("assets"), *self.theme.style_dirs)
        allowed = allowed_roots(self.config.root)
        for root in roots:
            if not inside(root, allowed):
                raise BrochureError(f"{root}: leads to {root.resolve()}, outside the edition folder: brochure reads "
                                    "only the edition and its themes; replace the link by a real folder")
        return roots

    def render(self, unit: Unit, start_page: int) -> weasyprint.Document:
        """Lay out one unit as if it began on `start_page` of the book; stop if marked content is lost.

        A unit is laid out from a right-hand page (the odd page `start_page` or the one before it) and
        moved to `start_page` (relocate.py): its body is the same wherever it starts, so a unit laid out
        ahead in a worker and a unit laid out in place give the same pages. A unit that cannot be moved
        is laid out again from `start_page` itself.
        """
        right = start_page if start_page % 2 else start_page - 1
        document, lost = self.render_counted(unit, right)
        if right != start_page:
            why = blocker(document, start_page - right)
            if why is None:
                document = relocate(document, start_page - right)
            else:
                log.debug("%s: laid out from p. %d, not moved: %s", unit.name, start_page, why)
                document, lost = self.render_counted(unit, start_page)
        if lost:
            raise BrochureError(f"p. {start_page} ({unit_label(unit.name)}): {lost} element(s) lost: a box taller "
                                "than a page cannot be split here (shorten it)")
        return document

    def render_counted(self, unit: Unit, start_page: int) -> tuple[weasyprint.Document, int]:
        """Lay out one unit; also say how many of its `data-keep` elements got no box.

        When a layout loses content or has layout findings, the next one is
        tried: the unit's fallback (the side column after the text), then each
        with RELAXED rules; the first without fault is kept, else the best.
        """
        began = time.perf_counter()
        position = f"@page :first {{ counter-reset: page {start_page}; }}"
        if start_page % 2 == 0:
            position += " html { break-before: left; }"
        sources = [unit.html] + ([unit.fallback] if unit.fallback else [])
        best = None
        with time_limit(self.layout_seconds, unit.name.replace("-", " ", 1) + ": layout", LAYOUT_ADVICE), \
                self._crashes(unit):
            for html, rules in [(html, "") for html in sources] + [(html, RELAXED) for html in sources]:
                document = self._layout(html, position + rules)
                lost = unit.kept - _kept(document) if unit.kept else 0
                faults = len(unit_findings(document.pages, Placed(unit.name, unit.kind, start_page,
                                                                  len(document.pages), unit.kept, lost)))
                if best is None or (lost, faults) < best[:2]:
                    best = (lost, faults, document)
                if not lost and not faults:
                    break
                log.info("%s: %d element(s) lost, %d layout finding(s); trying another layout",
                         unit.name, lost, faults)
        lost, _, document = best
        self.fetcher.raise_refused(unit.name, self.style_reads)
        log.debug("laid out %s: %d page(s) from p. %d in %.2fs", unit.name, len(document.pages), start_page,
                  time.perf_counter() - began)
        return document, lost

    @contextmanager
    def _crashes(self, unit: Unit):
        """WeasyPrint failing inside its own layout code -> one line naming the unit and the likely stylesheet."""
        try:
            yield
        except (AssertionError, AttributeError, IndexError, KeyError, TypeError, ValueError, ZeroDivisionError) as error:
            where = weasyprint_frame(error)
            if where is None:
                raise
            sheets = [sheet for sheet in self.style_reads if sheet.suffix == ".css" and sheet.is_file()]
            latest = max(sheets, key=lambda sheet: sheet.stat().st_mtime, default=None)
            likely = f"; likely a rule of {_shown(latest, self.config.root)}, the stylesheet changed last" if latest else ""
            raise BrochureError(f"{unit.name}: WeasyPrint could not lay it out ({type(error).__name__} in {where}): "
                                f"a CSS construction it cannot handle{likely}; see 'WeasyPrint traps' in "
                                "docs/themes.md (floats, columns, column-span, overflow on grid items)") from None

    def _layout(self, html: str, position: str) -> weasyprint.Document:
        if self.cmyk is not None:
            html = self.cmyk.html(html)
        source = weasyprint.HTML(string=html, base_url=self.config.root.as_uri() + "/", url_fetcher=self.fetcher)
        with captured() as logged:
            document = movable(source, self.fonts, self.color_profiles, **self.variant.options(),
                               stylesheets=[*self.stylesheets, weasyprint.CSS(string=position)])
        sheets = tuple(sheet for sheet in self.style_reads if sheet.suffix == ".css")
        self.layout_problems.update(dict.fromkeys(layout_problems(logged, sheets)))
        return document


def weasyprint_frame(error: BaseException) -> str | None:
    """"weasyprint/layout/float.py:123" if the innermost frame of the error is WeasyPrint's own code, else None."""
    package = Path(weasyprint.__file__).parent
    traceback, last = error.__traceback__, None
    while traceback is not None:
        last, traceback = traceback, traceback.tb_next
    if last is None or not Path(last.tb_frame.f_code.co_filename).is_relative_to(package):
        return None
    return f"{Path(last.tb_frame.f_code.co_filename).relative_to(package.parent).as_posix()}:{last.tb_lineno}"


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _kept(document: weasyprint.Document) -> int:
    """How many `data-keep` elements got at least one box in the layout."""
    shown = {id(box.element) for page in document.pages for box in page._page_box.descendants()
             if getattr(box, "element", None) is not None and box.element.get("data-keep") is not None}
    return len(shown)


@dataclass(frozen=True)
class Book:
    document: weasyprint.Document
    first_pages: dict[str, int]          # unit name -> its first page in the book
    placed: tuple[Placed, ...] = ()      # every unit laid out, blank pages included, in order

    def findings(self) -> tuple[Finding, ...]:
        """What a careful reader of the proofs would circle (findings.py), page by page."""
        return layout_findings(self.document.pages, self.placed)


Layout = Callable[[Unit, int], weasyprint.Document]


def render_book(units: list[Unit], renderer: Renderer, sommaire_with=None, start_page: int = 1,
                blank: Unit | None = None, layout: Layout | None = None) -> Book:
    """Lay out every unit in the order of the plan; `sommaire_with(pages)` makes the sommaire for given card pages.

    `layout(unit, start)` lays out one unit (default: the renderer, each unit once); a caller that keeps
    layouts between builds (the Builder) passes its own.
    """
    plan, documents = book_plan(units, renderer.theme, layout or _once(renderer), sommaire_with, start_page, blank)
    return assemble(plan, documents, renderer.config)


def book_plan(units, theme: Theme, layout: Layout, sommaire_with=None, start_page: int = 1,
              blank: Unit | None = None) -> tuple[Plan, list[weasyprint.Document]]:
    """The pagination plan, and each slot's laid-out document."""
    laid: dict[tuple[str, int], weasyprint.Document] = {}

    def length(unit: Unit, start: int) -> int:
        laid[unit.name, start] = layout(unit, start)
        return len(laid[unit.name, start].pages)

    plan = paginate(units, theme.start_on, length, blank, start_page)
    if sommaire_with is not None:
        plan = fill_sommaire(plan, sommaire_with, length)
    return plan, [laid[slot.unit.name, slot.start] for slot in plan.slots]


def assemble(plan: Plan, documents: list[weasyprint.Document], config: Config) -> Book:
    """The slots' pages, in order, as one document with the edition's metadata."""
    pages = [page for document in documents for page in document.pages]
    book = documents[0].copy(pages)
    set_metadata(book, config)
    placed = tuple(Placed(slot.unit.name, slot.unit.kind, slot.start, slot.pages, slot.unit.kept)
                   for slot in plan.slots)
    return Book(book, plan.first_pages(), placed)


def _once(renderer: Renderer) -> Layout:
    return lambda unit, start: renderer.render(unit, start)


def set_metadata(document: weasyprint.Document, config: Config) -> None:
    """Title, author, subject, language and dates from the edition, never from the clock."""
    metadata = document.metadata
    metadata.title = config.title + (f" {config.years}" if config.years else "")
    metadata.authors = [config.author] if config.author else []
    metadata.description = config.subject or None
    metadata.keywords = list(config.keywords)
    metadata.lang = config.language
    metadata.created = metadata.modified = config.date.isoformat() + "T00:00:00Z"
    metadata.generator = f"brochure {__version__} (WeasyPrint {weasyprint.__version__})"


def pdf_bytes(book: Book, renderer: Renderer) -> bytes:
    config = renderer.config
    identifier = hashlib.md5(f"{config.title}|{config.years}|{config.date}".encode()).hexdigest().encode()
    data = book.document.write_pdf(**{**renderer.variant.options(), "pdf_identifier": identifier})
    renderer.fetcher.raise_refused("the PDF")  # attachments are fetched while writing, not while laying out
    return cmyk_operators(data, renderer.cmyk) if renderer.cmyk is not None else data
