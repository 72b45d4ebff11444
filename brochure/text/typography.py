"""Plain French text -> the same text with French typographic spacing and signs.

The rules (documented for editors in docs/typography.md):

- a no-break space (U+00A0) before « : » and inside « guillemets »;
- a narrow no-break space (U+202F) before « ; ! ? », before « % » and « € »
  after a number, and between the groups of digits of a number (« 1 039 »,
  « 400 000 »); four-digit numbers from 1800 to 2099 are read as years and
  left whole;
- the typographic apostrophe (’) and ellipsis (…);
- a no-break space after a one-letter word (« à », « a », « y »), so that it
  never ends a line.

`french_html` applies them to the text of an HTML fragment, leaving tags,
attributes and code alone.
"""
from __future__ import annotations

import re
from html import escape, unescape

NBSP = "\u00a0"
NNBSP = "\u202f"

_RULES = [
    (re.compile(r"(?<=\w)'|'(?=\w)"), "\u2019"),
    (re.compile(r"\.\.\."), "\u2026"),
    (re.compile(r"«[ \u00a0\u202f]*"), "«" + NBSP),
    (re.compile(r"[ \u00a0\u202f]*»"), NBSP + "»"),
    # « : » takes a no-break space, but not in 10:30 or in a URL scheme.
    (re.compile(r"(?<=[^\s\d/])[ \u00a0\u202f]?:(?!//)(?=\s|$)"), NBSP + ":"),
    (re.compile(r"(?<=[^\s\d])[ \u00a0\u202f]?:(?=\s|$)"), NBSP + ":"),
    (re.compile(r"(?<=[^\s(\[])[ \u00a0\u202f]?([;!?])(?=\s|$|[»)\]\u00a0.,])"), NNBSP + r"\1"),
    (re.compile(r"(?<=\d)[ \u00a0]?(%|€)"), NNBSP + r"\1"),
    (re.compile(r"(?<![\w\u2019'])([àÀaAyYôÔ])[ ](?=\w)"), r"\1" + NBSP),
]
_GROUPED = re.compile(r"(?<![\w/.,@-])(\d{1,3})(?:[ \u00a0\u202f]\d{3})+(?![\d,.]\d)")
_LONG = re.compile(r"(?<![\w/.,@\u202f-])(\d{4,})(?![\w/@]|[,.]\d)")


def french(text: str) -> str:
    """Apply the French rules to a piece of plain text."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    text = _GROUPED.sub(lambda m: re.sub(r"[ \u00a0]", NNBSP, m.group(0)), text)
    return _LONG.sub(_group_digits, text)


def _group_digits(match: re.Match) -> str:
    digits = match.group(1)
    if len(digits) == 4 and 1800 <= int(digits) <= 2099:
        return digits  # a year
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return NNBSP.join(groups)


_TAG = re.compile(r"(<[^>]*>)")
_RAW = ("code", "pre", "script", "style")


def french_html(html: str) -> str:
    """Apply the French rules to the text between the tags of an HTML fragment."""
    out, raw_depth, previous = [], 0, ""
    for piece in _TAG.split(html):
        if piece.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", piece)
            if name and name.group(1).lower() in _RAW and not piece.endswith("/>"):
                raw_depth += -1 if piece.startswith("</") else 1
            out.append(piece)
        elif raw_depth or not piece:
            out.append(piece)
        else:
            out.append(_french_escaped(piece, glued=previous[-1:].isalnum()))
            previous = piece
    return "".join(out)


def _french_escaped(text: str, glued: bool) -> str:
    """French rules on HTML text, where quotes and ampersands may be entities.

    `glued`: the text continues a word begun before a tag (« <span>L</span>a ville »),
    so its first letters are not a word of their own.
    """
    text = unescape(text)
    if glued:
        return escape(french("x" + text)[1:], quote=False)
    return escape(french(text), quote=False)
