"""A built PDF -> page images (one PNG per page) and a contact sheet of facing-page spreads.

Page 1 stands alone on the right, as a book's first page does; then pages
go in pairs, left and right, so the sheet shows the book as it will be read.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from ..problems import BrochureError
from .preflight import require_pdf


@dataclass(frozen=True)
class Proof:
    pages: tuple[Path, ...]
    sheet: Path


def proof(pdf: Path, folder: Path, dpi: int = 50, sheet_dpi: int = 20, columns: int = 4,
          write_pages: bool = True) -> Proof:
    """Render every page of `pdf` into `folder`, plus `contact-sheet.png`."""
    require_pdf(pdf)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BrochureError(f"{folder}: cannot hold the page images: {error.strerror or error}") from None
    try:
        document = pdfium.PdfDocument(str(pdf))
    except pdfium.PdfiumError as error:
        raise BrochureError(f"{pdf}: is damaged and cannot be drawn ({error})") from None
    try:
        if not len(document):
            raise BrochureError(f"{pdf}: has no pages")
        written, thumbnails = [], []
        for index in range(len(document)):
            page = document[index]
            if write_pages:
                image = page.render(scale=dpi / 72).to_pil()
                path = folder / f"page-{index + 1:03d}.png"
                image.save(path)
                written.append(path)
            thumbnails.append(page.render(scale=sheet_dpi / 72).to_pil().convert("RGB"))
    finally:
        document.close()
    sheet = folder / "contact-sheet.png"
    contact_sheet(thumbnails, columns).save(sheet)
    return Proof(tuple(written), sheet)


def contact_sheet(pages: list[Image.Image], spreads_per_row: int = 4) -> Image.Image:
    """Thumbnails laid out as spreads: [blank | 1], [2 | 3], [4 | 5]…, numbered."""
    width = max(page.width for page in pages)
    height = max(page.height for page in pages)
    slots = [None] + list(range(len(pages)))       # page 1 is a right-hand page
    spreads = [slots[i:i + 2] for i in range(0, len(slots), 2)]
    gap, label = max(width // 8, 6), 14
    rows = (len(spreads) + spreads_per_row - 1) // spreads_per_row
    sheet = Image.new("RGB", (spreads_per_row * (2 * width + gap) + gap, rows * (height + gap + label) + gap),
                      "#8a8a8a")
    draw = ImageDraw.Draw(sheet)
    for number, spread in enumerate(spreads):
        x = gap + (number % spreads_per_row) * (2 * width + gap)
        y = gap + (number // spreads_per_row) * (height + gap + label)
        for side, index in enumerate(spread):
            if index is None:
                continue
            sheet.paste(pages[index], (x + side * width, y))
            draw.text((x + side * width + 2, y + height + 2), str(index + 1), fill="#ffffff")
    return sheet
