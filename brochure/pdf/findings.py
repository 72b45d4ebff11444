"""Laid-out pages (WeasyPrint boxes) -> layout findings: what a careful reader of the proofs would circle.

Run after layout and before writing, on every build. Each finding names its
page and unit, as `p. N (card NN): what`. The classes:

- text or a box outside its column, the page margins, the trim or the sheet
  (the bleed included);
- a heading or a label separated from what it introduces: the last thing on
  its page (h2-h6, and what the templates mark `data-introduces`), or a
  footnote's number on a line apart from its text;
- a page the theme did not ask for that holds only a few lines;
- a block the templates mark `data-opening` split across pages;
- content lost (elements marked `data-keep` that got no box).

The templates say what the checks need with attributes; nothing here looks
for class names or text.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from weasyprint.formatting_structure import boxes

from ..problems import Finding

TOLERANCE_PX = 1.0        # what rounding and italic overhang may add without anyone noticing (WeasyPrint's px)
MIN_LINES = 5             # a page the theme did not ask for must hold at least this many lines...
MIN_FILL = 0.25           # ...or be filled to this fraction of its height (a figure, a table)
SNIPPET = 40              # characters of text quoted in a finding
HEADINGS = ("h2", "h3", "h4", "h5", "h6")
PX_PER_MM = 96 / 25.4     # WeasyPrint lays out in CSS px
CHECKED_BOXES = (boxes.BlockLevelBox, boxes.AtomicInlineLevelBox)   # boxes whose edges are checked, not only text


@dataclass(frozen=True)
class Placed:
    """Where a laid-out unit sits in the book."""

    name: str            # "card-03", "sommaire", "blank-12"
    kind: str            # card, divider, blank...
    first_page: int      # its first page, numbered as in the book
    pages: int
    kept: int = 0        # elements marked data-keep in its HTML
    lost: int = 0        # ...that got no box in the layout


@dataclass(frozen=True)
class _Area:
    left: float
    top: float
    right: float
    bottom: float

    def overrun(self, left: float, top: float, right: float, bottom: float) -> float:
        """How far (px) a rectangle reaches outside this area; 0 when it is inside."""
        return max(self.left - left, right - self.right, self.top - top, bottom - self.bottom, 0.0)


def layout_findings(pages: list, placed: tuple[Placed, ...]) -> tuple[Finding, ...]:
    """Every layout finding of the book's pages (WeasyPrint `Page`s), unit by unit."""
    findings: list[Finding] = []
    index = 0
    for unit in placed:
        findings += unit_findings(pages[index:index + unit.pages], unit)
        index += unit.pages
    return tuple(sorted(findings))


def unit_findings(pages: list, unit: Placed) -> list[Finding]:
    """The findings of one unit's pages."""
    label = unit_label(unit.name)
    findings = []
    if unit.lost:
        findings.append(Finding(unit.first_page, label, f"{unit.lost} element(s) lost: a box taller than "
                                "a page cannot be split here (shorten it)"))
    if unit.kind != "blank":
        findings += [Finding(unit.first_page + number, label, message) for number, message in _unit_messages(pages)]
    return findings


def unit_label(name: str) -> str:
    """"card-03" -> "card 03", as findings and the preflight name units."""
    return name.replace("card-", "card ").replace("divider-", "divider ")


def _unit_messages(pages: list) -> Iterator[tuple[int, str]]:
    """(page index in the unit, message) for every finding of one unit."""
    scans = [_PageScan(page) for page in pages]
    first_seen: dict[int, int] = {}
    for number, scan in enumerate(scans):
        for element, attribute in scan.marked:
            first_seen.setdefault(id(element), number)
            if attribute == "data-opening" and number > 0 and first_seen[id(element)] == 0:
                yield number, f"the {_name(element, 'opening')} runs over onto a second page"
    for number, scan in enumerate(scans):
        yield from ((number, message) for message in scan.overflows)
        yield from ((number, message) for message in scan.footnotes)
        last_page = number == len(scans) - 1
        if not last_page and scan.last_introducer is not None:
            yield number, (f"« {_text(scan.last_introducer)} » is the last thing on its page, "
                           "apart from what it introduces")
        asked = number == 0 or any(first_seen.get(id(element)) == number for element, attribute in scan.marked
                                   if attribute == "data-own-page")
        if scan.lines < MIN_LINES and scan.fill < MIN_FILL and not asked:
            yield number, (f"a page of its own for {scan.lines} line(s) (« {scan.first_text} »): "
                           "the theme did not ask for it")
        elif scan.fill < MIN_FILL and not last_page and not any(attribute == "data-own-page"
                                                                 for _, attribute in scan.marked):
            yield number, (f"a page left {100 - round(scan.fill * 100)} % empty (« {scan.first_text} »): "
                           "what follows did not fit below it")


class _PageScan:
    """One walk through a page's boxes, gathering what every check needs."""

    def __init__(self, page):
        page_box = page._page_box
        x, y = page_box.content_box_x(), page_box.content_box_y()
        self.margins = _Area(x, y, x + page_box.width, y + page_box.height)
        self.trim = _Area(0, 0, page_box.margin_width(), page_box.margin_height())
        bleed = page.bleed
        self.sheet = _Area(-bleed["left"], -bleed["top"], self.trim.right + bleed["right"],
                           self.trim.bottom + bleed["bottom"])
        self.overflows: list[str] = []
        self.footnotes: list[str] = []
        self.marked: list[tuple] = []          # (element, attribute) of data-opening / data-own-page boxes
        self.last_introducer = None            # the heading or label holding the page's last text, if any
        self.lines = 0
        self.first_text = ""
        self.bottom = self.margins.top
        self._reported: set[int] = set()
        self._line = None                      # set while in a line box whose line is already counted
        for child in page_box.children:
            if isinstance(child, boxes.FootnoteAreaBox):
                self._walk(child, self.margins, (), in_flow=False)
                self._footnotes(child)
            elif not isinstance(child, boxes.MarginBox):
                self._walk(child, self.margins, (), in_flow=True)
        self.fill = (self.bottom - self.margins.top) / max(self.margins.bottom - self.margins.top, 1)

    def _walk(self, box, column: _Area, introducers: tuple, in_flow: bool, bleeds: bool = False) -> None:
        element = getattr(box, "element", None)
        if element is not None and not box.element_tag.count("::"):
            for attribute in ("data-opening", "data-own-page"):
                if element.get(attribute) is not None:
                    self.marked.append((element, attribute))
            bleeds = bleeds or element.get("data-bleed") is not None
            if (element.tag in HEADINGS or element.get("data-introduces") is not None) and \
                    (not introducers or introducers[-1] is not element):
                introducers = introducers + (element,)
        if isinstance(box, boxes.TextBox):
            self._text_box(box, column, introducers, in_flow)
            return
        if isinstance(box, boxes.LineBox):
            self._line = None
        elif isinstance(box, CHECKED_BOXES) and box.width is not None and box.height is not None and _paints(box):
            if self._box_outside(box, bleeds) or isinstance(box, boxes.ReplacedBox):
                self._leaf(box, introducers, in_flow, box.border_box_y() + box.border_height())
                return
        if isinstance(box, boxes.BlockContainerBox) and box.width is not None:
            column = _Area(box.content_box_x(), column.top, box.content_box_x() + box.width, column.bottom)
        for child in getattr(box, "children", ()):
            if isinstance(child, boxes.Box):
                self._walk(child, column, introducers, in_flow, bleeds)

    def _text_box(self, box, column: _Area, introducers: tuple, in_flow: bool) -> None:
        if not box.text.strip():
            return
        left, top = box.position_x, box.position_y
        right, bottom = left + box.width, top + box.height
        where = _where(self, column, left, top, right, bottom)
        if where and id(box.element) not in self._reported:
            self._reported.add(id(box.element))
            self.overflows.append(f"text runs {where}: « {_snippet(box.text)} »")
        self._leaf(box, introducers, in_flow, bottom)

    def _leaf(self, box, introducers: tuple, in_flow: bool, bottom: float) -> None:
        """Something printed: count its line, remember whether a heading holds it."""
        if not in_flow:
            return
        if self._line is None or not isinstance(box, boxes.TextBox):
            self.lines += 1
            self._line = id(box)
        if not self.first_text and isinstance(box, boxes.TextBox):
            self.first_text = _snippet(box.text)
        self.bottom = max(self.bottom, bottom)
        self.last_introducer = introducers[-1] if introducers else None

    def _box_outside(self, box, bleeds: bool) -> bool:
        """Report a box (not its text) outside the margins; one that bleeds on purpose may reach past the sheet."""
        if bleeds or box.element is None or id(box.element) in self._reported:
            return False
        left, top = box.border_box_x(), box.border_box_y()
        over = self.margins.overrun(left, top, left + box.border_width(), top + box.border_height())
        if over <= TOLERANCE_PX:
            return False
        self._reported.add(id(box.element))
        self.overflows.append(f"{_name(box.element, box.element_tag)} runs {over / PX_PER_MM:.0f} mm outside the "
                              "page margins" + (f": « {_text(box.element)} »" if _text(box.element) else ""))
        return True

    def _footnotes(self, area) -> None:
        """A footnote's number must share its first line with the note's text."""
        for note in area.children:
            lines = [line for line in note.descendants() if isinstance(line, boxes.LineBox)]
            marker = next((i for i, line in enumerate(lines) if any(
                "::footnote-marker" in getattr(b, "element_tag", "") for b in line.descendants())), None)
            text = next((i for i, line in enumerate(lines) if any(
                isinstance(b, boxes.TextBox) and b.text.strip() and "::footnote-marker" not in b.element_tag
                for b in line.descendants())), None)
            if marker is not None and text is not None and marker != text:
                self.footnotes.append(f"a footnote's number stands on a line apart from its text: "
                                      f"« {_text(note.element)} »")


def _paints(box) -> bool:
    """Whether a box itself puts ink on the page (an image, a background, a border), beyond its content."""
    if isinstance(box, boxes.ReplacedBox):
        return True
    if box.element_tag in ("html", "body"):     # their background goes to the whole page, not to their box
        return False
    style = box.style
    return (style["background_color"].alpha > 0 or any(image[0] != "none" for image in style["background_image"])
            or any(getattr(box, f"border_{side}_width", 0) for side in ("top", "right", "bottom", "left")))


def _where(scan: _PageScan, column: _Area, left: float, top: float, right: float, bottom: float) -> str:
    """Where text runs when it leaves its column ('' when it does not), the worst place first."""
    bleeds = scan.sheet != scan.trim
    for area, name in ((scan.sheet if bleeds else scan.trim, "off the sheet (bleed included)" if bleeds else
                        "past the trim"), (scan.trim, "past the trim"),
                       (scan.margins, "outside the page margins"), (column, "out of its column")):
        over = area.overrun(left, top, right, bottom) if area is not column else \
            max(column.left - left, right - column.right, 0.0)
        if over > TOLERANCE_PX:
            return f"{over / PX_PER_MM:.0f} mm {name}" if over >= PX_PER_MM else f"{over * 0.75:.1f} pt {name}"
    return ""


def _text(element) -> str:
    return _snippet(" ".join("".join(element.itertext()).split()))


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[:SNIPPET - 1] + "…"


def _name(element, fallback: str) -> str:
    """What the templates call a marked element (`data-opening="opening band"`), else its tag."""
    return element.get("data-opening") or element.get("data-name") or fallback.split("::")[0]
