"""The book's units + the theme's sides + each unit's length -> the pagination plan.

The plan says which unit starts on which page, where a blank page goes so
that a unit starts on the side the theme asks for, and fills the sommaire
with the first page of every card (a second pass, which must not change the
sommaire's length). It lays nothing out itself: `length(unit, start)` is
asked of the caller, which may answer from a cache. Units are known by their
role (`Unit.kind`), never by their name.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Mapping

from ..problems import BrochureError
from .unit import Unit

Length = Callable[[Unit, int], int]     # (unit, first page) -> number of pages once laid out


@dataclass(frozen=True)
class Slot:
    """One unit at its place in the book."""

    unit: Unit
    start: int          # the book's page number of the unit's first page
    pages: int

    @property
    def end(self) -> int:
        return self.start + self.pages - 1


@dataclass(frozen=True)
class Plan:
    slots: tuple[Slot, ...]

    @property
    def pages(self) -> int:
        return sum(slot.pages for slot in self.slots)

    def first_pages(self) -> dict[str, int]:
        """Unit name -> its first page (blank pages left out)."""
        return {slot.unit.name: slot.start for slot in self.slots if slot.unit.kind != "blank"}

    def card_pages(self) -> dict[str, int]:
        """Card unit name -> the page its card starts on (what the sommaire prints)."""
        return {slot.unit.name: slot.start for slot in self.slots if slot.unit.kind == "card"}


def paginate(units: list[Unit], start_on: Mapping[str, str], length: Length, blank: Unit | None = None,
             start_page: int = 1) -> Plan:
    """Place every unit in order; a unit the theme wants on a left (or right) page gets a blank before it."""
    slots, page = [], start_page
    for unit in units:
        side = start_on.get(unit.kind, "any")
        if blank is not None and (side == "left" and page % 2 or side == "right" and not page % 2):
            filler = replace(blank, name=f"blank-{page}")
            slots.append(Slot(filler, page, length(filler, page)))
            page += slots[-1].pages
        slots.append(Slot(unit, page, length(unit, page)))
        page += slots[-1].pages
    return Plan(tuple(slots))


def fill_sommaire(plan: Plan, sommaire_with: Callable[[dict[str, int]], Unit], length: Length) -> Plan:
    """The plan with its sommaire made again from the real page of every card (same length, or an error)."""
    index = next((i for i, slot in enumerate(plan.slots) if slot.unit.kind == "sommaire"), None)
    if index is None:
        return plan
    old = plan.slots[index]
    unit = sommaire_with(plan.card_pages())
    pages = length(unit, old.start)
    if pages != old.pages:
        raise BrochureError("the sommaire changed length once its page numbers were filled in; "
                            "give its page numbers a fixed width in the theme")
    slots = list(plan.slots)
    slots[index] = Slot(unit, old.start, pages)
    return Plan(tuple(slots))
