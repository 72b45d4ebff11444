"""A Generation of the Builder -> page images (PNG), rasterised on demand from its book and kept while unchanged.

The generation's unit PDFs are assembled into the book once (on first use)
and its pages rasterised with pypdfium2, one at a time as the viewer asks;
the images are kept under the key of the page's content, so a page whose
unit was not laid out again is never rasterised again.
"""
from __future__ import annotations

import io
import threading

import pypdfium2 as pdfium

from ..book.builder import Generation

DPI = 72        # page images in the viewer: an A4 page is 595 × 842 pixels


class PageImages:
    """Page key -> PNG bytes, for the pages of the current generation (and only those)."""

    def __init__(self, dpi: int = DPI):
        self.dpi = dpi
        self._lock = threading.Lock()         # pdfium is not thread-safe
        self._images: dict[str, bytes] = {}
        self._open: tuple[int, pdfium.PdfDocument] | None = None    # the book of one generation, open

    def image(self, generation: Generation, page: int) -> bytes:
        """The PNG of a page of the book (numbered from 1)."""
        keys = generation.page_keys()
        key = keys[page - 1]
        if key not in self._images:
            self._images[key] = self._rasterise(generation, page)
        self._forget(set(keys))
        return self._images[key]

    def _rasterise(self, generation: Generation, page: int) -> bytes:
        data = generation.pdf
        with self._lock:
            if self._open is None or self._open[0] != generation.number:
                if self._open is not None:
                    self._open[1].close()
                self._open = (generation.number, pdfium.PdfDocument(data))
            bitmap = self._open[1][page - 1].render(scale=self.dpi / 72)
            out = io.BytesIO()
            bitmap.to_pil().save(out, "PNG", optimize=False)
            return out.getvalue()

    def _forget(self, keep: set[str]) -> None:
        """Drop the images of pages no longer in the book, so memory stays the book's size."""
        if len(self._images) > 2 * len(keep):
            self._images = {key: png for key, png in self._images.items() if key in keep}
