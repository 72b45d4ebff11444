"""A Generation of the Builder -> page images (PNG) and the book's PDF, made on demand and kept while unchanged.

Each laid-out unit is written to PDF bytes on its own and rasterised with
pypdfium2; the images are kept under the key of the page's content, so a
page whose unit was not laid out again is never rasterised again.
"""
from __future__ import annotations

import copy
import io
import threading

import pypdfium2 as pdfium

from ..book.builder import Generation, Layout

DPI = 72        # page images in the viewer: an A4 page is 595 × 842 pixels


class PageImages:
    """Page key -> PNG bytes, for the pages of the current generation (and only those)."""

    def __init__(self, weasyprint_lock: threading.Lock, dpi: int = DPI):
        self.dpi = dpi
        self._lock = weasyprint_lock          # WeasyPrint is not thread-safe: layout and writing share one lock
        self._pdfium_lock = threading.Lock()  # nor is pdfium
        self._images: dict[str, bytes] = {}
        self._pdf: tuple[int, bytes] | None = None

    def image(self, generation: Generation, page: int) -> bytes:
        """The PNG of a page of the book (numbered from 1)."""
        keys = generation.page_keys()
        key = keys[page - 1]
        if key not in self._images:
            self._rasterise(_layout_of(generation, page))
        self._forget(set(keys))
        return self._images[key]

    def pdf(self, generation: Generation) -> bytes:
        """The whole book as one PDF, written once per generation."""
        if self._pdf is None or self._pdf[0] != generation.number:
            with self._lock:
                self._pdf = (generation.number, generation.book().document.write_pdf())
        return self._pdf[1]

    def _rasterise(self, layout: Layout) -> None:
        with self._lock:
            data = _without_links(layout.document).write_pdf()
        with self._pdfium_lock:
            document = pdfium.PdfDocument(data)
            try:
                for index in range(len(document)):
                    bitmap = document[index].render(scale=self.dpi / 72)
                    out = io.BytesIO()
                    bitmap.to_pil().save(out, "PNG", optimize=False)
                    self._images[f"{layout.identity}:{index}"] = out.getvalue()
            finally:
                document.close()

    def _forget(self, keep: set[str]) -> None:
        """Drop the images of pages no longer in the book, so memory stays the book's size."""
        if len(self._images) > 2 * len(keep):
            self._images = {key: png for key, png in self._images.items() if key in keep}


def _without_links(document):
    """The unit's pages without their links: the anchors they point to are in other units, not in this PDF."""
    pages = []
    for page in document.pages:
        alone = copy.copy(page)
        alone.links = [link for link in page.links if link[0] != "internal"]
        pages.append(alone)
    return document.copy(pages)


def _layout_of(generation: Generation, page: int) -> Layout:
    """The laid-out unit that holds a page of the book (numbered from 1)."""
    count = 0
    for layout in generation.layouts:
        count += len(layout.document.pages)
        if page <= count:
            return layout
    raise IndexError(page)
