"""A card read and checked -> warnings that help an editor: pictures too small for print, near-miss headings.

Nothing here stops a build: each is content to complete (ask for a larger
photo) or a likely typo (`## Contxte` is not taken for the Contexte part).
"""
from __future__ import annotations

import re

from ..problems import WARNING, Problem
from ..text.markup import FIGURE_OPTIONS, figure_options
from ..text.parts import heading_hint
from .config import PAGE_SIZES
from .models import Card, Config
from .sharpness import placed_width_mm, portrait_problem, resolution_problem
from .sources import Source

IMAGE_REF = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")


def card_advice(card: Card, source: Source, config: Config) -> list[Problem]:
    """Portraits and figures that would print blurred, `##` headings close to a part's name."""
    problems = []
    for index, author in enumerate(card.authors):
        if author.photo is not None and (message := portrait_problem(author.photo)) is not None:
            problems.append(Problem(card.path, source.line("authors", index, "photo"),
                                    f"authors[{index + 1}].photo", message, WARNING))
    side_column = bool(card.key_figures or card.further_reading)
    for offset, line in enumerate(card.body.split("\n")):
        number = card.body_line + offset
        if (heading := HEADING.match(line)) and (part := heading_hint(heading.group(1))) is not None:
            problems.append(Problem(card.path, number, "body", f"heading « {heading.group(1)} » is not read as "
                                    f"the part « {part} »: did you mean '## {part}'?", WARNING))
        for match in IMAGE_REF.finditer(line):
            path = (card.path.parent / match.group(2)).resolve()
            if not path.is_file() or not path.is_relative_to(config.root):
                continue   # said by the checks of the image itself
            width = figure_options(FIGURE_OPTIONS.match(line[match.end():]).group(0))[0].get("width", "full")
            placed = placed_width_mm(PAGE_SIZES[config.page_size][0], width, side_column)
            if (message := resolution_problem(path, placed)) is not None:
                problems.append(Problem(card.path, number, "body", f"figure '{match.group(2)}' {message}", WARNING))
    return problems
