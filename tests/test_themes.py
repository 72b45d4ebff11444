"""Themes: overriding one template and one stylesheet, the second theme, missing files named."""
import shutil

import pytest

from brochure.build import build
from brochure.problems import BrochureError, ContentError
from brochure.themes.theme import load_theme
from conftest import EDITIONS, Pdf


def test_an_edition_overrides_a_template_and_a_stylesheet_and_still_extends_them(mini):
    shutil.copytree(EDITIONS / "override", mini, dirs_exist_ok=True)
    pdf = Pdf(build(mini).path)
    text = " ".join(pdf.pages)
    assert "Gabarit remplacé par l'édition" in pdf.pages[-1]
    assert "Un paragraphe de fin." in pdf.pages[-1]                  # the original template still renders
    assert "VILLE D’ALPHAVILLE — ÉDITION LOCALE" in text.upper()      # the overriding stylesheet applies
    assert pdf.card_page("Premier titre de carte")                   # and the original card.css still does


def test_the_sober_theme_swaps_in_and_gives_the_whole_book(mini, tmp_path):
    default = Pdf(build(mini, output=tmp_path / "default.pdf").path)
    sober = Pdf(build(mini, theme="sober", output=tmp_path / "sober.pdf").path)
    for title in ("Premier titre de carte", "Deuxième titre de carte", "Troisième titre de carte"):
        assert sober.card_page(title)
    assert any("Noto-Serif" in name for name in sober.fonts())
    assert not any("Noto-Serif" in name for name in default.fonts())
    assert all("Inter" in name or "Noto-Serif" in name for name in sober.fonts())  # never a system font


def test_a_missing_template_names_every_place_searched(mini):
    (mini / "templates").mkdir()
    (mini / "templates" / "card.html").write_text('{% include "nowhere.html" %}')
    with pytest.raises(BrochureError) as error:
        build(mini)
    message = str(error.value)
    assert "nowhere.html" in message
    assert str(mini / "templates" / "nowhere.html") in message
    assert "templates/default/nowhere.html" in message


def test_theme_chain_and_stylesheet_order(mini):
    theme = load_theme("sober", mini)
    assert theme.chain == ("sober", "default")
    assert [sheet.name for sheet in theme.stylesheets][-1] == "sober.css"
    assert theme.stylesheets[0].parent.name == "default"           # inherited from the parent theme


def test_a_template_cannot_include_a_file_outside_the_template_folders(mini):
    (mini / "templates").mkdir()
    (mini / "secret.html").write_text("SECRET")
    (mini / "templates" / "back-page.html").write_text('{% include "../secret.html" %}')
    with pytest.raises(BrochureError, match="not found"):
        build(mini)


def test_a_child_theme_adds_its_stylesheets_after_its_parents_without_repeating_them(mini):
    (mini / "styles/night").mkdir(parents=True)
    (mini / "styles/night/theme.yml").write_text("extends: sober\nadd_stylesheets: [night.css]\n")
    (mini / "styles/night/night.css").write_text("@page { background: #fdf6e3; }\n")
    theme = load_theme("night", mini)
    assert [sheet.name for sheet in theme.stylesheets] == [sheet.name for sheet in load_theme("default", mini).stylesheets] \
        + ["sober.css", "night.css"]
    (mini / "styles/night/theme.yml").write_text("extends: sober\nstylesheets: [fonts.css, page.css]\n"
                                                 "add_stylesheets: [night.css]\n")
    assert [sheet.name for sheet in load_theme("night", mini).stylesheets] == ["fonts.css", "page.css", "night.css"]


def test_a_missing_added_stylesheet_is_named_at_its_line(mini):
    (mini / "styles/night").mkdir(parents=True)
    (mini / "styles/night/theme.yml").write_text("extends: sober\nadd_stylesheets:\n  - night.css\n")
    with pytest.raises(ContentError) as error:
        load_theme("night", mini)
    assert [problem.format(mini).split(";")[0] for problem in error.value.problems] == \
        ["styles/night/theme.yml:3: add_stylesheets: 'night.css' not found"]
