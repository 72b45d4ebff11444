"""Python-Markdown, made safe and fitted to the book: bounded link scanning, images noted, figures, parts.

Used by `markup` only: `converter(found)` gives a Markdown converter that
notes in `found` every image (resolving it with `found.resolve`), link and
table it meets, and turns the tree into the book's figures and parts.
"""
from __future__ import annotations

import re
import threading
import unicodedata
import xml.etree.ElementTree as etree
from pathlib import Path

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import (IMAGE_LINK_RE, IMAGE_REFERENCE_RE, LINK_RE, REFERENCE_RE, ImageInlineProcessor,
                                     ImageReferenceInlineProcessor, InlineProcessor, LinkInlineProcessor,
                                     ReferenceInlineProcessor, ShortImageReferenceInlineProcessor,
                                     ShortReferenceInlineProcessor)
from markdown.treeprocessors import Treeprocessor

from ..limits import LINK_SCAN

MISSING = "missing"
KNOWN_PARTS = {"contexte": "contexte", "problematique": "problematique", "des cles pour agir": "cles"}


def converter(found, drop_cap: bool = False) -> markdown.Markdown:
    """A converter noting into `found`. Making one costs more than most conversions: one per thread and
    `drop_cap` is made, then reset (Python-Markdown's `reset`) and given the new `found` at each use."""
    made = _converters.__dict__.setdefault("made", {})
    if drop_cap not in made:
        made[drop_cap] = markdown.Markdown(extensions=["tables", "sane_lists", BrochureExtension(None, drop_cap)],
                                           output_format="html")
    md = made[drop_cap].reset()
    md.treeprocessors["brochure-figures"].found = found
    return md


_converters = threading.local()     # converters hold no settings, only what one conversion notes (reset)


class _Bounded:
    """Python-Markdown looks for the end of a link's text or target as far as the paragraph goes, from every
    `[`: quadratic on a line of `[`. These look LINK_SCAN characters ahead at most (linear)."""

    def getText(self, data: str, index: int):
        window = data[index:index + LINK_SCAN]
        if "]" not in window:
            return "", index, False
        text, end, handled = super().getText(window, 0)
        return text, index + end, handled

    def getLink(self, data: str, index: int):
        window = data[index:index + LINK_SCAN]
        if ")" not in window:
            return "", None, index, False
        href, title, end, handled = super().getLink(window, 0)
        return href, title, index + end, handled

    def evalId(self, data: str, index: int, text: str):
        ref, end, handled = super().evalId(data[index:index + LINK_SCAN], 0, text)
        return ref, index + end, handled


_LINKS = (("reference", ReferenceInlineProcessor, REFERENCE_RE, 170), ("link", LinkInlineProcessor, LINK_RE, 160),
          ("image_link", ImageInlineProcessor, IMAGE_LINK_RE, 150),
          ("image_reference", ImageReferenceInlineProcessor, IMAGE_REFERENCE_RE, 140),
          ("short_reference", ShortReferenceInlineProcessor, REFERENCE_RE, 130),
          ("short_image_ref", ShortImageReferenceInlineProcessor, IMAGE_REFERENCE_RE, 125))
_BOUNDED = {name: type(f"Bounded{cls.__name__}", (_Bounded, cls), {}) for name, cls, _, _ in _LINKS}


class BrochureExtension(Extension):
    """Raw HTML out (but `<br>`), link scanning bounded, images noted and resolved, figures and parts made."""

    def __init__(self, found, drop_cap: bool):
        super().__init__()
        self.found = found
        self.drop_cap = drop_cap

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        for name, _, pattern, priority in _LINKS:
            md.inlinePatterns.register(_BOUNDED[name](pattern, md), name, priority)
        md.inlinePatterns.register(_LineBreak(r"&lt;br\s*/?&gt;|<br\s*/?>", md), "brochure-br", 200)
        md.treeprocessors.register(_Figures(md, self.found), "brochure-figures", 5)
        md.treeprocessors.register(_Parts(md, self.drop_cap), "brochure-parts", 4)


class _LineBreak(InlineProcessor):
    def handleMatch(self, m, data):
        return etree.Element("br"), m.start(0), m.end(0)


class _Figures(Treeprocessor):
    """Every image -> its file's URI, noted with its caption; alone in its paragraph -> a <figure>
    (or a placeholder frame when declared missing). Links and tables are noted too."""

    def __init__(self, md, found):
        super().__init__(md)
        self.found = found

    def run(self, root: etree.Element) -> None:
        alone = [(parent, index) for parent in root.iter() for index, p in enumerate(parent) if _alone(p)]
        figures = {id(parent[index][0]) for parent, index in alone}
        for element in root.iter():
            if element.tag == "img":
                self._note(element, inline=id(element) not in figures)
            elif element.tag == "a":
                self.found.links.append(("".join(element.itertext()), element.get("href", "")))
            elif element.tag == "table":
                header = next(element.iter("tr"), None)
                cells = list(header) if header is not None else []
                self.found.tables.append((len(cells), "".join(cells[0].itertext()).strip() if cells else ""))
        if self.found.images_as_text:   # a line of the front-matter: its images would be read from nowhere
            _images_to_text(root)
            return
        for parent, index in alone:
            parent[index] = _figure(parent[index][0])

    def _note(self, img: etree.Element, inline: bool) -> None:
        source = img.get("src", "")
        path = self.found.resolve(source)
        self.found.images.append((img.get("alt", ""), source, path, inline))
        if path:
            img.set("src", Path(path).as_uri())


def _images_to_text(root: etree.Element) -> None:
    """Every image -> its caption, as text: what is printed of an image in a line of the front-matter."""
    for parent in list(root.iter()):
        for index, child in reversed(list(enumerate(parent))):
            if child.tag != "img":
                continue
            words = child.get("alt", "") + (child.tail or "")
            if index:
                parent[index - 1].tail = (parent[index - 1].tail or "") + words
            else:
                parent.text = (parent.text or "") + words
            parent.remove(child)


def _alone(p: etree.Element) -> bool:
    """A paragraph holding only an image (and its options)."""
    return (p.tag == "p" and len(p) == 1 and p[0].tag == "img" and not (p.text or "").strip()
            and FIGURE_OPTIONS.fullmatch((p[0].tail or "").strip()) is not None)


def _figure(img: etree.Element) -> etree.Element:
    """`![caption](src){width=column alt="..."}` -> a figure; the options are read by `figure_options`."""
    caption = img.get("alt", "")
    options, _ = figure_options((img.tail or "").strip())
    width = " figure-column" if options.get("width") == "column" else ""   # full width: as ever
    figure = etree.Element("figure")
    if img.get("src") == MISSING:
        figure.set("class", "figure placeholder" + width)
        frame = etree.SubElement(figure, "div", {"class": "placeholder-frame"})
        frame.text = "Visuel à venir"
    else:
        figure.set("class", "figure" + width)
        etree.SubElement(figure, "img", {"src": img.get("src", ""), "alt": options.get("alt", caption)})
    if caption:
        etree.SubElement(figure, "figcaption").text = caption
    return figure


# What may follow a figure's image: `{width=column alt="A description"}`.
FIGURE_WIDTHS = ("full", "column")
FIGURE_OPTIONS = re.compile(r'(?:\{(?:\s*[\w-]+=(?:"[^"]*"|[^\s"}]*))*\s*\})?')
_FIGURE_OPTION = re.compile(r'([\w-]+)=(?:"([^"]*)"|([^\s"}]*))')


def figure_options(text: str) -> tuple[dict[str, str], list[str]]:
    """`{width=column alt="..."}` after a figure's image -> its options, and what is wrong with them."""
    options, problems = {}, []
    for match in _FIGURE_OPTION.finditer(text):
        key, value = match.group(1), (match.group(2) if match.group(2) is not None else match.group(3)).strip()
        if key == "width" and value not in FIGURE_WIDTHS:
            problems.append(f"figure width '{value}' is not one of: {', '.join(FIGURE_WIDTHS)}")
        elif key == "alt" and not value:
            problems.append('figure alt="" is empty: describe the image for readers who cannot see it')
        elif key == "alt" and re.search(r"[*`]", value):
            problems.append("figure alt text is plain text: remove the Markdown (* or `) from it")
        elif key not in ("width", "alt"):
            problems.append(f"unknown figure option '{key}' (known: width, alt)")
        else:
            options[key] = value
    return options, problems


FULL_WIDTH = ("table", "figure", "h2", "h3")


class _Parts(Treeprocessor):
    """Each `##` heading and what follows -> <section class="part part-NAME">, its text in column blocks.

    Running text goes into `<div class="flow">` blocks (the stylesheet may set
    them in columns); headings, tables and figures stand between the blocks at
    full width, so that no element has to span columns (which WeasyPrint
    handles badly). The first letter of CONTEXTE (or of a text without parts,
    when asked) is marked as a drop cap.
    """

    def __init__(self, md, drop_cap: bool):
        super().__init__(md)
        self.drop_cap = drop_cap

    def run(self, root: etree.Element) -> None:
        children = list(root)
        if not self.drop_cap and not any(child.tag == "h2" for child in children):
            return
        for child in children:
            root.remove(child)
        parts, current = [], None
        for child in children:
            if child.tag == "h2" or current is None:
                name = part_name("".join(child.itertext())) if child.tag == "h2" else "intro"
                current = etree.SubElement(root, "section", {"class": f"part part-{name}"})
                parts.append(current)
            current.append(child)
        if not parts:
            return
        if self.drop_cap or any(p.get("class") == "part part-contexte" for p in parts):
            target = next((p for p in parts if p.get("class") == "part part-contexte"), parts[0])
            _drop_cap(target)
        for part in parts:
            _flow_blocks(part)


def part_name(heading: str) -> str:
    """The class name of a card's part from its heading: "Des clés pour agir" -> "cles"."""
    folded = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode().lower().strip()
    folded = re.sub(r"[^a-z0-9]+", " ", folded).strip()
    return KNOWN_PARTS.get(folded, re.sub(r" ", "-", folded) or "part")


def _flow_blocks(part: etree.Element) -> None:
    """Group the running text of a part into <div class="flow"> blocks between full-width elements."""
    children = list(part)
    for child in children:
        part.remove(child)
    flow = None
    for child in children:
        if child.tag in FULL_WIDTH and "figure-column" not in (child.get("class") or ""):
            part.append(child)
            flow = None
        else:
            if flow is None:
                flow = etree.SubElement(part, "div", {"class": "flow"})
            flow.append(child)


def _drop_cap(section: etree.Element) -> None:
    """Wrap the first letter of the part's first paragraph in a floated span (::first-letter is broken)."""
    first = next((el for el in section if el.tag == "p"), None)
    if first is None or not first.text:
        return
    match = re.match(r"^(\s*[«\"“]?\s*\w)", first.text)
    if not match:
        return
    span = etree.Element("span", {"class": "dropcap"})
    span.text = match.group(1).strip()
    span.tail = first.text[match.end():]
    first.text = ""
    first.insert(0, span)
    first.set("class", "has-dropcap")
