"""The checked Edition -> what templates see: frozen records of plain values (text, numbers, URIs), no paths.

A template is data written by a designer, not code: it gets no `pathlib.Path`
(nor anything else whose methods read or write files). A file the book shows
is already a URI string (`author.photo_url`); the folder a Markdown text's
images are relative to is a folder name inside the edition (`card.folder`),
which the `md` filter resolves and checks itself. Records without paths
(section, key figure, testimonial, ...) are passed as they are.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..edition import models
from ..text.markup import ParsedMarkdown
from ..edition.models import Credit, KeyFigure, Promotion, Section, Signature, Testimonial, Tutor


@dataclass(frozen=True)
class Config:
    """brochure.yml as templates see it: no file or folder of the edition."""

    title: str
    subtitle: str
    years: str
    publisher: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    date: dt.date
    date_label: str
    language: str
    page_size: str
    theme: str
    variant: str
    output: str
    colophon: tuple[Credit, ...]
    sections: tuple[Section, ...]
    promotions: tuple[Promotion, ...]


@dataclass(frozen=True)
class Author:
    name: str
    email: str
    corps: str | None
    photo_url: str | None      # file: URI of the photo, inside the edition


@dataclass(frozen=True)
class Card:
    id: str                    # "01"
    number: int
    section: Section
    collectivity: str
    title: str
    authors: tuple[Author, ...]
    tutors: tuple[Tutor, ...]
    key_figures: tuple[KeyFigure, ...]
    testimonials: tuple[Testimonial, ...]
    further_reading: tuple[str, ...]
    body: str
    folder: str                # the card's folder inside the edition ("data/cards"), for `md`
    parsed_body: ParsedMarkdown | None = None   # the body as `check` parsed it: `md` prints its HTML


@dataclass(frozen=True)
class Page:
    """The editorial or the back page."""

    title: str | None
    body: str
    signature: Signature | None
    folder: str


@dataclass(frozen=True)
class Edition:
    config: Config
    cards: tuple[Card, ...]
    editorial: Page | None
    back_page: Page | None

    def cards_of(self, section: Section) -> tuple[Card, ...]:
        return tuple(card for card in self.cards if card.section.id == section.id)


def edition_view(edition: models.Edition) -> Edition:
    root = edition.config.root
    return Edition(config_view(edition.config), tuple(card_view(card, root) for card in edition.cards),
                   page_view(edition.editorial, root), page_view(edition.back_page, root))


def config_view(config: models.Config) -> Config:
    return Config(config.title, config.subtitle, config.years, config.publisher, config.author, config.subject,
                  config.keywords, config.date, config.date_label, config.language, config.page_size, config.theme,
                  config.variant, config.output, config.colophon, config.sections, config.promotions)


def card_view(card: models.Card, root: Path) -> Card:
    return Card(card.id, card.number, card.section, card.collectivity, card.title,
                tuple(author_view(author) for author in card.authors), card.tutors, card.key_figures,
                card.testimonials, card.further_reading, card.body, folder_of(card.path, root), card.parsed_body)


def author_view(author: models.Author) -> Author:
    return Author(author.name, author.email, author.corps, author.photo.as_uri() if author.photo else None)


def page_view(page: models.Page | None, root: Path) -> Page | None:
    if page is None:
        return None
    return Page(page.title, page.body, page.signature, folder_of(page.path, root))


def folder_of(path: Path, root: Path) -> str:
    """The folder holding `path`, relative to the edition folder ("." for the edition folder itself)."""
    for folder, base in ((path.parent, root), (path.resolve().parent, root.resolve())):
        if folder.is_relative_to(base):
            return folder.relative_to(base).as_posix()
    return "."   # never happens for a checked edition; the `md` filter refuses folders outside anyway
