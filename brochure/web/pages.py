"""The edition's views + the theme's web templates -> the HTML of every page, for the site or the EPUB.

Templates live in the theme, under `web/`: `home.html`, `section.html`,
`card.html`, `promotions.html`, `back-page.html`, each extending the layout
it is given (`web/layout.html` for the site, `web/epub-layout.html` for the
EPUB). They run in the same sandbox as the book's templates (book/sandbox.py:
immutable, autoescaped, bounded), and read only the plain records of
`views.py` and a `md` helper that turns the editor's Markdown into HTML for
this page (its pictures, its notes).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from ..book.sandbox import SandboxEnvironment, render, sandbox, template_problem
from ..book.units import member_parts
from ..edition.models import Edition
from ..problems import BrochureError, ContentError
from ..text.markup import plain
from ..themes.theme import Theme
from .fragments import Fragments
from .pictures import Pictures
from .views import EditionView, PageView

WEB_NAMES = ("edition", "page", "md", "layout", "downloads", "colophon", "promotions", "editorial", "back_page")
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


def environment(theme: Theme) -> SandboxEnvironment:
    return sandbox(theme, WEB_NAMES, dict(typo=plain, member_parts=member_parts), {})


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
        rendered.append(RenderedPage(page, _render(env, f"web/{page.kind}.html", context, config.root)))
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


def _render(env: SandboxEnvironment, template: str, context: dict, root: Path) -> str:
    """A page; whatever goes wrong in a template is one line at its file and line."""
    try:
        return render(env, template, context)
    except BrochureError:
        raise
    except Exception as error:  # a template is data from the edition or the theme: any failure is the template's
        problem = template_problem(error, env)
        if problem is not None:
            raise ContentError([problem], root) from None
        if isinstance(error, jinja2.TemplateNotFound):
            raise BrochureError(error.message or f"template '{template}' not found") from None
        raise
