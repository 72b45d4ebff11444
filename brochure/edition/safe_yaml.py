"""YAML text -> a tree of nodes, then plain values, with what an editor cannot mean refused at its line.

PyYAML's safe loader, narrowed: no aliases (`*name`: a 400-byte alias bomb
expands to gigabytes), no explicit tags (`!!binary`, `!!set`, `!custom`), a
bounded nesting depth, no control characters; and YAML 1.2 numbers and
booleans, so that `010` is ten (not eight, as YAML 1.1 reads it), `no` is
text, and an impossible date such as 2021-02-30 stays text for the field's
own message.
"""
from __future__ import annotations

import re

import yaml

from ..limits import MAX_YAML_DEPTH

YAML_TAG = "tag:yaml.org,2002:"
BOOL, INT, FLOAT = YAML_TAG + "bool", YAML_TAG + "int", YAML_TAG + "float"
WRITTEN_TAGS = (INT, FLOAT, YAML_TAG + "timestamp")   # values a text field takes as written
DROPPED_RESOLVERS = {BOOL, INT, FLOAT, YAML_TAG + "merge", YAML_TAG + "value", YAML_TAG + "yaml"}
CONTROL_NAMES = {
    0x00: "a NUL character (U+0000)",
    0x0B: "a vertical tab (U+000B), which Word writes for a line break (Shift+Enter)",
    0x0C: "a form feed (U+000C), which Word writes for a page break",
}

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")   # tab and line feed are white space


class Refused(Exception):
    """Something valid in YAML that brochure files do not accept, at a place in the text."""

    def __init__(self, mark, message: str):
        super().__init__(message)
        self.mark = mark
        self.message = message


def control_characters(text: str) -> list[tuple[int, str]]:
    """(line offset, message) for the first character on each line that YAML refuses to read."""
    found = []
    for offset, line in enumerate(text.split("\n")):
        match = yaml.reader.Reader.NON_PRINTABLE.search(line)
        if match:
            found.append((offset, f"contains {character_name(match.group())}: delete it (with a space instead "
                                  "if two words meet there)"))
    return found


def character_name(char: str) -> str:
    """A control character in an editor's words: "a NUL character (U+0000)"."""
    return CONTROL_NAMES.get(ord(char), f"an invisible control character (U+{ord(char):04X})")


def escaped_controls(data, keys: tuple = ()) -> list[tuple[tuple, str]]:
    """(keys, character) for every text value holding a control character (written as an escape: "\\0")."""
    if isinstance(data, str):
        found = CONTROL.search(data)
        return [(keys, found.group())] if found else []
    if isinstance(data, dict):
        return [hit for key, value in data.items() for hit in escaped_controls(value, keys + (key,))]
    if isinstance(data, list):
        return [hit for index, value in enumerate(data) for hit in escaped_controls(value, keys + (index,))]
    return []


class _Loader(yaml.SafeLoader):
    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in DROPPED_RESOLVERS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, text: str):
        super().__init__(text)
        self.depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise Refused(event.start_mark, f"YAML aliases (*{event.anchor}) are not supported in brochure "
                                            "files: write the value out")
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            shown = "!!" + tag[len(YAML_TAG):] if tag.startswith(YAML_TAG) else tag
            raise Refused(event.start_mark, f"YAML tags ({shown}) are not supported in brochure files: remove "
                                            "the tag (and put the value in quotes if it is text)")
        if self.depth >= MAX_YAML_DEPTH:
            raise Refused(event.start_mark, f"lists and groups are nested more than {MAX_YAML_DEPTH} deep: "
                                            "brochure files need far fewer levels (check the indentation)")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_yaml_int(self, node) -> int:
        text = self.construct_scalar(node)
        if text[:2] in ("0o", "0x"):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)   # "010" is ten

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:     # 2021-02-30: left as text, for the field's own message
            return self.construct_scalar(node)


def _resolve(tag: str, pattern: str, first: str) -> None:
    _Loader.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))


_resolve(BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolve(INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789")
_resolve(FLOAT, r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
                    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""", "-+0123456789.")
_Loader.add_constructor(INT, _Loader.construct_yaml_int)
_Loader.add_constructor(YAML_TAG + "timestamp", _Loader.construct_yaml_timestamp)


def compose(text: str):
    """YAML text -> its node tree (None for an empty document); raises Refused or yaml.YAMLError."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        loader.node = node
        return node
    finally:
        loader.dispose()


def construct(node):
    """A node tree from `compose` -> plain Python values: dict, list, str, int, float, bool, date, None."""
    loader = _Loader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()
