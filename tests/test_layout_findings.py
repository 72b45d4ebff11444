"""Layout findings (brochure/pdf/findings.py): each class provoked once and reported with its page and card;
the stress edition holds in every shipped theme and size with none; the build, --strict and the CLI report them."""
import re
import shutil

import pytest
from click.testing import CliRunner

from brochure.build import build, preview
from brochure.cli import main
from brochure.problems import BrochureError
from conftest import EDITIONS

THEMES = ("default", "sober")
SIZES = ("A5", "A4", "170mm 240mm")


def restyle(mini, css: str) -> None:
    """The edition overrides the default theme's card.css with a few rules of its own (docs/themes.md)."""
    (mini / "styles" / "default").mkdir(parents=True, exist_ok=True)
    (mini / "styles" / "default" / "card.css").write_text('@import url("theme:default/card.css");\n' + css, encoding="utf-8")


COMPLETE_CARD = """---
number: 1
section: alpha
collectivity: Ville d'Alphaville
title: Une carte complète
authors:
  - name: Anne Alpha
    email: anne.alpha@administrateur-inet.org
    photo: portrait.jpg
---
## Contexte

La collectivité porte un projet.
"""


def card_findings(mini, number: str = "01") -> list[str]:
    return [finding.format() for finding in preview(mini, number).layout]


def set_page_size(edition, size: str) -> None:
    path = edition / "brochure.yml"
    path.write_text(re.sub(r"(?m)^page_size:.*$", f"page_size: {size}", path.read_text(encoding="utf-8")),
                    encoding="utf-8")


@pytest.fixture(scope="module", params=[(theme, size) for theme in THEMES for size in SIZES],
                ids=lambda p: f"{p[0]}-{p[1].replace(' ', '')}")
def stress_build(request, tmp_path_factory):
    theme, size = request.param
    edition = tmp_path_factory.mktemp("stress") / "stress"
    shutil.copytree(EDITIONS / "stress", edition, ignore=shutil.ignore_patterns("build", "*.py"))
    set_page_size(edition, size)
    return build(edition, theme=theme)


def test_the_stress_edition_has_no_layout_finding_in_any_theme_and_size(stress_build):
    assert [finding.format() for finding in stress_build.layout] == []
    assert stress_build.pages > 30


def test_text_out_of_its_column_is_reported_with_page_card_and_text(mini):
    restyle(mini, ".testimonial-name { width: 8mm; white-space: nowrap; }")
    findings = card_findings(mini)
    assert any(re.fullmatch(r"p\. \d+ \(card 01\): text runs \d+ mm out of its column: « Denis Delta »", line)
               for line in findings), findings


def test_a_key_figure_too_big_for_any_layout_is_reported_off_the_page(mini):
    restyle(mini, ".key-figure:not(.key-figure-missing) .figure-value "
                  "{ white-space: nowrap; overflow-wrap: normal; font-size: 200pt; }")
    findings = card_findings(mini)
    assert any(re.fullmatch(r"p\. \d+ \(card 01\): text runs \d+ mm (outside the page margins|past the trim): "
                            r"« 1 039 »", line) for line in findings), findings


def test_a_box_outside_the_page_margins_is_reported(mini):
    restyle(mini, ".tutors { margin-left: -30mm; }")
    findings = card_findings(mini)
    assert any(re.fullmatch(r"p\. \d+ \(card 01\): section runs \d+ mm outside the page margins: "
                            r"« Tutrice au sein de la collectivité Clai… »", line) for line in findings), findings


def test_text_past_the_trim_is_reported(mini):
    restyle(mini, ".tutor-role { margin-left: -30mm; }")
    findings = card_findings(mini)
    assert any(re.fullmatch(r"p\. \d+ \(card 01\): text runs \d+ mm past the trim: « Directrice générale des "
                            r"services »", line) for line in findings), findings


def test_a_heading_at_the_foot_of_its_page_is_reported(mini):
    restyle(mini, ".card-body h2 { break-after: page; }")
    findings = card_findings(mini)
    assert any(re.fullmatch(r"p\. \d \(card 01\): « Contexte » is the last thing on its page, apart from what it "
                            r"introduces", line) for line in findings), findings


def test_a_testimonials_name_apart_from_its_quote_is_reported(mini):
    restyle(mini, ".testimonial-source { break-after: page; }")
    findings = card_findings(mini)
    assert any(re.fullmatch(r"p\. \d+ \(card 01\): « Denis Delta Maire » is the last thing on its page, "
                            r"apart from what it introduces", line) for line in findings), findings


def test_a_footnote_number_on_a_line_of_its_own_is_reported(mini):
    restyle(mini, '.footnote::before { display: block; position: static; content: ""; border-top: 0.5pt solid; }')
    card = mini / "data" / "cards" / "02-beta.md"
    card.write_text(card.read_text(encoding="utf-8") + "\nUne phrase annotée[^a].\n\n[^a]: Une note.\n",
                    encoding="utf-8")
    findings = card_findings(mini, "02")
    assert any(re.fullmatch(r"p\. \d+ \(card 02\): a footnote's number stands on a line apart from its text: "
                            r"« Une note\. »", line) for line in findings), findings


def test_a_page_the_theme_did_not_ask_for_is_reported(mini):
    restyle(mini, ".card-body .part-fin { break-before: page; break-after: page; } .testimonials { display: none; }")
    card = mini / "data" / "cards" / "01-alpha.md"
    card.write_text(card.read_text(encoding="utf-8") + "\n## Fin\n\nUne dernière ligne.\n", encoding="utf-8")
    findings = card_findings(mini)
    assert any(re.fullmatch(r"p\. \d+ \(card 01\): a page of its own for 2 line\(s\) \(« FIN »\): "
                            r"the theme did not ask for it", line) for line in findings), findings


def test_a_page_left_mostly_empty_before_a_forced_break_is_reported(mini):
    restyle(mini, ".card-body .part-cles { break-before: page; break-after: page; }")
    findings = card_findings(mini)
    assert any(re.fullmatch(r"p\. \d+ \(card 01\): a page left \d\d % empty \(« DES CLÉS POUR AGIR »\): "
                            r"what follows did not fit below it", line) for line in findings), findings


def test_an_opening_band_split_across_pages_is_reported(mini):
    restyle(mini, ".card-number { break-after: page; }")
    findings = card_findings(mini)
    assert any(re.fullmatch(r"p\. \d+ \(card 01\): the opening band runs over onto a second page", line)
               for line in findings), findings


def test_lost_content_stops_the_build_and_names_the_card(mini):
    restyle(mini, ".card-sidebar, .card-sidebar-long { float: right; width: 40mm; } "
                  ".key-figures { padding-bottom: 300mm; }")
    with pytest.raises(BrochureError) as error:
        preview(mini, "01")
    assert re.fullmatch(r"p\. \d+ \(card 01\): \d element\(s\) lost: a box taller than a page cannot be split "
                        r"here \(shorten it\)", error.value.message), error.value.message


def test_the_build_prints_each_finding_and_counts_them(mini):
    restyle(mini, ".card-body h2 { break-after: page; }")
    result = CliRunner().invoke(main, ["-C", str(mini), "build"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: p. ")]
    assert warnings and all(re.fullmatch(r"warning: p\. \d+ \(card 0\d\): .+", line) for line in warnings)
    assert re.search(rf"built .*mini\.pdf: \d+ page\(s\) in [\d.]+ s, {len(warnings)} layout finding\(s\)\n",
                     result.stdout)


def test_strict_turns_findings_into_errors_and_writes_nothing(mini):
    restyle(mini, ".card-body h2 { break-after: page; }")
    cards = mini / "data" / "cards"
    for card in cards.glob("*.md"):   # one card with nothing left to complete: only the layout is at fault
        card.unlink()
    shutil.copy(EDITIONS / "stress" / "data" / "images" / "portrait-600.jpg", cards / "portrait.jpg")
    cards.joinpath("01-seule.md").write_text(COMPLETE_CARD, encoding="utf-8")
    result = CliRunner().invoke(main, ["-C", str(mini), "build", "--strict"])
    assert result.exit_code == 1
    assert "layout finding(s): nothing was written (--strict)." in result.stderr
    assert not (mini / "build" / "mini.pdf").exists()


def test_the_print_preflight_sees_text_in_the_bleed_as_the_build_does(mini):
    restyle(mini, ".tutor-role { margin-left: calc(0mm - var(--page-outer) - 1.5mm); }")   # 1.5 mm into the bleed
    result = build(mini, variant="print")
    assert any(re.fullmatch(r"p\. 8 \(card 01\): text runs \d mm past the trim: « Directrice générale des services »",
                            finding.format()) for finding in result.layout), result.layout
    assert any(re.fullmatch(r"p\. 8 \(card 01\): \d+ character\(s\) of text fall outside the trim \(they would be "
                            r"cut off\)", finding.format()) for finding in result.findings), result.findings
