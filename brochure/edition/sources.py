"""A text file of the edition -> a Source: its YAML data, the line of every key, its Markdown body.

Both `brochure.yml` and the Markdown files with front-matter go through here,
so that every later problem can point at the line an editor has to change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..problems import Problem

Keys = tuple  # a path into the data: ("authors", 0, "email")


@dataclass(frozen=True)
class Source:
    """One file, read and parsed; nothing checked yet but the syntax."""

    path: Path
    data: Any
    lines: dict = field(repr=False)  # Keys -> 1-based line in the file
    body: str = ""
    body_line: int = 1
    text: str = field(default="", repr=False)  # the whole file, for checks on raw characters

    def line(self, *keys) -> int:
        """The line of the deepest known key on the path `keys` (1 for the file itself)."""
        keys = tuple(keys)
        while keys and keys not in self.lines:
            keys = keys[:-1]
        return self.lines.get(keys, 1)


def read_yaml(path: Path) -> tuple[Source | None, list[Problem]]:
    """Read a whole YAML file (brochure.yml)."""
    text, problems = _read_text(path)
    if text is None:
        return None, problems
    data, lines, problems = _parse_yaml(path, text, first_line=1)
    if problems:
        return None, problems
    return Source(path, data if data is not None else {}, lines, text=text), []


def read_markdown(path: Path, front_matter_required: bool = True) -> tuple[Source | None, list[Problem]]:
    """Read a Markdown file with an optional YAML front-matter between `---` lines."""
    text, problems = _read_text(path)
    if text is None:
        return None, problems
    all_lines = text.split("\n")
    if not all_lines or all_lines[0].rstrip() != "---":
        if front_matter_required:
            return None, [Problem(path, 1, "front-matter",
                                  "the file must start with a '---' line opening the front-matter")]
        return Source(path, {}, {(): 1}, text, 1, text), []
    end = next((i for i, line in enumerate(all_lines[1:], start=1) if line.rstrip() in ("---", "...")), None)
    if end is None:
        return None, [Problem(path, 1, "front-matter", "the front-matter opened here is never closed by a '---' line")]
    data, lines, problems = _parse_yaml(path, "\n".join(all_lines[1:end]), first_line=2)
    if problems:
        return None, problems
    body = "\n".join(all_lines[end + 1:])
    return Source(path, data if data is not None else {}, lines, body, end + 2, text), []


def _read_text(path: Path) -> tuple[str | None, list[Problem]]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        return None, [Problem(path, 1, "file", f"cannot be read: {error.strerror or error}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(path, line, "file", "is not UTF-8 text (save it as UTF-8)")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def _parse_yaml(path: Path, text: str, first_line: int) -> tuple[Any, dict, list[Problem]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {(): first_line}, []
        lines: dict = {}
        duplicates: list[Problem] = []
        _collect_lines(node, (), first_line, lines, duplicates, path)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + (mark.line if mark else 0)
        message = (error.problem or "invalid YAML").strip()
        if error.context:
            message = f"{error.context.strip()}, {message}"
        return None, {}, [Problem(path, line, "yaml", f"{message} (check indentation, quotes and colons)")]
    except yaml.YAMLError as error:
        return None, {}, [Problem(path, first_line, "yaml", str(error))]
    finally:
        loader.dispose()
    return data, lines, duplicates


def _collect_lines(node, keys: Keys, first_line: int, lines: dict, duplicates: list, path: Path) -> None:
    lines.setdefault(keys, first_line + node.start_mark.line)
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                duplicates.append(Problem(path, first_line + key_node.start_mark.line,
                                          dotted(keys + (key,)), "is given twice"))
            seen.add(key)
            lines[keys + (key,)] = first_line + key_node.start_mark.line
            _collect_lines(value_node, keys + (key,), first_line, lines, duplicates, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, keys + (index,), first_line, lines, duplicates, path)


def dotted(keys: Keys) -> str:
    """("authors", 0, "email") -> "authors[1].email" (items counted from 1, as editors do)."""
    out = ""
    for key in keys:
        out += f"[{key + 1}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(file)"


