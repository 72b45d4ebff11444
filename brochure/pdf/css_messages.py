"""What WeasyPrint logs about a stylesheet -> Problems at the stylesheet's file and line, said for a designer.

WeasyPrint logs "Ignored `colr: red` at 3:15, unknown property." with no file
name. `captured()` catches these lines while brochure parses stylesheets (a
logging filter added and removed around the call, catching only the calling
thread's records: nothing global stays behind) together with the stylesheet
being parsed when each was logged; `problems()` turns them into
`styles/default/card.css:3: css: unknown property 'colr' (did you mean 'color'?)`.
"""
from __future__ import annotations

import difflib
import logging
import re
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from weasyprint.css.validation.expanders import EXPANDERS
from weasyprint.css.validation.properties import PROPERTIES

from ..problems import ERROR, WARNING, Problem

IGNORED = re.compile(r"^(?:Ignored|Deprecated) `(?P<name>[^:`]*):\s*(?P<value>[^`]*)` at (?P<line>\d+):\d+, "
                     r"(?P<reason>.*?)\.?$", re.S)
AT = re.compile(r"\s*at (\d+):\d+")
FAILED = re.compile(r"^Failed to load stylesheet at (?P<url>\S+)\s*:")
PARSERS = ("preprocess_stylesheet", "preprocess_declarations")   # WeasyPrint's functions that know the sheet's URL


@dataclass(frozen=True)
class Logged:
    """One line WeasyPrint logged, and the URL of the stylesheet it was parsing (None if none)."""

    stylesheet: str | None
    message: str


class _Catcher(logging.Filter):
    """Keeps (and stops) the warnings and errors logged by one thread; lets everything else through."""

    def __init__(self):
        super().__init__()
        self.thread = threading.get_ident()
        self.logged: list[Logged] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread != self.thread or record.levelno < logging.WARNING:
            return True
        self.logged.append(Logged(_stylesheet_url(), record.getMessage()))
        return False


@contextmanager
def captured():
    """Within the block, WeasyPrint's warnings from this thread are kept in the list yielded, not logged."""
    catcher, logger = _Catcher(), logging.getLogger("weasyprint")
    logger.addFilter(catcher)
    try:
        yield catcher.logged
    finally:
        logger.removeFilter(catcher)


def _stylesheet_url() -> str | None:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name in PARSERS and isinstance(frame.f_locals.get("base_url"), str):
            return frame.f_locals["base_url"]
        frame = frame.f_back
    return None


def problems(logged: list[Logged], fallback: Path) -> list[Problem]:
    """Each logged line as a Problem at its stylesheet (`fallback` when WeasyPrint did not say which)."""
    return list(dict.fromkeys(_problem(item, fallback) for item in logged))


def _problem(item: Logged, fallback: Path) -> Problem:
    path = file_of(item.stylesheet) or fallback
    failed = FAILED.match(item.message)
    if failed:
        hint = re.search(r" \(nearest: [^)]*\)", item.message)
        return missing_problem(path, failed.group("url"), hint.group(0) if hint else nearest(failed.group("url")))
    ignored = IGNORED.match(item.message)
    if ignored:
        return Problem(path, int(ignored.group("line")), "css", _ignored(ignored), WARNING)
    at = AT.search(item.message)
    line = int(at.group(1)) if at else 1
    return Problem(path, line, "css", " ".join(AT.sub("", item.message).split()).rstrip("."), WARNING)


def _ignored(match: re.Match) -> str:
    name, value, reason = match.group("name").strip(), match.group("value").strip(), match.group("reason")
    if reason == "unknown property":
        known = sorted({*PROPERTIES, *EXPANDERS})
        hint = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        return f"unknown property '{name}'" + (f" (did you mean '{hint[0]}'?)" if hint else "") + ": ignored"
    if reason == "invalid value":
        return f"'{value}' is not a valid value for '{name}': ignored"
    return f"'{name}: {value}' ignored: {reason}"


def missing_problem(path: Path, url: str, hint: str) -> Problem:
    """An @import in `path` that leads nowhere: at the line naming it, with the nearest file names (`hint`)."""
    wanted = url_name(url)
    line = line_naming(path, wanted) or 1
    return Problem(path, line, "css", f"@import '{wanted}' not found{hint}", ERROR)


def url_name(url: str) -> str:
    """What the designer wrote, as near as can be: `theme:x/y.css` as is, a file by its name."""
    return url if url.startswith("theme:") else Path(unquote(urlparse(url).path)).name


def nearest(url: str, folder: Path | None = None) -> str:
    """" (nearest: card.css, base.css)" for the files beside the one asked for; "" if none is close."""
    if folder is None and url.startswith("file:"):
        folder = Path(unquote(urlparse(url).path)).parent
    if folder is None or not folder.is_dir():
        return ""
    names = sorted(path.name for path in folder.iterdir() if path.is_file() and not path.name.startswith("."))
    close = difflib.get_close_matches(url_name(url).rpartition("/")[2], names, n=3, cutoff=0.5)
    return f" (nearest: {', '.join(close)})" if close else ""


def file_of(url: str | None) -> Path | None:
    if not url or not url.startswith("file:"):
        return None
    return Path(unquote(urlparse(url).path))


def line_naming(path: Path, text: str) -> int | None:
    """The first line of `path` holding `text`, or None."""
    return next((number for number, line in enumerate(_lines(path), start=1) if text and text in line), None)


def layout_problems(logged: list[Logged], stylesheets: tuple[Path, ...]) -> list[Problem]:
    """Warnings logged while laying out (a value from a custom property that does not fit where it is used).

    WeasyPrint gives the line where the `var()` is used but no file: the stylesheet is the one whose line
    holds that property and a `var()`; the custom property is named with the line where it is set.
    A file that cannot be fetched is left out: the fetcher reports it."""
    found = []
    for item in logged:
        ignored = IGNORED.match(item.message)
        if item.message.startswith("Failed to load") or ignored is None:
            continue
        name, value, line = ignored.group("name").strip(), ignored.group("value").strip(), int(ignored.group("line"))
        used = next(((sheet, text) for sheet in stylesheets if (text := _line(sheet, line)) and name in text
                     and "var(" in text), None)
        if used is None:
            continue
        custom = re.search(r"var\(\s*(--[\w-]+)", used[1])
        set_at = _set_at(custom.group(1), stylesheets) if custom else None
        origin = f" (from {custom.group(1)}" + (f", set at {set_at})" if set_at else ", set nowhere)") if custom else ""
        found.append(Problem(used[0], line, "css", f"'{value}' is not a valid value for '{name}'{origin}: ignored",
                             WARNING))
    return found


def _line(path: Path, number: int) -> str | None:
    lines = _lines(path)
    return lines[number - 1] if 0 < number <= len(lines) else None


def _set_at(custom: str, stylesheets: tuple[Path, ...]) -> str | None:
    """"styles/x.css:4" for the last stylesheet line setting the custom property (the one the cascade keeps)."""
    pattern = re.compile(re.escape(custom) + r"\s*:")
    places = [(sheet, line) for sheet in stylesheets
              for line, text in enumerate(_lines(sheet), start=1) if pattern.search(text)]
    if not places:
        return None
    sheet, line = places[-1]
    return f"{_relative(sheet)}:{line}"


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _relative(path: Path) -> str:
    parts = path.parts
    for anchor in ("styles", "assets"):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[index:])
    return path.name
