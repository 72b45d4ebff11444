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

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup, escape

# part_name, FIGURE_OPTIONS, figure_options: for callers of markup (the parts' class names, figure options)
from .extension import FIGURE_OPTIONS, MISSING, converter, figure_options, part_name  # noqa: F401
from ..limits import MAX_BLOCK, MAX_NESTING, MAX_TABLE_COLUMNS
from .marked import count_marked  # noqa: F401 (re-exported: the units count their marked elements)
from .typography import break_long_words, french_html

FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]{1,100})\](?!:)")
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]{1,100})\]:[ \t]*(.*)$")
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
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
    html = converter(found, drop_cap).convert(body)
    for token, note in notes.items():
        html = html.replace(token, f'<span class="footnote">{_inline(note.text, found)}</span>')
    images, links = found.located(text, first_line)
    return ParsedMarkdown(text, break_long_words(french_html(html)), images, tuple(notes.values()), links,
                          tuple((line, message) for line, message in found.problems(lines, first_line)))


def markdown_html(text, base: Path | str | None = None, drop_cap: bool = False) -> Markup:
    """A block of Markdown, or an already ParsedMarkdown -> HTML; `drop_cap` marks its first letter."""
    if isinstance(text, ParsedMarkdown):
        return Markup(text.html)
    return Markup(parse_markdown(text, base, drop_cap=drop_cap).html)


def inline_html(text: str | None, notes: dict | None = None) -> Markup:
    """One line of Markdown (a caption, a reference) -> HTML without a paragraph around it.

    `notes` (from `footnotes(card.body)`) lets a caption call a footnote of its card's body. An image
    prints its caption alone: a line has no folder its file could be read from (`check` warns of it).
    """
    if not text:
        return Markup("")
    text = str(text).translate(SEPARATORS)
    if _limit_problems(text.split("\n"), 1):
        return Markup(break_long_words(str(escape(text))))
    html = _inline(text, _Found(None, images_as_text=True))
    if notes:
        html = FOOTNOTE_REF.sub(lambda m: f'<span class="footnote">{inline_html(notes[m.group(1)])}</span>'
                                if m.group(1) in notes else m.group(0), html)
    return Markup(break_long_words(french_html(html)))


def _inline(text: str, found: _Found) -> str:
    html = converter(found).convert(text)
    return re.sub(r"^<p>(.*)</p>$", r"\1", html, flags=re.DOTALL)


def footnotes(text) -> dict[str, str]:
    """The `[^id]: note` definitions of a body (its text, or its ParsedMarkdown)."""
    if isinstance(text, ParsedMarkdown):
        return {note.name: note.text for note in text.notes}
    return {m.group(1): m.group(2).strip() for line in (text or "").split("\n") if (m := FOOTNOTE_DEF.match(line))}


def plain(text: str | None) -> Markup:
    """Plain text (a name, a title, an address) -> escaped HTML with French typography, URLs marked."""
    return Markup(break_long_words(french_html(str(escape(str(text or "").translate(SEPARATORS))))))


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
    images: list = field(default_factory=list)     # (caption, source, path, inline)
    links: list = field(default_factory=list)      # (text, target)
    tables: list = field(default_factory=list)     # (columns, first header cell)
    images_as_text: bool = False                   # a line of the front-matter: images print their caption

    def resolve(self, source: str) -> str:
        """The file an image refers to, as the build will read it: relative to the text's folder, links followed."""
        if self.base is None or source == MISSING or URL_SCHEME.match(source):
            return ""
        try:
            return str((self.base / source).resolve())
        except (OSError, ValueError):   # a NUL or an impossible name: content.py says what is wrong
            return ""

    def located(self, text: str, first_line: int) -> tuple[tuple[Image, ...], tuple[Link, ...]]:
        """The images and links with their lines, found in `text` in reading order; an image's options
        (`{width=... alt=...}`) are read from the text written right after it, as the editor wrote them."""
        starts = [0] + [match.end() for match in re.finditer("\n", text)]
        images, position = [], 0
        for caption, source, path, inline in self.images:
            index, needle = _find(text, _image_needles(source), position)
            position = index + len(needle) if index >= 0 else position
            line = bisect.bisect_right(starts, max(index, 0)) - 1
            after = _after_image(text, index, needle, starts, line).lstrip()
            block = FIGURE_OPTIONS.match(after).group(0)
            problems = [OPTIONS_PLACE] if not block and after.startswith("{") else figure_options(block)[1]
            images.append(Image(first_line + line, caption, source, path, inline, tuple(problems)))
        links, position = [], 0
        for link_text, target in self.links:
            index, needle = _find(text, (target,), position)
            position = index + len(needle) if index >= 0 else position
            links.append(Link(first_line + bisect.bisect_right(starts, max(index, 0)) - 1, link_text, target))
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


OPTIONS_PLACE = ('figure options are written {width=column alt="A description"}, on the image\'s line, '
                 'with nothing after them')


def _image_needles(source: str) -> tuple[str, ...]:
    """How an image's file may be written: `](file)`, `](<file>)`, `](file "title")`, `[ref]: file`."""
    return (f"]({source})", f"](<{source}>)", f"]({source} ", f"](<{source}> ", f"]: {source}", f"]:{source}",
            f"]: <{source}>", source)


def _find(text: str, needles: tuple[str, ...], position: int) -> tuple[int, str]:
    """The first of `needles` in `text` from `position` (then from the start): its index and which; -1 if none."""
    for start in (position, 0):
        found = [(index, -len(needle), needle) for needle in needles if (index := text.find(needle, start)) >= 0]
        if found:
            index, _, needle = min(found)
            return index, needle
    return -1, ""


def _after_image(text: str, index: int, needle: str, starts: list[int], line: int) -> str:
    """What is written on the image's line right after `![caption](file ...)`; "" for a reference."""
    if index < 0 or not needle.startswith("]("):
        return ""
    end = starts[line + 1] - 1 if line + 1 < len(starts) else len(text)
    close = text.find(")", index + len(needle) - 1, end)
    return text[close + 1:end] if close >= 0 else ""
