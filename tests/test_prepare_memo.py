"""Reading the edition and making the HTML again only for what changed: the EditionMemo, the shared sandbox."""
from __future__ import annotations

import io
import os
from pathlib import Path

import jinja2
import pytest
from PIL import Image

import brochure.edition.content as content
from brochure.book.builder import Builder
from brochure.book.units import book_units, card_unit, environment
from brochure.build import check
from brochure.edition.content import load_edition
from brochure.edition.memo import EditionMemo
from brochure.text import fonts
from brochure.text.fonts import font_folders, printable
from brochure.themes.theme import load_theme
from conftest import REPO
from test_fonts import tiny_font

ADDED = "Une phrase ajoutée pour le test."
SEEN = "phrase ajoutée pour le test."   # the first letter is a drop cap in the HTML


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the card files parsed and checked from now on."""
    names = []
    real = content._read_card

    def counted(path, *args, **kwargs):
        names.append(path.name)
        return real(path, *args, **kwargs)
    monkeypatch.setattr(content, "_read_card", counted)
    return names


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def same_reading(root: Path, memo: EditionMemo):
    """The reading through the memo, asserted equal to a reading from scratch."""
    remembered = load_edition(root, memo=memo)
    assert remembered == load_edition(root)
    return remembered


def problems_of(problems, root: Path, name: str, wanted: str = "") -> list[str]:
    """The problems of the file `name`, as lines, those holding `wanted`."""
    return [problem.format(root) for problem in problems if problem.path.name == name and wanted in problem.message]


def test_a_reading_after_one_card_is_edited_parses_that_card_alone(mini, reads):
    memo = EditionMemo()
    first, _ = load_edition(mini, memo=memo)
    assert sorted(reads) == ["01-alpha.md", "02-beta.md", "03-gamma.md"]
    reads.clear()
    edit(mini / "data/cards/02-beta.md", "## Contexte\n", f"## Contexte\n\n{ADDED}\n")
    second, _ = load_edition(mini, memo=memo)
    assert reads == ["02-beta.md"]
    assert (second, _) == load_edition(mini)
    assert ADDED in second.cards[1].body
    assert second.cards[0] is first.cards[0] and second.cards[2] is first.cards[2]
    assert second.editorial is first.editorial and second.back_page is first.back_page
    assert (memo.parsed, memo.reused) == (5 + 1, 4)   # 3 cards + 2 pages, then the edited card


def test_a_reading_with_nothing_changed_parses_nothing_and_gives_the_same_problems(mini, reads):
    memo = EditionMemo()
    edit(mini / "data/cards/03-gamma.md", "section: gamma", "section: gama")
    _, before = load_edition(mini, memo=memo)
    reads.clear()
    edition, after = load_edition(mini, memo=memo)
    assert reads == [] and edition is None
    assert after == before and problems_of(after, mini, "03-gamma.md", "section") == [
        "data/cards/03-gamma.md:3: section: 'gama' is not a section of brochure.yml (did you mean 'gamma'?)"]


def png(colour: str, size=(60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_an_image_damaged_under_the_same_name_size_and_time_is_checked_again(mini):
    memo = EditionMemo()
    picture = mini / "data/cards/picture.png"
    picture.write_bytes(png("red"))
    edit(mini / "data/cards/01-alpha.md", "## Contexte\n", "## Contexte\n\n![Une image](picture.png)\n")
    _, problems = same_reading(mini, memo)
    assert not [p for p in problems_of(problems, mini, "01-alpha.md") if "picture.png" in p and "damaged" in p]
    status = picture.stat()
    data = bytearray(picture.read_bytes())
    data[60:64] = bytes(255 - byte for byte in data[60:64])   # inside the pixel data: same size, bad checksum
    picture.write_bytes(bytes(data))
    os.utime(picture, ns=(status.st_atime_ns, status.st_mtime_ns))
    _, problems = same_reading(mini, memo)
    assert "data/cards/01-alpha.md:30: body: 'picture.png' is damaged (its data is corrupt) and would print " \
           "wrong or not at all: export it again" in problems_of(problems, mini, "01-alpha.md")


def test_a_portrait_replaced_by_a_larger_one_is_no_longer_said_to_be_blurred(mini):
    memo = EditionMemo()
    portrait = mini / "data/cards/anne.png"
    portrait.write_bytes(png("grey", (200, 200)))
    edit(mini / "data/cards/01-alpha.md", "    email: anne.alpha@administrateur-inet.org\n",
         "    email: anne.alpha@administrateur-inet.org\n    photo: anne.png\n")
    _, problems = same_reading(mini, memo)
    blurred = ("data/cards/01-alpha.md:9: authors[1].photo: warning: the portrait is 200×200 px, under the 600 px "
               "square it needs: it would print blurred; ask for a larger photo")
    assert blurred in problems_of(problems, mini, "01-alpha.md")
    portrait.write_bytes(png("grey", (800, 800)))
    _, problems = same_reading(mini, memo)
    assert problems_of(problems, mini, "01-alpha.md", "portrait is") == []


def test_a_missing_image_that_appears_is_seen(mini):
    memo = EditionMemo()
    edit(mini / "data/cards/01-alpha.md", "## Contexte\n", "## Contexte\n\n![Une image](later.png)\n")
    _, problems = same_reading(mini, memo)
    assert "data/cards/01-alpha.md:30: body: 'later.png' does not exist (paths are relative to the card file)" \
        in problems_of(problems, mini, "01-alpha.md")
    (mini / "data/cards/later.png").write_bytes(png("red"))
    _, problems = same_reading(mini, memo)
    assert problems_of(problems, mini, "01-alpha.md", "does not exist") == []


def test_a_change_of_brochure_yml_is_seen_by_every_card(mini, reads):
    memo = EditionMemo()
    load_edition(mini, memo=memo)
    edit(mini / "brochure.yml", "id: beta", "id: bravo")
    reads.clear()
    _, problems = load_edition(mini, memo=memo)
    assert sorted(reads) == ["01-alpha.md", "02-beta.md", "03-gamma.md"]
    assert problems_of(problems, mini, "02-beta.md", "section") == [
        "data/cards/02-beta.md:3: section: 'beta' is not a section of brochure.yml (sections: alpha, bravo, gamma)"]


def test_a_removed_card_is_forgotten_and_its_number_freed(mini):
    memo = EditionMemo()
    (mini / "data/cards/04-copy.md").write_bytes((mini / "data/cards/03-gamma.md").read_bytes())
    _, problems = same_reading(mini, memo)
    assert problems_of(problems, mini, "04-copy.md", "number") == [
        "data/cards/04-copy.md:2: number: 03 is also the number of data/cards/03-gamma.md"]
    (mini / "data/cards/04-copy.md").unlink()
    edition, problems = same_reading(mini, memo)
    assert [card.path.name for card in edition.cards] == ["01-alpha.md", "02-beta.md", "03-gamma.md"]
    assert "04-copy.md" not in {problem.path.name for problem in problems}


def test_a_builder_refresh_after_one_card_edit_reads_that_card_alone(mini, reads):
    builder = Builder(mini)
    builder.refresh()
    reads.clear()
    edit(mini / "data/cards/02-beta.md", "## Contexte\n", f"## Contexte\n\n{ADDED}\n")
    generation = builder.refresh()
    assert reads == ["02-beta.md"]
    assert generation.laid_out == 1
    assert SEEN in next(slot.unit.html for slot in generation.plan.slots if slot.unit.name == "card-02")


def test_the_sample_read_through_a_memo_is_the_sample_read_from_scratch():
    memo = EditionMemo()
    assert load_edition(REPO, memo=memo) == load_edition(REPO)
    assert load_edition(REPO, memo=memo) == load_edition(REPO)
    assert memo.reused == memo.parsed == 21   # 19 cards, the editorial, the back page


def test_font_coverage_is_worked_out_once_per_font_bytes(mini, monkeypatch):
    font = tiny_font(mini / "assets/fonts/test/Test.ttf", {"⊗": False, "Q": True})
    folders = tuple(font_folders(mini))
    first = printable(folders)
    assert ord("⊗") not in first and ord("Q") in first
    opened = []
    monkeypatch.setattr(fonts, "read_font", lambda path, data=None: opened.append(path) or fonts.TTFont())
    assert printable(folders) is first and opened == []
    monkeypatch.undo()
    status = font.stat()
    tiny_font(font, {"⊗": True, "Q": True})
    os.utime(font, ns=(status.st_atime_ns, status.st_mtime_ns))   # same time: the bytes tell
    assert ord("⊗") in printable(folders)


def compiles(monkeypatch) -> list[str]:
    """The names of the templates Jinja2 compiles from now on."""
    names = []
    real = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, *args, **kwargs):
        names.append(name)
        return real(self, source, name, filename, *args, **kwargs)
    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return names


@pytest.mark.parametrize("override", ["", "templates/default/card.html", "templates/card.html"])
def test_check_and_the_units_compile_each_template_once(mini, monkeypatch, override):
    """Also the edition's own templates, which check compiles all: as the units' templates when they are."""
    if override:
        (mini / override).parent.mkdir(parents=True, exist_ok=True)
        (mini / override).write_text('{% extends "theme:default/card.html" %}')
    compiled = compiles(monkeypatch)
    edition, _ = check(mini)
    theme = load_theme("default", mini, edition_theme="default")   # as the build loads it
    assert len(compiled) == len(set(compiled)) and "card.html" in compiled
    compiled.clear()
    book_units(edition, theme)
    card_unit(edition, edition.cards[0], load_theme("default", mini, edition_theme="default"))
    assert compiled == []


def test_an_edited_template_is_compiled_again_even_with_the_same_size_and_time(mini):
    override = mini / "templates/default/card.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "theme:default/card.html" %}{% block content %}MARK-A{% endblock %}')
    edition, _ = load_edition(mini)
    theme = load_theme("default", mini)
    assert "MARK-A" in card_unit(edition, edition.cards[0], theme).html
    status = override.stat()
    override.write_text(override.read_text().replace("MARK-A", "MARK-B"))
    os.utime(override, ns=(status.st_atime_ns, status.st_mtime_ns))
    html = card_unit(edition, edition.cards[0], load_theme("default", mini)).html
    assert "MARK-B" in html and "MARK-A" not in html


def test_an_override_added_then_removed_is_seen(mini):
    override = mini / "templates/default/card.html"
    override.parent.mkdir(parents=True)
    edition, _ = load_edition(mini)
    theme = load_theme("default", mini)
    plain = card_unit(edition, edition.cards[0], theme).html
    override.write_text('{% extends "theme:default/card.html" %}{% block content %}MARK-C{% endblock %}')
    assert environment(load_theme("default", mini)) is environment(theme)
    assert "MARK-C" in card_unit(edition, edition.cards[0], theme).html
    override.unlink()
    assert card_unit(edition, edition.cards[0], theme).html == plain


def test_a_template_removed_while_kept_compiled_is_not_found_by_its_name(mini):
    from brochure.problems import BrochureError
    (mini / "templates/default").mkdir(parents=True)
    edition, _ = load_edition(mini)
    theme = load_theme("default", mini)
    extra = mini / "templates/default/extra.html"
    extra.write_text("x")
    env = environment(theme)
    assert env.get_template("extra.html").render() == "x"
    extra.unlink()
    with pytest.raises(jinja2.TemplateNotFound) as error:
        env.get_template("extra.html")
    assert "template 'extra.html' not found" in str(error.value.message)
    assert not isinstance(error.value, BrochureError)


def test_an_editions_copy_of_a_shipped_font_is_trusted_like_it_and_its_listed_code_points_used(mini, monkeypatch):
    from brochure.resources import shipped
    inter = shipped("assets") / "fonts/inter/Inter-Regular.otf"
    (mini / "assets/fonts/inter").mkdir(parents=True)
    (mini / "assets/fonts/inter/Inter-Regular.otf").write_bytes(inter.read_bytes())
    opened, drawn = [], []
    real_read, real_empty = fonts.read_font, fonts._empty
    monkeypatch.setattr(fonts, "read_font", lambda path, data=None: opened.append(path.name) or real_read(path, data))
    monkeypatch.setattr(fonts, "_empty", lambda *args: drawn.append(args) or real_empty(*args))
    characters = printable(fonts.bundled_font_folders(mini))
    assert ord("é") in characters and ord("中") not in characters
    assert opened.count("Inter-Regular.otf") == 0 and drawn == []    # the same bytes as brochure's: listed
