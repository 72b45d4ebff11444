"""A unit laid out from one first page -> the same layout from another first page, without laying it out again.

A unit's body does not depend on the number of its first page: only its
margin boxes do (`counter(page)`), and, through `:left` and `:right`, the
margins of each page. So a unit laid out from page 7 is moved to page 8 by
giving each page the page type of the other side, shifting the body by the
difference of the margins, and making the margin boxes again with the new
page counter. This is sound only when the body would be laid out alike:

- the content box of every page keeps its size on the other side (mirrored
  margins do; a theme whose left and right pages differ in width does not);
- no page of the unit is a blank page WeasyPrint put in for a forced side
  break (`break-before: right` inside the unit), when the side changes;
- nothing in the body shows a page number (`target-counter()`).

`blocker()` says why a move is not sound (then the unit is laid out again);
`relocate()` makes it. Both read WeasyPrint's layout structures, which are
not a public API: they are written for WeasyPrint 70 (pinned in
pyproject.toml), and tests compare every moved unit of the sample with a
fresh layout, text, character boxes and pixels.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import weasyprint
from weasyprint import DEFAULT_OPTIONS
from weasyprint.css.counters import CounterStyle
from weasyprint.document import Document, DocumentMetadata, Page
from weasyprint.formatting_structure import boxes
from weasyprint.formatting_structure.build import build_formatting_structure
from weasyprint.html import get_html_metadata
from weasyprint.layout import layout_document
from weasyprint.layout.background import layout_backgrounds
from weasyprint.layout.page import PageType, make_margin_boxes, page_height, page_width, set_page_type_computed_styles
from weasyprint.layout.percent import resolve_percentages
from weasyprint.pdf import VARIANTS


@dataclass
class LayoutState:
    """What WeasyPrint laid a document out with, kept to move it: the parsed HTML, the context, the page boxes."""

    html: weasyprint.HTML
    context: object                 # weasyprint.layout.LayoutContext
    page_boxes: list


class MovableDocument(Document):
    """A WeasyPrint Document that keeps its layout state (`state`), so that it can be moved to another first page."""

    state: LayoutState | None = None


def render(html: weasyprint.HTML, font_config, color_profiles, **options) -> MovableDocument:
    """What `html.render(font_config=..., color_profiles=..., **options)` gives, keeping its layout state."""
    options = {**DEFAULT_OPTIONS, **options}
    if variant := options["pdf_variant"]:          # as Document._render: the variant's defaults
        _, properties = VARIANTS[variant]
        options.update({key: properties[key] for key, value in options.items() if value is None and key in properties})
    counter_style = CounterStyle()
    context = Document._build_layout_context(html, font_config, counter_style, color_profiles, options)
    root_box = build_formatting_structure(html.etree_element, context.style_for, context.get_image_from_uri,
                                          html.base_url, context.target_collector, counter_style, context.footnotes)
    page_boxes = list(layout_document(html, root_box, context))
    document = MovableDocument([Page(page_box) for page_box in page_boxes],
                               DocumentMetadata(**get_html_metadata(html)), html.url_fetcher, font_config,
                               color_profiles, options["output_intent"])
    document.state = LayoutState(html, context, page_boxes)
    return document


def blocker(document: Document, shift: int) -> str | None:
    """Why `document` cannot be moved by `shift` pages (None: it can)."""
    state = getattr(document, "state", None)
    if state is None:
        return "its layout was not kept"
    if shift == 0:
        return None
    if state.context.target_collector.counter_lookup_items:
        return "its text shows page numbers (target-counter)"
    if shift % 2 == 0:
        return None
    if any(page_box.page_type.blank for page_box in state.page_boxes):
        return "it has a blank page for a forced side break"
    for page_box in state.page_boxes:
        moved = _page_box(state, page_box, _other_side(page_box.page_type))
        if (moved.width, moved.height) != (page_box.width, page_box.height):
            return "its pages are not as wide on the other side"
    return None


def relocate(document: MovableDocument, shift: int) -> MovableDocument:
    """The document moved `shift` pages on (see `blocker` first); the moved document's state is kept, this one's is spent."""
    state = document.state
    pages = []
    for index, old in enumerate(state.page_boxes):
        page_type = old.page_type if shift % 2 == 0 else _other_side(old.page_type)
        page = _page_box(state, old, page_type)
        dx, dy = page.content_box_x() - old.content_box_x(), page.content_box_y() - old.content_box_y()
        body = [child for child in old.children if not isinstance(child, boxes.MarginBox)]
        for child in body:
            child.translate(dx, dy)
        page_state = copy.deepcopy(state.context.page_maker[index + 1][3])
        page_state[1]["page"] = [value + shift for value in page_state[1]["page"]]
        state.context.current_page = index + 1
        page.children = tuple(body) + tuple(make_margin_boxes(state.context, page, page_state))
        layout_backgrounds(page, state.context.get_image_from_uri)
        pages.append(page)
    moved = MovableDocument([Page(page) for page in pages], document.metadata, document.url_fetcher,
                            document.font_config, document.color_profiles, document.output_intent)
    moved.state = LayoutState(state.html, state.context, pages)
    document.state = None
    return moved


def _other_side(page_type: PageType) -> PageType:
    side = "left" if page_type.side == "right" else "right"
    return PageType(side, page_type.blank, page_type.name, page_type.index, page_type.groups)


def _page_box(state: LayoutState, old, page_type: PageType):
    """A page box of `page_type`, sized and placed as WeasyPrint's make_page does, with no content yet."""
    set_page_type_computed_styles(page_type, state.html, state.context.style_for)
    style = state.context.style_for(page_type)
    style["overflow"] = old.style["overflow"]
    page = boxes.PageBox(page_type, style)
    device_size = page.style["size"]
    resolve_percentages(page, device_size)
    page.position_x = page.position_y = 0
    page_width(page, state.context, device_size[0])
    page_height(page, state.context, device_size[1])
    return page
