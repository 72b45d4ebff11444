"""The editor's Markdown -> a ParsedMarkdown: the HTML fragment the templates print, and what it refers to.

One parse serves both `brochure check` and the build: the images found here
(with their line and their file, resolved from the card's folder) are the
ones `content` checks and the HTML shows. Raw HTML in the content is not
passed through (only `<br>`): what an editor writes is text, and cannot reach
the file system or the network through a tag. Footnotes become inline
`<span class="footnote">` that the stylesheet floats to the foot of the page;
an image alone in its paragraph becomes a figure. French typography and break
opportunities in over-long words are applied to the text.
"""
from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import (IMAGE_LINK_RE, IMAGE_REFERENCE_RE, LINK_RE, REFERENCE_RE, ImageInlineProcessor,
                                     ImageReferenceInlineProcessor, InlineProcessor, LinkInlineProcessor,
                                     ReferenceInlineProcessor, ShortImageReferenceInlineProcessor,
                                     ShortReferenceInlineProcessor)
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

from .typography import break_long_words, french_html

MISSING = "missing"
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]{1,100})\](?!:)")
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]{1,100})\]:[ \t]*(.*)$")
KNOWN_PARTS = {"contexte": "contexte", "problematique": "problematique", "des cles pour agir": "cles"}
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)

# What one text may ask of the parser and of the layout (listed in docs/security.md).
MAX_BLOCK = 10_000        # characters in one paragraph, list or table (text between blank lines)
MAX_NESTING = 8           # lists and quotes inside each other
MAX_TABLE_COLUMNS = 12
LINK_SCAN = 2_000         # characters searched for the end of a link's text or target
# Line and paragraph separators pasted from a word processor: read as a space (they print as boxes).
SEPARATORS = str.maketrans({"\u2028": " ", "\u2029": " "})


@dataclass(frozen=True)
class Image:
    """An image the text shows, where it is written and which file it is."""

    line: int                  # in the file
    caption: str
    source: str                # as written: "../images/plan.png", "missing"
    path: str                  # the file, resolved from the text's folder ("" for `missing`, a URL, no folder)
    inline: bool               # inside a sentence, not a figure of its own
    problems: tuple[str, ...] = ()   # what is wrong with its `{width=... alt=...}`


@dataclass(frozen=True)
class Link:
    line: int
    text: str
    target: str


@dataclass(frozen=True)
class Note:
    """A footnote: `[^name]: text`."""

    name: str
    text: str
    line: int


@dataclass(frozen=True)
class ParsedMarkdown:
    """A text parsed once: its HTML, and the images, notes and links it holds, with their lines."""

    source: str
    html: str
    images: tuple[Image, ...] = ()
    notes: tuple[Note, ...] = ()
    links: tuple[Link, ...] = ()
    problems: tuple[tuple[int, str], ...] = ()   # (line, message): what the text asks beyond the limits

    def __html__(self) -> str:
        return self.html


def parse_markdown(text: str | None, base: Path | str | None = None, first_line: int = 1,
                   drop_cap: bool = False) -> ParsedMarkdown:
    """A block of Markdown (a card body, a testimonial) -> its HTML and what it refers to.

    `base`: the folder images are relative to (the card's); `first_line`: the file line of the text's
    first line; `drop_cap` marks the first letter.
    """
    text = (text or "").translate(SEPARATORS)
    lines = text.split("\n")
    problems = _limit_problems(lines, first_line)
    if problems:  # parsing it would cost too much: it is refused, and shown as plain text meanwhile
        html = "".join(f"<p>{escape(line)}</p>" for line in lines if line.strip())
        return ParsedMarkdown(text, break_long_words(html), problems=tuple(problems))
    if not text.strip():
        return ParsedMarkdown(text, "")
    found = _Found(Path(base) if base else None)
    body, notes = _extract_footnotes(lines, first_line)
    html = _converter(found, drop_cap).convert(body)
    for token, note in notes.items():
        html = html.replace(token, f'<span class="footnote">{_inline(note.text, found)}</span>')
    images, links = found.located(lines, first_line)
    return ParsedMarkdown(text, break_long_words(french_html(html)), images, tuple(notes.values()), links,
                          tuple((line, message) for line, message in found.problems(lines, first_line)))


def markdown_html(text, base: Path | str | None = None, drop_cap: bool = False) -> Markup:
    """A block of Markdown, or an already ParsedMarkdown -> HTML; `drop_cap` marks its first letter."""
    if isinstance(text, ParsedMarkdown):
        return Markup(text.html)
    return Markup(parse_markdown(text, base, drop_cap=drop_cap).html)


def inline_html(text: str | None, notes: dict | None = None) -> Markup:
    """One line of Markdown (a caption, a reference) -> HTML without a paragraph around it.

    `notes` (from `footnotes(card.body)`) lets a caption call a footnote of its card's body.
    """
    if not text:
        return Markup("")
    text = str(text).translate(SEPARATORS)
    if _limit_problems(text.split("\n"), 1):
        return Markup(break_long_words(str(escape(text))))
    html = _inline(text, _Found(None))
    if notes:
        html = FOOTNOTE_REF.sub(lambda m: f'<span class="footnote">{inline_html(notes[m.group(1)])}</span>'
                                if m.group(1) in notes else m.group(0), html)
    return Markup(break_long_words(french_html(html)))


def _inline(text: str, found: _Found) -> str:
    html = _converter(found).convert(text)
    return re.sub(r"^<p>(.*)</p>$", r"\1", html, flags=re.DOTALL)


def footnotes(text) -> dict[str, str]:
    """The `[^id]: note` definitions of a body (its text, or its ParsedMarkdown)."""
    if isinstance(text, ParsedMarkdown):
        return {note.name: note.text for note in text.notes}
    return {m.group(1): m.group(2).strip() for line in (text or "").split("\n") if (m := FOOTNOTE_DEF.match(line))}


def plain(text: str | None) -> Markup:
    """Plain text (a name, a title, an address) -> escaped HTML with French typography, URLs marked."""
    return Markup(break_long_words(french_html(str(escape(str(text or "").translate(SEPARATORS))))))


def count_marked(html: str, attribute: str) -> int:
    """How many elements of an HTML document carry `attribute` (text that merely spells it does not count)."""
    counter = _MarkedElements(attribute)
    counter.feed(html)
    counter.close()
    return counter.count


class _MarkedElements(HTMLParser):
    def __init__(self, attribute: str):
        super().__init__(convert_charrefs=True)
        self.attribute, self.count = attribute, 0

    def handle_starttag(self, tag, attrs):
        self.count += any(name == self.attribute for name, _ in attrs)

    handle_startendtag = handle_starttag


def _limit_problems(lines: list[str], first_line: int) -> list[tuple[int, str]]:
    """Blocks too long and nesting too deep, found on the text itself before Python-Markdown parses it."""
    problems, start, size = [], 0, 0
    for offset, line in enumerate([*lines, ""]):
        if line.strip():
            start, size = (offset, 0) if not size else (start, size)
            size += len(line) + 1
            continue
        if size > MAX_BLOCK:
            problems.append((first_line + start, f"this paragraph is {size:,} characters long, more than brochure "
                             f"accepts ({MAX_BLOCK:,}): split it with empty lines"))
        size = 0
    for offset, line in enumerate(lines):
        depth = _depth(line)
        if depth > MAX_NESTING:
            problems.append((first_line + offset, f"lists or quotes nested {depth} deep, more than brochure "
                             f"accepts ({MAX_NESTING}): indent this line less"))
    return problems


_PREFIX = re.compile(r"[ \t]*(?:(?:>|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]*)*")


def _depth(line: str) -> int:
    """How deep the start of a line nests: one level per quote mark or list marker, or per four columns."""
    prefix = _PREFIX.match(line).group(0)
    indent = len(prefix) - len(prefix.lstrip(" \t"))
    columns = len(prefix[:indent].expandtabs(4))
    markers = len(re.findall(r">|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t])", prefix))
    return columns // 4 + markers if not _RULE.fullmatch(line) else 0


_RULE = re.compile(r"[ ]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")


def _extract_footnotes(lines: list[str], first_line: int) -> tuple[str, dict[str, Note]]:
    """Move `[^id]: note` definitions into the text where `[^id]` refers to them."""
    definitions, kept = {}, []
    for offset, line in enumerate(lines):
        match = FOOTNOTE_DEF.match(line)
        if match:
            definitions[match.group(1)] = Note(match.group(1), match.group(2).strip(), first_line + offset)
        else:
            kept.append(line)
    notes: dict[str, Note] = {}

    def replace(match: re.Match) -> str:
        note = definitions.get(match.group(1))
        if note is None:
            return match.group(0)
        token = f"BROCHUREFOOTNOTE{len(notes)}X"
        notes[token] = note
        return token

    return FOOTNOTE_REF.sub(replace, "\n".join(kept)), notes


def footnote_problems(text: str, elsewhere: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    """(line offset, message) for every footnote reference without a note and note without a reference.

    `elsewhere`: other texts of the card (key-figure captions) that may call the body's notes.
    """
    defined = {m.group(1): n for n, line in enumerate(text.split("\n")) if (m := FOOTNOTE_DEF.match(line))}
    problems = []
    used = {m.group(1) for other in elsewhere for m in FOOTNOTE_REF.finditer(other)}
    for offset, line in enumerate(text.split("\n")):
        if FOOTNOTE_DEF.match(line):
            continue
        for match in FOOTNOTE_REF.finditer(line):
            used.add(match.group(1))
            if match.group(1) not in defined:
                problems.append((offset, f"footnote [^{match.group(1)}] has no note: add a line "
                                 f"'[^{match.group(1)}]: the note' at the end"))
    problems += [(n, f"footnote [^{name}] is never referred to in the text")
                 for name, n in defined.items() if name not in used]
    return problems


@dataclass
class _Found:
    """What one parse met: images and links in reading order, tables; resolved against `base`."""

    base: Path | None
    images: list = field(default_factory=list)     # (caption, source, path, inline, option problems)
    links: list = field(default_factory=list)      # (text, target)
    tables: list = field(default_factory=list)     # (columns, first header cell)

    def resolve(self, source: str) -> str:
        """The file an image refers to, as the build will read it: relative to the text's folder, links followed."""
        if self.base is None or source == MISSING or URL_SCHEME.match(source):
            return ""
        try:
            return str((self.base / source).resolve())
        except (OSError, ValueError):   # a NUL or an impossible name: content.py says what is wrong
            return ""

    def located(self, lines: list[str], first_line: int) -> tuple[tuple[Image, ...], tuple[Link, ...]]:
        images, cursor = [], 0
        for caption, source, path, inline, problems in self.images:
            cursor = _line_of(lines, source, cursor)
            images.append(Image(first_line + cursor, caption, source, path, inline, problems))
        links, cursor = [], 0
        for text, target in self.links:
            cursor = _line_of(lines, target, cursor)
            links.append(Link(first_line + cursor, text, target))
        return tuple(images), tuple(links)

    def problems(self, lines: list[str], first_line: int) -> list[tuple[int, str]]:
        problems, cursor = [], 0
        for columns, first_cell in self.tables:
            cursor = _line_of(lines, first_cell, cursor, must_hold="|")
            if columns > MAX_TABLE_COLUMNS:
                problems.append((first_line + cursor, f"this table has {columns} columns, more than brochure "
                                 f"accepts ({MAX_TABLE_COLUMNS}): split it or turn it into a list"))
        return problems


def _line_of(lines: list[str], needle: str, start: int, must_hold: str = "") -> int:
    """The offset of the first line from `start` (then from the top) holding `needle`; `start` if none."""
    for offset in (*range(start, len(lines)), *range(0, start)):
        if needle in lines[offset] and must_hold in lines[offset]:
            return offset
    return start


def _converter(found: _Found, drop_cap: bool = False) -> markdown.Markdown:
    return markdown.Markdown(extensions=["tables", "sane_lists", _BrochureExtension(found, drop_cap)],
                             output_format="html")


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


class _BrochureExtension(Extension):
    def __init__(self, found: _Found, drop_cap: bool):
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

    def __init__(self, md, found: _Found):
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
        for parent, index in alone:
            parent[index] = _figure(parent[index][0])

    def _note(self, img: etree.Element, inline: bool) -> None:
        source, after = img.get("src", ""), (img.tail or "").lstrip()
        path = self.found.resolve(source)
        block = FIGURE_OPTIONS.match(after).group(0)
        problems = (['figure options are written {width=column alt="A description"}, on the image\'s line, '
                     'with nothing after them'] if not block and after.startswith("{") else figure_options(block)[1])
        self.found.images.append((img.get("alt", ""), source, path, inline, tuple(problems)))
        if path:
            img.set("src", Path(path).as_uri())


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
