"""An output variant's name and options -> what the PDF stage does differently: bleed, marks, CMYK, images, PDF flavour.

- `print`: PDF/X-4 with the CMYK output intent of `assets/icc/`, every colour
  of the theme turned into `device-cmyk()` (section colours as declared in
  brochure.yml when they have a `cmyk` value), raster images converted to
  CMYK through the same profile at full resolution, 3 mm of bleed, crop marks.
- `screen`: RGB, no bleed, no marks, images downsampled to SCREEN_DPI.
- `accessible` adds tags (PDF/UA-1 on screen); `archival` makes a PDF/A-2
  (screen only: PDF/X and PDF/A are not combined here).
"""
from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

from ..edition.config import VARIANTS
from ..edition.models import Config
from ..problems import BrochureError, ContentError, Problem
from ..resources import shipped
from . import colours

PROFILE = Path("assets") / "icc" / "brochure-cmyk-fogra39.icc"
SCREEN_DPI = 150        # images of the screen variant are downsampled to this resolution at their placed size
BLEED_MM = 3


def profile_path(root: Path) -> Path | None:
    """The CMYK output profile a print book uses: the edition's, else brochure's; None if neither is there."""
    return next((path for path in (root / PROFILE, shipped("assets") / PROFILE.relative_to("assets"))
                 if path.is_file()), None)


@dataclass(frozen=True)
class Variant:
    name: str
    bleed_mm: float
    marks: str                 # "crop" or "none"
    cmyk: bool
    image_dpi: int | None      # maximum resolution of embedded images, None: as they are
    pdf_variant: str | None    # WeasyPrint's pdf_variant
    tagged: bool

    def page_css(self, profile_url: str | None) -> str:
        """What the variant adds to every unit's page rules."""
        css = f":root {{ --bleed: {self.bleed_mm}mm; }}"
        if self.bleed_mm:
            css += f" @page {{ bleed: {self.bleed_mm}mm; marks: {self.marks}; }}"
        if self.cmyk and profile_url:
            css += f' @color-profile device-cmyk {{ src: url("{profile_url}"); components: cyan, magenta, yellow, black; }}'
        return css

    def options(self) -> dict:
        """WeasyPrint options, given to render() and write_pdf()."""
        options = {"pdf_variant": self.pdf_variant, "pdf_tags": self.tagged}
        if self.image_dpi:
            options.update(dpi=self.image_dpi, optimize_images=True, jpeg_quality=85)
        return options


def make_variant(name: str, accessible: bool = False, archival: bool = False) -> Variant:
    if name not in VARIANTS:
        raise BrochureError(f"variant '{name}' does not exist: choose {' or '.join(VARIANTS)}")
    if name == "print":
        if archival:
            raise BrochureError("--archival makes a PDF/A, which is not combined with the PDF/X of --variant print; "
                                "build the archival copy with --variant screen")
        return Variant("print", BLEED_MM, "crop", True, None, "pdf/x-4", accessible)
    flavour = {(False, False): None, (True, False): "pdf/ua-1", (False, True): "pdf/a-2b", (True, True): "pdf/a-2a"}
    return Variant("screen", 0, "none", False, SCREEN_DPI, flavour[accessible, archival], accessible)


class Cmyk:
    """Turns the colours of a theme, its SVGs and its images into CMYK through the output profile."""

    def __init__(self, profile: Path, config: Config):
        try:
            self.profile = ImageCms.getOpenProfile(str(profile))
            self.transform = ImageCms.buildTransform(ImageCms.createProfile("sRGB"), self.profile, "RGB", "CMYK",
                                                     renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
        except (OSError, ImageCms.PyCMSError) as error:
            shown = profile.relative_to(config.root) if profile.is_relative_to(config.root) else profile
            reason = str(error).strip().rstrip(".") or type(error).__name__
            raise BrochureError(f"{shown}: not a usable CMYK ICC profile ({reason}): replace it with the "
                                "profile your printer gives you, or delete it to use the bundled FOGRA39 one") from None
        self.root = config.root
        self.declared = {s.colour.rgb.lower(): s.colour.cmyk for s in config.sections if s.colour.cmyk}
        self.problems: list[Problem] = []             # in the SVGs of the unit being laid out
        self.stylesheet_problems: list[Problem] = []  # in the stylesheets: they hold as long as this renderer
        self._cache: dict[str, tuple] = {}

    def values(self, rgb: str) -> tuple:
        """"#e5533d" -> (0, 80, 80, 5), in percent; neutral greys go to black ink only."""
        rgb = _long_hex(rgb.lower())
        if rgb not in self._cache:
            self._cache[rgb] = self.declared.get(rgb) or self._convert(rgb)
        return self._cache[rgb]

    def ink(self, rgb: tuple[int, int, int]) -> tuple:
        """(229, 83, 61) -> (0, 80, 80, 5), in percent."""
        return self.values("#" + "".join(f"{v:02x}" for v in rgb))

    def _convert(self, rgb: str) -> tuple:
        r, g, b = (int(rgb[i:i + 2], 16) for i in (1, 3, 5))
        if max(r, g, b) - min(r, g, b) <= 6:  # a grey: text and rules print in black ink alone
            return 0, 0, 0, round(100 - (r + g + b) / 3 / 2.55)
        pixel = ImageCms.applyTransform(Image.new("RGB", (1, 1), (r, g, b)), self.transform).getpixel((0, 0))
        return tuple(round(v / 2.55) for v in pixel)

    def file(self, path: Path, content_type: str) -> bytes | None:
        """A stylesheet or an SVG, colours in CMYK; None (and a problem kept for the end) if it cannot be."""
        try:
            if content_type == "image/svg+xml":
                return colours.svg(path.read_bytes(), self.ink)
            return colours.stylesheet(path.read_bytes(), self.ink).encode("utf-8")
        except colours.ColourError as error:
            found = self.problems if content_type == "image/svg+xml" else self.stylesheet_problems
            found.append(Problem(path, error.line, "colour", str(error)))
            return None

    def html(self, text: str, where: str = "a page") -> str:
        """The colours of the style attributes and <style> elements of a unit's HTML -> device-cmyk()."""
        self.raise_problems()
        try:
            return colours.html_styles(text, self.ink)
        except colours.ColourError as error:
            raise BrochureError(f"{where}, line {error.line} of its HTML: colour: {error}") from None

    def raise_problems(self) -> None:
        """Stop the print build on a colour that could not be converted (WeasyPrint only logs fetch errors).

        Called at the end of each unit's layout (a unit whose SVG failed is not kept) and before writing the PDF.
        """
        problems = list(dict.fromkeys([*self.stylesheet_problems, *self.problems]))
        self.problems = []
        if problems:
            raise ContentError(problems, self.root)

    def image(self, data: bytes) -> bytes | None:
        """A raster image -> the same pixels as a CMYK JPEG (alpha flattened on white); None if not raster."""
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except (OSError, Image.DecompressionBombError):
            return None
        image = ImageOps.exif_transpose(image)   # a photo turned by its EXIF tag stays turned once in CMYK
        if image.mode == "CMYK":
            return None
        if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        image = ImageCms.applyTransform(image.convert("RGB"), self.transform)
        out = io.BytesIO()
        dpi = Image.open(io.BytesIO(data)).info.get("dpi")
        image.save(out, "JPEG", quality=95, subsampling=0, **({"dpi": dpi} if dpi else {}))
        return out.getvalue()


def _long_hex(colour: str) -> str:
    return "#" + "".join(ch * 2 for ch in colour[1:]) if len(colour) == 4 else colour


def cmyk_operators(pdf_bytes: bytes, cmyk: Cmyk) -> bytes:
    """Rewrite the RGB colour operators left in a PDF (WeasyPrint draws crop marks in RGB) as CMYK ones.

    Also gives the XMP metadata a DocumentID derived from the edition, so that a print build is reproducible.
    """
    import pikepdf
    cmyk.raise_problems()
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for container in _content_holders(pdf):
            commands = pikepdf.parse_content_stream(container)
            if not any(str(op) in ("rg", "RG") for _, op in commands):
                continue
            rewritten = []
            for operands, operator in commands:
                if str(operator) in ("rg", "RG"):
                    rgb = "#" + "".join(f"{round(float(v) * 255):02x}" for v in operands)
                    values = cmyk.values(rgb)
                    operator = pikepdf.Operator("k" if str(operator) == "rg" else "K")
                    operands = [v / 100 for v in values]
                rewritten.append(pikepdf.ContentStreamInstruction(operands, operator))
            data = pikepdf.unparse_content_stream(rewritten)
            if isinstance(container, pikepdf.Page):
                container.obj.Contents = pdf.make_stream(data)
            else:
                container.write(data)
        _fixed_document_id(pdf)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _fixed_document_id(pdf) -> None:
    """WeasyPrint writes a random XMP DocumentID into a PDF/X-4: derive it from the PDF identifier (the edition's)."""
    if "/Metadata" not in pdf.Root or "/ID" not in pdf.trailer:
        return
    document_id = f"xmp.did:{uuid.UUID(bytes=hashlib.md5(bytes(pdf.trailer.ID[0])).digest())}"
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as metadata:
        if "xmpMM:DocumentID" in metadata:
            metadata["xmpMM:DocumentID"] = document_id


def _content_holders(pdf):
    """Every content stream: the pages', their form XObjects' and their tiling patterns'."""
    seen = set()
    for page in pdf.pages:
        yield page
        stack = [page.obj]
        while stack:
            holder = stack.pop()
            if holder.objgen in seen:
                yield holder
            resources = holder.get("/Resources") or {}
            drawn = [*(resources.get("/XObject") or {}).values(), *(resources.get("/Pattern") or {}).values()]
            for xobject in drawn:
                if (xobject.get("/Subtype") == "/Form" or xobject.get("/PatternType") == 1) \
                        and xobject.objgen not in seen:
                    seen.add(xobject.objgen)
                    stack.append(xobject)
