"""The checked Edition + its theme -> an EPUB 3 (ebooklib): the site's pages as chapters, the sommaire as navigation.

Chapters come from the same web templates as the site, through the EPUB
layout (`web/epub-layout.html`): a title page with the editorial, one
chapter per section and per card, the promotions, the back page. The
navigation document follows the sommaire (sections, then their cards);
metadata comes from brochure.yml; the cover is the book's own cover page;
the fonts the web stylesheet names are embedded (SIL Open Font License).
The same sources give the same bytes: the identifier derives from the
edition, every date from brochure.yml.
"""
from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from pathlib import Path

from ..edition.models import Edition
from ..text.fonts import bundled_font_folders
from ..themes.theme import Theme
from .fonts import web_fonts
from .pages import EPUB_LAYOUT, RenderedPage, render_pages
from .pictures import EPUB_WIDTHS, Pictures
from .site import web_stylesheet
from .views import EditionView, edition_view

EPUB_NAMESPACE = uuid.UUID("6f1c1d5e-8f0b-4c55-9b51-3e0d2f9a7c11")   # brochure's: identifiers derive from it


def identifier(edition: Edition) -> str:
    """A stable identifier for the edition: the same title, publisher and date give the same one."""
    config = edition.config
    return "urn:uuid:" + str(uuid.uuid5(EPUB_NAMESPACE, f"{config.title}|{config.publisher}|{config.date.isoformat()}"))


def make_epub(edition: Edition, theme: Theme, cover: bytes | None = None, font_cache: Path | None = None) -> bytes:
    """The EPUB's bytes; `cover` (a JPEG) becomes its cover image and first page; `font_cache`: as for the site."""
    from ebooklib import epub
    config = edition.config
    pictures = Pictures(config.root, EPUB_WIDTHS)
    view = edition_view(edition, ".xhtml", pictures.publish)
    rendered = render_pages(edition, theme, view, pictures, EPUB_LAYOUT)
    book = _described(epub.EpubBook(), edition)
    if cover:
        book.set_cover("images/cover.jpg", cover)
    css = web_stylesheet(theme)
    book.add_item(epub.EpubItem(uid="style", file_name="style.css", media_type="text/css", content=css.encode()))
    text = "".join(page.html for page in rendered)
    for index, (name, data) in enumerate(web_fonts(css, list(bundled_font_folders(config.root)), text, font_cache).items()):
        if name.endswith(".woff2"):
            book.add_item(epub.EpubItem(uid=f"font-{index}", file_name=name, media_type="font/woff2", content=data))
    for index, (name, (data, media)) in enumerate(sorted(pictures.files.items())):
        book.add_item(epub.EpubItem(uid=f"image-{index}", file_name=name, media_type=media, content=data))
    chapters = [_chapter(epub, page, config.language) for page in rendered]
    for chapter in chapters:
        book.add_item(chapter)
    book.toc = _toc(epub, view, {page.view.name: chapter for page, chapter in zip(rendered, chapters)})
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav(title="Sommaire"))
    book.spine = (["cover"] if cover else []) + ["nav"] + chapters
    return _written(epub, book, config.date)


def _described(book, edition: Edition):
    config = edition.config
    book.set_identifier(identifier(edition))
    book.set_title(config.title)
    book.set_language(config.language)
    book.add_author(config.author or config.publisher)
    if config.publisher:
        book.add_metadata("DC", "publisher", config.publisher)
    if config.subtitle or config.subject:
        book.add_metadata("DC", "description", " — ".join(t for t in (config.subtitle, config.subject) if t))
    for keyword in config.keywords:
        book.add_metadata("DC", "subject", keyword)
    book.add_metadata("DC", "date", config.date.isoformat())
    return book


def _chapter(epub, page: RenderedPage, language: str):
    chapter = epub.EpubHtml(uid=page.view.name, title=page.view.title, file_name=page.view.url, lang=language)
    chapter.content = page.html
    chapter.add_link(href="style.css", rel="stylesheet", type="text/css")
    return chapter


def _toc(epub, view: EditionView, chapters: dict) -> list:
    """The sommaire: the title page, each section with its cards, then the pages after them."""
    toc: list = [chapters["index"]]
    for section, cards in view.sections:
        toc.append((epub.Section(section.title, section.url),
                    [epub.Link(card.url, f"{card.number}. {card.title}", f"toc-{card.id}") for card in cards]))
    toc += [chapters[page.name] for page in view.pages if page.kind in ("promotions", "back-page")]
    return toc


def _written(epub, book, date: dt.date) -> bytes:
    """The EPUB as a zip whose entries all carry the edition's date (ebooklib would stamp the clock)."""
    raw = io.BytesIO()
    stamp = dt.datetime(date.year, date.month, date.day)
    epub.write_epub(raw, book, {"mtime": stamp, "raise_exceptions": True})
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(fixed, "w") as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED if entry.filename == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return fixed.getvalue()
