"""`page_size` in brochure.yml: presets in any case, a width and a height in mm, cm or in; clear errors otherwise."""
import re

import pytest

from brochure.build import preview
from brochure.edition.config import load_config, page_mm
from conftest import Pdf

MM = 72 / 25.4


def with_page_size(mini, value: str):
    path = mini / "brochure.yml"
    text = re.sub(r"(?m)^page_size:.*\n", "", path.read_text(encoding="utf-8"))
    path.write_text(text + f"page_size: {value}\n", encoding="utf-8")
    return load_config(mini)


@pytest.mark.parametrize("written, kept", [("a5", "A5"), ("A5", "A5"), ("Letter", "letter"), ("b5", "B5"),
                                           ("170mm 240mm", "170mm 240mm"), ("17cm 24cm", "170mm 240mm"),
                                           ("6in 9in", "152.4mm 228.6mm"), ("170 mm × 240 mm", "170mm 240mm"),
                                           ("148,5mm 210mm", "148.5mm 210mm")])
def test_a_preset_in_any_case_or_a_width_and_height_is_accepted(mini, written, kept):
    config, problems = with_page_size(mini, written)
    assert problems == [] and config.page_size == kept


def test_an_unknown_page_size_names_the_presets_and_the_custom_form(mini):
    _, problems = with_page_size(mini, "A9")
    last_line = len((mini / "brochure.yml").read_text(encoding="utf-8").splitlines())
    assert [(p.line, p.field, p.message) for p in problems] == [
        (last_line, "page_size", "'A9' is not a page size: write one of A3, A4, A5, B5, letter, legal, or a width and a "
                          "height such as '170mm 240mm' (mm, cm or in)")]


@pytest.mark.parametrize("written, message", [
    ("170mm", "'170mm' is not a page size"),
    ("170 240", "'170 240' is not a page size"),
    ("50mm 80mm", "'50mm 80mm' is 50×80 mm: each side must be between 100 and 600 mm"),
    ("1m 2m", "'1m 2m' is not a page size"),
])
def test_a_custom_size_without_units_or_out_of_range_is_refused(mini, written, message):
    _, problems = with_page_size(mini, f'"{written}"')
    assert len(problems) == 1 and problems[0].field == "page_size" and problems[0].message.startswith(message)


def test_page_mm_reads_presets_and_custom_sizes():
    assert page_mm("A5") == (148, 210)
    assert page_mm("170mm 240mm") == (170, 240)
    assert page_mm("nonsense") is None


def test_a_custom_page_size_gives_pages_of_that_size(mini):
    with_page_size(mini, "170mm 240mm")
    pdf = Pdf(preview(mini, "01").path)
    box = pdf.reader.pages[0].mediabox
    assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (170, 240)
