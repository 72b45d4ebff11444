"""The edition as validated, frozen data: what every stage after `content` works from.

Text fields hold the editor's Markdown as written; turning it into HTML is
the `markup` stage's job.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..text.markup import ParsedMarkdown


@dataclass(frozen=True)
class Colour:
    """A colour as the designer declared it: RGB for screen, optionally CMYK for print."""

    rgb: str                                  # "#e5533d"
    cmyk: tuple[float, float, float, float] | None = None  # percentages


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    colour: Colour


@dataclass(frozen=True)
class Credit:
    label: str
    value: str


@dataclass(frozen=True)
class Promotion:
    name: str
    corps: str
    members: tuple[str, ...]  # "NOM Prénom", sorted


@dataclass(frozen=True)
class Config:
    """brochure.yml, checked."""

    root: Path
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
    variant: str               # screen | print: what `brochure build` makes by default
    output: str
    colophon: tuple[Credit, ...]
    sections: tuple[Section, ...]
    cards_dir: Path
    editorial: Path | None
    back_page: Path | None
    promotions: tuple[Promotion, ...]
    formats: tuple[str, ...] = ("pdf",)   # what `brochure build` writes by default: pdf, html, epub
    extra_css: tuple[Path, ...] = ()   # stylesheets of the edition, applied after the theme's, in order


@dataclass(frozen=True)
class Author:
    name: str
    email: str | None          # None when declared missing (`email: missing`)
    corps: str | None          # administrateur | conservateur | ingenieur
    photo: Path | None         # resolved, inside the edition; None without one (initials are drawn)


@dataclass(frozen=True)
class Tutor:
    name: str
    role: str
    gender: str                # "f" | "m"


@dataclass(frozen=True)
class KeyFigure:
    value: str | None          # None when declared missing
    caption: str
    prefix: str | None = None
    suffix: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Question:
    question: str
    answer: str


@dataclass(frozen=True)
class Testimonial:
    name: str
    role: str
    text: str | None
    questions: tuple[Question, ...] = ()


@dataclass(frozen=True)
class Card:
    """One project card: its front-matter, checked, and its Markdown body."""

    path: Path
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
    body_line: int
    parsed_body: ParsedMarkdown | None = None   # the body parsed once: its HTML, images, notes (None: not yet)

    @property
    def id(self) -> str:
        """The card's short name, used in anchors and file names: "01"."""
        return f"{self.number:02d}"


@dataclass(frozen=True)
class Signature:
    name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    """A free page of the book (editorial, back page): a title, a signature, a body."""

    path: Path
    title: str | None
    body: str
    signature: Signature | None = None


@dataclass(frozen=True)
class Broken:
    """A file of the edition set aside for its errors (a draft build prints a problem page in its place)."""

    path: Path
    problems: tuple            # its Problems, sorted
    section: Section | None = None   # where a broken card goes, when its front-matter says
    number: int = 0
    title: str = ""


@dataclass(frozen=True)
class Edition:
    """Everything the book is made of, checked and in reading order."""

    config: Config
    cards: tuple[Card, ...]
    editorial: Page | None
    back_page: Page | None
    broken: tuple[Broken, ...] = ()   # only in a partial (draft) reading: what is left out, and why

    def cards_of(self, section: Section) -> tuple[Card, ...]:
        return tuple(card for card in self.cards if card.section.id == section.id)
