"""The editor's Markdown -> HTML fragments for the templates, with French typography applied.

Raw HTML in the content is not passed through (only `<br>`): what an editor
writes is text, and cannot reach the file system or the network through a tag.
Footnotes become inline `<span class="footnote">` that the stylesheet floats
to the foot of the page; an image alone in its paragraph becomes a figure.
"""
from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as etree
from pathlib import Path

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

from .typography import french_html

MISSING = "missing"
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]*(.*)$")
KNOWN_PARTS = {"contexte": "contexte", "problematique": "problematique", "des cles pour agir": "cles"}


def markdown_html(text: str | None, base: Path | None = None, drop_cap: bool = False) -> Markup:
    """A block of Markdown (a card body, a testimonial) -> HTML; `drop_cap` marks its first letter."""
    if not text:
        return Markup("")
    text, notes = _extract_footnotes(text)
    html = _converter(base, drop_cap).convert(text)
    for token, note in notes.items():
        html = html.replace(token, f'<span class="footnote">{inline_html(note)}</span>')
    return Markup(french_html(html))


def inline_html(text: str | None, notes: dict | None = None) -> Markup:
    """One line of Markdown (a caption, a reference) -> HTML without a paragraph around it.

    `notes` (from `footnotes(card.body)`) lets a caption call a footnote of its card's body.
    """
    if not text:
        return Markup("")
    html = _converter(None).convert(text)
    html = re.sub(r"^<p>(.*)</p>$", r"\1", html, flags=re.DOTALL)
    if notes:
        html = FOOTNOTE_REF.sub(lambda m: f'<span class="footnote">{inline_html(notes[m.group(1)])}</span>'
                                if m.group(1) in notes else m.group(0), html)
    return Markup(french_html(html))


def footnotes(text: str | None) -> dict[str, str]:
    """The `[^id]: note` definitions of a body."""
    return {m.group(1): m.group(2).strip() for line in (text or "").split("\n") if (m := FOOTNOTE_DEF.match(line))}


def plain(text: str | None) -> Markup:
    """Plain text (a name, a title, an address) -> escaped HTML with French typography, URLs marked."""
    return Markup(french_html(str(escape(text or ""))))


def _extract_footnotes(text: str) -> tuple[str, dict]:
    """Move `[^id]: note` definitions into the text where `[^id]` refers to them."""
    definitions, kept = {}, []
    for line in text.split("\n"):
        match = FOOTNOTE_DEF.match(line)
        if match:
            definitions[match.group(1)] = match.group(2).strip()
        else:
            kept.append(line)
    notes = {}

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


def _converter(base: Path | None, drop_cap: bool = False) -> markdown.Markdown:
    return markdown.Markdown(extensions=["tables", "sane_lists", _BrochureExtension(base, drop_cap)],
                             output_format="html")


class _BrochureExtension(Extension):
    def __init__(self, base: Path | None, drop_cap: bool):
        super().__init__()
        self.base = base
        self.drop_cap = drop_cap

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.inlinePatterns.register(_LineBreak(r"&lt;br\s*/?&gt;|<br\s*/?>", md), "brochure-br", 200)
        md.treeprocessors.register(_Figures(md, self.base), "brochure-figures", 5)
        md.treeprocessors.register(_Parts(md, self.drop_cap), "brochure-parts", 4)


class _LineBreak(InlineProcessor):
    def handleMatch(self, m, data):
        return etree.Element("br"), m.start(0), m.end(0)


class _Figures(Treeprocessor):
    """A paragraph holding only an image -> <figure> (or a placeholder frame when declared missing)."""

    def __init__(self, md, base: Path | None):
        super().__init__(md)
        self.base = base

    def run(self, root: etree.Element) -> None:
        for parent in root.iter():
            for index, p in enumerate(list(parent)):
                if p.tag != "p" or len(p) != 1 or p[0].tag != "img" or (p.text or "").strip() \
                        or not FIGURE_OPTIONS.fullmatch((p[0].tail or "").strip()):
                    continue
                parent[index] = self._figure(p[0])

    def _figure(self, img: etree.Element) -> etree.Element:
        """`![caption](src){width=column alt="..."}` -> a figure; the options are read by `figure_options`."""
        caption, src = img.get("alt", ""), img.get("src", "")
        options, _ = figure_options((img.tail or "").strip())
        figure = etree.Element("figure")
        width = " figure-column" if options.get("width") == "column" else ""   # full width: as ever
        if src == MISSING:
            figure.set("class", "figure placeholder" + width)
            frame = etree.SubElement(figure, "div", {"class": "placeholder-frame"})
            frame.text = "Visuel à venir"
        else:
            figure.set("class", "figure" + width)
            path = (self.base / src).resolve() if self.base else Path(src)
            etree.SubElement(figure, "img", {"src": path.as_uri() if path.is_absolute() else src,
                                             "alt": options.get("alt", caption)})
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
