"""brochure new edition / new card / import: files an editor starts from, and Word documents made into cards."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pypdfium2
import pytest
from click.testing import CliRunner

from brochure.cli import main
from conftest import Pdf
from brochure.text.parts import known_part
from brochure.intake.markdown import to_markdown, typed

from docx_fixtures import plain_document, real_world_document


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def check_lines(edition: Path) -> list[str]:
    result = run("-C", edition, "check")
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith("data/")]


# new edition, new card

def test_new_edition_writes_a_commented_edition_and_refuses_to_overwrite_it(tmp_path):
    result = run("new", "edition", tmp_path / "ed")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ed" / "data" / "images").is_dir()
    assert sorted(p.name for p in (tmp_path / "ed" / "data" / "cards").iterdir()) == [
        "01-ville-exemple.md", "02-departement-exemple.md"]
    config = (tmp_path / "ed" / "brochure.yml").read_text()
    for key in ("title", "subtitle", "years", "publisher", "author", "subject", "keywords", "date", "date_label",
                "language", "page_size", "theme", "variant", "output", "colophon", "sections", "cards",
                "editorial", "back_page", "promotions"):
        assert f"\n{key}:" in config, key
    # the skeleton's one warning is on purpose: a key figure declared missing, as an example
    assert check_lines(tmp_path / "ed") == [
        "data/cards/02-departement-exemple.md:18: key_figures[2].missing: warning: value declared missing: "
        "content to complete"]
    again = run("new", "edition", tmp_path / "ed")
    assert again.exit_code == 1
    assert again.output == (f"{tmp_path / 'ed'}: an edition is already there (brochure.yml exists): "
                            "choose a new folder; nothing was written\n")


def test_new_card_takes_the_next_number_quotes_the_title_and_comments_every_key(mini):
    result = run("-C", mini, "new", "card", "--section", "beta", "--title", "Accueil : un enjeu",
                 "--collectivity", "Ville de Bêta")
    assert result.exit_code == 0, result.output
    path = mini / "data" / "cards" / "04-ville-de-beta.md"
    assert result.output.strip().endswith("data/cards/04-ville-de-beta.md")
    text = path.read_text()
    assert 'title: "Accueil : un enjeu"' in text and "number: 4" in text and "section: beta" in text
    for key in ("# tutors:", "# key_figures:", "# testimonials:", "# further_reading:", "    # photo:"):
        assert key in text
    assert [line for line in check_lines(mini) if "04-ville" in line] == [
        "data/cards/04-ville-de-beta.md:15: authors[1].email: warning: e-mail declared missing: content to complete",
        "data/cards/04-ville-de-beta.md:14: authors[1].name: warning: no photo for Prénom Nom: a portrait with "
        "initials is drawn instead (write 'photo: none' if there will be none)"]


def test_new_card_writes_where_o_says_and_never_over_a_file(mini):
    target = mini / "draft.md"
    assert run("-C", mini, "new", "card", "-o", target).exit_code == 0
    assert "number: 4" in target.read_text() and "section: alpha" in target.read_text()
    again = run("-C", mini, "new", "card", "-o", target)
    assert again.exit_code == 1
    assert again.output == f"{target}: already exists: nothing was written (give another file with -o)\n"


def test_new_card_with_an_unknown_section_says_which_one_was_meant(mini):
    result = run("-C", mini, "new", "card", "--section", "bta")
    assert result.exit_code == 1
    assert result.output == "--section: 'bta' is not a section of brochure.yml (did you mean 'beta'?)\n"


# Word's HTML -> Markdown

@pytest.mark.parametrize("heading, part", [
    ("CONTEXTE", "Contexte"), ("1. Problematique :", "Problématique"), ("Des cles pour  agir", "Des clés pour agir"),
    ("Contxte", "Contexte"), ("III - Les clés pour agir", "Des clés pour agir"), ("Méthode", None),
    ("Pour aller plus loin", None)])
def test_a_heading_is_matched_to_its_part_whatever_its_case_accents_numbering_or_small_typos(heading, part):
    assert known_part(heading) == part


def test_word_typography_becomes_what_an_editor_types():
    assert typed("12\u202f000 habitants\u00a0; l’accueil “central”\u00a0! co\u00adop") == \
        "12 000 habitants ; l'accueil « central » ! coop"


def test_inline_markup_lists_tables_and_notes_become_markdown():
    html = ('<p>Un <strong>très </strong>grand <em>projet</em>, voir <a href="https://a.fr/x">le site</a> et '
            '<a href="https://a.fr">https://a.fr</a><sup><a href="#footnote-1" id="footnote-ref-1">[1]</a></sup>.</p>'
            '<p>1. pas une liste * ni [un lien]</p>'
            '<ul><li>un<ul><li>un bis</li></ul></li><li>deux</li></ul>'
            '<table><tr><td><p>A</p></td><td><p>B</p></td></tr>'
            '<tr><td><p>x | y</p><p>z</p></td><td></td></tr></table>'
            '<ol><li id="footnote-1"><p>La note. <a href="#footnote-ref-1">↑</a></p></li></ol>')
    document = to_markdown(html)
    assert [block.text for block in document.blocks] == [
        "Un **très** grand *projet*, voir [le site](https://a.fr/x) et <https://a.fr>[^1].",
        "1\\. pas une liste \\* ni \\[un lien\\]",
        "- un\n    - un bis\n- deux",
        "| A | B |\n|---|---|\n| x \\| y<br>z |  |"]
    assert document.notes == {"1": "La note."}
    assert document.links == 2


# brochure import

@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The mini edition with both fixture documents imported, checked and built once."""
    import shutil

    from conftest import EDITIONS
    root = tmp_path_factory.mktemp("import") / "mini"
    shutil.copytree(EDITIONS / "mini", root)
    plain = plain_document(root.parent / "plain.docx")
    real = real_world_document(root.parent / "rapport-testville.docx")
    result = run("-C", root, "import", plain, real, "--section", "beta")
    build = run("-C", root, "build")
    return root, result, build


def test_import_reports_what_it_carried_and_what_needs_a_human(imported):
    root, result, _ = imported
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:3] == [
        "plain.docx -> data/cards/04-plain.md",
        "  carried: 3 parts; 2 lists; 1 table; 1 image; 1 footnote; 1 link; parts: Contexte, Problématique, "
        "Des clés pour agir",
        "  to complete by hand (7):"]
    assert "  data/cards/04-plain.md:7: collectivity: warning: not in the document: write the " \
           "commissioning body" in lines
    assert "  data/cards/04-plain.md:15: authors: warning: e-mail addresses are not in a Word " \
           "document: replace each 'email: missing' with the address" in lines
    real = lines[lines.index("rapport-testville.docx -> data/cards/05-ville-de-testville.md"):]
    assert real[1] == ("  carried: title; collectivity; 3 parts; 1 image; 1 further reading entry; 3 authors; "
                       "parts: Contexte, Problématique, Des clés pour agir")
    assert any(line.endswith("key_figures: warning: the document's key figures are copied as comments: write them "
                             "as the commented example shows") for line in real)


def test_an_imported_card_holds_the_documents_text_as_typed(imported):
    root = imported[0]
    plain = (root / "data" / "cards" / "04-plain.md").read_text()
    body = plain.split("\n---\n", 1)[1]
    assert body == (
        "## Contexte\n\nLa ville mène un projet **très suivi** et *discuté*, présenté sur "
        "[le site du projet](https://www.exemple.fr/projet).\n\n"
        "## Problématique\n\n- Comment accueillir mieux\n- Comment répondre plus vite\n\n"
        "## Des clés pour agir\n\nUn diagnostic a été réalisé[^1]\n\n1. Former les agents\n2. Ouvrir un relais\n\n"
        "| Objectif | Indicateur |\n|---|---|\n| Accueil rapide | Délai \\| attente |\n\n"
        "![Le hall d'accueil rénové](../images/04-plain/figure-1.png)\n\n"
        "[^1]: Entretiens menés en 2030.\n")
    real = (root / "data" / "cards" / "05-ville-de-testville.md").read_text()
    for line in ('collectivity: "Ville de Testville"', "title: \"Réinventer l'accueil des usagers\"",
                 '  - name: "Chloé Roux"', "#   12 000 habitants accueillis par an",
                 '  - "Rapport de la Cour des comptes, 2020"', "## Contexte\n\nLa ville compte 12 000 habitants ; "
                 "l'accueil y est « central » !", "### Un premier levier",
                 "![Le guichet unique](../images/05-ville-de-testville/figure-1.png)"):
        assert line in real


def test_images_are_extracted_into_the_edition_tiff_as_png(imported):
    from PIL import Image
    root = imported[0]
    with Image.open(root / "data" / "images" / "04-plain" / "figure-1.png") as image:
        assert (image.format, image.size) == ("PNG", (2100, 1400))
    with Image.open(root / "data" / "images" / "05-ville-de-testville" / "figure-1.png") as image:
        assert (image.format, image.size) == ("PNG", (1300, 800))


def test_check_accepts_imported_cards_with_warnings_only_for_what_word_cannot_tell(imported):
    root = imported[0]
    lines = [line for line in check_lines(root) if "/04-" in line or "/05-" in line]
    assert lines and all("email: warning: e-mail declared missing" in line or "warning: no photo for" in line
                         for line in lines), lines


def test_imported_text_footnote_table_and_image_reach_the_pdf(imported, read_pdf):
    root, _, build = imported
    assert build.exit_code == 0, build.output
    pdf = read_pdf(root / "build" / "mini.pdf")
    page = pdf.card_page("Réinventer")
    assert "Regrouper les guichets." in pdf.pages[page - 1] + pdf.pages[page]
    first = pdf.card_page("Titre à\u00a0préciser")  # French typography: no break after « à »
    text = " ".join(pdf.pages[first - 1:first + 1])
    for words in ("ville mène un projet très suivi",  # « L » is the drop cap "Entretiens menés en 2030.", "Délai | attente",
                  "Le hall d'accueil rénové".replace("'", "\u2019")):
        assert words in text, words
    document = pypdfium2.PdfDocument(str(root / "build" / "mini.pdf"))
    images = [sum(1 for obj in document[n].get_objects() if obj.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE)
              for n in (first - 1, first)]
    assert sum(images) == 1


def test_import_refuses_a_taken_number_several_documents_with_o_and_other_files(imported, tmp_path):
    root = imported[0]
    plain = root.parent / "plain.docx"
    taken = run("-C", root, "import", plain, "--number", "2")
    assert (taken.exit_code, taken.output) == (1, "--number: 02 is already the number of a card of this edition\n")
    several = run("-C", root, "import", plain, plain, "-o", tmp_path / "x.md")
    assert (several.exit_code, several.output) == (1, "-o: one card file, but several documents: leave -o out\n")
    text = tmp_path / "notes.txt"
    text.write_text("x")
    other = run("-C", root, "import", text)
    assert (other.exit_code, other.output) == (
        1, f"{text}: not a Word document (.docx): save it from Word as .docx first\n")
    damaged = tmp_path / "damaged.docx"
    damaged.write_text("not a zip")
    before = sorted((root / "data" / "cards").iterdir())
    both = run("-C", root, "import", plain, damaged)
    assert both.exit_code == 1
    assert both.output.splitlines()[0] == "plain.docx -> data/cards/06-plain.md"    # written, and said so
    assert both.output.splitlines()[-1] == (f"{damaged}: cannot be read as a Word document (BadZipFile): "
                                            "open it in Word and save it again as .docx")
    assert sorted((root / "data" / "cards").iterdir()) == before + [root / "data" / "cards" / "06-plain.md"]
    (root / "data" / "cards" / "06-plain.md").unlink()


# check FILE...

def test_check_files_lists_only_their_problems_and_counts_the_others(mini):
    (mini / "data" / "cards" / "04-bad.md").write_text("---\nnumber: 4\nsection: alpha\ntitle: T\n---\n")
    card = mini / "data" / "cards" / "01-alpha.md"
    fine = run("-C", mini, "check", card)
    assert fine.exit_code == 0
    lines = fine.output.splitlines()
    assert all(line.startswith("data/cards/01-alpha.md:") for line in lines[:-1]) and len(lines) == 4
    assert lines[-1] == "1 file(s) checked: 0 error(s), 3 warning(s); 2 error(s) in other files, not listed."
    broken = run("-C", mini, "check", mini / "data" / "cards" / "04-bad.md")
    assert broken.exit_code == 1
    assert broken.output.splitlines() == ["data/cards/04-bad.md:2: authors: is required but missing",
                                          "data/cards/04-bad.md:2: collectivity: is required but missing",
                                          "1 file(s) checked: 2 error(s), 0 warning(s)."]


def test_check_files_refuses_a_file_outside_the_edition(mini, tmp_path):
    stray = tmp_path / "stray.md"
    stray.write_text("x")
    result = run("-C", mini, "check", stray)
    assert (result.exit_code, result.output) == (1, f"{stray}: not a file of the edition {mini.resolve()}\n")


# YAML mistakes editors make

def test_a_value_holding_a_colon_is_told_to_go_in_double_quotes(mini):
    card = mini / "data" / "cards" / "01-alpha.md"
    card.write_text(card.read_text().replace("    role: Maire\n", "    role: Maire: adjoint au maire\n"))
    result = run("-C", mini, "check")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "data/cards/01-alpha.md:23: role: the value holds « : », which YAML reads as a new key: put the whole "
        'value in double quotes: role: "Maire: adjoint au maire"')


def test_a_quoted_date_says_the_quotes_are_the_problem(mini):
    config = mini / "brochure.yml"
    config.write_text(config.read_text().replace("date: 2031-02-01", 'date: "2031-02-01"'))
    result = run("-C", mini, "check")
    assert (result.exit_code, result.output.splitlines()[0]) == (
        1, "brochure.yml:7: date: '2031-02-01' is in quotes, which makes it text, not a date: remove the quotes "
           "(date: 2031-02-01)")


def test_an_oversized_document_is_refused_and_an_unprintable_image_becomes_a_placeholder(mini, tmp_path, monkeypatch):
    import brochure.intake.word as word
    real = real_world_document(tmp_path / "rapport.docx")
    monkeypatch.setattr(word, "MAX_DOCUMENT_BYTES", 1000)
    refused = run("-C", mini, "import", real)
    assert refused.exit_code == 1
    assert re.fullmatch(rf"{re.escape(str(real))}: unpacks to \d+\.\d MB, more than brochure imports \(0\.001 MB\): "
                        r"reduce its pictures in Word first\n", refused.output), refused.output
    monkeypatch.undo()
    monkeypatch.setattr(word, "MAX_IMPORTED_PIXELS", 1000)    # the TIFF photo is 1300 × 800
    result = run("-C", mini, "import", real)
    assert result.exit_code == 0, result.output
    card = (mini / "data" / "cards" / "04-ville-de-testville.md").read_text()
    assert "![Le guichet unique](missing)" in card
    assert not (mini / "data" / "images" / "04-ville-de-testville").exists()
    line = next(n for n, text in enumerate(card.split("\n"), start=1) if "](missing)" in text)
    assert (f"  data/cards/04-ville-de-testville.md:{line}: body: warning: this image is in a format brochure cannot "
            "print (EMF, WMF), or too large: export it from Word as PNG and write its path here") in result.output


# photos as they arrive

def test_a_photo_turned_by_its_exif_tag_prints_turned_on_screen_and_in_print(mini):
    from PIL import Image
    Image.new("RGB", (600, 300), (200, 50, 50)).save(mini / "data" / "turned.jpg", exif=_turned())
    card = mini / "data" / "cards" / "01-alpha.md"
    card.write_text(card.read_text().replace("## Problématique", "![Une photo tournée](../turned.jpg){width=column}\n\n"
                                             "## Problématique"))
    for variant, name in (("screen", "mini.pdf"), ("print", "mini-print.pdf")):
        result = run("-C", mini, "build", "--variant", variant)
        assert result.exit_code == 0, result.output
        document = pypdfium2.PdfDocument(str(mini / "build" / name))
        placed = [obj.get_bounds() for page in document for obj in page.get_objects()
                  if obj.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]
        assert len(placed) == 1
        left, bottom, right, top = placed[0]
        assert round((top - bottom) / (right - left), 2) == 2.0, variant   # stored 600 × 300, shown 300 × 600


def _turned():
    from PIL import Image
    exif = Image.Exif()
    exif[0x0112] = 6        # Orientation: turn 90° clockwise to show
    return exif


def test_preview_writes_where_o_says(mini, tmp_path):
    target = tmp_path / "elsewhere" / "fiche-02.pdf"
    result = run("-C", mini, "preview", "2", "-o", target)
    assert result.exit_code == 0, result.output
    assert Pdf(target).card_page("Deuxième titre de carte") == 1
    assert not (mini / "build" / "preview").exists()


def test_a_tiff_is_served_to_weasyprint_as_png_turned_by_its_exif_and_never_changed_on_disk(tmp_path):
    from PIL import Image

    from brochure.pdf.render import SandboxFetcher
    photo = tmp_path / "photo.tif"
    Image.new("RGB", (600, 300), (30, 90, 160)).save(photo, exif=_turned())
    before = photo.read_bytes()
    response = SandboxFetcher((tmp_path,), theme=None).fetch(photo.as_uri())
    served = response.read()
    assert photo.read_bytes() == before
    assert response.headers["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(served)) as image:
        assert (image.format, image.size) == ("PNG", (300, 600))


def test_check_lists_a_small_portrait_a_figure_under_print_resolution_and_a_near_miss_heading(mini):
    from PIL import Image
    Image.new("RGB", (400, 400), (90, 90, 90)).save(mini / "data" / "small.jpg")
    Image.new("RGB", (1000, 500), (200, 50, 50)).save(mini / "data" / "wide.png")
    Image.new("RGB", (1000, 2000), (200, 50, 50)).save(mini / "data" / "tall.tif", exif=_turned())  # shown 2000 wide
    card = mini / "data" / "cards" / "03-gamma.md"
    text = card.read_text().replace("## Contexte", "## Contxte\n\n![Trop petite](../wide.png)\n\n"
                                    "![Assez grande](../tall.tif)", 1)
    card.write_text(text.replace("    email: anne.alpha@administrateur-inet.org\n",
                                 "    email: anne.alpha@administrateur-inet.org\n    photo: ../small.jpg\n", 1))
    lines = [line for line in check_lines(mini) if line.startswith("data/cards/03-gamma.md") and "no photo" not in line
             and "key_figures" not in line]
    body = next(n for n, line in enumerate(card.read_text().split("\n"), start=1) if line == "## Contxte")
    assert lines == [
        "data/cards/03-gamma.md:9: authors[1].photo: warning: the portrait is 400×400 px, under the 600 px square it "
        "needs: it would print blurred; ask for a larger photo",
        f"data/cards/03-gamma.md:{body}: body: warning: heading « Contxte » is not read as the part « Contexte »: "
        "did you mean '## Contexte'?",
        f"data/cards/03-gamma.md:{body + 2}: body: warning: figure '../wide.png' is 1000 px wide: printed about "
        "107 mm wide that is 237 dpi, under the 300 dpi of print; ask for an image at least 1264 px wide"]
