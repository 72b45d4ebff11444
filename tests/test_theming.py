"""Theming for designers: overrides scoped to one theme, extra_css, section colours as custom properties,
`check --theme`, CSS problems at their stylesheet's line, WeasyPrint's layout failures in one line."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypdfium2
import pytest
from click.testing import CliRunner

from brochure.build import build
from brochure.cli import main
from conftest import EDITIONS, Pdf


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def add_config(edition: Path, text: str) -> int:
    """Append `text` to brochure.yml; the line it starts on."""
    config = edition / "brochure.yml"
    line = len(config.read_text().splitlines()) + 1
    config.write_text(config.read_text() + text)
    return line


def write(edition: Path, name: str, text: str) -> Path:
    path = edition / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def extra_css(edition: Path, css: str) -> None:
    write(edition, "styles/custom.css", css)
    add_config(edition, "extra_css: [styles/custom.css]\n")


def band_colour(pdf: Path, page: int) -> tuple[int, int, int]:
    """The colour at the top middle of a page (where a card's opening band is), as a reader sees it."""
    document = pypdfium2.PdfDocument(str(pdf))
    image = document[page - 1].render(scale=0.3).to_pil().convert("RGB")
    return image.getpixel((image.width // 2, 4))


def near(colour, expected, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected))


# Overrides scoped to one theme

@pytest.fixture(scope="module")
def sober_alone(tmp_path_factory) -> list[str]:
    edition = tmp_path_factory.mktemp("alone") / "mini"
    shutil.copytree(EDITIONS / "mini", edition)
    return Pdf(build(edition, theme="sober").path).pages


def test_sober_builds_unchanged_next_to_an_edition_that_overrides_default(mini, sober_alone, tmp_path):
    shutil.copytree(EDITIONS / "override", mini, dirs_exist_ok=True)
    default = Pdf(build(mini, output=tmp_path / "default.pdf").path)
    assert "Gabarit remplacé par l'édition" in default.pages[-1]                 # the overrides apply to default
    assert "ÉDITION LOCALE" in " ".join(default.pages).upper()
    sober = Pdf(build(mini, theme="sober", output=tmp_path / "sober.pdf").path)
    assert sober.pages == sober_alone                                          # and sober never sees them


def test_an_override_folder_of_sober_changes_sober_only(mini, tmp_path):
    write(mini, "templates/sober/back-page.html",
          '{% extends "theme:sober/back-page.html" %}{% block content %}<p>Pour sober seulement</p>'
          "{{ super() }}{% endblock %}")
    assert "Pour sober seulement" in Pdf(build(mini, theme="sober", output=tmp_path / "s.pdf").path).pages[-1]
    assert "Pour sober seulement" not in " ".join(Pdf(build(mini, output=tmp_path / "d.pdf").path).pages)


def test_a_flat_override_is_used_by_the_edition_theme_only_and_warned_about(mini, tmp_path):
    write(mini, "templates/back-page.html", '{% extends "theme:default/back-page.html" %}'
          "{% block content %}<p>Plat</p>{{ super() }}{% endblock %}")
    result = run("-C", mini, "check")
    assert result.exit_code == 0, result.output
    assert ("templates/back-page.html:1: override: warning: a file directly in templates/ overrides only the "
            "edition's theme 'default' and no other: move it to templates/default/back-page.html, where it will "
            "keep overriding 'default'") in result.output.splitlines()
    assert "Plat" in Pdf(build(mini, output=tmp_path / "d.pdf").path).pages[-1]
    result = run("-C", mini, "build", "--theme", "sober", "-o", tmp_path / "s.pdf")
    assert result.exit_code == 0, result.output
    assert ("templates/back-page.html:1: override: warning: not used with the theme 'sober': a file directly in "
            "templates/ overrides only the edition's theme 'default'; move it to templates/default/back-page.html "
            "(or to templates/sober/back-page.html for this theme)") in result.output.splitlines()
    assert "Plat" not in " ".join(Pdf(tmp_path / "s.pdf").pages)


def test_a_flat_override_fails_a_strict_check(mini):
    write(mini, "styles/card.css", '@import url("theme:default/card.css");\n')
    result = run("-C", mini, "check", "--strict")
    assert result.exit_code == 1
    assert "styles/card.css:1: override: warning: a file directly in styles/ overrides only" in result.output


# extra_css and section colours

def test_extra_css_is_applied_after_the_theme_and_restyles_a_section_without_important(mini):
    extra_css(mini, ":root { --section-alpha: #0000ff; }\n.collectivity::after { content: ' — feuille en plus'; }\n")
    pdf = Pdf(build(mini).path)
    page = pdf.card_page("Premier titre de carte")                      # a card of the section alpha
    assert "FEUILLE EN PLUS" in pdf.pages[page - 1].upper()
    assert near(band_colour(pdf.path, page), (0, 0, 255))
    other = pdf.card_page("Deuxième titre de carte")                   # section beta keeps brochure.yml's colour
    assert near(band_colour(pdf.path, other), (0x16, 0xa0, 0x85))


def test_a_theme_restyles_one_section_by_its_class(mini):
    write(mini, "styles/mine/theme.yml", "extends: default\nstylesheets: [fonts.css, variables.css, page.css, "
          "base.css, book.css, card.css, draft.css, mine.css]\n")
    write(mini, "styles/mine/mine.css", ".section-beta { --section: #00ff00; }\n")
    add_config(mini, "theme: mine\n")
    pdf = Pdf(build(mini).path)
    assert near(band_colour(pdf.path, pdf.card_page("Deuxième titre de carte")), (0, 255, 0))
    assert near(band_colour(pdf.path, pdf.card_page("Premier titre de carte")), (0xc0, 0x39, 0x2b))


@pytest.mark.parametrize("entry, message", [
    ("styles/nope.css", "'styles/nope.css' does not exist (paths are relative to brochure.yml)"),
    ("data/editorial.md", "'data/editorial.md' is not a stylesheet: give the path of a .css file, "
                          "e.g. styles/custom.css"),
    ("../../outside.css", "'../../outside.css' "),
])
def test_a_bad_extra_css_entry_is_named_at_its_line(mini, entry, message):
    line = add_config(mini, f"extra_css:\n  - {entry}\n")
    result = run("-C", mini, "check")
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(f"brochure.yml:{line + 1}: extra_css[1]: {message}")


# check --theme and CSS problems

def own_theme(edition: Path, css: str, chosen: bool = False) -> None:
    """A theme `mine` extending default, its own stylesheet holding `css`."""
    write(edition, "styles/mine/theme.yml", "extends: default\nstylesheets: [fonts.css, variables.css, page.css, "
          "base.css, book.css, card.css, draft.css, mine.css]\n")
    write(edition, "styles/mine/mine.css", css)
    if chosen:
        add_config(edition, "theme: mine\n")


def test_check_theme_checks_that_theme_and_check_alone_the_edition_theme(mini):
    own_theme(mini, "p {\n  colr: red;\n  margin: 3qq;\n}\n")
    clean = run("-C", mini, "check")
    assert clean.exit_code == 0 and "mine.css" not in clean.output
    result = run("-C", mini, "check", "--theme", "mine")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "styles/mine/mine.css:2: css: warning: unknown property 'colr' (did you mean 'color'?): ignored" in lines
    assert "styles/mine/mine.css:3: css: warning: '3qq' is not a valid value for 'margin': ignored" in lines
    strict = run("-C", mini, "check", "--strict", "--theme", "mine")
    assert strict.exit_code == 1
    assert "styles/mine/mine.css:2: css: warning: unknown property 'colr'" in strict.output


def test_check_theme_names_a_theme_that_does_not_exist(mini):
    result = run("-C", mini, "check", "--theme", "sobre")
    assert result.exit_code == 1
    assert result.output.startswith("theme 'sobre' not found (looked for ")
    assert result.output.rstrip().endswith("themes available: default, sober")


def test_a_missing_import_is_not_found_with_the_nearest_names_in_check_and_build(mini):
    own_theme(mini, '/* mine */\n@import url("theme:default/crad.css");\n', chosen=True)
    for command in ("check", "build"):
        result = run("-C", mini, command)
        assert result.exit_code == 1
        assert result.output.splitlines() == [
            "styles/mine/mine.css:2: css: @import 'theme:default/crad.css' not found (nearest: card.css, draft.css, "
            "page.css)", "1 error(s), 0 warning(s): nothing was built."]
    assert "refused" not in result.output


def test_a_missing_url_is_not_found_at_its_stylesheet_line(mini):
    write(mini, "styles/paper.png", "not read")
    extra_css(mini, "/* texture */\n.card { background: url(papper.png); }\n")
    result = run("-C", mini, "build")
    assert result.exit_code == 1
    assert result.output.splitlines() == ["styles/custom.css:2: css: 'papper.png' not found (nearest: paper.png)",
                                          "1 error(s), 0 warning(s): nothing was built."]


def test_a_bad_custom_property_is_named_where_used_and_where_set(mini):
    own_theme(mini, ":root {\n  --gap: red;\n}\n.card-title { margin-top: var(--gap); }\n", chosen=True)
    result = run("-C", mini, "build")
    assert result.exit_code == 0, result.output
    assert ("styles/mine/mine.css:4: css: warning: 'red' is not a valid value for 'margin-top' (from --gap, set at "
            "styles/mine/mine.css:2): ignored") in result.output.splitlines()


def test_a_weasyprint_layout_crash_is_one_line_naming_the_unit_and_the_stylesheet(mini):
    extra_css(mini, ".card-body { columns: 2; }\n.card-body p::first-letter { float: left; font-size: 4em; }\n")
    result = run("-C", mini, "build")
    assert result.exit_code == 1
    # every card of the edition has the construction; on several cores, the first to fail is named
    assert re.match(r"card-0[123]: WeasyPrint could not lay it out \(AssertionError in weasyprint/layout/float\.py:",
                    result.output)
    assert ("a CSS construction it cannot handle; likely a rule of styles/custom.css, the stylesheet changed last; "
            "see 'WeasyPrint traps' in docs/themes.md") in result.output
    assert len(result.output.splitlines()) == 1 and "Traceback" not in result.output


# Blocks and incomplete themes

def test_a_block_the_parent_lacks_is_an_error_at_its_line_with_the_nearest_names(mini):
    write(mini, "templates/default/card.html", '{% extends "theme:default/card.html" %}\n'
          "{% block opening %}x{% endblock %}\n{% block autors %}{{ super() }}{% endblock %}\n")
    result = run("-C", mini, "check")
    assert result.exit_code == 1
    blocks = ("authors, body, collectivity, content, head, main, number, opening_band, section_label, testimonials, title, "
              "tutors")
    assert result.output.splitlines() == [
        "templates/default/card.html:2: template: block 'opening' is not a block of theme:default/card.html, so it "
        f"would never show (did you mean 'opening_band'?); its blocks: {blocks}",
        "templates/default/card.html:3: template: block 'autors' is not a block of theme:default/card.html, so it "
        f"would never show (did you mean 'authors'?); its blocks: {blocks}",
        "2 error(s), 0 warning(s): nothing was built."]


def test_a_block_of_a_grandparent_may_be_redefined(mini):
    write(mini, "templates/default/card.html", '{% extends "theme:default/card.html" %}\n'
          "{% block head %}{{ super() }}<meta name=\"x\" content=\"y\">{% endblock %}\n")
    assert run("-C", mini, "check").exit_code == 0


@pytest.mark.parametrize("text", ["", "extends:\n"])
def test_a_theme_with_nothing_and_no_parent_is_named_at_its_theme_file(mini, text):
    write(mini, "styles/mine/theme.yml", text)
    result = run("-C", mini, "check", "--theme", "mine")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "styles/mine/theme.yml:1: extends: the theme 'mine' has no templates (templates/mine/ holds none) and extends "
        "no theme that has: add 'extends: default'",
        "styles/mine/theme.yml:1: stylesheets: the theme 'mine' lists no stylesheets and extends no theme that does: "
        "add 'extends: default' or a list 'stylesheets:'",
        "2 error(s), 0 warning(s): nothing was built."]


def test_a_parent_template_not_found_is_named_at_its_line_with_the_nearest_names(mini):
    write(mini, "templates/default/card.html", '\n{% extends "theme:default/crad.html" %}\n')
    result = run("-C", mini, "check")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "templates/default/card.html:2: template: template 'theme:default/crad.html' not found (nearest: "
        "theme:default/card.html, theme:default/cover.html, theme:default/web/card.html); searched: the 'default' theme")


def test_new_blocks_inside_a_redefined_block_are_allowed(mini):
    write(mini, "templates/default/back-page.html", '{% extends "theme:default/back-page.html" %}\n'
          "{% block body %}{% block note %}<p>Note</p>{% endblock %}{{ super() }}{% endblock %}\n")
    result = run("-C", mini, "check")
    assert result.exit_code == 0, result.output
