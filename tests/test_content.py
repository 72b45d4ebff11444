"""Validation: every problem of every file at once, each with its file and line."""
from pathlib import Path

from brochure.edition.content import load_edition
from brochure.problems import ERROR, WARNING


def set_card(edition: Path, name: str, text: str) -> Path:
    path = edition / "data" / "cards" / name
    path.write_text(text, encoding="utf-8")
    return path


def errors(edition: Path):
    _, problems = load_edition(edition)
    return [p for p in problems if p.severity == ERROR]


def test_the_fixture_edition_is_valid_and_ordered(mini):
    edition, problems = load_edition(mini)
    assert [p for p in problems if p.severity == ERROR] == []
    assert [card.id for card in edition.cards] == ["01", "02", "03"]
    assert edition.cards[0].authors[0].corps == "administrateur"
    assert edition.cards[0].authors[1].corps == "ingenieur"
    assert edition.config.promotions[0].members == ("DURAND Marie", "ÉMERY Paul", "ZOLA Émile")


def test_missing_values_and_photos_are_warnings_with_lines(mini):
    _, problems = load_edition(mini)
    warnings = [p for p in problems if p.severity == WARNING and p.path.name == "01-alpha.md"]
    assert [(p.line, p.field) for p in warnings] == [(7, "authors[1].name"), (9, "authors[2].name"),
                                                      (19, "key_figures[2].missing")]


def test_yaml_error_missing_field_and_unknown_key_each_give_a_line(mini):
    set_card(mini, "04-bad.md", "---\nnumber: 4\nsection: alpha\ncollectivity: X\ntitle: [oops\nauthors: []\n---\n")
    set_card(mini, "05-bad.md", "---\nnumber: 5\nsection: alpha\ncollectivity: X\nauthors:\n"
                                "  - name: A\n    email: a@b.fr\n---\n")
    set_card(mini, "06-bad.md", "---\nnumber: 6\nsection: alpha\ncollectivity: X\ntitle: T\ntutor:\n  - name: B\n"
                                "authors:\n  - name: A\n    email: a@b.fr\n---\n")
    found = {(p.path.name, p.line, p.field) for p in errors(mini)}
    assert ("04-bad.md", 5, "yaml") in found or ("04-bad.md", 6, "yaml") in found
    assert ("05-bad.md", 2, "title") in found
    assert ("06-bad.md", 6, "tutor") in found
    unknown = next(p for p in errors(mini) if p.field == "tutor")
    assert "did you mean 'tutors'" in unknown.message


def test_wrong_types_and_values_are_named(mini):
    set_card(mini, "04-bad.md", "---\nnumber: quatre\nsection: alpah\ncollectivity: X\ntitle: T\nauthors:\n"
                                "  - name: A\n    email: not-an-email\ntutors:\n  - name: B\n    role: R\n    gender: x\n"
                                "key_figures:\n  - caption: sans valeur\n---\nTexte[^9]\n")
    messages = {(p.line, p.field): p.message for p in errors(mini) if p.path.name == "04-bad.md"}
    assert "whole number" in messages[(2, "number")]
    assert "did you mean 'alpha'" in messages[(3, "section")]
    assert "e-mail" in messages[(8, "authors[1].email")]
    assert "not one of: f, m" in messages[(12, "tutors[1].gender")]
    assert "missing: true" in messages[(14, "key_figures[1].value")]
    assert "has no note" in messages[(16, "body")]


def test_duplicate_numbers_and_paths_outside_the_edition(mini, tmp_path):
    (tmp_path / "secret.png").write_bytes(b"x")
    set_card(mini, "04-dup.md", "---\nnumber: 1\nsection: beta\ncollectivity: X\ntitle: T\nauthors:\n"
                                "  - name: A\n    email: a@b.fr\n    photo: ../../../secret.png\n---\n"
                                "![Carte](/etc/hosts.png)\n")
    problems = errors(mini)
    assert any(p.field == "number" and "also the number" in p.message for p in problems)
    assert any(p.field == "authors[1].photo" and "outside the edition" in p.message for p in problems)
    assert any(p.field == "body" and p.line == 11 and "outside the edition" in p.message for p in problems)


def test_config_problems_have_lines(mini):
    config = mini / "brochure.yml"
    config.write_text(config.read_text().replace('color: "#16a085"', "color: green").replace("years:", "yeras:"))
    found = {(p.line, p.field) for p in errors(mini)}
    assert (3, "yeras") in found
    assert any(field == "sections[2].color" for _, field in found)


def test_a_character_no_bundled_font_has_is_an_error_on_its_line(mini):
    card = mini / "data" / "cards" / "01-alpha.md"
    card.write_text(card.read_text().replace("1. Diagnostiquer.", "1. Diagnostiquer 中."))
    problem = next(p for p in errors(mini) if p.field == "text")
    assert problem.path == card and "U+4E2D" in problem.message
    assert card.read_text().split("\n")[problem.line - 1].endswith("Diagnostiquer 中.")


def test_images_are_checked_before_layout(mini):
    from PIL import Image
    images = mini / "data" / "images"
    images.mkdir()
    (images / "broken.png").write_bytes(b"not a png")
    Image.new("1", (8000, 7000)).save(images / "huge.png")
    card = mini / "data" / "cards" / "01-alpha.md"
    card.write_text(card.read_text().replace("## Problématique",
                                             "![A](../images/broken.png)\n\n![B](../images/huge.png)\n\n## Problématique"))
    messages = [p.message for p in errors(mini) if p.field == "body"]
    assert any("cannot be read as an image" in m for m in messages)
    assert any("8000×7000 pixels" in m for m in messages)
