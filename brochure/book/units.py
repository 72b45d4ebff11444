"""The checked Edition + a Theme -> the book's units: one HTML document each, in reading order.

A unit is what WeasyPrint lays out on its own: the cover, the editorial, the
sommaire, a section divider, a card, the promotions, the back page. A card's
HTML does not depend on where it lands in the book (its first page number is
given to the PDF stage apart), so a card renders alone exactly as in the book.

Templates run in a sandbox (`sandbox.py`) and see the edition through its
views (`views.py`): plain values and URIs, never a path or a method that
touches the disk. A template that fails is a Problem at its file and line.
One sandbox per theme serves the whole process (`environment`), so each
template is compiled once, whoever renders it.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from itertools import groupby
from pathlib import Path
from typing import Callable

import jinja2
from jinja2.sandbox import SecurityError
from markupsafe import escape

from ..text.markup import footnotes, inline_html, markdown_html, plain
from ..edition.models import Broken, Card, Edition, Page, Section, Tutor
from ..problems import BrochureError, ContentError
from ..themes.theme import Theme
from .sandbox import render, sandbox, template_problem
from .unit import Unit  # noqa: F401 (re-exported: the units are made here)
from .views import edition_view, page_view

CORPS_LABELS = {"administrateur": "Administrateur territorial", "conservateur": "Conservateur de bibliothèques",
                "ingenieur": "Ingénieur en chef territorial"}


CONTEXT_NAMES = ("edition", "config", "unit_name", "unit_kind", "section", "card", "cards", "page", "pages",
                 "side_column_fits", "file", "problems", "number", "card_title")   # every variable a template may receive


# Environments already made in this process, by what they are made of (the theme, its folders, the edition's
# folder for `md`): each template is compiled once, by `check` and by every unit and refresh after it, and
# again when its file changes (`sandbox.CheckedLoader`). A few at most: a server switching themes, tests.
MAX_ENVIRONMENTS = 8
_ENVIRONMENTS: dict[tuple, jinja2.Environment] = {}
_ENVIRONMENTS_LOCK = threading.Lock()


def environment(theme: Theme) -> jinja2.Environment:
    """The sandbox the theme's templates run in, with brochure's filters and functions; one per theme in a process."""
    key = (theme.name, theme.chain, theme.template_dirs, theme.roots)
    with _ENVIRONMENTS_LOCK:
        env = _ENVIRONMENTS.pop(key, None) or _environment(theme)
        _ENVIRONMENTS[key] = env   # the most recently used last
        while len(_ENVIRONMENTS) > MAX_ENVIRONMENTS:
            del _ENVIRONMENTS[next(iter(_ENVIRONMENTS))]
    return env


def _environment(theme: Theme) -> jinja2.Environment:
    filters = dict(footnotes=footnotes, md=_markdown(theme.roots[0]), mdi=inline_html, typo=plain, initials=initials,
                   member_parts=member_parts, number=lambda n: f"{n:02d}", corps=lambda c: CORPS_LABELS.get(c or "", ""))
    return sandbox(theme, CONTEXT_NAMES, filters, dict(tutor_heading=tutor_heading, figure_groups=figure_groups))


class Templates:
    """The theme's templates, rendering units of one edition from its views (never from its models)."""

    def __init__(self, edition: Edition, theme: Theme):
        self.edition, self.view, self.env = edition, edition_view(edition), environment(theme)
        self.cards = dict(zip(edition.cards, self.view.cards))

    def unit(self, kind: str, name: str, title: str, section: Section | None = None, card: Card | None = None,
             **context) -> Unit:
        values = dict(edition=self.view, config=self.view.config, unit_name=name, unit_kind=kind, **context)
        values.update({key: self._view(value) for key, value in values.items()})
        if section is not None:
            values["section"] = section
        if card is not None:
            values["card"] = self.cards[card]
        return Unit(kind, name, title, self._render(f"{kind}.html", values), section, card)

    def has(self, template: str) -> bool:
        """Whether the theme has this template (one that cannot be read counts: rendering it says why)."""
        try:
            self.env.loader.get_source(self.env, template)
        except jinja2.TemplateNotFound:
            return False
        except jinja2.TemplateError:
            pass
        return True

    def _view(self, value):
        if isinstance(value, Card):
            return self.cards[value]
        if isinstance(value, tuple) and value and isinstance(value[0], Card):
            return tuple(self.cards[card] for card in value)
        if isinstance(value, Page):
            return page_view(value, self.edition.config.root)
        return value

    def _render(self, template: str, values: dict) -> str:
        try:
            return render(self.env, template, values)
        except BrochureError:
            raise
        except Exception as error:  # a template is data from the edition: any failure is the template's
            problem = template_problem(error, self.env)
            if problem is not None:
                raise ContentError([problem], self.edition.config.root) from None
            if isinstance(error, jinja2.TemplateNotFound):
                raise BrochureError(error.message or f"template '{template}' not found") from None
            raise


def book_units(edition: Edition, theme: Theme, pages: dict[str, int] | None = None,
               card_unit_of: Callable[[Card, Templates], Unit] | None = None) -> list[Unit]:
    """Every unit of the book, in order. `pages` (card name -> first page) fills the sommaire.

    `card_unit_of(card, templates)` may give a card's unit from a cache (the Builder's), else make it with these
    templates (made once for the book: they hold the view of every card); by default it is made here.
    """
    templates = Templates(edition, theme)
    card_unit_of = card_unit_of or (lambda card, templates: card_unit(edition, card, theme, templates))
    config = edition.config
    units = [templates.unit("cover", "cover", config.title)]
    if edition.editorial:
        units.append(templates.unit("editorial", "editorial", "Éditorial", page=edition.editorial))
    units.append(sommaire_unit(edition, theme, pages, templates))
    for section in config.sections:
        cards = edition.cards_of(section)
        broken = [item for item in edition.broken if item.section is not None and item.section.id == section.id]
        if not cards and not broken:
            continue
        units.append(templates.unit("divider", f"divider-{section.id}", section.title, section=section, cards=cards))
        made = [(card.number, card_unit_of(card, templates)) for card in cards]
        made += [(item.number, problem_unit(edition, item, templates)) for item in broken]
        units += [unit for _, unit in sorted(made, key=lambda pair: pair[0])]
    units += [problem_unit(edition, item, templates) for item in edition.broken if item.section is None]
    if any(promotion.members for promotion in config.promotions):
        units.append(templates.unit("promotions", "promotions", "Promotions"))
    if edition.back_page:
        units.append(templates.unit("back-page", "back-page", edition.back_page.title or "Quatrième de couverture",
                                    page=edition.back_page))
    return units


def problem_unit(edition: Edition, broken: Broken, templates: Templates) -> Unit:
    """A page that stands in a draft for a file with errors: its problems, one a line, file:line first."""
    root = edition.config.root
    shown = str(broken.path.relative_to(root)) if broken.path.is_relative_to(root) else broken.path.name
    lines = tuple(problem.format(root) for problem in broken.problems)
    name = f"problem-{broken.number:02d}" if broken.number else f"problem-{broken.path.stem}"
    context = dict(file=shown, problems=lines, number=broken.number, card_title=broken.title)
    if not templates.has("problem.html"):   # a theme without its own problem page: a plain one
        return Unit("problem", name, shown, _plain_problem_page(edition, context))
    return templates.unit("problem", name, shown, section=broken.section, **context)


def _plain_problem_page(edition: Edition, context: dict) -> str:
    items = "".join(f"<li>{escape(line)}</li>" for line in context["problems"])
    return (f'<!DOCTYPE html><html lang="{escape(edition.config.language)}"><head><meta charset="utf-8"></head>'
            f'<body class="unit unit-problem"><h1>{escape(context["file"])}: not built</h1><ul>{items}</ul>'
            "</body></html>")


def blank_unit(edition: Edition, theme: Theme) -> Unit:
    """An empty page, put before a unit that must start on the other side."""
    return Templates(edition, theme).unit("blank", "blank", "")


def card_unit(edition: Edition, card: Card, theme: Theme, templates: Templates | None = None) -> Unit:
    """A card; its fallback sets the side column at full width, for when it is too long to stand beside the text."""
    templates = templates or Templates(edition, theme)
    unit = templates.unit("card", f"card-{card.id}", card.title, section=card.section, card=card,
                          side_column_fits=True)
    fallback = templates.unit("card", unit.name, card.title, section=card.section, card=card,
                              side_column_fits=False)
    return replace(unit, fallback=fallback.html if fallback.html != unit.html else None)


def sommaire_unit(edition: Edition, theme: Theme, pages: dict[str, int] | None,
                  templates: Templates | None = None) -> Unit:
    """The sommaire; with no `pages` yet, every page number is a same-width stand-in."""
    filled = {f"card-{card.id}": (pages or {}).get(f"card-{card.id}", 888) for card in edition.cards}
    return (templates or Templates(edition, theme)).unit("sommaire", "sommaire", "Sommaire", pages=filled)


def _markdown(root: Path):
    """The `md` filter: Markdown -> HTML, images relative to a folder of the edition named by the view."""
    def md(text: str | None, folder: str | None = None, drop_cap: bool = False):
        base = None
        if folder is not None:
            base = (root / str(folder)).resolve()
            if not base.is_relative_to(root):
                raise SecurityError(f"md: the folder '{folder}' is outside the edition")
        return markdown_html(text, base, bool(drop_cap))
    return md


def tutor_heading(tutors: tuple[Tutor, ...]) -> str:
    """TUTEUR, TUTRICE, TUTEURS or TUTRICES: the label agrees with gender and number."""
    feminine = all(tutor.gender == "f" for tutor in tutors)
    word = "Tutrice" if feminine else "Tuteur"
    return f"{word}{'s' if len(tutors) > 1 else ''} au sein de la collectivité"


def figure_groups(card) -> list[tuple[str | None, list]]:
    """Key figures cut into runs: each `group` heading opens a run that lasts until the next."""
    current, tagged = None, []
    for figure in card.key_figures:
        current = figure.group or current
        tagged.append((current, figure))
    return [(group, [figure for _, figure in run]) for group, run in groupby(tagged, key=lambda pair: pair[0])]


def initials(name: str) -> str:
    """"Jean-Baptiste Werquin" -> "JW"."""
    words = [word for word in name.replace("-", " ").split() if word[:1].isalpha()]
    if not words:
        return "?"
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


def member_parts(member: str) -> tuple[str, str]:
    """"LE MOAL Antonin" -> ("LE MOAL", "Antonin"): the surname is the leading words in capitals."""
    words = member.split()
    cut = next((i for i, word in enumerate(words) if not word.isupper()), len(words))
    return " ".join(words[:cut]), " ".join(words[cut:])
