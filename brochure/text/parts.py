"""A heading of a card's body -> which of the card's three parts it means, tolerant of case, accents and typos.

`brochure import` maps a Word document's headings with it; `check` uses it
to say « did you mean ## Contexte? » for a body heading that is close to a
part's name without being it.
"""
from __future__ import annotations

import difflib
import re
import unicodedata

PARTS = ("Contexte", "Problématique", "Des clés pour agir")
_FORMS = {"contexte": 0, "le contexte": 0, "contexte du projet": 0, "problematique": 1, "la problematique": 1,
          "problematiques": 1, "des cles pour agir": 2, "cles pour agir": 2, "les cles pour agir": 2}


def folded(text: str) -> str:
    """Lower case, no accents, no numbering or punctuation: "2. Problématique :" -> "problematique"."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"^\s*(?:[0-9]+|[ivx]+|[a-z])\s*[.)/-]\s+", "", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def known_part(heading: str) -> str | None:
    """The part a heading stands for ("CONTEXTE", "Problematique", "Des clés pour  agir", "Contxte"), or None."""
    name = folded(heading)
    if name in _FORMS:
        return PARTS[_FORMS[name]]
    close = difflib.get_close_matches(name, list(_FORMS), n=1, cutoff=0.8)
    return PARTS[_FORMS[close[0]]] if close else None


def heading_hint(heading: str) -> str | None:
    """For a `##` heading that the book would not take for a part but that is close to one: the part's name.

    The book already takes a part's name in any case and with or without accents (markup.part_name); a typo,
    numbering or a variant (« Contxte », « 1. Contexte », « Les clés pour agir ») gets the hint.
    """
    part = known_part(heading)
    return part if part is not None and _as_the_book_reads(heading) != _as_the_book_reads(part) else None


def _as_the_book_reads(heading: str) -> str:
    text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()
