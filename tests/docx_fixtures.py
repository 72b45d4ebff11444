"""Word documents made with python-docx for the import tests: headings, lists, a table, images, links, notes."""
from __future__ import annotations

import io
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches
from PIL import Image

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def link(paragraph, url: str, text: str) -> None:
    """A hyperlink run (python-docx has no API for it)."""
    rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), rel)
    run, text_element = OxmlElement("w:r"), OxmlElement("w:t")
    text_element.text = text
    run.append(text_element)
    hyperlink.append(run)
    paragraph._p.append(hyperlink)


def footnotes(document, notes: list[str]) -> None:
    """Word's footnotes part (python-docx has no API for it), notes numbered from 1."""
    body = "".join(f'<w:footnote w:id="{n}"><w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:footnote>'
                   for n, text in enumerate(notes, start=1))
    part = Part(PackURI("/word/footnotes.xml"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
                f'<w:footnotes xmlns:w="{W}">{body}</w:footnotes>'.encode(), document.part.package)
    document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)


def call(paragraph, number: int) -> None:
    run, reference = OxmlElement("w:r"), OxmlElement("w:footnoteReference")
    reference.set(qn("w:id"), str(number))
    run.append(reference)
    paragraph._p.append(run)


def picture(document, colour, fmt: str = "PNG", size=(2100, 1400), description: str = "") -> None:
    """A plain picture, large enough for print (2100 px across a 170 mm text: over 300 dpi)."""
    data = io.BytesIO()
    Image.new("RGB", size, colour).save(data, fmt)
    data.seek(0)
    document.add_picture(data, width=Inches(3))
    if description:
        document.inline_shapes[-1]._inline.docPr.set("descr", description)


def plain_document(path: Path) -> Path:
    """The three parts as plain headings, bold and italic, a link, two lists, a table, an image, a footnote."""
    document = docx.Document()
    document.add_heading("Contexte", 1)
    paragraph = document.add_paragraph("La ville mène un projet ")
    paragraph.add_run("très ").bold = True
    paragraph.add_run("suivi").bold = True
    paragraph.add_run(" et ")
    paragraph.add_run("discuté").italic = True
    paragraph.add_run(", présenté sur ")
    link(paragraph, "https://www.exemple.fr/projet", "le site du projet")
    paragraph.add_run(".")
    document.add_heading("Problématique", 1)
    document.add_paragraph("Comment accueillir mieux", style="List Bullet")
    document.add_paragraph("Comment répondre plus vite", style="List Bullet")
    document.add_heading("Des clés pour agir", 1)
    paragraph = document.add_paragraph("Un diagnostic a été réalisé")
    call(paragraph, 1)
    document.add_paragraph("Former les agents", style="List Number")
    document.add_paragraph("Ouvrir un relais", style="List Number")
    table = document.add_table(rows=2, cols=2)
    for (row, column), text in {(0, 0): "Objectif", (0, 1): "Indicateur", (1, 0): "Accueil rapide",
                                (1, 1): "Délai | attente"}.items():
        table.cell(row, column).text = text
    picture(document, (200, 40, 40), description="Le hall d'accueil rénové")
    footnotes(document, ["Entretiens menés en 2030."])
    document.save(path)
    return path


def real_world_document(path: Path) -> Path:
    """Shaped like a student's report: a Title, « Label : value » lines, numbered capitalised headings with a
    typo, Word's typography (no-break spaces, curly quotes), key figures and further reading under their own
    headings, a TIFF photo."""
    document = docx.Document()
    document.add_heading("Réinventer l’accueil des usagers", 0)
    document.add_paragraph("Collectivité\u00a0: Ville de Testville")
    document.add_paragraph("Auteurs : Alice Martin, Bruno Petit et Chloé Roux")
    document.add_heading("1. CONTEXTE", 1)
    document.add_paragraph("La ville compte 12\u202f000 habitants\u00a0; l’accueil y est “central”\u00a0!")
    document.add_heading("2. Problematique :", 1)
    document.add_paragraph("Quel accueil pour demain\u00a0?")
    document.add_heading("3. Des clés pour  agir", 1)
    document.add_heading("Un premier levier", 2)
    document.add_paragraph("Regrouper les guichets.")
    picture(document, (30, 90, 160), fmt="TIFF", size=(1300, 800), description="Le guichet unique")
    document.add_heading("Chiffres clés", 1)
    document.add_paragraph("12 000 habitants accueillis par an")
    document.add_heading("Pour aller plus loin", 1)
    document.add_paragraph("Rapport de la Cour des comptes, 2020", style="List Bullet")
    document.save(path)
    return path
