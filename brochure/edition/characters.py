"""A card's values and body -> a Problem for every character that would not print (a control, none in the fonts).

The characters are those YAML parsed and the Markdown body holds (with its `&...;` entities), each at the line
that holds it; the fonts are what `text.fonts.printable` says they draw.
"""
from __future__ import annotations

import re
import unicodedata
from html import unescape

from ..problems import ERROR, WARNING, Problem
from ..text.fonts import Characters
from ..text.markup import parse_markdown
from .schema import Checker
from .sources import dotted


def check_characters(check: Checker, fonts: Characters) -> None:
    """Every character of every value and of the body must print: no control character, none outside the fonts.

    Values are read as YAML parsed them (so `"\\U0001F680"` is caught), at the line that holds the
    character (or, for an escape, the key's line); the body's `&#...;` entities likewise. Only the body's
    images are shown: one in a line of the front-matter prints its caption (a warning), in a testimonial an error.
    """
    source = check.source
    lines = source.text.split("\n")
    key_lines = sorted(set(source.lines.values()))
    for keys, value in _strings(source.data):
        first = source.line(*keys)
        if "![" in value and MARKDOWN_VALUES & set(keys) and parse_markdown(value).images:
            inline = not {"text", "answer"} & set(keys)   # one line (printed by `mdi`): the caption stays
            check.problems.append(Problem(source.path, first, dotted(keys), "images are shown only from the card's "
                                          + ("body: here only its caption is printed (move the image to the body)"
                                             if inline else "body: move this one there (as a paragraph of its own)"),
                                          WARNING if inline else ERROR))
        last = next((line for line in key_lines if line > first), source.body_line - 1)
        for char in dict.fromkeys(value):
            if (message := character_problem(char, fonts)) is not None:
                where = next((n for n in range(first, max(first, last - 1) + 1) if char in lines[n - 1]), first)
                check.problems.append(Problem(source.path, where, dotted(keys), message))
    for offset, line in enumerate(source.body.split("\n")):
        written = {**dict.fromkeys(line), **{unescape(m.group(0)): None for m in ENTITY.finditer(line)}}
        for char in written:
            if len(char) == 1 and (message := character_problem(char, fonts)) is not None:
                check.problems.append(Problem(source.path, source.body_line + offset, "text", message))


MARKDOWN_VALUES = {"caption", "prefix", "text", "question", "answer", "further_reading"}
ENTITY = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[a-zA-Z][a-zA-Z0-9]{1,31});")
SILENT = ("\t", "\n", "\u2028", "\u2029")   # white space; line and paragraph separators print as a space


def character_problem(char: str, fonts: Characters) -> str | None:
    """Why a character would not print (as an empty box, or at all); None when it prints."""
    category = unicodedata.category(char)
    if char in SILENT or char == " ":
        return None
    if category == "Cc":
        return (f"character U+{ord(char):04X} is a control character, which cannot be printed: delete it "
                "(it often comes from a line break pasted from a word processor)")
    if category == "Cs":
        return f"U+{ord(char):04X} is not a character (half of a surrogate pair): delete it"
    if category == "Cf" or not fonts or ord(char) in fonts:
        return None  # format characters (zero-width space, soft hyphen...) are invisible: no glyph needed
    return (f"character « {char} » (U+{ord(char):04X}) is in none of the bundled fonts: it would print "
            "as an empty box; use another character")


def _strings(data) -> list[tuple[tuple, str]]:
    """Every text value of parsed YAML data, with the keys leading to it (without recursion)."""
    found, stack = [], [((), data)]
    while stack:
        keys, value = stack.pop()
        if isinstance(value, str):
            found.append((keys, value))
        elif isinstance(value, dict):
            stack += [(keys + (key,), item) for key, item in value.items() if isinstance(key, str)]
        elif isinstance(value, list):
            stack += [(keys + (index,), item) for index, item in enumerate(value)]
    return found[::-1]
