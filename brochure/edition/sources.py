"""A text file of the edition -> a Source: its YAML data, the line of every key, its Markdown body.

Both `brochure.yml` and the Markdown files with front-matter go through here,
so that every later problem can point at the line an editor has to change.
"""
from __future__ import annotations

import bisect
import errno
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..limits import MAX_FILE_BYTES
from ..problems import Problem
from .safe_yaml import (WRITTEN_TAGS, Refused, character_name, compose, construct, control_characters,
                        escaped_controls)

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
    written: dict = field(default_factory=dict, repr=False)  # Keys -> a number or date as written: "1.50"

    def line(self, *keys) -> int:
        """The line of the deepest known key on the path `keys` (1 for the file itself)."""
        keys = tuple(keys)
        while keys and keys not in self.lines:
            keys = keys[:-1]
        return self.lines.get(keys, 1)


def read_yaml(path: Path, inside: Path | None = None) -> tuple[Source | None, list[Problem]]:
    """Read a whole YAML file (brochure.yml); with `inside`, the file must really be inside that folder."""
    text, problems = _read_text(path, inside)
    if text is None:
        return None, problems
    data, lines, written, problems = _parse_yaml(path, text, first_line=1)
    if problems:
        return None, problems
    return Source(path, data if data is not None else {}, lines, text=text, written=written), []


def read_markdown(path: Path, front_matter_required: bool = True, inside: Path | None = None,
                  raw: bytes | None = None) -> tuple[Source | None, list[Problem]]:
    """Read a Markdown file with an optional YAML front-matter between `---` lines.

    `raw`: the file's bytes, already read (by `read_file`, with the same `inside`): they are parsed as they are."""
    text, problems = _read_text(path, inside, raw)
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
    data, lines, written, problems = _parse_yaml(path, "\n".join(all_lines[1:end]), first_line=2)
    if problems:
        return None, problems
    body = "\n".join(all_lines[end + 1:])
    return Source(path, data if data is not None else {}, lines, body, end + 2, text, written), []


def _read_text(path: Path, inside: Path | None, raw: bytes | None = None) -> tuple[str | None, list[Problem]]:
    if raw is None:
        raw, problem = read_file(path, inside)
        if raw is None:
            return None, [Problem(path, 1, "file", problem)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(path, line, "file", "is not UTF-8 text (save it as UTF-8)")]
    # Line and paragraph separators (U+2028, U+2029) come from word processors and mean a space to an editor;
    # YAML would read them as line breaks (and count its lines differently), the PDF as empty boxes.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", " ").replace("\u2029", " "), []


def read_file(path: Path, inside: Path | None = None, limit: int = MAX_FILE_BYTES) -> tuple[bytes | None, str]:
    """The bytes of a regular file of at most `limit` bytes, or None and what is wrong, for the editor.

    Never blocks (a named pipe, a device or a socket is refused before it is
    read). With `inside`, the file, once its links are followed, must be in
    that folder, and is then opened without following links again.
    """
    target, flags = path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if inside is not None:
        target, problem = real_path_inside(path, inside)
        if target is None:
            return None, problem
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        kind = _not_a_file(os.stat(target).st_mode)
        if kind:
            return None, f"is {kind}, not a file: only plain text files are read"
        descriptor = os.open(target, flags)
    except (OSError, ValueError) as error:
        return None, _os_problem(error)
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        if _not_a_file(status.st_mode):   # replaced between the two looks
            return None, f"is {_not_a_file(status.st_mode)}, not a file: only plain text files are read"
        try:
            raw = file.read(limit + 1) if status.st_size <= limit else b""
        except OSError as error:
            return None, _os_problem(error)
    if len(raw) > limit or status.st_size > limit:
        return None, (f"is {_megabytes(max(len(raw), status.st_size))}, more than brochure reads in one file "
                      f"({limit / 1_000_000:g} MB): is it really text? Split it, or move pictures into image files")
    return raw, ""


def real_path_inside(path: Path, inside: Path) -> tuple[Path | None, str]:
    """`path` with every link followed, if it stays inside the folder `inside`; else None and why."""
    try:
        real = path.resolve()
    except RuntimeError:   # Python 3.11 reports a loop of links this way
        return None, "is a symbolic link that leads back to itself: replace it with the file"
    except (OSError, ValueError) as error:
        return None, _os_problem(error)
    if not real.is_relative_to(inside.resolve()):
        return None, ("leads outside the edition folder: only files inside it are read "
                      "(copy the file into the edition instead of linking to it)")
    return real, ""


def _not_a_file(mode: int) -> str:
    """Empty for a regular file, else what the thing is, in an editor's words."""
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _os_problem(error: Exception) -> str:
    if isinstance(error, FileNotFoundError):
        return "does not exist"
    if isinstance(error, OSError) and error.errno == errno.ELOOP:
        return "is a symbolic link, replaced while it was being read: replace it with the file"
    if isinstance(error, ValueError):      # a NUL character in the name
        return "has an impossible character (U+0000) in its name: rename it"
    return f"cannot be read: {getattr(error, 'strerror', None) or error}"


def _megabytes(size: int) -> str:
    return f"{math.ceil(size / 100_000) / 10:.1f} MB"    # rounded up: never "1.0 MB, more than 1 MB"


def _parse_yaml(path: Path, text: str, first_line: int) -> tuple[Any, dict, dict, list[Problem]]:
    """YAML text -> (data, the line of every key, numbers as written, problems)."""
    problems = [Problem(path, first_line + offset, "text", message) for offset, message in control_characters(text)]
    if problems:
        return None, {}, {}, problems
    breaks = [index for index, char in enumerate(text) if char == "\n"]
    line_of = lambda mark: first_line + bisect.bisect_left(breaks, mark.index)  # noqa: E731  (YAML counts U+2028 too)
    try:
        node = compose(text)
        if node is None:
            return None, {(): first_line}, {}, []
        lines: dict = {}
        written: dict = {}
        duplicates: list[Problem] = []
        _collect_lines(node, (), line_of, lines, written, duplicates, path)
        data = construct(node)
        problems = [Problem(path, lines.get(keys, first_line), dotted(keys), f"contains {character_name(char)}, "
                            "written as an escape in quotes: remove it") for keys, char in escaped_controls(data)]
    except Refused as error:
        return None, {}, {}, [Problem(path, line_of(error.mark), "yaml", error.message)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = (error.problem or "invalid YAML").strip()
        if error.context:
            message = f"{error.context.strip()}, {message}"
        hint = _colon_hint(text, mark) if "mapping values are not allowed" in message and mark else None
        return None, {}, {}, [Problem(path, line_of(mark) if mark else first_line, hint[0] if hint else "yaml",
                                      hint[1] if hint else f"{message} (check indentation, quotes and colons)")]
    except yaml.YAMLError as error:
        return None, {}, {}, [Problem(path, first_line, "yaml", str(error).splitlines()[0])]
    return data, lines, written, duplicates + problems


def _colon_hint(text: str, mark) -> tuple[str, str] | None:
    """(key, message) when a value holds « : », which YAML reads as a second key: the value wants quotes."""
    line = text[: mark.index].rpartition("\n")[2] + text[mark.index:].partition("\n")[0]
    match = re.match(r"^\s*(?:-\s+)?([\w-]+):\s+(.+?)\s*$", line)
    if match is None or match.group(2)[0] in "\"'|>[{:" or ":" not in match.group(2):
        return None
    value = match.group(2).replace("\\", "\\\\").replace('"', '\\"')
    return match.group(1), (f"the value holds « : », which YAML reads as a new key: put the whole value in double "
                            f'quotes: {match.group(1)}: "{value}"')


def _collect_lines(node, keys: Keys, line_of, lines: dict, written: dict, duplicates: list, path: Path) -> None:
    """Walk the node tree (a tree indeed: aliases are refused, and its depth is bounded)."""
    lines.setdefault(keys, line_of(node.start_mark))
    if isinstance(node, yaml.ScalarNode) and node.style is None and node.tag in WRITTEN_TAGS:
        written[keys] = node.value
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise Refused(key_node.start_mark, "a key must be a word followed by ':', not a list or a group")
            key = key_node.value
            if key in seen:
                duplicates.append(Problem(path, line_of(key_node.start_mark), dotted(keys + (key,)), "is given twice"))
            seen.add(key)
            lines[keys + (key,)] = line_of(key_node.start_mark)
            _collect_lines(value_node, keys + (key,), line_of, lines, written, duplicates, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, keys + (index,), line_of, lines, written, duplicates, path)


def dotted(keys: Keys) -> str:
    """("authors", 0, "email") -> "authors[1].email" (items counted from 1, as editors do)."""
    out = ""
    for key in keys:
        out += f"[{key + 1}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(file)"


