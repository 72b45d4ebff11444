"""The checked Edition -> the records the web templates read: plain strings and relative URLs, in reading order.

Every page of the site (and chapter of the EPUB) is a `PageView`: what it is,
its file name, its title, the previous and next pages. Cards, sections and
authors are given to templates as small records of their own, never as Path
objects: where a picture or a page lives is decided here, per format. What
the reader reads (labels, headings) is the templates' business, not this module's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..book.units import figure_groups, initials
from ..edition.models import Card, Edition, KeyFigure, Section, Testimonial, Tutor
from .pictures import Picture

HOME, PROMOTIONS, BACK_PAGE = "index", "promotions", "quatrieme-de-couverture"


@dataclass(frozen=True)
class Link:
    url: str
    title: str


@dataclass(frozen=True)
class SectionView:
    id: str
    title: str
    colour: str          # the designer's colour, for bands and borders
    text_colour: str     # the same hue, dark enough for text on white (WCAG AA, 4.5:1)
    url: str


@dataclass(frozen=True)
class AuthorView:
    name: str
    email: str           # "" when declared missing
    corps: str           # administrateur | conservateur | ingenieur | "": the template says it in words
    initials: str
    photo: Picture | None


@dataclass(frozen=True)
class CardView:
    id: str
    number: str          # "07"
    title: str
    collectivity: str
    section: SectionView
    url: str
    authors: tuple[AuthorView, ...]
    tutors: tuple[Tutor, ...]
    figure_groups: tuple[tuple[str | None, tuple[KeyFigure, ...]], ...]
    testimonials: tuple[Testimonial, ...]
    further_reading: tuple[str, ...]
    body: str            # the editor's Markdown: pages.py turns it into HTML with the card's pictures


@dataclass(frozen=True)
class PageView:
    kind: str            # home, section, card, promotions, back-page
    name: str            # the file name without its suffix: "carte-07"
    title: str
    url: str
    section: SectionView | None = None
    card: CardView | None = None
    previous: Link | None = None
    next: Link | None = None


@dataclass(frozen=True)
class EditionView:
    """The whole edition as the templates see it."""

    title: str
    subtitle: str
    years: str
    publisher: str
    date_label: str
    language: str
    sections: tuple[tuple[SectionView, tuple[CardView, ...]], ...]   # sections with cards, in order
    pages: tuple[PageView, ...]                                       # reading order


def edition_view(edition: Edition, suffix: str, photo: Callable) -> EditionView:
    """The edition's records; page URLs end in `suffix` (".html", ".xhtml"); `photo(path)` publishes a portrait."""
    config = edition.config
    sections = []
    for section in config.sections:
        cards = edition.cards_of(section)
        if cards:
            shown = section_view(section, suffix)
            sections.append((shown, tuple(card_view(card, shown, suffix, photo) for card in cards)))
    pages = [PageView("home", HOME, config.title, HOME + suffix)]
    for section, cards in sections:
        pages.append(PageView("section", f"section-{section.id}", section.title, section.url, section))
        pages += [PageView("card", f"carte-{card.id}", card.title, card.url, section, card) for card in cards]
    if any(promotion.members for promotion in config.promotions):
        pages.append(PageView("promotions", PROMOTIONS, "Promotions", PROMOTIONS + suffix))
    if edition.back_page:
        pages.append(PageView("back-page", BACK_PAGE, edition.back_page.title or "Quatrième de couverture",
                              BACK_PAGE + suffix))
    linked = tuple(_linked(pages, index) for index in range(len(pages)))
    return EditionView(config.title, config.subtitle, config.years, config.publisher, config.date_label,
                       config.language, tuple(sections), linked)


def _linked(pages: list[PageView], index: int) -> PageView:
    from dataclasses import replace
    before = pages[index - 1] if index > 0 else None
    after = pages[index + 1] if index + 1 < len(pages) else None
    return replace(pages[index], previous=before and Link(before.url, before.title),
                   next=after and Link(after.url, after.title))


def section_view(section: Section, suffix: str) -> SectionView:
    return SectionView(section.id, section.title, section.colour.rgb, readable_on_white(section.colour.rgb),
                       f"section-{section.id}{suffix}")


def card_view(card: Card, section: SectionView, suffix: str, photo: Callable) -> CardView:
    authors = tuple(AuthorView(author.name, author.email or "", author.corps or "", initials(author.name),
                               photo(author.photo) if author.photo else None)
                    for author in card.authors)
    groups = tuple((group, tuple(figures)) for group, figures in figure_groups(card))
    return CardView(card.id, card.id, card.title, card.collectivity, section, f"carte-{card.id}{suffix}", authors,
                    card.tutors, groups, card.testimonials,
                    card.further_reading, card.body)


def readable_on_white(rgb: str, ratio: float = 4.5) -> str:
    """The colour, darkened just enough for small text on white to reach `ratio` (WCAG 2 contrast)."""
    channels = [int(rgb[i:i + 2], 16) for i in (1, 3, 5)]
    for _ in range(100):
        if 1.05 / (_luminance(channels) + 0.05) >= ratio:
            break
        channels = [int(c * 0.95) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in channels)


def _luminance(channels: list[int]) -> float:
    linear = [(c / 255 / 12.92) if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
