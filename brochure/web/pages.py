"""The edition's views + the theme's web templates -> the HTML of every page, for the site or the EPUB.

Templates live in the theme, under `web/`: `home.html`, `section.html`,
`card.html`, `promotions.html`, `back-page.html`, each extending the layout
it is given (`web/layout.html` for the site, `web/epub-layout.html` for the
EPUB). They run in a sandboxed Jinja2 environment with autoescape on, and
read only the plain records of `views.py` and a `md` helper that turns the
editor's Markdown into HTML for this page (its pictures, its notes).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from ..book.units import member_parts
from ..edition.models import Edition
from ..problems import BrochureError
from ..text.markup import plain
from ..themes.theme import Theme, ThemeLoader
from .fragments import Fragments
from .pictures import Pictures
from .views import EditionView, PageView

SITE_LAYOUT = "web/layout.html"
EPUB_LAYOUT = "web/epub-layout.html"


@dataclass(frozen=True)
class RenderedPage:
    view: PageView
    html: str


@dataclass(frozen=True)
class Downloads:
    """What the site offers to download beside its pages: URLs relative to the pages, or empty."""

    pdf: str = ""
    epub: str = ""


def environment(theme: Theme) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(loader=ThemeLoader(theme), autoescape=True, undefined=jinja2.StrictUndefined,
                                        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(typo=plain, member_parts=member_parts)
    return env


def render_pages(edition: Edition, theme: Theme, view: EditionView, pictures: Pictures, layout: str,
                 downloads: Downloads = Downloads()) -> list[RenderedPage]:
    """Every page of `view`, in reading order, through `layout`."""
    env = environment(theme)
    cards = {card.id: card for card in edition.cards}
    config = edition.config
    rendered = []
    for page in view.pages:
        base = _base_of(edition, page, cards)
        md = Fragments(pictures.publish, config.root, base)
        context = dict(edition=view, page=page, md=md, layout=layout, downloads=downloads,
                       colophon=config.colophon, promotions=config.promotions,
                       editorial=_page_text(edition.editorial), back_page=_page_text(edition.back_page))
        rendered.append(RenderedPage(page, _render(env, f"web/{page.kind}.html", context)))
    return rendered


def _base_of(edition: Edition, page: PageView, cards: dict) -> Path | None:
    """The folder the page's Markdown names its images from."""
    if page.card is not None:
        return cards[page.card.id].path.parent
    source = {"home": edition.editorial, "back-page": edition.back_page}.get(page.kind)
    return source.path.parent if source is not None else edition.config.root


def _page_text(page) -> dict | None:
    """An editorial or back page as plain values."""
    if page is None:
        return None
    signature = page.signature
    return {"title": page.title or "", "body": page.body,
            "signature": {"name": signature.name, "roles": signature.roles} if signature else None}


def _render(env: ImmutableSandboxedEnvironment, template: str, context: dict) -> str:
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateNotFound as error:
        raise BrochureError(error.message or f"template '{template}' not found") from error
    except jinja2.TemplateSyntaxError as error:
        raise BrochureError(f"{error.filename}:{error.lineno}: template: {error.message}") from error
    except (jinja2.UndefinedError, SecurityError) as error:
        raise BrochureError(f"{template}: template: {error}") from error
