"""A new card's content (a `Draft`) -> the text of its file, every key present or commented with what it does.

`brochure new card` writes a draft with placeholders, `brochure import` one
filled from a Word document; both go through `card_text`, so that every
card an editor starts from reads the same.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..text.parts import PARTS

PLACEHOLDER_AUTHOR = "Prénom Nom"


@dataclass(frozen=True)
class Draft:
    """What a new card holds; None or empty where the card keeps a commented example instead."""

    number: int
    section: str
    collectivity: str
    title: str
    authors: tuple[str, ...] = ()
    further_reading: tuple[str, ...] = ()
    body: str = ""
    notes: dict = field(default_factory=dict)   # key -> lines kept as comments for a human (key figures...)


def quoted(text: str) -> str:
    """Text as a YAML double-quoted value: safe whatever it holds (« : », #, quotes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def card_text(draft: Draft, sections: tuple[str, ...]) -> str:
    """The whole card file: front-matter with every key (the unknown ones commented), then the body."""
    lines = ["---",
             "# The card's number in the book (printed « 01 »); no two cards share one.",
             f"number: {draft.number}",
             f"# The id of its section in brochure.yml: {', '.join(sections)}.",
             f"section: {draft.section}",
             "# The commissioning body, written normally: the book sets it in capitals.",
             f"collectivity: {quoted(draft.collectivity)}",
             "# The card's title, one sentence.",
             f"title: {quoted(draft.title)}",
             "# The authors, in the printed order. email: the address, or `missing` until it is known",
             "# (brochure check lists it). photo: a portrait (JPEG or PNG, at least 600 px square),",
             "# relative to this file; `photo: none` draws the initials on purpose.",
             "authors:"]
    for name in draft.authors or (PLACEHOLDER_AUTHOR,):
        lines += [f"  - name: {quoted(name)}", "    email: missing", "    # photo: ../images/prenom-nom.jpg"]
    lines += _commented("tutors", draft.notes.get("tutors"), [
        "# The tutor(s) within the collectivity; gender f or m makes the heading agree (TUTEUR, TUTRICE...).",
        "# tutors:", "#   - name: Prénom Nom", "#     role: Directeur général des services", "#     gender: m"])
    lines += _commented("key_figures", draft.notes.get("key_figures"), [
        "# The sidebar « LES CHIFFRES »: a value (in quotes) and its caption; `missing: true` instead of",
        "# the value while it is not known (a placeholder is printed, and brochure check lists it).",
        "# key_figures:", '#   - value: "1039"', "#     caption: habitants", "#   - prefix: Plus de",
        "#     missing: true", "#     caption: ateliers menés"])
    lines += _commented("testimonials", draft.notes.get("testimonials"), [
        "# Quotes from the collectivity: a name, a role, and a text (or questions with their answers).",
        "# testimonials:", "#   - name: Prénom Nom", "#     role: Maire", "#     text: « La citation. »"])
    lines += ["# « ALLER PLUS LOIN »: references, each one line of Markdown, in double quotes."]
    if draft.further_reading:
        lines += ["further_reading:"] + [f"  - {quoted(entry)}" for entry in draft.further_reading]
    else:
        lines += ["# further_reading:", '#   - "Auteur, *Titre*, 2021. [www.site.fr](https://www.site.fr)"']
    body = draft.body.strip() or "\n\n".join(f"## {part}\n\nTexte à venir." for part in PARTS)
    return "\n".join(lines + ["---", body, ""])


def _commented(key: str, found: list[str] | None, example: list[str]) -> list[str]:
    """The commented example of a key; what the source document said about it, as comments, for a human."""
    if not found:
        return example
    at = example.index(f"# {key}:")
    return example[:at] + [f"# TO COMPLETE: {key}, from the document (as written there):"] + \
        [f"#   {line}" for line in found] + example[at:]
