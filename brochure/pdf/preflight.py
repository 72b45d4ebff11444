"""A built PDF -> what a printer's preflight would report: one finding a line, with its page and card.

Checks fonts (embedded), colours (no RGB or spot colour in a print file),
images (at least 300 dpi at their placed size), the bleed (full-page colour
that stops at the trim, ink in the bleed where the page is white), text
outside the page (outside the trim, in a print file: the same class as the
build's layout findings, seen from the PDF), the output intent, and content
declared missing.
"""
from __future__ import annotations

import bisect
import math
import stat
from pathlib import Path

import pikepdf

from ..problems import BrochureError, Finding  # noqa: F401 (Finding: imported from here by other modules)

MIN_DPI = 300
RGB_SPACES = ("/DeviceRGB", "/CalRGB")
SPOT_SPACES = ("/Separation", "/DeviceN")


def preflight(path: Path, for_print: bool, first_pages: dict[str, int] | None = None,
              missing: dict[str, int] | None = None) -> list[Finding]:
    """Everything a printer would object to in `path`. `missing`: unit name -> declared-missing items."""
    require_pdf(path)
    units = _UnitFinder(first_pages or {})
    findings: list[Finding] = []
    with pikepdf.open(path) as pdf:
        if pdf.is_encrypted:
            findings.append(Finding(0, "", "the file is encrypted (printing or copying may be restricted): "
                                           "a printer needs it unprotected"))
        if for_print and not pdf.Root.get("/OutputIntents"):
            findings.append(Finding(0, "", "no output intent: a print file must name its CMYK condition"))
        for number, page in enumerate(pdf.pages, start=1):
            where = units.at(number)
            scan = _PageScan()
            scan.walk(page.obj, pikepdf.Matrix())
            findings += [Finding(number, where, f"font {name} is not embedded") for name in sorted(scan.unembedded)]
            if for_print:
                findings += [Finding(number, where, message) for message in scan.colour_problems()]
                findings += [Finding(number, where, f"image {w}×{h} px placed at {mm_w:.0f}×{mm_h:.0f} mm: "
                                     f"{dpi:.0f} dpi, under {MIN_DPI}")
                             for w, h, mm_w, mm_h, dpi in scan.images if dpi < MIN_DPI - 0.5]
    findings += _geometry(path, for_print, units)
    for name, count in sorted((missing or {}).items()):
        if name in (first_pages or {}):
            findings.append(Finding(first_pages[name], _label(name), f"{count} item(s) declared missing (values, "
                                    "photos, figures) print as placeholders; brochure check lists them", True))
    return sorted(findings)


def is_print_file(path: Path) -> bool:
    """A print file has an output intent or a bleed around its trim box."""
    require_pdf(path)
    with pikepdf.open(path) as pdf:
        if pdf.Root.get("/OutputIntents"):
            return True
        page = pdf.pages[0] if len(pdf.pages) else None
        return page is not None and "/TrimBox" in page.obj and list(page.obj.TrimBox) != list(page.obj.MediaBox)


def require_pdf(path: Path) -> None:
    """Raise a one-line BrochureError naming `path` unless it is a PDF that opens without a password."""
    problem = pdf_problem(path)
    if problem:
        raise BrochureError(f"{path}: {problem}")


def pdf_problem(path: Path) -> str:
    """What keeps `path` from being read as a PDF, in the user's words; empty when it opens."""
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            return "is a folder, not a PDF file"
        if not stat.S_ISREG(status.st_mode):
            return "is not a regular file (a pipe or a device?), not a PDF file"
        if status.st_size == 0:
            return "is empty (0 bytes): build it again"
        with open(path, "rb") as file:
            head = file.read(1024)
    except FileNotFoundError:
        return "does not exist: run `brochure build` first, or check the name"
    except (OSError, ValueError) as error:
        return f"cannot be read: {getattr(error, 'strerror', None) or error}"
    if b"%PDF-" not in head:
        return "is not a PDF file (it does not start with %PDF-)"
    try:
        with pikepdf.open(path):
            pass
    except pikepdf.PasswordError:
        return "is protected by a password: brochure reads only PDFs that open without one"
    except pikepdf.PdfError as error:
        detail = (str(error).splitlines() or ["no detail"])[0].replace(f"{path}: ", "")
        return f"is damaged and cannot be read as a PDF ({detail})"
    return ""


class _UnitFinder:
    """Page number -> the unit it belongs to, from the build's first pages."""

    def __init__(self, first_pages: dict[str, int]):
        ordered = sorted((page, name) for name, page in first_pages.items())
        self.starts = [page for page, _ in ordered]
        self.names = [name for _, name in ordered]

    def at(self, page: int) -> str:
        index = bisect.bisect_right(self.starts, page) - 1
        return _label(self.names[index]) if index >= 0 else ""


def _label(name: str) -> str:
    return name.replace("card-", "card ").replace("divider-", "divider ")


class _PageScan:
    """Walks a page's content and forms, following the transformation matrix."""

    def __init__(self):
        self.unembedded: set[str] = set()
        self.rgb: set[str] = set()
        self.spot: set[str] = set()
        self.images: list[tuple] = []

    def colour_problems(self) -> list[str]:
        out = [f"RGB colour left in a print file ({', '.join(sorted(self.rgb))})"] if self.rgb else []
        return out + ([f"spot colour ({', '.join(sorted(self.spot))})"] if self.spot else [])

    def walk(self, container, ctm: pikepdf.Matrix, depth: int = 0, inherited=None) -> None:
        if depth > 8:
            return
        resources = container.get("/Resources") or inherited or pikepdf.Dictionary()
        self._fonts(resources)
        spaces = resources.get("/ColorSpace") or pikepdf.Dictionary()
        stack, current = [], ctm
        for operands, operator in pikepdf.parse_content_stream(container):
            op = str(operator)
            if op == "q":
                stack.append(current)
            elif op == "Q" and stack:
                current = stack.pop()
            elif op == "cm":
                current = pikepdf.Matrix(*[float(v) for v in operands]) @ current
            elif op in ("rg", "RG"):
                self.rgb.add("rg operator")
            elif op in ("cs", "CS"):
                self._space(spaces.get(str(operands[0])), str(operands[0]))
            elif op == "Do":
                self._xobject(resources, str(operands[0]), current, depth)
        for pattern in (resources.get("/Pattern") or {}).values():
            shading = pattern.get("/Shading")
            if shading is not None:
                self._space(shading.get("/ColorSpace"), "shading")

    def _space(self, space, name: str) -> None:
        family = space if not isinstance(space, pikepdf.Array) else space[0]
        family = str(family) if family is not None else name
        if family in RGB_SPACES or (family == "/ICCBased" and int(space[1].get("/N", 0)) == 3):
            self.rgb.add(name)
        elif family in SPOT_SPACES:
            self.spot.add(name)

    def _xobject(self, resources, name: str, ctm: pikepdf.Matrix, depth: int) -> None:
        xobject = (resources.get("/XObject") or {}).get(name)
        if xobject is None:
            return
        if xobject.get("/Subtype") == "/Image":
            width, height = int(xobject.Width), int(xobject.Height)
            placed_w = math.hypot(ctm.a, ctm.b) / 72 * 25.4
            placed_h = math.hypot(ctm.c, ctm.d) / 72 * 25.4
            if placed_w > 0.5 and placed_h > 0.5:
                dpi = min(width / (placed_w / 25.4), height / (placed_h / 25.4))
                self.images.append((width, height, placed_w, placed_h, dpi))
            self._space(xobject.get("/ColorSpace"), f"image {width}×{height}")
        elif xobject.get("/Subtype") == "/Form":
            matrix = pikepdf.Matrix(*[float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])])
            self.walk(xobject, matrix @ ctm, depth + 1, resources)

    def _fonts(self, resources) -> None:
        for font in (resources.get("/Font") or {}).values():
            described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = described.get("/FontDescriptor")
            if descriptor is not None and not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                self.unembedded.add(str(font.get("/BaseFont", "?")))


def _geometry(path: Path, for_print: bool, units: _UnitFinder) -> list[Finding]:
    """Text outside the page; in a print file, the bleed: backgrounds that stop short, ink where there should be none."""
    import pypdfium2 as pdfium
    findings = []
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        raise BrochureError(f"{path}: is damaged and cannot be drawn ({error})") from None
    try:
        for index in range(len(document)):
            page, number = document[index], index + 1
            where = units.at(number)
            findings += [Finding(number, where, message) for message in _text_outside(page, for_print)]
            if for_print:
                findings += [Finding(number, where, message) for message in _bleed(page)]
    finally:
        document.close()
    return findings


def _text_outside(page, for_print: bool) -> list[str]:
    """Text off the page; in a print file, text past the trim too (in the bleed it is cut off)."""
    left, bottom, right, top = page.get_trimbox() if for_print else page.get_mediabox()
    text = page.get_textpage()
    outside = 0
    for i in range(text.count_chars()):
        x0, y0, x1, y1 = text.get_charbox(i)
        if x1 > x0 and (x0 < left - 1 or x1 > right + 1 or y0 < bottom - 1 or y1 > top + 1):
            outside += 1
    where = "the trim (they would be cut off)" if for_print else "the page"
    return [f"{outside} character(s) of text fall outside {where}"] if outside else []


def _bleed(page, scale: float = 24 / 72) -> list[str]:
    """Compare, along each edge, a strip just inside the trim with the bleed strip just outside it."""
    media = page.get_mediabox()
    trim = page.get_trimbox()
    bleed_pt = trim[0] - media[0]
    if bleed_pt < 2:
        return ["no bleed around the trim box (a print file needs 3 mm)"]
    image = page.render(scale=scale).to_pil().convert("L")
    width, height = image.size
    px = lambda pt: int(round(pt * scale))  # noqa: E731
    b, corner = max(px(bleed_pt) - 1, 1), px(36)   # leave the corners, where the crop marks are
    edges = {
        "left": ((0, corner, b, height - corner), (px(bleed_pt) + 1, corner, px(bleed_pt) + 1 + b, height - corner)),
        "right": ((width - b, corner, width, height - corner),
                  (width - px(bleed_pt) - 1 - b, corner, width - px(bleed_pt) - 1, height - corner)),
        "top": ((corner, 0, width - corner, b), (corner, px(bleed_pt) + 1, width - corner, px(bleed_pt) + 1 + b)),
        "bottom": ((corner, height - b, width - corner, height),
                   (corner, height - px(bleed_pt) - 1 - b, width - corner, height - px(bleed_pt) - 1)),
    }
    problems = []
    for edge, (outside, inside) in edges.items():
        inked_inside, inked_outside = _inked(image.crop(inside)), _inked(image.crop(outside))
        if inked_inside > 0.9 and inked_outside < 0.5:
            problems.append(f"the colour at the {edge} edge stops at the trim: extend it into the bleed")
        elif inked_inside < 0.05 and inked_outside > 0.2:
            problems.append(f"ink in the bleed at the {edge} edge, where the page is white: it will be cut off")
    return problems


def _inked(strip) -> float:
    histogram = strip.histogram()  # a greyscale strip: 256 counts
    return sum(histogram[:235]) / max(sum(histogram), 1)
