"""Markup's HTML fragments -> web-ready HTML: pictures with srcset, footnotes as numbered back-references, safe links.

The `markup` stage writes HTML for the PDF: a footnote is a `<span
class="footnote">` the page floats to its foot, an image keeps the path the
editor wrote. On a screen a note is a numbered call linking to a list at the
end of the page (and back), and an image is a copy in the site's folder; a
link may only lead to the web, an e-mail address or an anchor.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from markupsafe import Markup, escape

from ..text.markup import footnotes, inline_html, markdown_html
from .pictures import Picture

NOTE_OPEN = '<span class="footnote">'
IMG = re.compile(r"<img\b([^>]*)>")
ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')
HREF = re.compile(r'<a href="([^"]*)"')
SAFE_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)


@dataclass
class Fragments:
    """Turns the Markdown of one page into HTML, numbering its notes in reading order.

    `picture(path)` gives the published copy of an image (None when it may not be read);
    `base` is the folder image paths are relative to (the card's).
    """

    picture: Callable[[Path], Picture | None]
    root: Path
    base: Path | None = None
    notes: list[Markup] = field(default_factory=list)

    def block(self, text: str | None, drop_cap: bool = False) -> Markup:
        """A block of Markdown (a body, a testimonial): paragraphs, parts, figures, notes."""
        return self._web(markdown_html(text, None, drop_cap=drop_cap))

    def inline(self, text: str | None, card_body: str | None = None) -> Markup:
        """One line of Markdown (a caption, a reference); `card_body` lends it that body's notes."""
        return self._web(inline_html(text, footnotes(card_body) if card_body else None))

    def _web(self, html: Markup) -> Markup:
        html = _move_notes(str(html), self.notes)
        html = IMG.sub(self._image, html)
        html = HREF.sub(lambda m: m.group(0) if SAFE_LINK.match(m.group(1)) else "<a", html)
        return Markup(html)

    def _image(self, match: re.Match) -> str:
        attributes = dict(ATTRIBUTE.findall(" " + match.group(1)))
        alt = attributes.get("alt", "")
        picture = self._published(attributes.get("src", ""))
        if picture is None:
            return str(escape(alt))
        return picture.tag(alt)

    def _published(self, src: str) -> Picture | None:
        """The image an editor's path names, when it is a file inside the edition."""
        if not src or re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE) or self.base is None:
            return None
        path = (self.base / src).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return self.picture(path)


def _move_notes(html: str, notes: list[Markup]) -> str:
    """Each `<span class="footnote">…</span>` -> a numbered call; its text is added to `notes`."""
    while (start := html.find(NOTE_OPEN)) >= 0:
        end = _closing_span(html, start + len(NOTE_OPEN))
        notes.append(Markup(html[start + len(NOTE_OPEN):end]))
        number = len(notes)
        call = (f'<sup class="note-call"><a id="appel-{number}" href="#note-{number}" role="doc-noteref" '
                f'aria-label="Note {number}">{number}</a></sup>')
        html = html[:start] + call + html[end + len("</span>"):]
    return html


def _closing_span(html: str, position: int) -> int:
    """Where the `</span>` closing the span opened just before `position` is."""
    depth = 1
    for match in re.finditer(r"<span\b|</span>", html[position:]):
        depth += 1 if match.group(0) == "<span" else -1
        if depth == 0:
            return position + match.start()
    return len(html) - len("</span>")
