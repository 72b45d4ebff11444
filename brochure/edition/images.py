"""An image file of the edition -> what is wrong with it for print (None when the build prints it right).

Raster images are decoded whole with Pillow, as WeasyPrint will: a truncated
or damaged file, or a pixel format WeasyPrint draws wrong (16-bit grey prints
black), is refused here rather than printed as a black or empty box. SVGs are
parsed with expat, refusing what could read outside, blow up or hang: a
DOCTYPE (and so any entity), references to other files or URLs, and `<use>`
that refers to itself or multiplies beyond MAX_SVG_ELEMENTS.
"""
from __future__ import annotations

import re
import warnings
import xml.parsers.expat
from pathlib import Path

from ..limits import MAX_PIXELS, MAX_SVG_DEPTH, MAX_SVG_ELEMENTS

PRINTED_MODES = ("RGB", "RGBA", "L", "LA", "CMYK", "P", "1")   # what WeasyPrint 70 draws right (measured)
_MODE_FIX = {"I;16": "is a 16-bit grey PNG, which prints black: save it as 8-bit",
             "I;16B": "is a 16-bit grey PNG, which prints black: save it as 8-bit",
             "I;16L": "is a 16-bit grey PNG, which prints black: save it as 8-bit",
             "I": "is a 16- or 32-bit grey image, which prints wrong: save it as 8-bit"}
_DECLARED = re.compile(rb"\s*<\?xml[^>]{0,200}encoding=", re.IGNORECASE)
_EXTERNAL_CSS = re.compile(r"url\(\s*['\"]?\s*(?!#)|@import", re.IGNORECASE)


def image_problem(path: Path) -> str | None:
    """What is wrong with an image file, read whole; None when it prints as it should."""
    if path.suffix.lower() == ".svg":
        return svg_problem(path.read_bytes())
    from PIL import Image
    try:
        with warnings.catch_warnings():  # the size is judged below, with a message for the editor
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return (f"is {width}×{height} pixels, more than brochure accepts ({MAX_PIXELS // 1_000_000} "
                            "megapixels): resize it (300 dpi at its printed size is enough)")
                image.verify()             # checksums and structure
            with Image.open(path) as image:
                image.load()               # every pixel
                mode = image.mode
    except Image.UnidentifiedImageError:
        return "cannot be read as an image (not a picture file, or of an unknown kind): export it again as PNG or JPEG"
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        what = "it is cut short" if "truncated" in str(error).lower() else "its data is corrupt"
        return f"is damaged ({what}) and would print wrong or not at all: export it again"
    if mode == "PA" or mode not in PRINTED_MODES:
        return _MODE_FIX.get(mode, f"has pixels of kind {mode}, which print wrong: save it as an RGB image")
    return None


def svg_problem(data: bytes) -> str | None:
    """What is wrong with an SVG file; None when it is self-contained, well-formed, bounded and in a known encoding."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:   # another encoding is fine when declared (expat reads it, so does the print variant)
        if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and not _DECLARED.match(data):
            return "is not UTF-8 text and declares no other encoding: save it as UTF-8 (an SVG export option)"
    survey = _SvgSurvey()
    try:
        survey.parse(data)
    except _Refused as refused:
        return str(refused)
    except xml.parsers.expat.ExpatError as error:
        return (f"is not a well-formed SVG (line {error.lineno}: "
                f"{xml.parsers.expat.errors.messages[error.code]}): export it again")
    if survey.root != "svg":
        return "is not an SVG image (its first element is not <svg>): export it again"
    return survey.expansion_problem()


class _Refused(Exception):
    """An SVG feature brochure does not accept; the message says which."""


class _SvgSurvey:
    """Reads an SVG once: its root, its ids, its <use> references, anything that reaches outside."""

    def __init__(self):
        self.root: str | None = None
        self.stack: list[list] = []        # open elements: [id, own element count, ids of <use> inside]
        self.sizes: dict[str, int] = {}    # id -> elements in that subtree (without expanding <use>)
        self.uses: dict[str, list] = {}    # id -> the ids its subtree's <use> elements refer to
        self.top: list = [None, 0, []]     # the whole document

    def parse(self, data: bytes) -> None:
        parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._doctype
        parser.ExternalEntityRefHandler = self._doctype
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.Parse(data, True)

    def _doctype(self, *args):
        raise _Refused("has a DOCTYPE (which can declare entities): export it again without one")

    def _start(self, name: str, attributes: dict) -> None:
        local = name.rpartition(" ")[2]
        self.root = self.root or local
        if len(self.stack) >= MAX_SVG_DEPTH:
            raise _Refused(f"has elements nested more than {MAX_SVG_DEPTH} deep: simplify it")
        self.in_style = local == "style"
        for key, value in attributes.items():
            key = key.rpartition(" ")[2]
            if key == "href" and not value.strip().startswith(("#", "data:image/")):
                raise _Refused(f"refers to another file or a URL ({value.strip()[:60]}): "
                               "embed everything in the SVG")
            if key == "style" and _EXTERNAL_CSS.search(value):
                raise _Refused("refers to another file or a URL in a style: embed everything in the SVG")
        reference = attributes.get("http://www.w3.org/1999/xlink href") or attributes.get("href") or ""
        used = [reference.strip()[1:]] if local == "use" and reference.strip().startswith("#") else []
        for frame in [self.top, *self.stack]:
            frame[1] += 1
            frame[2] += used
        self.stack.append([attributes.get("id"), 1, list(used)])

    def _end(self, name: str) -> None:
        element_id, size, uses = self.stack.pop()
        self.in_style = False
        if element_id:
            self.sizes[element_id] = size
            self.uses[element_id] = uses

    def _text(self, text: str) -> None:
        if getattr(self, "in_style", False) and _EXTERNAL_CSS.search(text):
            raise _Refused("refers to another file or a URL in its <style>: embed everything in the SVG")

    def expansion_problem(self) -> str | None:
        """How many elements the SVG becomes once every <use> is replaced by what it refers to."""
        expanded: dict[str, int] = {}
        try:
            total = self.top[1] + sum(self._expanded(target, expanded) for target in self.top[2])
        except _Refused as refused:
            return str(refused)
        if total > MAX_SVG_ELEMENTS:
            return (f"expands to more than {MAX_SVG_ELEMENTS:,} elements through nested <use>: "
                    "simplify it (flatten the copies)")
        return None

    def _expanded(self, start: str, expanded: dict[str, int]) -> int:
        """The elements under `start` with its <use> expanded (depth first, without recursion; loops refused)."""
        stack, visiting = [(start, False)], set()
        while stack:
            element_id, children_done = stack.pop()
            if children_done:
                total = self.sizes.get(element_id, 0) + sum(expanded[t] for t in self.uses.get(element_id, []))
                expanded[element_id] = min(total, MAX_SVG_ELEMENTS + 1)
                visiting.discard(element_id)
                continue
            if element_id in expanded:
                continue
            visiting.add(element_id)
            stack.append((element_id, True))
            for target in self.uses.get(element_id, []):
                if target in visiting:
                    raise _Refused(f"has <use> elements in a loop (through #{target}): remove the loop")
                if target not in expanded:
                    stack.append((target, False))
        return expanded[start]
