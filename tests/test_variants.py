"""Output variants read back with tools we did not write (pikepdf, qpdf): boxes, output intent, colours, images."""
from __future__ import annotations

import shutil
import subprocess

import pikepdf
import pytest
from PIL import Image

from brochure.build import build
from brochure.pdf.preflight import preflight
from conftest import Pdf

MM = 72 / 25.4


@pytest.fixture
def photos(mini):
    """The mini edition with real pictures: a 300 dpi JPEG portrait and a PNG with alpha as a figure."""
    images = mini / "data" / "images"
    images.mkdir()
    Image.new("RGB", (1200, 1200), (200, 60, 40)).save(images / "portrait.jpg", dpi=(300, 300), quality=90)
    chart = Image.new("RGBA", (1600, 900), (0, 0, 0, 0))
    chart.paste((30, 120, 200, 255), (100, 100, 1500, 800))
    chart.save(images / "chart.png")
    card = mini / "data" / "cards" / "01-alpha.md"
    text = card.read_text()
    text = text.replace("    email: anne.alpha@administrateur-inet.org\n",
                        "    email: anne.alpha@administrateur-inet.org\n    photo: ../images/portrait.jpg\n")
    text = text.replace("## Problématique", "![Un graphique](../images/chart.png)\n\n## Problématique")
    card.write_text(text)
    return mini


def images_of(path):
    """(colour space, components, width, height) of every image in the file."""
    found = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for image in (page.obj.Resources.get("/XObject") or {}).values():
                if image.get("/Subtype") != "/Image":
                    continue
                space = image.get("/ColorSpace")
                family = str(space[0] if isinstance(space, pikepdf.Array) else space)
                components = int(space[1].N) if family == "/ICCBased" else {"/DeviceRGB": 3, "/DeviceCMYK": 4,
                                                                            "/DeviceGray": 1}.get(family, 0)
                found.append((family, components, int(image.Width), int(image.Height)))
    return found


def colour_operators(path):
    """Colour operators and colour spaces used in all content streams, forms included."""
    used = set()
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            holders = [page.obj] + [x for x in page.obj.Resources.get("/XObject", {}).values()
                                    if x.get("/Subtype") == "/Form"]
            for holder in holders:
                spaces = holder.get("/Resources", {}).get("/ColorSpace", {})
                for operands, operator in pikepdf.parse_content_stream(holder):
                    if str(operator) in ("rg", "RG", "k", "K"):
                        used.add(str(operator))
                    elif str(operator) in ("cs", "CS"):
                        space = spaces.get(str(operands[0]), operands[0])
                        family = str(space[0]) if isinstance(space, pikepdf.Array) else str(space)
                        n = int(space[1].N) if family == "/ICCBased" else None
                        used.add(f"{family}{n or ''}")
    return used


def test_print_variant_is_pdfx_with_bleed_trim_and_cmyk_output_intent(photos):
    result = build(photos, variant="print")
    assert result.path.name == "mini-print.pdf"
    with pikepdf.open(result.path) as pdf:
        for page in pdf.pages:
            media = [float(v) for v in page.MediaBox]
            trim = [float(v) for v in page.TrimBox]
            assert trim == pytest.approx([0, 0, 210 * MM, 297 * MM], abs=0.1)
            assert media == pytest.approx([-3 * MM, -3 * MM, 213 * MM, 300 * MM], abs=0.1)
            assert [float(v) for v in page.BleedBox] == pytest.approx(media, abs=0.1)
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFX" and int(intent.DestOutputProfile.N) == 4
        assert "PDF/X-4" in str(pdf.open_metadata().get("pdfxid:GTS_PDFXVersion", ""))
    assert "rg" not in colour_operators(result.path) and "RG" not in colour_operators(result.path)
    assert not any(space in ("/DeviceRGB",) or (space == "/ICCBased" and n == 3)
                   for space, n, _, _ in images_of(result.path))
    assert "Premier titre de carte" in " ".join(Pdf(result.path).pages)      # text still extractable


def test_print_images_are_cmyk_at_full_resolution_screen_ones_rgb_and_lighter(photos, tmp_path):
    printed = images_of(build(photos, variant="print").path)
    screen = images_of(build(photos, output=tmp_path / "screen.pdf").path)
    assert {(1200, 1200), (1600, 900)} <= {(w, h) for _, _, w, h in printed}
    assert all(n == 4 for _, n, w, h in printed if (w, h) in ((1200, 1200), (1600, 900)))
    # On screen, images are downsampled to 150 dpi at their placed size: the 30 mm portrait to ~177 px.
    portrait = [w for _, n, w, h in screen if w == h and n == 3]
    assert portrait and max(portrait) <= 30 / 25.4 * 150 + 2
    chart = [w for _, n, w, h in screen if w > h]
    assert chart and max(chart) < 1600


def test_qpdf_finds_no_error_in_either_variant(photos, tmp_path):
    if shutil.which("qpdf") is None:
        pytest.skip("qpdf is not installed (scripts/env.sh installs it)")
    for path in (build(photos, variant="print").path, build(photos, output=tmp_path / "s.pdf").path):
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_screen_variant_is_rgb_with_links_and_bookmarks(mini):
    result = build(mini)
    with pikepdf.open(result.path) as pdf:
        assert "/OutputIntents" not in pdf.Root
        page = pdf.pages[0]
        assert [float(v) for v in page.MediaBox] == pytest.approx([0, 0, 210 * MM, 297 * MM], abs=0.1)
        sommaire = pdf.pages[result.first_pages["sommaire"] - 1]
        links = [a for a in sommaire.get("/Annots", []) if a.get("/Subtype") == "/Link"]
        assert len(links) >= 3 and all("/Dest" in a or "/A" in a for a in links)
    assert "/DeviceCMYK" not in colour_operators(result.path)
    assert len(Pdf(result.path).bookmarks()) >= 6


def test_accessible_and_archival_options(mini, tmp_path):
    tagged = build(mini, accessible=True, output=tmp_path / "ua.pdf").path
    with pikepdf.open(tagged) as pdf:
        assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
        assert str(pdf.Root.Lang) == "fr"
    archival = build(mini, archival=True, output=tmp_path / "a.pdf").path
    with pikepdf.open(archival) as pdf:
        assert pdf.open_metadata().get("pdfaid:part") == "2"


def test_preflight_reports_low_resolution_images_and_rgb_with_page_and_card(photos, tmp_path):
    small = photos / "data" / "images" / "portrait.jpg"
    Image.new("RGB", (80, 80), (200, 60, 40)).save(small)
    result = build(photos, variant="print")
    low = [f for f in result.findings if "dpi" in f.message]
    assert low and low[0].card == "card 01" and "under 300" in low[0].message
    assert low[0].page == result.first_pages["card-01"]
    screen = build(photos, output=tmp_path / "screen.pdf")
    findings = preflight(screen.path, True, screen.first_pages)
    assert any("RGB colour" in f.message for f in findings)
    assert any("no output intent" in f.message for f in findings)
    assert any("no bleed" in f.message for f in findings)


def test_preflight_sees_full_page_colour_that_stops_at_the_trim(mini):
    (mini / "styles").mkdir()
    (mini / "styles" / "card.css").write_text('@import url("theme:default/card.css");\n'
                                              ".divider-page { margin: 0; height: var(--page-height); }\n")
    result = build(mini, variant="print")
    short = [f for f in result.findings if "stops at the trim" in f.message]
    assert short and all(f.card.startswith("divider") for f in short)


def test_a_section_colour_declared_in_cmyk_is_printed_with_exactly_those_inks(mini):
    config = mini / "brochure.yml"
    config.write_text(config.read_text().replace('color: "#c0392b"', 'color: "#c0392b"\n    cmyk: [10, 20, 30, 40]'))
    result = build(mini, variant="print")
    inks = set()
    with pikepdf.open(result.path) as pdf:
        page = pdf.pages[result.first_pages["card-01"] - 1]
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) in ("scn", "SCN") and len(operands) == 4:
                inks.add(tuple(round(float(v), 3) for v in operands))
    assert (0.1, 0.2, 0.3, 0.4) in inks
