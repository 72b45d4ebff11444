"""Parsed YAML data + the rules of a record -> checked values, and a problem for every breach.

A `Checker` walks one Source; every problem it finds is kept (never raised),
so that a single `brochure check` lists them all.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable

from ..problems import ERROR, WARNING, Problem
from .sources import Source, dotted


@dataclass
class Checker:
    """Checks the data of one Source and collects its problems."""

    source: Source
    problems: list = field(default_factory=list)

    def error(self, keys: tuple, message: str) -> None:
        self._add(keys, message, ERROR)

    def warn(self, keys: tuple, message: str) -> None:
        self._add(keys, message, WARNING)

    def _add(self, keys: tuple, message: str, severity: str) -> None:
        self.problems.append(Problem(self.source.path, self.source.line(*keys), dotted(keys), message, severity))

    def record(self, value: Any, keys: tuple, required: set[str], optional: set[str]) -> dict | None:
        """A mapping with exactly these keys: unknown keys and missing required ones are errors."""
        if not isinstance(value, dict):
            what = "a list of key: value entries" if not keys else "a group of key: value entries"
            self.error(keys, f"must be {what}, not {_kind(value)}")
            return None
        known = required | optional
        for key in value:
            if not isinstance(key, str) or key not in known:
                hint = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
                message = f"unknown key '{key}'"
                message += f" (did you mean '{hint[0]}'?)" if hint else f" (known keys: {', '.join(sorted(known))})"
                self.problems.append(Problem(self.source.path, self.source.line(*keys, key),
                                             dotted(keys + (str(key),)), message))
        for key in sorted(required - set(value)):
            self.error(keys + (key,), "is required but missing")
        return value

    def text(self, data: dict, key: str, keys: tuple, required: bool = False, default: str | None = None) -> str | None:
        """A non-empty piece of text; numbers are accepted and turned into text."""
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):   # a number or a date: as the editor wrote it ("1.50", not 1.5)
            value = self.source.written.get(keys + (key,), value)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(keys + (key,), f"must be text, not {_kind(value)}")
            return default
        value = str(value).strip()
        if not value:
            if required:
                self.error(keys + (key,), "must not be empty")
            return default
        return value

    def choice(self, data: dict, key: str, keys: tuple, choices: tuple, default: str | None = None) -> str | None:
        value = self.text(data, key, keys)
        if value is None:
            return default
        if value not in choices:
            hint = difflib.get_close_matches(value, choices, n=1)
            self.error(keys + (key,), f"'{value}' is not one of: {', '.join(choices)}"
                       + (f" (did you mean '{hint[0]}'?)" if hint else ""))
            return default
        return value

    def items(self, data: dict, key: str, keys: tuple, required: bool = False) -> list:
        """A list (possibly empty); each item is checked by the caller."""
        value = data.get(key)
        if value is None:
            if required and key in data:
                self.error(keys + (key,), "must list at least one entry")
            return []
        if not isinstance(value, list):
            self.error(keys + (key,), f"must be a list (each entry on its own line starting with '- '), not {_kind(value)}")
            return []
        if required and not value:
            self.error(keys + (key,), "must list at least one entry")
        return value

    def each(self, data: dict, key: str, keys: tuple, build: Callable, required: bool = False,
             limit: int | None = None, noun: str = "entries") -> tuple:
        """Build every item of a list with `build(item, item_keys)`, keeping the good ones; at most `limit`."""
        items = self.items(data, key, keys, required)
        if limit is not None and len(items) > limit:
            self.error(keys + (key,), f"lists {len(items)} {noun}, more than brochure lays out ({limit}): "
                                      f"keep at most {limit}")
            items = items[:limit]
        built = (build(item, keys + (key, index)) for index, item in enumerate(items))
        return tuple(item for item in built if item is not None)


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    return {dict: "a group of keys", list: "a list", str: "text", bool: "true/false",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)
