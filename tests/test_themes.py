"""Themes: overriding one template and one stylesheet, the second theme, missing files named."""
import shutil

import pytest

from brochure.build import build
from brochure.problems import BrochureError
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
