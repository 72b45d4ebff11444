"""CSS, SVG and HTML + an ink converter -> the same documents with every colour written as device-cmyk().

Colours are found by parsing, never by searching the text: CSS with tinycss2
(declarations only, so `#id` selectors stay), SVG with expat (the colour
attributes and the style of each element, so `url(#id)` and `href="#id"`
stay), HTML with the standard parser (style attributes and <style> elements
only, never the text). Every CSS Color 4 syntax is understood: `#rgb`,
`#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()` with numbers or
percentages, `hsl()`, `hwb()`, `lab()`, `lch()`, `oklab()`, `oklch()`,
`color(srgb|srgb-linear|xyz…)` and the named colours; the alpha is kept
(`device-cmyk(c m y k / alpha)`, drawn by WeasyPrint as a transparency).
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Callable
from xml.etree import ElementTree
from xml.parsers import expat

import tinycss2
from tinycss2.color4 import Color
from tinycss2.color5 import parse_color

Ink = Callable[[tuple[int, int, int]], tuple]   # sRGB 0-255 -> (c, m, y, k) in percent

COLOUR_FUNCTIONS = {"rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color"}
GRADIENTS = {"linear-gradient", "radial-gradient", "conic-gradient", "repeating-linear-gradient",
             "repeating-radial-gradient", "repeating-conic-gradient"}
# Properties whose keywords may be colour names ("red"); elsewhere an identifier is left alone.
COLOUR_PROPERTY = re.compile(r"--.*|.*color|background.*|border.*|outline.*|column-rule.*|text-decoration.*"
                             r"|text-emphasis.*|.*shadow|fill|stroke")
SVG_COLOUR_ATTRIBUTES = ("fill", "stroke", "stop-color", "flood-color", "lighting-color", "color")
SVG = "http://www.w3.org/2000/svg"


class ColourError(ValueError):
    """A colour that cannot be printed in CMYK, at `line` of its file."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def stylesheet(css: bytes | str, ink: Ink) -> str:
    """A stylesheet -> the same rules with their colours in device-cmyk() (its @charset dropped: it is UTF-8 now)."""
    if isinstance(css, bytes):
        rules, _ = tinycss2.parse_stylesheet_bytes(css)
    else:
        rules = tinycss2.parse_stylesheet(css)
    return "".join(_rule(rule, ink) for rule in rules
                   if not (rule.type == "at-rule" and rule.lower_at_keyword == "charset") and rule.type != "error")


def declarations(css: str, ink: Ink, first_line: int = 1) -> str:
    """The inside of a style attribute -> the same declarations with their colours in device-cmyk()."""
    try:
        return _block(tinycss2.parse_component_value_list(css), ink)
    except ColourError as error:
        raise ColourError(first_line + error.line - 1, str(error)) from None


def _rule(rule, ink: Ink) -> str:
    if rule.type == "qualified-rule":
        return f"{tinycss2.serialize(rule.prelude)}{{{_block(rule.content, ink)}}}"
    if rule.type == "at-rule" and rule.content is not None and rule.lower_at_keyword not in ("font-face",
                                                                                           "color-profile"):
        return f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}{{{_block(rule.content, ink)}}}"
    return rule.serialize()


def _block(content: list, ink: Ink) -> str:
    """The contents of a {} block: declarations and nested rules (@page margins, @media, nesting)."""
    out = []
    for node in tinycss2.parse_blocks_contents(content):
        if node.type == "declaration":
            node.value = value(node.value, ink, COLOUR_PROPERTY.fullmatch(node.lower_name) is not None)
            out.append(node.serialize() + ";")
        elif node.type in ("qualified-rule", "at-rule"):
            out.append(_rule(node, ink))
        elif node.type != "error":
            out.append(node.serialize())
    return "".join(out)


def value(tokens: list, ink: Ink, names: bool = True) -> list:
    """Component values -> the same with each colour replaced by a device-cmyk() function.

    `names`: whether identifiers may be colour names (true for colour properties only).
    """
    out = []
    for token in tokens:
        if token.type == "function" and token.lower_name in GRADIENTS:
            raise ColourError(token.source_line, f"{token.lower_name}() cannot be printed in CMYK by WeasyPrint: "
                                                 "use a solid colour")
        if (token.type == "hash" or token.type == "function" and token.lower_name in COLOUR_FUNCTIONS
                or names and token.type == "ident" and token.lower_value != "currentcolor"):
            colour = parse_color(token)
            if isinstance(colour, Color):
                out.append(tinycss2.parse_one_component_value(device_cmyk(colour, ink, token)))
                continue
        if token.type == "function" and token.lower_name not in ("url", "device-cmyk"):
            token.arguments = value(token.arguments, ink, names)
        elif token.type in ("() block", "[] block", "{} block"):
            token.content = value(token.content, ink, names)
        out.append(token)
    return out


def device_cmyk(colour: Color, ink: Ink, token) -> str:
    """A parsed colour -> "device-cmyk(c% m% y% k%)", with " / alpha" when it is not opaque."""
    rgb = srgb(colour)
    if rgb is None:
        raise ColourError(token.source_line, f"{tinycss2.serialize([token])}: colours in {colour.space} cannot "
                                             "be converted to CMYK here: write them as rgb(), hsl() or lab()")
    c, m, y, k = ink(tuple(round(min(1, max(0, v)) * 255) for v in rgb))
    alpha = f" / {round(colour.alpha, 4):g}" if colour.alpha < 1 else ""
    return f"device-cmyk({c:g}% {m:g}% {y:g}% {k:g}%{alpha})"


# CSS Color 4, section 18: D50 -> D65 (Bradford) and XYZ D65 -> linear sRGB.
D50_TO_D65 = ((0.955473421488075, -0.02309845494876471, 0.06325924320057072),
              (-0.0283697093338637, 1.0099953980813041, 0.021041441191917323),
              (0.012314014864481998, -0.020507649298898964, 1.330365926242124))
XYZ_TO_LINEAR_SRGB = ((3.2409699419045226, -1.537383177570094, -0.4986107602930034),
                      (-0.9692436362808796, 1.8759675015077202, 0.04155505740717559),
                      (0.05563007969699366, -0.20397695888897652, 1.0569715142428786))


def srgb(colour: Color) -> tuple[float, float, float] | None:
    """A colour in any CSS space tinycss2 knows -> sRGB channels (0-1, may fall outside the gamut); None if unknown."""
    space = colour.space
    coordinates = tuple(v or 0 for v in colour.coordinates)
    if space in ("srgb", "hsl", "hwb"):
        return tuple(colour.to("srgb").coordinates)
    if space == "srgb-linear":
        return tuple(_gamma(v) for v in coordinates)
    if space in ("lab", "lch", "xyz-d50"):
        xyz = coordinates if space == "xyz-d50" else colour.to("xyz-d50").coordinates
        xyz = _times(D50_TO_D65, xyz)
    elif space in ("oklab", "oklch", "xyz-d65", "xyz"):
        xyz = coordinates if space.startswith("xyz") else colour.to("xyz-d65").coordinates
    else:
        return None
    return tuple(_gamma(v) for v in _times(XYZ_TO_LINEAR_SRGB, xyz))


def _times(matrix, vector) -> tuple:
    return tuple(sum(a * b for a, b in zip(row, vector)) for row in matrix)


def _gamma(linear: float) -> float:
    sign, linear = (-1 if linear < 0 else 1), abs(linear)
    return sign * (12.92 * linear if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055)


def svg(data: bytes, ink: Ink) -> bytes:
    """An SVG file (any declared encoding) -> the same drawing in UTF-8 with its colours in device-cmyk()."""
    root, lines = _parse_xml(data)
    for element in root.iter():
        line, local = lines[id(element)], element.tag.rsplit("}", 1)[-1]
        if local in ("linearGradient", "radialGradient"):
            raise ColourError(line, f"<{local}>: an SVG gradient cannot be printed in CMYK by WeasyPrint: "
                                    "use solid colours")
        for name in SVG_COLOUR_ATTRIBUTES:
            if name in element.attrib:
                tokens = value(tinycss2.parse_component_value_list(element.get(name)), ink)
                element.set(name, tinycss2.serialize(tokens))
        if "style" in element.attrib:
            element.set("style", declarations(element.get("style"), ink, line))
        if local == "style" and element.text:
            try:
                element.text = stylesheet(element.text, ink)
            except ColourError as error:
                raise ColourError(line + error.line - 1, str(error)) from None
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _parse_xml(data: bytes) -> tuple[ElementTree.Element, dict[int, int]]:
    """XML bytes -> its element tree and the line of each element; external entities refused, none fetched."""
    parser = expat.ParserCreate(namespace_separator=" ")
    stack: list[ElementTree.Element] = []
    found: list[ElementTree.Element] = []
    lines: dict[int, int] = {}

    def start(name, attributes):
        element = ElementTree.Element(_name(name), {_name(k): v for k, v in attributes.items()})
        lines[id(element)] = parser.CurrentLineNumber
        (stack[-1].append if stack else found.append)(element)
        stack.append(element)

    def characters(text):
        if stack and len(stack[-1]):
            stack[-1][-1].tail = (stack[-1][-1].tail or "") + text
        elif stack:
            stack[-1].text = (stack[-1].text or "") + text

    def entity(name, is_parameter, value, *_):
        if value is None:   # an external entity: a file or a URL (internal ones are bounded by expat)
            raise ColourError(parser.CurrentLineNumber, f"the SVG declares the external entity '{name}': "
                                                        "remove it (export the SVG again)")

    parser.StartElementHandler, parser.EndElementHandler = start, lambda name: stack.pop()
    parser.CharacterDataHandler, parser.EntityDeclHandler = characters, entity
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise ColourError(error.lineno, f"not a well-formed SVG ({expat.errors.messages[error.code]}): "
                                        "fix it or export it again") from None
    return found[0], lines


def _name(expat_name: str) -> str:
    """"http://www.w3.org/2000/svg rect" -> "{http://www.w3.org/2000/svg}rect"."""
    return "{%s}%s" % tuple(expat_name.split(" ", 1)) if " " in expat_name else expat_name


def html_styles(text: str, ink: Ink) -> str:
    """An HTML document -> the same with the colours of its style attributes and <style> elements in device-cmyk()."""
    finder = _Styles(text, ink)
    finder.feed(text)
    finder.close()
    out, done = [], 0
    for start, end, converted in finder.changes:
        out += [text[done:start], converted]
        done = end
    return "".join(out) + text[done:]


STYLE_ATTRIBUTE = re.compile(r"""(\sstyle\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)


class _Styles(HTMLParser):
    """Finds the style attributes and <style> elements of an HTML text: (start, end, converted text)."""

    def __init__(self, text: str, ink: Ink):
        super().__init__(convert_charrefs=True)
        self.text, self.ink, self.changes, self._style_from = text, ink, [], None
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def _position(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        tag_text, start = self.get_starttag_text(), self._position()
        if any(name == "style" for name, _ in attrs):
            converted = STYLE_ATTRIBUTE.sub(self._attribute, tag_text)
            self.changes.append((start, start + len(tag_text), converted))
        if tag == "style":
            self._style_from = start + len(tag_text)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "style" and self._style_from is not None:
            end = self._position()
            css = self.text[self._style_from:end]
            self.changes.append((self._style_from, end, stylesheet(css, self.ink)))
            self._style_from = None

    def _attribute(self, match) -> str:
        css = html.unescape(next(group for group in match.groups()[1:] if group is not None))
        return f'{match.group(1)}"{html.escape(declarations(css, self.ink, self.getpos()[0]), quote=True)}"'
