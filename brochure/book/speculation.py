"""The book's units + a way to write each at a first page -> the pagination plan, units written in parallel.

The sequential part of a book (a unit's first page depends on the length of
every unit before it) is guessed ahead, then checked: see `Speculation`.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Callable

from ..pdf.cache import UnitCache
from ..pdf.render import Renderer
from ..pdf.workers import UnitPdf, Writers
from ..problems import BrochureError
from .plan import Plan, fill_sommaire, paginate
from .units import Unit

log = logging.getLogger(__name__)


class Speculation:
    """The plan of a book whose units are laid out in parallel, each placed before the units ahead are known.

    The plan is made again after every unit laid out, with the lengths known (from this build, from the
    cache) and, for the others, a guess (the unit's length in the last build, else its text at the
    pages-per-character of the units already laid out). Units are asked for in the order of the book;
    one asked at a first page the plan no longer gives is taken back if not yet started. A unit's length
    depends on the side its first page is on, not its number: a guess once corrected stays right.
    """

    def __init__(self, key: Callable[[Unit, int], str], digest: Callable[[Path], str], renderer: Renderer,
                 cache: UnitCache | None, known: dict[str, UnitPdf] | None = None,
                 guesses: dict[str, int] | None = None):
        """`known`: units already written (by key), checked by the caller; `guesses`: unit name -> length."""
        self.key, self.digest, self.renderer, self.cache = key, digest, renderer, cache
        self.known: dict[str, UnitPdf] = dict(known or {})
        self.guesses = dict(guesses or (cache.lengths(renderer.variant.name) if cache is not None else {}))
        self.laid_out = self.from_cache = 0
        self.used: set[str] = set()           # the keys the last plan was made from (the sommaire's first pass too)
        self._rate: dict[str, tuple[int, int]] = {}      # unit kind -> (characters, pages) laid out so far

    def plan(self, units: list[Unit], sommaire_with, blank: Unit, writers: Writers, progress) -> Plan:
        while True:
            wanted: dict[str, tuple[Unit, int]] = {}
            self.used = set()
            try:
                plan = paginate(units, self.renderer.theme.start_on, self._length(wanted), blank)
                plan = fill_sommaire(plan, sommaire_with, self._length(wanted))
            except BrochureError:
                if not wanted:
                    raise
            for key in writers.asked - set(wanted):
                writers.withdraw(key)
            if not wanted:
                if progress is not None and self.laid_out:
                    progress(len(units) + 1, len(units) + 1)
                return plan
            for key, (unit, start) in list(wanted.items())[:writers.jobs]:   # the first ones: the best placed
                writers.ask(key, unit, start)
            for key, unit, start, written in writers.done():
                self._record(key, unit, start, written)
                if progress is not None:   # a unit laid out again at another page counts once more
                    total = len(units) + 1
                    progress(min(self.laid_out + self.from_cache, total - 1), total)

    def _record(self, key: str, unit: Unit, start: int, written: UnitPdf) -> None:
        self.known[key] = written
        self.guesses[unit.name] = written.pages
        characters, pages = self._rate.get(unit.kind, (0, 0))
        self._rate[unit.kind] = (characters + _characters(unit), pages + written.pages)
        self.laid_out += 1
        log.info("%s at p. %d: laid out, %d page(s)", unit.name, start, written.pages)
        if self.cache is not None:
            self.cache.put(key, written, self.digest)

    def _guess(self, unit: Unit) -> int:
        if unit.name in self.guesses:
            return self.guesses[unit.name]
        characters, pages = self._rate.get(unit.kind, (0, 0))
        return max(1, round(_characters(unit) * pages / characters)) if characters else 1

    def _length(self, wanted: dict):
        def length(unit: Unit, start: int) -> int:
            key = self.key(unit, start)
            self.used.add(key)
            if key not in self.known and self.cache is not None:
                found = self.cache.get(key, self.digest)
                if found is not None:
                    self.known[key] = found
                    self.from_cache += 1
                    log.info("%s at p. %d: from the cache", unit.name, start)
            if key in self.known:
                return self.known[key].pages
            wanted.setdefault(key, (unit, start))
            return self._guess(unit)
        return length


def _characters(unit: Unit) -> int:
    """How much text a unit holds: its HTML without tags (a rough measure, for guessing its length)."""
    return len(re.sub(r"<[^>]*>|\s+", "", unit.html))
