"""The HTML that mammoth makes of a Word document -> blocks of Markdown as an editor would type them.

Headings, paragraphs (bold, italic, links, footnote calls), lists (nested),
tables (pipe tables, `<br>` between a cell's lines) and images become
`Block`s; the footnotes at the end become `[^N]: note` lines. Text is
normalised as in typed cards: plain spaces (the book adds the no-break ones),
straight apostrophes, « » for quotes, no soft hyphen.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass

from ..problems import BrochureError

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
NOTE_ID = re.compile(r"^(?:.*-)?(footnote|endnote)-(\d+)$")
_SPACES = re.compile(r"[ \t\u00a0\u202f\u2000-\u200a\u205f\u3000\u000b]+")
_TYPED = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": "« ", "\u201d": " »",
                        "\u201e": "« ", "\u00ad": None, "\u200b": None, "\u2011": "-", "\ufeff": None})
_ESCAPED = re.compile(r"([\\`*_\[\]])")
_NUMBERED = re.compile(r"^(\s*\d+)(?=[.)]\s)")


@dataclass(frozen=True)
class Block:
    """One block of the document: a heading (plain text), a paragraph, a list, a table or an image (Markdown)."""

    kind: str          # heading | paragraph | list | table | image
    text: str
    level: int = 0     # a heading's level, 1 to 6
    src: str = ""      # an image's file, as mammoth was told to write it


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]
    notes: dict        # "1" -> the note's Markdown
    links: int         # how many links were carried


def typed(text: str) -> str:
    """Word's typographic characters -> what an editor types (the book puts the typography back)."""
    text = text.translate(_TYPED)
    text = re.sub(r"«\s*", "« ", text)
    text = re.sub(r"\s*»", " »", text)
    return _SPACES.sub(" ", text)


def to_markdown(html: str) -> Document:
    """mammoth's HTML -> the document's blocks, its footnotes and what was carried."""
    try:
        root = etree.fromstring(f"<root>{html}</root>")
    except etree.ParseError as error:
        raise BrochureError(f"the converted document cannot be read ({error}): save it again from Word") from None
    writer = _Writer()
    for element in root:
        writer.block(element)
    return Document(tuple(writer.blocks), writer.notes, writer.links)


class _Writer:
    def __init__(self):
        self.blocks: list[Block] = []
        self.notes: dict[str, str] = {}
        self.links = 0

    def block(self, element: etree.Element) -> None:
        tag = element.tag
        if tag in HEADINGS:
            text = _plain(element)
            if text:
                self.blocks.append(Block("heading", text, int(tag[1])))
        elif tag == "p":
            self.paragraph(element)
        elif tag in ("ul", "ol") and _is_notes(element):
            for item in element:
                self.note(item)
        elif tag in ("ul", "ol"):
            text = "\n".join(self.list_lines(element, 0))
            if text.strip():
                self.blocks.append(Block("list", text))
        elif tag == "table":
            self.blocks.append(Block("table", self.table(element)))
        elif tag in ("blockquote", "div"):
            for child in element:
                self.block(child)
        # <dl> (Word comments) and anything else: left out

    def paragraph(self, element: etree.Element) -> None:
        images = [img for img in element.iter("img")]
        text = _line_start(self.inline(element).strip())
        if text:
            self.blocks.append(Block("paragraph", text))
        for img in images:
            self.blocks.append(Block("image", typed(img.get("alt", "")).strip(), src=img.get("src", "")))

    def note(self, item: etree.Element) -> None:
        match = NOTE_ID.match(item.get("id", ""))
        if match is None:
            return
        parts = [self.inline(p).strip() for p in item if p.tag == "p"] or [self.inline(item).strip()]
        text = " ".join(part for part in parts if part)
        self.notes[match.group(2)] = re.sub(r"\s*↑$", "", text).strip()

    def list_lines(self, element: etree.Element, depth: int) -> list[str]:
        lines, number = [], 0
        for item in element:
            if item.tag != "li":
                continue
            number += 1
            marker = f"{number}. " if element.tag == "ol" else "- "
            nested = [child for child in item if child.tag in ("ul", "ol")]
            for child in nested:
                item.remove(child)
            text = " ".join(self.inline(p).strip() for p in item if p.tag == "p") if len(item) and all(
                child.tag == "p" for child in item) else self.inline(item).strip()
            lines.append("    " * depth + marker + text)
            for child in nested:
                lines += self.list_lines(child, depth + 1)
        return lines

    def table(self, element: etree.Element) -> str:
        rows = []
        for row in element.iter("tr"):
            cells = []
            for cell in row:
                if cell.tag not in ("td", "th"):
                    continue
                lines = [self.inline(p).strip() for p in cell if p.tag == "p"] if len(cell) and all(
                    child.tag in ("p", "ul", "ol") for child in cell) else [self.inline(cell).strip()]
                for child in cell:
                    if child.tag in ("ul", "ol"):
                        lines += [line.strip() for line in self.list_lines(child, 0)]
                text = "<br>".join(line for line in lines if line).replace("|", "\\|")
                cells += [text] + [""] * (int(cell.get("colspan", "1")) - 1)
            rows.append(cells)
        width = max((len(row) for row in rows), default=1)
        rows = [row + [""] * (width - len(row)) for row in rows] or [[""]]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        return "\n".join(lines)

    def inline(self, element: etree.Element) -> str:
        """An element's content as one line of Markdown (images are taken out by the caller)."""
        out = _escape(typed(element.text or ""))
        for child in element:
            out += self.inline_child(child)
            out += _escape(typed(child.tail or ""))
        return out.replace("\n", " ")

    def inline_child(self, child: etree.Element) -> str:
        tag = child.tag
        if tag in ("strong", "b"):
            return _wrap(self.inline(child), "**")
        if tag in ("em", "i"):
            return _wrap(self.inline(child), "*")
        if tag == "br":
            return "<br>"
        if tag == "img":
            return ""
        if tag == "sup" and len(child) == 1 and child[0].tag == "a" and NOTE_ID.match(child[0].get("href", "")[1:]):
            return f"[^{NOTE_ID.match(child[0].get('href')[1:]).group(2)}]"
        if tag == "a":
            return self.link(child)
        return self.inline(child)   # sup, sub, span, s, u...: their text

    def link(self, child: etree.Element) -> str:
        text, href = self.inline(child).strip(), (child.get("href") or "").strip()
        if not re.match(r"^(https?:|mailto:)", href) or not text:
            return text
        self.links += 1
        if text.replace("\\", "") in (href, href.removeprefix("mailto:")):
            return f"<{href.removeprefix('mailto:')}>" if href.startswith("mailto:") else f"<{href}>"
        target = f"<{href}>" if re.search(r"[\s()]", href) else href
        return f"[{text}]({target})"


def _line_start(text: str) -> str:
    """A paragraph that would read as a heading, a quote or a list item, escaped: "1. x" -> "1\\. x"."""
    if _NUMBERED.match(text):
        return _NUMBERED.sub(r"\1\\", text, count=1)
    return re.sub(r"^(#|>|[-+](?=\s))", r"\\\1", text)


def _is_notes(element: etree.Element) -> bool:
    items = [item for item in element if item.tag == "li"]
    return bool(items) and all(NOTE_ID.match(item.get("id", "")) for item in items)


def _plain(element: etree.Element) -> str:
    return typed("".join(element.itertext())).strip()


def _escape(text: str) -> str:
    return _ESCAPED.sub(r"\\\1", text)


def _wrap(text: str, mark: str) -> str:
    """`**` or `*` around a run, its spaces kept outside (Markdown does not take `** gras **`)."""
    stripped = text.strip()
    if not stripped:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    return f"{lead}{mark}{stripped}{mark}{trail}"
