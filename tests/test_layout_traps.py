"""WeasyPrint layout traps (see docs/themes.md): each construction the default theme uses instead, kept honest."""
from brochure.build import preview
from conftest import Pdf

HEAD = """---
number: 4
section: alpha
collectivity: Ville de Test
title: Carte piège
authors:
  - name: Anne Alpha
    email: anne.alpha@administrateur-inet.org
{extra}---
"""
PARAGRAPH = ("Paragraphe de contexte : la collectivité a engagé une démarche longue et patiente avec ses "
             "agents, ses usagers et ses partenaires, afin de mieux comprendre les besoins du territoire.\n\n")


def card(mini, body: str, extra: str = "") -> Pdf:
    (mini / "data" / "cards" / "04-piege.md").write_text(HEAD.format(extra=extra) + body, encoding="utf-8")
    return Pdf(preview(mini, "04").path)


def test_drop_cap_is_a_floated_span_even_inside_columns(mini):
    # No side column: the text runs in two columns, where ::first-letter floats crash WeasyPrint.
    pdf = card(mini, "## Contexte\n\nLa ville de test.\n\n" + PARAGRAPH * 12)
    text = " ".join(pdf.pages)
    assert "a ville de test." in text and "L" in text
    assert text.count("Paragraphe de contexte") == 12


def test_tables_and_figures_stand_between_column_blocks_and_split_across_pages(mini):
    rows = "\n".join(f"| ligne {n} | valeur {n} | commentaire {n} |" for n in range(60))
    body = ("## Contexte\n\n" + PARAGRAPH * 4 + "| a | b | c |\n|---|---|---|\n" + rows + "\n\n"
            + "![Schéma à venir](missing)\n\n" + PARAGRAPH * 4)
    pdf = card(mini, body)
    text = " ".join(pdf.pages)
    assert all(f"ligne {n} " in text for n in range(60))
    assert len(pdf.pages) >= 3 and "Schéma à\u00a0venir" in text


def test_a_long_side_column_is_laid_out_whole(mini):
    figures = "key_figures:\n" + "".join(f'  - value: "{n}0"\n    caption: chiffre numéro {n}\n' for n in range(1, 15))
    pdf = card(mini, "## Contexte\n\n" + PARAGRAPH * 3, extra=figures)
    text = " ".join(pdf.pages)
    assert all(f"chiffre numéro {n}" in text for n in range(1, 15))


def test_a_footnote_lands_on_the_page_of_its_call_even_when_the_page_is_full(mini):
    body = "## Contexte\n\n" + PARAGRAPH * 9 + "Un appel de note[^n] ici.\n\n" + PARAGRAPH * 9 + "[^n]: La note.\n"
    pdf = card(mini, body)
    call = pdf.page_of("Un appel de note")
    assert pdf.page_of("La note.") == call


def _boxes(path, page: int, text: str) -> list[tuple[float, float, float, float]]:
    """The boxes (left, bottom, right, top, in points) of the characters of `text` on `page`, wherever a line
    break cuts it."""
    import re

    import pypdfium2 as pdfium
    document = pdfium.PdfDocument(str(path))
    textpage = document[page - 1].get_textpage()
    chars = textpage.get_text_range()
    found = re.search(r"\s*".join(map(re.escape, text)), chars)
    boxes = [textpage.get_charbox(i) for i in range(*found.span()) if not chars[i].isspace()] if found else []
    document.close()
    return boxes


def test_a_word_too_long_for_its_grid_column_is_broken_inside_it(mini):
    # The grids' columns are minmax(0, 1fr) (docs/themes.md), which never grow for their content: a word
    # longer than its column must break there (brochure gives long words break points), not run over the
    # next author.
    long_name = "Anticonstitutionnellementissimeaucarréetaucube"
    first = f"  - name: Bérénice {long_name}\n    email: b@administrateur-inet.org\n"
    (mini / "data" / "cards" / "04-piege.md").write_text(
        HEAD.format(extra="").replace("authors:\n", "authors:\n" + first) + "## Contexte\n\n" + PARAGRAPH,
        encoding="utf-8")
    built = preview(mini, "04").path
    page = Pdf(built).page_of("Bérénice")
    name, other = _boxes(built, page, long_name), _boxes(built, page, "Anne Alpha")
    assert len(name) == len(long_name) and other
    lines = {round(top) for _, _, _, top in name}
    assert len(lines) > 1                                   # broken, over several lines
    assert max(right for _, _, right, _ in name) <= min(left for left, *_ in other)  # left of the second author
