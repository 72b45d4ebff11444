"""The book's cover unit -> a JPEG image of the cover page, for the EPUB (WeasyPrint lays it out, pypdfium2 draws it).

The cover is laid out alone, with the theme's stylesheets and fonts, exactly
as the first page of the PDF; the same sources give the same image.
"""
from __future__ import annotations

import io

from ..book.units import book_units
from ..edition.models import Edition
from ..pdf.render import Renderer
from ..themes.theme import Theme

COVER_WIDTH = 1200   # pixels: sharp on a tablet, light enough for an e-reader


def cover_image(edition: Edition, theme: Theme) -> bytes:
    import pypdfium2
    renderer = Renderer(edition.config, theme)
    unit = next(unit for unit in book_units(edition, theme) if unit.kind == "cover")
    document = renderer.render(unit, 1)
    pdf = document.copy(document.pages[:1]).write_pdf()
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=COVER_WIDTH / page.get_width()).to_pil().convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
