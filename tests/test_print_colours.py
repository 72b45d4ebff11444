"""The print variant's colours read back from the PDF: every CSS syntax in CMYK, alpha kept, SVG figures intact."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageCms

from brochure.resources import shipped
from brochure.book.builder import Builder, Options
from brochure.build import build, preview
from brochure.pdf import colours
from brochure.pdf.variants import PROFILE
from brochure.problems import BrochureError, ContentError
from conftest import EDITIONS

# A figure whose fragment ids look like hex colours: #bad (a pattern) and #face (a shape drawn by <use>).
FIGURE = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="200" height="100" viewBox="0 0 200 100">
  <defs>
    <pattern id="bad" width="10" height="10" patternUnits="userSpaceOnUse">
      <rect width="5" height="5" fill="rgb(40% 40% 40%)"/>
    </pattern>
    <g id="face"><circle cx="150" cy="50" r="40" fill="rgba(0, 0, 0, 0.5)"/></g>
  </defs>
  <rect x="0" y="0" width="100" height="100" fill="url(#bad)" stroke="#fed"/>
  <use href="#face"/>
  <path d="M 0 0 L 200 100" style="stroke: hsl(0 0% 30%); stroke-width: 2"/>
</svg>
"""
# A Latin-1 SVG (declared so) with one triangle.
LATIN1 = ('<?xml version="1.0" encoding="iso-8859-1"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="60" height="60">'
          '<title>Été</title><polygon points="0,0 60,0 30,60" fill="dimgray"/></svg>\n').encode("latin-1")
STYLES = """@import url("theme:default/card.css");
.card-title { color: rgb(50% 50% 50%); }
.collectivity { color: hsl(0 0% 25%); }
.section-label { color: #0008; }
.tutor-name { color: #00000040; }
.author-name { color: rgba(0, 0, 0, 0.25); }
.card-number { color: rebeccapurple; }
"""


def _edition(root: Path) -> Path:
    shutil.copytree(EDITIONS / "mini", root, ignore=shutil.ignore_patterns("build"))
    images = root / "data" / "images"
    images.mkdir()
    (images / "figure.svg").write_text(FIGURE)
    (images / "latin1.svg").write_bytes(LATIN1)
    (root / "styles").mkdir()
    (root / "styles" / "card.css").write_text(STYLES)
    card = root / "data" / "cards" / "01-alpha.md"
    card.write_text(card.read_text().replace("## Problématique", "![Figure](../images/figure.svg)\n\n"
                                             "![Triangle](../images/latin1.svg)\n\n## Problématique"))
    return root


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    """Card 01 of an edition using every colour syntax, previewed in the print variant."""
    root = _edition(tmp_path_factory.mktemp("colours") / "mini")
    return preview(root, "1", variant="print").path


def paints(path: Path) -> list[tuple]:
    """(operator, colour space, values, alpha) of every colour set on the pages, forms and patterns included."""
    found = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            _paints(page.obj, found, {})
    return found


def _paints(holder, found: list, seen: dict) -> None:
    resources = holder.get("/Resources") or {}
    states = resources.get("/ExtGState") or {}
    space, alpha = {"f": None, "s": None}, Decimal(1)
    for operands, operator in pikepdf.parse_content_stream(holder):
        op = str(operator)
        if op == "gs":
            alpha = Decimal(str(states[str(operands[0])].get("/ca", alpha)))
        elif op in ("cs", "CS"):
            space["f" if op == "cs" else "s"] = str(operands[0])
        elif op in ("scn", "SCN", "sc", "SC", "rg", "RG", "k", "K", "g", "G"):
            current = space["f" if op in ("scn", "sc") else "s"]
            found.append((op, current, tuple(round(float(v), 4) for v in operands if not isinstance(v, pikepdf.Name)),
                          round(float(alpha), 4)))
    for kind in ("/XObject", "/Pattern"):
        for inner in (resources.get(kind) or {}).values():
            if inner.objgen not in seen and (inner.get("/Subtype") == "/Form" or inner.get("/PatternType") == 1):
                seen[inner.objgen] = True
                _paints(inner, found, seen)


def cmyk_fills(path: Path) -> set[tuple]:
    return {(values, alpha) for op, space, values, alpha in paints(path) if op == "scn" and space == "/DeviceCMYK"}


def test_every_css_colour_syntax_prints_in_cmyk_with_its_alpha(printed):
    fills = cmyk_fills(printed)
    assert ((0, 0, 0, 0.5), 1) in fills                 # rgb(50% 50% 50%): a grey, black ink alone
    assert ((0, 0, 0, 0.75), 1) in fills                # hsl(0 0% 25%)
    assert ((0, 0, 0, 1), 0.5333) in fills              # #0008: 4-digit hex, alpha 0x88
    assert ((0, 0, 0, 1), 0.251) in fills               # #00000040: 8-digit hex, alpha 0x40
    assert ((0, 0, 0, 1), 0.25) in fills                # rgba(0, 0, 0, 0.25)
    purple = tuple(v / 100 for v in _ink((0x66, 0x33, 0x99)))
    assert (purple, 1) in fills                         # rebeccapurple, through the output profile
    assert not [p for p in paints(printed) if p[0] in ("rg", "RG", "g", "G")]


def test_svg_fragment_ids_that_look_like_colours_are_left_alone(printed):
    with pikepdf.open(printed) as pdf:
        patterns = [p for form in _forms(pdf) for p in (form.Resources.get("/Pattern") or {}).values()]
        assert patterns, "the rectangle filled with url(#bad) lost its pattern"
        squares = [op for p in patterns for holder in (p, *_inner_forms(p, set()))
                   for _, op in pikepdf.parse_content_stream(holder) if str(op) == "re"]
        assert squares, "the pattern draws nothing"
    fills = cmyk_fills(printed)
    assert ((0, 0, 0, 1), 0.5) in fills                 # the circle drawn by <use href="#face">, half transparent
    assert ((0, 0, 0, 0.6), 1) in fills                 # the pattern's squares, rgb(40% 40% 40%)
    strokes = {(v, a) for op, space, v, a in paints(printed) if op == "SCN" and space == "/DeviceCMYK"}
    assert ((0, 0, 0, 0.7), 1) in strokes               # the path's style attribute: hsl(0 0% 30%)


def test_a_latin1_svg_is_printed(printed):
    # dimgray (105, 105, 105) is the triangle's alone: 59 % black, and a path of three sides painted with it
    assert shapes_filled_with(printed, (0, 0, 0, 0.59)) == [["m", "l", "l", "h"]]


def shapes_filled_with(path: Path, values: tuple) -> list[list[str]]:
    """The path operators of every shape filled right after the CMYK fill colour `values` is set."""
    shapes = []
    with pikepdf.open(path) as pdf:
        for holder in _forms(pdf):
            current, path_ops = None, []
            for operands, operator in pikepdf.parse_content_stream(holder):
                op = str(operator)
                if op == "scn":
                    current = tuple(round(float(v), 4) for v in operands if not isinstance(v, pikepdf.Name))
                elif op in ("m", "l", "c", "h", "re"):
                    path_ops.append(op)
                elif op in ("f", "f*", "B", "B*", "b", "b*", "S", "s", "n"):
                    if current == values and op != "S" and op != "n":
                        shapes.append(path_ops)
                    path_ops = []
    return shapes


def _forms(pdf):
    """The pages and every form XObject drawn on them."""
    seen = set()
    for page in pdf.pages:
        yield page.obj
        yield from _inner_forms(page.obj, seen)


def _inner_forms(holder, seen):
    for xobject in ((holder.get("/Resources") or {}).get("/XObject") or {}).values():
        if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
            seen.add(xobject.objgen)
            yield xobject
            yield from _inner_forms(xobject, seen)


def _ink(rgb):
    """What the bundled profile gives for an sRGB colour, in percent (Pillow's LittleCMS, not our code)."""
    profile = ImageCms.getOpenProfile(str(shipped("assets") / PROFILE.relative_to("assets")))
    transform = ImageCms.buildTransform(ImageCms.createProfile("sRGB"), profile, "RGB", "CMYK",
                                        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
    pixel = ImageCms.applyTransform(Image.new("RGB", (1, 1), rgb), transform).getpixel((0, 0))
    return tuple(round(v / 2.55) for v in pixel)


def test_two_print_builds_of_the_same_sources_are_byte_identical(mini, tmp_path):
    first = build(mini, variant="print", output=tmp_path / "first.pdf").path.read_bytes()
    second = build(mini, variant="print", output=tmp_path / "second.pdf").path.read_bytes()
    assert first == second
    with pikepdf.open(tmp_path / "first.pdf") as pdf:
        assert str(pdf.open_metadata()["xmpMM:DocumentID"]).startswith("xmp.did:")


def test_a_gradient_stops_the_print_build_with_its_file_and_line(mini):
    (mini / "styles").mkdir()
    (mini / "styles" / "card.css").write_text('@import url("theme:default/card.css");\n\n'
                                              ".card-title { background: linear-gradient(red, blue); }\n")
    with pytest.raises(BrochureError) as error:
        preview(mini, "1", variant="print")
    assert str(error.value).splitlines()[0] == (
        "styles/card.css:3: colour: linear-gradient() cannot be printed in CMYK by WeasyPrint: use a solid colour")


def test_a_corrupt_icc_profile_is_named_with_what_to_do(mini):
    (mini / "assets" / "icc").mkdir(parents=True)
    (mini / "assets" / "icc" / "brochure-cmyk-fogra39.icc").write_bytes(b"not a profile at all")
    with pytest.raises(BrochureError) as error:
        preview(mini, "1", variant="print")
    message = str(error.value)
    assert message.startswith("assets/icc/brochure-cmyk-fogra39.icc: not a usable CMYK ICC profile (")
    assert message.endswith("replace it with the profile your printer gives you, "
                            "or delete it to use the bundled FOGRA39 one")
    assert "\n" not in message


def grey(rgb):
    """A stand-in profile: the channels' mean as black ink, so that every expected value is plain arithmetic."""
    return 0, 0, 0, round(100 - sum(rgb) / 3 / 2.55)


@pytest.mark.parametrize("written, printed", [
    ("#000", "device-cmyk(0% 0% 0% 100%)"),
    ("#0008", "device-cmyk(0% 0% 0% 100% / 0.5333)"),
    ("#808080", "device-cmyk(0% 0% 0% 50%)"),
    ("#80808040", "device-cmyk(0% 0% 0% 50% / 0.251)"),
    ("rgb(128, 128, 128)", "device-cmyk(0% 0% 0% 50%)"),
    ("rgba(0, 0, 0, .5)", "device-cmyk(0% 0% 0% 100% / 0.5)"),
    ("rgb(50% 50% 50% / 25%)", "device-cmyk(0% 0% 0% 50% / 0.25)"),
    ("hsl(0 0% 50%)", "device-cmyk(0% 0% 0% 50%)"),
    ("hsla(0, 0%, 0%, 0.3)", "device-cmyk(0% 0% 0% 100% / 0.3)"),
    ("hwb(0 50% 50%)", "device-cmyk(0% 0% 0% 50%)"),
    ("gray", "device-cmyk(0% 0% 0% 50%)"),
    ("WHITE", "device-cmyk(0% 0% 0% 0%)"),
    ("lab(53.39 0 0)", "device-cmyk(0% 0% 0% 50%)"),          # L* of sRGB 50 % grey
    ("oklch(0.5999 0 0)", "device-cmyk(0% 0% 0% 50%)"),
    ("color(srgb 0.5 0.5 0.5)", "device-cmyk(0% 0% 0% 50%)"),
    ("color(srgb-linear 0.214 0.214 0.214)", "device-cmyk(0% 0% 0% 50%)"),
    ("color(xyz 0.2034 0.214 0.2330)", "device-cmyk(0% 0% 0% 50%)"),          # D65 white x 0.214
    ("lch(53.39 0 0 / 0.5)", "device-cmyk(0% 0% 0% 50% / 0.5)"),
    ("device-cmyk(10% 20% 30% 40%)", "device-cmyk(10% 20% 30% 40%)"),
])
def test_each_colour_syntax_becomes_device_cmyk(written, printed):
    assert colours.stylesheet(f"p {{ color: {written} }}", grey) == f"p {{ color: {printed} ;}}"


def test_a_wide_gamut_colour_is_refused_with_its_line():
    with pytest.raises(colours.ColourError) as error:
        colours.stylesheet("p {}\n\nh1 { color: color(display-p3 1 0 0) }", grey)
    assert (error.value.line, str(error.value)) == (3, "color(display-p3 1 0 0): colours in display-p3 cannot be "
                                                       "converted to CMYK here: write them as rgb(), hsl() or lab()")


def test_only_colours_change_never_selectors_urls_strings_or_names():
    css = ('#bad, .face { font-family: Red Hat; content: "#fff red"; background: url(#bad) #fff; '
           'border-color: currentColor; animation-name: tan }\n@font-face { font-family: X; src: url(#face) }')
    assert colours.stylesheet(css, grey) == (
        '#bad, .face { font-family: Red Hat; content: "#fff red"; background: url(#bad) device-cmyk(0% 0% 0% 0%); '
        'border-color: currentColor; animation-name: tan ;}\n@font-face { font-family: X; src: url(#face) }')


def test_svg_colour_attributes_change_fragment_ids_do_not():
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
           b'<rect id="fed" fill="url(#bad)" stroke="#fff" style="fill: url(#add) red"/>'
           b'<use xlink:href="#face" href="#cafe"/><a href="#bee"><text>#fff</text></a></svg>')
    assert colours.svg(svg, grey).decode().split("\n", 1)[1] == (
        '<ns0:svg xmlns:ns0="http://www.w3.org/2000/svg" xmlns:ns1="http://www.w3.org/1999/xlink">'
        '<ns0:rect id="fed" fill="url(#bad)" stroke="device-cmyk(0% 0% 0% 0%)" '
        'style="fill: url(#add) device-cmyk(0% 0% 0% 67%);" />'
        '<ns0:use ns1:href="#face" href="#cafe" /><ns0:a href="#bee"><ns0:text>#fff</ns0:text></ns0:a></ns0:svg>')


def test_html_style_attributes_change_the_text_does_not():
    html = ('<p style="--section: #000">a style="color: #fff" b</p>\n<style>p { color: #000 }</style>'
            "<br style='color: WHITE'><hr style=color:red>")
    assert colours.html_styles(html, grey) == (
        '<p style="--section: device-cmyk(0% 0% 0% 100%);">a style="color: #fff" b</p>\n'
        '<style>p { color: device-cmyk(0% 0% 0% 100%) ;}</style><br style="color: device-cmyk(0% 0% 0% 0%);">'
        '<hr style="color:device-cmyk(0% 0% 0% 67%);">')


def test_a_malformed_svg_is_an_error_with_its_line():
    with pytest.raises(colours.ColourError) as error:
        colours.svg(b'<svg xmlns="http://www.w3.org/2000/svg">\n<rect>\n</svg>', grey)
    assert (error.value.line, str(error.value)) == (3, "not a well-formed SVG (mismatched tag): "
                                                       "fix it or export it again")


def _shaded_figure(mini: Path) -> None:
    images = mini / "data" / "images"
    images.mkdir()
    (images / "shaded.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">\n<defs>\n'
                                       '<linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient>\n'
                                       '</defs><rect width="10" height="10" fill="url(#g)"/></svg>\n')
    card = mini / "data" / "cards" / "01-alpha.md"
    card.write_text(card.read_text().replace("## Problématique",
                                             "![Ombré](../images/shaded.svg)\n\n## Problématique"))


SHADED = ("data/images/shaded.svg:3: colour: <linearGradient>: an SVG gradient cannot be printed in CMYK by "
          "WeasyPrint: use solid colours")


def test_an_svg_gradient_stops_the_print_build_with_its_file_and_line(mini):
    _shaded_figure(mini)
    with pytest.raises(BrochureError) as error:
        preview(mini, "1", variant="print")
    assert str(error.value).splitlines() == [SHADED, "1 error(s), 0 warning(s): nothing was built."]


def test_a_long_lived_builder_says_it_again_on_every_refresh_until_it_is_fixed(mini):
    _shaded_figure(mini)
    (mini / "styles").mkdir()
    sheet = mini / "styles" / "card.css"
    sheet.write_text('@import url("theme:default/card.css");\n.card-title { background: linear-gradient(red, blue); }\n')
    builder = Builder(mini, Options(variant="print"))
    for fix, problem in [(lambda: sheet.write_text('@import url("theme:default/card.css");\n'),
                          "styles/card.css:2: colour: linear-gradient() cannot be printed in CMYK by WeasyPrint: "
                          "use a solid colour"),
                         (lambda: (mini / "data" / "images" / "shaded.svg").write_text(
                             '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" '
                             'height="10"/></svg>'), SHADED)]:
        for _ in range(2):   # the second refresh reuses the renderer and what was laid out
            with pytest.raises(ContentError) as error:
                builder.refresh()
            assert [p.format(mini) for p in error.value.problems] == [problem]
        fix()
    assert builder.refresh().pages


def test_an_illustrator_svg_with_internal_entities_is_converted_an_external_one_refused():
    internal = (b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY ns_svg "http://www.w3.org/2000/svg">]>\n'
                b'<svg xmlns="&ns_svg;"><rect fill="#000"/></svg>')
    assert b'fill="device-cmyk(0% 0% 0% 100%)"' in colours.svg(internal, grey)
    external = b'<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY secret SYSTEM "/etc/passwd">]>\n<svg>&secret;</svg>'
    with pytest.raises(colours.ColourError) as error:
        colours.svg(external, grey)
    assert (error.value.line, str(error.value)) == (3, "the SVG declares the external entity 'secret': "
                                                       "remove it (export the SVG again)")
