"""A unit: one separately laid-out part of the book, as its HTML (made by units.py, laid out by the workers).

Its own module, light on purpose: the layout workers take units without
importing Jinja2 or Markdown, which make them (book/units.py).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from ..edition.models import Card, Section
from ..text.marked import count_marked


@dataclass(frozen=True)
class Unit:
    """One separately laid-out part of the book."""

    kind: str                  # cover, editorial, sommaire, divider, card, promotions, back-page, blank, problem
    name: str                  # unique in the book: "card-01", "divider-gerer-differemment"
    title: str                 # what the reader calls it
    html: str
    section: Section | None = None
    card: Card | None = None
    fallback: str | None = None   # another layout, for when the first one drops marked content

    @functools.cached_property
    def kept(self) -> int:
        """How many elements the layout must show: those the templates mark with a `data-keep` attribute
        (counted once per unit: the HTML is parsed for it)."""
        return count_marked(self.html, "data-keep")
