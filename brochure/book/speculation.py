"""The book's units + a way to write each at a first page -> the pagination plan, units written in parallel.

The sequential part of a book (a unit's first page depends on the length of
every unit before it) is laid out ahead and placed when known: see
`Speculation`.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..pdf.cache import UnitCache
from ..pdf.spec import RendererSpec
from ..pdf.workers import Done, UnitPdf, Writers
from ..problems import BrochureError
from .plan import Plan, fill_sommaire, paginate
from .unit import Unit

log = logging.getLogger(__name__)
LOOK_AHEAD = 3          # units laid out ahead are chosen among the next 3 per worker, the longest first


@dataclass
class Held:
    """A unit laid out ahead in a worker, from a first page that was a guess, waiting to be placed."""

    key: str                      # the key it was laid out under
    start: int                    # the first page it was laid out from
    pages: int
    moves: tuple[bool, bool]      # whether it may be moved by an even, by an odd number of pages
    placing: int | None = None    # the first page it is being written from


class Speculation:
    """The plan of a book whose units are laid out in parallel, before the units ahead of them are known.

    The plan is made again after every unit laid out, with the lengths known (written in this build,
    found in memory or in the cache, or laid out and held) and, for the others, a guess (the unit's length
    in the last build, else its text at the pages-per-character of the units already laid out). Units
    are asked for in the order of the book: one whose first page is known (every unit before it is) is
    laid out there and written; one further on is laid out ahead from its guessed first page and held by
    its worker, which writes it once its first page is known, moved there without a new layout when
    relocate.py allows (else laid out again there). A unit's length does not depend on where it starts
    when it can be moved, so a unit laid out ahead gives its true length to the units after it.
    """

    def __init__(self, key: Callable[[Unit, int], str], digest: Callable[[Path], str], spec: RendererSpec,
                 cache: UnitCache | None, known: dict[str, UnitPdf] | None = None,
                 guesses: dict[str, int] | None = None, holding: set[str] = frozenset()):
        """`known`: units already written (by key), checked by the caller; `guesses`: unit name -> length;
        `holding`: the identities (keys at page 0) of units the caller already sent to be laid out and held."""
        self._unit_key, self.digest, self.spec, self.cache = key, digest, spec, cache
        self._keys: dict[tuple[int, int], tuple[Unit, str]] = {}   # (unit, first page) -> (unit kept alive, key)
        self.known: dict[str, UnitPdf] = dict(known or {})
        self.guesses = dict(guesses or (cache.lengths(spec.variant.name) if cache is not None else {}))
        self.laid_out = self.from_cache = 0
        self.used: set[str] = set()           # the keys the last plan was made from (the sommaire's first pass too)
        self.held: dict[str, Held] = {}       # unit identity (its key at page 0) -> its layout held in a worker
        self.holding: set[str] = set(holding)  # unit identities being laid out ahead
        self._rate: dict[str, tuple[int, int]] = {}      # unit kind -> (characters, pages) laid out so far
        self._characters: dict[str, int] = {}             # unit identity -> its characters (see _characters)
        self._exact = True                    # every length asked so far in this round is known
        self._exact_slots = 0                 # how many slots of this round's plan, from the first, are exact

    def plan(self, units: list[Unit], sommaire_with, blank: Unit, writers: Writers, progress) -> Plan:
        while True:
            wanted: dict[str, tuple[Unit, int, bool]] = {}
            places: dict[str, tuple[Unit, int]] = {}
            self.used = set()
            length = self._length(wanted, places, writers)
            try:
                plan = paginate(units, self.spec.theme.start_on, length, blank)
                if _cards_placed(plan, self._exact_slots):   # the sommaire's page numbers are known
                    exact, self._exact = self._exact, True      # and so is its own first page
                    plan = fill_sommaire(plan, sommaire_with, length)
                    self._exact = exact and self._exact
            except BrochureError:
                if not wanted and not places:
                    raise
            for key in writers.asked - set(wanted):
                writers.withdraw(key)
            for identity, (unit, start) in places.items():
                if self.held[identity].placing is None:
                    self.held[identity].placing = start
                    writers.place(self.held[identity].key, unit, start)
            if not wanted and not places and self._exact:
                for identity, held in list(self.held.items()):   # laid out ahead, then found elsewhere
                    if held.placing is None:
                        writers.drop(held.key)
                        del self.held[identity]
                if progress is not None and self.laid_out:
                    progress(len(units) + 1, len(units) + 1)
                return plan
            for key, (unit, start, final) in self._next(wanted, writers):
                if final or not writers.holds:
                    writers.write(key, unit, start)
                else:          # laid out from a right-hand page, as every unit is (Renderer.render)
                    right = start if start % 2 else start - 1
                    self.holding.add(self.key(unit, 0))
                    writers.hold(self.key(unit, right), unit, right)
            for done in writers.done():
                self._record(done)
                if progress is not None:   # a unit laid out again at another page counts once more
                    total = len(units) + 1
                    progress(min(self.laid_out + self.from_cache, total - 1), total)

    def key(self, unit: Unit, start: int) -> str:
        """The unit's key at a first page (the caller's), computed once per unit and page: the plan is made
        again after every unit laid out. The unit is kept with its key, so that its id is not reused."""
        found = self._keys.get((id(unit), start))
        if found is None:
            found = self._keys[id(unit), start] = (unit, self._unit_key(unit, start))
        return found[1]

    def _next(self, wanted: dict, writers: Writers) -> list[tuple[str, tuple[Unit, int, bool]]]:
        """What the free workers lay out now: the first unit not known (its first page is), then the longest
        of the next few (the longest first keep both cores busy to the end; only a few ahead, so that the
        units held waiting for their first page stay few). Units are taken in the book's order: the sommaire
        with its true page numbers, asked for once every card's first page is known, comes before the units
        still ahead (it was laid out last, alone, while the other worker had nothing left)."""
        free = max(0, writers.jobs - writers.laying)
        waiting = sorted(((key, asked) for key, asked in wanted.items() if key not in writers.asked),
                         key=lambda item: item[1][1])     # in the book's order: the sommaire's last pass first
        if not free or not waiting or not writers.holds:
            return waiting[:free]
        ahead = sorted(waiting[1:LOOK_AHEAD * writers.jobs], key=lambda item: -self.characters(item[1][0]))
        return [waiting[0], *ahead][:free]

    def characters(self, unit: Unit) -> int:
        """The unit's text length, counted once (the plan is made again after every unit laid out, and asks
        the length of every unit not known yet: counting each time was most of this process's work)."""
        identity = self.key(unit, 0)
        if identity not in self._characters:
            self._characters[identity] = _characters(unit)
        return self._characters[identity]

    def _record(self, done: Done) -> None:
        unit = done.unit
        identity = self.key(unit, 0)
        self.guesses[unit.name] = done.pages
        if done.laid_out:
            characters, pages = self._rate.get(unit.kind, (0, 0))
            self._rate[unit.kind] = (characters + self.characters(unit), pages + done.pages)
            self.laid_out += 1
        if done.pdf is None:
            self.holding.discard(identity)
            self.held[identity] = Held(done.key, done.start, done.pages, done.moves)
            log.info("%s at p. %d: laid out ahead, %d page(s)", unit.name, done.start, done.pages)
            return
        key = self.key(unit, done.start)
        self.known[key] = done.pdf
        if self.held.pop(identity, None) is not None:
            log.info("%s at p. %d: %s, %d page(s)", unit.name, done.start,
                     "laid out again" if done.laid_out else "moved there", done.pages)
        else:
            log.info("%s at p. %d: laid out, %d page(s)", unit.name, done.start, done.pages)
        if self.cache is not None:
            self.cache.put(key, done.pdf, self.digest)

    def _guess(self, unit: Unit) -> int:
        if unit.name in self.guesses:
            return self.guesses[unit.name]
        characters, pages = self._rate.get(unit.kind, (0, 0))
        return max(1, round(self.characters(unit) * pages / characters)) if characters else 1

    def _length(self, wanted: dict, places: dict, writers: Writers):
        """Each unit's length at a first page, as known now; what to lay out (`wanted`) and place (`places`).

        The lengths are asked in the order of the book: while every answer is known, the first page asked
        is the unit's true one (a unit is laid out there and written, or placed there).
        """
        self._exact, self._exact_slots = True, 0

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
                self._exact_slots += self._exact
                return self.known[key].pages
            identity = self.key(unit, 0)
            held = self.held.get(identity)
            if held is not None and held.placing in (None, start) and held.moves[(start - held.start) % 2]:
                if self._exact:
                    places[identity] = (unit, start)
                    self._exact_slots += 1
                return held.pages
            if held is not None and held.placing is None:      # it cannot be moved there: lay it out again
                writers.drop(held.key)
                del self.held[identity]
            if identity not in self.holding:
                wanted.setdefault(key, (unit, start, self._exact))
            self._exact = False
            return self._guess(unit)
        return length


def _cards_placed(plan: Plan, exact_slots: int) -> bool:
    """Whether every card's first page is known: every slot before the last card's has its true length.

    The sommaire prints only the cards' first pages, so its final version is laid out as soon as they are
    known, while the last cards and the units after them are still being laid out.
    """
    last = max((index for index, slot in enumerate(plan.slots) if slot.unit.kind == "card"), default=0)
    return exact_slots >= last


def _characters(unit: Unit) -> int:
    """How much text a unit holds: its HTML without tags (a rough measure, for guessing its length)."""
    return len(re.sub(r"<[^>]*>|\s+", "", unit.html))
